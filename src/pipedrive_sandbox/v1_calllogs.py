"""Call logs (API v1): ``GET /v1/callLogs`` (offset paged, newest first), ``GET /v1/callLogs/{id}``,
``POST /v1/callLogs`` (``to_phone_number``, ``outcome``, ``start_time`` and ``end_time`` required, times as
``YYYY-MM-DD HH:MM:SS`` UTC), ``DELETE /v1/callLogs/{id}``. Ids are 24 hex digits, as Pipedrive's are."""

from __future__ import annotations

from typing import Any

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import BaseRoute, Route

from pipedrive_sandbox.responses import ok
from pipedrive_sandbox.store import Store
from pipedrive_sandbox.v1_base import bad_request, offset_list, parse_v1_time
from pipedrive_sandbox.v2_base import ApiError, endpoint, json_body, store_of, user_of, v1_time

Record = dict[str, Any]
OUTCOMES = ("connected", "no_answer", "left_message", "left_voicemail", "wrong_number", "busy")


def call_log_v1(store: Store, record: Record) -> Record:
    return {
        "id": record["id"],
        "user_id": record["user_id"],
        "activity_id": record.get("activity_id"),
        "subject": record.get("subject") or "",
        "duration": record.get("duration") or "0",
        "outcome": record["outcome"],
        "from_phone_number": record.get("from_phone_number") or "",
        "to_phone_number": record["to_phone_number"],
        "start_time": v1_time(record["start_time"]),
        "end_time": v1_time(record["end_time"]),
        "person_id": record.get("person_id"),
        "org_id": record.get("org_id"),
        "deal_id": record.get("deal_id"),
        "lead_id": record.get("lead_id"),
        "note": record.get("note") or "",
        "has_recording": bool(record.get("has_recording")),
        "company_id": store.company_id,
    }


def _call_or_404(store: Store, request: Request) -> Record:
    record = store.get("call_log", request.path_params["id"])
    if record is None:
        raise ApiError(404, "Call log not found")
    return record


@endpoint
async def list_call_logs(request: Request) -> Response:
    store = store_of(request)
    rows = sorted(store.scan("call_log"), key=lambda r: (-r["start_time"], r["id"]))
    return offset_list(rows, request, lambda r: call_log_v1(store, r))


@endpoint
async def get_call_log(request: Request) -> Response:
    store = store_of(request)
    return ok(call_log_v1(store, _call_or_404(store, request)))


def _ref(store: Store, body: Record, key: str, kind: str) -> int | None:
    value = body.get(key)
    if value in (None, ""):
        return None
    if isinstance(value, str) and value.isdigit():
        value = int(value)
    if isinstance(value, bool) or not isinstance(value, int):
        raise bad_request(f"{key} must be an integer")
    record = store.get(kind, value)
    if record is None or record.get("is_deleted"):
        raise bad_request(f"{key} {value} does not exist")
    return value


@endpoint
async def add_call_log(request: Request) -> Response:
    store = store_of(request)
    body = await json_body(request)
    for key in ("to_phone_number", "outcome", "start_time", "end_time"):
        if body.get(key) in (None, ""):
            raise bad_request(f"{key} is required")
    if body["outcome"] not in OUTCOMES:
        raise bad_request(f"outcome must be one of {', '.join(OUTCOMES)}")
    start = parse_v1_time(str(body["start_time"]), "start_time")
    end = parse_v1_time(str(body["end_time"]), "end_time")
    if end < start:
        raise bad_request("end_time must not be before start_time")
    user_id = _ref(store, body, "user_id", "user") or user_of(request)
    values: Record = {
        "user_id": user_id,
        "subject": body.get("subject"),
        "duration": str(body["duration"]) if body.get("duration") not in (None, "") else str(end - start),
        "outcome": body["outcome"],
        "from_phone_number": body.get("from_phone_number"),
        "to_phone_number": str(body["to_phone_number"]),
        "start_time": start,
        "end_time": end,
        "person_id": _ref(store, body, "person_id", "person"),
        "org_id": _ref(store, body, "org_id", "organization"),
        "deal_id": _ref(store, body, "deal_id", "deal"),
        "activity_id": _ref(store, body, "activity_id", "activity"),
        "lead_id": body.get("lead_id") or None,
        "note": body.get("note"),
        "has_recording": False,
    }
    record = store.create("call_log", values, user_of(request))
    return ok(call_log_v1(store, record))


@endpoint
async def delete_call_log(request: Request) -> Response:
    store = store_of(request)
    record = _call_or_404(store, request)
    store.delete("call_log", record, user_of(request))
    return ok(None)


def routes() -> list[BaseRoute]:
    out: list[BaseRoute] = []
    for prefix in ("/api/v1", "/v1"):
        out += [
            Route(f"{prefix}/callLogs", list_call_logs, methods=["GET"]),
            Route(f"{prefix}/callLogs", add_call_log, methods=["POST"]),
            Route(f"{prefix}/callLogs/{{id}}", get_call_log, methods=["GET"]),
            Route(f"{prefix}/callLogs/{{id}}", delete_call_log, methods=["DELETE"]),
        ]
    return out
