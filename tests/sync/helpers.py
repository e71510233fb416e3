"""Reading a sync target back, and comparing it with a fresh full read of the source, table by table."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import duckdb
import orjson
import pyarrow.parquet as pq
from tests.cache.helpers import source_table

from pipedrive_sql.sync import read_manifest

TABLES = (
    "Deals",
    "ArchivedDeals",
    "Persons",
    "Organizations",
    "Activities",
    "Products",
    "Stages",
    "Leads",
    "Users",
)


def normal(value: Any) -> Any:
    """Nested values as JSON holds them: amounts inside lists and structs (Decimal in DuckDB and Parquet) are
    JSON numbers in a PostgreSQL jsonb column, so they compare as numbers."""
    if isinstance(value, list | dict):
        return orjson.loads(orjson.dumps(value, default=_json_value, option=orjson.OPT_SORT_KEYS))
    return value


def _json_value(value: Any) -> Any:
    if isinstance(value, Decimal):
        return float(value)
    return str(value)


def rows_of(dicts: list[dict[str, Any]], key: str) -> list[dict[str, Any]]:
    return sorted(({k: normal(v) for k, v in row.items()} for row in dicts), key=lambda r: str(r[key]))


def target_rows(kind: str, where: str, table: str) -> list[dict[str, Any]]:
    if kind == "duckdb":
        con = duckdb.connect(where, read_only=True)
        try:
            return con.sql(f'SELECT * FROM "{table}"').to_arrow_table().to_pylist()
        finally:
            con.close()
    if kind == "parquet":
        entry = read_manifest(where)["tables"][table]
        tables = [pq.read_table(f"{where}/{f}") for f in entry["files"]]
        return [row for t in tables for row in t.to_pylist()]
    import psycopg
    from psycopg.rows import dict_row

    with psycopg.connect(where, row_factory=dict_row) as con:
        return list(con.execute(f'SELECT * FROM "{table}"').fetchall())


def assert_equal_to_source(conn: Any, kind: str, where: str, tables: tuple[str, ...] = TABLES) -> None:
    conn.catalog.refresh()
    for table in tables:
        expected = source_table(conn, table)
        key = expected.column_names[0]
        got = rows_of(target_rows(kind, where, table), key)
        want = rows_of(expected.to_pylist(), key)
        assert [r[key] for r in got] == [r[key] for r in want], f"{table}: ids differ in {kind}"
        assert got == want, f"{table}: rows differ in {kind}"
