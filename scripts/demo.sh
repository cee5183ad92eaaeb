#!/usr/bin/env bash
# Set up spinscope and analyse the bundled sample: writes out/sample.json and out/sample.html.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
mkdir -p out
.venv/bin/spinscope analyze examples/sputnik-nato-2023-11-30.txt --format json -o out/sample.json
.venv/bin/spinscope analyze examples/sputnik-nato-2023-11-30.txt --format html -o out/sample.html
echo "wrote out/sample.json and out/sample.html"
