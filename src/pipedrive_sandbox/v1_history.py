"""What happened to a deal, person or organization (API v1): change logs, update flows, and the legacy
list of a deal's products.

- ``GET /v1/{deals,persons,organizations}/{id}/changelog``: field-level changes, newest first, cursor
  paged (``additional_data.next_cursor``); values as text, as Pipedrive gives them. Generated deals arrive
  with the stages they went through (``Store.changelog``); every write through the sandbox adds entries.
- ``GET /v1/{deals,persons,organizations}/{id}/flow``: the same changes as ``dealChange``/``personChange``/
  ``organizationChange`` updates, with the record's notes, activities and files, newest first, offset
  paged; ``items`` picks object types, ``all_changes=1`` is accepted.
- ``GET /v1/deals/{id}/products``: the deal's products in the deprecated v1 shape (``enabled_flag``,
  ``last_edit``, formatted sums), which the Singer and Airbyte taps still read.
"""

from __future__ import annotations

import base64
from collections.abc import Callable
from typing import Any

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import BaseRoute, Route

from pipedrive_sandbox.responses import ok
from pipedrive_sandbox.store import Store
from pipedrive_sandbox.v1_base import bad_request, offsets, path_id, user_ref
from pipedrive_sandbox.v1_render import activity_v1, formatted, note_v1
from pipedrive_sandbox.v2_base import ApiError, endpoint, store_of, v1_time
from pipedrive_sandbox.v2_render import deal_product_sum

Record = dict[str, Any]
KINDS = {
    "deals": ("deal", "Deal"),
    "persons": ("person", "Person"),
    "organizations": ("organization", "Organization"),
}
LINK_KEY = {"deal": "deal_id", "person": "person_id", "organization": "org_id"}


def _record(store: Store, request: Request, segment: str) -> Record:
    kind, label = KINDS[segment]
    record = store.get(kind, path_id(request))
    if record is None or record.get("is_deleted"):
        raise ApiError(404, f"{label} not found")
    return record


def _text(value: Any) -> str | None:
    if value is None:
        return None
    if isinstance(value, bool):
        return "1" if value else "0"
    if isinstance(value, (list, tuple)):
        return ",".join(str(v) for v in value)
    return str(value)


def changelog_entry_v1(entry: Record) -> Record:
    return {
        "field_key": entry["field_key"],
        "old_value": _text(entry["old_value"]),
        "new_value": _text(entry["new_value"]),
        "actor_user_id": entry["actor_user_id"],
        "time": v1_time(entry["time"]),
        "change_source": entry.get("change_source"),
        "change_source_user_agent": None,
        "is_bulk_update_flag": False,
    }


def make_changelog(segment: str) -> Callable[[Request], Any]:
    @endpoint
    async def handler(request: Request) -> Response:
        store = store_of(request)
        record = _record(store, request, segment)
        entries = list(reversed(store.changelog(KINDS[segment][0], record["id"])))
        limit = _limit(request)
        start = _cursor(request)
        page = entries[start : start + limit]
        more = start + limit < len(entries)
        cursor = base64.b64encode(f"changelog:{start + limit}".encode()).decode() if more else None
        return ok([changelog_entry_v1(e) for e in page], {"next_cursor": cursor})

    return handler


def _limit(request: Request) -> int:
    raw = request.query_params.get("limit")
    if raw in (None, ""):
        return 100
    if not raw.lstrip("-").isdigit() or int(raw) < 1:
        raise bad_request("limit must be a positive integer")
    return min(int(raw), 500)


def _cursor(request: Request) -> int:
    raw = request.query_params.get("cursor")
    if not raw:
        return 0
    try:
        text = base64.b64decode(raw.encode(), validate=True).decode()
        return int(text.removeprefix("changelog:"))
    except (ValueError, UnicodeDecodeError) as exc:
        raise bad_request("Invalid cursor") from exc


FLOW_OBJECTS = ("dealChange", "personChange", "organizationChange", "note", "activity", "file")


