#!/usr/bin/env bash
# Runs every test Latchkey has, on a fresh machine: installs what is missing (Debian packages, Python packages),
# builds, runs `swift test`, checks the shipped provider catalog, then runs the end-to-end suite against the
# real binary. Exits non-zero on the first failure.
set -euo pipefail
cd "$(dirname "$0")/.."

say() { printf '\n==> %s\n' "$*"; }
as_root() { if [ "$(id -u)" -eq 0 ]; then "$@"; else sudo "$@"; fi; }

say "System packages"
missing=()
for pkg in libsqlite3-dev python3 python3-pip chromium chromium-driver postgresql; do
  dpkg -s "$pkg" >/dev/null 2>&1 || missing+=("$pkg")
done
if [ ${#missing[@]} -gt 0 ]; then
  echo "installing: ${missing[*]}"
  as_root apt-get update -qq
  DEBIAN_FRONTEND=noninteractive as_root apt-get install -y -qq "${missing[@]}" >/dev/null
else
  echo "all present"
fi

say "Python packages for the end-to-end tests"
if ! python3 -c 'import pytest, requests, selenium, django, oauth2_provider, waitress, mcp, schemathesis' 2>/dev/null \
    || ! python3 -m ruff --version >/dev/null 2>&1; then
  python3 -m pip install -q -r e2e/requirements.txt || python3 -m pip install -q --break-system-packages -r e2e/requirements.txt
else
  echo "all present"
fi

say "Python style (ruff.toml: e2e/, Benchmarks/*.py, scripts/*.py)"
python3 -m ruff format --check --quiet || { echo "run: python3 -m ruff format"; exit 1; }
python3 -m ruff check --quiet

say "A throwaway PostgreSQL server (loopback, temporary directory, stopped on exit)"
if [ -z "${LATCHKEY_TEST_POSTGRES_URL:-}" ]; then
  PG_DIR=$(mktemp -d /tmp/latchkey-pg.XXXXXX)
  PG_PORT=$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
  trap 'scripts/postgres.sh stop "$PG_DIR"; rm -rf "$PG_DIR"' EXIT
  LATCHKEY_TEST_POSTGRES_URL=$(scripts/postgres.sh start "$PG_DIR" "$PG_PORT")
  export LATCHKEY_TEST_POSTGRES_URL
fi
echo "$LATCHKEY_TEST_POSTGRES_URL"

say "Build (debug, with tests)"
swift build --build-tests

say "Swift tests"
swift test --skip-build

say "Provider catalog"
.build/debug/latchkey providers check
# The shipped files under the shipped-catalog rules, with today's date: a pinned API version past its support end
# (or older than 12 months without one) fails the run until the file moves to a supported version.
.build/debug/latchkey providers check --strict providers
python3 scripts/provider-table.py --check

say "End-to-end tests (real binary, real OAuth server, PostgreSQL, headless Chromium)"
mkdir -p test-artifacts/screenshots
LATCHKEY_BIN="$PWD/.build/debug/latchkey" LATCHKEY_WEB_DIR="$PWD/web" python3 -m pytest -p no:cacheprovider -q --durations=25 e2e
