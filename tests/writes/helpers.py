"""Helpers of the write tests: reading state back through the API, running statements, counting writes."""

from __future__ import annotations

from typing import Any

import httpx

from pipedrive_sandbox.server import Sandbox
from pipedrive_sql.dbapi import Connection


def get(api: httpx.Client, path: str, **params: Any) -> Any:
    """The ``data`` of a successful GET (None for a 404)."""
    response = api.get(path, params=params)
    if response.status_code == 404:
        return None
    assert response.status_code == 200, response.text
    return response.json()["data"]


def run(conn: Connection, sql: str, params: Any = None) -> tuple[Any, list[tuple[Any, ...]]]:
    """Execute; the cursor and the rows it returned (RETURNING), if any."""
    cur = conn.cursor()
    cur.execute(sql, params)
    rows = cur.fetchall() if cur.description else []
    return cur, rows


def writes(sandbox: Sandbox) -> dict[str, int]:
    """Requests other than GET the sandbox received since its stats were reset."""
    return {k: v for k, v in sandbox.stats()["by_operation"].items() if not k.startswith("GET ")}


def custom_key(conn: Connection, table: str, column: str) -> str:
    found = conn.catalog.table(table).column(column).custom
    assert found is not None
    return found.key
