#!/usr/bin/env bash
# The tests drive Debian's Chromium, back up with the PostgreSQL client tools (pg_dump,
# pg_restore) and restart a Redis of their own (redis-server). Install what is missing (a fresh machine), so that `npm test` needs nothing the
# project does not set up itself.
set -euo pipefail
chromium_path="${CHROMIUM_PATH:-/usr/bin/chromium}"
missing=()
[ -x "$chromium_path" ] || missing+=(chromium)
{ command -v pg_dump >/dev/null && command -v pg_restore >/dev/null; } || missing+=(postgresql-client)
command -v redis-server >/dev/null || missing+=(redis-server)
if [ ${#missing[@]} -eq 0 ]; then
  exit 0
fi
if [ "$(id -u)" != "0" ] || ! command -v apt-get >/dev/null; then
  echo "Missing for the tests: ${missing[*]}. Install them (Debian: apt-get install ${missing[*]}); set CHROMIUM_PATH if Chromium lives elsewhere." >&2
  exit 1
fi
echo "Installing what the tests need (apt-get install ${missing[*]})…"
apt-get update -qq
DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${missing[@]}" >/dev/null
