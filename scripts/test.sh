#!/usr/bin/env bash
# Set up spinscope with the test and training extras, the browser for page tests, then run
# the linter and the whole test suite. Extra arguments go to pytest.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh test,train,ray
if [ -f scripts/install-browser.sh ]; then bash scripts/install-browser.sh; fi
.venv/bin/ruff check src tests benchmarks scripts
.venv/bin/python -m pytest -q -p no:cacheprovider "$@"
