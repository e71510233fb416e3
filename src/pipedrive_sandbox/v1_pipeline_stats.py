"""Pipeline statistics (API v1), computed from the deals and their change logs (``Store.changelog``):

- ``GET /v1/pipelines/{id}/conversion_statistics?start_date&end_date``: of the pipeline's deals added in
  the period, the share (percent) that went on from each stage to the next, won and lost;
- ``GET /v1/pipelines/{id}/movement_statistics?start_date&end_date``: stage moves made in the period, deals
  added, left open, won and lost in it (counts, ids, values by currency), and the deals' average age and
  days per stage.

``user_id`` narrows both to one owner's deals.
"""

from __future__ import annotations

import datetime as dt
import itertools
from typing import Any

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import BaseRoute, Route

from pipedrive_sandbox.responses import ok
from pipedrive_sandbox.store import Store
from pipedrive_sandbox.v1_base import bad_request, path_id, v1_int
from pipedrive_sandbox.v1_render import formatted
from pipedrive_sandbox.v2_base import ApiError, endpoint, store_of

Record = dict[str, Any]
DAY = 86_400


def _period(request: Request) -> tuple[int, int]:
    bounds = []
    for name in ("start_date", "end_date"):
        raw = request.query_params.get(name)
        if not raw:
            raise bad_request(f"{name} is required (YYYY-MM-DD)")
        try:
            day = dt.date.fromisoformat(raw)
        except ValueError as exc:
            raise bad_request(f"{name} must be a date (YYYY-MM-DD)") from exc
        bounds.append(int(dt.datetime(day.year, day.month, day.day, tzinfo=dt.UTC).timestamp()))
    start, end = bounds[0], bounds[1] + DAY  # end_date is included
    if end <= start:
        raise bad_request("end_date must not be before start_date")
    return start, end


def _pipeline_deals(store: Store, request: Request) -> tuple[Record, list[Record], list[int]]:
    pipeline = store.get("pipeline", path_id(request))
    if pipeline is None or pipeline.get("is_deleted"):
        raise ApiError(404, "Pipeline not found")
    user_id = v1_int(request, "user_id")
    deals = [
        d
        for d in store.scan("deal")
        if d.get("pipeline_id") == pipeline["id"]
        and not d.get("is_deleted")
        and (user_id is None or d.get("owner_id") == user_id)
    ]
    stages = [
        s["id"]
        for s in sorted(store.scan("stage"), key=lambda s: s["order_nr"])
        if s["pipeline_id"] == pipeline["id"] and not s.get("is_deleted")
    ]
    return pipeline, deals, stages


def _reached(store: Store, deal: Record) -> set[int]:
    return {
        int(e["new_value"])
        for e in store.changelog("deal", deal["id"])
        if e["field_key"] == "stage_id" and e["new_value"] is not None
    }


def _percent(part: int, whole: int) -> int:
    return round(100 * part / whole) if whole else 0


@endpoint
async def conversion_statistics(request: Request) -> Response:
    store = store_of(request)
    start, end = _period(request)
    _, deals, stages = _pipeline_deals(store, request)
    cohort = [d for d in deals if start <= d["add_time"] < end]
    reached = [_reached(store, d) for d in cohort]
    conversions = []
    for before, after in itertools.pairwise(stages):
        entered = sum(1 for r in reached if before in r)
        went_on = sum(1 for r in reached if before in r and after in r)
        conversions.append(
            {"from_stage_id": before, "to_stage_id": after, "conversion_rate": _percent(went_on, entered)}
        )
    return ok(
        {
            "stage_conversions": conversions,
            "won_conversion": _percent(sum(1 for d in cohort if d.get("status") == "won"), len(cohort)),
            "lost_conversion": _percent(sum(1 for d in cohort if d.get("status") == "lost"), len(cohort)),
        }
    )


def _group(store: Store, deals: list[Record]) -> Record:
    values: dict[str, int] = {}
    for deal in deals:
        currency = deal.get("currency") or store.default_currency
        values[currency] = values.get(currency, 0) + int(deal.get("value") or 0)
    return {
        "count": len(deals),
        "deals_ids": [d["id"] for d in deals],
        "values": values,
        "formatted_values": {c: formatted(store, v, c) for c, v in values.items()},
    }


@endpoint
async def movement_statistics(request: Request) -> Response:
    store = store_of(request)
    start, end = _period(request)
    _, deals, stages = _pipeline_deals(store, request)
    moves = 0
    days: dict[int, list[float]] = {s: [] for s in stages}
    for deal in deals:
        log = sorted(
            (e for e in store.changelog("deal", deal["id"]) if e["field_key"] == "stage_id"),
            key=lambda e: e["time"],
        )
        moves += sum(1 for e in log if e["old_value"] is not None and start <= e["time"] < end)
        for entered, left in itertools.pairwise(log):
            if start <= left["time"] < end and entered["new_value"] in days:
                days[entered["new_value"]].append((left["time"] - entered["time"]) / DAY)
    added = [d for d in deals if start <= d["add_time"] < end]
    now = min(end, store.now_ts())
    ages = [((d.get("close_time") or now) - d["add_time"]) / DAY for d in added]
    return ok(
        {
            "movements_between_stages": {"count": moves},
            "new_deals": _group(store, added),
            "deals_left_open": _group(store, [d for d in added if d.get("status") == "open"]),
            "won_deals": _group(store, [d for d in deals if start <= (d.get("won_time") or 0) < end]),
            "lost_deals": _group(store, [d for d in deals if start <= (d.get("lost_time") or 0) < end]),
            "average_age_in_days": {
                "across_all_stages": round(sum(ages) / len(ages)) if ages else 0,
                "by_stages": [
                    {"stage_id": s, "value": round(sum(v) / len(v)) if v else 0} for s, v in days.items()
                ],
            },
        }
    )


def routes() -> list[BaseRoute]:
    out: list[BaseRoute] = []
    for prefix in ("/api/v1", "/v1"):
        out += [
            Route(f"{prefix}/pipelines/{{id}}/conversion_statistics", conversion_statistics, methods=["GET"]),
            Route(f"{prefix}/pipelines/{{id}}/movement_statistics", movement_statistics, methods=["GET"]),
        ]
    return out
