"""A CancelRequest (psycopg's ``cancel_safe``) and statement_timeout stop the driver's API paging.

The server over the real driver and a sandbox of 3,000 deals read 50 a page (60 pages), 20 ms added per
request. Requests are counted: after the cancel at most one request per scan worker (those already on the
wire) reaches the sandbox; before, the scan went on to its end and the cancel was reported after it.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from typing import Any

import pytest
from tests.shared_helpers import requests_made, wait_until

from pipedrive_sandbox.server import Sandbox
from pipedrive_sql.server import Server, ServerConfig
from pipedrive_sql.server.pipedrive import PipedriveBackend

psycopg = pytest.importorskip("psycopg")

SCALE = 3000
PAGE = 50
WORKERS = 2


@pytest.fixture(scope="module")
def slow() -> Iterator[Any]:
    with Sandbox(seed=6, scale=SCALE, rate_limit=False, latency_ms=20, fault_rate=0.0) as running:
        yield running


@pytest.fixture(scope="module")
def served(slow: Any) -> Iterator[str]:
    properties = {
        "BaseURL": slow.url,
        "APIToken": slow.api_token,
        "Pagesize": PAGE,
        "MaxConcurrency": WORKERS,
    }
    server = Server(
        PipedriveBackend({"crm": properties}), ServerConfig(host="127.0.0.1", port=0, auth="trust")
    ).start()
    host, port = server.address
    yield f"host={host} port={port} dbname=crm user=bob"
    server.stop()


def test_cancel_request_stops_api_paging(slow: Any, served: str) -> None:
    with psycopg.connect(served, autocommit=True) as conn:
        conn.execute('SELECT "Id" FROM "Deals" LIMIT 1').fetchall()  # catalog and fields read before counting
        slow.reset_stats()
        outcome: list[BaseException | Any] = []

        def scan() -> None:
            try:
                outcome.append(conn.execute('SELECT * FROM "Deals"').fetchall())
            except BaseException as exc:
                outcome.append(exc)

        thread = threading.Thread(target=scan, daemon=True)
        thread.start()
        wait_until(lambda: requests_made(slow) >= 8)
        conn.cancel_safe()
        at_cancel = requests_made(slow)
        thread.join(60)
        assert not thread.is_alive()
        assert len(outcome) == 1 and isinstance(outcome[0], psycopg.errors.QueryCanceled), outcome
        after = requests_made(slow)
        assert after <= at_cancel + WORKERS, (at_cancel, after)
        assert after < SCALE // PAGE
        assert conn.execute('SELECT count(*) FROM "Deals" WHERE "Id" = 1').fetchone() == (1,)


def test_statement_timeout_stops_api_paging(slow: Any, served: str) -> None:
    with psycopg.connect(served, autocommit=True) as conn:
        conn.execute('SELECT "Id" FROM "Deals" LIMIT 1').fetchall()
        conn.execute("SET statement_timeout = 300")
        slow.reset_stats()
        with pytest.raises(psycopg.errors.QueryCanceled, match="statement timeout"):
            conn.execute('SELECT * FROM "Deals"').fetchall()
        stopped = requests_made(slow)
        assert stopped < SCALE // PAGE
        conn.execute("SET statement_timeout = 0")
        # nothing goes on reading after the error: a later statement's requests are its own
        slow.reset_stats()
        assert conn.execute('SELECT count(*) FROM "Deals" WHERE "Id" = 2').fetchone() == (1,)
        assert requests_made(slow) <= 2
