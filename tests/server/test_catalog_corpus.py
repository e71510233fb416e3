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
