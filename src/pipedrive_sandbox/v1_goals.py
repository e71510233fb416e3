"""Goals (API v1): ``GET /v1/goals/find`` (filters ``type.name``, ``title``, ``is_active``, ``assignee.id``,
``assignee.type``, ``type.params.pipeline_id``, ``period.start``/``period.end``; answers ``{goals: [...]}``),
``GET /v1/goals/{id}/results`` (progress within ``period.start``..``period.end``, computed from the deals and
activities of the goal's assignee and pipeline), ``POST /v1/goals``, ``PUT /v1/goals/{id}``,
``DELETE /v1/goals/{id}``."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import BaseRoute, Route

from pipedrive_sandbox.responses import ok
from pipedrive_sandbox.store import Store
from pipedrive_sandbox.v1_base import bad_request
from pipedrive_sandbox.v2_base import ApiError, check_date, endpoint, json_body, store_of, user_of

Record = dict[str, Any]
GOAL_TYPES = (
    "deals_won",
    "deals_progressed",
    "activities_completed",
    "activities_added",
    "deals_started",
    "revenue_forecast",
)
ASSIGNEE_TYPES = ("person", "company", "team")
INTERVALS = ("weekly", "monthly", "quarterly", "yearly")
METRICS = ("quantity", "sum")


def goal_v1(record: Record) -> Record:
    return {
        "id": record["id"],
        "owner_id": record["owner_id"],
        "title": record["title"],
        "type": record["type"],
        "assignee": record["assignee"],
        "interval": record["interval"],
        "duration": record["duration"],
        "expected_outcome": record["expected_outcome"],
        "is_active": bool(record.get("is_active", True)),
        "report_ids": list(record.get("report_ids", [])),
    }


def _goal_or_404(store: Store, request: Request) -> Record:
    record = store.get("goal", request.path_params["id"])
    if record is None or record.get("is_deleted"):
        raise ApiError(404, "Goal not found")
    return record


def _matches(record: Record, params: Any) -> bool:
    get = params.get
    if get("type.name") and record["type"]["name"] != get("type.name"):
        return False
    if get("title") and get("title").lower() not in record["title"].lower():
        return False
    if get("is_active") not in (None, "") and bool(record.get("is_active")) != (
        get("is_active") in ("true", "1")
    ):
        return False
    if get("assignee.id") and str(record["assignee"]["id"]) != get("assignee.id"):
        return False
    if get("assignee.type") and record["assignee"]["type"] != get("assignee.type"):
        return False
    pipeline = get("type.params.pipeline_id")
    if pipeline and int(pipeline) not in record["type"].get("params", {}).get("pipeline_id", []):
        return False
    if get("period.start") and record["duration"]["end"] < get("period.start"):
        return False
    return not (get("period.end") and record["duration"]["start"] > get("period.end"))


@endpoint
async def find_goals(request: Request) -> Response:
    store = store_of(request)
    params = request.query_params
    if params.get("is_active") not in (None, "", "true", "false", "1", "0"):
        raise bad_request("is_active must be true or false")
    if params.get("type.params.pipeline_id") and not params["type.params.pipeline_id"].isdigit():
        raise bad_request("type.params.pipeline_id must be an integer")
    if bool(params.get("period.start")) != bool(params.get("period.end")):
        raise bad_request("period.start and period.end must be given together")
    goals = [goal_v1(g) for g in store.scan("goal") if not g.get("is_deleted") and _matches(g, params)]
    return ok({"goals": goals})


def _epoch(day: str) -> int:
    return int(datetime.fromisoformat(day).replace(tzinfo=UTC).timestamp())


def progress(store: Store, goal: Record, start: str, end: str) -> int:
    """How far the goal's assignee got in ``[start, end]``: deals won/started/progressed or activities."""
    low, high = _epoch(start), _epoch(end) + 86_400
    assignee = goal["assignee"]
    pipelines = goal["type"].get("params", {}).get("pipeline_id") or []

    def mine(record: Record) -> bool:
        if assignee["type"] == "person" and record.get("owner_id") != assignee["id"]:
            return False
        return not pipelines or record.get("pipeline_id") in pipelines

    name = goal["type"]["name"]
    deals = [d for d in store.scan("deal") if not d.get("is_deleted") and mine(d)]
    if name == "deals_won":
        hits = [d for d in deals if d.get("status") == "won" and low <= (d.get("won_time") or 0) < high]
    elif name == "deals_started":
        hits = [d for d in deals if low <= d["add_time"] < high]
    elif name == "deals_progressed":
        hits = [d for d in deals if low <= (d.get("stage_change_time") or 0) < high]
    elif name == "revenue_forecast":
        return int(sum(d.get("value") or 0 for d in deals if d.get("status") == "open"))
    else:
        acts = [a for a in store.scan("activity") if not a.get("is_deleted") and mine(a)]
        if name == "activities_completed":
            hits = [a for a in acts if a.get("done") and low <= (a.get("marked_as_done_time") or 0) < high]
        else:
            hits = [a for a in acts if low <= a["add_time"] < high]
    if goal["expected_outcome"].get("tracking_metric") == "sum":
        return int(sum(h.get("value") or 0 for h in hits))
    return len(hits)


