"""What pushdown saves, and how fast API JSON becomes rows.

    .venv/bin/python bench/queries.py [--scale 2000] [--pagesize 500] [--deals 100000]

1. For every case of tests/engine/pushdown_cases.yaml: the API requests and tokens the driver spends, next
   to a plan that pushes nothing (every table read in full, DuckDB doing all the work), against a sandbox
   of ``--scale`` deals read ``--pagesize`` records per page.
2. Rows per second for ``--deals`` deals (all columns, custom fields included), from the API's JSON:
   JSON bytes -> dicts (orjson), dicts -> Arrow (the catalog's column-wise conversion), and the whole
   driver path dicts -> Arrow -> DuckDB -> Python tuples (``SELECT * FROM Deals``, fetchall), with the
   pages held in memory so HTTP does not count; then the same query over HTTP for comparison.

Numbers are printed, never asserted (tests do not time things).
"""

from __future__ import annotations

import argparse
import gc
import os
import statistics
import subprocess
import sys
import threading
import time
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import httpx
import orjson
import yaml

from pipedrive_sandbox.server import Sandbox
from pipedrive_sql.api.client import ApiClient
from pipedrive_sql.api.governor import RateGovernor
from pipedrive_sql.auth.basic import ApiTokenAuth
from pipedrive_sql.catalog import RowConverter
from pipedrive_sql.dbapi import Connection
from pipedrive_sql.settings import build_settings

CASES = Path(__file__).resolve().parent.parent / "tests" / "engine" / "pushdown_cases.yaml"


class Unpaced(RateGovernor):
    """The bench's sandboxes run without rate limits: measure the driver, not the pacing."""

    def acquire(self, deadline: float | None = None) -> float:
        return 0.0


def connect(sandbox: Sandbox, *, pushdown: bool = True, **properties: Any) -> Connection:
    settings = build_settings({"BaseURL": sandbox.url, "APIToken": sandbox.api_token}, properties)
    client = ApiClient(settings, ApiTokenAuth(sandbox.api_token), governor=Unpaced())
    conn = Connection(settings, client)
    conn.engine.pushdown = pushdown
    conn.catalog.tables()
    return conn


# ---- 1. requests and tokens per case ------------------------------------------------------------------


def spend(conn: Connection, sql: str, params: Any) -> tuple[int, int, float]:
    start = time.perf_counter()
    with conn.cursor() as cur:
        cur.execute(sql, params)
        cur.fetchall()
        return cur.api_requests, cur.api_tokens, time.perf_counter() - start


def bench_cases(scale: int, pagesize: int) -> None:
    cases = yaml.safe_load(CASES.read_text())
    print(f"\n== Requests and tokens per case: sandbox of {scale} deals, {pagesize} records per page ==")
    header = f"{'case':32} {'requests':>8} {'tokens':>7}   {'no pushdown':>11} {'tokens':>7}   {'saved':>6}"
    print(header)
    print("-" * len(header))
    totals = [0, 0, 0, 0]
    with Sandbox(seed=1, scale=scale, rate_limit=False) as sandbox:
        connections: dict[tuple[Any, ...], Connection] = {}

        def conn_for(pushdown: bool, properties: Mapping[str, Any]) -> Connection:
            merged = {"Pagesize": pagesize, "MaxConcurrency": 1, **properties}
            key = (pushdown, *sorted((k, str(v)) for k, v in merged.items()))
            if key not in connections:
                connections[key] = connect(sandbox, pushdown=pushdown, **merged)
            return connections[key]

        for case in cases:
            properties = {k: v for k, v in case.get("properties", {}).items() if k != "Pagesize"}
            requests, tokens, _ = spend(conn_for(True, properties), case["sql"], case.get("params"))
            base_requests, base_tokens, _ = spend(
                conn_for(False, properties), case["sql"], case.get("params")
            )
            saved = 1 - tokens / base_tokens if base_tokens else 0.0
            totals = [
                totals[0] + requests,
                totals[1] + tokens,
                totals[2] + base_requests,
                totals[3] + base_tokens,
            ]
            print(
                f"{case['name'][:32]:32} {requests:8} {tokens:7}   {base_requests:11} {base_tokens:7}   {saved:6.0%}"
            )
        for conn in connections.values():
            conn.close()
    print("-" * len(header))
    print(
        f"{'total':32} {totals[0]:8} {totals[1]:7}   {totals[2]:11} {totals[3]:7}   "
        f"{1 - totals[1] / max(totals[3], 1):6.0%}"
    )


