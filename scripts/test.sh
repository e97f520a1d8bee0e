#!/usr/bin/env bash
# Set everything up and run the whole test suite.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh test
# The HTML report and the browser review (through Playwright, never `playwright install`) are checked in a
# real headless browser: Chromium from Debian's packages.
if ! command -v chromium >/dev/null 2>&1; then
  if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then
    export DEBIAN_FRONTEND=noninteractive
    { apt-get update -qq >/dev/null && apt-get install -y -qq chromium >/dev/null; } ||
      echo "note: could not install chromium; the browser test will say so" >&2
  else
    echo "note: chromium is not installed (apt-get install chromium); the browser test will be skipped" >&2
  fi
fi
# --ocr is tested with Tesseract and its Dutch data from Debian's packages.
if ! { command -v tesseract >/dev/null 2>&1 && tesseract --list-langs 2>/dev/null | grep -qx nld; }; then
  if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then
    export DEBIAN_FRONTEND=noninteractive
    { apt-get update -qq >/dev/null && apt-get install -y -qq tesseract-ocr tesseract-ocr-nld >/dev/null; } ||
      echo "note: could not install tesseract-ocr-nld; the OCR tests will be skipped and say so" >&2
  else
    echo "note: Tesseract's Dutch data is not installed (apt-get install tesseract-ocr-nld); the OCR tests will be skipped" >&2
  fi
fi
# An office-suite export (two columns, Dutch hyphenation) is read in a test: LibreOffice from Debian.
if ! command -v soffice >/dev/null 2>&1; then
  if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then
    export DEBIAN_FRONTEND=noninteractive
    { apt-get update -qq >/dev/null &&
      apt-get install -y -qq --no-install-recommends libreoffice-writer-nogui hyphen-nl >/dev/null; } ||
      echo "note: could not install LibreOffice; the office-export test will be skipped" >&2
  else
    echo "note: LibreOffice is not installed (apt-get install libreoffice-writer-nogui hyphen-nl); the office-export test will be skipped" >&2
  fi
fi
.venv/bin/python -m pytest "$@"
