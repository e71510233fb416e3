"""Rows per second through the PostgreSQL-protocol server, next to the driver used directly.

    .venv/bin/python bench/server.py [--scale 100000] [--repeat 1] [--protocol-rows 500000]

1. Driver: `SELECT * FROM Deals` (all columns, custom fields included) against the embedded sandbox of
   `--scale` deals: `pipedrive_sql.connect(Sandbox=true)` + fetchall, then the same query through the
   server with psycopg (text results, binary results, `COPY ... TO STDOUT` in CSV) and with psql (plain
   `-A -t` output to /dev/null). The goal for the server is >= 0.8x the driver's rate. Each psycopg line
   is run twice in the same run: "columnar" (results encoded from the driver's Arrow batches,
   server/columnar.py) and "row path" (the same bytes encoded value by value: results.COLUMNAR = False),
   with the CPU seconds of the client process (psycopg decoding) and of this process (server, driver and
   embedded sandbox) while the query ran; CPU seconds are what a loaded machine distorts least.
   Then "encoding alone": CPU seconds to encode the scan's rows into DataRow messages, both paths, from
   rows already in memory.
2. Rows the server computes itself: `--protocol-rows` rows of DuckDB's `range` (the issue's
   `SELECT i, i * 2, 'x' || i` among them), text and binary, both paths, next to DuckDB in-process:
   what the wire layer alone costs.

3. `--load`: many BI clients at once against a rate-limited sandbox (Pipedrive's growth plan: 40
   requests per 2-second window for the API token): `--clients` psycopg clients (default 50) each log in
   with a password and run `--queries` statements (default 20, a mix of counts, filters, joins and
   catalog queries). They queue on the driver's rate-limit governor; the run prints client errors
   (expected: 0), the 429s the sandbox answered and those that reached a client, queries per second,
   and p50/p90/p99/max latency.

    .venv/bin/python bench/server.py --load [--clients 50] [--queries 20] [--plan growth]

Numbers are printed, never asserted (tests do not time things; tests/server/test_load.py runs a small
load and asserts that no client sees an error).
"""

from __future__ import annotations

import argparse
import shutil
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import duckdb
import psycopg

import pipedrive_sql
from pipedrive_sql.server import Server, ServerConfig, UserStore, results
from pipedrive_sql.server.pipedrive import PipedriveBackend
from pipedrive_sql.server.types import pg_type_for

LOAD_QUERIES = [
    'SELECT count(*) FROM "Deals"',
    'SELECT "Id", "Title", "Value" FROM "Deals" WHERE "Status" = \'open\' ORDER BY "Value" DESC LIMIT 5',
    'SELECT "Name" FROM "Persons" WHERE "Id" = {n}',
    'SELECT o."Name", count(*) FROM "Deals" d JOIN "Organizations" o ON d."OrgId" = o."Id" GROUP BY 1 LIMIT 5',
    "SELECT relname FROM pg_catalog.pg_class WHERE relkind = 'r' LIMIT 5",
    'SELECT "Id", "Subject" FROM "Activities" LIMIT 10',
    'SELECT "StageId", count(*) FROM "Deals" GROUP BY 1',
]


