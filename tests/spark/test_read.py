"""Batch reads through Spark equal the DB-API's rows; filters and projections reach the API."""

from __future__ import annotations

from typing import Any

import pytest
from tests.spark.helpers import columns, dbapi_rows, source, spark_rows

pytestmark = pytest.mark.spark


def test_a_read_of_deals_equals_the_dbapi(spark: Any, sandbox: Any) -> None:
    frame = source(spark, sandbox).load("Deals")
    expected = dbapi_rows(sandbox.url, sandbox.api_token, "SELECT * FROM Deals ORDER BY Id")
    assert frame.columns == columns(sandbox, "Deals")
    assert spark_rows(frame.orderBy("Id")) == expected
    assert len(expected) > 100


def test_types_map_exactly(spark: Any, sandbox: Any) -> None:
    fields = {f.name: f.dataType.simpleString() for f in source(spark, sandbox).load("Deals").schema.fields}
    assert fields["Id"] == "bigint"
    assert fields["Title"] == "string"
    assert fields["UpdateTime"] == "timestamp"
    assert fields["ExpectedCloseDate"] == "date"
    assert fields["IsDeleted"] == "boolean"
    assert fields["LabelIds"] == "array<bigint>"
    assert fields["ProductInterest"] == "array<string>"  # a custom set field, by its options' labels


def test_pushed_filters_reach_the_api(spark: Any, make_sandbox: Any, capsys: Any) -> None:
    sandbox = make_sandbox(scale=120, rate_limit=False, latency_ms=0, fault_rate=0.0)
    reader = source(spark, sandbox, Pagesize=20)
    sandbox.reset_stats()
    everything = reader.load("Deals").count()
    full_scan = sandbox.stats()["by_operation"]["GET /api/v2/deals"]
    assert full_scan >= everything // 20

    sandbox.reset_stats()
    frame = reader.option("pushFilters", "true").load("Deals").filter("Id = 7").select("Id", "Title")
    rows = spark_rows(frame)
    operations = sandbox.stats()["by_operation"]
    assert operations.get("GET /api/v2/deals", 0) == 0  # no list request: one GET of deal 7
    assert operations["GET /api/v2/deals/{id}"] == 1
    assert rows == dbapi_rows(sandbox.url, sandbox.api_token, "SELECT Id, Title FROM Deals WHERE Id = 7")

    frame = reader.option("pushFilters", "true").load("Deals").filter("Status = 'won'")
    frame.explain("formatted")
    assert "PushedFilters: [IsNotNull(Status), EqualTo(Status,won)]" in capsys.readouterr().out


def test_without_push_filters_a_dataframe_can_be_reused(spark: Any, sandbox: Any) -> None:
    # Spark (<= 4.3) keeps a pushed-down read on the DataFrame and reuses it for a later unfiltered query;
    # the default reader takes no filters, so counts stay right.
    frame = source(spark, sandbox).load("Deals")
    won = frame.filter("Status = 'won'").count()
    assert 0 < won < frame.count() == len(dbapi_rows(sandbox.url, sandbox.api_token, "SELECT Id FROM Deals"))


def test_a_schema_given_by_the_user_projects_the_columns(spark: Any, sandbox: Any) -> None:
    frame = source(spark, sandbox).schema("Id BIGINT, Title STRING, Value DECIMAL(18,4)").load("Deals")
    assert frame.columns == ["Id", "Title", "Value"]
    expected = dbapi_rows(sandbox.url, sandbox.api_token, "SELECT Id, Title, Value FROM Deals ORDER BY Id")
    assert spark_rows(frame.orderBy("Id")) == expected


def test_a_query_option_runs_the_drivers_sql(spark: Any, sandbox: Any) -> None:
    sql = "SELECT OwnerId, count(*) AS Deals, sum(Value) AS Total FROM Deals GROUP BY OwnerId"
    frame = source(spark, sandbox, query=sql).load()
    expected = dbapi_rows(sandbox.url, sandbox.api_token, sql + " ORDER BY OwnerId")
    assert spark_rows(frame.orderBy("OwnerId")) == expected


def test_time_slices_read_every_row_once(spark: Any, sandbox: Any) -> None:
    frame = source(spark, sandbox, timeSlices=3).load("Persons")
    expected = dbapi_rows(sandbox.url, sandbox.api_token, "SELECT * FROM Persons ORDER BY Id")
    assert frame.rdd.getNumPartitions() == 3
    assert spark_rows(frame.orderBy("Id")) == expected


def test_a_bad_property_fails_naming_it(spark: Any, sandbox: Any) -> None:
    with pytest.raises(Exception, match=r"(?i)unknown connection property .apitokn.\. did you mean APIToken"):
        source(spark, sandbox, APITokn="x").load("Deals").schema  # noqa: B018
    with pytest.raises(Exception, match="Dealz"):
        source(spark, sandbox).load("Dealz").schema  # noqa: B018
