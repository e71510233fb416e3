"""API v1 of the sandbox over real HTTP: offset paging, leads, labels, notes, users, filters, files,
recents, participants, merges, the v1 field endpoints and flat custom fields.

Reads use the session's shared sandbox; writes use this module's own sandbox, and every writing test
creates or picks the records it changes so that tests stay independent of their order."""

from __future__ import annotations

import time
from collections.abc import Iterator
from typing import Any

import httpx
import pytest
from helpers import data, writable_sandbox

from pipedrive_sandbox.server import Sandbox


@pytest.fixture(scope="module")
def own() -> Iterator[Sandbox]:
    with writable_sandbox(seed=4) as running:
        yield running


def error(response: httpx.Response, status: int) -> dict[str, Any]:
    assert response.status_code == status, response.text
    body: dict[str, Any] = response.json()
    assert body["success"] is False and body["error"]
    return body


def collect(client: httpx.Client, path: str, **params: Any) -> tuple[list[Any], int]:
    """Every item of a v1 list, following next_start; and how many requests that took."""
    items: list[Any] = []
    start = 0
    requests = 0
    while True:
        body = client.get(path, params={**params, "start": start}).json()
        requests += 1
        assert body["success"], body
        items += body["data"]
        pagination = body["additional_data"]["pagination"]
        assert pagination["start"] == start
        if not pagination["more_items_in_collection"]:
            assert "next_start" not in pagination
            return items, requests
        start = pagination["next_start"]
        assert requests < 1_000


def live(store: Any, kind: str) -> list[dict[str, Any]]:
    return [r for r in store.tables[kind].values() if not r.get("is_deleted")]


def since_now(store: Any) -> str:
    return time.strftime("%Y-%m-%d %H:%M:%S", time.gmtime(store.now_ts()))


# ---------------------------------------------------------------------------------------------------------
# Paths and paging


def test_v1_answers_under_both_prefixes(api: httpx.Client) -> None:
    for path in ("/leads?limit=5", "/users/me", "/dealFields?limit=3", "/notes?limit=2", "/currencies"):
        assert api.get(f"/v1{path}").json() == api.get(f"/api/v1{path}").json(), path


