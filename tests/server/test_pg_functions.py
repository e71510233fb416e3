"""Functions whose meaning DuckDB and PostgreSQL differ on, through the server, answered as PostgreSQL 15
answers them."""

from __future__ import annotations

from typing import Any

import pytest

psycopg = pytest.importorskip("psycopg", reason="psycopg 3 is not installed (pip install 'psycopg[binary]')")


@pytest.mark.parametrize(
    ("sql", "expected"),
    [
        # positions before the string count as positions, as in PostgreSQL (DuckDB counts from the end)
        ("SELECT substring('abc', 0, 2)", "a"),
        ("SELECT substr('abc', -1, 3)", "a"),
        ("SELECT substr('abc', -1)", "abc"),
        ("SELECT substr('abc', -5, 3)", ""),
        ("SELECT substring('abc' from 2)", "bc"),
        ("SELECT substr('abc', 2, 5)", "bc"),
        ("SELECT substr(%s, %s, %s)", "b"),
    ],
)
def test_substrings_count_positions_as_postgresql_does(conn: Any, sql: str, expected: str) -> None:
    params = ["abc", "2", "1"] if "%s" in sql else []
    assert conn.execute(sql, params).fetchone() == (expected,)


@pytest.mark.parametrize(
    "sql", ["SELECT substr('abc', 2, -1)", 'SELECT substr("Title", 1, "Id" - 5) FROM "Deals"']
)
def test_a_negative_substring_length_is_refused(conn: Any, sql: str) -> None:
    with pytest.raises(psycopg.errors.SubstringError, match="negative substring length"):
        conn.execute(sql).fetchall()
