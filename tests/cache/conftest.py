"""Fixtures of the cache tests: a sandbox of their own (they write to it) and connections with a cache."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

import pipedrive_sql
from pipedrive_sandbox.server import Sandbox


@pytest.fixture(scope="module")
def writable() -> Iterator[Sandbox]:
    with Sandbox(seed=7, scale=40, rate_limit=False, latency_ms=0, fault_rate=0.0) as running:
        yield running


@pytest.fixture
def open_conn(tmp_path: Path) -> Iterator[Callable[..., Any]]:
    """``open_conn(sb, **properties)``: a connection to ``sb`` whose cache lives in this test's folder."""
    opened: list[Any] = []

    def make(sb: Sandbox, **properties: Any) -> Any:
        properties.setdefault("CacheLocation", str(tmp_path / "cache"))
        properties.setdefault("MaxConcurrency", 1)
        conn = pipedrive_sql.connect(BaseURL=sb.url, APIToken=sb.api_token, **properties)
        opened.append(conn)
        return conn

    yield make
    for conn in opened:
        conn.close()