@endpoint
async def goal_results(request: Request) -> Response:
    store = store_of(request)
    goal = _goal_or_404(store, request)
    start = request.query_params.get("period.start")
    end = request.query_params.get("period.end")
    if not start or not end:
        raise bad_request("period.start and period.end are required")
    check_date(start, "period.start")
    check_date(end, "period.end")
    if end < start:
        raise bad_request("period.end must not be before period.start")
    return ok({"progress": progress(store, goal, start, end), "goal": goal_v1(goal)})


def _parse(body: Record, current: Record | None) -> Record:
    out: Record = {}
    if "title" in body:
        out["title"] = str(body["title"] or "")
    if "type" in body:
        kind = body["type"]
        if not isinstance(kind, dict) or kind.get("name") not in GOAL_TYPES:
            raise bad_request(f"type.name must be one of {', '.join(GOAL_TYPES)}")
        params = kind.get("params") or {}
        if not isinstance(params, dict):
            raise bad_request("type.params must be an object")
        out["type"] = {"name": kind["name"], "params": params}
    if "assignee" in body:
        assignee = body["assignee"]
        if not isinstance(assignee, dict) or assignee.get("type") not in ASSIGNEE_TYPES:
            raise bad_request("assignee must be {id, type} with type person, company or team")
        if isinstance(assignee.get("id"), bool) or not isinstance(assignee.get("id"), int):
            raise bad_request("assignee.id must be an integer")
        out["assignee"] = {"id": assignee["id"], "type": assignee["type"]}
    if "expected_outcome" in body:
        outcome = body["expected_outcome"]
        if not isinstance(outcome, dict) or outcome.get("tracking_metric") not in METRICS:
            raise bad_request("expected_outcome must be {target, tracking_metric: quantity|sum}")
        target = outcome.get("target")
        if isinstance(target, bool) or not isinstance(target, (int, float)):
            raise bad_request("expected_outcome.target must be a number")
        out["expected_outcome"] = {"target": int(target), "tracking_metric": outcome["tracking_metric"]}
        if outcome.get("currency_id") is not None:
            out["expected_outcome"]["currency_id"] = outcome["currency_id"]
    if "duration" in body:
        duration = body["duration"]
        if not isinstance(duration, dict) or not duration.get("start"):
            raise bad_request("duration must be {start, end} dates")
        start = check_date(duration["start"], "duration.start")
        end = check_date(duration["end"], "duration.end") if duration.get("end") else None
        out["duration"] = {"start": start, "end": end}
    if "interval" in body:
        if body["interval"] not in INTERVALS:
            raise bad_request(f"interval must be one of {', '.join(INTERVALS)}")
        out["interval"] = body["interval"]
    if current is None:
        for key in ("type", "assignee", "expected_outcome", "duration", "interval"):
            if key not in out:
                raise bad_request(f"{key} is required")
    return out


@endpoint
async def add_goal(request: Request) -> Response:
    store = store_of(request)
    values = _parse(await json_body(request), None)
    values.setdefault("title", values["type"]["name"].replace("_", " ").capitalize())
    values.update(owner_id=user_of(request), is_active=True, report_ids=[])
    record = store.create("goal", values, user_of(request))
    return ok({"goal": goal_v1(record)})


@endpoint
async def update_goal(request: Request) -> Response:
    store = store_of(request)
    goal = _goal_or_404(store, request)
    store.update("goal", goal, _parse(await json_body(request), goal), user_of(request))
    return ok({"goal": goal_v1(goal)})


@endpoint
async def delete_goal(request: Request) -> Response:
    store = store_of(request)
    goal = _goal_or_404(store, request)
    store.update("goal", goal, {"is_deleted": True, "is_active": False}, user_of(request))
    return ok(None)


def routes() -> list[BaseRoute]:
    out: list[BaseRoute] = []
    for prefix in ("/api/v1", "/v1"):
        out += [
            Route(f"{prefix}/goals/find", find_goals, methods=["GET"]),
            Route(f"{prefix}/goals", add_goal, methods=["POST"]),
            Route(f"{prefix}/goals/{{id}}/results", goal_results, methods=["GET"]),
            Route(f"{prefix}/goals/{{id}}", update_goal, methods=["PUT"]),
            Route(f"{prefix}/goals/{{id}}", delete_goal, methods=["DELETE"]),
        ]
    return out
