"""API v2 of the sandbox over real HTTP: cursor paging, every list filter, custom fields, writes, soft
deletes, validation errors, deal products, the field endpoints and search.

Reads use the session's shared sandbox (``sandbox`` in tests/conftest.py); writes use this module's own
sandbox, and every writing test creates the records it changes."""

from __future__ import annotations

import base64
from collections.abc import Iterator
from typing import Any

import httpx
import orjson
import pytest
from helpers import data, writable_sandbox

from pipedrive_sandbox.server import Sandbox


@pytest.fixture(scope="module")
def own() -> Iterator[Sandbox]:
    with writable_sandbox(seed=3) as running:
        yield running


def error(response: httpx.Response, status: int) -> dict[str, Any]:
    assert response.status_code == status, response.text
    body: dict[str, Any] = response.json()
    assert body["success"] is False and body["data"] is None and body["additional_data"] is None
    assert body["error"] and body["error_info"]
    return body


def collect(client: httpx.Client, path: str, **params: Any) -> tuple[list[dict[str, Any]], int]:
    """Every item of a v2 list (or search), following next_cursor; and how many requests that took."""
    items: list[dict[str, Any]] = []
    cursor = None
    requests = 0
    while True:
        query = {**params, **({"cursor": cursor} if cursor else {})}
        response = client.get(path, params=query)
        requests += 1
        body = response.json()
        assert response.status_code == 200, response.text
        items += body["data"]["items"] if isinstance(body["data"], dict) else body["data"]
        cursor = body["additional_data"]["next_cursor"]
        if cursor is None:
            return items, requests
        assert requests < 1_000


def live(store: Any, kind: str) -> list[dict[str, Any]]:
    return [r for r in store.tables[kind].values() if not r.get("is_deleted")]


# ---------------------------------------------------------------------------------------------------------
# Paging


