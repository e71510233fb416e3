"""Summaries and permissions around deals (API v1): ``GET /v1/deals/summary`` (totals by currency of the
deals matching ``status``, ``user_id``, ``pipeline_id``, ``stage_id``), ``GET /v1/deals/timeline`` (open
and won deals by period of a date field) and ``GET /v1/{deals,persons,
organizations,products}/{id}/permittedUsers`` and ``/v1/leads/{id}/permittedUsers`` (the ids of the users
who may see the record: its owner, its followers and the admins, or everyone when it is visible to the
entire company)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import Any

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import BaseRoute, Route

from pipedrive_sandbox.data_vocab import EUR_RATE
from pipedrive_sandbox.responses import ok
from pipedrive_sandbox.store import Store
from pipedrive_sandbox.v1_base import bad_request, v1_int
from pipedrive_sandbox.v1_render import deal_v1, formatted
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


INTERVALS = ("day", "week", "month", "quarter")
TIMELINE_FIELDS = (
    "add_time",
    "update_time",
    "close_time",
    "won_time",
    "expected_close_date",
    "stage_change_time",
)


def _period_end(start: dt.date, interval: str) -> dt.date:
    """The first day after the period that starts on ``start``."""
    if interval == "day":
        return start + dt.timedelta(days=1)
    if interval == "week":
        return start + dt.timedelta(days=7)
    months = 1 if interval == "month" else 3
    month = start.month - 1 + months
    return start.replace(year=start.year + month // 12, month=month % 12 + 1)


def _deal_day(deal: Record, field_key: str) -> dt.date | None:
    value = deal.get(field_key)
    if value is None:
        return None
    try:
        if isinstance(value, str):
            return dt.date.fromisoformat(value[:10])
        if isinstance(value, int) and not isinstance(value, bool):
            return dt.datetime.fromtimestamp(value, dt.UTC).date()
    except ValueError:
        pass
    return None  # not a date field


@endpoint
async def deals_timeline(request: Request) -> Response:
    """Open and won deals in ``amount`` periods of ``interval`` from ``start_date``, by the date in
    ``field_key``: one object per period (the document draws one; the live API answers a list)."""
    store = store_of(request)
    params = request.query_params
    for name in ("start_date", "interval", "amount", "field_key"):
        if not params.get(name):
            raise bad_request(f"{name} is required")
    try:
        start = dt.date.fromisoformat(params["start_date"])
    except ValueError as exc:
        raise bad_request("start_date must be a date (YYYY-MM-DD)") from exc
    interval = params["interval"]
    if interval not in INTERVALS:
        raise bad_request(f"interval must be one of {', '.join(INTERVALS)}")
    amount = v1_int(request, "amount")
    if amount is None or not 1 <= amount <= 100:
        raise bad_request("amount must be between 1 and 100")
    field_key = params[
        "field_key"
    ]  # a date field's key (custom date fields by their hash); others match nothing
    user_id = v1_int(request, "user_id")
    pipeline_id = v1_int(request, "pipeline_id")
    exclude = params.get("exclude_deals") == "1"
    deals = [
        d
        for d in store.scan("deal")
        if not d.get("is_deleted")
        and d.get("status") in ("open", "won")
        and (user_id is None or d.get("owner_id") == user_id)
        and (pipeline_id is None or d.get("pipeline_id") == pipeline_id)
    ]
    periods = []
    begin = start
    for _ in range(amount):
        end = _period_end(begin, interval)
        inside = [d for d in deals if (day := _deal_day(d, field_key)) is not None and begin <= day < end]
        periods.append(
            {
                "period_start": f"{begin.isoformat()} 00:00:00",
                "period_end": f"{(end - dt.timedelta(days=1)).isoformat()} 23:59:59",
                "deals": [] if exclude else [deal_v1(store, d) for d in inside],
                "totals": _timeline_totals(inside),
            }
        )
        begin = end
    return ok(periods)


def _timeline_totals(deals: list[Record]) -> Record:
    def by_currency(rows: list[Record], weighted: bool = False) -> Record:
        out: dict[str, float] = {}
        for d in rows:
            share = (d.get("probability") or 100) / 100 if weighted else 1
            currency = d.get("currency") or "EUR"
            out[currency] = round(out.get(currency, 0.0) + float(d.get("value") or 0) * share, 2)
        return out

    opened = [d for d in deals if d.get("status") == "open"]
    won = [d for d in deals if d.get("status") == "won"]
    return {
        "count": len(deals),
        "values": by_currency(deals),
        "weighted_values": by_currency(deals, True),
        "open_count": len(opened),
        "open_values": by_currency(opened),
        "weighted_open_values": by_currency(opened, True),
        "won_count": len(won),
        "won_values": by_currency(won),
    }


def routes() -> list[BaseRoute]:
    out: list[BaseRoute] = []
    for prefix in ("/api/v1", "/v1"):
        out.append(Route(f"{prefix}/deals/summary", deals_summary, methods=["GET"]))
        out.append(Route(f"{prefix}/deals/timeline", deals_timeline, methods=["GET"]))
        out += [
            Route(f"{prefix}/{segment}/{{id}}/permittedUsers", make_permitted(segment), methods=["GET"])
            for segment in ITEMS
        ]
    return out
