"""Every query of the regression corpus (corpus/*.sql) runs against the server and meets its expectations."""

from __future__ import annotations

import re

import pytest

from .conftest import Running
from .corpus import Entry, load

psycopg = pytest.importorskip("psycopg", reason="psycopg 3 is not installed (pip install 'psycopg[binary]')")

ENTRIES = load()


@pytest.fixture(scope="module")
def conn(pg_server: Running):
    with psycopg.connect(pg_server.dsn(), autocommit=True) as c:
        yield c


def _run(conn: psycopg.Connection, entry: Entry) -> tuple[list[str] | None, list[tuple]]:
    oids = dict(conn.execute("SELECT relname, oid FROM pg_catalog.pg_class WHERE relkind = 'r'").fetchall())
    sql = re.sub(r"\{oid:(\w+)\}", lambda m: str(oids[m.group(1)]), entry.sql)
    cur = conn.cursor()
    if entry.params:
        # through Parse/Bind with untyped text parameters, as the client sent them
        cur.execute(re.sub(r"\$(\d+)", "%s", sql.replace("%", "%%")), entry.params)
    else:
        cur.execute(sql.encode(), prepare=False)  # simple protocol, several statements allowed
    while cur.nextset():
        pass
    if cur.description is None:
        return None, []
    return [d.name for d in cur.description], cur.fetchall()


def test_corpus_is_not_empty() -> None:
    clients = {e.client for e in ENTRIES}
    assert {"psql", "psqlodbc", "pgjdbc"} <= clients
    assert len(ENTRIES) >= 40


@pytest.mark.parametrize("entry", ENTRIES, ids=[e.name for e in ENTRIES])
def test_corpus_query(conn: psycopg.Connection, entry: Entry) -> None:
    columns, rows = _run(conn, entry)
    if entry.expect_columns is not None:
        assert columns == entry.expect_columns
    if entry.expect_rows is not None:
        assert len(rows) == entry.expect_rows
    for text in entry.expect_contains:
        assert any(text in str(cell) for row in rows for cell in row), f"{text!r} not in {rows[:5]}"


CATALOGS = [
    "pg_class",
    "pg_attribute",
    "pg_type",
    "pg_proc",
    "pg_index",
    "pg_constraint",
    "pg_namespace",
    "pg_database",
    "pg_roles",
    "pg_settings",
    "pg_description",
    "pg_timezone_names",
    "pg_trigger",
    "pg_sequence",
    "information_schema.columns",
    "information_schema.tables",
    "information_schema.key_column_usage",
    "information_schema.routines",
]


@pytest.mark.parametrize("table", CATALOGS)
def test_every_catalog_reads_as_text_and_binary(conn: psycopg.Connection, table: str) -> None:
    text_cursor = conn.cursor().execute(f"select * from {table}")
    binary_cursor = conn.cursor(binary=True).execute(f"select * from {table}")
    assert text_cursor.description is not None
    # psycopg has no loaders for int2vector / oidvector (pg_index.indkey ...): it hands back the wire form
    keep = [i for i, d in enumerate(text_cursor.description) if d.type_code not in (22, 30)]
    text = [tuple(row[i] for i in keep) for row in text_cursor.fetchall()]
    binary = [tuple(row[i] for i in keep) for row in binary_cursor.fetchall()]
    assert text == binary
