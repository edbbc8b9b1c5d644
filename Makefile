# The two commands of the README: `make demo` and `make test`. Both create .venv when it is
# missing and install what they need, pinned by constraints.txt. `make fuzz` runs the fuzz
# tests (tests/test_fuzz.py) with thousands of examples instead of CI's few dozen.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
DEPS   := $(VENV)/.deps-installed

.PHONY: demo test lint typecheck unit bench docs clean postgres chromium versions fuzz

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)

$(DEPS): $(BIN)/python pyproject.toml constraints.txt
	$(BIN)/python -m pip install --quiet --upgrade "pip>=25.1"
	$(BIN)/python -m pip install --quiet -c constraints.txt -e ".[yaml,jupyter,xlsx,store,fast,dask]" --group dev --group bench
	touch $@

demo: $(DEPS)
	$(BIN)/python -m collabrel demo

lint: $(DEPS)
	$(BIN)/ruff check src tests benchmarks scripts
	$(BIN)/ruff format --check src tests benchmarks scripts

typecheck: $(DEPS)
	$(BIN)/mypy src

# The store tests start a throwaway PostgreSQL server of their own (tests/store_servers.py):
# install Debian's postgresql when it is missing (CI starts as root on a fresh machine), or
# set COLLABREL_SKIP_POSTGRES=1 to skip those tests on a machine without it.
postgres:
	@if [ -z "$$COLLABREL_SKIP_POSTGRES" ] && ! ls /usr/lib/postgresql/*/bin/initdb >/dev/null 2>&1 \
	    && ! command -v initdb >/dev/null 2>&1; then \
	  if [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then \
	    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq postgresql >/dev/null; \
	  else \
	    echo "PostgreSQL is missing: install it (Debian: apt-get install postgresql) or set COLLABREL_SKIP_POSTGRES=1"; \
	    exit 1; \
	  fi; \
	fi

# The browser tests render reports in a real headless Chromium (tests/browser.py): install
# Debian's chromium when it is missing, like PostgreSQL above, or set COLLABREL_SKIP_BROWSER=1.
chromium:
	@if [ -z "$$COLLABREL_SKIP_BROWSER" ] && ! command -v chromium >/dev/null 2>&1; then \
	  if [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then \
	    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null; \
	  else \
	    echo "Chromium is missing: install it (Debian: apt-get install chromium) or set COLLABREL_SKIP_BROWSER=1"; \
	    exit 1; \
	  fi; \
	fi

unit: $(DEPS) postgres chromium
	HYPOTHESIS_PROFILE=ci $(BIN)/pytest -q

test: lint typecheck unit

# Fuzzing: mutated example portfolios and rule files, thousands of examples with random seeds
# (the `fuzz` profile of tests/conftest.py; `make test` runs the same tests with the ci profile).
fuzz: $(DEPS)
	HYPOTHESIS_PROFILE=fuzz $(BIN)/pytest -q tests/test_fuzz.py --hypothesis-show-statistics

# Benchmarks print ratios measured in one run; `make bench LARGE=1` adds the 100,000 sizes.
bench: $(DEPS)
	$(BIN)/python benchmarks/bench_anchor.py $(if $(LARGE),--sizes 1000 10000 100000,)
	$(BIN)/python benchmarks/bench_iso.py $(if $(LARGE),--large,)
	$(BIN)/python benchmarks/bench_store.py
	$(BIN)/python benchmarks/bench_load.py $(if $(LARGE),--large)
	$(BIN)/python benchmarks/bench_dask.py $(if $(LARGE),,--sizes 10000)
	$(BIN)/python benchmarks/bench_reports.py $(if $(LARGE),--large)

docs: $(DEPS)
	$(BIN)/python docs/gen_reference.py
	$(BIN)/mkdocs build --strict --site-dir site

# Install the package alone (no extras: the pip-only path) and run the demo, init and the test
# suite under each Python the classifiers name. Slow (a virtual environment per version);
# not part of `make test`. PYTHONS lists the interpreters to try.
versions:
	./scripts/versions.sh

clean:
	rm -rf $(VENV) .pytest_cache .mypy_cache .ruff_cache .hypothesis site
