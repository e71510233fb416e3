"""Fixtures of the write tests: each module writes to its own sandbox, and checks what it wrote through the
API itself (plain HTTP, not the driver).

``wsb``   a sandbox of this module (seed 11, scale 30, rate limits off: a write test never waits)
``conn``  a driver connection to it, custom fields already read (so request counts are the statement's)
``api``   an httpx client on the same sandbox, for reading state back
"""

from __future__ import annotations

from collections.abc import Iterator

import httpx
import pytest

import pipedrive_sql
from pipedrive_sandbox.server import Sandbox
from pipedrive_sql.dbapi import Connection


@pytest.fixture(scope="module")
def wsb() -> Iterator[Sandbox]:
    with Sandbox(seed=11, scale=30, rate_limit=False, latency_ms=0, fault_rate=0.0) as running:
        yield running


@pytest.fixture(scope="module")
def conn(wsb: Sandbox) -> Iterator[Connection]:
    connection = pipedrive_sql.connect(BaseURL=wsb.url, APIToken=wsb.api_token)
    connection.catalog.tables()  # field definitions read now, not inside a counted statement
    yield connection
    connection.close()


@pytest.fixture(scope="module")
def api(wsb: Sandbox) -> Iterator[httpx.Client]:
    with httpx.Client(base_url=wsb.url, headers={"x-api-token": wsb.api_token}, timeout=30) as client:
        yield client
