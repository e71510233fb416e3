"""Lists stay true under writes: the sandbox keeps each record's rendered answer for its lists, and every
write (update, delete, create, merge, custom-field value, field definition) must show in the next list.

The independent answer is ``GET /{id}``, which renders the record afresh: after each write, every record a
list answers must equal it, and the records the write touched must show the write."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import httpx
import pytest
from helpers import data, writable_sandbox

from pipedrive_sandbox.server import Sandbox

ALL = "open,won,lost,deleted"


@pytest.fixture(scope="module")
def own() -> Iterator[Sandbox]:
    with writable_sandbox(seed=11) as running:
        yield running


@pytest.fixture(scope="module")
def client(wapi: httpx.Client) -> httpx.Client:
    return wapi  # conftest's client on this module's own sandbox


def listed(client: httpx.Client, path: str, **params: Any) -> dict[Any, dict[str, Any]]:
    """Every record of a v2 list by id, following next_cursor."""
    out: dict[Any, dict[str, Any]] = {}
    cursor = None
    while True:
        body = client.get(
            path, params={"limit": 500, **params, **({"cursor": cursor} if cursor else {})}
        ).json()
        out.update((item["id"], item) for item in body["data"])
        cursor = body["additional_data"]["next_cursor"]
        if cursor is None:
            return out


def assert_lists_match_gets(client: httpx.Client, path: str, **params: Any) -> dict[Any, dict[str, Any]]:
    """The list read twice (the second time from what the first kept) equals each record's GET."""
    first = listed(client, path, **params)
    again = listed(client, path, **params)
    assert first == again
    for record_id, item in first.items():
        assert item == data(client.get(f"{path}/{record_id}")), f"{path} {record_id}"
    return first


def test_updates_deletes_and_creates_show_in_the_next_list(client: httpx.Client, own: Sandbox) -> None:
    deals = assert_lists_match_gets(client, "/api/v2/deals", status=ALL)
    live = sorted(i for i, d in deals.items() if not d["is_deleted"])
    money = next(d for d in own.store.custom_fields("deal") if d["field_type"] == "monetary")

    data(
        client.patch(
            f"/api/v2/deals/{live[0]}",
            json={"title": "Changed", "custom_fields": {money["code"]: {"value": 7, "currency": "EUR"}}},
        )
    )
    deals = assert_lists_match_gets(client, "/api/v2/deals", status=ALL)
    assert deals[live[0]]["title"] == "Changed"
    assert deals[live[0]]["custom_fields"][money["code"]] == {"value": 7.0, "currency": "EUR"}

    data(client.delete(f"/api/v2/deals/{live[1]}"))
    assert live[1] not in listed(client, "/api/v2/deals")
    assert assert_lists_match_gets(client, "/api/v2/deals", status=ALL)[live[1]]["is_deleted"] is True

    created = data(client.post("/api/v2/deals", json={"title": "Fresh"}))
    assert listed(client, "/api/v2/deals")[created["id"]]["title"] == "Fresh"
    newest = data(client.get("/api/v2/deals", params={"sort_by": "update_time", "sort_direction": "desc"}))
    assert newest[0]["id"] == created["id"]


def test_merges_show_in_both_records_and_in_what_moved(client: httpx.Client, own: Sandbox) -> None:
    deals = listed(client, "/api/v2/deals")
    persons = assert_lists_match_gets(client, "/api/v2/persons")
    source = next(d["person_id"] for d in deals.values() if d["person_id"])
    target = next(i for i in sorted(persons) if i != source)
    moved = [i for i, d in deals.items() if d["person_id"] == source]
    data(client.put(f"/v1/persons/{source}/merge", json={"merge_with_id": target}))

    assert source not in listed(client, "/api/v2/persons")
    persons = assert_lists_match_gets(client, "/api/v2/persons")
    assert target in persons
    deals = assert_lists_match_gets(client, "/api/v2/deals")
    assert moved and all(deals[i]["person_id"] == target for i in moved)

    live = sorted(deals)
    data(client.put(f"/v1/deals/{live[2]}/merge", json={"merge_with_id": live[3]}))
    deals = assert_lists_match_gets(client, "/api/v2/deals", status=ALL)
    assert deals[live[2]]["is_deleted"] is True and deals[live[3]]["is_deleted"] is False


def test_field_definitions_show_in_every_listed_record(client: httpx.Client) -> None:
    assert_lists_match_gets(client, "/api/v2/organizations")
    created = data(
        client.post("/api/v2/organizationFields", json={"field_name": "Tier", "field_type": "varchar"})
    )
    code = created["field_code"]
    orgs = assert_lists_match_gets(client, "/api/v2/organizations")
    assert all(org["custom_fields"][code] is None for org in orgs.values())

    some = sorted(orgs)[0]
    data(client.patch(f"/api/v2/organizations/{some}", json={"custom_fields": {code: "gold"}}))
    assert listed(client, "/api/v2/organizations")[some]["custom_fields"][code] == "gold"

    data(client.delete(f"/api/v2/organizationFields/{code}"))
    orgs = assert_lists_match_gets(client, "/api/v2/organizations")
    assert all(code not in org["custom_fields"] for org in orgs.values())


def test_product_categories_renamed_show_in_the_list(client: httpx.Client, own: Sandbox) -> None:
    products = assert_lists_match_gets(client, "/api/v2/products")
    category = own.store.field_by_code("product", "category")
    option = category["options"][0]
    named = [i for i, p in products.items() if p["category"] == option["label"]]
    renamed = [{"id": o["id"], "label": o["label"] + " (renamed)"} for o in category["options"]]
    response = client.put(f"/v1/productFields/{category['id']}", json={"options": renamed})
    assert response.status_code == 200, response.text
    products = assert_lists_match_gets(client, "/api/v2/products")
    assert named and all(products[i]["category"] == option["label"] + " (renamed)" for i in named)


def v1_leads(client: httpx.Client) -> dict[str, dict[str, Any]]:
    out: dict[str, dict[str, Any]] = {}
    start = 0
    while True:
        body = client.get("/v1/leads", params={"start": start, "limit": 500}).json()
        out.update((item["id"], item) for item in body["data"])
        pagination = body["additional_data"]["pagination"]
        if not pagination["more_items_in_collection"]:
            return out
        start = pagination["next_start"]


def test_leads_follow_their_own_writes_and_what_they_show_of_others(client: httpx.Client) -> None:
    leads = v1_leads(client)
    lead_id = sorted(leads)[0]
    data(client.patch(f"/v1/leads/{lead_id}", json={"title": "Lead renamed"}))
    assert v1_leads(client)[lead_id]["title"] == "Lead renamed"

    # A lead shows its next activity: an activity added to it changes the lead without writing it.
    activity = data(
        client.post(
            "/api/v2/activities",
            json={"subject": "Call", "type": "call", "lead_id": lead_id, "due_date": "2000-01-01"},
        )
    )
    leads = v1_leads(client)
    assert leads[lead_id]["next_activity_id"] == activity["id"]
    assert leads[lead_id] == data(client.get(f"/v1/leads/{lead_id}"))

    data(client.delete(f"/v1/leads/{lead_id}"))
    assert lead_id not in v1_leads(client)
