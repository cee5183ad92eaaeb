#!/usr/bin/env bash
# Install what the browser test and scripts/screenshots.py need: Debian's chromium (browser
# downloads do not work here, so Playwright drives the system binary) and a font set.
# Idempotent and quiet: does nothing when everything is already there.
# Usage: scripts/install-browser.sh [PYTHON]
#   PYTHON (default: the repository's .venv/bin/python, if there is one) also gets Playwright's
#   Python package, which drives Chromium; it downloads no browser of its own.
set -euo pipefail

REPO="$(cd "$(dirname "$0")/.." && pwd)"
PYTHON="${1:-}"
if [ -z "$PYTHON" ] && [ -x "$REPO/.venv/bin/python" ]; then
    PYTHON="$REPO/.venv/bin/python"
fi
SUDO=""
if [ "$(id -u)" -ne 0 ] && command -v sudo >/dev/null 2>&1; then
    SUDO="sudo"
fi

need=()
[ -x /usr/bin/chromium ] || need+=(chromium)
[ -d /usr/share/fonts/truetype/dejavu ] || need+=(fonts-dejavu-core)
[ -d /usr/share/fonts/truetype/liberation ] || need+=(fonts-liberation)

if [ "${#need[@]}" -gt 0 ]; then
    export DEBIAN_FRONTEND=noninteractive
    log="$(mktemp)"
    trap 'rm -f "$log"' EXIT
    if ! { $SUDO apt-get update -qq && \
           $SUDO apt-get install -y -qq --no-install-recommends "${need[@]}"; } >"$log" 2>&1; then
        cat "$log" >&2
        echo "install-browser: could not install ${need[*]}" >&2
        exit 1
    fi
fi

if [ -n "$PYTHON" ] && ! "$PYTHON" -c "import playwright" >/dev/null 2>&1; then
    "$PYTHON" -m pip install --quiet --disable-pip-version-check playwright
fi

/usr/bin/chromium --version >/dev/null 2>&1 || { echo "install-browser: chromium does not run" >&2; exit 1; }
