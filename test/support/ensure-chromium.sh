#!/usr/bin/env bash
# Browser tests drive Debian's Chromium. Install it when it is missing (a fresh machine), so
# that `npm test` needs nothing the project does not set up itself.
set -euo pipefail
chromium_path="${CHROMIUM_PATH:-/usr/bin/chromium}"
if [ -x "$chromium_path" ]; then
  exit 0
fi
if [ "$(id -u)" != "0" ] || ! command -v apt-get >/dev/null; then
  echo "Chromium is missing at $chromium_path. Install it (Debian: apt-get install chromium) or set CHROMIUM_PATH." >&2
  exit 1
fi
echo "Installing Chromium for the browser tests (apt-get install chromium)…"
apt-get update -qq
DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null
