"""Untyped parameters through the server, as psycopg binds a Python `str` (OID 0, PostgreSQL's `unknown`).

PostgreSQL resolves an `unknown` operand to the type of the other operand: `$1 * 1.5` is numeric
arithmetic, `$1 + 1` integer arithmetic, and text that is no such value is 22P02. Every expected answer
here is what PostgreSQL 15 gave for the same statement and parameters through psycopg (value, text of
the value, type OID), so a row of the table is a statement a user can check against a real PostgreSQL.
"""

from __future__ import annotations

import datetime as dt
import decimal
from typing import Any

import pytest

from .conftest import Running

psycopg = pytest.importorskip("psycopg", reason="psycopg 3 is not installed (pip install 'psycopg[binary]')")

NUMERIC, INT4, INT8, FLOAT8, BOOL, DATE = 1700, 23, 20, 701, 16, 1082
D = decimal.Decimal


# (statement, parameters, the value PostgreSQL returns, its type OIDs: the first is PostgreSQL's, others
# are the server's equivalent where DuckDB has no int4)
ARITHMETIC = [
    ("SELECT %s * 1.5", ["3"], D("4.5"), {NUMERIC}),
    ("SELECT 1.5 * %s", ["3"], D("4.5"), {NUMERIC}),
    ("SELECT %s + 0.5", ["3"], D("3.5"), {NUMERIC}),
    ("SELECT %s - 1.25", ["3"], D("1.75"), {NUMERIC}),
    ("SELECT %s * 1.5", ["0.5"], D("0.75"), {NUMERIC}),
    ("SELECT %s * 1.5", [" 3 "], D("4.5"), {NUMERIC}),
    ("SELECT %s * 1.5", ["1e2"], D("150.0"), {NUMERIC}),
    ("SELECT %s * 2.0", ["1.5"], D("3.00"), {NUMERIC}),
    ("SELECT %s * 1.5 + 1", ["3"], D("5.5"), {NUMERIC}),
    ("SELECT (%s + 1) * 1.5", ["3"], D("6.0"), {NUMERIC}),
    ("SELECT %s * (1 + 0.5)", ["3"], D("4.5"), {NUMERIC}),
    ("SELECT %s::int * 1.5", ["3"], D("4.5"), {NUMERIC}),
    ("SELECT %s::numeric", ["3"], D("3"), {NUMERIC}),
    ("SELECT %s::numeric", ["1e2"], D("100"), {NUMERIC}),
    ("SELECT %s::numeric", ["0.050"], D("0.050"), {NUMERIC}),
    ("SELECT %s::numeric * 2", ["3.5"], D("7.0"), {NUMERIC}),
    ("SELECT 1.25::numeric", [], D("1.25"), {NUMERIC}),
    ("SELECT 2::int8::numeric", [], D("2"), {NUMERIC}),
    ("SELECT %s * 2::float8", ["1.5"], 3.0, {FLOAT8}),
    # integer contexts, as before
    ("SELECT %s / 2", ["7"], 3, {INT4, INT8}),
    ("SELECT %s + 1", ["41"], 42, {INT4, INT8}),
    ("SELECT %s %% 3", ["7"], 1, {INT4, INT8}),
    # comparisons: the parameter takes the other side's type, not text's order
    ("SELECT %s > 10", ["9"], False, {BOOL}),
    ("SELECT %s = 1.5", ["1.50"], True, {BOOL}),
    ("SELECT %s = 'x'", ["x"], True, {BOOL}),
    ("SELECT %s::date + 1", ["2025-01-01"], dt.date(2025, 1, 2), {DATE}),
]


@pytest.mark.parametrize("binary", [False, True], ids=["text", "binary"])
@pytest.mark.parametrize(("sql", "params", "expected", "oids"), ARITHMETIC, ids=[c[0] for c in ARITHMETIC])
def test_untyped_parameters_take_the_other_operands_type(
    conn: Any, sql: str, params: list[str], expected: Any, oids: set[int], binary: bool
) -> None:
    with conn.cursor(binary=binary) as cur:
        cur.execute(sql, params)
        (value,) = cur.fetchone()
        assert cur.description[0].type_code in oids, (sql, cur.description[0].type_code)
    assert value == expected and type(value) is type(expected), (sql, params, value)
    if isinstance(expected, D):
        assert str(value) == str(expected)  # the scale too: 4.5, not 4.500


@pytest.mark.parametrize(
    ("sql", "params", "error", "words"),
    [
        ("SELECT %s * 2", ["1.5"], "InvalidTextRepresentation", "type integer"),
        ("SELECT %s * 1.5", ["abc"], "InvalidTextRepresentation", "type numeric"),
        ('SELECT "Probability" * %s FROM "Deals"', ["x"], "InvalidTextRepresentation", "double precision"),
        ("SELECT %s + %s", ["3", "4"], "AmbiguousFunction", r"unknown \+ unknown"),
        ("SELECT -%s", ["3"], "AmbiguousFunction", "- unknown"),
    ],
)
def test_untyped_parameters_are_refused_as_postgresql_refuses_them(
    conn: Any, sql: str, params: list[str], error: str, words: str
) -> None:
    with pytest.raises(getattr(psycopg.errors, error), match=words):
        conn.execute(sql, params).fetchall()
    assert conn.execute("SELECT 1").fetchone() == (1,)  # the session goes on


