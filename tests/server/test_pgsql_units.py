"""The SQL-side pieces that need no client: PostgreSQL names (pgnames), COPY options and encodings,
parameter parsing (intervals, arrays), SQL-level EXECUTE substitution, format()."""

from __future__ import annotations

import datetime as dt
import struct

import pytest

from pipedrive_sql.server import types as pgt
from pipedrive_sql.server.copyout import BINARY_SIGNATURE, CopyEncoder, parse_copy
from pipedrive_sql.server.errors import PgError
from pipedrive_sql.server.pgnames import DataQueryRewriter
from pipedrive_sql.server.results import OutColumn
from pipedrive_sql.server.sqltext import substitute_placeholders

REWRITER = DataQueryRewriter("crm", [("public", "Deals"), ("public", "Persons")])


@pytest.mark.parametrize(
    ("written", "driver"),
    [
        ('select "Id" from "Deals"', 'SELECT "Id" FROM "Deals"'),
        ('select "Id" from public."Deals"', 'SELECT "Id" FROM "Deals"'),
        ('select "Id" from "crm"."public"."Deals"', 'SELECT "Id" FROM "Deals"'),
        ("select * from deals", 'SELECT * FROM "Deals"'),
        ('select "_"."Title" from "public"."Deals" "_"', 'SELECT "_"."Title" FROM "Deals" AS "_"'),
        ('select public."Deals"."Id" from public."Deals"', 'SELECT "Deals"."Id" FROM "Deals"'),
        ('select count(*) from "Deals"', 'SELECT COUNT(*) AS "count" FROM "Deals"'),
        ('select sum("Value") Total from "Deals"', 'SELECT SUM("Value") AS "total" FROM "Deals"'),
        ("select now(), current_date", 'SELECT GET_CURRENT_TIMESTAMP() AS "now", TODAY() AS "current_date"'),
        (
            "select 1 + 1, 'a'::text from \"Deals\"",
            'SELECT 1 + 1 AS "?column?", CAST(\'a\' AS TEXT) AS "text" FROM "Deals"',
        ),
        ("with d as (select 1 as x) select x from d", 'WITH d AS (SELECT 1 AS "x") SELECT x FROM d'),
        # window and ordered-set aggregates are named after their function; `~` is an operator
        (
            'select rank() over (order by "Id"), sum("Id") over () from "Deals"',
            'SELECT RANK() OVER (ORDER BY "Id") AS "rank", SUM("Id") OVER () AS "sum" FROM "Deals"',
        ),
        (
            'select percentile_cont(0.5) within group (order by "Id") from "Deals"',
            'SELECT QUANTILE_CONT("Id", 0.5 ORDER BY "Id") AS "percentile_cont" FROM "Deals"',
        ),
        (
            'select "Id" at time zone \'UTC\' from "Deals"',
            'SELECT "Id" AT TIME ZONE \'UTC\' AS "timezone" FROM "Deals"',
        ),
        (
            'select "Title" ~ \'a\' from "Deals"',
            'SELECT REGEXP_MATCHES("Title", \'a\') AS "?column?" FROM "Deals"',
        ),
        ('select * from other.public."Deals"', 'SELECT * FROM other.public."Deals"'),
        ('EXPLAIN select "Id" from public."Deals"', 'EXPLAIN SELECT "Id" FROM "Deals"'),
    ],
)
def test_data_queries_name_tables_and_columns_the_postgresql_way(written: str, driver: str) -> None:
    rewritten = REWRITER.rewrite(written)
    assert rewritten is not None and rewritten.sql == driver


def test_quoted_names_match_exactly_and_others_pass_through() -> None:
    with pytest.raises(PgError) as info:
        REWRITER.rewrite('select * from "deals"')
    assert info.value.sqlstate == "42P01" and 'write "Deals"' in str(info.value.hint)
    assert REWRITER.rewrite("SELECT TOP 5 * FROM [Deals]") is None  # T-SQL: the driver reads it as written
    assert REWRITER.rewrite("select [Title] from Deals where [Status] = 'open'") is None
    subscripted = REWRITER.rewrite('select "LabelIds"[1], array[1, 2] from deals')
    assert (
        subscripted is not None
        and subscripted.sql == 'SELECT "LabelIds"[1] AS "LabelIds", [1, 2] AS "array" FROM "Deals"'
    )
    assert REWRITER.rewrite("select * from sys_tables").sql == "SELECT * FROM sys_tables"  # type: ignore[union-attr]
    assert REWRITER.rewrite("select * from public.sys_tables").sql == "SELECT * FROM sys_tables"  # type: ignore[union-attr]