def test_cursor_paging_reaches_every_deal_once(api: httpx.Client, sandbox: Sandbox) -> None:
    items, requests = collect(api, "/api/v2/deals", limit=17)
    ids = [d["id"] for d in items]
    expected = sorted(d["id"] for d in live(sandbox.store, "deal") if not d.get("is_archived"))
    assert ids == expected
    assert requests == -(-len(expected) // 17)


@pytest.mark.parametrize("sort_by", ["update_time", "add_time"])
@pytest.mark.parametrize("direction", ["asc", "desc"])
def test_cursor_paging_in_any_order(api: httpx.Client, sort_by: str, direction: str) -> None:
    items, _ = collect(api, "/api/v2/persons", limit=23, sort_by=sort_by, sort_direction=direction)
    ids = [p["id"] for p in items]
    assert len(ids) == len(set(ids))
    keys = [(p[sort_by], p["id"]) for p in items]
    assert keys == sorted(keys, reverse=direction == "desc")


def test_products_sort_by_name_and_activities_by_due_date(api: httpx.Client) -> None:
    products, _ = collect(api, "/api/v2/products", limit=5, sort_by="name")
    assert [p["name"] for p in products] == sorted(p["name"] for p in products)
    activities, _ = collect(api, "/api/v2/activities", limit=100, sort_by="due_date", sort_direction="desc")
    dues = [a["due_date"] or "" for a in activities]
    assert dues == sorted(dues, reverse=True)


def test_cursor_is_opaque_base64_and_null_at_the_end(api: httpx.Client) -> None:
    body = api.get("/api/v2/deals", params={"limit": 3}).json()
    cursor = body["additional_data"]["next_cursor"]
    decoded = orjson.loads(base64.b64decode(cursor + "=" * (-len(cursor) % 4)))
    assert decoded["id"] == body["data"][-1]["id"] and decoded["field"] == "id"
    last = api.get("/api/v2/pipelines").json()
    assert last["additional_data"] == {"next_cursor": None}


def test_limit_defaults_to_100_and_more_than_500_is_rejected(api: httpx.Client, sandbox: Sandbox) -> None:
    assert len(data(api.get("/api/v2/deals"))) == 100
    assert len(data(api.get("/api/v2/activities", params={"limit": 500}))) == len(
        live(sandbox.store, "activity")
    )
    body = error(api.get("/api/v2/deals", params={"limit": 501}), 400)
    assert "limit" in body["error"] and body["code"] == "ERR_SCHEMA_VALIDATION_FAILED"
    error(api.get("/api/v2/deals", params={"limit": 0}), 400)
    error(api.get("/api/v2/deals", params={"cursor": "not a cursor!"}), 400)


# ---------------------------------------------------------------------------------------------------------
# Filters


@pytest.mark.parametrize("param", ["owner_id", "person_id", "org_id", "pipeline_id", "stage_id"])
def test_deal_filters(api: httpx.Client, sandbox: Sandbox, param: str) -> None:
    deals = [d for d in live(sandbox.store, "deal") if not d.get("is_archived") and d.get(param)]
    value = most_common([d[param] for d in deals])
    items, _ = collect(api, "/api/v2/deals", limit=500, **{param: value})
    assert items and all(d[param] == value for d in items)
    assert sorted(d["id"] for d in items) == sorted(d["id"] for d in deals if d[param] == value)


def most_common(values: list[Any]) -> Any:
    """The most frequent value (ties broken by its text, so the choice is stable)."""
    counts: dict[Any, int] = {}
    for value in values:
        counts[value] = counts.get(value, 0) + 1
    return max(counts, key=lambda v: (counts[v], str(v)))


def test_ids_filter_returns_only_existing_requested_records(api: httpx.Client, sandbox: Sandbox) -> None:
    wanted = sorted(d["id"] for d in live(sandbox.store, "deal") if not d.get("is_archived"))[:3]
    hidden = next(d["id"] for d in sandbox.store.tables["deal"].values() if d.get("is_deleted"))
    ids = [wanted[2], wanted[0], 999_999, hidden, wanted[1]]
    items = data(api.get("/api/v2/deals", params={"ids": ",".join(map(str, ids))}))
    assert [d["id"] for d in items] == wanted
    error(api.get("/api/v2/deals", params={"ids": ",".join(str(i) for i in range(1, 102))}), 400)
    error(api.get("/api/v2/deals", params={"ids": "1,x"}), 400)


def test_status_filter_one_or_several_and_deleted_only_on_request(
    api: httpx.Client, sandbox: Sandbox
) -> None:
    won = data(api.get("/api/v2/deals", params={"status": "won", "limit": 500}))
    assert won and {d["status"] for d in won} == {"won"}
    several = data(api.get("/api/v2/deals", params={"status": "won,lost", "limit": 500}))
    assert {d["status"] for d in several} == {"won", "lost"}
    everything, _ = collect(api, "/api/v2/deals", limit=500)
    assert not any(d["is_deleted"] for d in everything)
    deleted = data(api.get("/api/v2/deals", params={"status": "deleted", "limit": 500}))
    expected = sorted(
        d["id"]
        for d in sandbox.store.tables["deal"].values()
        if d.get("is_deleted") and not d.get("is_archived")
    )
    assert sorted(d["id"] for d in deleted) == expected and expected
    assert all(d["is_deleted"] and d["status"] == "deleted" for d in deleted)
    error(api.get("/api/v2/deals", params={"status": "closed"}), 400)


def test_archived_deals_only_at_their_own_endpoint(api: httpx.Client, sandbox: Sandbox) -> None:
    archived, _ = collect(api, "/api/v2/deals/archived", limit=50)
    expected = sorted(d["id"] for d in live(sandbox.store, "deal") if d.get("is_archived"))
    assert sorted(d["id"] for d in archived) == expected and expected
    assert all(d["is_archived"] for d in archived)
    plain, _ = collect(api, "/api/v2/deals", limit=500)
    assert not set(expected) & {d["id"] for d in plain}


def test_updated_since_and_until(api: httpx.Client) -> None:
    everything, _ = collect(api, "/api/v2/deals", limit=500)
    stamps = sorted(d["update_time"] for d in everything)
    middle = stamps[len(stamps) // 2]
    newer = collect(api, "/api/v2/deals", limit=500, updated_since=middle)[0]
    older = collect(api, "/api/v2/deals", limit=500, updated_until=middle)[0]
    assert all(d["update_time"] >= middle for d in newer)
    assert all(d["update_time"] < middle for d in older)
    assert len(newer) + len(older) == len(everything)
    error(api.get("/api/v2/deals", params={"updated_since": "yesterday"}), 400)
    error(api.get("/api/v2/deals", params={"updated_since": "2025-01-01T10:20:00.123Z"}), 400)


def test_invalid_sort_values_are_rejected(api: httpx.Client) -> None:
    error(api.get("/api/v2/deals", params={"sort_by": "title"}), 400)
    error(api.get("/api/v2/deals", params={"sort_direction": "up"}), 400)
    error(api.get("/api/v2/deals", params={"owner_id": "me"}), 400)


def test_person_filters_org_owner_and_deal(api: httpx.Client, sandbox: Sandbox) -> None:
    store = sandbox.store
    org_id = most_common([p["org_id"] for p in live(store, "person") if p.get("org_id")])
    persons = data(api.get("/api/v2/persons", params={"org_id": org_id, "limit": 500}))
    assert persons and all(p["org_id"] == org_id for p in persons)
    deal_id = next(
        p["deal_id"]
        for p in store.tables["participant"].values()
        if store.tables["deal"][p["deal_id"]].get("person_id")
    )
    expected = {p["person_id"] for p in store.tables["participant"].values() if p["deal_id"] == deal_id}
    expected.add(store.tables["deal"][deal_id]["person_id"])
    expected = {pid for pid in expected if not store.tables["person"][pid].get("is_deleted")}
    found = data(api.get("/api/v2/persons", params={"deal_id": deal_id}))
    assert {p["id"] for p in found} == expected


def test_activity_filters_done_deal_lead(api: httpx.Client, sandbox: Sandbox) -> None:
    done = collect(api, "/api/v2/activities", limit=500, done="true")[0]
    undone = collect(api, "/api/v2/activities", limit=500, done="false")[0]
    assert done and undone and all(a["done"] for a in done) and not any(a["done"] for a in undone)
    activity = next(a for a in live(sandbox.store, "activity") if a.get("deal_id"))
    by_deal = data(api.get("/api/v2/activities", params={"deal_id": activity["deal_id"]}))
    assert activity["id"] in {a["id"] for a in by_deal} and all(
        a["deal_id"] == activity["deal_id"] for a in by_deal
    )
    with_lead = next(a for a in live(sandbox.store, "activity") if a.get("lead_id"))
    by_lead = data(api.get("/api/v2/activities", params={"lead_id": with_lead["lead_id"]}))
    assert with_lead["id"] in {a["id"] for a in by_lead}
    error(api.get("/api/v2/activities", params={"done": "maybe"}), 400)


def test_stages_by_pipeline(api: httpx.Client) -> None:
    stages = data(api.get("/api/v2/stages", params={"pipeline_id": 2}))
    assert stages and {s["pipeline_id"] for s in stages} == {2}


def test_filter_id_applies_the_stored_filter(api: httpx.Client, sandbox: Sandbox) -> None:
    filters = {f["name"]: f for f in sandbox.store.tables["filter"].values()}
    won_big = filters["Won deals over 10 000"]
    items, _ = collect(
        api, "/api/v2/deals", limit=500, filter_id=won_big["id"], owner_id=1
    )  # owner_id ignored
    assert items and all(d["status"] == "won" and d["value"] > 10_000 for d in items)
    either = filters["Early-stage or referral deals"]
    items, _ = collect(api, "/api/v2/deals", limit=500, filter_id=either["id"])
    assert items
    people = filters["People with a job title"]
    persons, _ = collect(api, "/api/v2/persons", limit=500, filter_id=people["id"])
    assert persons and all("job_title" in p for p in persons)
    error(api.get("/api/v2/deals", params={"filter_id": 99_999}), 404)
    error(api.get("/api/v2/deals", params={"filter_id": people["id"]}), 400)


def test_custom_fields_and_include_fields_parameters(api: httpx.Client, sandbox: Sandbox) -> None:
    keys = [d["code"] for d in sandbox.store.custom_fields("deal")][:2]
    deal = data(api.get("/api/v2/deals", params={"custom_fields": ",".join(keys), "limit": 1}))[0]
    assert set(deal["custom_fields"]) == set(keys)
    deal = data(
        api.get(
            "/api/v2/deals/1", params={"include_fields": "products_count,activities_count,next_activity_id"}
        )
    )
    store = sandbox.store
    assert deal["products_count"] == sum(
        1 for p in store.tables["deal_product"].values() if p["deal_id"] == 1
    )
    assert deal["activities_count"] == sum(1 for a in live(store, "activity") if a.get("deal_id") == 1)
    assert "next_activity_id" in deal
    person = data(api.get("/api/v2/persons/1", params={"include_fields": "open_deals_count,notes_count"}))
    assert isinstance(person["open_deals_count"], int) and isinstance(person["notes_count"], int)
    org = data(api.get("/api/v2/organizations/1", params={"include_fields": "people_count"}))
    assert org["people_count"] == sum(1 for p in live(store, "person") if p.get("org_id") == 1)
    error(api.get("/api/v2/deals", params={"include_fields": "everything"}), 400)
    error(api.get("/api/v2/deals", params={"custom_fields": ",".join(f"k{i}" for i in range(16))}), 400)


# ---------------------------------------------------------------------------------------------------------
# Custom fields in the v2 shape


def test_custom_field_values_in_v2_shape(api: httpx.Client, sandbox: Sandbox) -> None:
    store = sandbox.store
    seen: set[str] = set()
    for entity, path in (("deal", "deals"), ("person", "persons"), ("organization", "organizations")):
        definitions = {d["code"]: d for d in store.custom_fields(entity)}
        items, _ = collect(api, f"/api/v2/{path}", limit=500)
        for item in items:
            assert set(item["custom_fields"]) == set(definitions)
            for key, value in item["custom_fields"].items():
                if value is None:
                    continue
                ftype = definitions[key]["field_type"]
                seen.add(ftype)
                check_v2_custom(ftype, value, definitions[key])
    assert {
        "monetary",
        "set",
        "enum",
        "daterange",
        "time",
        "timerange",
        "address",
        "user",
        "people",
        "org",
        "double",
        "date",
    } <= seen


def check_v2_custom(ftype: str, value: Any, definition: dict[str, Any]) -> None:
    options = {o["id"] for o in definition["options"] or []}
    if ftype == "monetary":
        assert set(value) == {"value", "currency"} and isinstance(value["value"], int | float)
    elif ftype == "set":
        assert isinstance(value, list) and set(value) <= options
    elif ftype == "enum":
        assert value in options
    elif ftype == "daterange":
        assert set(value) == {"start", "until"}
    elif ftype == "time":
        assert set(value) == {"value", "timezone_id"}
    elif ftype == "timerange":
        assert set(value) == {"start", "until", "timezone_id"}
    elif ftype == "address":
        assert value["value"] and "locality" in value
    elif ftype in ("user", "people", "org", "double"):
        assert isinstance(value, int | float)


def test_option_labels_on_request(api: httpx.Client, sandbox: Sandbox) -> None:
    definition = next(d for d in sandbox.store.custom_fields("deal") if d["field_type"] == "set")
    deal_id = next(
        d["id"] for d in live(sandbox.store, "deal") if d.get(definition["code"]) and not d.get("is_archived")
    )
    value = data(api.get(f"/api/v2/deals/{deal_id}", params={"include_option_labels": "true"}))[
        "custom_fields"
    ][definition["code"]]
    labels = {o["id"]: o["label"] for o in definition["options"]}
    assert value and all(item["label"] == labels[item["id"]] for item in value)
    labelled = next(d for d in live(sandbox.store, "deal") if d.get("label_ids") and not d.get("is_archived"))
    shown = data(api.get(f"/api/v2/deals/{labelled['id']}", params={"include_labels": "true"}))
    assert [label["id"] for label in shown["labels"]] == list(labelled["label_ids"]) and shown["labels"][0][
        "label"
    ]


# ---------------------------------------------------------------------------------------------------------
# Writes


def test_create_read_update_delete_a_deal(wapi: httpx.Client, own: Sandbox) -> None:
    store = own.store
    money = next(d for d in store.custom_fields("deal") if d["field_type"] == "monetary")
    labels = next(d for d in store.custom_fields("deal") if d["field_type"] == "set")
    period = next(d for d in store.custom_fields("deal") if d["field_type"] == "daterange")
    option_ids = [o["id"] for o in labels["options"]][:2]
    created = data(
        wapi.post(
            "/api/v2/deals",
            json={
                "title": "Sandbox test deal",
                "value": 1234.5,
                "currency": "USD",
                "person_id": 1,
                "custom_fields": {
                    money["code"]: {"value": 99.5, "currency": "GBP"},
                    labels["code"]: option_ids,
                    period["code"]: {"start": "2026-01-01", "until": "2026-12-31"},
                },
            },
        )
    )
    assert created["status"] == "open" and created["currency"] == "USD" and created["pipeline_id"] == 1
    assert created["custom_fields"][money["code"]] == {"value": 99.5, "currency": "GBP"}
    assert created["custom_fields"][labels["code"]] == sorted(option_ids)
    assert created["add_time"] == created["update_time"]
    deal_id = created["id"]
    assert data(wapi.get(f"/api/v2/deals/{deal_id}"))["title"] == "Sandbox test deal"

    own.store.clock = _Ahead(seconds=5)  # a later write must carry a later update_time
    try:
        updated = data(
            wapi.patch(
                f"/api/v2/deals/{deal_id}", json={"status": "won", "custom_fields": {money["code"]: None}}
            )
        )
    finally:
        own.store.clock = None
    assert updated["status"] == "won" and updated["won_time"] and updated["close_time"]
    assert updated["update_time"] > created["update_time"]
    assert updated["custom_fields"][money["code"]] is None
    assert updated["custom_fields"][labels["code"]] == sorted(option_ids)

    assert data(wapi.delete(f"/api/v2/deals/{deal_id}")) == {"id": deal_id}
    shown = data(wapi.get(f"/api/v2/deals/{deal_id}"))
    assert shown["is_deleted"] is True and shown["status"] == "deleted"
    assert deal_id not in {d["id"] for d in collect(wapi, "/api/v2/deals", limit=500)[0]}
    assert deal_id in {
        d["id"] for d in data(wapi.get("/api/v2/deals", params={"status": "deleted", "limit": 500}))
    }
    error(wapi.delete(f"/api/v2/deals/{deal_id}"), 404)
    restored = data(wapi.patch(f"/api/v2/deals/{deal_id}", json={"is_deleted": False}))
    assert restored["is_deleted"] is False and restored["status"] == "won"


class _Ahead:
    """A clock some seconds ahead of the real one."""

    def __init__(self, seconds: float) -> None:
        import time

        self.at = time.time() + seconds

    def time(self) -> float:
        return self.at


def test_stage_moves_the_deal_to_its_pipeline(wapi: httpx.Client, own: Sandbox) -> None:
    deal = data(wapi.post("/api/v2/deals", json={"title": "Stage mover"}))
    stage = next(s for s in own.store.tables["stage"].values() if s["pipeline_id"] == 2)
    moved = data(wapi.patch(f"/api/v2/deals/{deal['id']}", json={"stage_id": stage["id"]}))
    assert moved["pipeline_id"] == 2 and moved["stage_id"] == stage["id"]
    body = error(
        wapi.patch(f"/api/v2/deals/{deal['id']}", json={"stage_id": stage["id"], "pipeline_id": 1}), 400
    )
    assert "stage_id" in body["error"]


def test_validation_errors_and_missing_records(wapi: httpx.Client) -> None:
    body = error(wapi.post("/api/v2/deals", json={"value": 10}), 400)
    assert "title" in body["error"]
    error(wapi.post("/api/v2/deals", json={"title": 5}), 400)
    error(wapi.post("/api/v2/deals", json={"title": "x", "value": "ten"}), 400)
    error(wapi.post("/api/v2/deals", json={"title": "x", "person_id": 999_999}), 400)
    error(wapi.post("/api/v2/deals", json={"title": "x", "currency": "XXX"}), 400)
    error(wapi.post("/api/v2/deals", json={"title": "x", "custom_fields": {"0" * 40: 1}}), 400)
    error(wapi.post("/api/v2/deals", content=b"{not json", headers={"content-type": "application/json"}), 400)
    error(wapi.post("/api/v2/persons", json={"emails": [{"value": "a@b.c"}]}), 400)
    error(wapi.post("/api/v2/organizations", json={}), 400)
    error(wapi.post("/api/v2/stages", json={"name": "No pipeline"}), 400)
    for path in ("deals", "persons", "organizations", "activities", "products", "pipelines", "stages"):
        body = error(wapi.get(f"/api/v2/{path}/999999"), 404)
        assert "not found" in body["error"]
        error(wapi.patch(f"/api/v2/{path}/999999", json={}), 404)
        error(wapi.delete(f"/api/v2/{path}/999999"), 404)
    error(wapi.get("/api/v2/deals/abc"), 400)


def test_custom_field_values_are_type_checked(wapi: httpx.Client, own: Sandbox) -> None:
    by_type = {d["field_type"]: d["code"] for d in own.store.custom_fields("deal")}
    bad = {
        "monetary": "lots",
        "set": [],
        "enum": 123_456,
        "date": "31.12.2026",
        "daterange": {"start": "2026-01-01"},
        "double": "1.5",
        "people": 999_999,
        "user": "me",
    }
    for ftype, value in bad.items():
        error(wapi.post("/api/v2/deals", json={"title": "t", "custom_fields": {by_type[ftype]: value}}), 400)


def test_person_with_emails_phones_and_custom_fields(wapi: httpx.Client, own: Sandbox) -> None:
    phone = next(d for d in own.store.custom_fields("person") if d["field_type"] == "phone")
    person = data(
        wapi.post(
            "/api/v2/persons",
            json={
                "name": "Ada Lovelace",
                "org_id": 1,
                "emails": [
                    {"value": "ada@example.com", "label": "work", "primary": True},
                    {"value": "ada@home.example", "label": "home"},
                ],
                "phones": [{"value": "+44 20 7946 0000", "label": "mobile"}],
                "custom_fields": {phone["code"]: "+44 1"},
            },
        )
    )
    assert person["first_name"] == "Ada" and person["last_name"] == "Lovelace"
    assert person["emails"][0] == {"value": "ada@example.com", "primary": True, "label": "work"}
    assert person["phones"] == [{"value": "+44 20 7946 0000", "primary": True, "label": "mobile"}]
    assert person["custom_fields"][phone["code"]] == "+44 1"
    renamed = data(wapi.patch(f"/api/v2/persons/{person['id']}", json={"name": "Augusta Ada King"}))
    assert renamed["first_name"] == "Augusta" and renamed["last_name"] == "Ada King"
    assert data(wapi.delete(f"/api/v2/persons/{person['id']}")) == {"id": person["id"]}
    assert data(wapi.get(f"/api/v2/persons/{person['id']}"))["is_deleted"] is True


def test_organizations_activities_products_pipelines_stages(wapi: httpx.Client) -> None:
    org = data(
        wapi.post(
            "/api/v2/organizations",
            json={"name": "Analytical Engines Ltd", "address": {"value": "1 Main St, London"}},
        )
    )
    assert org["address"]["value"] == "1 Main St, London"
    activity = data(
        wapi.post(
            "/api/v2/activities",
            json={"type": "call", "org_id": org["id"], "due_date": "2026-03-01", "due_time": "10:30"},
        )
    )
    assert activity["subject"] == "Call" and activity["due_time"] == "10:30:00" and activity["done"] is False
    done = data(wapi.patch(f"/api/v2/activities/{activity['id']}", json={"done": True}))
    assert done["done"] is True and done["marked_as_done_time"]
    error(wapi.post("/api/v2/activities", json={"type": "séance"}), 400)
    product = wapi.post(
        "/api/v2/products",
        json={"name": "Difference Engine", "prices": [{"currency": "GBP", "price": 17_000}]},
    )
    assert product.status_code == 201
    assert data(product, 201)["prices"][0]["price"] == 17_000
    pipeline = data(wapi.post("/api/v2/pipelines", json={"name": "Experiments"}))
    stage = data(wapi.post("/api/v2/stages", json={"name": "Idea", "pipeline_id": pipeline["id"]}))
    assert stage["pipeline_id"] == pipeline["id"]
    deal = data(
        wapi.post("/api/v2/deals", json={"title": "In a new pipeline", "pipeline_id": pipeline["id"]})
    )
    assert deal["stage_id"] == stage["id"]
    assert data(wapi.delete(f"/api/v2/stages/{stage['id']}")) == {"id": stage["id"]}
    assert data(wapi.get(f"/api/v2/stages/{stage['id']}"))["is_deleted"] is True


# ---------------------------------------------------------------------------------------------------------
# Deal products


def test_deal_products(wapi: httpx.Client) -> None:
    deal = data(wapi.post("/api/v2/deals", json={"title": "With products", "currency": "EUR"}))
    path = f"/api/v2/deals/{deal['id']}/products"
    added = wapi.post(
        path,
        json={
            "product_id": 1,
            "item_price": 100,
            "quantity": 3,
            "discount": 10,
            "tax": 20,
            "tax_method": "exclusive",
        },
    )
    line = data(added, 201)
    assert (
        line["sum"] == pytest.approx(100 * 3 * 0.9 * 1.2)
        and line["currency"] == "EUR"
        and line["deal_id"] == deal["id"]
    )
    second = data(wapi.post(path, json={"product_id": 2, "item_price": 5, "quantity": 1}), 201)
    assert second["order_nr"] == line["order_nr"] + 1
    lines = data(wapi.get(path))
    assert [item["id"] for item in lines] == [line["id"], second["id"]]
    changed = data(wapi.patch(f"{path}/{line['id']}", json={"quantity": 1, "discount": 0}))
    assert changed["sum"] == pytest.approx(120)
    assert data(wapi.get(f"/api/v2/deals/{deal['id']}"))["value"] == pytest.approx(120 + 5)
    across = data(wapi.get("/api/v2/deals/products", params={"deal_ids": f"{deal['id']},1"}))
    assert {item["id"] for item in across} >= {line["id"], second["id"]}
    assert data(wapi.delete(f"{path}/{second['id']}")) == {"id": second["id"]}
    assert [item["id"] for item in data(wapi.get(path))] == [line["id"]]
    error(wapi.delete(f"{path}/{second['id']}"), 404)
    error(wapi.post(path, json={"product_id": 1}), 400)
    error(wapi.get("/api/v2/deals/products"), 400)
    error(wapi.get("/api/v2/deals/999999/products"), 404)


# ---------------------------------------------------------------------------------------------------------
# Field endpoints


def test_field_lists_and_single_fields(api: httpx.Client, sandbox: Sandbox) -> None:
    for path, entity in (
        ("dealFields", "deal"),
        ("personFields", "person"),
        ("organizationFields", "organization"),
        ("productFields", "product"),
        ("activityFields", "activity"),
    ):
        fields, _ = collect(api, f"/api/v2/{path}", limit=10)
        codes = [f["field_code"] for f in fields]
        assert len(codes) == len(set(codes))
        custom = [f for f in fields if f["is_custom_field"]]
        assert len(custom) == len(sandbox.store.custom_fields(entity))
        for field in custom:
            assert len(field["field_code"]) == 40
            one = data(api.get(f"/api/v2/{path}/{field['field_code']}"))
            assert one["field_name"] == field["field_name"]
    value = data(api.get("/api/v2/dealFields/value"))
    assert value["field_type"] == "monetary" and [s["field_code"] for s in value["subfields"]] == [
        "value",
        "currency",
    ]
    status = data(api.get("/api/v2/dealFields/status"))
    assert {o["id"] for o in status["options"]} == {"open", "won", "lost", "deleted"}
    ui = data(api.get("/api/v2/dealFields/title", params={"include_fields": "ui_visibility"}))
    assert "ui_visibility" in ui
    error(api.get("/api/v2/dealFields/nope"), 404)


def test_custom_field_lifecycle(wapi: httpx.Client) -> None:
    created = data(
        wapi.post(
            "/api/v2/dealFields",
            json={
                "field_name": "Region",
                "field_type": "enum",
                "options": [{"label": "North"}, {"label": "South"}],
            },
        )
    )
    code = created["field_code"]
    assert (
        created["is_custom_field"]
        and len(code) == 40
        and [o["label"] for o in created["options"]] == ["North", "South"]
    )
    south = created["options"][1]["id"]
    deal = data(wapi.post("/api/v2/deals", json={"title": "Regional", "custom_fields": {code: south}}))
    assert deal["custom_fields"][code] == south
    renamed = data(wapi.patch(f"/api/v2/dealFields/{code}", json={"field_name": "Sales region"}))
    assert renamed["field_name"] == "Sales region"
    deleted = data(wapi.delete(f"/api/v2/dealFields/{code}"))
    assert deleted["field_code"] == code
    assert code not in data(wapi.get(f"/api/v2/deals/{deal['id']}"))["custom_fields"]
    error(wapi.get(f"/api/v2/dealFields/{code}"), 404)
    error(wapi.delete("/api/v2/dealFields/title"), 400)
    error(wapi.post("/api/v2/dealFields", json={"field_name": "No options", "field_type": "set"}), 400)
    error(wapi.post("/api/v2/dealFields", json={"field_name": "Bad type", "field_type": "hologram"}), 400)
    error(wapi.post("/api/v2/personFields", json={"field_type": "varchar"}), 400)


# ---------------------------------------------------------------------------------------------------------
# Search


def test_deal_search(api: httpx.Client, sandbox: Sandbox) -> None:
    deal = next(d for d in live(sandbox.store, "deal") if not d.get("is_archived"))
    word = deal["title"].split()[0]
    body = data(api.get("/api/v2/deals/search", params={"term": word, "limit": 500}))
    assert deal["id"] in {item["item"]["id"] for item in body["items"]}
    first = body["items"][0]
    assert set(first) == {"result_score", "item"} and first["item"]["type"] == "deal"
    assert {"owner", "stage", "person", "organization", "custom_fields", "notes", "is_archived"} <= set(
        first["item"]
    )
    exact = data(api.get("/api/v2/deals/search", params={"term": deal["title"], "exact_match": "true"}))
    assert deal["id"] in {item["item"]["id"] for item in exact["items"]}
    assert all(
        item["item"]["title"].lower() == deal["title"].lower()
        for item in exact["items"]
        if item["item"]["title"]
    )
    scores = [item["result_score"] for item in body["items"]]
    assert scores == sorted(scores, reverse=True)
    won = data(api.get("/api/v2/deals/search", params={"term": word, "status": "won", "limit": 500}))
    assert all(item["item"]["status"] == "won" for item in won["items"])
    if deal.get("person_id"):
        mine = data(api.get("/api/v2/deals/search", params={"term": word, "person_id": deal["person_id"]}))
        assert {item["item"]["person"]["id"] for item in mine["items"]} == {deal["person_id"]}
    error(api.get("/api/v2/deals/search", params={"term": "a"}), 400)
    error(api.get("/api/v2/deals/search"), 400)
    error(api.get("/api/v2/deals/search", params={"term": "ab", "fields": "email"}), 400)


def test_person_and_organization_search(api: httpx.Client, sandbox: Sandbox) -> None:
    person = live(sandbox.store, "person")[0]
    email = person["emails"][0][0]
    found = data(api.get("/api/v2/persons/search", params={"term": email, "fields": "email"}))
    assert person["id"] in {item["item"]["id"] for item in found["items"]}
    assert email in found["items"][0]["item"]["emails"]
    org = live(sandbox.store, "organization")[0]
    found = data(api.get("/api/v2/organizations/search", params={"term": org["name"], "fields": "name"}))
    assert found["items"][0]["item"]["name"].lower() == org["name"].lower()


def test_search_paging_and_item_search(api: httpx.Client) -> None:
    items, requests = collect(api, "/api/v2/itemSearch", term="an", limit=25)
    assert requests > 1 and {i["item"]["type"] for i in items} >= {"deal", "person", "organization"}
    keys = [(i["item"]["type"], i["item"]["id"]) for i in items]
    assert len(keys) == len(set(keys))
    only = data(api.get("/api/v2/itemSearch", params={"term": "an", "item_types": "person"}))
    assert only["items"] and {i["item"]["type"] for i in only["items"]} == {"person"}
    error(api.get("/api/v2/itemSearch", params={"term": "an", "limit": 101}), 400)
    error(api.get("/api/v2/itemSearch", params={"term": "an", "item_types": "spaceship"}), 400)


def test_product_and_lead_search(api: httpx.Client, sandbox: Sandbox) -> None:
    product = live(sandbox.store, "product")[0]
    found = data(
        api.get(
            "/api/v2/products/search", params={"term": product["code"], "include_fields": "product.price"}
        )
    )
    hit = next(i["item"] for i in found["items"] if i["item"]["id"] == product["id"])
    assert (
        hit["type"] == "product"
        and hit["code"] == product["code"]
        and hit["price"] == product["prices"][0][1]
    )
    lead = next(x for x in sandbox.store.tables["lead"].values() if x.get("organization_id"))
    found = data(
        api.get(
            "/api/v2/leads/search",
            params={
                "term": lead["title"],
                "organization_id": lead["organization_id"],
                "include_fields": "lead.was_seen",
            },
        )
    )
    assert lead["id"] in {i["item"]["id"] for i in found["items"]}
    assert all(i["item"]["organization"]["id"] == lead["organization_id"] for i in found["items"])
    assert all("was_seen" in i["item"] for i in found["items"])
    error(api.get("/api/v2/products/search", params={"term": "ab", "fields": "title"}), 400)