# ---- 2. rows per second -------------------------------------------------------------------------------


class PagesInMemory:
    """An API client stand-in that serves pre-fetched pages (to time conversion without HTTP)."""

    max_concurrency = 1
    page_size = 500

    def __init__(self, pages: list[list[dict[str, Any]]], real: ApiClient) -> None:
        self._pages = pages
        self.counters = real.counters
        self.base_url = real.base_url

    def pages(self, path: str, params: Any = None, *, max_records: int | None = None) -> Iterator[list[Any]]:
        yield from self._pages

    def get(self, path: str, params: Any = None) -> Any:
        raise NotImplementedError

    def parallel_scan(self, path: str, params: Any = None, *, concurrency: int | None = None) -> Any:
        raise NotImplementedError

    def close(self) -> None:
        pass


BENCH_TOKEN = "bench-queries-api-token-0123456789"


@contextmanager
def sandbox_process(scale: int) -> Iterator[str]:
    """A sandbox in a child process (so that serving does not compete with the driver for the GIL, and
    its heap does not slow the driver's garbage collections); yields its base URL."""
    command = [
        sys.executable, "-m", "pipedrive_sandbox", "--port", "0", "--scale", str(scale),
        "--api-token", BENCH_TOKEN, "--no-rate-limit",
    ]  # fmt: skip
    child = subprocess.Popen(
        command, stdout=subprocess.PIPE, text=True, env={**os.environ, "PYTHONUNBUFFERED": "1"}
    )
    try:
        assert child.stdout is not None
        url = ""
        for line in child.stdout:
            if "running at" in line:
                url = line.rsplit(" ", 1)[-1].strip()
                break
        if not url:
            raise SystemExit(f"the sandbox exited ({child.wait()}) before printing its URL")
        threading.Thread(target=lambda: [None for _ in child.stdout or ()], daemon=True).start()
        yield url
    finally:
        child.terminate()
        try:
            child.wait(timeout=30)
        except subprocess.TimeoutExpired:
            child.kill()
            child.wait()


def connect_url(url: str, **properties: Any) -> Connection:
    settings = build_settings({"BaseURL": url, "APIToken": BENCH_TOKEN}, properties)
    conn = Connection(settings, ApiClient(settings, ApiTokenAuth(BENCH_TOKEN), governor=Unpaced()))
    conn.catalog.tables()
    return conn


def fetch_raw_pages(url: str, deals: int) -> list[bytes]:
    pages: list[bytes] = []
    cursor: str | None = None
    with httpx.Client(base_url=url, headers={"x-api-token": BENCH_TOKEN}, timeout=60) as http:
        while len(pages) * 500 < deals:
            params: dict[str, Any] = {"limit": 500}
            if cursor:
                params["cursor"] = cursor
            response = http.get("/api/v2/deals", params=params)
            response.raise_for_status()
            pages.append(response.content)
            cursor = orjson.loads(response.content)["additional_data"].get("next_cursor")
            if not cursor:
                break
    return pages


def best_of(runs: int, work: Any) -> float:
    """The smallest CPU time of ``runs`` runs: the conversions are CPU-bound, and CPU time is what other
    processes on a shared machine disturb least (wall time is reported for the HTTP runs)."""
    times = []
    for _ in range(runs):
        gc.collect()
        start = time.process_time()
        work()
        times.append(time.process_time() - start)
    return min(times)


