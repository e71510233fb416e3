"""DuckDB's errors reach the user in our words: our error classes, our did-you-mean from the catalog (custom
fields included), never DuckDB's prefixes, its suggestions, or excerpts of the SQL as we rewrote it."""

from __future__ import annotations

import re
from typing import Any

import pytest

from pipedrive_sql import errors
from pipedrive_sql.dbapi import Connection
from pipedrive_sql.engine.diagnostics import suggest

# What DuckDB's own words look like: none of it may reach the user.
DUCKDB_WORDS = re.compile(
    r"(Binder|Catalog|Parser|Conversion|Out of Range|Invalid Input|Not implemented) Error|LINE \d|__pd"
    r"|Candidate (bindings|tables|functions)|Did you mean|!$"
)

CASES = [
    (
        "SELECT Titel FROM Deals",
        errors.ProgrammingError,
        'column "Titel" does not exist in Deals; did you mean "Title"?',
    ),
    (
        "SELECT d.Titel FROM Deals d",
        errors.ProgrammingError,
        'column "Titel" does not exist in Deals (as d); did you mean "Title"?',
    ),
    (
        "SELECT Nme FROM Deals JOIN Persons ON Deals.PersonId = Persons.Id",
        errors.ProgrammingError,
        'column "Nme" does not exist in Deals or Persons; did you mean "Persons.Name"?',
    ),
    (
        "SELECT x.Title FROM Deals d",
        errors.ProgrammingError,
        'table or alias "x" is not in the FROM clause; did you mean "d"?',
    ),
    (
        "WITH t AS (SELECT 1 AS total) SELECT totl FROM t",
        errors.ProgrammingError,
        'column "totl" does not exist; did you mean "total"?',
    ),
    (
        "SELECT Id FROM Deals d JOIN Persons p ON d.PersonId = p.Id",
        errors.ProgrammingError,
        'column "Id" is in more than one table: say which, e.g. d.Id or p.Id',
    ),
    (
        'SELECT Title FROM Deals WHERE Status = "won"',
        errors.ProgrammingError,
        "column \"won\" does not exist; to compare with the text, write it in single quotes: 'won'",
    ),
    ("SELECT flor(1.5)", errors.ProgrammingError, "function flor() does not exist; did you mean floor()?"),
    (
        "SELECT Title FROM Deals GROUP BY Id",
        errors.ProgrammingError,
        'column "Title" must appear in the GROUP BY clause or be used in an aggregate function '
        "(any_value(Title) takes one value of each group)",
    ),
    (
        "SELECT sum(Title) FROM Deals",
        errors.ProgrammingError,
        "function sum() does not take (VARCHAR): check the number and types of the arguments "
        "(CAST(x AS type) converts one)",
    ),
    (
        "SELECT Title FROM Deals WHERE Title LIKE 5",
        errors.ProgrammingError,
        "operator LIKE does not take (VARCHAR, an integer literal): check the number and types of the "
        "arguments (CAST(x AS type) converts one)",
    ),
    (
        "SELECT CAST(LabelIds AS INTEGER) FROM Deals",
        errors.ProgrammingError,
        "cannot convert BIGINT[] to INTEGER (column LabelIds): no such conversion exists",
    ),
    (
        "SELECT Id FROM Deals UNION SELECT Id, Name FROM Persons",
        errors.ProgrammingError,
        "each side of UNION, INTERSECT or EXCEPT must have the same number of columns",
    ),
    ("SELECT CAST('abc' AS INTEGER)", errors.DataError, "cannot convert 'abc' to INTEGER"),
    (
        "SELECT 9223372036854775807 * 100",
        errors.DataError,
        "numeric overflow in multiplication of BIGINT values: CAST to a wider type (HUGEINT, DECIMAL or DOUBLE)",
    ),
]


@pytest.mark.parametrize(("sql", "kind", "message"), CASES, ids=[c[0] for c in CASES])
def test_engine_errors_in_our_words(
    sql_conn: Connection, sql: str, kind: type[Exception], message: str
) -> None:
    with sql_conn.cursor() as cursor, pytest.raises(kind) as caught:
        cursor.execute(sql)
        cursor.fetchall()
    assert str(caught.value) == message
    assert not DUCKDB_WORDS.search(str(caught.value))


def test_a_conversion_while_fetching_names_the_column(sql_conn: Connection) -> None:
    with sql_conn.cursor() as cursor, pytest.raises(errors.DataError) as caught:
        cursor.execute("SELECT CAST(Title AS INTEGER) FROM Deals")
        cursor.fetchall()
    assert re.fullmatch(r"cannot convert '.+' to INTEGER \(column Title\)", str(caught.value))


def test_custom_fields_are_suggested(sql_conn: Connection) -> None:
    with sql_conn.cursor() as cursor:
        cursor.execute(
            "SELECT ColumnName FROM sys_tablecolumns WHERE TableName = 'Deals' AND FieldKey IS NOT NULL "
            "ORDER BY length(ColumnName) DESC LIMIT 1"
        )
        row = cursor.fetchone()
        assert row is not None
        custom = str(row[0])
        typo = custom[:-2] + custom[-1]  # one letter dropped
        with pytest.raises(errors.ProgrammingError) as caught:
            cursor.execute(f"SELECT {typo} FROM Deals")
    assert str(caught.value) == f'column "{typo}" does not exist in Deals; did you mean "{custom}"?'


def test_errors_of_other_shapes_lose_duckdb_words(sql_conn: Connection) -> None:
    statements = [
        "SELECT 'a' + 1",
        "SELECT CAST('2020-13-45' AS DATE)",
        "SELECT regexp_matches(Title, '(') FROM Deals",
        "SELECT * FROM (SELECT 1 AS a) t WHERE b = 1",
        "SELECT Nam FROM sys_tables",
    ]
    for sql in statements:
        with sql_conn.cursor() as cursor, pytest.raises(errors.DatabaseError) as caught:
            cursor.execute(sql)
            cursor.fetchall()
        assert str(caught.value), sql
        assert not DUCKDB_WORDS.search(str(caught.value)), (sql, str(caught.value))


@pytest.mark.parametrize(
    ("name", "choices", "expected"),
    [
        ("Titel", ["Title", "JobTitle", "Id"], ["Title"]),
        ("ownerid", ["OwnerId", "Id"], []),  # the same name in another case is not a typo
        ("Valu", ["Value", "ValueCurrency", "Id"], ["Value"]),
        ("zzz", ["Title", "Id"], []),
    ],
)
def test_suggest(name: str, choices: list[str], expected: list[Any]) -> None:
    assert suggest(name, choices) == expected
