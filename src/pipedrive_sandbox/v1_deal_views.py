"""Summaries and permissions around deals (API v1): ``GET /v1/deals/summary`` (totals by currency of the
deals matching ``status``, ``user_id``, ``pipeline_id``, ``stage_id``) and ``GET /v1/{deals,persons,
organizations,products}/{id}/permittedUsers`` and ``/v1/leads/{id}/permittedUsers`` (the ids of the users
who may see the record: its owner, its followers and the admins, or everyone when it is visible to the
entire company)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import BaseRoute, Route

from pipedrive_sandbox.data import EUR_RATE
from pipedrive_sandbox.responses import ok
from pipedrive_sandbox.store import Store
from pipedrive_sandbox.v1_base import bad_request, v1_int
from pipedrive_sandbox.v1_render import formatted
from pipedrive_sandbox.v2_base import ApiError, endpoint, store_of

Record = dict[str, Any]
ITEMS = {
    "deals": ("deal", "Deal"),
    "persons": ("person", "Person"),
    "organizations": ("organization", "Organization"),
    "products": ("product", "Product"),
    "leads": ("lead", "Lead"),
}


def permitted(store: Store, kind: str, record: Record) -> list[int]:
    users = {uid: u for uid, u in store.users.items() if u.get("active_flag", True)}
    if record.get("visible_to", 3) in (3, "3", 7, "7"):
        return sorted(users)
    allowed = {uid for uid, u in users.items() if u.get("is_admin")}
    if record.get("owner_id") in users:
        allowed.add(record["owner_id"])
    for follower in store.scan("follower"):
        if (
            follower["item_type"] == kind
            and follower["item_id"] == record["id"]
            and not follower.get("removed")
        ):
            allowed.add(follower["user_id"])
    return sorted(allowed)


def make_permitted(segment: str) -> Callable[[Request], Any]:
    kind, label = ITEMS[segment]

    @endpoint
    async def handler(request: Request) -> Response:
        store = store_of(request)
        raw = request.path_params["id"]
        key: Any = raw if kind == "lead" else (int(raw) if raw.isdigit() else None)
        record = store.get(kind, key) if key is not None else None
        if record is None or record.get("is_deleted"):
            raise ApiError(404, f"{label} not found")
        return ok(permitted(store, kind, record))

    return handler


@endpoint
async def deals_summary(request: Request) -> Response:
    store = store_of(request)
    status = request.query_params.get("status")
    if status not in (None, "", "open", "won", "lost"):
        raise bad_request("status must be open, won or lost")
    user_id = v1_int(request, "user_id")
    pipeline_id = v1_int(request, "pipeline_id")
    stage_id = v1_int(request, "stage_id")
    probabilities = {s["id"]: s.get("deal_probability") or 100 for s in store.scan("stage")}
    totals: dict[str, Record] = {}
    weighted: dict[str, Record] = {}
    for deal in store.scan("deal"):
        if deal.get("is_deleted") or deal.get("is_archived"):
            continue
        if status and deal.get("status") != status:
            continue
        if user_id is not None and deal.get("owner_id") != user_id:
            continue
        if pipeline_id is not None and deal.get("pipeline_id") != pipeline_id:
            continue
        if stage_id is not None and deal.get("stage_id") != stage_id:
            continue
        currency = deal.get("currency") or store.default_currency
        value = float(deal.get("value") or 0)
        share = (deal.get("probability") or probabilities.get(deal.get("stage_id"), 100)) / 100
        entry = totals.setdefault(currency, {"value": 0.0, "count": 0, "value_converted": 0.0})
        entry["value"] += value
        entry["count"] += 1
        entry["value_converted"] += value * EUR_RATE.get(currency, 1.0)
        heavy = weighted.setdefault(currency, {"value": 0.0, "count": 0})
        heavy["value"] += value * share
        heavy["count"] += 1
    base = store.default_currency
    for currency, entry in totals.items():
        entry["value"] = round(entry["value"], 2)
        entry["value_converted"] = round(entry["value_converted"], 2)
        entry["value_formatted"] = formatted(store, entry["value"], currency)
        entry["value_converted_formatted"] = formatted(store, entry["value_converted"], base)
    for currency, heavy in weighted.items():
        heavy["value"] = round(heavy["value"], 2)
        heavy["value_formatted"] = formatted(store, heavy["value"], currency)
    converted = round(sum(e["value_converted"] for e in totals.values()), 2)
    converted_weighted = round(
        sum(w["value"] * EUR_RATE.get(c, 1.0) for c, w in weighted.items()),
        2,
    )
    return ok(
        {
            "values_total": totals,
            "weighted_values_total": weighted,
            "total_count": sum(e["count"] for e in totals.values()),
            "total_currency_converted_value": converted,
            "total_weighted_currency_converted_value": converted_weighted,
            "total_currency_converted_value_formatted": formatted(store, converted, base),
            "total_weighted_currency_converted_value_formatted": formatted(store, converted_weighted, base),
        }
    )


def routes() -> list[BaseRoute]:
    out: list[BaseRoute] = []
    for prefix in ("/api/v1", "/v1"):
        out.append(Route(f"{prefix}/deals/summary", deals_summary, methods=["GET"]))
        out += [
            Route(f"{prefix}/{segment}/{{id}}/permittedUsers", make_permitted(segment), methods=["GET"])
            for segment in ITEMS
        ]
    return out
