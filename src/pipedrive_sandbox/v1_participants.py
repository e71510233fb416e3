"""Deal participants (API v1)."""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import Response

from pipedrive_sandbox.responses import ok
from pipedrive_sandbox.store import Store
from pipedrive_sandbox.v1_base import (
    Record,
    bad_request,
    contacts_v1,
    not_found,
    offset_list,
    offsets,
    org_ref,
    path_id,
    person_ref,
    user_ref,
)
from pipedrive_sandbox.v1_render import person_v1
from pipedrive_sandbox.v2_base import (
    endpoint,
    json_body,
    store_of,
    user_of,
    v1_time,
)

# ---------------------------------------------------------------------------------------------------------
# Deal participants


def deal_or_404(store: Store, request: Request) -> Record:
    record = store.get("deal", path_id(request))
    if record is None or record.get("is_deleted"):
        raise not_found("Deal not found")
    return record


def participant_v1(store: Store, record: Record, deal: Record) -> Record:
    person = store.get("person", record["person_id"]) or {"id": record["person_id"], "name": None}
    return {
        "id": record["id"],
        "person_id": {**(person_ref(store, record["person_id"]) or {}), "company_id": store.company_id},
        "add_time": v1_time(record.get("add_time")),
        "active_flag": bool(record.get("active_flag", True)),
        "related_item_data": {"deal_id": deal["id"], "title": deal["title"]},
        "person": person_v1(store, person, objects=True) if "add_time" in person else person,
        "added_by_user_id": user_ref(store, record.get("added_by_user_id")),
        "related_item_type": "deal",
        "related_item_id": deal["id"],
    }


def related_objects(store: Store, participants: list[Record]) -> Record:
    users: Record = {}
    persons: Record = {}
    orgs: Record = {}
    for participant in participants:
        person = store.get("person", participant["person_id"])
        user = user_ref(store, participant.get("added_by_user_id"))
        if user:
            users[str(user["id"])] = {k: v for k, v in user.items() if k != "value"}
        if person:
            persons[str(person["id"])] = {
                "active_flag": not person.get("is_deleted"),
                "id": person["id"],
                "name": person["name"],
                "email": contacts_v1(person.get("emails", ())),
                "phone": contacts_v1(person.get("phones", ())),
                "owner_id": person.get("owner_id"),
            }
            org = org_ref(store, person.get("org_id"))
            if org:
                orgs[str(org["value"])] = {
                    "id": org["value"],
                    **{k: v for k, v in org.items() if k != "value"},
                }
    return {"user": users, "person": persons, "organization": orgs}


@endpoint
async def list_participants(request: Request) -> Response:
    store = store_of(request)
    deal = deal_or_404(store, request)
    items = [p for p in store.scan("participant") if p["deal_id"] == deal["id"]]
    start, limit = offsets(request)
    page = items[start : start + limit]
    return offset_list(
        items,
        request,
        lambda p: participant_v1(store, p, deal),
        flat=True,
        related_objects=related_objects(store, page),
    )


@endpoint
async def add_participant(request: Request) -> Response:
    store = store_of(request)
    deal = deal_or_404(store, request)
    body = await json_body(request)
    person_id = body.get("person_id")
    if isinstance(person_id, str) and person_id.isdigit():
        person_id = int(person_id)
    if isinstance(person_id, bool) or not isinstance(person_id, int):
        raise bad_request("person_id is required")
    person = store.get("person", person_id)
    if person is None or person.get("is_deleted"):
        raise bad_request(f"Person {person_id} not found")
    if any(
        p["deal_id"] == deal["id"] and p["person_id"] == person_id
        for p in store.tables["participant"].values()
    ):
        raise bad_request("The person is already a participant in this deal")
    record = store.create(
        "participant",
        {
            "deal_id": deal["id"],
            "person_id": person_id,
            "added_by_user_id": user_of(request),
            "active_flag": True,
        },
        user_of(request),
    )
    store.update("deal", deal, {}, user_of(request))
    return ok(participant_v1(store, record, deal), related_objects=related_objects(store, [record]))


@endpoint
async def delete_participant(request: Request) -> Response:
    store = store_of(request)
    deal = deal_or_404(store, request)
    record = store.get("participant", path_id(request, "deal_participant_id"))
    if record is None or record["deal_id"] != deal["id"]:
        raise not_found("Participant not found")
    store.delete("participant", record, user_of(request))
    store.update("deal", deal, {}, user_of(request))
    return ok({"id": record["id"]})
