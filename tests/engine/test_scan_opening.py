"""How a full scan starts and how wide it goes, counted in requests against the sandbox (never timed).

A scan reads two pages with one cursor, then a third together with the newest page (no probe: the first
answer gives the server's time and the burst limit), and only then turns parallel, with as many workers
as fill the burst window the API reports. So a table of one or two pages costs exactly what one cursor
costs, a larger one costs a page per slice on top, and a larger plan is read by more workers.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from tests.shared_helpers import requests_made

import pipedrive_sql
from pipedrive_sandbox.server import Sandbox
from pipedrive_sql.api.scan import ParallelScan
from pipedrive_sql.settings import AUTO_CONCURRENCY_CAP

EVERY_STATUS = {"status": "open,won,lost,deleted"}  # what a Deals scan sends (docs/tables.md)


def connect(sandbox: Any, **properties: Any) -> Any:
    conn = pipedrive_sql.connect(BaseURL=sandbox.url, APIToken=sandbox.api_token, **properties)
    conn.catalog.tables()  # custom fields read now, not during a counted query
    return conn


def scans_of(conn: Any) -> list[ParallelScan]:
    """Record the parallel scans the connection's client makes (to read their stats afterwards)."""
    client = conn.engine.client
    made: list[ParallelScan] = []
    original = client.parallel_scan

    def parallel_scan(*args: Any, **kwargs: Any) -> Any:
        scan = original(*args, **kwargs)
        made.append(scan)
        return scan

    client.parallel_scan = parallel_scan
    return made


@pytest.fixture(scope="module")
def small() -> Iterator[Any]:
    with Sandbox(seed=7, scale=300, plan="ultimate", latency_ms=0, fault_rate=0.0) as running:
        yield running


@pytest.mark.parametrize("pages", [1, 2])
def test_a_table_of_one_or_two_pages_costs_what_one_cursor_costs(small: Any, pages: int) -> None:
    probe = connect(small, MaxConcurrency=1, Pagesize=500)
    deals = sum(len(p) for p in probe.engine.client.pages("/api/v2/deals", EVERY_STATUS))
    probe.close()
    assert 2 < deals <= 500
    page_size = -(-deals // pages)  # exactly ``pages`` pages
    one = connect(small, MaxConcurrency=1, Pagesize=page_size)
    auto = connect(small, Pagesize=page_size)  # MaxConcurrency automatic: parallel allowed
    try:
        counts = []
        results = []
        for conn in (one, auto):
            small.reset_stats()
            with conn.cursor() as cur:
                cur.execute("SELECT Id FROM Deals")
                results.append(sorted(r[0] for r in cur.fetchall()))
            counts.append(requests_made(small))
        assert results[0] == results[1] and len(results[0]) == deals
        assert counts[1] == counts[0] <= pages + 1, counts
    finally:
        one.close()
        auto.close()


@pytest.fixture(scope="module")
def wide() -> Iterator[Any]:
    with Sandbox(seed=8, scale=4000, plan="ultimate", latency_ms=0, fault_rate=0.0) as running:
        yield running


def test_a_scan_opens_with_one_cursor_then_fills_the_burst_window(wide: Any) -> None:
    """Ultimate plan (120 requests / 2 s): the whole scan costs about one request per page plus a partial
    page per slice, with no 429 and every deal once."""
    conn = connect(wide, Pagesize=100)
    try:
        made = scans_of(conn)
        truth = {r["id"] for p in conn.engine.client.pages("/api/v2/deals", EVERY_STATUS) for r in p}
        pages = -(-len(truth) // 100)
        wide.reset_stats()
        with conn.cursor() as cur:
            cur.execute("SELECT Id FROM Deals")
            ids = [r[0] for r in cur.fetchall()]
        total = requests_made(wide)
        stats = wide.stats()
        assert len(ids) == len(set(ids)) and set(ids) == truth
        assert stats["rate_limited"] == 0
        (scan,) = made
        workers = scan.stats.workers
        # Sized by the estimate when what is left fits in the free window, else by Little's law; capped.
        assert 2 <= workers <= AUTO_CONCURRENCY_CAP, workers
        # The opening (3 pages and the newest), a page per 100 records of the slices with a partial last
        # page each, the tails taken over, and the catch-up.
        assert total <= pages + 1 + workers + scan.stats.splits + 1, (total, pages, scan.stats)
        assert total < 1.5 * pages + 4
    finally:
        conn.close()


@pytest.mark.parametrize(("plan", "concurrency", "most"), [("lite", 0, 19), ("ultimate", 6, 6)])
def test_the_workers_follow_the_reported_limit_and_an_explicit_cap(
    wide: Any, plan: str, concurrency: int, most: int
) -> None:
    """The lite plan allows 20 requests per 2 s: the burst window never has room for more than 19 at once
    (the governor keeps one in reserve), so no more workers start; an explicit MaxConcurrency caps."""
    with Sandbox(seed=8, scale=4000, plan=plan, latency_ms=0, fault_rate=0.0) as sandbox:
        conn = connect(sandbox, Pagesize=100, MaxConcurrency=concurrency)
        try:
            made = scans_of(conn)
            limit = conn.engine.client.governor.limit
            with conn.cursor() as cur:
                cur.execute("SELECT COUNT(*) FROM Deals")
                assert cur.fetchone()[0] > 1000
            (scan,) = made
            assert 2 <= scan.stats.workers <= most
            assert sandbox.stats()["rate_limited"] == 0
            assert limit == {"lite": 20, "ultimate": 120}[plan]
        finally:
            conn.close()
