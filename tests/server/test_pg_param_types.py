"""Describe of a prepared statement reports the types its untyped parameters take from where they stand
(server/paramtypes.py), and Bind decodes binary arguments as those types: what asyncpg needs."""

from __future__ import annotations

import asyncio
import datetime as dt
import struct
from typing import Any

import pytest

from pipedrive_sql.server import protocol

from .conftest import Running
from .wire_client import WireClient, error_code

INT4, INT8, NUMERIC, TEXT, VARCHAR, TIMESTAMPTZ = 23, 20, 1700, 25, 1043, 1184


@pytest.fixture
def client(driver_server: Running) -> Any:
    c = WireClient(driver_server.host, driver_server.port, user="bi", database=driver_server.database)
    yield c
    c.close()


def described(client: WireClient, sql: str, oids: tuple[int, ...] = ()) -> list[int]:
    client.parse("s", sql, oids)
    client.describe(b"S", "s")
    client.sync()
    messages = client.until(b"Z")
    assert error_code(messages) is None, messages
    body = next(body for kind, body in messages if kind == b"t")
    (count,) = struct.unpack("!h", body[:2])
    found = list(struct.unpack(f"!{count}i", body[2:]))
    client.query("DEALLOCATE s")
    return found


@pytest.mark.parametrize(
    ("sql", "expected"),
    [
        ('SELECT "Title" FROM "Deals" WHERE "Id" = $1', [INT8]),
        ('SELECT "Id" FROM "Deals" WHERE "Title" = $1', [VARCHAR]),
        ('SELECT "Id" FROM "Deals" WHERE "Value" > $1', [NUMERIC]),
        ('SELECT "Id" FROM "Deals" WHERE "AddTime" >= $1 AND "AddTime" < $2', [TIMESTAMPTZ, TIMESTAMPTZ]),
        ('SELECT "Id" FROM "Deals" WHERE $1 = "Id"', [INT8]),
        ('SELECT "Id" FROM "Deals" WHERE "Id" IN ($1, $2)', [INT8, INT8]),
        ('SELECT "Id" FROM "Deals" WHERE "Id" BETWEEN $1 AND $2', [INT8, INT8]),
        ('SELECT "Id" FROM "Deals" WHERE "Title" LIKE $1', [TEXT]),
        ('SELECT "Id" FROM "Deals" LIMIT $1 OFFSET $2', [INT8, INT8]),
        ('SELECT "Id" FROM deals WHERE id = $1', [INT8]),  # unquoted names fold as PostgreSQL folds them
        ('SELECT d."Id" FROM "Deals" d JOIN "Persons" p ON p."Id" = d."PersonId" WHERE p."Id" = $1', [INT8]),
        ('SELECT "Value" * $1 FROM "Deals"', [NUMERIC]),
        ("SELECT $1::int + 1", [INT4]),
        ("SELECT CAST($1 AS date)", [1082]),
        ("SELECT $1 + 1.5", [NUMERIC]),
        ("SELECT $1", [TEXT]),  # nothing says: text, as PostgreSQL reports
    ],
)
def test_untyped_parameters_are_described_as_what_they_meet(
    client: WireClient, sql: str, expected: list[int]
) -> None:
    assert described(client, sql) == expected


def test_a_type_the_client_named_stays(client: WireClient) -> None:
    assert described(client, 'SELECT "Title" FROM "Deals" WHERE "Id" = $1', (INT4,)) == [INT4]


def test_a_binary_argument_is_decoded_as_the_described_type(client: WireClient) -> None:
    client.parse("s", 'SELECT "Id" FROM "Deals" WHERE "Id" = $1')
    client.describe(b"S", "s")
    value = struct.pack("!q", 5)  # int8, binary: how asyncpg sends 5 once told the type
    body = protocol.cstr("") + protocol.cstr("s") + protocol.int16(1) + protocol.int16(1)
    body += protocol.int16(1) + protocol.int32(len(value)) + value + protocol.int16(0)
    client.send(b"B", body)
    client.execute("", 0)
    client.sync()
    messages = client.until(b"Z")
    assert error_code(messages) is None, messages
    rows = [body for kind, body in messages if kind == b"D"]
    assert len(rows) == 1 and rows[0].endswith(b"5")


def test_asyncpg_binds_python_values_by_the_described_types(driver_server: Running) -> None:
    asyncpg = pytest.importorskip("asyncpg", reason="asyncpg is not installed (pip install asyncpg)")

    async def run() -> list[Any]:
        conn = await asyncpg.connect(
            host=driver_server.host, port=driver_server.port, user="bi", database=driver_server.database
        )
        try:
            return [
                await conn.fetchval('SELECT "Id" FROM "Deals" WHERE "Id" = $1', 5),
                await conn.fetchval('SELECT count(*) FROM "Deals" WHERE "Id" IN ($1, $2)', 5, 6),
                await conn.fetchval('SELECT count(*) FROM "Deals" WHERE "Value" > $1', 1000),
                await conn.fetchval(
                    'SELECT count(*) FROM "Deals" WHERE "AddTime" >= $1',
                    dt.datetime(2000, 1, 1, tzinfo=dt.UTC),
                ),
                len(await conn.fetch('SELECT "Id" FROM "Deals" ORDER BY "Id" LIMIT $1', 3)),
                await conn.fetchval("SELECT $1::int + 1", 41),
                await conn.fetchval('SELECT count(*) FROM "Deals" WHERE "Status" = $1', "open"),
            ]
        finally:
            await conn.close()

    found = asyncio.run(run())
    assert found[:2] == [5, 2] and found[2] > 0 and found[3] > 0 and found[4:6] == [3, 42] and found[6] > 0
