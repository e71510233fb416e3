"""Cursors declared SCROLL go every way PostgreSQL's do (FETCH PRIOR, ABSOLUTE, RELATIVE, BACKWARD, LAST);
others stream forward and refuse to go back with PostgreSQL's error. The expected tags and rows of the
table are what PostgreSQL 15 answered for the same steps over the same cursor."""

from __future__ import annotations

from typing import Any

import pytest

from .conftest import Running

psycopg = pytest.importorskip("psycopg", reason="psycopg 3 is not installed (pip install 'psycopg[binary]')")

# (statement, command tag, values of the rows fetched: None for MOVE)
STEPS = [
    ("FETCH 3", "FETCH 3", [1, 2, 3]),
    ("FETCH PRIOR", "FETCH 1", [2]),
    ("FETCH BACKWARD 5", "FETCH 1", [1]),
    ("FETCH LAST", "FETCH 1", [10]),
    ("FETCH NEXT", "FETCH 0", []),
    ("FETCH PRIOR", "FETCH 1", [10]),
    ("FETCH ABSOLUTE 4", "FETCH 1", [4]),
    ("FETCH ABSOLUTE -2", "FETCH 1", [9]),
    ("FETCH RELATIVE -1", "FETCH 1", [8]),
    ("FETCH RELATIVE 0", "FETCH 1", [8]),
    ("FETCH FORWARD 0", "FETCH 1", [8]),
    ("MOVE ABSOLUTE 0", "MOVE 0", None),
    ("FETCH NEXT", "FETCH 1", [1]),
    ("MOVE LAST", "MOVE 1", None),
    ("MOVE BACKWARD ALL", "MOVE 9", None),
    ("FETCH FORWARD ALL", "FETCH 10", [1, 2, 3, 4, 5, 6, 7, 8, 9, 10]),
    ("FETCH BACKWARD 3", "FETCH 3", [10, 9, 8]),
    ("MOVE ABSOLUTE 20", "MOVE 0", None),
    ("FETCH PRIOR", "FETCH 1", [10]),
    ("FETCH ABSOLUTE 11", "FETCH 0", []),
    ("FETCH -2", "FETCH 2", [10, 9]),
    ("MOVE FORWARD 4", "MOVE 1", None),
    ("FETCH FIRST", "FETCH 1", [1]),
    ("MOVE RELATIVE 100", "MOVE 0", None),
    ("FETCH BACKWARD ALL", "FETCH 10", [10, 9, 8, 7, 6, 5, 4, 3, 2, 1]),
    ("FETCH 0", "FETCH 0", []),
]


@pytest.fixture(scope="module")
def conn(driver_server: Running) -> Any:
    with psycopg.connect(driver_server.dsn()) as c:
        yield c


def test_a_scroll_cursor_moves_as_postgresqls_does(conn: Any) -> None:
    conn.execute("DECLARE c SCROLL CURSOR FOR SELECT * FROM generate_series(1, 10) g")
    try:
        for step, tag, values in STEPS:
            cursor = conn.execute(f"{step} FROM c")
            got = [row[0] for row in cursor.fetchall()] if cursor.description else None
            assert (cursor.statusmessage, got) == (tag, values), step
    finally:
        conn.rollback()


def test_psycopgs_scrollable_cursor_over_a_table(conn: Any, driver_dbapi: Any) -> None:
    reference = driver_dbapi.cursor()
    reference.execute('SELECT "Id", "Title" FROM Deals ORDER BY "Id"')
    rows = [tuple(r) for r in reference.fetchall()]
    try:
        with conn.cursor(name="deals", scrollable=True) as cursor:
            cursor.execute('SELECT "Id", "Title" FROM "Deals" ORDER BY "Id"')
            assert cursor.fetchmany(3) == rows[:3]
            cursor.scroll(100, mode="absolute")
            assert cursor.fetchone() == rows[100]
            cursor.scroll(-11)
            assert cursor.fetchone() == rows[90]
            cursor.scroll(0, mode="absolute")
            assert cursor.fetchall() == rows
    finally:
        conn.rollback()


def test_a_cursor_without_scroll_refuses_to_go_back(conn: Any) -> None:
    conn.execute('DECLARE f CURSOR FOR SELECT "Id" FROM "Deals" ORDER BY "Id"')
    try:
        assert conn.execute("FETCH 2 FROM f").fetchall() == [(1,), (2,)]
        with pytest.raises(psycopg.errors.ObjectNotInPrerequisiteState, match="only scan forward") as caught:
            conn.execute("FETCH PRIOR FROM f")
        assert "SCROLL" in (caught.value.diag.message_hint or "")
    finally:
        conn.rollback()
