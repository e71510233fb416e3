"""How well the sandbox conforms to Pipedrive's OpenAPI documents: one row per operation, and totals.

    .venv/bin/python tools/conformance_report.py              # the implemented operations
    .venv/bin/python tools/conformance_report.py --all        # every documented operation
    .venv/bin/python tools/conformance_report.py --details    # and what is wrong where it does not conform
    .venv/bin/python tools/conformance_report.py --fuzz       # add the property-based run (slower)

It runs the same probes as ``tests/sandbox/test_conformance.py`` (and, with ``--fuzz``, the same
schemathesis run as ``tests/sandbox/test_schemathesis.py``) against a sandbox it starts on a free port,
with the allowances and the null-in-practice table recorded in the test file. Exit status 1 when an
implemented operation does not conform.
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "tests" / "sandbox"))

import openapi_check as oc
import test_conformance as tc


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--all", action="store_true", help="list documented operations the sandbox lacks too")
    parser.add_argument("--details", action="store_true", help="print each non-conforming response")
    parser.add_argument(
        "--fuzz", action="store_true", help="also run the property-based (schemathesis) checks"
    )
    args = parser.parse_args(argv)

    if tc.DISCOVERY_ERROR is not None:
        print(f"cannot build the sandbox to discover its routes: {tc.DISCOVERY_ERROR}", file=sys.stderr)
        return 2

    from pipedrive_sandbox.server import Sandbox

    started = time.monotonic()
    results: dict[str, oc.OperationResult] = {}
    fuzzed: dict[str, list[str]] = {}
    with Sandbox(scale=tc.SCALE, rate_limit=False) as sandbox:
        prober = oc.Prober(
            sandbox.url,
            sandbox.api_token,
            tc.INDEX,
            tc.IMPLEMENTED,
            tc.BODY_OVERRIDES,
            oauth_client=(sandbox.oauth_client_id, sandbox.oauth_client_secret),
        )
        for key in tc.IMPLEMENTED:
            results[key] = prober.run(key)
        prober.client.close()
    probe_seconds = time.monotonic() - started
    if args.fuzz:
        fuzzed = run_fuzz()
    fuzz_seconds = time.monotonic() - started - probe_seconds

    rows = table_rows(results, fuzzed, include_all=args.all)
    print_table(rows, with_fuzz=args.fuzz)
    probed, conforming, cases = oc.summarize(results.values())
    documented = sum(1 for op in tc.INDEX.operations.values() if op.document != "v1-2026-01-14")
    print()
    print(f"documented operations (v2 + current v1, OAuth included): {documented}")
    print(f"implemented by the sandbox: {len(tc.IMPLEMENTED)}")
    print(f"conforming: {conforming} of {probed} ({cases} responses checked in {probe_seconds:.1f} s)")
    if args.fuzz:
        clean = sum(1 for failures in fuzzed.values() if not failures)
        print(f"property-based run clean: {clean} of {len(fuzzed)} ({fuzz_seconds:.1f} s)")
    if tc.UNMATCHED:
        print("routes matching no documented operation: " + ", ".join(f"{m} {t}" for m, t in tc.UNMATCHED))
    print(
        f"allowances: {len(tc.ALLOWANCES)}" + "".join(f"\n  - {a.label}: {a.reason}" for a in tc.ALLOWANCES)
    )
    fields = sum(len(entry.fields) for entry in tc.NULL_IN_PRACTICE)
    print(f"null in practice: {len(tc.NULL_IN_PRACTICE)} groups, {fields} fields")
    for entry in tc.NULL_IN_PRACTICE:
        listed = f": {', '.join(sorted(entry.fields))}" if args.details else f" ({len(entry.fields)} fields)"
        print(f"  - {entry.label}{listed}\n    {entry.reason}")
    if args.details:
        for key, result in results.items():
            for line in result.failures():
                print(f"\n{key}\n  {line}")
        for key, failures in fuzzed.items():
            for failure in failures:
                print(f"\n{key} (property-based)\n  {failure}")
    failed = probed - conforming + sum(1 for failures in fuzzed.values() if failures)
    return 1 if failed else 0


def run_fuzz() -> dict[str, list[str]]:
    import test_schemathesis as ts

    from pipedrive_sandbox.server import Sandbox

    found: dict[str, list[str]] = {}
    with Sandbox(scale=ts.SCALE, rate_limit=False, seed=11) as shared:
        for key, impl in tc.IMPLEMENTED.items():
            if ts.removes_records(impl.op):
                with Sandbox(scale=ts.SCALE, rate_limit=False, seed=11) as own:
                    found[key] = ts.fuzz(own, impl)
            else:
                found[key] = ts.fuzz(shared, impl)
    return found


def table_rows(
    results: dict[str, oc.OperationResult], fuzzed: dict[str, list[str]], *, include_all: bool
) -> list[dict[str, Any]]:
    rows = []
    operations = tc.INDEX.operations.values() if include_all else [i.op for i in tc.IMPLEMENTED.values()]
    for op in sorted(operations, key=lambda o: (o.template, o.method)):
        if op.document == "v1-2026-01-14" and op.key not in tc.IMPLEMENTED:
            continue  # removed from Pipedrive's API; listed only when the sandbox still serves it
        result = results.get(op.key)
        rows.append(
            {
                "operation": op.key,
                "implemented": op.key in tc.IMPLEMENTED,
                "conforms": None if result is None else result.conforms,
                "cases": 0 if result is None else len(result.cases),
                "fuzz": None if op.key not in fuzzed else not fuzzed[op.key],
            }
        )
    return rows


def _mark(value: bool | None) -> str:
    return "-" if value is None else ("yes" if value else "NO")


def print_table(rows: list[dict[str, Any]], *, with_fuzz: bool) -> None:
    width = max([len("operation"), *(len(r["operation"]) for r in rows)])
    header = f"{'operation':<{width}}  implemented  conforms  cases" + ("  fuzz" if with_fuzz else "")
    print(header)
    print("-" * len(header))
    for row in rows:
        line = (
            f"{row['operation']:<{width}}  {_mark(row['implemented']):<11}  "
            f"{_mark(row['conforms']):<8}  {row['cases']:>5}"
        )
        if with_fuzz:
            line += f"  {_mark(row['fuzz'])}"
        print(line)


if __name__ == "__main__":
    sys.exit(main())
