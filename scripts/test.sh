#!/usr/bin/env bash
# Set everything up and run the whole test suite.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh test
# Tools from Debian's packages that some tests use; a test whose tool is missing skips and says so
# (under CI, where this install must have worked, it fails instead):
# - chromium: the HTML report and the browser review (through Playwright, never `playwright install`)
# - tesseract-ocr-nld: --ocr on generated scans
# - libreoffice-writer-nogui + hyphen-nl: an office-suite export (two columns, Dutch hyphenation),
#   installed without its recommended packages, which are hundreds of MB
full=() lean=()
command -v chromium >/dev/null 2>&1 || full+=(chromium)
{ command -v tesseract >/dev/null 2>&1 && tesseract --list-langs 2>/dev/null | grep -qx nld; } ||
  full+=(tesseract-ocr tesseract-ocr-nld)
command -v soffice >/dev/null 2>&1 || lean+=(libreoffice-writer-nogui hyphen-nl)
wanted="${full[*]} ${lean[*]}"
if [ -n "${wanted// /}" ]; then
  if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then
    export DEBIAN_FRONTEND=noninteractive
    ok=1
    apt-get update -qq >/dev/null || ok=0
    if [ "$ok" = 1 ] && [ ${#full[@]} -gt 0 ]; then
      apt-get install -y -qq "${full[@]}" >/dev/null || ok=0
    fi
    if [ "$ok" = 1 ] && [ ${#lean[@]} -gt 0 ]; then
      apt-get install -y -qq --no-install-recommends "${lean[@]}" >/dev/null || ok=0
    fi
    [ "$ok" = 1 ] || echo "note: could not install all of:$wanted; the tests that need them will say so" >&2
  else
    echo "note: not installed:$wanted (apt-get install them); the tests that need them will be skipped" >&2
  fi
fi
.venv/bin/python -m pytest "$@"
