"""Parsing: the commercial drivers' dialect and plain SQL, parameters, and syntax errors that locate."""

from __future__ import annotations

import datetime as dt

import pytest
from sqlglot import exp

from pipedrive_sql.engine.params import bind
from pipedrive_sql.engine.parse import EXEC, EXPLAIN, QUERY, WRITE, parse
from pipedrive_sql.errors import NotSupportedError, ProgrammingError


def duck(sql: str, params: object = None) -> str:
    statement = parse(sql)
    bind(statement.tree, params, statement.qmarks)  # type: ignore[arg-type]
    return statement.tree.sql("duckdb")


@pytest.mark.parametrize(
    ("sql", "expected"),
    [
        ("SELECT TOP 5 [Id] FROM [Deals]", 'SELECT "Id" FROM "Deals" LIMIT 5'),
        ('SELECT "Title" FROM Deals', 'SELECT "Title" FROM Deals'),
        ("SELECT * FROM t ORDER BY a", "SELECT * FROM t ORDER BY a"),  # NULLs last, as in DuckDB
        ("SELECT * FROM t WHERE d > TIMESTAMP '2024-01-01 00:00:00'",
         "SELECT * FROM t WHERE d > CAST('2024-01-01 00:00:00' AS TIMESTAMP)"),
        ("SELECT a FROM t ORDER BY a OFFSET 5 ROWS FETCH NEXT 10 ROWS ONLY", "SELECT a FROM t ORDER BY a LIMIT 10 OFFSET 5"),
        ("SELECT ISNULL(a, 0) FROM t", "SELECT COALESCE(a, 0) FROM t"),
        ("SELECT list_transform(l, x -> x + 1) FROM t", "SELECT LIST_TRANSFORM(l, LAMBDA x : x + 1) FROM t"),
        ("SELECT * FROM [Pipedrive].[Pipedrive].[Deals]", 'SELECT * FROM "Pipedrive"."Pipedrive"."Deals"'),
        ("SELECT N'x'", "SELECT N'x'"),
        ("  SELECT 1 ;  ", "SELECT 1"),
    ],
)  # fmt: skip
def test_dialect_forms(sql: str, expected: str) -> None:
    assert duck(sql) == expected


def test_kinds() -> None:
    assert parse("SELECT 1").kind == QUERY
    assert parse("WITH x AS (SELECT 1) SELECT * FROM x").kind == QUERY
    assert parse("SELECT 1 UNION SELECT 2").kind == QUERY
    assert parse("explain SELECT * FROM Deals").kind == EXPLAIN
    assert parse("EXEC GetOAuthAuthorizationURL CallbackURL='http://x'").kind == EXEC
    assert parse("EXECUTE Proc @A = 1").kind == EXEC
    assert parse("UPDATE Deals SET Title = 'x' WHERE Id = 1").kind == WRITE
    assert parse("INSERT INTO Deals (Title) VALUES ('x')").kind == WRITE
    assert parse("DELETE FROM Deals WHERE Id = 1").kind == WRITE


def test_exec_arguments_are_kept() -> None:
    tree = parse("EXEC GetOAuthAuthorizationURL CallbackURL='http://x', Scope='a b'").tree
    assert isinstance(tree, exp.Execute)
    assert [e.this.name for e in tree.expressions] == ["CallbackURL", "Scope"]


def test_syntax_error_shows_line_column_and_text() -> None:
    with pytest.raises(ProgrammingError) as info:
        parse("SELECT *\nFROM Deals\nWHERE Id = = 3")
    error = info.value
    assert (error.line, error.col) == (3, 12)
    assert "line 3, column 12" in str(error)
    assert "WHERE Id = = 3" in str(error)
    assert "\n             ^" in str(error)


def test_syntax_error_after_explain_counts_the_prefix() -> None:
    with pytest.raises(ProgrammingError) as info:
        parse("EXPLAIN SELECT 1 FROM")
    assert info.value.col == 21


@pytest.mark.parametrize(
    ("sql", "error", "match"),
    [
        ("", ProgrammingError, "empty"),
        ("SELECT 1; SELECT 2", ProgrammingError, "2 statements"),
        ("SHOW TABLES", NotSupportedError, "SHOW"),
        ("EXPLAIN EXEC Foo", NotSupportedError, "EXPLAIN"),
    ],
)
def test_refusals(sql: str, error: type[Exception], match: str) -> None:
    with pytest.raises(error, match=match):
        parse(sql)


