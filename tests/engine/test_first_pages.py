"""The first pages of a statement's scans go out together (engine/scan.py ``FirstPageAhead``): DuckDB reads
the scans one after the other, and without this each scan's first request waited for the scans before it.
Counted at the transport (requests in flight at once), never timed; the rows and the number of requests are
those of the scans read one after another."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from typing import Any

import httpx
import pytest
from tests.shared_helpers import scan_threads, wait_until

import pipedrive_sql
import pipedrive_sql.errors
from pipedrive_sandbox.server import Sandbox

from .helpers import open_connection

LATENCY_MS = 150  # long enough that requests sent together are in flight together on a loaded machine


class InFlight(httpx.BaseTransport):
    """The real transport, counting how many requests are in flight at once (the most seen)."""

    def __init__(self) -> None:
        self.inner = httpx.HTTPTransport()
        self.lock = threading.Lock()
        self.now = 0
        self.most = 0
        self.sent = 0

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        with self.lock:
            self.now += 1
            self.sent += 1
            self.most = max(self.most, self.now)
        try:
            response = self.inner.handle_request(request)
            response.read()
            return response
        finally:
            with self.lock:
                self.now -= 1

    def reset(self) -> None:
        with self.lock:
            self.most = self.sent = 0

    def close(self) -> None:
        self.inner.close()


@pytest.fixture(scope="module")
def slow() -> Iterator[Sandbox]:
    with Sandbox(seed=3, scale=60, rate_limit=False, latency_ms=LATENCY_MS, fault_rate=0.0) as running:
        yield running


def rows(conn: Any, sql: str) -> list[tuple[Any, ...]]:
    with conn.cursor() as cur:
        cur.execute(sql)
        return sorted(cur.fetchall(), key=repr)


# three small tables of one page each, joined on an expression (so no side's keys narrow another's scan)
JOIN = (
    'SELECT s."Name", p."Name", u."Name" FROM Stages s JOIN Pipelines p ON s."PipelineId" = p."Id" + 0 '
    "CROSS JOIN Users u"
)


def test_a_join_requests_its_scans_first_pages_together(slow: Sandbox) -> None:
    transport = InFlight()
    conn = open_connection(slow, transport=transport)
    try:
        transport.reset()
        assert rows(conn, JOIN)
        assert transport.sent == 3  # one page each, as before
        assert transport.most == 3  # all in flight at once: one round trip, not three
    finally:
        conn.close()
    assert not scan_threads()


def test_the_rows_are_those_of_the_tables_read_one_by_one(slow: Sandbox) -> None:
    transport = InFlight()
    conn = open_connection(slow, transport=transport)
    try:
        together = rows(conn, JOIN)
        alone: dict[str, list[tuple[Any, ...]]] = {}
        for table, columns in (
            ("Stages", '"Name", "PipelineId"'),
            ("Pipelines", '"Id", "Name"'),
            ("Users", '"Id", "Name"'),
        ):
            transport.reset()
            alone[table] = rows(conn, f"SELECT {columns} FROM {table}")
            assert transport.most == 1  # a statement of one scan: nothing goes ahead
    finally:
        conn.close()
    expected = sorted(
        (
            (stage, pipeline, user)
            for stage, pipeline_id in alone["Stages"]
            for p_id, pipeline in alone["Pipelines"]
            for u_id, user in alone["Users"]
            if pipeline_id == p_id
        ),
        key=repr,
    )
    assert together == expected and expected


class Refusing(InFlight):
    """Answers 403 to every request for ``path`` (a fault the sandbox cannot be told to make for one list)."""

    def __init__(self, path: str) -> None:
        super().__init__()
        self.path = path

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        if request.url.path == self.path:
            return httpx.Response(
                403, json={"success": False, "error": "You do not have permission"}, request=request
            )
        return super().handle_request(request)


def test_a_first_page_that_fails_fails_the_statement_and_leaves_no_thread(slow: Sandbox) -> None:
    transport = Refusing("/api/v2/pipelines")
    conn = open_connection(slow, transport=transport)
    try:
        with conn.cursor() as cur, pytest.raises(pipedrive_sql.Error) as raised:
            cur.execute(JOIN)
            cur.fetchall()
        assert "permission" in str(raised.value).lower()
        assert rows(conn, "SELECT COUNT(*) FROM Stages")  # the connection goes on
    finally:
        conn.close()
    assert not scan_threads()


class Gated(InFlight):
    """Holds every request until ``gate`` opens (so a test acts while they are in flight)."""

    def __init__(self) -> None:
        super().__init__()
        self.gate = threading.Event()

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        with self.lock:
            self.now += 1
        try:
            self.gate.wait(30)
        finally:
            with self.lock:
                self.now -= 1
        return super().handle_request(request)


def test_a_cancel_while_the_first_pages_are_in_flight_ends_the_statement(slow: Sandbox) -> None:
    transport = Gated()
    transport.gate.set()
    conn = open_connection(slow, transport=transport)
    transport.gate.clear()
    try:
        with conn.cursor() as cur:
            failed: list[BaseException] = []

            def run() -> None:
                try:
                    cur.execute(JOIN)
                    cur.fetchall()
                except BaseException as exc:
                    failed.append(exc)

            statement = threading.Thread(target=run)
            statement.start()
            wait_until(lambda: transport.now == 3)  # all three first pages asked for at once
            cur.cancel()
            transport.gate.set()
            statement.join(30)
            assert not statement.is_alive()
            assert len(failed) == 1 and isinstance(failed[0], pipedrive_sql.errors.QueryCanceled)
            cur.execute("SELECT COUNT(*) FROM Pipelines")
            assert cur.fetchone()[0] > 0
    finally:
        transport.gate.set()
        conn.close()
    assert not scan_threads()


def test_defining_a_view_over_a_join_requests_nothing(slow: Sandbox) -> None:
    transport = InFlight()
    conn = open_connection(slow, transport=transport)
    try:
        transport.reset()
        with conn.cursor() as cur:
            cur.execute(f"CREATE TEMP VIEW staged AS {JOIN}")  # checked, not run: no first page goes ahead
            assert transport.sent == 0
            cur.execute("SELECT COUNT(*) FROM staged")
            assert cur.fetchone()[0] > 0 and transport.sent == 3 and transport.most == 3
    finally:
        conn.close()
    assert not scan_threads()


@pytest.mark.parametrize(
    "probe",
    [
        f"SELECT * FROM ({JOIN}) AS _pgx_describe LIMIT 0",  # the server describing a prepared statement
        f"SELECT * FROM ({JOIN}) AS t WHERE 1 = 0",  # BI tools reading a query's columns
    ],
)
def test_a_probe_for_columns_requests_nothing(slow: Sandbox, probe: str) -> None:
    transport = InFlight()
    conn = open_connection(slow, transport=transport)
    try:
        transport.reset()
        with conn.cursor() as cur:
            cur.execute(probe)
            assert cur.fetchall() == [] and len(cur.description) == 3
        assert transport.sent == 0  # DuckDB never asked a scan for a batch, so no first page went ahead
    finally:
        conn.close()
    assert not scan_threads()
