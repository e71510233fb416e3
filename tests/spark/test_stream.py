"""Structured Streaming: the changes to a table since the last offset."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

import pipedrive_sql

pytestmark = pytest.mark.spark


def _run(spark: Any, sandbox: Any, checkpoint: Path, **options: str) -> list[Any]:
    """One availableNow run of a stream of Deals from ``checkpoint``: the rows it delivered."""
    delivered: list[Any] = []
    stream = (
        spark.readStream.format("pipedrive")
        .option("BaseURL", sandbox.url)
        .option("APIToken", sandbox.api_token)
        .option("settleSeconds", "0")
    )
    for key, value in options.items():
        stream = stream.option(key, value)
    query = (
        stream.load("Deals")
        .select("Id", "Title", "Status")
        .writeStream.foreachBatch(lambda frame, _batch: delivered.extend(frame.collect()))
        .option("checkpointLocation", str(checkpoint))
        .trigger(availableNow=True)
        .start()
    )
    query.awaitTermination()
    assert query.exception() is None
    return delivered


def test_a_stream_picks_up_a_changed_deal(spark: Any, make_sandbox: Any, tmp_path: Path) -> None:
    sandbox = make_sandbox(scale=40, rate_limit=False)
    with pipedrive_sql.connect(BaseURL=sandbox.url, APIToken=sandbox.api_token) as connection:
        cursor = connection.cursor()
        everything = cursor.execute("SELECT Id FROM Deals WHERE UpdateTime IS NOT NULL").fetchall()
        live = cursor.execute(
            "SELECT Id FROM Deals WHERE UpdateTime IS NOT NULL AND NOT IsDeleted"
        ).fetchall()
        first = _run(spark, sandbox, tmp_path / "checkpoint")
        assert sorted(row.Id for row in first) == sorted(row[0] for row in everything)

        assert _run(spark, sandbox, tmp_path / "checkpoint") == []  # nothing changed: nothing delivered

        cursor.execute("UPDATE Deals SET Title = 'Changed while streaming' WHERE Id = ?", [live[0][0]])
        cursor.execute("DELETE FROM Deals WHERE Id = ?", [live[1][0]])
        changes = _run(spark, sandbox, tmp_path / "checkpoint")
    by_id = {row.Id: row for row in changes}
    assert by_id[live[0][0]].Title == "Changed while streaming"
    assert by_id[live[1][0]].Status == "deleted"  # Deals holds deleted deals: a deletion is a change
    assert len(changes) == 2


def test_a_stream_can_start_at_the_latest_change(spark: Any, make_sandbox: Any, tmp_path: Path) -> None:
    sandbox = make_sandbox(scale=20, rate_limit=False)
    assert _run(spark, sandbox, tmp_path / "cp", startingFrom="latest") == []
    with pipedrive_sql.connect(BaseURL=sandbox.url, APIToken=sandbox.api_token) as connection:
        connection.cursor().execute("INSERT INTO Deals (Title) VALUES ('Born while streaming')")
    assert [row.Title for row in _run(spark, sandbox, tmp_path / "cp")] == ["Born while streaming"]