def _reference(driver_dbapi: Any, sql: str) -> list[tuple[Any, ...]]:
    cursor = driver_dbapi.cursor()
    cursor.execute(sql)
    return [tuple(row) for row in cursor.fetchall()]


@pytest.mark.parametrize("binary", [False, True], ids=["text", "binary"])
def test_untyped_parameters_with_columns(conn: Any, driver_dbapi: Any, binary: bool) -> None:
    """Each statement with a string parameter gives the rows the driver gives with the value written in."""
    (deal,) = _reference(
        driver_dbapi, 'SELECT "Id", "Title", "Value", "Probability" FROM Deals WHERE "Id" = 1'
    )
    deal_id, title, value, probability = deal
    quoted, prefix = title.replace("'", "''"), title[:3].replace("'", "''")
    cases: list[tuple[str, list[str], str]] = [
        # numeric, double and integer columns in arithmetic: the parameter takes the column's type
        (
            'SELECT "Value" * %s, "Probability" * %s, "Id" * %s FROM "Deals" WHERE "Id" = 1',
            ["2", "2", "2"],
            'SELECT "Value" * 2, "Probability" * 2.0::double, "Id" * 2 FROM Deals WHERE "Id" = 1',
        ),
        # text equality, LIKE, IN lists, dates, booleans and LIMIT/OFFSET keep working
        (
            'SELECT "Id" FROM "Deals" WHERE "Title" = %s',
            [title],
            f"SELECT Id FROM Deals WHERE Title = '{quoted}'",
        ),
        (
            'SELECT count(*) FROM "Deals" WHERE "Title" LIKE %s',
            [title[:3] + "%"],
            f"SELECT count(*) FROM Deals WHERE Title LIKE '{prefix}%'",
        ),
        (
            'SELECT "Id" FROM "Deals" WHERE "Id" IN (%s, %s) ORDER BY 1',
            ["1", "2"],
            "SELECT 1 UNION ALL SELECT 2",
        ),
        (
            'SELECT count(*) FROM "Deals" WHERE "AddTime" >= %s',
            ["2025-06-01"],
            "SELECT count(*) FROM Deals WHERE AddTime >= TIMESTAMPTZ '2025-06-01 00:00:00+00'",
        ),
        (
            'SELECT count(*) FROM "Deals" WHERE "IsDeleted" = %s',
            ["false"],
            "SELECT count(*) FROM Deals WHERE IsDeleted = false",
        ),
        (
            'SELECT count(*) FROM "Deals" WHERE "Value" > %s',
            ["1000.5"],
            "SELECT count(*) FROM Deals WHERE Value > 1000.5",
        ),
        (
            'SELECT "Id" FROM "Deals" ORDER BY "Id" LIMIT %s OFFSET %s',
            ["2", "3"],
            "SELECT Id FROM Deals ORDER BY Id LIMIT 2 OFFSET 3",
        ),
    ]
    assert deal_id == 1 and isinstance(value, D)
    for sql, params, reference in cases:
        with conn.cursor(binary=binary) as cur:
            rows = cur.execute(sql, params).fetchall()
        assert rows == _reference(driver_dbapi, reference), sql
    with conn.cursor(binary=binary) as cur:
        cur.execute('SELECT "Value" * %s FROM "Deals" WHERE "Id" = 1', ["2"])
        assert cur.description[0].type_code == NUMERIC
        assert cur.fetchone() == (value * 2,)
    assert probability is None or isinstance(probability, float)


def test_prepared_statements_type_untyped_parameters_too(conn: Any) -> None:
    # Parse names no types (psycopg's prepared statements with a str): Describe answers before any value
    for _ in range(2):
        assert conn.execute("SELECT %s * 1.5", ["3"], prepare=True).fetchone() == (D("4.5"),)
    assert conn.execute("SELECT %s * 1.5", ["5"], prepare=True).fetchone() == (D("7.5"),)


@pytest.mark.parametrize("binary", [False, True], ids=["text", "binary"])
def test_float_parameters_compute_in_double_precision(conn: Any, driver_dbapi: Any, binary: bool) -> None:
    (value,) = _reference(driver_dbapi, 'SELECT "Value" FROM Deals WHERE "Id" = 1')[0]
    with conn.cursor(binary=binary) as cur:
        cur.execute('SELECT "Value" * %s, %s / 2 FROM "Deals" WHERE "Id" = 1', [1.5, 7.0])
        assert [d.type_code for d in cur.description] == [FLOAT8, FLOAT8]  # numeric * float8 is float8
        assert cur.fetchone() == (float(value) * 1.5, 3.5)


