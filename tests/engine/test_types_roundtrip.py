"""Type round trips over HTTP: every column of every table comes back with its declared SQL type and the
matching Python type, and values (custom fields included) equal what the API's JSON says."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

import httpx
import pytest

from pipedrive_sql.catalog import BUILTIN_TABLES, Column, TableSpec
from pipedrive_sql.catalog.types import MONEY
from pipedrive_sql.dbapi import Connection

from .helpers import connection_for

PYTHON_TYPES: dict[str, tuple[type, ...]] = {
    "int": (int,),
    "float": (float,),
    "decimal": (Decimal,),
    "str": (str,),
    "json": (str,),
    "bool": (bool,),
    "date": (dt.date,),
    "time": (dt.time,),
    "timestamp": (dt.datetime,),
    "list": (list,),
    "struct": (dict,),
}
WHERE = {"DealParticipants": "WHERE DealId IN (1, 3, 4)"}


@pytest.fixture
def conn(connections: Any, sandbox: Any) -> Connection:
    return connection_for(connections, sandbox)


def normalized(sql_type: str) -> str:
    return sql_type.replace('"', "").replace(" ", "").upper()


@pytest.mark.parametrize("builtin", BUILTIN_TABLES, ids=lambda t: t.name)
def test_every_column_has_its_declared_types(builtin: TableSpec, conn: Connection) -> None:
    spec = conn.catalog.table(builtin.name)
    cur = conn.cursor()
    cur.execute(f"SELECT * FROM {spec.name} {WHERE.get(spec.name, '')} LIMIT 60")
    rows = cur.fetchall()
    assert rows, f"the sandbox has no {spec.name}"
    description = cur.description or []
    assert [d[0] for d in description] == [c.name for c in spec.columns]
    for index, (column, desc) in enumerate(zip(spec.columns, description, strict=True)):
        assert normalized(desc[1]) == normalized(column.type.sql), column.name
        expected = PYTHON_TYPES[column.type.kind]
        for row in rows:
            value = row[index]
            if value is None:
                continue
            assert isinstance(value, expected), (spec.name, column.name, value)
            if column.type.kind == "date":
                assert not isinstance(value, dt.datetime)
            if column.type.kind == "timestamp":
                assert value.utcoffset() == dt.timedelta(0)


def test_the_suite_covers_every_type(conn: Connection) -> None:
    kinds = {normalized(c.type.sql).split("(")[0] for t in conn.catalog.tables() for c in t.columns}
    assert {"BIGINT", "DOUBLE", "VARCHAR", "BOOLEAN", "DATE", "TIME", "TIMESTAMPWITHTIMEZONE", "BIGINT[]",
            "VARCHAR[]", "STRUCT"} <= kinds  # fmt: skip
    custom_types = {c.custom.field_type for t in conn.catalog.tables() for c in t.columns if c.custom}
    assert {"enum", "set", "monetary", "daterange", "timerange", "date", "time", "double", "varchar", "text",
            "phone", "address", "user", "people", "org"} <= custom_types  # fmt: skip


# ---- values: SQL against the API's own JSON -------------------------------------------------------------


def api_records(sandbox: Any, path: str, ids: list[int]) -> dict[int, dict[str, Any]]:
    # Deals holds deals of every status, deleted ones included (docs/tables.md)
    every = {"status": "open,won,lost,deleted"} if path == "/api/v2/deals" else {}
    response = httpx.get(
        f"{sandbox.url}{path}",
        params={"ids": ",".join(map(str, ids)), "limit": 500, **every},
        headers={"x-api-token": sandbox.api_token},
    )
    response.raise_for_status()
    return {r["id"]: r for r in response.json()["data"]}


def expected_value(column: Column, record: dict[str, Any]) -> Any:
    """What the column should hold, worked out here from the JSON (independently of the catalog's code)."""
    raw: Any = record
    for key in column.path:
        raw = raw.get(key) if isinstance(raw, dict) else None
    if raw is None:
        return None
    if column.name in ("Email", "Phone") and isinstance(raw, list):  # the primary entry of the list
        primary = [entry["value"] for entry in raw if entry.get("primary")]
        return primary[0] if primary else (raw[0]["value"] if raw else None)
    custom = column.custom
    if custom is not None:
        options = dict(custom.options)
        kind = custom.field_type
        if kind == "enum":
            return options[str(raw)]
        if kind == "set":
            return [options[str(v)] for v in raw]
        if kind == "monetary":
            return raw["currency"] if custom.part == "currency" else money(raw["value"])
        if kind in ("daterange", "timerange"):
            raw = raw["until"] if custom.part == "until" else raw["start"]
        elif kind == "time":
            raw = raw["value"]
        elif kind == "address":
            return raw["value"]
    return as_python(column, raw)


def as_python(column: Column, raw: Any) -> Any:
    kind = column.type.kind
    if kind == "timestamp":
        return dt.datetime.fromisoformat(raw.replace("Z", "+00:00"))
    if kind == "date":
        return dt.date.fromisoformat(raw[:10])
    if kind == "time":
        return dt.time.fromisoformat(raw)
    if kind == "float":
        return float(raw)
    if kind == "decimal":
        return money(raw)
    if kind == "struct":
        fields = column.type.arrow
        return {fields.field(i).name: field_value(fields.field(i), raw) for i in range(fields.num_fields)}
    if kind == "list" and raw and isinstance(raw[0], dict):
        fields = column.type.arrow.value_type
        return [{fields.field(i).name: field_value(fields.field(i), item) for i in range(fields.num_fields)}
                for item in raw]  # fmt: skip
    return raw


def money(raw: Any) -> Decimal:
    """An amount as DECIMAL(18,4) holds it: the JSON number's digits, at 4 places."""
    return Decimal(str(raw)).quantize(Decimal("0.0001"))


def field_value(field: Any, raw: dict[str, Any]) -> Any:
    value = raw.get(field.name)
    return money(value) if field.type == MONEY.arrow and value is not None else value


@pytest.mark.parametrize(
    ("table", "path"),
    [("Deals", "/api/v2/deals"), ("Persons", "/api/v2/persons"), ("Organizations", "/api/v2/organizations"),
     ("Activities", "/api/v2/activities"), ("Products", "/api/v2/products")],
)  # fmt: skip
def test_values_equal_the_api_json(table: str, path: str, conn: Connection, sandbox: Any) -> None:
    ids = list(range(1, 41))
    records = api_records(sandbox, path, ids)
    spec = conn.catalog.table(table)
    cur = conn.cursor()
    cur.execute(f"SELECT * FROM {table} WHERE Id IN ({', '.join(map(str, ids))})")
    rows = {row[0]: row for row in cur.fetchall()}
    assert rows.keys() == records.keys()
    checked_custom = 0
    for record_id, record in records.items():
        for column, value in zip(spec.columns, rows[record_id], strict=True):
            assert value == expected_value(column, record), (table, record_id, column.name)
            checked_custom += column.custom is not None and value is not None
    if table in ("Deals", "Persons", "Organizations", "Products"):
        assert checked_custom > 0


def test_parameters_round_trip(conn: Connection) -> None:
    values = [
        1,
        2.5,
        "text",
        True,
        None,
        dt.date(2024, 2, 29),
        dt.time(9, 30),
        dt.datetime(2024, 1, 2, 3, 4, 5, tzinfo=dt.UTC),
        dt.datetime(2024, 1, 2, 3, 4, 5),
        b"\x00\x01",
    ]
    cur = conn.cursor()
    cur.execute("SELECT " + ", ".join("?" for _ in values), values)
    assert list(cur.fetchone() or ()) == values
