#!/usr/bin/env bash
# Set everything up and run the main job: SQL against the embedded Pipedrive sandbox (no account needed).
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh >/dev/null
exec .venv/bin/python examples/tour.py "$@"
