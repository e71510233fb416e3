"""Recents (API v1): what changed since a time."""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import Response

from pipedrive_sandbox.responses import ok
from pipedrive_sandbox.store import RECENT_ITEMS
from pipedrive_sandbox.v1_base import bad_request, base_url, offsets, pagination, parse_v1_time
from pipedrive_sandbox.v1_render import RECENT_RENDER, file_v1, note_v1, user_v1
from pipedrive_sandbox.v2_base import (
    endpoint,
    store_of,
    user_of,
    v1_time,
)

# ---------------------------------------------------------------------------------------------------------
# Recents


# /v1/recents item names to store kinds: the inverse of the store's RECENT_ITEMS.
RECENT_KINDS = {item: kind for kind, item in RECENT_ITEMS.items()}


@endpoint
async def recents(request: Request) -> Response:
    store = store_of(request)
    raw = request.query_params.get("since_timestamp")
    if not raw:
        raise bad_request("since_timestamp is required (YYYY-MM-DD HH:MM:SS)")
    since = parse_v1_time(raw, "since_timestamp")
    items = [part.strip() for part in (request.query_params.get("items") or "").split(",") if part.strip()]
    for item in items:
        if item not in RECENT_KINDS:
            raise bad_request(f"Invalid item type: {item}")
    kinds = {RECENT_KINDS[item] for item in items} if items else None
    changes = store.changes_since(since, kinds)
    start, limit = offsets(request)
    page = changes[start : start + limit]
    me = user_of(request)
    root = base_url(request)
    out = []
    for kind, record_id, _ts in page:
        record = store.tables[kind][record_id]
        if kind == "user":
            rendered = user_v1(store, record, me)
        elif kind == "file":
            rendered = file_v1(store, record, root)
        elif kind == "note":
            rendered = note_v1(store, record, me)
        else:
            rendered = RECENT_RENDER[kind](store, record)
        name = RECENT_ITEMS[kind]
        out.append({"item": name, "id": record_id, "data": rendered})
    last = page[-1][2] if page else since
    return ok(
        out,
        {
            "since_timestamp": v1_time(since),
            "last_timestamp_on_page": v1_time(last),
            "pagination": pagination(start, limit, len(changes)),
        },
    )
