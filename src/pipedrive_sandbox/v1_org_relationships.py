"""Organization relationships (API v1): ``GET /v1/organizationRelationships?org_id=`` (``org_id`` required:
the relationships of one organization, from its side), ``GET/PUT/DELETE /v1/organizationRelationships/{id}``
and ``POST`` (``type`` parent|related, ``rel_owner_org_id``, ``rel_linked_org_id``). A ``parent``
relationship reads as ``parent`` from the linked organization and ``daughter`` from the owner."""

from __future__ import annotations

from typing import Any

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import BaseRoute, Route

from pipedrive_sandbox.responses import ok
from pipedrive_sandbox.store import Store
from pipedrive_sandbox.v1_base import bad_request, org_ref, path_id, v1_int
from pipedrive_sandbox.v2_base import ApiError, endpoint, json_body, store_of, user_of, v1_time

Record = dict[str, Any]
TYPES = ("parent", "related")


def _ref(store: Store, org_id: int) -> Record:
    ref = org_ref(store, org_id) or {"name": "", "people_count": 0, "owner_id": None, "value": org_id}
    return {k: v for k, v in ref.items() if k != "active_flag"}


def relationship_v1(store: Store, record: Record, seen_from: int | None = None) -> Record:
    out: Record = {
        "id": record["id"],
        "type": record["type"],
        "rel_owner_org_id": _ref(store, record["rel_owner_org_id"]),
        "rel_linked_org_id": _ref(store, record["rel_linked_org_id"]),
        "add_time": v1_time(record["add_time"]),
        "update_time": v1_time(record["update_time"]),
        "active_flag": "true" if record.get("active_flag", True) else "false",
    }
    if seen_from is not None:
        owner = record["rel_owner_org_id"] == seen_from
        other = record["rel_linked_org_id"] if owner else record["rel_owner_org_id"]
        calculated = "related" if record["type"] == "related" else ("daughter" if owner else "parent")
        out.update(
            calculated_type=calculated,
            calculated_related_org_id=other,
            related_organization_name=_ref(store, other)["name"],
        )
    return out


def _related_objects(store: Store, records: list[Record]) -> Record:
    orgs: Record = {}
    for record in records:
        for key in ("rel_owner_org_id", "rel_linked_org_id"):
            ref = _ref(store, record[key])
            orgs[str(record[key])] = {"id": record[key], **{k: v for k, v in ref.items() if k != "value"}}
    return {"organization": orgs}


def _live_org(store: Store, org_id: Any, name: str) -> int:
    if isinstance(org_id, str) and org_id.isdigit():
        org_id = int(org_id)
    if isinstance(org_id, bool) or not isinstance(org_id, int):
        raise bad_request(f"{name} is required")
    org = store.get("organization", org_id)
    if org is None or org.get("is_deleted"):
        raise bad_request(f"Organization {org_id} not found")
    return org_id


def _rel_or_404(store: Store, request: Request) -> Record:
    record = store.get("org_relationship", path_id(request))
    if record is None or not record.get("active_flag", True):
        raise ApiError(404, "Organization relationship not found")
    return record


@endpoint
async def list_relationships(request: Request) -> Response:
    store = store_of(request)
    org_id = v1_int(request, "org_id")
    if org_id is None:
        raise bad_request("org_id is required")
    rows = [
        r
        for r in store.scan("org_relationship")
        if r.get("active_flag", True) and org_id in (r["rel_owner_org_id"], r["rel_linked_org_id"])
    ]
    return ok(
        [relationship_v1(store, r, org_id) for r in rows],
        {"start": 0, "limit": len(rows), "more_items_in_collection": False},
        related_objects=_related_objects(store, rows),
    )


@endpoint
async def get_relationship(request: Request) -> Response:
    store = store_of(request)
    record = _rel_or_404(store, request)
    seen = v1_int(request, "org_id")
    return ok(relationship_v1(store, record, seen), related_objects=_related_objects(store, [record]))


def _parse(store: Store, body: Record, creating: bool) -> Record:
    out: Record = {}
    if "type" in body or creating:
        if body.get("type") not in TYPES:
            raise bad_request("type must be parent or related")
        out["type"] = body["type"]
    for key in ("rel_owner_org_id", "rel_linked_org_id"):
        if key in body or creating:
            out[key] = _live_org(store, body.get(key), key)
    return out


@endpoint
async def add_relationship(request: Request) -> Response:
    store = store_of(request)
    values = _parse(store, await json_body(request), True)
    if values["rel_owner_org_id"] == values["rel_linked_org_id"]:
        raise bad_request("An organization cannot be related to itself")
    values["active_flag"] = True
    record = store.create("org_relationship", values, user_of(request))
    return ok(relationship_v1(store, record), related_objects=_related_objects(store, [record]))


@endpoint
async def update_relationship(request: Request) -> Response:
    store = store_of(request)
    record = _rel_or_404(store, request)
    values = _parse(store, await json_body(request), False)
    merged = {**record, **values}
    if merged["rel_owner_org_id"] == merged["rel_linked_org_id"]:
        raise bad_request("An organization cannot be related to itself")
    store.update("org_relationship", record, values, user_of(request))
    return ok(relationship_v1(store, record), related_objects=_related_objects(store, [record]))


@endpoint
async def delete_relationship(request: Request) -> Response:
    store = store_of(request)
    record = _rel_or_404(store, request)
    store.delete("org_relationship", record, user_of(request))
    return ok({"id": record["id"]})


def routes() -> list[BaseRoute]:
    out: list[BaseRoute] = []
    for prefix in ("/api/v1", "/v1"):
        base = f"{prefix}/organizationRelationships"
        out += [
            Route(base, list_relationships, methods=["GET"]),
            Route(base, add_relationship, methods=["POST"]),
            Route(f"{base}/{{id}}", get_relationship, methods=["GET"]),
            Route(f"{base}/{{id}}", update_relationship, methods=["PUT"]),
            Route(f"{base}/{{id}}", delete_relationship, methods=["DELETE"]),
        ]
    return out
