"""Writes on the tables added for issue 16, round-tripped: INSERT ... RETURNING gives what the API stored,
the API (read back over plain HTTP) has it, UPDATE and DELETE take effect, bad input is refused before
any request."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import httpx
import pytest

import pipedrive_sql
from pipedrive_sandbox.server import Sandbox
from pipedrive_sql.dbapi import Connection
from pipedrive_sql.errors import DataError, IntegrityError


@pytest.fixture(scope="module")
def wsb() -> Iterator[Sandbox]:
    with Sandbox(seed=13, scale=30, rate_limit=False) as running:
        yield running


@pytest.fixture(scope="module")
def conn(wsb: Sandbox) -> Iterator[Connection]:
    connection = pipedrive_sql.connect(BaseURL=wsb.url, APIToken=wsb.api_token)
    yield connection
    connection.close()


@pytest.fixture(scope="module")
def api(wsb: Sandbox) -> Iterator[httpx.Client]:
    with httpx.Client(base_url=wsb.url, headers={"x-api-token": wsb.api_token}, timeout=30) as client:
        yield client


def _one(conn: Connection, sql: str, params: Any = None) -> dict[str, Any]:
    cur = conn.cursor()
    cur.execute(sql, params)
    names = [c[0] for c in cur.description or []]
    rows = cur.fetchall()
    assert len(rows) == 1, rows
    return dict(zip(names, rows[0], strict=True))


def _live_deal(wsb: Sandbox) -> dict[str, Any]:
    return next(d for d in wsb.store.scan("deal") if not d.get("is_deleted") and not d.get("is_archived"))


def test_follow_and_unfollow_a_deal(conn: Connection, api: httpx.Client, wsb: Sandbox) -> None:
    deal = _live_deal(wsb)
    follower = next(uid for uid in sorted(wsb.store.users) if uid != deal["owner_id"])
    row = _one(
        conn, "INSERT INTO DealsFollowers (DealId, UserId) VALUES (?, ?) RETURNING *", (deal["id"], follower)
    )
    assert (row["DealId"], row["UserId"]) == (deal["id"], follower) and row["AddTime"] is not None
    listed = api.get(f"/api/v2/deals/{deal['id']}/followers").json()["data"]
    assert follower in [f["user_id"] for f in listed]
    cur = conn.cursor()
    cur.execute("DELETE FROM DealsFollowers WHERE DealId = ? AND UserId = ?", (deal["id"], follower))
    assert cur.rowcount == 1
    listed = api.get(f"/api/v2/deals/{deal['id']}/followers").json()["data"]
    assert follower not in [f["user_id"] for f in listed]
    changes = api.get(f"/api/v2/deals/{deal['id']}/followers/changelog").json()["data"]
    assert [c["action"] for c in changes if c["follower_user_id"] == follower][-2:] == ["added", "removed"]


def test_note_comments_round_trip(conn: Connection, api: httpx.Client, wsb: Sandbox) -> None:
    note = next(n for n in wsb.store.scan("note") if n.get("active_flag", True))
    row = _one(
        conn,
        "INSERT INTO NoteComments (NoteId, Content) VALUES (?, 'First!') RETURNING Id, NoteId, Content",
        (note["id"],),
    )
    assert row["NoteId"] == note["id"] and row["Content"] == "First!"
    comment = api.get(f"/api/v1/notes/{note['id']}/comments/{row['Id']}").json()["data"]
    assert comment["content"] == "First!"
    cur = conn.cursor()
    cur.execute(
        "UPDATE NoteComments SET Content = 'Edited' WHERE NoteId = ? AND Id = ?", (note["id"], row["Id"])
    )
    assert cur.rowcount == 1
    assert api.get(f"/api/v1/notes/{note['id']}/comments/{row['Id']}").json()["data"]["content"] == "Edited"
    cur.execute("DELETE FROM NoteComments WHERE NoteId = ? AND Id = ?", (note["id"], row["Id"]))
    assert api.get(f"/api/v1/notes/{note['id']}/comments/{row['Id']}").status_code == 404


def test_call_logs_round_trip_and_validation(conn: Connection, api: httpx.Client, wsb: Sandbox) -> None:
    deal = _live_deal(wsb)
    row = _one(
        conn,
        "INSERT INTO CallLogs (ToPhoneNumber, Outcome, StartTime, EndTime, DealId, Subject) "
        "VALUES ('+1 555 0100', 'connected', '2025-06-01 10:00:00', '2025-06-01 10:07:30', ?, 'Kick-off') "
        "RETURNING Id, Outcome, Duration, DealId, StartTime",
        (deal["id"],),
    )
    assert row["Outcome"] == "connected" and row["Duration"] == "450" and row["DealId"] == deal["id"]
    assert api.get(f"/api/v1/callLogs/{row['Id']}").json()["data"]["subject"] == "Kick-off"
    before = wsb.stats()["total"]
    with pytest.raises(DataError, match="Outcome"):
        conn.cursor().execute(
            "INSERT INTO CallLogs (ToPhoneNumber, Outcome, StartTime, EndTime) "
            "VALUES ('1', 'maybe', '2025-06-01 10:00:00', '2025-06-01 10:01:00')"
        )
    with pytest.raises(IntegrityError, match="EndTime"):
        conn.cursor().execute(
            "INSERT INTO CallLogs (ToPhoneNumber, Outcome, StartTime) VALUES ('1', 'busy', '2025-06-01')"
        )
    assert wsb.stats()["total"] == before  # refused before any request
    cur = conn.cursor()
    cur.execute("DELETE FROM CallLogs WHERE Id = ?", (row["Id"],))
    assert api.get(f"/api/v1/callLogs/{row['Id']}").status_code == 404


def test_goals_round_trip(conn: Connection, api: httpx.Client) -> None:
    row = _one(
        conn,
        "INSERT INTO Goals (Title, TypeName, AssigneeId, AssigneeType, ExpectedOutcomeTarget, "
        "ExpectedOutcomeTrackingMetric, DurationStart, DurationEnd, Interval) VALUES "
        "('Win 12', 'deals_won', 1, 'company', 12, 'quantity', '2025-01-01', '2025-12-31', 'quarterly') "
        "RETURNING Id, Title, ExpectedOutcomeTarget, DurationEnd",
    )
    assert (row["Title"], row["ExpectedOutcomeTarget"], row["DurationEnd"]) == ("Win 12", 12, "2025-12-31")
    cur = conn.cursor()
    cur.execute("UPDATE Goals SET ExpectedOutcomeTarget = 15 WHERE Id = ?", (row["Id"],))
    found = [g for g in api.get("/api/v1/goals/find").json()["data"]["goals"] if g["id"] == row["Id"]]
    # the other part of the object (tracking_metric) was kept
    assert found[0]["expected_outcome"] == {"target": 15, "tracking_metric": "quantity"}
    cur.execute("DELETE FROM Goals WHERE Id = ?", (row["Id"],))
    assert not [g for g in api.get("/api/v1/goals/find").json()["data"]["goals"] if g["id"] == row["Id"]]


def test_projects_and_tasks_round_trip(conn: Connection, api: httpx.Client) -> None:
    project = _one(
        conn, "INSERT INTO Projects (Title, StartDate) VALUES ('Rollout', '2025-07-01') RETURNING *"
    )
    assert project["Title"] == "Rollout" and project["Status"] == "open" and project["BoardId"] is not None
    task = _one(
        conn,
        "INSERT INTO Tasks (Title, ProjectId, IsMilestone) VALUES ('Go live', ?, true) RETURNING *",
        (project["Id"],),
    )
    assert task["ProjectId"] == project["Id"] and task["IsMilestone"] is True and task["IsDone"] is False
    cur = conn.cursor()
    cur.execute("UPDATE Tasks SET IsDone = true WHERE Id = ?", (task["Id"],))
    stored = api.get(f"/api/v2/tasks/{task['Id']}").json()["data"]
    assert stored["is_done"] is True and stored["marked_as_done_time"] is not None
    cur.execute("UPDATE Projects SET Status = 'completed' WHERE Id = ?", (project["Id"],))
    assert api.get(f"/api/v2/projects/{project['Id']}").json()["data"]["status"] == "completed"
    cur.execute("DELETE FROM Tasks WHERE Id = ?", (task["Id"],))
    assert api.get(f"/api/v2/tasks/{task['Id']}").status_code == 404


def test_relationships_and_roles(conn: Connection, api: httpx.Client, wsb: Sandbox) -> None:
    orgs = [o["id"] for o in wsb.store.scan("organization") if not o.get("is_deleted")][-2:]
    row = _one(
        conn,
        "INSERT INTO OrganizationRelationships (Type, RelOwnerOrgId, RelLinkedOrgId) VALUES ('parent', ?, ?) "
        "RETURNING Id, Type, RelOwnerOrgId, RelLinkedOrgId",
        orgs,
    )
    assert (row["Type"], row["RelOwnerOrgId"], row["RelLinkedOrgId"]) == ("parent", *orgs)
    listed = api.get("/api/v1/organizationRelationships", params={"org_id": orgs[1]}).json()["data"]
    assert [r["calculated_type"] for r in listed if r["id"] == row["Id"]] == ["parent"]
    role = _one(conn, "INSERT INTO Roles (Name, ParentRoleId) VALUES ('Partners', 1) RETURNING Id")
    user = sorted(wsb.store.users)[-1]
    assigned = _one(
        conn,
        "INSERT INTO RolesAssignments (RoleId, UserId) VALUES (?, ?) RETURNING RoleId, UserId",
        (role["Id"], user),
    )
    assert (assigned["RoleId"], assigned["UserId"]) == (role["Id"], user)
    cur = conn.cursor()
    cur.execute("SELECT UserId FROM RolesAssignments WHERE RoleId = ?", (role["Id"],))
    assert cur.fetchall() == [(user,)]
