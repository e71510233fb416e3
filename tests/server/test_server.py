"""Listener behaviour: catalog refresh, connection limits, stopping."""

from __future__ import annotations

import pytest

from pipedrive_sql.server import Server, ServerConfig

from .duckdb_backend import DuckDBBackend
from .wire_client import WireClient, error_code


def _tables(client: WireClient) -> set[str]:
    messages = client.query(
        "SELECT relname FROM pg_catalog.pg_class WHERE relkind = 'r' AND relnamespace = 2200"
    )
    return {body[6:].decode() for kind, body in messages if kind == b"D"}


def test_catalog_is_rebuilt_after_its_ttl() -> None:
    backend = DuckDBBackend()
    with Server(backend, ServerConfig(port=0, auth="trust", catalog_ttl=0)) as server:
        client = WireClient(*server.address)
        try:
            assert "Extra" not in _tables(client)
            backend.db.execute('CREATE TABLE "Extra" ("Id" BIGINT)')
            assert "Extra" in _tables(client)
        finally:
            client.close()


def test_connection_limit() -> None:
    with Server(DuckDBBackend(), ServerConfig(port=0, auth="trust", max_connections=1)) as server:
        first = WireClient(*server.address)
        try:
            with pytest.raises(RuntimeError, match="too many clients"):
                WireClient(*server.address)
        finally:
            first.close()


def test_terminate_and_unknown_message(pg_server) -> None:  # type: ignore[no-untyped-def]
    client = WireClient(pg_server.host, pg_server.port)
    try:
        client.send(b"d", b"copy data")  # CopyData outside COPY
        client.sync()
        assert error_code(client.until(b"Z")) == "0A000"
        assert client.query("SELECT 1")[-1] == (b"Z", b"I")
    finally:
        client.close()
