"""Result column names through the server, as PostgreSQL names them.

sqlglot folds several spellings into one node (`date_part` and `EXTRACT`, `substr` and `substring`,
`ceiling` and `ceil`, `now()` and `CURRENT_TIMESTAMP`, `char_length` and `length`); PostgreSQL names an
unaliased column after the spelling the client wrote, and clients look columns up by those names. The
expected names are what PostgreSQL 15 answered for the same select list (16 names them alike).
"""

from __future__ import annotations

from typing import Any

import pytest

psycopg = pytest.importorskip("psycopg", reason="psycopg 3 is not installed (pip install 'psycopg[binary]')")

NAMES = [
    ("date_part('dow', now())", "date_part"),
    ("extract(dow from now())", "extract"),
    ("substr('abc',1,2)", "substr"),
    ("substring('abc',1,2)", "substring"),
    ("substring('abc' from 1 for 2)", "substring"),
    ("position('b' in 'abc')", "position"),
    ("strpos('abc','b')", "strpos"),
    ("ceil(1.5)", "ceil"),
    ("ceiling(1.5)", "ceiling"),
    ("now()", "now"),
    ("current_timestamp", "current_timestamp"),
    ("char_length('abc')", "char_length"),
    ("character_length('abc')", "character_length"),
    ("length('abc')", "length"),
    ("trunc(1.5)", "trunc"),
    ("trunc(1.55, 1)", "trunc"),
    ("date_trunc('day', now())", "date_trunc"),
    ("coalesce(null, 1)", "coalesce"),
    ("nullif(1, 2)", "nullif"),
    ("greatest(1, 2)", "greatest"),
    ("least(1, 2)", "least"),
    ("trim(' a ')", "btrim"),
    ("trim(leading from ' a ')", "ltrim"),
    ("trim(trailing from ' a ')", "rtrim"),
    ("ltrim(' a')", "ltrim"),
    ("rtrim('a ')", "rtrim"),
    ("btrim(' a ')", "btrim"),
    ("lpad('a', 3)", "lpad"),
    ("rpad('a', 3)", "rpad"),
    ("pow(2, 2)", "pow"),
    ("power(2, 2)", "power"),
    ("round(1.5)", "round"),
    ("abs(-1)", "abs"),
    ("floor(1.5)", "floor"),
    ("ln(1)", "ln"),
    ("log(10)", "log"),
    ("sqrt(4)", "sqrt"),
    ("lower('A')", "lower"),
    ("upper('a')", "upper"),
    ("left('abc', 1)", "left"),
    ("right('abc', 1)", "right"),
    ("replace('abc','a','b')", "replace"),
    ("split_part('a,b', ',', 1)", "split_part"),
    ("md5('a')", "md5"),
    ("concat('a','b')", "concat"),
    ("concat_ws(',','a','b')", "concat_ws"),
    ("reverse('ab')", "reverse"),
    ("repeat('a', 2)", "repeat"),
    ("ascii('a')", "ascii"),
    ("chr(65)", "chr"),
    ("initcap('ab')", "initcap"),
    ("starts_with('ab','a')", "starts_with"),
    ("current_date", "current_date"),
    ("localtimestamp", "localtimestamp"),
    ("to_char(now(), 'YYYY')", "to_char"),
    ("date(now())", "date"),
    ("extract(epoch from now())", "extract"),
    ("date_part('epoch', now())", "date_part"),
    ("array_length(ARRAY[1,2], 1)", "array_length"),
    ("cardinality(ARRAY[1])", "cardinality"),
    ("CAST(1 AS int)", "int4"),
    ("CAST(now() AS date)", "now"),
    ("now()::date", "now"),
    ("regexp_replace('a','a','b')", "regexp_replace"),
    ("pg_catalog.now()", "now"),
    ("sign(-1)", "sign"),
    ("mod(5, 2)", "mod"),
    ("exp(1)", "exp"),
]


def test_columns_are_named_after_the_spelling_the_client_wrote(conn: Any) -> None:
    cursor = conn.execute("SELECT " + ", ".join(expression for expression, _name in NAMES))
    got = [column.name for column in cursor.description]
    assert list(zip([e for e, _ in NAMES], got, strict=True)) == NAMES
    assert len(cursor.fetchall()) == 1


def test_a_data_query_names_its_columns_the_same_way(conn: Any) -> None:
    cursor = conn.execute(
        'SELECT date_part(\'dow\', "AddTime"), EXTRACT(dow FROM "AddTime"), ceiling("Value"), ceil("Value"), '
        'substr("Title", 1, 2), char_length("Title"), trim("Title"), mod("Id", 2) FROM "Deals" LIMIT 1'
    )
    assert [c.name for c in cursor.description] == [
        "date_part",
        "extract",
        "ceiling",
        "ceil",
        "substr",
        "char_length",
        "btrim",
        "mod",
    ]
    assert len(cursor.fetchall()) == 1


def test_keywords_that_are_values_run_under_their_own_names(conn: Any) -> None:
    # DuckDB refuses `localtimestamp AS "localtimestamp"`: the server sends them as calls
    cursor = conn.execute("SELECT localtimestamp, localtime, current_time, current_date, current_timestamp")
    assert [c.name for c in cursor.description] == [
        "localtimestamp",
        "localtime",
        "current_time",
        "current_date",
        "current_timestamp",
    ]
    assert len(cursor.fetchone()) == 5


def test_operators_are_not_named_after_a_function(conn: Any) -> None:
    # sqlglot parses these operators into function nodes; PostgreSQL names an operator's column ?column?
    cursor = conn.execute(
        "SELECT 2 ^ 10, power(2, 10), '{\"a\": 1}'::json ->> 'a', ('{\"a\": 1}'::json ->> 'a')::int, "
        "interval '1 day', '1 day'::interval"
    )
    assert [c.name for c in cursor.description] == [
        "?column?",
        "power",
        "?column?",
        "int4",
        "interval",
        "interval",
    ]
    assert cursor.fetchone()[:2] == (1024, 1024)
