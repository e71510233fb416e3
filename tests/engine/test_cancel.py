"""Cancelling a statement stops the API paging: Cursor.cancel() and Connection.cancel() from another thread.

A sandbox of 3,000 deals read 50 a page (60 pages), 20 ms added per request so that a scan is still going
when the test cancels it. Requests are counted, never timed: after the cancel, at most the requests that
were already on the wire (one per scan worker) reach the sandbox, and the statement raises QueryCanceled.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator
from typing import Any

import pytest
from tests.shared_helpers import requests_made, scan_threads, wait_until

from pipedrive_sandbox.server import Sandbox
from pipedrive_sql.errors import OperationalError, QueryCanceled

from .helpers import open_connection

SCALE = 3000
PAGE = 50


@pytest.fixture(scope="module")
def slow() -> Iterator[Any]:
    with Sandbox(seed=5, scale=SCALE, rate_limit=False, latency_ms=20, fault_rate=0.0) as running:
        yield running


def run_in_thread(action: Callable[[], Any]) -> tuple[threading.Thread, list[BaseException | Any]]:
    outcome: list[BaseException | Any] = []

    def target() -> None:
        try:
            outcome.append(action())
        except BaseException as exc:
            outcome.append(exc)

    thread = threading.Thread(target=target, daemon=True)
    thread.start()
    return thread, outcome


@pytest.mark.parametrize("workers", [1, 4])
def test_cursor_cancel_stops_paging(slow: Any, workers: int) -> None:
    conn = open_connection(slow, Pagesize=PAGE, MaxConcurrency=workers)
    try:
        cur = conn.cursor()
        slow.reset_stats()
        thread, outcome = run_in_thread(lambda: cur.execute("SELECT * FROM Deals").fetchall())
        wait_until(lambda: requests_made(slow) >= 8)
        cur.cancel()
        at_cancel = requests_made(slow)
        thread.join(30)
        assert not thread.is_alive()
        assert len(outcome) == 1 and isinstance(outcome[0], QueryCanceled), outcome
        assert isinstance(outcome[0], OperationalError)  # PEP 249: the service side stopped, not the SQL
        assert "cancelled" in str(outcome[0])
        assert scan_threads() == []
        after = requests_made(slow)
        # at most one request per worker was already on the wire; the full scan is 60 pages and more
        assert after <= at_cancel + workers, (at_cancel, after)
        assert after < SCALE // PAGE
        # the cursor is usable again, and a cancel while it is idle changes nothing
        cur.cancel()
        assert cur.execute("SELECT Id FROM Deals LIMIT 3").fetchall() != []
    finally:
        conn.close()


def test_connection_cancel_stops_every_cursor(slow: Any) -> None:
    conn = open_connection(slow, Pagesize=PAGE, MaxConcurrency=1)
    try:
        first, second = conn.cursor(), conn.cursor()
        slow.reset_stats()
        runs = [
            run_in_thread(lambda: first.execute("SELECT * FROM Deals").fetchall()),
            run_in_thread(lambda: second.execute("SELECT * FROM Persons").fetchall()),
        ]
        wait_until(lambda: requests_made(slow) >= 6)
        conn.cancel()
        at_cancel = requests_made(slow)
        for thread, outcome in runs:
            thread.join(30)
            assert not thread.is_alive()
            assert len(outcome) == 1 and isinstance(outcome[0], QueryCanceled), outcome
        assert requests_made(slow) <= at_cancel + 2
    finally:
        conn.close()


def test_fetchmany_then_cancel_keeps_the_rows_already_fetched(slow: Any) -> None:
    conn = open_connection(slow, Pagesize=PAGE, MaxConcurrency=1)
    try:
        cur = conn.cursor()
        cur.execute("SELECT Id FROM Deals")
        rows = cur.fetchmany(10)
        assert len(rows) == 10
        cur.cancel()
        with pytest.raises(QueryCanceled):
            cur.fetchall()
        assert len(rows) == 10
        assert cur.execute("SELECT COUNT(*) FROM Deals WHERE Id = 1").fetchone() == (1,)
    finally:
        conn.close()
