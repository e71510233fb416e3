"""Issue 18 in one run: every number as a ratio to its ceiling or baseline, measured in the same run.

    python bench/perf.py                    # scales 10k 30k 100k, 100 ms per request, growth plan (40 / 2 s)
    python bench/perf.py --quick            # scales 2k 5k 10k: for a shared machine (say so when quoting)
    python bench/perf.py --scales 10000 30000 100000 --latency-ms 100 --plan growth

Sections (the sandbox runs in its own process, one per scale, so its JSON encoding does not share a GIL
with the driver):

1. scan      ``SELECT * FROM Deals`` through the DB-API (``fetch_arrow_table``): rows/s against the ceiling
             the burst limit sets (``x-ratelimit-limit`` / 2 s x 500 rows), requests (against the minimum:
             a page per 500 rows and the catch-up; load does not change it), 429s. ``bench/timeline.py``
             shows when each request of such a scan went out and came back.
2. first row ``SELECT * FROM Deals`` and ``fetchone()``: seconds and requests until the first row, against
             the whole scan's.
3. requests  a corpus of joins, ranges and searches (scale 200): requests with pushdown, without it, and
             the minimum any plan needs (stated per query with its reason); and the round trips a join
             of three one-page tables takes at the bench's latency (its first pages go out together).
4. decode    API pages to Arrow for every column of Deals (custom fields included) on one core, from
             memory: the columnar converter against the per-record one it replaced, and the 250k target.
5. memory    peak RSS of a fresh process running ``SELECT Status, COUNT(*), SUM(Value) FROM Deals GROUP
             BY Status`` at each scale, against the same process's RSS after connecting (its baseline);
             again with pandas hidden (pyarrow imports it when installed; the driver does not need it).

Numbers are printed, never asserted.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import httpx

import pipedrive_sql
from pipedrive_sql.catalog.arrow import RecordwiseConverter, RowConverter
from scan import BENCH_TOKEN, sandbox_process  # bench/scan.py: the sandbox in a child process

WINDOW = 2.0
PAGE = 500
DECODE_TARGET = 250_000

# (query, minimum requests, why that is the minimum) against the scale-200 sandbox, 50 records a page;
# a minimum of 0 means one request per 50 rows the query returns (at least one).
CORPUS: list[tuple[str, int, str]] = [
    (
        "SELECT d.Title, p.Name FROM Deals d JOIN Persons p ON p.Id = d.PersonId WHERE d.Id < 50",
        2,
        "one page of deals, one ids= request for their persons",
    ),
    (
        "SELECT d.Id, o.Name FROM Deals d LEFT JOIN Organizations o ON o.Id = d.OrgId WHERE d.Id <= 10",
        2,
        "one page of deals, one ids= request for their organizations",
    ),
    (
        "SELECT d.Id, dp.ProductId FROM Deals d JOIN DealProducts dp ON dp.DealId = d.Id WHERE d.Id < 20",
        2,
        "one page of deals, one deal_ids= request",
    ),
    ("SELECT Id, Title FROM Deals WHERE Id < 50", 1, "the first page sorted by id"),
    ("SELECT Id FROM Deals WHERE Id >= 150", 1, "the first page sorted by id, descending"),
    ("SELECT Id FROM Deals WHERE AddTime >= '2025-06-01'", 1, "the first page sorted by add time"),
    ("SELECT Id FROM Deals WHERE UpdateTime >= '2025-06-01'", 0, "updated_since: a page per 50 matches"),
    ("SELECT * FROM Persons WHERE Email = 'x@y.z'", 1, "one search that finds nobody"),
    ("SELECT Id, Name FROM Persons WHERE Email = 'kieran.smith@taylor.example'", 2, "search, then ids="),
    ("SELECT Id FROM Organizations WHERE Name LIKE 'Hamilton%'", 2, "search, then ids="),
    ("SELECT Id FROM Products WHERE Code = 'CRML-0003'", 2, "search, then ids="),
    ("SELECT * FROM Deals LIMIT 10", 1, "one page"),
]


def connect(url: str, **properties: Any) -> Any:
    return pipedrive_sql.connect(BaseURL=url, APIToken=BENCH_TOKEN, Timeout=300, **properties)


def sandbox_stats(url: str) -> dict[str, Any]:
    body: dict[str, Any] = httpx.get(f"{url}/__sandbox/stats", timeout=30).json()
    return body


def reset(url: str) -> None:
    httpx.post(f"{url}/__sandbox/reset", timeout=30)


def warm_up(conn: Any) -> None:
    """What a connection pays once, before its first scan: the catalog's custom fields (one round of
    requests), the engine's DuckDB, and the imports DuckDB makes on a process's first Arrow scan
    (~0.5 s). The scan that follows is timed on its own."""
    conn.catalog.tables()
    with conn.cursor() as cur:
        cur.execute("SELECT * FROM Deals LIMIT 1")
        cur.fetchall()


def one_cursor(url: str) -> float:
    """Rows/s of the raw page reader with one cursor (no decoding, no SQL): what the server and the
    network give a single sequential reader, measured in the same run."""
    conn = connect(url, MaxConcurrency=1)
    try:
        conn.catalog.tables()
        reset(url)
        time.sleep(WINDOW)
        started = time.perf_counter()
        rows = sum(len(page) for page in conn.engine.client.pages("/api/v2/deals"))
        return rows / (time.perf_counter() - started)
    finally:
        conn.close()


def scan_section(url: str, scale: int, concurrency: int) -> tuple[float, float]:
    """(seconds for the whole scan, rows/s)."""
    single = one_cursor(url)
    conn = connect(url, MaxConcurrency=concurrency)
    try:
        warm_up(conn)  # connect, catalog and the process's first statement: not part of the scan
        limit = conn.engine.client.governor.limit or 0
        reset(url)
        time.sleep(WINDOW)  # an empty burst window, as a scan that starts cold would find it
        with conn.cursor() as cur:
            started = time.perf_counter()
            cur.execute("SELECT * FROM Deals")
            rows = cur.fetch_arrow_table().num_rows
            seconds = time.perf_counter() - started
        stats = sandbox_stats(url)
    finally:
        conn.close()
    ceiling = limit / WINDOW * PAGE
    rate = rows / seconds
    minimum = -(-rows // PAGE) + 1  # a page per 500 rows, and the catch-up (what changed meanwhile)
    print(
        f"  scan       {scale:>7} deals  {rows:>7} rows  {seconds:6.2f} s  {rate:>8.0f} rows/s  "
        f"ceiling {ceiling:>6.0f}  ratio {rate / ceiling:4.2f}  requests {stats['total']:>4} "
        f"(min {minimum})  429s {stats['rate_limited']}  (one raw cursor: {single:.0f} rows/s, "
        f"x{rate / single:.2f})",
        flush=True,
    )
    return seconds, rate


def first_row_section(url: str, scale: int, concurrency: int, whole: float) -> None:
    conn = connect(url, MaxConcurrency=concurrency)
    try:
        warm_up(conn)
        reset(url)
        time.sleep(WINDOW)
        with conn.cursor() as cur:
            started = time.perf_counter()
            cur.execute("SELECT * FROM Deals")
            cur.fetchone()
            seconds = time.perf_counter() - started
            requests = sandbox_stats(url)["total"]
            cur.fetchall()
            total = sandbox_stats(url)["total"]
    finally:
        conn.close()
    print(
        f"  first row  {scale:>7} deals  {seconds:6.2f} s of {whole:6.2f} s (ratio {seconds / whole:4.2f})  "
        f"after {requests} of {total} requests",
        flush=True,
    )


def corpus_section() -> None:
    from pipedrive_sandbox.server import Sandbox

    print("\n3. requests per query (scale 200, 50 a page): pushdown / minimum, and without pushdown")
    with Sandbox(seed=1, scale=200, rate_limit=False) as sandbox:
        options = {"BaseURL": sandbox.url, "APIToken": sandbox.api_token, "MaxConcurrency": 1, "Pagesize": 50}
        pushed = pipedrive_sql.connect(**options)
        plain = pipedrive_sql.connect(**options)
        plain.engine.pushdown = False
        pushed.catalog.tables()
        plain.catalog.tables()
        total_pushed = total_minimum = total_plain = 0
        for sql, minimum, why in CORPUS:
            counts = []
            for conn in (pushed, plain):
                sandbox.reset_stats()
                with conn.cursor() as cur:
                    cur.execute(sql)
                    returned = len(cur.fetchall())
                counts.append(int(sandbox.stats()["total"]))
            minimum = minimum or max(1, -(-returned // 50))
            total_pushed += counts[0]
            total_plain += counts[1]
            total_minimum += minimum
            print(f"  {counts[0]:>3} / {minimum} min ({counts[1]:>3} unpushed)  {sql}   [{why}]")
        print(
            f"  corpus: {total_pushed} requests, minimum {total_minimum} (ratio {total_pushed / total_minimum:.2f}), "
            f"unpushed {total_plain} ({total_plain / total_minimum:.2f})"
        )
        pushed.close()
        plain.close()


def round_trips_section(latency_ms: int) -> None:
    """A join of three one-page tables: the round trips it takes (seconds over the latency, best of 5),
    against the one round trip its three first pages need when they go out together."""
    from pipedrive_sandbox.server import Sandbox

    sql = (
        'SELECT s."Name", p."Name", u."Name" FROM Stages s JOIN Pipelines p ON s."PipelineId" = p."Id" + 0 '
        "CROSS JOIN Users u"
    )
    with Sandbox(seed=1, scale=200, rate_limit=False, latency_ms=latency_ms) as sandbox:
        conn = pipedrive_sql.connect(BaseURL=sandbox.url, APIToken=sandbox.api_token)
        conn.catalog.tables()
        best = float("inf")
        with conn.cursor() as cur:
            for _ in range(5):
                sandbox.reset_stats()
                started = time.perf_counter()
                cur.execute(sql)
                cur.fetchall()
                best = min(best, time.perf_counter() - started)
        requests = int(sandbox.stats()["total"])
        conn.close()
    print(
        f"  join of three one-page tables: {best:.2f} s at {latency_ms} ms a request = "
        f"{best * 1000 / latency_ms:.1f} round trips (minimum 1), {requests} requests (minimum 3)"
    )


def decode_section(url: str) -> None:
    conn = connect(url, MaxConcurrency=1)
    try:
        spec = conn.catalog.table("Deals")
        pages = list(conn.engine.client.pages("/api/v2/deals", max_records=20_000))
    finally:
        conn.close()
    rows = sum(len(p) for p in pages)
    print(
        f"\n4. decode: {rows} deals in memory, {len(spec.columns)} columns (custom fields included), one core"
    )
    columnar = RowConverter(spec.columns)
    converters = {
        "per-record": RecordwiseConverter(spec.columns).batch,  # the reference the columnar one replaced
        "column by column": columnar.columnwise,  # RowConverter's path for pages the struct pass refuses
        "RowConverter": columnar.batch,  # the struct pass: one pa.array call per page
    }
    taken = sum(columnar._struct.arrays(page) is not None for page in pages)
    print(f"  struct pass taken for {taken} of {len(pages)} pages")
    rates = dict.fromkeys(converters, 0.0)
    cpu = dict.fromkeys(converters, 0.0)
    for _ in range(7):  # interleaved, best of 7, in this thread's CPU time (the machine may be shared)
        for name, convert in converters.items():
            started = time.thread_time()
            for page in pages:
                convert(page)
            spent = max(time.thread_time() - started, 1e-9)
            cpu[name] += spent
            rates[name] = max(rates[name], rows / spent)
    for name, best in rates.items():
        print(
            f"  {name:<18} {best:>9.0f} rows/s best (CPU time), {7 * rows / cpu[name]:>9.0f} mean"
            f"  target ratio {best / DECODE_TARGET:4.2f}"
        )
    print(
        f"  RowConverter / per-record: {rates['RowConverter'] / rates['per-record']:.2f}, "
        f"/ column by column: {rates['RowConverter'] / rates['column by column']:.2f}"
    )
    parse_floors(pages, rows)


def parse_floors(pages: list[list[dict[str, Any]]], rows: int) -> None:
    """What parsing the same pages' JSON alone costs on this core, with every parser at hand (CPU time, best
    of 5): the floor under any decoder that starts from the API's bytes, to read the target against."""
    import io

    import orjson
    import pyarrow.json as pj

    bodies = [orjson.dumps({"success": True, "data": page}) for page in pages]
    lines = [b"\n".join(orjson.dumps(record) for record in page) for page in pages]
    single = pj.ReadOptions(use_threads=False, block_size=1 << 24)
    parsers = {
        "orjson.loads (to dicts)": lambda i: orjson.loads(bodies[i]),
        "pyarrow.json (to Arrow)": lambda i: pj.read_json(io.BytesIO(lines[i]), read_options=single),
    }
    print("  JSON parsing alone, the same pages, one core (no decoder from bytes can beat these):")
    for name, parse in parsers.items():
        best = 0.0
        for _ in range(5):
            started = time.process_time()
            for i in range(len(pages)):
                parse(i)
            best = max(best, rows / max(time.process_time() - started, 1e-9))
        print(f"    {name:<26} {best:>9.0f} rows/s  target ratio {best / DECODE_TARGET:4.2f}")


