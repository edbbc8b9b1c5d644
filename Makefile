# The two commands of the README: `make demo` and `make test`. Both create .venv when it is
# missing and install what they need, pinned by constraints.txt.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
DEPS   := $(VENV)/.deps-installed

.PHONY: demo test lint typecheck unit bench docs clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)

$(DEPS): $(BIN)/python pyproject.toml constraints.txt
	$(BIN)/python -m pip install --quiet --upgrade "pip>=25.1"
	$(BIN)/python -m pip install --quiet -c constraints.txt -e ".[yaml,jupyter,xlsx,fast]" --group dev --group bench
	touch $@

demo: $(DEPS)
	$(BIN)/python -m collabrel demo

lint: $(DEPS)
	$(BIN)/ruff check src tests benchmarks
	$(BIN)/ruff format --check src tests benchmarks

typecheck: $(DEPS)
	$(BIN)/mypy src

unit: $(DEPS)
	HYPOTHESIS_PROFILE=ci $(BIN)/pytest -q

test: lint typecheck unit

bench: $(DEPS)
	$(BIN)/python benchmarks/run.py
	$(BIN)/python benchmarks/bench_load.py $(if $(LARGE),--large)

docs: $(DEPS)
	$(BIN)/python docs/gen_reference.py
	$(BIN)/mkdocs build --strict --site-dir site

clean:
	rm -rf $(VENV) .pytest_cache .mypy_cache .ruff_cache .hypothesis site
