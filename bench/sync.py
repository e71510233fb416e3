"""``pipedrive-sql sync`` cost: a full sync, then an incremental one after 1% of the deals changed.

    python bench/sync.py                           # starts a sandbox: --scale 100000 --plan growth
    python bench/sync.py --scale 20000 --tables Deals Persons --target parquet
    python bench/sync.py --url http://127.0.0.1:8765 --token T    # a sandbox that is already running

Prints, per table and in total: rows, requests, tokens, seconds; the full sync's rows/s against the ceiling
the burst limit sets (``x-ratelimit-limit`` requests per 2 s x 500 rows); and the incremental sync's
requests and seconds, with its requests as a share of the full sync's (the goal: at most 2%). The changes
are made over HTTP through the driver's client (it paces itself under the burst limit). Numbers are
printed, never asserted.
"""

from __future__ import annotations

import argparse
import random
import sys
import tempfile
import time
from pathlib import Path

import pipedrive_sql
from pipedrive_sql.sync import TableReport, open_target, sync_tables
from scan import BENCH_TOKEN, sandbox_process  # bench/scan.py: the sandbox in a child process

WINDOW_SECONDS = 2.0
PAGE = 500
DEFAULT_TABLES = ("Deals", "Persons", "Organizations", "Activities", "Products", "Stages", "Users")


def show(title: str, reports: list[TableReport], seconds: float) -> None:
    print(f"\n{title}")
    print(
        f"{'table':<16} {'mode':<12} {'rows':>9} {'upserted':>9} {'deleted':>8} {'requests':>9} {'tokens':>8} {'s':>7}"
    )
    for r in reports:
        print(
            f"{r.table:<16} {r.mode or 'FAILED':<12} {r.rows:>9} {r.upserted:>9} {r.deleted:>8} {r.requests:>9} "
            f"{r.tokens:>8} {r.seconds:>7.2f}" + (f"  {r.error}" if r.error else "")
        )
    print(
        f"{'total':<16} {'':<12} {sum(r.rows for r in reports):>9} {sum(r.upserted for r in reports):>9} "
        f"{sum(r.deleted for r in reports):>8} {sum(r.requests for r in reports):>9} "
        f"{sum(r.tokens for r in reports):>8} {seconds:>7.2f}"
    )


def run(url: str, token: str, args: argparse.Namespace) -> None:
    folder = Path(tempfile.mkdtemp(prefix="pd-bench-sync-"))
    where = str(folder / "replica.duckdb") if args.target == "duckdb" else str(folder / "replica")
    with pipedrive_sql.connect(
        BaseURL=url, APIToken=token, MaxConcurrency=args.concurrency, Timeout=600
    ) as conn:
        client = conn.client
        started = time.perf_counter()
        with open_target(where) as target:
            full = sync_tables(conn, target, args.tables, full=True)
        full_seconds = time.perf_counter() - started
        show(f"full sync into {where}", full, full_seconds)
        limit = client.governor.limit or 0
        rows = sum(r.upserted for r in full)
        ceiling = limit / WINDOW_SECONDS * PAGE
        print(
            f"\nfull sync: {rows} rows in {full_seconds:.1f} s = {rows / full_seconds:.0f} rows/s; burst ceiling "
            f"{ceiling:.0f} rows/s (x-ratelimit-limit {limit} per 2 s x {PAGE}): {rows / full_seconds / ceiling:.2f} of it"
            if ceiling
            else f"\nfull sync: {rows} rows in {full_seconds:.1f} s"
        )

        deal_ids = [r[0] for r in conn.cursor().execute("SELECT Id FROM Deals").fetchall()]
        chosen = random.Random(1).sample(deal_ids, max(1, len(deal_ids) * args.changed_percent // 100))
        started = time.perf_counter()
        for deal_id in chosen:
            client.request("PATCH", f"/api/v2/deals/{deal_id}", json={"title": f"changed {deal_id}"})
        print(
            f"\nchanged {len(chosen)} deals ({args.changed_percent}%) in {time.perf_counter() - started:.1f} s"
        )

        started = time.perf_counter()
        with open_target(where) as target:
            incremental = sync_tables(conn, target, args.tables)
        seconds = time.perf_counter() - started
        show("incremental sync", incremental, seconds)
        full_requests = sum(r.requests for r in full)
        inc_requests = sum(r.requests for r in incremental)
        print(
            f"\nincremental: {inc_requests} requests in {seconds:.1f} s = {inc_requests / full_requests:.1%} of the "
            f"full sync's {full_requests} requests (goal <= 2%)"
        )


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--scale", type=int, default=100_000)
    parser.add_argument("--latency-ms", type=int, default=50)
    parser.add_argument("--plan", default="growth")
    parser.add_argument("--concurrency", type=int, default=4)
    parser.add_argument("--tables", nargs="+", default=list(DEFAULT_TABLES))
    parser.add_argument("--target", choices=("duckdb", "parquet"), default="duckdb")
    parser.add_argument("--changed-percent", type=int, default=1)
    parser.add_argument("--url", help="use a running sandbox instead of starting one")
    parser.add_argument("--token", default=BENCH_TOKEN)
    args = parser.parse_args(argv)
    if args.url:
        run(args.url.rstrip("/"), args.token, args)
        return
    started = time.perf_counter()
    with sandbox_process(args.scale, args.latency_ms, args.plan) as url:
        print(
            f"sandbox {url}: scale {args.scale}, latency {args.latency_ms} ms, plan {args.plan} "
            f"(started in {time.perf_counter() - started:.1f} s)"
        )
        sys.stdout.flush()
        run(url, args.token, args)


if __name__ == "__main__":
    main()
