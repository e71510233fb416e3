#!/usr/bin/env bash
# Set up a development environment from a fresh clone: a virtualenv in .venv with the project and its
# development dependencies; with --with-system (as root, with apt) also the system packages that the
# end-to-end tests drive: a headless browser and real PostgreSQL clients.
# Safe to run again: it only does what is missing.
set -euo pipefail
cd "$(dirname "$0")/.."

if [ "${1:-}" = "--with-system" ] && [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null; then
  need=()
  # The browser sign-in test drives Debian's chromium through Playwright (never `playwright install`).
  [ -x /usr/bin/chromium ] || need+=(chromium)
  # The protocol server is tested with real PostgreSQL clients: psql, psqlODBC + unixODBC, pgjdbc.
  command -v psql >/dev/null || need+=(postgresql-client)
  command -v isql >/dev/null || need+=(unixodbc)
  dpkg -s odbc-postgresql >/dev/null 2>&1 || need+=(odbc-postgresql)
  [ -e /usr/share/java/postgresql.jar ] || need+=(libpostgresql-jdbc-java)
  # Java: pgjdbc in the server tests, and Spark (local mode) for the Spark data source.
  command -v javac >/dev/null || need+=(openjdk-17-jdk-headless)
  # `pipedrive-sql sync` is tested against a real PostgreSQL server started in a temporary folder.
  ls /usr/lib/postgresql/*/bin/initdb >/dev/null 2>&1 || need+=(postgresql)
  # Node: `pg` drives the server (tests/server/test_node.py) and Pipedrive's official client drives the sandbox
  # (tests/sandbox/test_node_client.py); both are installed from npm into a cache folder.
  command -v npm >/dev/null || need+=(nodejs npm)
  if [ ${#need[@]} -gt 0 ]; then
    echo "installing system packages: ${need[*]}"
    apt-get update -qq
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${need[@]}" >/dev/null
  fi
fi

PYTHON=${PYTHON:-python3}
if [ ! -x .venv/bin/python ]; then
  "$PYTHON" -m venv .venv
fi
.venv/bin/python -m pip install --quiet --upgrade pip
.venv/bin/python -m pip install --quiet -e ".[dev]"