def load(clients: int, queries: int, plan: str, scale: int) -> None:
    from pipedrive_sandbox.server import Sandbox

    password = "bench-password"
    with Sandbox(seed=1, scale=scale, plan=plan, latency_ms=0, fault_rate=0.0) as sandbox:
        users = Path(tempfile.mkdtemp()) / "users.json"
        UserStore(users).set_password("bench", password)
        props = {"BaseURL": sandbox.url, "APIToken": sandbox.api_token}
        config = ServerConfig(
            host="127.0.0.1", port=0, users_file=users, max_connections=max(64, clients + 4)
        )
        server = Server(PipedriveBackend({"crm": props}), config).start()
        host, port = server.address
        dsn = f"host={host} port={port} dbname=crm user=bench password={password} sslmode=disable"
        latencies: list[float] = []
        errors: list[str] = []
        lock = threading.Lock()
        start = threading.Barrier(clients)

        def client(number: int) -> None:
            try:
                with psycopg.connect(dsn, autocommit=True, connect_timeout=60) as conn:
                    start.wait()
                    for i in range(queries):
                        sql = LOAD_QUERIES[(number + i) % len(LOAD_QUERIES)].format(
                            n=1 + (number * 7 + i) % 50
                        )
                        t0 = time.perf_counter()
                        try:
                            conn.execute(sql).fetchall()
                        except psycopg.Error as exc:
                            with lock:
                                errors.append(f"{exc.sqlstate}: {exc}".splitlines()[0])
                            continue
                        with lock:
                            latencies.append(time.perf_counter() - t0)
            except (psycopg.Error, threading.BrokenBarrierError) as exc:
                with lock:
                    errors.append(f"connect: {exc}".splitlines()[0])

        sandbox.reset_stats()
        t0 = time.perf_counter()
        threads = [threading.Thread(target=client, args=(n,)) for n in range(clients)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        wall = time.perf_counter() - t0
        stats = sandbox.stats()
        server.stop()
    reached = sum(1 for e in errors if e.startswith("53400") or "429" in e)
    print(
        f"3. Load: {clients} clients x {queries} queries, sandbox plan {plan} (scale {scale}), rate limits on"
    )
    print(f"  queries answered        {len(latencies):>8}   client errors {len(errors)}")
    print(
        f"  API requests            {stats['total']:>8}   429s answered by the sandbox {stats['rate_limited']}"
    )
    print(f"  429s reaching clients   {reached:>8}   blocked (403) {stats['blocked']}")
    print(f"  wall time               {wall:8.1f} s ({len(latencies) / wall:.1f} queries/s)")
    if latencies:
        ordered = sorted(latencies)

        def pct(p: float) -> float:
            return ordered[min(len(ordered) - 1, int(p / 100 * len(ordered)))]

        print(
            f"  latency  p50 {pct(50):.3f} s   p90 {pct(90):.3f} s   p99 {pct(99):.3f} s   "
            f"max {ordered[-1]:.3f} s   mean {statistics.fmean(ordered):.3f} s"
        )
    for error in sorted(set(errors))[:10]:
        print(f"  error: {error}")


def best(repeat: int, action: Callable[[], int]) -> tuple[float, int]:
    """Fastest wall time of `repeat` runs, and the row count of the last."""
    times = []
    rows = 0
    for _ in range(repeat):
        t0 = time.perf_counter()
        rows = action()
        times.append(time.perf_counter() - t0)
    return min(times), rows


_CLIENT = """
import sys, time, psycopg
dsn, query, mode = sys.argv[1:4]
with psycopg.connect(dsn, autocommit=True) as conn:
    conn.execute("SELECT 1").fetchall()
    conn.execute(query + " LIMIT 1").fetchall()  # the session's driver connection reads the catalog
    t0 = time.perf_counter()
    c0 = time.process_time()
    if mode == "noop":  # the session's start alone: subtracted from the server's CPU seconds
        rows = 0
    elif mode == "copy":
        rows = 0
        with conn.cursor().copy(f"COPY ({query}) TO STDOUT WITH CSV") as copy:
            for chunk in copy:
                rows += bytes(chunk).count(b"\\n")
    else:
        cur = conn.cursor(binary=mode == "binary")
        cur.execute(query)
        rows = len(cur.fetchall())
    print(time.perf_counter() - t0, rows, time.process_time() - c0)
"""


def client_process(dsn: str, query: str, mode: str) -> tuple[float, int, float, float]:
    """Time a query from a psycopg client in its own process, as a BI tool is (not sharing the server's
    interpreter lock); the session is opened before the clock starts. Also the client's CPU seconds
    (psycopg decoding the rows) and this process's (server, driver and embedded sandbox) while it ran."""
    c0 = time.process_time()
    out = subprocess.run(
        [sys.executable, "-c", _CLIENT, dsn, query, mode], capture_output=True, text=True, check=True
    )
    server_cpu = time.process_time() - c0
    seconds, rows, client_cpu = out.stdout.split()
    return float(seconds), int(rows), float(client_cpu), server_cpu


def measured(dsn: str, query: str, mode: str, repeat: int) -> tuple[float, int, str]:
    """Best wall time of `repeat` client runs, rows, and the CPU seconds of its client and of the server
    (net of a session that connects and warms up but runs nothing)."""
    start_cpu = min(client_process(dsn, query, "noop")[3] for _ in range(repeat))
    runs = [client_process(dsn, query, mode) for _ in range(repeat)]
    s, n, client_cpu, server_cpu = min(runs)
    return s, n, f"  cpu: client {client_cpu:5.2f} s, server {max(server_cpu - start_cpu, 0):5.2f} s"


def encoding_alone(conn: Any, query: str) -> None:
    """CPU seconds to turn the query's rows into DataRow messages (batches of results.BATCH_ROWS), from
    rows already in memory: Arrow batches (columnar) and Python rows (row path), text and binary."""
    cur = conn.cursor()
    cur.execute(query)
    columns = [results.OutColumn(str(d[0]), pg_type_for(d[1])) for d in cur.description]
    table = cur.fetch_arrow_table()
    cur.execute(query)
    rows = cur.fetchall()
    step = results.BATCH_ROWS
    batches = [results.ArrowRows(b) for b in table.to_batches(max_chunksize=step)]
    chunks = [rows[i : i + step] for i in range(0, len(rows), step)]
    for fmt, label in ((0, "text"), (1, "binary")):
        encoder = results.RowEncoder(columns, [fmt])
        timings = []
        size = 0
        for batch_list in (batches, chunks):
            c0 = time.process_time()
            size = sum(len(encoder.encode_batch(b)) for b in batch_list)
            timings.append(time.process_time() - c0)
        print(
            f"  encoding alone, {label:<6} {len(rows):>9,} rows, {size / 1e6:6.1f} MB:  columnar {timings[0]:6.3f} s"
            f" cpu   row path {timings[1]:6.3f} s cpu   ({timings[1] / max(timings[0], 1e-9):4.1f}x)"
        )


def report(
    label: str, seconds: float, rows: int, reference_rate: float | None = None, extra: str = ""
) -> float:
    rate = rows / seconds if seconds else float("inf")
    ratio = f"  ({rate / reference_rate:5.2f}x)" if reference_rate else ""
    print(f"  {label:<48} {rows:>9,} rows  {seconds:7.3f} s  {rate:>12,.0f} rows/s{ratio}{extra}")
    return rate


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--scale", type=int, default=100_000)
    parser.add_argument("--repeat", type=int, default=1)
    parser.add_argument("--protocol-rows", type=int, default=500_000)
    parser.add_argument("--load", action="store_true", help="only the load run (section 3)")
    parser.add_argument("--clients", type=int, default=50)
    parser.add_argument("--queries", type=int, default=20)
    parser.add_argument("--plan", default="growth", choices=["lite", "growth", "premium", "ultimate"])
    parser.add_argument("--load-scale", type=int, default=200)
    args = parser.parse_args()
    if args.load:
        load(args.clients, args.queries, args.plan, args.load_scale)
        return

    props = {"Sandbox": True, "SandboxScale": args.scale}
    # trust is fine for a benchmark on loopback: the load run (--load) logs in with passwords
    server = Server(
        PipedriveBackend({"crm": props}), ServerConfig(host="127.0.0.1", port=0, auth="trust")
    ).start()
    host, port = server.address
    dsn = f"host={host} port={port} dbname=crm user=bench"
    query = 'SELECT * FROM "Deals"'
    try:
        with pipedrive_sql.connect(**props) as conn:
            conn.cursor().execute("SELECT 1").fetchall()  # start the sandbox outside the timings

            def direct() -> int:
                cur = conn.cursor()
                cur.execute(query)
                return len(cur.fetchall())

            direct()  # warm: the sandbox generates its data and the driver reads the catalog once
            print(f"1. SELECT * FROM Deals, sandbox scale {args.scale} (best of {args.repeat})")
            c0 = time.process_time()
            base_s, rows = best(args.repeat, direct)
            driver_cpu = (time.process_time() - c0) / args.repeat
            driver_rate = report(
                "driver directly (fetchall)", base_s, rows, extra=f"  cpu {driver_cpu:5.2f} s"
            )
            encoding_alone(conn, query)

        t0 = time.perf_counter()
        pg = psycopg.connect(dsn, autocommit=True)
        pg.execute("SELECT 1").fetchall()
        print(f"  (opening a client session: {time.perf_counter() - t0:.3f} s, it opens a driver connection)")

        # columnar: results encoded from the driver's Arrow batches (server/columnar.py); row path: the
        # same bytes encoded value by value (results.COLUMNAR = False), for a before/after in one run
        for label, mode in (
            ("text results", "text"),
            ("binary results", "binary"),
            ("COPY TO STDOUT CSV", "copy"),
        ):
            for path, columnar in (("columnar", True), ("row path", False)):
                results.COLUMNAR = columnar
                s, n, cpu = measured(dsn, query, mode, args.repeat)
                report(f"server + psycopg, {label} ({path})", s, n, driver_rate, cpu)
            results.COLUMNAR = True

        psql = shutil.which("psql")
        if psql:

            def with_psql() -> int:
                out = subprocess.run(
                    [psql, "-X", "-A", "-t", "-d", dsn, "-c", query],
                    capture_output=True,
                    check=True,
                )
                return out.stdout.count(b"\n")

            s, n = best(args.repeat, with_psql)
            report("server + psql -A -t (new session each run)", s, n, driver_rate)

        n_rows = args.protocol_rows
        db = duckdb.connect()
        for ceiling in (
            f"SELECT i, 'row ' || i AS label, i * 0.5 AS amount FROM range(0, {n_rows}) t(i)",
            f"SELECT i, i * 2, 'x' || i FROM range({n_rows}) t(i)",
        ):
            print(f"2. Rows the server computes itself: {ceiling}")
            s0, n0 = best(args.repeat, lambda ceiling=ceiling: len(db.execute(ceiling).fetchall()))
            duckdb_rate = report("DuckDB in-process (fetchall)", s0, n0)
            for label, mode in (("text results", "text"), ("binary results", "binary")):
                for path, columnar in (("columnar", True), ("row path", False)):
                    results.COLUMNAR = columnar
                    s, n, cpu = measured(dsn, ceiling, mode, args.repeat)
                    report(f"server + psycopg, {label} ({path})", s, n, duckdb_rate, cpu)
                results.COLUMNAR = True
        pg.close()
    finally:
        server.stop()
    print("  (x: rate relative to the first line of the section; each figure is the best of the runs)")


if __name__ == "__main__":
    main()
