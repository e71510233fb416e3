"""One meaning per table: a table's rows never depend on how a query's predicates are spelled.

Deals holds every deal that is not archived, of every status, deleted ones included (docs/tables.md); the
planner sends status=open,won,lost,deleted on every read of it, with or without pushdown, and a pushed
Status condition only narrows that. These tests run against the session sandbox (seed 1, 200 deals).
"""

from __future__ import annotations

from typing import Any

import pytest

from pipedrive_sql.catalog import Catalog
from pipedrive_sql.catalog.tables import BUILTIN_TABLES
from pipedrive_sql.dbapi import Connection
from pipedrive_sql.engine.parse import parse
from pipedrive_sql.engine.plan import ScanPlan, plan_query

from .helpers import run_counted

EVERY_STATUS = "open,won,lost,deleted"


def scans(sql: str, *, pushdown: bool = True) -> list[ScanPlan]:
    return plan_query(parse(sql).tree, Catalog(), pushdown=pushdown).scans


def ids(conn: Connection, sql: str) -> set[int]:
    with conn.cursor() as cur:
        cur.execute(sql)
        return {row[0] for row in cur.fetchall()}


@pytest.mark.parametrize(
    "where",
    [
        "",
        "WHERE Status = 'deleted' OR Value > 0",
        "WHERE lower(Status) = 'deleted'",
        "WHERE Status <> 'open'",
        "WHERE IsDeleted",
        "WHERE NOT (Status = 'open')",
        "WHERE Title LIKE '%a%'",
    ],
)
@pytest.mark.parametrize("pushdown", [True, False])
def test_every_read_of_deals_reveals_every_status(where: str, pushdown: bool) -> None:
    (deals,) = scans(f"SELECT Id FROM Deals {where}", pushdown=pushdown)
    assert deals.calls and all(c.params["status"] == EVERY_STATUS for c in deals.calls)


def test_a_status_condition_narrows_the_statuses() -> None:
    (deals,) = scans("SELECT Id FROM Deals WHERE Status IN ('deleted', 'won')")
    assert [c.params["status"] for c in deals.calls] == ["deleted,won"]
    (none,) = scans("SELECT Id FROM Deals WHERE Status = 'deleted' AND Status = 'won'")
    assert none.empty and none.calls == ()


def test_archived_deals_reveal_every_status_too() -> None:
    (archived,) = scans("SELECT Id FROM ArchivedDeals WHERE Value > 0")
    assert [(c.path, c.params["status"]) for c in archived.calls] == [
        ("/api/v2/deals/archived", EVERY_STATUS)
    ]


def test_deal_products_read_their_parents_in_two_streams() -> None:
    (products,) = scans("SELECT count(*) FROM DealProducts")
    assert products.parent is not None
    assert [(c.path, dict(c.params)) for c in products.parent.calls] == [
        ("/api/v2/deals", {"status": EVERY_STATUS}),
        ("/api/v2/deals/archived", {"status": EVERY_STATUS}),
    ]


def test_gets_by_id_keep_the_same_meaning() -> None:
    deals = next(t for t in BUILTIN_TABLES if t.name == "Deals")
    archived = next(t for t in BUILTIN_TABLES if t.name == "ArchivedDeals")
    assert deals.visible is not None and archived.visible is not None
    deleted, gone = {"is_deleted": True, "status": "deleted"}, {"is_deleted": True, "is_archived": True}
    assert deals.visible(deleted) and not deals.visible(gone)
    assert archived.visible(gone) and not archived.visible(deleted)


def test_every_table_says_which_rows_it_holds() -> None:
    for table in BUILTIN_TABLES:
        assert table.description, f"{table.name} needs a description saying which rows it holds"


def test_deleted_or_valued_is_the_deleted_deals_plus_the_valued_ones(sql_conn: Connection) -> None:
    deleted = ids(sql_conn, "SELECT Id FROM Deals WHERE Status = 'deleted'")
    valued = ids(sql_conn, "SELECT Id FROM Deals WHERE Value > 0")
    assert deleted and valued
    assert ids(sql_conn, "SELECT Id FROM Deals WHERE Status = 'deleted' OR Value > 0") == deleted | valued
    assert ids(sql_conn, "SELECT Id FROM Deals WHERE lower(Status) = 'deleted'") == deleted
    assert ids(sql_conn, "SELECT Id FROM Deals WHERE IsDeleted") == deleted
    every = ids(sql_conn, "SELECT Id FROM Deals")
    assert deleted <= every
    assert ids(sql_conn, "SELECT Id FROM Deals WHERE Status IN ('deleted', 'won', 'lost', 'open')") == every
    assert ids(sql_conn, "SELECT Id FROM Deals WHERE Status <> 'open'") == every - ids(
        sql_conn, "SELECT Id FROM Deals WHERE Status = 'open'"
    )


def test_deals_and_archived_deals_split_every_deal(sql_conn: Connection, sandbox: Any) -> None:
    every = set(sandbox.store.tables["deal"])
    deals = ids(sql_conn, "SELECT Id FROM Deals")
    archived = ids(sql_conn, "SELECT Id FROM ArchivedDeals")
    assert deals.isdisjoint(archived) and deals | archived == every


def test_a_deleted_deal_by_id_is_in_deals(sql_conn: Connection, sandbox: Any) -> None:
    gone = min(
        d["id"]
        for d in sandbox.store.tables["deal"].values()
        if d.get("is_deleted") and not d.get("is_archived")
    )
    rows, requests = run_counted(sandbox, sql_conn, f"SELECT Id, Status FROM Deals WHERE Id = {gone}")
    assert rows == [(gone, "deleted")] and requests == {"GET /api/v2/deals/{id}": 1}


def test_explain_says_hidden_rows_are_read(sql_conn: Connection) -> None:
    with sql_conn.cursor() as cur:
        cur.execute("EXPLAIN SELECT Id FROM Deals WHERE Status = 'deleted' OR Value > 0")
        names = [d[0] for d in cur.description or []]
        row = dict(zip(names, cur.fetchone() or (), strict=True))
    assert row["Requests"] == [f"GET /api/v2/deals?status={EVERY_STATUS}"]
    assert f"hides by default are read too (status={EVERY_STATUS};" in row["Notes"]


def test_participants_of_a_deleted_deal_are_none(sql_conn: Connection, sandbox: Any) -> None:
    gone = min(d["id"] for d in sandbox.store.tables["deal"].values() if d.get("is_deleted"))
    rows, _ = run_counted(sandbox, sql_conn, f"SELECT * FROM DealParticipants WHERE DealId = {gone}")
    assert rows == []
