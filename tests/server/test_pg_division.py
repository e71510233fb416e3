"""PostgreSQL's division through the server: integer / integer truncates toward zero, anything else divides
exactly, a zero divisor is SQLSTATE 22012. The server types the operands from the SQL and the catalog's
column types; the driver's own SQL (DuckDB's meaning of `/`) is not changed."""

from __future__ import annotations

import decimal
from typing import Any

import pytest

psycopg = pytest.importorskip("psycopg", reason="psycopg 3 is not installed (pip install 'psycopg[binary]')")


@pytest.mark.parametrize(
    ("sql", "expected"),
    [
        ("SELECT 7/2", 3),
        ("SELECT -7/2", -3),
        ("SELECT 7/-2", -3),
        ("SELECT (7/2)/2", 1),
        ("SELECT 7/2/2", 1),
        ("SELECT 7::int8/2::int2", 3),
        ("SELECT CAST(9 AS bigint)/4", 2),
        ("SELECT (3 + 4)/2", 3),
        ("SELECT 7.0/2", 3.5),
        ("SELECT 7/2.0", 3.5),
        ("SELECT 7::float8/2", 3.5),
        ("SELECT 7::numeric/2", 3.5),
    ],
)
def test_literals_divide_as_postgresql_does(conn: Any, sql: str, expected: float) -> None:
    (value,) = conn.execute(sql).fetchone()
    assert float(value) == expected
    assert isinstance(value, int) == isinstance(expected, int), (sql, value)


def test_extended_protocol_divides_the_same(conn: Any) -> None:
    assert conn.execute("SELECT 7/2", prepare=True).fetchone() == (3,)


def test_a_catalog_query_divides_integers(conn: Any) -> None:
    # Grafana's getVersion(): the server version as an integer (1500 for 15.x)
    (version,) = conn.execute("SELECT current_setting('server_version_num')::int/100 as version").fetchone()
    assert version == int(conn.execute("SHOW server_version_num").fetchone()[0]) // 100


def test_integer_columns_divide_as_integers(conn: Any, driver_dbapi: Any) -> None:
    cursor = driver_dbapi.cursor()
    cursor.execute('SELECT "Id", "Value" FROM Deals ORDER BY "Id" LIMIT 20')
    expected = cursor.fetchall()
    rows = conn.execute(
        'SELECT d."Id", d."Id"/2, -d."Id"/3, "Value"/2 FROM public."Deals" d ORDER BY d."Id" LIMIT 20'
    ).fetchall()
    assert [r[0] for r in rows] == [e[0] for e in expected]
    for (deal_id, half, third, value_half), (_, value) in zip(rows, expected, strict=True):
        assert half == deal_id // 2 and isinstance(half, int)
        assert third == -(deal_id // 3)  # toward zero, not floor
        if value is not None:
            assert decimal.Decimal(str(value_half)) == decimal.Decimal(str(value)) / 2  # numeric: exact


def test_columns_of_a_sub_select_keep_their_type(conn: Any) -> None:
    rows = conn.execute(
        'SELECT "x", "x"/2, "v"/2 FROM (SELECT "Id" AS "x", "Id"::float8 AS "v" FROM "Deals" ORDER BY "Id" LIMIT 5) s'
    ).fetchall()
    assert len(rows) == 5
    for x, half, exact in rows:
        assert half == x // 2 and isinstance(half, int)
        assert exact == x / 2


@pytest.mark.parametrize("sql", ["SELECT 7/0", 'SELECT "Id"/0 FROM "Deals"'])
def test_a_zero_divisor_is_postgresqls_error(conn: Any, sql: str) -> None:
    with pytest.raises(psycopg.errors.DivisionByZero, match="division by zero"):
        conn.execute(sql).fetchall()


@pytest.mark.parametrize("binary", [False, True])
@pytest.mark.parametrize(
    ("sql", "params", "expected"),
    [
        ("SELECT %s/2", [7], 3),  # psycopg binds a Python int as an integer type
        ("SELECT 7/%s", [-2], -3),
        ("SELECT %s/%s", [7, 2], 3),  # `$1/$2` without spaces: two parameters, not a dollar quote
        ("SELECT %s/2", [7.0], 3.5),
        ("SELECT %s/2", ["7"], 3),  # untyped text: PostgreSQL infers an integer from the other operand
        ("SELECT %s::int/2", ["7"], 3),
        ("SELECT %s::float8/2", ["7"], 3.5),
        ("SELECT %s + 1", ["41"], 42),  # untyped text in other arithmetic with an integer, too
        ("SELECT 2 * %s - 1", ["4"], 7),
    ],
)
def test_parameters_divide_as_postgresql_types_them(
    conn: Any, sql: str, params: list[Any], expected: float, binary: bool
) -> None:
    with conn.cursor(binary=binary) as cur:
        (value,) = cur.execute(sql, params).fetchone()
    assert float(value) == expected
    assert isinstance(value, int) == isinstance(expected, int), (sql, params, value)


def test_an_integer_parameter_divides_an_integer_column(conn: Any) -> None:
    rows = conn.execute('SELECT "Id", "Id"/%s FROM "Deals" ORDER BY "Id" LIMIT 5', [2]).fetchall()
    assert rows and all(half == deal_id // 2 and isinstance(half, int) for deal_id, half in rows)
    assert conn.execute('SELECT "Id" FROM "Deals" WHERE "Id" < %s/%s ORDER BY "Id"', [7, 2]).fetchall() == [
        (1,),
        (2,),
    ]


def test_untyped_text_that_is_no_integer_is_refused_as_postgresql_does(conn: Any) -> None:
    with pytest.raises(psycopg.errors.InvalidTextRepresentation, match="integer"):
        conn.execute("SELECT %s/2", ["7.5"]).fetchall()
    with pytest.raises(psycopg.errors.DivisionByZero):
        conn.execute("SELECT %s/0", ["7"]).fetchall()


@pytest.mark.parametrize(
    "sql",
    [
        "SELECT 7.0/0",
        "SELECT 7::float8/0",
        "SELECT 7.5/0.0",
        'SELECT "Value"/0 FROM "Deals"',
        'SELECT "Id"/0.0 FROM "Deals"',
    ],
)
def test_a_zero_divisor_is_refused_for_every_type(conn: Any, sql: str) -> None:
    # PostgreSQL refuses it for numeric and double precision too; DuckDB alone would answer Infinity
    with pytest.raises(psycopg.errors.DivisionByZero, match="division by zero"):
        conn.execute(sql).fetchall()


def test_nullif_guards_a_division_as_in_postgresql(conn: Any) -> None:
    assert conn.execute("SELECT 7.0 / nullif(0, 0), 7.0 / nullif(2, 0)").fetchone() == (None, 3.5)


def test_a_double_rounds_half_to_even(conn: Any) -> None:
    # PostgreSQL 15: round(2.5::float8) = 2, round(3.5::float8) = 4, round(2.5) (numeric) = 3
    row = conn.execute(
        "SELECT round(2.5::float8), round(3.5::float8), round(-2.5::float8), round(2.5)"
    ).fetchone()
    assert [float(v) for v in row] == [2.0, 4.0, -2.0, 3.0]
