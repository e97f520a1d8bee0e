#!/usr/bin/env bash
# Set everything up and run the whole test suite.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh test
# The HTML report is checked in a real headless browser: Chromium from Debian's packages.
if ! command -v chromium >/dev/null 2>&1; then
  if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then
    export DEBIAN_FRONTEND=noninteractive
    { apt-get update -qq >/dev/null && apt-get install -y -qq chromium >/dev/null; } ||
      echo "note: could not install chromium; the browser test will say so" >&2
  else
    echo "note: chromium is not installed (apt-get install chromium); the browser test will be skipped" >&2
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
