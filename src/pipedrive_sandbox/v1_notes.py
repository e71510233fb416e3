"""Notes (API v1)."""

from __future__ import annotations

from collections.abc import Callable

from starlette.requests import Request
from starlette.responses import Response

from pipedrive_sandbox.responses import ok
from pipedrive_sandbox.store import Store
from pipedrive_sandbox.v1_base import (
    Record,
    bad_request,
    equals,
    flag_is,
    not_found,
    offset_list,
    parse_v1_time,
    path_id,
    q_since,
    sort_records,
    v1_flag,
    v1_int,
)
from pipedrive_sandbox.v1_render import note_v1
from pipedrive_sandbox.v2_base import (
    ApiError,
    check_date,
    endpoint,
    json_body,
    remembered,
    store_of,
    user_of,
    v1_time,
)
from pipedrive_sandbox.v2_custom import check_ref

# ---------------------------------------------------------------------------------------------------------
# Notes


NOTE_SORTS = ("id", "user_id", "deal_id", "person_id", "org_id", "content", "add_time", "update_time")
PIN_FLAGS = ("lead", "deal", "organization", "person", "project", "task")


@endpoint
async def list_notes(request: Request) -> Response:
    store = store_of(request)
    me = user_of(request)
    preds: list[Callable[[Record], bool]] = [lambda r: bool(r.get("active_flag", True))]
    for key in ("user_id", "deal_id", "person_id", "org_id", "project_id", "task_id"):
        value = v1_int(request, key)
        if value is not None:
            preds.append(equals(key, value))
    lead_id = request.query_params.get("lead_id")
    if lead_id:
        preds.append(lambda r: r.get("lead_id") == lead_id)
    for bound, op in (("start_date", "ge"), ("end_date", "le")):
        raw = request.query_params.get(bound)
        if raw:
            day = check_date(raw, bound)
            preds.append(_date_bound(day, op))
    since = q_since(request, "updated_since")
    if since is not None:
        preds.append(lambda r: r.get("update_time", 0) >= since)
    for flag in PIN_FLAGS:
        value = v1_flag(request, f"pinned_to_{flag}_flag")
        if value is not None:
            preds.append(flag_is(f"pinned_to_{flag}_flag", value))

    def listed() -> list[Record]:
        items = [r for r in store.scan("note") if all(p(r) for p in preds)]
        return sort_records(items, request.query_params.get("sort"), NOTE_SORTS)

    # The list depends on the notes alone (its filters read nothing else): paging through it filters and
    # sorts once. Each note's answer depends on the deal, person, organization and user it names too.
    question = tuple((k, v) for k, v in request.query_params.multi_items() if k not in ("start", "limit"))
    items = store.cached("v1 notes", ("note",), listed, question)
    memo = store.memo("note", f"v1 for user {me}", ("deal", "person", "organization", "user"))
    return offset_list(items, request, remembered(lambda r: note_v1(store, r, me), memo))


def _date_bound(day: str, op: str) -> Callable[[Record], bool]:
    def match(record: Record) -> bool:
        added = v1_time(record.get("add_time")) or ""
        return added[:10] >= day if op == "ge" else added[:10] <= day

    return match


def active_or_404(store: Store, request: Request, kind: str) -> Record:
    """The note, filter or file the path names, unless it is missing or deleted (active_flag false)."""
    record = store.get(kind, path_id(request))
    if record is None or not record.get("active_flag", True):
        raise not_found(f"{kind.capitalize()} not found")
    return record


@endpoint
async def get_note(request: Request) -> Response:
    store = store_of(request)
    return ok(note_v1(store, active_or_404(store, request, "note"), user_of(request)))


def parse_note(store: Store, body: Record, creating: bool) -> Record:
    changes: Record = {}
    if creating or "content" in body:
        content = body.get("content")
        if not isinstance(content, str) or not content.strip():
            raise bad_request("Content is required" if creating else "Content cannot be empty")
        changes["content"] = content
    for key, kind in (
        ("deal_id", "deal"),
        ("person_id", "person"),
        ("org_id", "organization"),
        ("user_id", "user"),
    ):
        if key in body and body[key] is not None:
            value = body[key]
            if isinstance(value, str) and value.isdigit():
                value = int(value)
            if isinstance(value, bool) or not isinstance(value, int):
                raise bad_request(f"Invalid value for {key}: expected an integer")
            try:
                changes[key] = check_ref(store, kind, value, key)
            except ApiError as exc:
                raise bad_request(f"{kind.capitalize()} {value} not found") from exc
    if body.get("lead_id") is not None:
        if not isinstance(body["lead_id"], str) or store.get("lead", body["lead_id"]) is None:
            raise bad_request(f"Lead {body['lead_id']} not found")
        changes["lead_id"] = body["lead_id"]
    for key in ("project_id", "task_id"):
        if body.get(key) is not None:
            changes[key] = body[key]
    for flag in PIN_FLAGS:
        key = f"pinned_to_{flag}_flag"
        if key in body:
            value = body[key]
            if value not in (0, 1, "0", "1", True, False):
                raise bad_request(f"Invalid value for {key}: expected 0 or 1")
            changes[key] = str(value) in ("1", "True")
    if "add_time" in body and body["add_time"] is not None:
        changes["add_time"] = parse_v1_time(str(body["add_time"]), "add_time")
    return changes


@endpoint
async def add_note(request: Request) -> Response:
    store = store_of(request)
    changes = parse_note(store, await json_body(request), creating=True)
    if not any(
        changes.get(k) for k in ("deal_id", "person_id", "org_id", "lead_id", "project_id", "task_id")
    ):
        raise bad_request("Note must be attached to a deal, person, organization, lead, project or task")
    record = store.create("note", changes, user_of(request))
    return ok(note_v1(store, record, user_of(request)))


@endpoint
async def update_note(request: Request) -> Response:
    store = store_of(request)
    record = active_or_404(store, request, "note")
    changes = parse_note(store, await json_body(request), creating=False)
    store.update("note", record, changes, user_of(request))
    return ok(note_v1(store, record, user_of(request)))


@endpoint
async def delete_note(request: Request) -> Response:
    store = store_of(request)
    record = active_or_404(store, request, "note")
    store.delete("note", record, user_of(request))
    return ok(True)
