"""Comments on notes (API v1): ``GET /v1/notes/{id}/comments`` (offset paged), ``GET
/v1/notes/{id}/comments/{commentId}``, ``POST`` and ``PUT`` with ``{content}``, ``DELETE``. Comment ids are
uuids; ``object_id`` is the note's id as text and ``object_type`` is ``note``."""

from __future__ import annotations

from typing import Any

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import BaseRoute, Route

from pipedrive_sandbox.responses import ok
from pipedrive_sandbox.store import Store
from pipedrive_sandbox.v1_base import bad_request, offset_list
from pipedrive_sandbox.v1_notes import active_or_404
from pipedrive_sandbox.v2_base import ApiError, endpoint, json_body, store_of, user_of, v1_time

Record = dict[str, Any]


def comment_v1(store: Store, record: Record) -> Record:
    return {
        "uuid": record["id"],
        "active_flag": bool(record.get("active_flag", True)),
        "add_time": v1_time(record["add_time"]),
        "update_time": v1_time(record["update_time"]),
        "content": record["content"],
        "object_id": str(record["note_id"]),
        "object_type": "note",
        "user_id": record["user_id"],
        "updater_id": record.get("updater_id", record["user_id"]),
        "company_id": store.company_id,
    }


def comments_of(store: Store, note_id: int) -> list[Record]:
    return [c for c in store.scan("note_comment") if c["note_id"] == note_id and c.get("active_flag", True)]


def _comment_or_404(store: Store, request: Request, note: Record) -> Record:
    record = store.get("note_comment", request.path_params["commentId"])
    if record is None or record["note_id"] != note["id"] or not record.get("active_flag", True):
        raise ApiError(404, "Comment not found")
    return record


def _content(body: Record) -> str:
    content = body.get("content")
    if not isinstance(content, str) or not content.strip():
        raise bad_request("content is required")
    return content


@endpoint
async def list_comments(request: Request) -> Response:
    store = store_of(request)
    note = active_or_404(store, request, "note")
    return offset_list(comments_of(store, note["id"]), request, lambda c: comment_v1(store, c))


@endpoint
async def get_comment(request: Request) -> Response:
    store = store_of(request)
    note = active_or_404(store, request, "note")
    return ok(comment_v1(store, _comment_or_404(store, request, note)))


@endpoint
async def add_comment(request: Request) -> Response:
    store = store_of(request)
    note = active_or_404(store, request, "note")
    content = _content(await json_body(request))
    me = user_of(request)
    record = store.create("note_comment", {"note_id": note["id"], "content": content, "user_id": me}, me)
    return ok(comment_v1(store, record))


@endpoint
async def update_comment(request: Request) -> Response:
    store = store_of(request)
    note = active_or_404(store, request, "note")
    record = _comment_or_404(store, request, note)
    content = _content(await json_body(request))
    store.update(
        "note_comment", record, {"content": content, "updater_id": user_of(request)}, user_of(request)
    )
    return ok(comment_v1(store, record))


@endpoint
async def delete_comment(request: Request) -> Response:
    store = store_of(request)
    note = active_or_404(store, request, "note")
    record = _comment_or_404(store, request, note)
    store.delete("note_comment", record, user_of(request))
    return ok(True)


def routes() -> list[BaseRoute]:
    out: list[BaseRoute] = []
    for prefix in ("/api/v1", "/v1"):
        base = f"{prefix}/notes/{{id}}/comments"
        out += [
            Route(base, list_comments, methods=["GET"]),
            Route(base, add_comment, methods=["POST"]),
            Route(f"{base}/{{commentId}}", get_comment, methods=["GET"]),
            Route(f"{base}/{{commentId}}", update_comment, methods=["PUT"]),
            Route(f"{base}/{{commentId}}", delete_comment, methods=["DELETE"]),
        ]
    return out
