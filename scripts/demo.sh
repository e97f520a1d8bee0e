#!/usr/bin/env bash
# Set everything up and run the main job on the bundled demo corpus.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
mkdir -p out
.venv/bin/kwaliteitscan code corpus/ --db out/demo.sqlite
.venv/bin/kwaliteitscan export corpus/ --db out/demo.sqlite --format xlsx --out out/candidates.xlsx
echo "Candidates: out/candidates.xlsx (project: out/demo.sqlite)"
