"""History tables (issue 16): DealStageHistory, DealChanges and the others, read from the change logs the
sandbox keeps (generated deals arrive with the stages they went through; every write adds to them)."""

from __future__ import annotations

import sys
from collections import defaultdict
from collections.abc import Callable, Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

from pipedrive_sandbox.server import Sandbox
from pipedrive_sql.catalog.tables_history import stage_intervals
from pipedrive_sql.dbapi import Connection

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import itertools

from engine.helpers import open_connection

QUARTER = ("2025-10-01", "2026-01-01")
AVERAGE_DAYS_PER_STAGE = (
    "SELECT StageId, ROUND(AVG(Days), 4) AS AvgDays, COUNT(*) AS Stays FROM DealStageHistory "
    f"WHERE ChangeType = 'stage' AND LeftTime >= '{QUARTER[0]}' AND LeftTime < '{QUARTER[1]}' "
    "GROUP BY StageId ORDER BY StageId"
)


@pytest.fixture(scope="module")
def history_sandbox() -> Iterator[Sandbox]:
    with Sandbox(seed=5, scale=80, rate_limit=False) as running:
        yield running


@pytest.fixture(scope="module")
def conn(history_sandbox: Sandbox) -> Iterator[Connection]:
    connection = open_connection(history_sandbox)
    yield connection
    connection.close()


def _rows(conn: Connection, sql: str) -> list[dict[str, Any]]:
    cur = conn.cursor()
    cur.execute(sql)
    names = [c[0] for c in cur.description or []]
    return [dict(zip(names, row, strict=True)) for row in cur.fetchall()]


def test_stage_intervals_close_each_stage_when_the_next_begins() -> None:
    log = [  # newest first, as the API lists them
        {"field_key": "status", "old_value": "open", "new_value": "won", "time": "2025-03-10 00:00:00"},
        {"field_key": "stage_id", "old_value": "1", "new_value": "2", "time": "2025-03-04 12:00:00"},
        {"field_key": "status", "old_value": None, "new_value": "open", "time": "2025-03-01 00:00:00"},
        {"field_key": "stage_id", "old_value": None, "new_value": "1", "time": "2025-03-01 00:00:00"},
        {"field_key": "pipeline_id", "old_value": None, "new_value": "7", "time": "2025-03-01 00:00:00"},
    ]
    rows = stage_intervals(log)
    stages = [
        (r["stage_id"], r["pipeline_id"], r["days"], r["is_current"])
        for r in rows
        if r["change_type"] == "stage"
    ]
    assert stages == [(1, 7, 3.5, False), (2, 7, None, True)]
    statuses = [(r["status"], r["days"], r["left_time"]) for r in rows if r["change_type"] == "status"]
    assert statuses == [("open", 9.0, "2025-03-10 00:00:00"), ("won", None, None)]


def test_a_deals_history_ends_in_its_current_stage(conn: Connection, history_sandbox: Sandbox) -> None:
    deal = next(
        d
        for d in history_sandbox.store.scan("deal")
        if d["status"] == "open" and not d.get("is_deleted") and not d.get("is_archived")
    )
    rows = _rows(conn, f"SELECT * FROM DealStageHistory WHERE DealId = {deal['id']} ORDER BY EnteredTime")
    stages = [r for r in rows if r["ChangeType"] == "stage"]
    assert stages[-1]["StageId"] == deal["stage_id"] and stages[-1]["IsCurrent"]
    assert all(r["LeftTime"] is not None and r["Days"] >= 0 for r in stages[:-1])
    assert all(r["PipelineId"] == deal["pipeline_id"] for r in stages)
    assert [r["Status"] for r in rows if r["ChangeType"] == "status"] == ["open"]


def _expected_average(history_sandbox: Sandbox) -> list[tuple[int, float, int]]:
    """The same question answered from the sandbox's own change logs, without the driver."""
    low, high = (datetime.fromisoformat(d).replace(tzinfo=UTC) for d in QUARTER)
    stays: dict[int, list[float]] = defaultdict(list)
    store = history_sandbox.store
    for deal in store.scan("deal"):
        if deal.get("is_deleted") or deal.get("is_archived"):
            continue  # Deals lists neither
        log = sorted(store.changelog("deal", deal["id"]), key=lambda e: e["time"])
        moves = [e for e in log if e["field_key"] == "stage_id"]
        for entered, left in itertools.pairwise(moves):
            left_at = datetime.fromtimestamp(left["time"], UTC)
            if low <= left_at < high:
                stays[int(entered["new_value"])].append((left["time"] - entered["time"]) / 86_400)
    return [(stage, round(sum(d) / len(d), 4), len(d)) for stage, d in sorted(stays.items())]


