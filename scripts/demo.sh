#!/usr/bin/env bash
# Set everything up and run the main job on the bundled demo corpus.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
.venv/bin/kwaliteitscan extract corpus/ --format text --out out/text
echo "Extracted text is in out/text/"
