"""The sandbox's resources added for issue 16, over real HTTP: what they mean (routing, paging, filters,
the change logs every write adds to), beyond the shapes test_conformance checks."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import httpx
import pytest
from helpers import data, writable_sandbox

from pipedrive_sandbox.server import Sandbox


@pytest.fixture(scope="module")
def own() -> Iterator[Sandbox]:
    with writable_sandbox(seed=21) as running:
        yield running


def _live_deal(sandbox: Sandbox) -> dict[str, Any]:
    return next(d for d in sandbox.store.scan("deal") if not d.get("is_deleted") and not d.get("is_archived"))


def test_users_find_is_not_read_as_a_user_id(api: httpx.Client, sandbox: Sandbox) -> None:
    user = sandbox.store.users[sandbox.store.main_user_id]
    found = data(api.get("/api/v1/users/find", params={"term": user["name"].split()[0].lower()}))
    assert user["id"] in [u["id"] for u in found]
    by_email = data(api.get("/v1/users/find", params={"term": user["email"], "search_by_email": 1}))
    assert [u["id"] for u in by_email] == [user["id"]]
    assert api.get("/api/v1/users/find").status_code == 400  # term is required


def test_changelog_pages_by_cursor_newest_first(wapi: httpx.Client, own: Sandbox) -> None:
    deal = _live_deal(own)
    for n in range(3):
        data(wapi.patch(f"/api/v2/deals/{deal['id']}", json={"title": f"Renamed {n}"}))
    first = wapi.get(f"/api/v1/deals/{deal['id']}/changelog", params={"limit": 2}).json()
    assert [e["new_value"] for e in first["data"]] == ["Renamed 2", "Renamed 1"]
    cursor = first["additional_data"]["next_cursor"]
    rest = wapi.get(f"/api/v1/deals/{deal['id']}/changelog", params={"limit": 500, "cursor": cursor}).json()
    assert rest["data"][0]["new_value"] == "Renamed 0" and rest["additional_data"]["next_cursor"] is None
    keys = [e["field_key"] for e in rest["data"]]
    assert {"stage_id", "pipeline_id", "status"} <= set(keys)  # the generated history the deal came with


def test_flow_lists_changes_notes_and_activities(api: httpx.Client, sandbox: Sandbox) -> None:
    deal = next(
        d
        for d in sandbox.store.scan("deal")
        if not d.get("is_deleted")
        and any(a.get("deal_id") == d["id"] for a in sandbox.store.scan("activity"))
    )
    flow = data(api.get(f"/api/v1/deals/{deal['id']}/flow", params={"limit": 500}))
    objects = {item["object"] for item in flow}
    assert {"dealChange", "activity"} <= objects
    times = [item["timestamp"] for item in flow]
    assert times == sorted(times, reverse=True)
    only = data(api.get(f"/api/v1/deals/{deal['id']}/flow", params={"items": "activity"}))
    assert {item["object"] for item in only} == {"activity"}
    assert api.get(f"/api/v1/deals/{deal['id']}/flow", params={"items": "nonsense"}).status_code == 400


def test_legacy_deal_products_total_the_v2_lines(api: httpx.Client, sandbox: Sandbox) -> None:
    attachment = next(iter(sandbox.store.scan("deal_product")))
    deal_id = attachment["deal_id"]
    body = api.get(f"/v1/deals/{deal_id}/products").json()
    v2 = data(api.get(f"/api/v2/deals/{deal_id}/products"))
    assert sorted(p["id"] for p in body["data"]) == sorted(p["id"] for p in v2)
    assert body["additional_data"]["products_quantity_total"] == int(sum(p["quantity"] for p in v2))


def test_followers_follow_unfollow_and_log(wapi: httpx.Client, own: Sandbox) -> None:
    deal = _live_deal(own)
    user = next(uid for uid in sorted(own.store.users) if uid != deal["owner_id"])
    path = f"/api/v2/deals/{deal['id']}/followers"
    data(wapi.post(path, json={"user_id": user}), 201)
    assert user in [f["user_id"] for f in data(wapi.get(path))]
    assert data(wapi.delete(f"{path}/{user}")) == {"user_id": user}
    assert user not in [f["user_id"] for f in data(wapi.get(path))]
    log = data(wapi.get(f"{path}/changelog"))
    assert [e["action"] for e in log if e["follower_user_id"] == user] == ["added", "removed"]
    assert wapi.delete(f"{path}/{user}").status_code == 404
    assert wapi.post(path, json={}).status_code == 400


def test_relationships_read_from_each_side(api: httpx.Client, sandbox: Sandbox) -> None:
    rel = next(iter(sandbox.store.scan("org_relationship")))
    owner, linked = rel["rel_owner_org_id"], rel["rel_linked_org_id"]
    mine = data(api.get("/v1/organizationRelationships", params={"org_id": owner}))
    theirs = data(api.get("/v1/organizationRelationships", params={"org_id": linked}))
    expected = ("daughter", "parent") if rel["type"] == "parent" else ("related", "related")
    assert [r["calculated_type"] for r in mine if r["id"] == rel["id"]] == [expected[0]]
    assert [r["calculated_type"] for r in theirs if r["id"] == rel["id"]] == [expected[1]]
    assert api.get("/v1/organizationRelationships").status_code == 400  # org_id is required


def test_goals_find_filters_and_results(api: httpx.Client) -> None:
    goals = data(api.get("/v1/goals/find"))["goals"]
    won = data(api.get("/v1/goals/find", params={"type.name": "deals_won"}))["goals"]
    assert won and {g["type"]["name"] for g in won} == {"deals_won"} and len(won) < len(goals)
    goal = won[0]
    result = data(
        api.get(
            f"/v1/goals/{goal['id']}/results",
            params={"period.start": "2021-01-01", "period.end": "2025-12-31"},
        )
    )
    assert result["goal"]["id"] == goal["id"] and result["progress"] >= 0
    assert api.get(f"/v1/goals/{goal['id']}/results").status_code == 400  # the period is required


def test_mail_threads_need_a_folder_and_link_to_deals(api: httpx.Client, sandbox: Sandbox) -> None:
    assert api.get("/v1/mailbox/mailThreads").status_code == 400
    threads = data(api.get("/v1/mailbox/mailThreads", params={"folder": "inbox", "limit": 500}))
    assert threads and all(t["folders"] == ["inbox"] for t in threads)
    thread = threads[0]
    messages = data(api.get(f"/v1/mailbox/mailThreads/{thread['id']}/mailMessages"))
    assert len(messages) == thread["message_count"]
    deal_mail = data(api.get(f"/v1/deals/{thread['deal_id']}/mailMessages"))
    assert thread["id"] in {m["data"]["mail_thread_id"] for m in deal_mail}


def test_projects_tasks_and_phases(api: httpx.Client) -> None:
    projects = data(api.get("/api/v2/projects"))
    assert projects
    project = projects[0]
    tasks = data(api.get("/api/v2/tasks", params={"project_id": project["id"]}))
    assert tasks and {t["project_id"] for t in tasks} == {project["id"]}
    done = data(api.get("/api/v2/tasks", params={"project_id": project["id"], "is_done": "true"}))
    assert all(t["is_done"] for t in done)
    phases = data(api.get("/api/v2/phases", params={"board_id": project["board_id"]}))
    assert project["phase_id"] in [p["id"] for p in phases]
    assert api.get("/api/v2/phases").status_code == 400


def test_deals_summary_counts_what_deals_lists(api: httpx.Client, sandbox: Sandbox) -> None:
    summary = data(api.get("/v1/deals/summary", params={"status": "won"}))
    won = [
        d
        for d in sandbox.store.scan("deal")
        if d["status"] == "won" and not d.get("is_deleted") and not d.get("is_archived")
    ]
    assert summary["total_count"] == len(won)
    assert sum(v["count"] for v in summary["values_total"].values()) == len(won)


@pytest.mark.parametrize(
    ("path", "kind"),
    [("projects", "project"), ("tasks", "task"), ("boards", "project_board"), ("phases", "project_phase")],
)
def test_deleting_a_project_task_board_or_phase_answers_its_id_then_404(
    wapi: httpx.Client, own: Sandbox, path: str, kind: str
) -> None:
    record = next(r for r in own.store.scan(kind) if not r.get("is_deleted"))
    url = f"/api/v2/{path}/{record['id']}"
    assert data(wapi.get(url))["id"] == record["id"]
    assert data(wapi.delete(url)) == {"id": record["id"]}
    assert own.store.get(kind, record["id"])["is_deleted"] is True  # soft: the record stays, flagged
    assert wapi.get(url).status_code == 404
    assert wapi.delete(url).status_code == 404
