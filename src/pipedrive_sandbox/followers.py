"""Followers of deals, persons, organizations, products and users (API v2, and the v1 forms still served).

v2: ``GET /api/v2/{deals,persons,organizations,products}/{id}/followers`` (cursor paged ``{user_id,
add_time}``), ``POST`` with ``{user_id}``, ``DELETE .../followers/{follower_id}`` (the follower's user id),
and ``GET .../followers/changelog`` (``{action: added|removed, actor_user_id, follower_user_id, time}``);
``GET /api/v2/users/{id}/followers``. v1: the same lists offset paged as ``{id, user_id, <item>_id,
add_time}``, adding and removing by follower record id, and ``GET /v1/users/{id}/followers`` (user ids).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import BaseRoute, Route

from pipedrive_sandbox.responses import ok
from pipedrive_sandbox.store import Store
from pipedrive_sandbox.v1_base import bad_request, offset_list, path_id
from pipedrive_sandbox.v2_base import (
    ApiError,
    endpoint,
    invalid,
    iso,
    json_body,
    list_response,
    paging,
    q_int,
    store_of,
    user_of,
    v1_time,
)

Record = dict[str, Any]
# path segment -> (store kind, label in errors)
ITEMS = {
    "deals": ("deal", "Deal"),
    "persons": ("person", "Person"),
    "organizations": ("organization", "Organization"),
    "products": ("product", "Product"),
}


def _item(store: Store, request: Request, segment: str) -> Record:
    kind, label = ITEMS[segment]
    record = store.get(kind, path_id(request))
    if record is None or record.get("is_deleted"):
        raise ApiError(404, f"{label} not found")
    return record


def followers_of(store: Store, kind: str, item_id: Any) -> list[Record]:
    return [
        f
        for f in store.scan("follower")
        if f["item_type"] == kind and f["item_id"] == item_id and not f.get("removed")
    ]


def _user_id(body: Record) -> int:
    raw = body.get("user_id")
    if isinstance(raw, str) and raw.isdigit():
        raw = int(raw)
    if isinstance(raw, bool) or not isinstance(raw, int):
        raise invalid("user_id", "Required")
    return raw


def _follower_v2(record: Record) -> Record:
    return {"user_id": record["user_id"], "add_time": iso(record["add_time"])}


def _follower_v1(record: Record, key: str) -> Record:
    return {
        "id": record["id"],
        "user_id": record["user_id"],
        key: record["item_id"],
        "add_time": v1_time(record["add_time"]),
    }


def _add(store: Store, request: Request, segment: str, body: Record) -> Record:
    item = _item(store, request, segment)
    kind = ITEMS[segment][0]
    user_id = _user_id(body)
    user = store.users.get(user_id)
    if user is None or not user.get("active_flag", True):
        raise ApiError(400, f"User {user_id} not found")
    existing = [f for f in followers_of(store, kind, item["id"]) if f["user_id"] == user_id]
    if existing:  # following again changes nothing
        return existing[0]
    record = store.create(
        "follower",
        {"item_type": kind, "item_id": item["id"], "user_id": user_id, "actor_user_id": user_of(request)},
        user_of(request),
    )
    _log(store, kind, item["id"], "added", user_of(request), user_id)
    return record


def _remove(store: Store, request: Request, record: Record) -> None:
    store.update("follower", record, {"removed": True}, user_of(request))
    _log(store, record["item_type"], record["item_id"], "removed", user_of(request), record["user_id"])


def _log(store: Store, kind: str, item_id: Any, action: str, actor: int, user_id: int) -> None:
    store.follower_log.append(
        {
            "item_type": kind,
            "item_id": item_id,
            "action": action,
            "actor_user_id": actor,
            "follower_user_id": user_id,
            "time": store.now_ts(),
        }
    )


def changelog_of(store: Store, kind: str, item_id: Any) -> list[Record]:
    """Who started and stopped following: the generated followers' additions, then the sandbox's writes."""
    added = [
        {
            "action": "added",
            "actor_user_id": f.get("actor_user_id", f["user_id"]),
            "follower_user_id": f["user_id"],
            "time": f["add_time"],
        }
        for f in store.scan("follower")
        if f["item_type"] == kind and f["item_id"] == item_id and not f.get("logged")
    ]
    logged = [
        {k: v for k, v in e.items() if k not in ("item_type", "item_id")}
        for e in store.follower_log
        if e["item_type"] == kind and e["item_id"] == item_id
    ]
    seen = {(e["follower_user_id"], e["time"]) for e in logged if e["action"] == "added"}
    rows = [e for e in added if (e["follower_user_id"], e["time"]) not in seen] + logged
    return sorted(rows, key=lambda e: e["time"])


def _cursor_slice(request: Request, rows: list[Record], render: Callable[[Record], Record]) -> Response:
    """A v2 cursor page over a small, fixed-order list (the cursor is an offset, opaque to clients)."""
    import base64

    limit = q_int(request, "limit", minimum=1) or 100
    if limit > 500:
        raise invalid("limit", "Number must be less than or equal to 500")
    raw = request.query_params.get("cursor")
    start = 0
    if raw:
        try:
            start = int(base64.b64decode(raw.encode()).decode().removeprefix("offset:"))
        except (ValueError, UnicodeDecodeError) as exc:
            raise invalid("cursor", "Invalid cursor") from exc
    page = rows[start : start + limit]
    more = start + limit < len(rows)
    cursor = base64.b64encode(f"offset:{start + limit}".encode()).decode() if more else None
    return ok([render(r) for r in page], {"next_cursor": cursor})


def make_list_v2(segment: str) -> Callable[[Request], Any]:
    @endpoint
    async def handler(request: Request) -> Response:
        store = store_of(request)
        item = _item(store, request, segment)
        kind = ITEMS[segment][0]
        ids = [f["id"] for f in followers_of(store, kind, item["id"])]
        pg = paging(request)
        page, more = store.page(
            "follower", lambda r: not r.get("removed"), after=pg.after, limit=pg.limit, candidates=ids
        )
        return list_response(store, page, more, pg, _follower_v2)

    return handler


def make_add_v2(segment: str) -> Callable[[Request], Any]:
    @endpoint
    async def handler(request: Request) -> Response:
        store = store_of(request)
        record = _add(store, request, segment, await json_body(request))
        return ok(_follower_v2(record), status=201)

    return handler


def make_delete_v2(segment: str) -> Callable[[Request], Any]:
    @endpoint
    async def handler(request: Request) -> Response:
        store = store_of(request)
        item = _item(store, request, segment)
        user_id = path_id(request, "follower_id")
        found = [f for f in followers_of(store, ITEMS[segment][0], item["id"]) if f["user_id"] == user_id]
        if not found:
            raise ApiError(404, "Follower not found")
        _remove(store, request, found[0])
        return ok({"user_id": user_id})

    return handler


def make_changelog_v2(segment: str) -> Callable[[Request], Any]:
    @endpoint
    async def handler(request: Request) -> Response:
        store = store_of(request)
        item = _item(store, request, segment)
        rows = changelog_of(store, ITEMS[segment][0], item["id"])
        return _cursor_slice(request, rows, lambda e: {**e, "time": iso(e["time"])})

    return handler


@endpoint
async def user_followers_v2(request: Request) -> Response:
    store = store_of(request)
    user = store.users.get(path_id(request))
    if user is None:
        raise ApiError(404, "User not found")
    rows = _user_followers(store, user)
    return _cursor_slice(request, rows, lambda r: r)


def _user_followers(store: Store, user: Record) -> list[Record]:
    """Users follow each other in Pipedrive; the sandbox's users all follow the company's first user."""
    if user["id"] != store.main_user_id:
        return []
    return [
        {"user_id": uid, "add_time": iso(other.get("add_time"))}
        for uid, other in sorted(store.users.items())
        if uid != user["id"] and other.get("active_flag", True)
    ]


def make_list_v1(segment: str) -> Callable[[Request], Any]:
    key = f"{ITEMS[segment][0]}_id"

    @endpoint
    async def handler(request: Request) -> Response:
        store = store_of(request)
        item = _item(store, request, segment)
        rows = followers_of(store, ITEMS[segment][0], item["id"])
        return offset_list(rows, request, lambda r: _follower_v1(r, key), flat=True)

    return handler


def make_add_v1(segment: str) -> Callable[[Request], Any]:
    key = f"{ITEMS[segment][0]}_id"

    @endpoint
    async def handler(request: Request) -> Response:
        store = store_of(request)
        body = await json_body(request)
        if body.get("user_id") in (None, ""):
            raise bad_request("user_id is required")
        record = _add(store, request, segment, body)
        # The v1 document answers 201 for products' followers and 200 for the others'.
        return ok(_follower_v1(record, key), status=201 if segment == "products" else 200)

    return handler


def make_delete_v1(segment: str) -> Callable[[Request], Any]:
    @endpoint
    async def handler(request: Request) -> Response:
        store = store_of(request)
        item = _item(store, request, segment)
        follower_id = path_id(request, "follower_id")
        record = store.get("follower", follower_id)
        if record is None or record.get("removed") or record["item_id"] != item["id"]:
            raise ApiError(404, "Follower not found")
        _remove(store, request, record)
        return ok({"id": follower_id})

    return handler


@endpoint
async def user_followers_v1(request: Request) -> Response:
    store = store_of(request)
    user = store.users.get(path_id(request))
    if user is None:
        raise ApiError(404, "User not found")
    return ok([r["user_id"] for r in _user_followers(store, user)])


def routes() -> list[BaseRoute]:
    out: list[BaseRoute] = []
    for segment in ITEMS:
        v2 = f"/api/v2/{segment}/{{id}}/followers"
        out += [
            Route(f"{v2}/changelog", make_changelog_v2(segment), methods=["GET"]),
            Route(v2, make_list_v2(segment), methods=["GET"]),
            Route(v2, make_add_v2(segment), methods=["POST"]),
            Route(f"{v2}/{{follower_id}}", make_delete_v2(segment), methods=["DELETE"]),
        ]
        for prefix in ("/api/v1", "/v1"):
            v1 = f"{prefix}/{segment}/{{id}}/followers"
            out += [
                Route(v1, make_list_v1(segment), methods=["GET"]),
                Route(v1, make_add_v1(segment), methods=["POST"]),
                Route(f"{v1}/{{follower_id}}", make_delete_v1(segment), methods=["DELETE"]),
            ]
    out.append(Route("/api/v2/users/{id}/followers", user_followers_v2, methods=["GET"]))
    out += [
        Route(f"{p}/users/{{id}}/followers", user_followers_v1, methods=["GET"]) for p in ("/api/v1", "/v1")
    ]
    return out
