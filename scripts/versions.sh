#!/usr/bin/env bash
# Check collabrel on each Python the classifiers name: build the wheel once, then for each
# interpreter make a fresh virtual environment, install the wheel alone (no extras: the
# pip-only path), run `collabrel demo` and `collabrel init` + `assess`, then install the test
# tooling and the extras and run the test suite (without the browser, store server and
# notebook modules, which test the machine rather than the Python version).
#
# PYTHONS lists the versions (default: 3.11 3.12 3.13; found as pythonX.Y or through pyenv);
# TESTS the test modules to run (default: the whole suite but the modules named above).
# Slow: several minutes per version. Not part of `make test`.
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$PWD
OUT=${VERSIONS_DIR:-$ROOT/.versions}
mkdir -p "$OUT"

find_python() {
  local v=$1
  if command -v "python$v" >/dev/null 2>&1 && "python$v" --version >/dev/null 2>&1; then
    command -v "python$v"; return
  fi
  if command -v pyenv >/dev/null 2>&1; then
    local prefix
    prefix=$(pyenv prefix "$(pyenv versions --bare | grep -E "^$v(\.|$)" | tail -1)" 2>/dev/null || true)
    if [ -n "$prefix" ] && [ -x "$prefix/bin/python$v" ]; then echo "$prefix/bin/python$v"; return; fi
  fi
  return 1
}

.venv/bin/python -m pip wheel --quiet --no-deps -w "$OUT/dist" . >/dev/null
WHEEL=$(ls -t "$OUT"/dist/collabrel-*.whl | head -1)
status=0
for v in ${PYTHONS:-3.11 3.12 3.13}; do
  if ! py=$(find_python "$v"); then
    echo "python $v: not available on this machine, not tested"; status=1; continue
  fi
  env="$OUT/py$v"
  rm -rf "$env" && "$py" -m venv "$env"
  "$env/bin/python" -m pip install --quiet --upgrade "pip>=25.1"
  "$env/bin/python" -m pip install --quiet -c constraints.txt "$WHEEL"
  work=$(mktemp -d)
  ( cd "$work" && "$env/bin/collabrel" demo -o demo.html >/dev/null \
      && "$env/bin/collabrel" init --format json >/dev/null \
      && "$env/bin/collabrel" assess portfolio.json --actions >/dev/null ) \
    && echo "python $v ($("$env/bin/python" --version)): pip-only demo, init and assess: ok" \
    || { echo "python $v: the pip-only path failed"; status=1; }
  rm -rf "$work"
  "$env/bin/python" -m pip install --quiet -c constraints.txt "$WHEEL[yaml,jupyter,xlsx,store]" \
    pytest hypothesis jsonschema nbclient nbformat ipykernel
  if (cd "$ROOT" && HYPOTHESIS_PROFILE=ci COLLABREL_SKIP_POSTGRES=1 COLLABREL_SKIP_BROWSER=1 \
        "$env/bin/python" -m pytest -q -p no:cacheprovider \
        --ignore=tests/test_notebook.py --ignore=tests/test_store_crash.py \
        --ignore=tests/test_docs.py --ignore=tests/test_browser.py ${TESTS:-tests} \
        > "$OUT/py$v-tests.log" 2>&1); then
    echo "python $v: $(tail -1 "$OUT/py$v-tests.log")"
  else
    echo "python $v: tests failed, see $OUT/py$v-tests.log: $(tail -1 "$OUT/py$v-tests.log")"
    status=1
  fi
done
exit $status
