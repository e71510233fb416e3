"""Writes: append creates records, upsertOn updates them, through the driver's writes."""

from __future__ import annotations

from typing import Any

import pytest
from tests.spark.helpers import dbapi_rows

pytestmark = pytest.mark.spark


def _writer(frame: Any, sandbox: Any) -> Any:
    return (
        frame.write.format("pipedrive").option("BaseURL", sandbox.url).option("APIToken", sandbox.api_token)
    )


def test_append_then_upsert_round_trip(spark: Any, make_sandbox: Any) -> None:
    sandbox = make_sandbox(rate_limit=False)
    new = spark.createDataFrame(
        [("Spark deal A", 100.0, "EUR"), ("Spark deal B", 200.0, "USD")],
        "Title string, Value double, Currency string",
    )
    _writer(new, sandbox).mode("append").save("Deals")
    sql = "SELECT Id, Title, Value, Currency FROM Deals WHERE Title LIKE 'Spark deal%' ORDER BY Title"
    written = dbapi_rows(sandbox.url, sandbox.api_token, sql)
    assert [row[1:] for row in written] == [("Spark deal A", 100.0, "EUR"), ("Spark deal B", 200.0, "USD")]

    changes = spark.createDataFrame(
        [(written[0][0], "Spark deal A (renamed)", 150.0), (None, "Spark deal C", 300.0)],
        "Id bigint, Title string, Value double",
    )
    _writer(changes, sandbox).option("upsertOn", "Id").mode("append").save("Deals")
    after = dbapi_rows(sandbox.url, sandbox.api_token, sql)
    assert [row[1:3] for row in after] == [
        ("Spark deal A (renamed)", 150.0),
        ("Spark deal B", 200.0),
        ("Spark deal C", 300.0),
    ]
    assert after[0][0] == written[0][0]  # updated in place, not created again


def test_a_bad_value_is_refused_before_anything_is_written(spark: Any, make_sandbox: Any) -> None:
    sandbox = make_sandbox(rate_limit=False)
    bad = spark.createDataFrame([("x", "sideways")], "Title string, Status string").coalesce(1)
    sandbox.reset_stats()
    with pytest.raises(Exception, match="Status"):
        _writer(bad, sandbox).mode("append").save("Deals")
    assert sandbox.stats()["by_operation"].get("POST /api/v2/deals", 0) == 0


def test_overwrite_is_refused(spark: Any, make_sandbox: Any) -> None:
    sandbox = make_sandbox(rate_limit=False)
    frame = spark.createDataFrame([("x",)], "Title string")
    with pytest.raises(Exception, match="overwrite"):
        _writer(frame, sandbox).mode("overwrite").save("Deals")
