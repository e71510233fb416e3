"""COPY TO STDOUT details checked against PostgreSQL 15's output for the same statements."""

from __future__ import annotations

from typing import Any

import pytest

psycopg = pytest.importorskip("psycopg", reason="psycopg 3 is not installed (pip install 'psycopg[binary]')")


def _copy(conn: Any, sql: str) -> bytes:
    with conn.cursor() as cur, cur.copy(sql) as copy:
        return b"".join(bytes(chunk) for chunk in copy)


@pytest.mark.parametrize(
    ("sql", "expected"),
    [
        # an interval keeps its months next to a column of no type (a NULL)
        ("COPY (SELECT interval '1 year', 'a\tb', NULL) TO STDOUT", b"1 year\ta\\tb\t\\N\n"),
        # FORCE QUOTE quotes the rows' values, not the header's names
        ("COPY (SELECT 1) TO STDOUT WITH CSV HEADER FORCE QUOTE *", b'?column?\n"1"\n'),
        ('COPY (SELECT 1 AS "a,b") TO STDOUT WITH CSV HEADER FORCE QUOTE *', b'"a,b"\n"1"\n'),
    ],
)
def test_copy_writes_what_postgresql_writes(conn: Any, sql: str, expected: bytes) -> None:
    assert _copy(conn, sql) == expected