def test_offset_paging_reaches_every_lead_once(api: httpx.Client, sandbox: Sandbox) -> None:
    items, requests = collect(api, "/v1/leads", limit=9)
    expected = [lead["id"] for lead in sandbox.store.tables["lead"].values() if not lead["is_archived"]]
    assert [lead["id"] for lead in items] == expected
    assert requests == -(-len(expected) // 9)
    archived, _ = collect(api, "/v1/leads/archived", limit=4)
    assert archived and all(lead["is_archived"] for lead in archived)
    assert {lead["id"] for lead in archived}.isdisjoint(expected)


def test_leads_list_also_gives_flat_paging_keys(api: httpx.Client) -> None:
    extra = api.get("/api/v1/leads", params={"limit": 2}).json()["additional_data"]
    assert extra["start"] == 0 and extra["limit"] == 2 and extra["more_items_in_collection"] is True
    assert extra["pagination"]["next_start"] == 2


def test_notes_paging_filters_and_sort(api: httpx.Client, sandbox: Sandbox) -> None:
    items, _ = collect(api, "/v1/notes", limit=31)
    assert [n["id"] for n in items] == sorted(n["id"] for n in sandbox.store.tables["note"].values())
    deal_id = next(n["deal_id"] for n in items if n["deal_id"])
    by_deal = data(api.get("/v1/notes", params={"deal_id": deal_id}))
    assert by_deal and all(n["deal_id"] == deal_id and n["deal"]["title"] for n in by_deal)
    newest = data(api.get("/v1/notes", params={"sort": "update_time DESC", "limit": 10}))
    stamps = [n["update_time"] for n in newest]
    assert stamps == sorted(stamps, reverse=True)
    middle = sorted(n["update_time"] for n in items)[len(items) // 2]
    recent, _ = collect(api, "/v1/notes", updated_since=middle.replace(" ", "T") + "Z", limit=500)
    assert recent and all(n["update_time"] >= middle for n in recent)
    pinned = data(api.get("/v1/notes", params={"pinned_to_deal_flag": 1, "limit": 500}))
    assert all(n["pinned_to_deal_flag"] for n in pinned)
    error(api.get("/v1/notes", params={"sort": "colour ASC"}), 400)
    error(api.get("/v1/notes", params={"start": "x"}), 400)


# ---------------------------------------------------------------------------------------------------------
# Leads, labels, sources


def test_lead_filters(api: httpx.Client, sandbox: Sandbox) -> None:
    leads = [lead for lead in sandbox.store.tables["lead"].values() if not lead["is_archived"]]
    owner = leads[0]["owner_id"]
    by_owner, _ = collect(api, "/v1/leads", owner_id=owner, limit=500)
    assert sorted(x["id"] for x in by_owner) == sorted(x["id"] for x in leads if x["owner_id"] == owner)
    with_org = next(x for x in leads if x.get("organization_id"))
    by_org = data(api.get("/v1/leads", params={"organization_id": with_org["organization_id"]}))
    assert with_org["id"] in {x["id"] for x in by_org}
    with_person = next(x for x in leads if x.get("person_id"))
    by_person = data(api.get("/v1/leads", params={"person_id": with_person["person_id"]}))
    assert with_person["id"] in {x["id"] for x in by_person}
    ordered = data(api.get("/v1/leads", params={"sort": "title ASC", "limit": 500}))
    assert [x["title"].lower() for x in ordered] == sorted(x["title"].lower() for x in ordered)


def test_lead_lifecycle_with_custom_fields(wapi: httpx.Client, own: Sandbox) -> None:
    store = own.store
    label_id = next(iter(store.tables["lead_label"]))
    money = next(d for d in store.custom_fields("deal") if d["field_type"] == "monetary")
    lead = data(
        wapi.post(
            "/v1/leads",
            json={
                "title": "Inbound from the sandbox",
                "person_id": 1,
                "label_ids": [label_id],
                "value": {"amount": 500, "currency": "EUR"},
                "expected_close_date": "2026-06-30",
                money["code"]: 42,
                f"{money['code']}_currency": "USD",
            },
        ),
        201,
    )
    assert lead["source_name"] == "API" and lead["value"] == {"amount": 500.0, "currency": "EUR"}
    assert lead["label_ids"] == [label_id] and lead["add_time"].endswith("Z")
    assert lead[money["code"]] == 42 and lead[f"{money['code']}_currency"] == "USD"
    fetched = data(wapi.get(f"/v1/leads/{lead['id']}"))
    assert fetched == lead
    updated = data(wapi.patch(f"/v1/leads/{lead['id']}", json={"title": "Renamed lead", "is_archived": True}))
    assert updated["title"] == "Renamed lead" and updated["is_archived"] is True
    archived = data(wapi.get("/v1/leads/archived", params={"limit": 500}))
    assert lead["id"] in {x["id"] for x in archived}
    assert data(wapi.delete(f"/v1/leads/{lead['id']}")) == {"id": lead["id"]}
    body = error(wapi.get(f"/v1/leads/{lead['id']}"), 404)
    assert body == {
        "success": False,
        "error": "requested lead not found",
        "error_info": "Object was not found.",
        "data": None,
        "additional_data": None,
    }


def test_lead_validation(wapi: httpx.Client) -> None:
    error(wapi.post("/v1/leads", json={"person_id": 1}), 400)
    error(wapi.post("/v1/leads", json={"title": "Orphan"}), 400)
    error(wapi.post("/v1/leads", json={"title": "Bad value", "person_id": 1, "value": 10}), 400)
    error(wapi.post("/v1/leads", json={"title": "Bad label", "person_id": 1, "label_ids": ["nope"]}), 400)
    error(wapi.post("/v1/leads", json={"title": "Bad person", "person_id": 999_999}), 400)
    error(wapi.patch("/v1/leads/00000000-0000-4000-8000-000000000000", json={"title": "x"}), 404)


def test_lead_labels_and_sources(wapi: httpx.Client, own: Sandbox) -> None:
    labels = data(wapi.get("/v1/leadLabels"))
    assert len(labels) == len(own.store.tables["lead_label"])
    label = data(wapi.post("/v1/leadLabels", json={"name": "Partner", "color": "green"}))
    assert label["name"] == "Partner" and label["color"] == "green"
    lead = data(
        wapi.post("/v1/leads", json={"title": "Labelled", "organization_id": 1, "label_ids": [label["id"]]}),
        201,
    )
    renamed = data(wapi.patch(f"/v1/leadLabels/{label['id']}", json={"name": "Partner lead"}))
    assert renamed["name"] == "Partner lead"
    assert data(wapi.delete(f"/v1/leadLabels/{label['id']}")) == {"id": label["id"]}
    assert data(wapi.get(f"/v1/leads/{lead['id']}"))["label_ids"] == []
    error(wapi.patch(f"/v1/leadLabels/{label['id']}", json={"name": "x"}), 404)
    error(wapi.post("/v1/leadLabels", json={"name": "Colourless", "color": "beige"}), 400)
    sources = data(wapi.get("/v1/leadSources"))
    assert {"name": "API"} in sources and {"name": "Web forms"} in sources


# ---------------------------------------------------------------------------------------------------------
# Notes, users, activity types, currencies


def test_note_lifecycle(wapi: httpx.Client, own: Sandbox) -> None:
    note = data(
        wapi.post(
            "/v1/notes", json={"content": "Called, left a message.", "deal_id": 1, "pinned_to_deal_flag": 1}
        )
    )
    assert note["deal_id"] == 1 and note["pinned_to_deal_flag"] is True and note["user"]["is_you"] is True
    assert note["user_id"] == own.store.main_user_id
    updated = data(wapi.put(f"/v1/notes/{note['id']}", json={"content": "Called twice."}))
    assert updated["content"] == "Called twice."
    assert data(wapi.get(f"/v1/notes/{note['id']}"))["content"] == "Called twice."
    assert data(wapi.delete(f"/v1/notes/{note['id']}")) is True
    error(wapi.get(f"/v1/notes/{note['id']}"), 404)
    assert note["id"] not in {n["id"] for n in collect(wapi, "/v1/notes", limit=500)[0]}
    error(wapi.post("/v1/notes", json={"content": "Attached to nothing"}), 400)
    error(wapi.post("/v1/notes", json={"deal_id": 1}), 400)


def test_users(api: httpx.Client, sandbox: Sandbox) -> None:
    users = data(api.get("/v1/users"))
    assert len(users) == len(sandbox.store.users)
    assert [u["id"] for u in users if u["is_you"]] == [sandbox.store.main_user_id]
    assert all("api_token" not in u for u in users)
    me = data(api.get("/v1/users/me"))
    assert me["id"] == sandbox.store.main_user_id and me["company_domain"] == sandbox.store.company_domain
    other = users[1]
    assert data(api.get(f"/v1/users/{other['id']}"))["email"] == other["email"]
    error(api.get("/v1/users/12345"), 404)


def test_activity_types_and_currencies(api: httpx.Client) -> None:
    types = data(api.get("/v1/activityTypes"))
    assert {t["key_string"] for t in types} >= {"call", "meeting", "task", "deadline", "email"}
    currencies = data(api.get("/v1/currencies"))
    assert {"EUR", "USD", "GBP"} <= {c["code"] for c in currencies}
    assert [c["code"] for c in data(api.get("/v1/currencies", params={"term": "dollar"}))] == [
        "USD",
        "AUD",
        "CAD",
    ]


# ---------------------------------------------------------------------------------------------------------
# Filters


def test_filters_list_get_and_use(api: httpx.Client, sandbox: Sandbox) -> None:
    filters = data(api.get("/v1/filters"))
    assert len(filters) == len(sandbox.store.tables["filter"])
    deal_filters = data(api.get("/v1/filters", params={"type": "deals"}))
    assert deal_filters and {f["type"] for f in deal_filters} == {"deals"}
    one = data(api.get(f"/v1/filters/{deal_filters[0]['id']}", params={"include_field_code": "true"}))
    condition = one["conditions"]["conditions"][0]["conditions"][0]
    assert condition["field_code"] == "status" and condition["value"] == "open"
    error(api.get("/v1/filters", params={"type": "spaceships"}), 400)
    error(api.get("/v1/filters/9999"), 404)


def test_filter_lifecycle_and_pushdown(wapi: httpx.Client, own: Sandbox) -> None:
    value_field = own.store.field_by_code("deal", "value")
    currency_field = own.store.field_by_code("deal", "currency")
    conditions = {
        "glue": "and",
        "conditions": [
            {
                "glue": "and",
                "conditions": [
                    {
                        "object": "deal",
                        "field_id": str(value_field["id"]),
                        "operator": ">=",
                        "value": "5000",
                        "extra_value": None,
                    }
                ],
            },
            {
                "glue": "or",
                "conditions": [
                    {
                        "object": "deal",
                        "field_id": str(currency_field["id"]),
                        "operator": "=",
                        "value": "USD",
                        "extra_value": None,
                    },
                    {
                        "object": "deal",
                        "field_id": "currency",
                        "operator": "=",
                        "value": "GBP",
                        "extra_value": None,
                    },
                ],
            },
        ],
    }
    created = data(
        wapi.post(
            "/v1/filters", json={"name": "Big USD or GBP deals", "type": "deals", "conditions": conditions}
        )
    )
    assert created["type"] == "deals" and created["conditions"]["conditions"][1]["glue"] == "or"
    deals = data(wapi.get("/api/v2/deals", params={"filter_id": created["id"], "limit": 500}))
    assert deals and all(d["value"] >= 5000 and d["currency"] in ("USD", "GBP") for d in deals)
    expected = [
        d["id"]
        for d in live(own.store, "deal")
        if not d.get("is_archived") and d.get("value", 0) >= 5000 and d["currency"] in ("USD", "GBP")
    ]
    assert sorted(d["id"] for d in deals) == sorted(expected)
    conditions["conditions"][1]["conditions"] = []
    updated = data(
        wapi.put(f"/v1/filters/{created['id']}", json={"name": "Big deals", "conditions": conditions})
    )
    assert updated["name"] == "Big deals"
    assert len(data(wapi.get("/api/v2/deals", params={"filter_id": created["id"], "limit": 500}))) > len(
        deals
    )
    assert data(wapi.delete(f"/v1/filters/{created['id']}")) == {"id": created["id"]}
    error(wapi.get(f"/v1/filters/{created['id']}"), 404)
    error(wapi.get("/api/v2/deals", params={"filter_id": created["id"]}), 404)
    bad = {
        "glue": "and",
        "conditions": [
            {
                "glue": "and",
                "conditions": [{"object": "deal", "field_id": "999", "operator": "=", "value": "1"}],
            }
        ],
    }
    error(wapi.post("/v1/filters", json={"name": "Bad", "type": "deals", "conditions": bad}), 400)
    error(wapi.post("/v1/filters", json={"name": "No conditions", "type": "deals"}), 400)


# ---------------------------------------------------------------------------------------------------------
# Files


def test_files_metadata_and_download(api: httpx.Client, sandbox: Sandbox) -> None:
    files, requests = collect(api, "/v1/files", limit=7)
    assert [f["id"] for f in files] == sorted(sandbox.store.tables["file"]) and requests > 1
    first = files[0]
    assert first["url"].endswith(f"/v1/files/{first['id']}/download") and first["deal_name"]
    assert data(api.get(f"/v1/files/{first['id']}")) == first
    download = api.get(f"/v1/files/{first['id']}/download")
    assert download.status_code == 200 and len(download.content) == first["file_size"]
    assert download.headers["content-type"] == "application/octet-stream"
    assert first["file_name"] in download.headers["content-disposition"]
    error(api.get("/v1/files", params={"limit": 101}), 400)
    error(api.get("/v1/files/99999"), 404)
    error(api.get("/v1/files/99999/download"), 404)


# ---------------------------------------------------------------------------------------------------------
# Recents


def test_recents_reflect_writes(wapi: httpx.Client, own: Sandbox) -> None:
    since = since_now(own.store)
    deal = data(wapi.post("/api/v2/deals", json={"title": "Fresh for recents", "value": 10}))
    person = data(wapi.post("/api/v2/persons", json={"name": "Recent Person"}))
    data(wapi.patch("/api/v2/deals/2", json={"title": "Touched for recents"}))
    body = wapi.get("/v1/recents", params={"since_timestamp": since}).json()
    seen = {(item["item"], item["id"]) for item in body["data"]}
    assert {("deal", deal["id"]), ("person", person["id"]), ("deal", 2)} <= seen
    item = next(i for i in body["data"] if i["item"] == "deal" and i["id"] == 2)
    assert item["data"]["title"] == "Touched for recents" and item["data"]["user_id"]
    extra = body["additional_data"]
    assert extra["since_timestamp"] == since and extra["pagination"]["start"] == 0
    only_persons = data(wapi.get("/v1/recents", params={"since_timestamp": since, "items": "person"}))
    assert {i["item"] for i in only_persons} == {"person"}
    data(wapi.delete(f"/api/v2/persons/{person['id']}"))
    after_delete = data(wapi.get("/v1/recents", params={"since_timestamp": since, "items": "person"}))
    assert [i["data"]["active_flag"] for i in after_delete if i["id"] == person["id"]] == [False]


def test_recents_paging_and_errors(api: httpx.Client) -> None:
    items, requests = collect(api, "/v1/recents", since_timestamp="2025-06-01 00:00:00", limit=50)
    keys = [(i["item"], i["id"]) for i in items]
    assert requests > 1 and len(keys) == len(set(keys))
    assert {i["item"] for i in items} >= {"deal", "person", "organization", "activity"}
    error(api.get("/v1/recents"), 400)
    error(api.get("/v1/recents", params={"since_timestamp": "last week"}), 400)
    error(
        api.get("/v1/recents", params={"since_timestamp": "2025-01-01 00:00:00", "items": "spaceship"}), 400
    )


# ---------------------------------------------------------------------------------------------------------
# Participants and merges


def test_deal_participants(wapi: httpx.Client, own: Sandbox) -> None:
    deal = data(wapi.post("/api/v2/deals", json={"title": "With people", "person_id": 3}))
    path = f"/v1/deals/{deal['id']}/participants"
    added = data(wapi.post(path, json={"person_id": 4}))
    assert added["person"]["id"] == 4 and added["related_item_data"]["deal_id"] == deal["id"]
    listed = wapi.get(path).json()
    assert [p["person"]["id"] for p in listed["data"]] == [4]
    assert "4" in listed["related_objects"]["person"]
    error(wapi.post(path, json={"person_id": 4}), 400)
    error(wapi.post(path, json={}), 400)
    persons = data(wapi.get("/api/v2/persons", params={"deal_id": deal["id"]}))
    assert {p["id"] for p in persons} == {3, 4}
    assert data(wapi.delete(f"{path}/{added['id']}")) == {"id": added["id"]}
    assert wapi.get(path).json()["data"] == []
    error(wapi.delete(f"{path}/{added['id']}"), 404)
    error(wapi.get("/v1/deals/999999/participants"), 404)


def test_merge_deals_moves_related_items(wapi: httpx.Client, own: Sandbox) -> None:
    source = data(wapi.post("/api/v2/deals", json={"title": "Merge me", "org_id": 2}))
    target = data(wapi.post("/api/v2/deals", json={"title": "Keep me"}))
    activity = data(wapi.post("/api/v2/activities", json={"type": "task", "deal_id": source["id"]}))
    merged = data(wapi.put(f"/v1/deals/{source['id']}/merge", json={"merge_with_id": target["id"]}))
    assert merged["id"] == target["id"] and merged["merge_what_id"] == source["id"]
    assert merged["title"] == "Keep me" and merged["org_id"] == 2  # gaps filled from the merged deal
    assert data(wapi.get(f"/api/v2/activities/{activity['id']}"))["deal_id"] == target["id"]
    assert data(wapi.get(f"/api/v2/deals/{source['id']}"))["is_deleted"] is True
    error(wapi.put(f"/v1/deals/{target['id']}/merge", json={"merge_with_id": target["id"]}), 400)
    error(wapi.put(f"/v1/deals/{target['id']}/merge", json={"merge_with_id": 999_999}), 404)
    error(wapi.put(f"/v1/deals/{target['id']}/merge", json={}), 400)


def test_merge_persons_and_organizations(wapi: httpx.Client) -> None:
    one = data(
        wapi.post("/api/v2/persons", json={"name": "Twin One", "emails": [{"value": "one@example.com"}]})
    )
    two = data(
        wapi.post(
            "/api/v2/persons",
            json={"name": "Twin Two", "emails": [{"value": "two@example.com"}], "job_title": "CTO"},
        )
    )
    merged = data(wapi.put(f"/v1/persons/{two['id']}/merge", json={"merge_with_id": one["id"]}))
    assert merged["id"] == one["id"] and merged["merge_what_id"] == two["id"]
    assert [e["value"] for e in merged["email"]] == ["one@example.com", "two@example.com"]
    assert merged["job_title"] == "CTO"
    org_a = data(wapi.post("/api/v2/organizations", json={"name": "Org A"}))
    org_b = data(wapi.post("/api/v2/organizations", json={"name": "Org B"}))
    member = data(wapi.post("/api/v2/persons", json={"name": "Member", "org_id": org_b["id"]}))
    assert data(wapi.put(f"/v1/organizations/{org_b['id']}/merge", json={"merge_with_id": org_a["id"]})) == {
        "id": org_a["id"]
    }
    assert data(wapi.get(f"/api/v2/persons/{member['id']}"))["org_id"] == org_a["id"]
    assert data(wapi.get(f"/api/v2/organizations/{org_b['id']}"))["is_deleted"] is True


# ---------------------------------------------------------------------------------------------------------
# v1 fields and flat custom fields


def test_v1_field_lists(api: httpx.Client, sandbox: Sandbox) -> None:
    fields, requests = collect(api, "/v1/dealFields", limit=20)
    keys = [f["key"] for f in fields]
    assert requests > 1 and len(keys) == len(set(keys))
    assert {"title", "user_id", "value", "currency", "stage_id", "status", "pipeline"} <= set(keys)
    custom = [f for f in fields if f["edit_flag"]]
    assert len(custom) == len(sandbox.store.custom_fields("deal"))
    money = next(f for f in custom if f["field_type"] == "monetary")
    assert money["subfields"][0]["key"] == f"{money['key']}_currency"
    one = data(api.get(f"/v1/dealFields/{money['id']}"))
    assert one["key"] == money["key"]
    for path in (
        "personFields",
        "organizationFields",
        "productFields",
        "activityFields",
        "leadFields",
        "noteFields",
    ):
        assert data(api.get(f"/v1/{path}")), path
    lead_keys = {f["key"] for f in data(api.get("/v1/leadFields", params={"limit": 500}))}
    assert money["key"] in lead_keys and "title" in lead_keys
    error(api.get("/v1/dealFields/1"), 404)
    error(api.get("/v1/productFields/1"), 410)


def test_v1_field_lifecycle(wapi: httpx.Client) -> None:
    created = data(
        wapi.post(
            "/v1/personFields",
            json={"name": "Shoe size", "field_type": "set", "options": [{"label": "S"}, {"label": "M"}]},
        )
    )
    assert (
        created["edit_flag"]
        and len(created["key"]) == 40
        and [o["label"] for o in created["options"]] == ["S", "M"]
    )
    small = created["options"][0]["id"]
    updated = data(
        wapi.put(
            f"/v1/personFields/{created['id']}",
            json={"name": "Shoe sizes", "options": [{"id": small, "label": "Small"}, {"label": "L"}]},
        )
    )
    assert updated["name"] == "Shoe sizes" and [o["label"] for o in updated["options"]] == ["Small", "L"]
    assert updated["options"][0]["id"] == small
    v2 = data(wapi.get(f"/api/v2/personFields/{created['key']}"))
    assert v2["field_name"] == "Shoe sizes"
    assert data(wapi.delete(f"/v1/personFields/{created['id']}")) == {"id": created["id"]}
    error(wapi.get(f"/v1/personFields/{created['id']}"), 404)
    product = wapi.post("/v1/productFields", json={"name": "Weight", "field_type": "double"})
    assert product.status_code == 201
    error(wapi.post("/v1/dealFields", json={"name": "No type"}), 400)
    error(wapi.post("/v1/dealFields", json={"name": "Enum without options", "field_type": "enum"}), 400)
    title = next(f for f in data(wapi.get("/v1/dealFields", params={"limit": 500})) if f["key"] == "title")
    error(wapi.delete(f"/v1/dealFields/{title['id']}"), 400)


def test_flat_custom_fields_in_v1_records(wapi: httpx.Client, own: Sandbox) -> None:
    fields = {d["field_type"]: d for d in own.store.custom_fields("deal")}
    money, period, kickoff, interest, source, contact, manager = (
        fields[t]["code"] for t in ("monetary", "daterange", "time", "set", "enum", "people", "user")
    )
    option_ids = [o["id"] for o in fields["set"]["options"]][:2]
    source_id = fields["enum"]["options"][0]["id"]
    since = since_now(own.store)
    deal = data(
        wapi.post(
            "/api/v2/deals",
            json={
                "title": "Flat fields",
                "custom_fields": {
                    money: {"value": 750, "currency": "SEK"},
                    period: {"start": "2026-02-01", "until": "2026-03-01"},
                    kickoff: {"value": "09:30", "timezone_id": 2},
                    interest: option_ids,
                    source: source_id,
                    contact: 5,
                    manager: own.store.main_user_id,
                },
            },
        )
    )
    recent = data(wapi.get("/v1/recents", params={"since_timestamp": since, "items": "deal"}))
    flat = next(i["data"] for i in recent if i["id"] == deal["id"])
    assert flat[money] == 750 and flat[f"{money}_currency"] == "SEK"
    assert flat[period] == "2026-02-01" and flat[f"{period}_until"] == "2026-03-01"
    assert flat[kickoff] == "09:30:00" and flat[f"{kickoff}_timezone_id"] == 2
    assert flat[interest] == ",".join(str(i) for i in sorted(option_ids))
    assert flat[source] == str(source_id)
    assert flat[contact]["value"] == 5 and flat[contact]["name"]
    assert flat[manager]["value"] == own.store.main_user_id
    assert "custom_fields" not in flat


def test_leads_filter_on_lead_and_linked_fields(wapi: httpx.Client, own: Sandbox) -> None:
    store = own.store
    title = store.field_by_key("lead", "title")
    org_name = store.field_by_key("organization", "name")
    orgs = store.tables["organization"]
    sample = next(
        x
        for x in store.tables["lead"].values()
        if not x["is_archived"] and x.get("organization_id") and "lead" in x["title"].lower()
    )
    org = orgs[sample["organization_id"]]
    conditions = {
        "glue": "and",
        "conditions": [
            {
                "glue": "and",
                "conditions": [
                    {
                        "object": "lead",
                        "field_id": str(title["id"]),
                        "operator": "LIKE '%$%'",
                        "value": "lead",
                    },
                    {
                        "object": "organization",
                        "field_id": str(org_name["id"]),
                        "operator": "=",
                        "value": org["name"],
                    },
                ],
            },
            {"glue": "or", "conditions": []},
        ],
    }
    flt = data(
        wapi.post("/v1/filters", json={"name": "Leads of one org", "type": "leads", "conditions": conditions})
    )
    leads, _ = collect(wapi, "/v1/leads", filter_id=flt["id"], limit=500)
    expected = [
        x["id"]
        for x in store.tables["lead"].values()
        if not x["is_archived"]
        and x.get("organization_id") in orgs
        and orgs[x["organization_id"]]["name"].lower() == org["name"].lower()
        and "lead" in x["title"].lower()
    ]
    assert sorted(x["id"] for x in leads) == sorted(expected) and expected
    deal_filter = next(f for f in store.tables["filter"].values() if f["type"] == "deals")
    error(wapi.get("/v1/leads", params={"filter_id": deal_filter["id"]}), 400)
    error(wapi.get("/v1/leads", params={"filter_id": 99_999}), 404)


def test_recents_of_sparse_records_answer_200() -> None:
    """Deals without a value (the oddities' sparse records) are formatted as 0, not a 500."""
    with (
        Sandbox(seed=11, scale=40, rate_limit=False, latency_ms=0, fault_rate=0.0, oddities=True) as odd,
        httpx.Client(base_url=odd.url, headers={"x-api-token": odd.api_token}, timeout=30) as http,
    ):
        response = http.get("/v1/recents", params={"since_timestamp": "2000-01-01 00:00:00"})
        assert response.status_code == 200, response.text[:300]
        assert response.json()["success"] is True
