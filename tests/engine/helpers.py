"""Helpers of the SQL engine tests: connections to a sandbox, and running a query while counting requests.

The session sandbox runs without rate limits and sends no rate-limit headers, so these connections use a
governor that does not pace (the client would otherwise assume Pipedrive's lowest plan, 20 requests per
2 seconds, and the suite would spend its time waiting).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import httpx

from pipedrive_sql.api.client import ApiClient
from pipedrive_sql.api.governor import RateGovernor
from pipedrive_sql.auth.basic import ApiTokenAuth
from pipedrive_sql.dbapi import Connection
from pipedrive_sql.settings import build_settings

PAGE_SIZE = 50


class Unpaced(RateGovernor):
    """For a sandbox without rate limits: never holds a request back."""

    def acquire(self, deadline: float | None = None) -> float:
        return 0.0


class Remembering(httpx.BaseTransport):
    """HTTP to the sandbox, each GET's answer remembered by its URL: for tests that read a sandbox nobody
    writes to, and ask for the same pages again and again (the differential test). Other methods pass."""

    def __init__(self) -> None:
        self._http = httpx.HTTPTransport()
        self._answers: dict[str, tuple[int, list[tuple[bytes, bytes]], bytes]] = {}
        self.sent = 0

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        key = str(request.url)
        if request.method == "GET" and key in self._answers:
            status, headers, content = self._answers[key]
            return httpx.Response(status, headers=headers, content=content)
        self.sent += 1
        response = self._http.handle_request(request)
        content = response.read()
        headers = [
            (k, v)
            for k, v in response.headers.raw
            if k.lower() not in (b"content-encoding", b"transfer-encoding")
        ]
        if request.method == "GET":
            self._answers[key] = (response.status_code, headers, content)
        return httpx.Response(response.status_code, headers=headers, content=content)

    def close(self) -> None:
        self._http.close()


def open_connection(
    sandbox: Any, *, transport: httpx.BaseTransport | None = None, **properties: Any
) -> Connection:
    """A connection reading ``PAGE_SIZE`` records per page with one cursor, its catalog already loaded."""
    properties.setdefault("Pagesize", PAGE_SIZE)
    properties.setdefault("MaxConcurrency", 1)
    settings = build_settings({"BaseURL": sandbox.url, "APIToken": sandbox.api_token}, properties)
    client = ApiClient(settings, ApiTokenAuth(sandbox.api_token), governor=Unpaced(), transport=transport)
    conn = Connection(settings, client)
    conn.catalog.tables()  # custom fields read now, not during a counted query
    return conn


def connection_for(
    connections: dict[tuple[Any, ...], Connection], sandbox: Any, *, pushdown: bool = True, **properties: Any
) -> Connection:
    """The shared connection with these properties (opened on first use)."""
    key = (pushdown, *sorted((k.lower(), str(v)) for k, v in properties.items()))
    conn = connections.get(key)
    if conn is None:
        conn = open_connection(sandbox, **properties)
        conn.engine.pushdown = pushdown
        connections[key] = conn
    return conn


def run_counted(
    sandbox: Any, conn: Connection, sql: str, params: Sequence[Any] | Mapping[str, Any] | None = None
) -> tuple[list[tuple[Any, ...]], dict[str, int]]:
    """Execute and fetch everything; return the rows and the requests the sandbox received meanwhile."""
    sandbox.reset_stats()
    with conn.cursor() as cur:
        cur.execute(sql, params)
        rows = cur.fetchall()
    return rows, dict(sandbox.stats()["by_operation"])