def test_average_days_per_stage_over_the_last_quarter_in_one_query(
    conn: Connection, history_sandbox: Sandbox
) -> None:
    plan = _rows(conn, "EXPLAIN " + AVERAGE_DAYS_PER_STAGE)
    assert len(plan) == 1
    requests = plan[0]["Requests"]
    # The quarter's lower bound narrows the deals whose change logs are read: a stage left in the quarter
    # means the deal was updated in it. Deals holds deleted deals too (docs/tables.md), so their history counts.
    assert requests[0].startswith(
        "(ids from) GET /api/v2/deals?status=open,won,lost,deleted&updated_since=2025-10-01T00:00:00Z"
    ), requests
    assert requests[-1] == "GET /api/v1/deals/{id}/changelog for each deal"

    history_sandbox.reset_stats()
    got = [(r["StageId"], float(r["AvgDays"]), r["Stays"]) for r in _rows(conn, AVERAGE_DAYS_PER_STAGE)]
    read = history_sandbox.stats()["by_operation"]
    assert got == _expected_average(history_sandbox) and got
    updated = sum(
        1
        for d in history_sandbox.store.scan("deal")
        if not d.get("is_deleted")
        and not d.get("is_archived")
        and d["update_time"] >= datetime.fromisoformat(QUARTER[0]).replace(tzinfo=UTC).timestamp()
    )
    assert read["GET /api/v1/deals/{id}/changelog"] == updated  # one per deal updated since, no more
    assert updated < sum(1 for d in history_sandbox.store.scan("deal") if not d.get("is_deleted"))


def test_pushdown_does_not_change_the_answer(conn: Connection, history_sandbox: Sandbox) -> None:
    with_pushdown = _rows(conn, AVERAGE_DAYS_PER_STAGE)
    conn.engine.pushdown = False
    try:
        without = _rows(conn, AVERAGE_DAYS_PER_STAGE)
    finally:
        conn.engine.pushdown = True
    assert with_pushdown == without


def test_writes_through_the_driver_are_history(make_sandbox: Callable[..., Sandbox]) -> None:
    sandbox = make_sandbox(scale=30, rate_limit=False)
    conn = open_connection(sandbox)
    try:
        deal = next(
            d
            for d in sandbox.store.scan("deal")
            if d["status"] == "open" and not d.get("is_deleted") and not d.get("is_archived")
        )
        stages = sorted(
            (s for s in sandbox.store.scan("stage") if s["pipeline_id"] == deal["pipeline_id"]),
            key=lambda s: s["order_nr"],
        )
        original = deal["stage_id"]  # the store's record changes in place when the deal is updated
        target = next(s["id"] for s in stages if s["id"] != original)
        before = _rows(
            conn, f"SELECT * FROM DealStageHistory WHERE DealId = {deal['id']} AND ChangeType = 'stage'"
        )
        cur = conn.cursor()
        cur.execute(f"UPDATE Deals SET StageId = {target}, Title = 'Renamed by SQL' WHERE Id = {deal['id']}")
        after = _rows(
            conn,
            f"SELECT * FROM DealStageHistory WHERE DealId = {deal['id']} AND ChangeType = 'stage' ORDER BY EnteredTime",
        )
        assert len(after) == len(before) + 1
        assert after[-1]["StageId"] == target and after[-1]["IsCurrent"]
        assert after[-2]["StageId"] == original and after[-2]["LeftTime"] == after[-1]["EnteredTime"]
        changes = _rows(
            conn,
            f"SELECT FieldKey, OldValue, NewValue, ActorUserId FROM DealChanges WHERE DealId = {deal['id']} "
            "AND FieldKey IN ('title', 'stage_id') ORDER BY FieldKey, Time",
        )
        assert [(c["FieldKey"], c["NewValue"]) for c in changes][-2:] == [
            ("stage_id", str(target)),
            ("title", "Renamed by SQL"),
        ]
        assert all(c["ActorUserId"] == sandbox.store.main_user_id for c in changes[-2:])
    finally:
        conn.close()


def test_recents_push_the_time_bound_as_a_v1_timestamp(conn: Connection, history_sandbox: Sandbox) -> None:
    plan = _rows(
        conn, "EXPLAIN SELECT Item, ItemId FROM Recents WHERE UpdateTime >= '2025-12-01' AND Item = 'deal'"
    )
    assert plan[0]["Requests"] == ["GET /api/v1/recents?since_timestamp=2025-12-01 00:00:00&items=deal"]
    rows = _rows(
        conn,
        "SELECT Item, ItemId, UpdateTime FROM Recents WHERE UpdateTime >= '2025-12-01' AND Item = 'deal'",
    )
    since = datetime(2025, 12, 1, tzinfo=UTC).timestamp()
    expected = sorted(d["id"] for d in history_sandbox.store.scan("deal") if d["update_time"] >= since)
    assert sorted(r["ItemId"] for r in rows) == expected and expected
