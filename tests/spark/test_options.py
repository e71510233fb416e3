"""The data source's options and Spark filters as SQL: plain Python, no Spark session."""

from __future__ import annotations

import datetime as dt
import json

import pytest

pytest.importorskip("pyspark")

from pyspark.sql.datasource import (
    EqualNullSafe,
    EqualTo,
    GreaterThan,
    In,
    IsNull,
    Not,
    StringStartsWith,
)

from pipedrive_sql.errors import ConfigurationError, ProgrammingError
from pipedrive_sql.spark.options import parse_options
from pipedrive_sql.spark.reading import Slice, filter_sql, select_sql


def test_connection_properties_pass_through_and_typos_fail() -> None:
    options = parse_options({"path": "Deals", "apitoken": "abc", "CompanyDomain": "acme"})
    assert options.table == "Deals"
    assert options.companies[0].properties == {"APIToken": "abc", "CompanyDomain": "acme"}
    assert options.companies[0].name == "acme"
    with pytest.raises(ConfigurationError, match="APIToken"):
        parse_options({"path": "Deals", "APITokn": "abc"})


def test_many_companies_get_a_company_column() -> None:
    options = parse_options({"path": "Deals", "dsns": "acme, globex"})
    assert [c.name for c in options.companies] == ["acme", "globex"]
    assert [c.dsn for c in options.companies] == ["acme", "globex"]
    assert options.company_column == "_company"
    assert parse_options({"path": "Deals", "dsn": "acme"}).company_column is None
    with pytest.raises(ConfigurationError, match="company column"):
        parse_options({"path": "Deals", "dsns": "a,b", "companyColumn": "none"})


def test_connections_as_json() -> None:
    text = json.dumps([{"name": "a", "APIToken": "x", "BaseURL": "http://h"}, {"CompanyDomain": "b"}])
    options = parse_options({"path": "Deals", "connections": text, "MaxConcurrency": "2"})
    assert [c.name for c in options.companies] == ["a", "b"]
    assert options.companies[0].properties == {"MaxConcurrency": "2", "APIToken": "x", "BaseURL": "http://h"}
    with pytest.raises(ConfigurationError, match="JSON list"):
        parse_options({"path": "Deals", "connections": "{nope"})
    with pytest.raises(ConfigurationError, match="same name"):
        parse_options({"path": "Deals", "connections": json.dumps([{"name": "a"}, {"name": "A"}])})


@pytest.mark.parametrize(
    ("options", "error"),
    [
        ({"path": "Deals", "query": "SELECT 1"}, "not both"),
        ({"path": "Deals; DROP"}, "not a table name"),
        ({"query": "DELETE FROM Deals"}, "one SELECT"),
        ({"path": "Deals", "onError": "ignore"}, "fail or skip"),
        ({"path": "Deals", "timeType": "clock"}, "string or time"),
        ({"path": "Deals", "timeSlices": "0"}, "out of range"),
        ({"path": "Deals", "dsn": "a", "dsns": "b,c"}, "use one of"),
    ],
)
def test_bad_options_are_refused_clearly(options: dict[str, str], error: str) -> None:
    with pytest.raises((ConfigurationError, ProgrammingError), match=error):
        parse_options(options)


def test_filters_become_sql_with_parameters() -> None:
    assert filter_sql(EqualTo(("Status",), "won")) == ('"Status" = ?', ["won"])
    assert filter_sql(Not(GreaterThan(("Value",), 5))) == ('NOT ("Value" > ?)', [5])
    assert filter_sql(In(("Id",), (1, 2))) == ('"Id" IN (?, ?)', [1, 2])
    assert filter_sql(IsNull(("OrgId",))) == ('"OrgId" IS NULL', [])
    assert filter_sql(EqualNullSafe(("OrgId",), None)) == ('"OrgId" IS NULL', [])
    assert filter_sql(EqualTo(("OrgId",), None)) == ("FALSE", [])
    assert filter_sql(StringStartsWith(("Title",), "Ac")) == ('starts_with("Title", ?)', ["Ac"])
    assert filter_sql(EqualTo(("Address", "city"), "Berlin")) is None  # nested: left to Spark
    moment = filter_sql(GreaterThan(("UpdateTime",), dt.datetime(2026, 1, 1, tzinfo=dt.UTC)))
    assert moment == ('"UpdateTime" > ?', [dt.datetime(2026, 1, 1, tzinfo=dt.UTC)])


def test_a_slice_bounds_update_time_and_keeps_nulls_in_the_first() -> None:
    options = parse_options({"path": "Deals"})
    first = Slice(company=0, since=None, until="2026-01-01T00:00:00+00:00", nulls=True)
    text, params = select_sql(options, ["Id"], [('"Status" = ?', ["won"])], first)
    assert text == (
        'SELECT "Id" FROM Deals WHERE ("Status" = ?) AND (("UpdateTime" < ? OR "UpdateTime" IS NULL))'
    )
    assert params == ["won", dt.datetime(2026, 1, 1, tzinfo=dt.UTC)]
    last = Slice(company=0, since="2026-01-01T00:00:00+00:00", until=None, nulls=False)
    assert select_sql(options, ["Id"], [], last)[0] == 'SELECT "Id" FROM Deals WHERE ("UpdateTime" >= ?)'
