"""The differential property test, run longer: pushdown on versus off over many random queries.

    .venv/bin/python bench/differential.py [--examples 5000] [--scale 40] [--seed 5] [--pagesize 25]

Starts a sandbox with deleted, archived, merged and sparse records (``oddities``), generates ``--examples``
queries with the strategies of tests/engine/differential.py plus the deterministic grid, runs each with
pushdown on and off, and prints how many were checked, how many differed (with the first few), the
requests each side sent and the queries per second. Numbers are printed, never asserted; a difference
found here belongs in tests/engine/differential_cases.yaml once fixed.
"""

from __future__ import annotations

import argparse
import logging
import sys
import time
from pathlib import Path

from hypothesis import HealthCheck, given, settings

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "tests"))

from engine.differential import compare, grid, load_domain, queries
from engine.helpers import Remembering, open_connection
from pipedrive_sandbox.server import Sandbox


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--examples", type=int, default=5000)
    parser.add_argument("--scale", type=int, default=40)
    parser.add_argument("--seed", type=int, default=5)
    parser.add_argument("--pagesize", type=int, default=25)
    args = parser.parse_args()
    logging.disable(logging.CRITICAL)  # 404s of deleted parents are expected; the counts say what happened

    with Sandbox(
        seed=args.seed, scale=args.scale, rate_limit=False, latency_ms=0, fault_rate=0.0, oddities=True
    ) as sandbox:
        pushed_http, baseline_http = Remembering(), Remembering()
        pushed = open_connection(sandbox, Pagesize=args.pagesize, transport=pushed_http)
        baseline = open_connection(sandbox, Pagesize=500, transport=baseline_http)
        baseline.engine.pushdown = False
        domain = load_domain(baseline)
        differences: list[str] = []
        checked = 0
        started = time.perf_counter()

        for sql in grid(domain):
            checked += 1
            found = compare(pushed, baseline, sql)
            if found:
                differences.append(found)
        grid_count = checked

        @settings(
            max_examples=args.examples, deadline=None, database=None, suppress_health_check=list(HealthCheck)
        )
        @given(sql=queries(domain))
        def run(sql: str) -> None:
            nonlocal checked
            checked += 1
            found = compare(pushed, baseline, sql)
            if found:
                differences.append(found)

        run()
        elapsed = time.perf_counter() - started
        pushed.close()
        baseline.close()

    print(f"queries checked        {checked} ({grid_count} grid, {checked - grid_count} generated)")
    print(f"differences            {len(differences)}")
    print(f"distinct requests      pushdown on {pushed_http.sent}, off {baseline_http.sent}")
    print(f"time                   {elapsed:.1f} s ({checked / elapsed:.1f} queries/s, each run twice)")
    for found in differences[:10]:
        print("\n" + found)
    return 1 if differences else 0


if __name__ == "__main__":
    raise SystemExit(main())
