#!/usr/bin/env bash
# Set everything up and run every check: lint, types, and the test suite (against the sandbox, offline).
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh --with-system

echo "== ruff"
.venv/bin/ruff check src tests bench tools examples
.venv/bin/ruff format --check src tests bench tools examples
echo "== mypy"
.venv/bin/mypy
echo "== pytest"
.venv/bin/python -m pytest -q "$@"