def test_sql_level_prepare_keeps_the_digits_of_numeric_arguments(driver_server: Running) -> None:
    # EXECUTE puts each argument in place of its $n: '1.5' is a numeric of scale 1, as in PostgreSQL
    with psycopg.connect(driver_server.dsn(), autocommit=True) as c:
        c.execute("PREPARE twice AS SELECT $1::numeric * 2")
        c.execute("PREPARE typed(numeric) AS SELECT $1 * 2")
        assert str(c.execute("EXECUTE twice('1.5')").fetchone()[0]) == "3.0"
        assert str(c.execute("EXECUTE typed('1.5')").fetchone()[0]) == "3.0"


@pytest.mark.parametrize(
    ("sql", "params"),
    [
        ('SELECT count(*) FROM "Deals" WHERE "Id" = %s', ["1.5"]),
        ('SELECT count(*) FROM "Deals" WHERE "Id" = \'1.5\'', []),
        ('SELECT count(*) FROM "Deals" WHERE "Id" IN (%s, %s)', ["1", "2.5"]),
        ('SELECT count(*) FROM "Deals" WHERE "Id" BETWEEN %s AND 3', ["x"]),
    ],
)
def test_text_that_is_no_integer_is_refused_in_comparisons(conn: Any, sql: str, params: list[str]) -> None:
    # PostgreSQL reads the text as the column's type and refuses it; DuckDB would round 1.5 to 2
    with pytest.raises(psycopg.errors.InvalidTextRepresentation, match="integer"):
        conn.execute(sql, params).fetchall()


def test_numerics_compare_with_every_digit(conn: Any, driver_dbapi: Any) -> None:
    (value,) = _reference(driver_dbapi, 'SELECT "Value" FROM Deals WHERE "Id" = 1')[0]
    longer = f"{value:.4f}1"  # one digit more than the column keeps: never equal
    sql = 'SELECT count(*) FROM "Deals" WHERE "Id" = 1 AND "Value" = %s'
    assert conn.execute(sql, [longer]).fetchone() == (0,)
    assert conn.execute(sql, [f"{value:.4f}"]).fetchone() == (1,)
    assert conn.execute(
        f'SELECT count(*) FROM "Deals" WHERE "Id" = 1 AND "Value" IN (\'{longer}\')'
    ).fetchone() == (0,)
    assert conn.execute(
        'SELECT count(*) FROM "Deals" WHERE "Id" = 1 AND "Value" < %s', [longer]
    ).fetchone() == (1,)


def test_an_id_given_as_text_is_still_asked_of_the_api_by_id(conn: Any) -> None:
    plan = conn.execute('EXPLAIN SELECT "Title" FROM "Deals" WHERE "Id" = %s', ["1"]).fetchone()
    assert "GET /api/v2/deals/{id}" in str(plan)
    as_text = conn.execute('SELECT "Title" FROM "Deals" WHERE "Id" = %s', ["1"]).fetchall()
    assert as_text == conn.execute('SELECT "Title" FROM "Deals" WHERE "Id" = %s', [1]).fetchall()
    assert len(as_text) == 1


@pytest.mark.parametrize(
    ("sql", "params", "error"),
    [
        ('SELECT count(*) FROM "Deals" WHERE "AddTime" > %s', ["yesterday-ish"], "InvalidDatetimeFormat"),
        (
            'SELECT count(*) FROM "Deals" WHERE "ExpectedCloseDate" = %s',
            ["2025-13-45"],
            "DatetimeFieldOverflow",  # 22008, as PostgreSQL: a month 13
        ),
        ("SELECT %s::date", ["someday"], "InvalidDatetimeFormat"),
        ('SELECT count(*) FROM "Deals" WHERE "IsDeleted" = %s', ["maybe"], "InvalidTextRepresentation"),
        ('SELECT "Id" FROM "Deals" LIMIT %s', ["x"], "InvalidTextRepresentation"),
    ],
)
def test_text_that_is_no_such_value_gets_postgresqls_sqlstate(
    conn: Any, sql: str, params: list[str], error: str
) -> None:
    with pytest.raises(getattr(psycopg.errors, error)):
        conn.execute(sql, params).fetchall()


def test_a_number_longer_than_decimal_holds_still_compares(conn: Any) -> None:
    huge = "1" + "0" * 40 + ".5"
    assert conn.execute('SELECT count(*) FROM "Deals" WHERE "Value" = %s', [huge]).fetchone() == (0,)
    (every,) = conn.execute('SELECT count(*) FROM "Deals" WHERE "Value" IS NOT NULL').fetchone()
    assert conn.execute('SELECT count(*) FROM "Deals" WHERE "Value" < %s', [huge]).fetchone() == (every,)
