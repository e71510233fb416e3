"""Many companies in one job: each inside its own burst limit, a failing one named or skipped."""

from __future__ import annotations

import json
from typing import Any

import pytest
from tests.spark.helpers import columns as _columns
from tests.spark.helpers import dbapi_rows, plain

pytestmark = pytest.mark.spark


def _connections(sandboxes: list[Any]) -> str:
    return json.dumps(
        [
            {"name": f"company{i}", "BaseURL": s.url, "APIToken": s.api_token, "Pagesize": "10"}
            for i, s in enumerate(sandboxes)
        ]
    )


def test_three_companies_in_one_job_each_inside_its_burst_limit(spark: Any, make_sandbox: Any) -> None:
    # lite plan: 20 requests per 2 s per token; at 10 rows a page each company needs ~20 requests per table
    sandboxes = [make_sandbox(scale=60, seed=seed, plan="lite", rate_limit=True) for seed in (1, 2, 3)]
    for sandbox in sandboxes:
        sandbox.reset_stats()
    frame = (
        spark.read.format("pipedrive")
        .option("connections", _connections(sandboxes))
        .option("timeSlices", "2")
        .load("Persons")
    )
    assert frame.columns[0] == "_company"
    assert frame.rdd.getNumPartitions() == 6
    rows = frame.orderBy("_company", "Id").collect()
    for index, sandbox in enumerate(sandboxes):
        stats = sandbox.stats()
        assert stats["rate_limited"] == 0, stats
        assert stats["by_operation"]["GET /api/v2/persons"] >= 6
        # the companies' custom fields differ: the union schema gives each the others' columns as NULL
        columns = _columns(sandbox, "Persons")
        mine = [tuple(plain(row[c]) for c in columns) for row in rows if row["_company"] == f"company{index}"]
        assert mine == dbapi_rows(sandbox.url, sandbox.api_token, "SELECT * FROM Persons ORDER BY Id")
        assert all(
            row[c] is None
            for row in rows
            if row["_company"] == f"company{index}"
            for c in set(frame.columns) - {"_company", *columns}
        )


def test_a_failing_company_fails_the_read_naming_it(spark: Any, make_sandbox: Any) -> None:
    good = make_sandbox(rate_limit=False)
    entries = [
        {"name": "good", "BaseURL": good.url, "APIToken": good.api_token},
        {"name": "revoked", "BaseURL": good.url, "APIToken": "0" * 40},
    ]
    reader = spark.read.format("pipedrive").option("connections", json.dumps(entries))
    with pytest.raises(Exception, match="revoked"):
        reader.load("Deals").count()

    frame = reader.option("onError", "skip").load("Deals")
    companies = {row[0] for row in frame.select("_company").distinct().collect()}
    assert companies == {"good"}
    assert frame.count() == len(dbapi_rows(good.url, good.api_token, "SELECT Id FROM Deals"))
