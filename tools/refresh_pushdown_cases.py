"""Re-measure cases of ``tests/engine/pushdown_cases.yaml``: their requests and row counts, from the sandbox.

    .venv/bin/python tools/refresh_pushdown_cases.py NAME [NAME ...]     # rewrite these cases
    .venv/bin/python tools/refresh_pushdown_cases.py --check              # list the cases that disagree

For when the data a case reads changes meaning on purpose (Deals holding deleted deals, docs/tables.md):
each named case runs against the test suite's sandbox (seed 1, 200 deals, 50 records per page) exactly as
``tests/engine/test_pushdown_cases.py`` runs it, and its ``requests`` and ``rows`` are rewritten in place
(the rest of the file, comments and ``why`` texts included, is left as it is: read the ``why`` again). A
case whose rows differ from a plan that pushes nothing is never rewritten: that is a bug, not a new count.
"""

from __future__ import annotations

import argparse
import re
import sys
from pathlib import Path
from typing import Any

import yaml

ROOT = Path(__file__).resolve().parent.parent
CASES = ROOT / "tests" / "engine" / "pushdown_cases.yaml"
sys.path.insert(0, str(ROOT / "tests"))

from engine.helpers import connection_for, run_counted  # noqa: E402
from pipedrive_sandbox.server import Sandbox  # noqa: E402


def measure(
    sandbox: Any, connections: dict[Any, Any], case: dict[str, Any]
) -> tuple[int, dict[str, int], bool]:
    properties = case.get("properties", {})
    rows, requests = run_counted(
        sandbox, connection_for(connections, sandbox, **properties), case["sql"], case.get("params")
    )
    baseline = connection_for(connections, sandbox, pushdown=False, **properties)
    expected, _ = run_counted(sandbox, baseline, case["sql"], case.get("params"))
    compare = case.get("compare", "rows")
    if compare == "count":
        agree = len(rows) == len(expected)
    else:
        agree = compare == "none" or sorted(map(repr, rows)) == sorted(map(repr, expected))
    return len(rows), requests, agree


def rewrite(text: str, name: str, rows: int, requests: dict[str, int]) -> str:
    start = text.index(f"- name: {name}\n")
    end = text.find("\n- name: ", start + 1)
    end = len(text) if end < 0 else end + 1
    block = re.sub(r"\n  rows: \d+", f"\n  rows: {rows}", text[start:end])
    listed = "  requests:\n" + "".join(f"    {k}: {v}\n" for k, v in requests.items())
    block = re.sub(r"  requests:\n(    .*\n)+", listed, block)
    return text[:start] + block + text[end:]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("names", nargs="*")
    parser.add_argument("--check", action="store_true", help="only list the cases that disagree")
    args = parser.parse_args()
    text = CASES.read_text()
    cases = {c["name"]: c for c in yaml.safe_load(text)}
    unknown = [n for n in args.names if n not in cases]
    if unknown:
        print(f"no such case: {', '.join(unknown)}", file=sys.stderr)
        return 2
    names = list(cases) if args.check else args.names
    connections: dict[Any, Any] = {}
    status = 0
    with Sandbox(seed=1, scale=200, rate_limit=False, latency_ms=0, fault_rate=0.0) as sandbox:
        for name in names:
            case = cases[name]
            rows, requests, agree = measure(sandbox, connections, case)
            same = rows == case["rows"] and requests == case["requests"]
            if not agree:
                print(f"{name}: rows differ from a plan that pushes nothing; not rewritten")
                status = 1
            elif not same:
                print(f"{name}: rows {case['rows']} -> {rows}, requests {case['requests']} -> {requests}")
                if not args.check:
                    text = rewrite(text, name, rows, requests)
                status = status or int(args.check)
        for conn in connections.values():
            conn.close()
    if not args.check:
        CASES.write_text(text)
    return status


if __name__ == "__main__":
    raise SystemExit(main())
