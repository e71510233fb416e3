"""MergeDeals, MergePersons and MergeOrganizations (Id, MergeWithId): record Id is merged into MergeWithId,
which remains and takes over Id's related items; checked through the API."""

from __future__ import annotations

import httpx
import pytest

from pipedrive_sandbox.server import Sandbox
from pipedrive_sql import errors
from pipedrive_sql.dbapi import Connection

from .helpers import get, run, writes


def test_merge_deals_moves_related_items_and_deletes_the_merged_deal(
    conn: Connection, api: httpx.Client, wsb: Sandbox
) -> None:
    _, rows = run(conn, "INSERT INTO Deals (Title) VALUES ('Merge source'), ('Merge target') RETURNING Id")
    source, target = rows[0][0], rows[1][0]
    cur, _ = run(conn, "INSERT INTO Notes (Content, DealId) VALUES ('follows the merge', ?)", [source])
    note = cur.lastrowid
    wsb.reset_stats()
    cur, rows = run(conn, "EXEC MergeDeals Id = ?, MergeWithId = ?", [source, target])
    assert writes(wsb) == {"PUT /api/v1/deals/{id}/merge": 1}
    assert [d[0] for d in cur.description] == ["Id", "MergedId"]
    assert rows == [(target, source)] and cur.rowcount == 1
    assert get(api, f"/api/v2/deals/{source}")["is_deleted"] is True
    assert get(api, f"/api/v2/deals/{target}")["is_deleted"] is False
    assert get(api, f"/api/v1/notes/{note}")["deal_id"] == target


def test_merge_persons_with_callproc(conn: Connection, api: httpx.Client) -> None:
    _, rows = run(
        conn,
        "INSERT INTO Persons (Name, Emails) VALUES ('Dup A', 'a@dup.example'), ('Dup B', 'b@dup.example') RETURNING Id",
    )
    source, target = rows[0][0], rows[1][0]
    cur = conn.cursor()
    cur.callproc("MergePersons", {"Id": source, "MergeWithId": target})
    assert cur.fetchall() == [(target, source)]
    merged = get(api, f"/api/v2/persons/{target}")
    assert {e["value"] for e in merged["emails"]} == {"a@dup.example", "b@dup.example"}
    assert get(api, f"/api/v2/persons/{source}")["is_deleted"] is True


def test_merge_organizations_moves_their_people(conn: Connection, api: httpx.Client) -> None:
    _, rows = run(conn, "INSERT INTO Organizations (Name) VALUES ('Org old'), ('Org new') RETURNING Id")
    source, target = rows[0][0], rows[1][0]
    cur, _ = run(conn, "INSERT INTO Persons (Name, OrgId) VALUES ('Employee', ?)", [source])
    person = cur.lastrowid
    _, rows = run(conn, "EXEC MergeOrganizations @Id = ?, @MergeWithId = ?", [source, target])
    assert rows == [(target, source)]
    assert get(api, f"/api/v2/persons/{person}")["org_id"] == target
    assert get(api, f"/api/v2/organizations/{source}")["is_deleted"] is True


@pytest.mark.parametrize(
    ("sql", "error", "words"),
    [
        ("EXEC MergeDeals Id = 4, MergeWithId = 4", errors.ProgrammingError, "with itself"),
        ("EXEC MergeDeals Id = 'four', MergeWithId = 5", errors.ProgrammingError, "whole number"),
        ("EXEC MergeDeals Id = 4", errors.ProgrammingError, "needs MergeWithId"),
        ("EXEC MergeOrganizations Id = 1.5, MergeWithId = 2", errors.ProgrammingError, "an organization"),
    ],
)
def test_merge_arguments_are_checked_before_any_request(
    conn: Connection, wsb: Sandbox, sql: str, error: type[Exception], words: str
) -> None:
    wsb.reset_stats()
    with pytest.raises(error, match=words):
        run(conn, sql)
    assert wsb.stats()["total"] == 0


def test_merging_a_record_that_does_not_exist(conn: Connection) -> None:
    with pytest.raises(errors.DatabaseError, match="not found"):
        run(conn, "EXEC MergeDeals Id = 999999, MergeWithId = 4")


def test_the_merges_are_listed_as_procedures(conn: Connection) -> None:
    _, rows = run(
        conn, "SELECT ProcedureName FROM sys_procedures WHERE ProcedureName LIKE 'Merge%' ORDER BY 1"
    )
    assert rows == [("MergeDeals",), ("MergeOrganizations",), ("MergePersons",)]
