#!/usr/bin/env bash
# Set everything up and run the main job on the bundled demo corpus: code it, export the
# candidates for review, and write the report.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
mkdir -p out
.venv/bin/kwaliteitscan code corpus/ --db out/demo.sqlite
.venv/bin/kwaliteitscan export corpus/ --db out/demo.sqlite --format xlsx --out out/candidates.xlsx
.venv/bin/kwaliteitscan report corpus/ --db out/demo.sqlite --format html --out out/report.html
.venv/bin/kwaliteitscan report corpus/ --db out/demo.sqlite
echo "Candidates to review: out/candidates.xlsx; report: out/report.html (project: out/demo.sqlite)"