def test_qmarks_bind_in_text_order_even_with_offset_fetch() -> None:
    sql = "SELECT ? FROM t WHERE a = ? AND b IN (?, ?) AND c = '?' ORDER BY a OFFSET ? ROWS FETCH NEXT ? ROWS ONLY"
    assert duck(sql, ["s", 1, 2, 3, 10, 20]) == (
        "SELECT 's' FROM t WHERE a = 1 AND b IN (2, 3) AND c = '?' ORDER BY a LIMIT 20 OFFSET 10"
    )


def test_named_parameters_case_insensitive_and_prefixes() -> None:
    assert duck("SELECT * FROM t WHERE a = @A AND b = :b AND c = @a", {"a": 1, "@B": "x"}) == (
        "SELECT * FROM t WHERE a = 1 AND b = 'x' AND c = 1"
    )


@pytest.mark.parametrize(
    ("value", "literal"),
    [
        (None, "NULL"),
        (True, "TRUE"),
        (3, "3"),
        (2.5, "2.5"),
        ("it's", "'it''s'"),
        (dt.date(2024, 1, 2), "CAST('2024-01-02' AS DATE)"),
        (dt.datetime(2024, 1, 2, 3, 4, 5), "CAST('2024-01-02T03:04:05' AS TIMESTAMP)"),
        (dt.datetime(2024, 1, 2, tzinfo=dt.UTC), "CAST('2024-01-02T00:00:00+00:00' AS TIMESTAMPTZ)"),
        (dt.time(9, 30), "CAST('09:30:00' AS TIME)"),
        (b"\x01\xff", "UNHEX('01ff')"),
        ([1, 2], "[1, 2]"),
    ],
)
def test_literals(value: object, literal: str) -> None:
    assert duck("SELECT ?", [value]) == f"SELECT {literal}"


@pytest.mark.parametrize(
    ("sql", "params", "match"),
    [
        ("SELECT ?", [], "1 \\? marker"),
        ("SELECT ?", [1, 2], "2 parameter"),
        ("SELECT ?", {"a": 1}, "sequence"),
        ("SELECT @a", [1], "mapping"),
        ("SELECT @a, @b", {"a": 1}, "No value given for parameter\\(s\\) b"),
        ("SELECT ?, @a", [1], "one parameter style"),
        ("SELECT 1", [1], "no parameter markers"),
        ("SELECT ?", [object()], "Cannot use a object"),
    ],
)
def test_parameter_errors(sql: str, params: object, match: str) -> None:
    with pytest.raises(ProgrammingError, match=match):
        duck(sql, params)


@pytest.mark.parametrize(
    ("sql", "params", "expected"),
    [
        # DuckDB subscripts: a bracket right after an expression holding an integer, a marker or a slice
        ('SELECT "LabelIds"[1] FROM "Persons"', None, 'SELECT "LabelIds"[1] FROM "Persons"'),
        ('SELECT "LabelIds"[?] FROM "Persons"', [2], 'SELECT "LabelIds"[2] FROM "Persons"'),
        ("SELECT LabelIds[@n], l[-1] FROM t", {"n": 3}, "SELECT LabelIds[3], l[-1] FROM t"),
        ("SELECT l[1:2], l[:?], l[?:] FROM t", [2, 1], "SELECT l[1:2], l[:2], l[1:] FROM t"),
        ("SELECT (l)[1], [10, 20][2] FROM t", None, "SELECT (l)[1], [10, 20][2] FROM t"),
        # list literals
        ("SELECT ARRAY[1, 2], [1, 'a', ?], []", [3], "SELECT [1, 2], [1, 'a', 3], []"),
        ("SELECT * FROM t WHERE list_contains([1, 2], Id)", None, "SELECT * FROM t WHERE LIST_CONTAINS([1, 2], Id)"),
        # T-SQL bracketed names stay names
        ("SELECT x [Alias] FROM t", None, 'SELECT x AS "Alias" FROM t'),
        ("SELECT x[Alias] FROM t", None, 'SELECT x AS "Alias" FROM t'),
        ("SELECT [1] FROM [t] WHERE [Id] = 1", None, 'SELECT "1" FROM "t" WHERE "Id" = 1'),
        ("SELECT a.[b c] FROM [t] a", None, 'SELECT a."b c" FROM "t" AS a'),
    ],
)  # fmt: skip
def test_square_brackets_subscripts_lists_and_names(sql: str, params: object, expected: str) -> None:
    assert duck(sql, params) == expected


def test_bracket_lists_of_expressions_are_refused_with_a_pointer() -> None:
    with pytest.raises(ProgrammingError, match=r"list_value"):
        parse("SELECT [a + 1, 2] FROM t")
