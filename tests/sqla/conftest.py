"""Fixtures of the SQLAlchemy, pandas and Arrow tests: one engine over the session sandbox (tests/conftest.py).

The directory is ``sqla`` rather than ``sqlalchemy``: ruff counts every directory under ``tests/`` as a
first-party package name, so a ``tests/sqlalchemy`` would make ``import sqlalchemy`` first-party everywhere.

``engine`` reads 50 records per page (so LIMIT pushdown shows in request counts against the 200-deal
sandbox); its pooled connection has read the custom-field definitions before any test counts requests.
``requests(sandbox)`` is what the sandbox received since the last ``sandbox.reset_stats()``.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from sqlalchemy import URL, create_engine
from sqlalchemy.dialects import registry
from sqlalchemy.engine import Engine

# Until pyproject.toml declares the entry point (and after, harmlessly): pipedrive:// -> PipedriveDialect
registry.register("pipedrive", "pipedrive_sql.sqlalchemy", "PipedriveDialect")

PAGE_SIZE = 50


def sandbox_url(sandbox: Any, **properties: str) -> URL:
    query = {
        "BaseURL": sandbox.url,
        "APIToken": sandbox.api_token,
        "Pagesize": str(PAGE_SIZE),
        "MaxConcurrency": "1",
        **properties,
    }
    return URL.create("pipedrive", query=query)


@pytest.fixture(scope="session")
def engine(sandbox: Any) -> Iterator[Engine]:
    # One pooled connection, so that every test meets the same catalog (custom fields read once).
    made = create_engine(sandbox_url(sandbox), pool_size=1, max_overflow=0, pool_timeout=5)
    with made.connect() as connection:
        connection.exec_driver_sql("SELECT count(*) FROM sys_tablecolumns").all()
    yield made
    made.dispose()


def requests(sandbox: Any) -> dict[str, int]:
    """Requests per "METHOD path-template" since the last reset_stats()."""
    return dict(sandbox.stats()["by_operation"])