def bench_throughput(deals: int, runs: int) -> None:
    print(f"\n== Rows per second, {deals} deals, all columns (best of {runs}; CPU time unless HTTP) ==")
    started = time.perf_counter()
    # About a tenth of the generated deals are archived or deleted, which /deals does not list.
    with sandbox_process(int(deals * 1.15)) as url:
        print(
            f"(sandbox of {deals} deals started in {time.perf_counter() - started:.1f} s, in a child process)"
        )
        raw = fetch_raw_pages(url, deals)
        conn = connect_url(url, MaxConcurrency=1)
        for concurrency in (1, 4):
            over_http = connect_url(url, MaxConcurrency=concurrency)
            samples = []
            for _ in range(max(1, runs - 1)):
                start = time.perf_counter()
                with over_http.cursor() as cur:
                    cur.execute("SELECT * FROM Deals")
                    count = len(cur.fetchall())
                    requests = cur.api_requests
                samples.append(time.perf_counter() - start)
            label = f"HTTP + SQL -> tuples, MaxConcurrency={concurrency}"
            wall = statistics.median(samples)
            print(f"{label:44} {count / wall:>12,.0f} rows/s wall ({requests} requests, {wall:.1f} s)")
            over_http.close()

    spec = conn.catalog.table("Deals")
    rows = sum(len(orjson.loads(page)["data"]) for page in raw)
    print(f"{rows} deals, {len(spec.columns)} columns ({sum(1 for c in spec.columns if c.custom)} custom), "
          f"{sum(map(len, raw)) / rows:.0f} bytes of JSON each")  # fmt: skip

    converter = RowConverter(spec.columns)

    def parse_pages() -> None:
        for page in raw:  # streamed, as the driver reads: one page alive at a time
            orjson.loads(page)

    def convert_pages() -> None:
        for page in pages:
            converter.batch(page)

    pages: list[list[dict[str, Any]]] = []

    def parse_and_convert() -> None:
        for page in raw:
            converter.batch(orjson.loads(page)["data"])

    # Streamed measurements first, while no parsed pages are alive (a heap of 100k parsed deals would make
    # every garbage collection slower, which the driver, reading page by page, never sees).
    parse = best_of(runs, parse_pages)
    both = best_of(runs, parse_and_convert)
    pages = [orjson.loads(page)["data"] for page in raw]
    to_arrow = best_of(runs, convert_pages)

    memory_conn = Connection(conn.settings, PagesInMemory(pages, conn.client))  # type: ignore[arg-type]
    memory_conn.catalog = conn.catalog
    memory_conn.engine.catalog = conn.catalog

    def tuples() -> None:
        with memory_conn.cursor() as cur:
            cur.execute("SELECT * FROM Deals")
            assert len(cur.fetchall()) == rows

    def arrow_table() -> None:
        with memory_conn.cursor() as cur:
            cur.execute("SELECT * FROM Deals")
            assert cur.fetch_arrow_table().num_rows == rows

    to_tuples = best_of(runs, tuples)
    to_table = best_of(runs, arrow_table)
    print(f"{'JSON bytes -> dicts (orjson)':44} {rows / parse:>12,.0f} rows/s")
    print(f"{'dicts -> Arrow record batches':44} {rows / to_arrow:>12,.0f} rows/s")
    print(f"{'JSON bytes -> Arrow (page by page)':44} {rows / both:>12,.0f} rows/s")
    print(f"{'dicts -> SQL -> Python tuples (fetchall)':44} {rows / to_tuples:>12,.0f} rows/s")
    print(f"{'dicts -> SQL -> Arrow table':44} {rows / to_table:>12,.0f} rows/s")
    conn.close()


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--scale", type=int, default=2000, help="deals in the sandbox for the cases")
    parser.add_argument("--pagesize", type=int, default=500)
    parser.add_argument("--deals", type=int, default=100_000, help="deals for the rows/s measurements")
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--skip-cases", action="store_true")
    parser.add_argument("--skip-throughput", action="store_true")
    args = parser.parse_args(argv)
    if not args.skip_cases:
        bench_cases(args.scale, args.pagesize)
    if not args.skip_throughput:
        bench_throughput(args.deals, args.runs)


if __name__ == "__main__":
    sys.exit(main())