def _flow_items(store: Store, kind: str, record: Record) -> list[tuple[int, str, Record]]:
    change = f"{kind}Change"
    items: list[tuple[int, str, Record]] = []
    for n, entry in enumerate(store.changelog(kind, record["id"]), start=1):
        items.append(
            (
                entry["time"],
                change,
                {
                    "id": record["id"] * 1000 + n,
                    "item_id": record["id"],
                    "user_id": entry["actor_user_id"],
                    "field_key": entry["field_key"],
                    "old_value": _text(entry["old_value"]),
                    "new_value": _text(entry["new_value"]),
                    "is_bulk_update_flag": None,
                    "log_time": v1_time(entry["time"]),
                    "change_source": entry.get("change_source"),
                    "change_source_user_agent": None,
                    "additional_data": [],
                },
            )
        )
    key = LINK_KEY[kind]
    me = None
    for note in store.scan("note"):
        if note.get(key) == record["id"] and note.get("active_flag", True):
            items.append((note["add_time"], "note", note_v1(store, note, me)))
    for activity in store.scan("activity"):
        if activity.get(key) == record["id"] and not activity.get("is_deleted"):
            items.append((activity["add_time"], "activity", activity_v1(store, activity)))
    return items


def make_flow(segment: str) -> Callable[[Request], Any]:
    kind = KINDS[segment][0]

    @endpoint
    async def handler(request: Request) -> Response:
        store = store_of(request)
        record = _record(store, request, segment)
        wanted = [p.strip() for p in (request.query_params.get("items") or "").split(",") if p.strip()]
        for item in wanted:
            if item not in FLOW_OBJECTS:
                raise bad_request(f"Invalid item type: {item}")
        items = _flow_items(store, kind, record)
        if wanted:
            items = [i for i in items if i[1] in wanted]
        items.sort(key=lambda i: (-i[0], i[1]))
        start, limit = offsets(request)
        page = items[start : start + limit]
        more = start + limit < len(items)
        users: Record = {}
        for _, _, data in page:
            ref = user_ref(store, data.get("user_id") if isinstance(data.get("user_id"), int) else None)
            if ref:
                users[str(ref["id"])] = {k: v for k, v in ref.items() if k != "value"}
        return ok(
            [{"object": obj, "timestamp": v1_time(ts), "data": data} for ts, obj, data in page],
            {"start": start, "limit": limit, "more_items_in_collection": more},
            related_objects={"user": users},
        )

    return handler


def _legacy_deal_product(store: Store, record: Record) -> Record:
    product = store.get("product", record["product_id"]) or {}
    total = deal_product_sum(record)
    currency = record.get("currency")
    return {
        "id": record["id"],
        "deal_id": record["deal_id"],
        "order_nr": record.get("order_nr") or 0,
        "product_id": record["product_id"],
        "product_variation_id": record.get("product_variation_id"),
        "item_price": record["item_price"],
        "discount": record.get("discount", 0.0),
        "discount_type": record.get("discount_type", "percentage"),
        "sum": total,
        "currency": currency,
        "enabled_flag": bool(record.get("is_enabled", True)),
        "add_time": v1_time(record.get("add_time")),
        "last_edit": v1_time(record.get("update_time")),
        "comments": record.get("comments", ""),
        "active_flag": True,
        "tax": record.get("tax", 0.0),
        "tax_method": record.get("tax_method", "none"),
        "name": record.get("name") or product.get("name", ""),
        "sum_formatted": formatted(store, total, currency),
        "quantity_formatted": str(record["quantity"]),
        "quantity": int(record["quantity"]),
    }


@endpoint
async def legacy_deal_products(request: Request) -> Response:
    store = store_of(request)
    deal = _record(store, request, "deals")
    rows = [r for r in store.scan("deal_product") if r["deal_id"] == deal["id"]]
    start, limit = offsets(request)
    page = rows[start : start + limit]
    more = start + limit < len(rows)
    pagination: Record = {"start": start, "limit": limit, "more_items_in_collection": more}
    if more:
        pagination["next_start"] = start + limit
    quantity = int(sum(r["quantity"] for r in rows))
    total = sum(deal_product_sum(r) for r in rows)
    return ok(
        [_legacy_deal_product(store, r) for r in page],
        {
            "products_quantity_total": quantity,
            "products_sum_total": round(total),
            "products_quantity_total_formatted": str(quantity),
            "products_sum_total_formatted": formatted(store, total, deal.get("currency")),
            "pagination": pagination,
        },
    )


def routes() -> list[BaseRoute]:
    out: list[BaseRoute] = []
    for prefix in ("/api/v1", "/v1"):
        for segment in KINDS:
            out += [
                Route(f"{prefix}/{segment}/{{id}}/changelog", make_changelog(segment), methods=["GET"]),
                Route(f"{prefix}/{segment}/{{id}}/flow", make_flow(segment), methods=["GET"]),
            ]
        out.append(Route(f"{prefix}/deals/{{id}}/products", legacy_deal_products, methods=["GET"]))
    return out
