"""Scans stream: rows reach the caller while the parallel scan goes on, and nothing is read twice.

Against a sandbox of 3,000 deals read 50 a page (60 pages) by 4 workers: the first batch costs one
request, and batches past the sequential opening arrive long before the table has been read (the scan
used to hold every row back until its slices and catch-up were done). Requests are counted, never timed.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from tests.shared_helpers import requests_made, scan_threads

from pipedrive_sandbox.server import Sandbox
from pipedrive_sql.engine.parse import parse
from pipedrive_sql.engine.plan import plan_query
from pipedrive_sql.engine.scan import SEQUENTIAL_PAGES, open_scan

from .helpers import open_connection

SCALE = 3000
PAGE = 50
WORKERS = 4


@pytest.fixture(scope="module")
def big() -> Iterator[Any]:
    with Sandbox(seed=3, scale=SCALE, rate_limit=False, latency_ms=0, fault_rate=0.0) as running:
        yield running


def test_rows_stream_from_the_first_page_while_the_parallel_scan_goes_on(big: Any) -> None:
    conn = open_connection(big, Pagesize=PAGE, MaxConcurrency=WORKERS)
    try:
        spec = conn.catalog.table("Deals")
        plan = plan_query(parse("SELECT * FROM Deals").tree, conn.catalog, page_size=PAGE).scans[0]
        big.reset_stats()
        reader = open_scan(plan, conn.engine.client)
        first = reader.read_next_batch()
        assert first.num_rows == PAGE and requests_made(big) == 1  # the first row: one request
        sequential = SEQUENTIAL_PAGES + WORKERS
        rows = first.num_rows
        ids = set(first.column("Id").to_pylist())
        for _ in range(sequential):  # the sequential opening, then the first page of a slice
            batch = reader.read_next_batch()
            rows += batch.num_rows
            ids.update(batch.column("Id").to_pylist())
        # Past the opening: the sequential pages, the probe, what the 4 workers hold or have queued
        # (two pages each at most) and one request in flight each; far below the table's 60 pages.
        bound = sequential + 1 + 1 + 2 * WORKERS + 2 * WORKERS
        assert requests_made(big) <= bound < SCALE // PAGE
        for batch in reader:
            rows += batch.num_rows
            ids.update(batch.column("Id").to_pylist())
        total = requests_made(big)
        pages = -(-rows // PAGE)
        # The opening's pages are not read again: the parallel part starts at the last update_time read.
        # Beyond one request per page: the probe, the catch-up, a partial last page per slice.
        assert total <= pages + 12, (total, pages)
        call = plan.calls[0]  # the plan's own request (Deals holds every status: docs/tables.md)
        one_cursor = {r["id"] for page in conn.engine.client.pages(call.path, call.params) for r in page}
        assert rows == len(ids) and ids == one_cursor  # every deal once
        assert len(spec.columns) == first.num_columns
    finally:
        conn.close()


def test_a_limit_the_api_cannot_take_stops_the_scan(big: Any) -> None:
    """LIMIT without ORDER BY over a filter the API cannot evaluate: DuckDB stops pulling once it has the
    rows (here well into the parallel part), and the next statement on the cursor ends the scan: its
    workers stop with at most the pages they had queued or in flight."""
    conn = open_connection(big, Pagesize=PAGE, MaxConcurrency=WORKERS)
    try:
        big.reset_stats()
        with conn.cursor() as cur:
            cur.execute("SELECT Id FROM Deals WHERE Title <> 'no such title' LIMIT 800")
            assert len(cur.fetchall()) == 800
            cur.execute("SELECT 1")
        # 16 pages of rows, DuckDB's vector of 2,048 rows (41 pages of 50), the probe, and what the
        # workers had queued (two pages each) or in flight (one each): below the table's 60 pages.
        assert requests_made(big) <= 41 + 1 + 3 * WORKERS < SCALE // PAGE + 10
        assert not scan_threads()
    finally:
        conn.close()


@pytest.fixture(scope="module")
def deals_100k() -> Iterator[Any]:
    with Sandbox(seed=4, scale=100_000, rate_limit=False, latency_ms=0, fault_rate=0.0) as running:
        yield running


@pytest.mark.slow
def test_the_first_row_of_a_100k_deal_scan_arrives_after_a_few_requests(deals_100k: Any) -> None:
    """Issue 18: the first row through DuckDB costs what DuckDB reads ahead of the cursor, at most a vector
    of 2,048 rows (five pages of 500; today it takes two), whatever the table's size (here about 190
    pages): the scan streams from its first page and the opening is sequential."""
    conn = open_connection(deals_100k, Pagesize=500, MaxConcurrency=WORKERS)
    try:
        deals_100k.reset_stats()
        with conn.cursor() as cur:
            cur.execute("SELECT Id, Title FROM Deals WHERE Title <> 'no such title'")
            first_row = cur.fetchone()
            first = requests_made(deals_100k)
            assert first_row is not None and first <= 5, first
            rest = cur.fetchall()
        every_status = {"status": "open,won,lost,deleted"}  # Deals holds every status (docs/tables.md)
        deals = {r["id"] for p in conn.engine.client.pages("/api/v2/deals", every_status) for r in p}
        assert len(deals) > 90_000  # about 190 pages: the first row came after a few of them
        ids = [first_row[0]] + [row[0] for row in rest]
        assert len(ids) == len(set(ids)) and set(ids) == deals  # and then every deal, once
    finally:
        conn.close()
