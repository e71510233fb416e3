"""Fixtures of the SQL engine tests: connections to the session sandbox (see tests/conftest.py).

``sql_conn`` pages 50 records at a time (so LIMIT pushdown shows in request counts against the 200-deal
sandbox) and reads with one cursor at a time (so counts are deterministic); its catalog is loaded up front,
so the field-definition requests of the first query do not show up in a test's counts. ``baseline_conn``
plans without any pushdown: the reference every pushdown case must agree with. See ``helpers``.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from pipedrive_sql.dbapi import Connection

from .helpers import connection_for


@pytest.fixture(scope="session")
def connections(sandbox: Any) -> Iterator[dict[tuple[Any, ...], Connection]]:
    """Connections by their properties, opened on first use and shared by the session."""
    opened: dict[tuple[Any, ...], Connection] = {}
    yield opened
    for conn in opened.values():
        conn.close()


@pytest.fixture
def sql_conn(connections: dict[tuple[Any, ...], Connection], sandbox: Any) -> Connection:
    return connection_for(connections, sandbox)


@pytest.fixture
def baseline_conn(connections: dict[tuple[Any, ...], Connection], sandbox: Any) -> Connection:
    return connection_for(connections, sandbox, pushdown=False)