# VmHWM (the process's own peak RSS): ru_maxrss of a child also counts the parent it was forked from.
_MEMORY_CHILD = """
import json, sys, pipedrive_sql
def peak():
    with open("/proc/self/status") as status:
        return next(int(line.split()[1]) for line in status if line.startswith("VmHWM")) / 1024
url, token = sys.argv[1], sys.argv[2]
conn = pipedrive_sql.connect(BaseURL=url, APIToken=token, Timeout=300)
conn.catalog.tables()
baseline = peak()
cur = conn.cursor()
cur.execute("SELECT Status, COUNT(*), SUM(Value) FROM Deals GROUP BY Status")
rows = cur.fetchall()
print(json.dumps({"baseline": baseline, "peak": peak(), "deals": sum(r[1] for r in rows)}))
"""


def memory_section(url: str, scale: int) -> None:
    """Twice: as installed here, and with pandas hidden (the driver does not need it, but pyarrow imports it
    on the first ``pa.array`` of Python values when it is installed: about 33 MB of the peak)."""
    for label, hide_pandas in (("", False), ("  without pandas", True)):
        env = {**os.environ}
        with tempfile.TemporaryDirectory() as hidden:
            if hide_pandas:
                Path(hidden, "sitecustomize.py").write_text("import sys\nsys.modules['pandas'] = None\n")
                env["PYTHONPATH"] = os.pathsep.join(p for p in (hidden, env.get("PYTHONPATH", "")) if p)
            out = subprocess.run(
                [sys.executable, "-c", _MEMORY_CHILD, url, BENCH_TOKEN],
                capture_output=True,
                text=True,
                check=True,
                env=env,
            )
        found = json.loads(out.stdout.strip().splitlines()[-1])
        print(
            f"  memory     {scale:>7} deals  peak RSS {found['peak']:6.0f} MB  after connecting "
            f"{found['baseline']:6.0f} MB  growth {found['peak'] - found['baseline']:5.0f} MB "
            f"({found['deals']} deals aggregated){label}",
            flush=True,
        )


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--scales", type=int, nargs="+", default=[10_000, 30_000, 100_000])
    parser.add_argument("--quick", action="store_true", help="scales 2k 5k 10k (a shared machine)")
    parser.add_argument("--latency-ms", type=int, default=100)
    parser.add_argument("--plan", default="growth")
    parser.add_argument("--concurrency", type=int, default=0, help="MaxConcurrency (0: automatic)")
    parser.add_argument("--skip", nargs="*", default=[], choices=["scan", "corpus", "decode", "memory"])
    args = parser.parse_args(argv)
    scales = [2_000, 5_000, 10_000] if args.quick else args.scales
    print(
        f"scales {scales}, latency {args.latency_ms} ms, plan {args.plan}, "
        f"MaxConcurrency {args.concurrency or 'automatic'}"
        + (" (quick: scaled down for a shared machine)" if args.quick else "")
    )
    print("\n1./2./5. scans at the ceiling, first row, memory (a sandbox process per scale)")
    decode_url_done = False
    for scale in scales:
        with sandbox_process(scale, args.latency_ms, args.plan) as url:
            if "scan" not in args.skip:
                whole, _ = scan_section(url, scale, args.concurrency)
                first_row_section(url, scale, args.concurrency, whole)
            if "memory" not in args.skip:
                memory_section(url, scale)
            if "decode" not in args.skip and scale == scales[-1] and not decode_url_done:
                decode_url_done = True
                decode_section(url)
    if "corpus" not in args.skip:
        corpus_section()
        round_trips_section(args.latency_ms or 100)
    print(
        f"\npeak RSS of this bench process: {resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024:.0f} MB"
    )


if __name__ == "__main__":
    main()
