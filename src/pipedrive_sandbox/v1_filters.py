"""Filters (API v1)."""

from __future__ import annotations

from typing import Any

from starlette.requests import Request
from starlette.responses import Response

from pipedrive_sandbox.responses import ok
from pipedrive_sandbox.store import Store
from pipedrive_sandbox.store_filters import FILTER_TYPES, validate_filter_conditions
from pipedrive_sandbox.v1_base import Record, bad_request, v1_flag
from pipedrive_sandbox.v1_notes import active_or_404
from pipedrive_sandbox.v1_render import filter_v1
from pipedrive_sandbox.v2_base import (
    endpoint,
    json_body,
    store_of,
    user_of,
)

# ---------------------------------------------------------------------------------------------------------
# Filters


FILTER_TYPE_NAMES = (*FILTER_TYPES, "projects")


@endpoint
async def list_filters(request: Request) -> Response:
    store = store_of(request)
    ftype = request.query_params.get("type")
    if ftype and ftype not in FILTER_TYPE_NAMES:
        raise bad_request(f"Invalid filter type: {ftype}")
    items = [
        filter_v1(store, r)
        for r in store.scan("filter")
        if r.get("active_flag", True) and (not ftype or r["type"] == ftype)
    ]
    return ok(items)


@endpoint
async def get_filter(request: Request) -> Response:
    store = store_of(request)
    codes = v1_flag(request, "include_field_code") or False
    return ok(filter_v1(store, active_or_404(store, request, "filter"), conditions=True, field_codes=codes))


def check_conditions(store: Store, conditions: Any, ftype: str) -> Record:
    if isinstance(conditions, str):  # form bodies carry the conditions as a JSON string
        import orjson

        try:
            conditions = orjson.loads(conditions)
        except orjson.JSONDecodeError as exc:
            raise bad_request("conditions must be a JSON object") from exc
    if ftype not in FILTER_TYPES:
        raise bad_request(f"Filters of type {ftype} are not supported")
    problem = validate_filter_conditions(store, conditions, ftype)
    if problem:
        raise bad_request(f"Invalid filter conditions: {problem}")
    return {
        "glue": "and",
        "conditions": [
            {"glue": group.get("glue", "and"), "conditions": list(group.get("conditions") or [])}
            for group in conditions["conditions"]
        ],
    }


@endpoint
async def add_filter(request: Request) -> Response:
    store = store_of(request)
    body = await json_body(request)
    name = body.get("name")
    if not isinstance(name, str) or not name.strip():
        raise bad_request("Filter name is required")
    ftype = body.get("type")
    if ftype not in FILTER_TYPE_NAMES:
        raise bad_request(f"Invalid filter type: {ftype}")
    if "conditions" not in body:
        raise bad_request("Filter conditions are required")
    conditions = check_conditions(store, body["conditions"], ftype)
    record = store.create(
        "filter",
        {
            "name": name,
            "type": ftype,
            "conditions": conditions,
            "user_id": user_of(request),
            "is_editable": True,
            "visible_to": "7",
        },
        user_of(request),
    )
    codes = v1_flag(request, "include_field_code") or False
    return ok(filter_v1(store, record, conditions=True, field_codes=codes))


@endpoint
async def update_filter(request: Request) -> Response:
    store = store_of(request)
    record = active_or_404(store, request, "filter")
    body = await json_body(request)
    changes: Record = {}
    if "name" in body:
        if not isinstance(body["name"], str) or not body["name"].strip():
            raise bad_request("Filter name cannot be empty")
        changes["name"] = body["name"]
    if "conditions" not in body:
        raise bad_request("Filter conditions are required")
    changes["conditions"] = check_conditions(store, body["conditions"], record["type"])
    store.update("filter", record, changes, user_of(request))
    codes = v1_flag(request, "include_field_code") or False
    return ok(filter_v1(store, record, conditions=True, field_codes=codes))


@endpoint
async def delete_filter(request: Request) -> Response:
    store = store_of(request)
    record = active_or_404(store, request, "filter")
    store.delete("filter", record, user_of(request))
    return ok({"id": record["id"]})