def test_array_parameters_are_found() -> None:
    rewritten = REWRITER.rewrite('select * from "Deals" where "Id" = ANY($2) and "Title" = $1')
    assert rewritten is not None and rewritten.array_parameters == frozenset({2})


def test_copy_statements_are_read_in_both_spellings() -> None:
    spec = parse_copy('COPY (SELECT "Id" FROM "Deals") TO STDOUT WITH (FORMAT csv, HEADER true, NULL \'-\')')
    assert (spec.query, spec.format, spec.header, spec.null, spec.delimiter) == (
        'SELECT "Id" FROM "Deals"',
        "csv",
        True,
        "-",
        ",",
    )
    old = parse_copy('COPY "Deals" ("Id", "Title") TO STDOUT WITH CSV HEADER DELIMITER \';\'')
    assert (old.query, old.format, old.header, old.delimiter) == (
        'SELECT "Id", "Title" FROM "Deals"',
        "csv",
        True,
        ";",
    )
    assert parse_copy("copy deals to stdout binary").format == "binary"
    with pytest.raises(PgError, match="INSERT"):
        parse_copy("COPY deals FROM STDIN")
    with pytest.raises(PgError, match="STDOUT"):
        parse_copy("COPY deals TO '/etc/passwd'")


def test_copy_encodes_text_csv_and_binary() -> None:
    columns = [OutColumn("id", pgt.ColumnType(pgt.INT8)), OutColumn("title", pgt.ColumnType(pgt.TEXT))]
    text = CopyEncoder(parse_copy("COPY t TO STDOUT"), columns)
    assert text.encode((1, "a\tb\\c\nd")) == b"1\ta\\tb\\\\c\\nd\n"
    assert text.encode((2, None)) == b"2\t\\N\n"
    csv = CopyEncoder(parse_copy("COPY t TO STDOUT WITH CSV HEADER"), columns)
    assert csv.preamble() == b"id,title\n"
    assert csv.encode((1, 'say "hi", then go')) == b'1,"say ""hi"", then go"\n'
    assert csv.encode((2, "")) == b'2,""\n' and csv.encode((3, None)) == b"3,\n"
    binary = CopyEncoder(parse_copy("COPY t TO STDOUT (FORMAT binary)"), columns)
    assert binary.preamble() == BINARY_SIGNATURE
    assert binary.encode((7, None)) == struct.pack("!hiqi", 2, 8, 7, -1)
    assert binary.trailer() == b"\xff\xff"


def test_interval_and_array_parameters() -> None:
    assert pgt.parse_interval("1 day 02:03:04") == dt.timedelta(days=1, hours=2, minutes=3, seconds=4)
    assert pgt.parse_interval("P2DT3H") == dt.timedelta(days=2, hours=3)
    assert pgt.parse_interval("-00:00:05") == dt.timedelta(seconds=-5)
    assert pgt.parse_interval("1 year 2 mons") == "14 months 0 days 0 microseconds"
    binary = struct.pack("!qii", 5_000_000, 3, 0)
    assert pgt.decode_parameter(binary, pgt.INTERVAL, True) == dt.timedelta(days=3, seconds=5)
    assert pgt.decode_parameter(b"{1,2,NULL}", 1016, False) == [1, 2, None]
    assert pgt.decode_parameter(b'{"a,b",c}', 1009, False) == ["a,b", "c"]
    array = (
        struct.pack("!iiIii", 1, 0, pgt.INT4, 2, 1) + struct.pack("!ii", 4, 10) + struct.pack("!ii", 4, 20)
    )
    assert pgt.decode_parameter(array, 1007, True) == [10, 20]
    with pytest.raises(ValueError):
        pgt.parse_interval("soon")


def test_sql_level_execute_puts_values_in_place_of_placeholders() -> None:
    sql = "SELECT $1, '$1' FROM t WHERE a = $2 -- $1"
    assert (
        substitute_placeholders(sql, ["'x'", "(1 + 1)"]) == "SELECT 'x', '$1' FROM t WHERE a = (1 + 1) -- $1"
    )
    with pytest.raises(ValueError):
        substitute_placeholders("SELECT $3", ["1"])
