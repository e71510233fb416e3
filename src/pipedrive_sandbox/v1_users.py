"""Users, activity types and currencies (API v1)."""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import Response

from pipedrive_sandbox.responses import ok
from pipedrive_sandbox.v1_base import bad_request, not_found, path_id, v1_flag
from pipedrive_sandbox.v1_render import activity_type_v1, user_v1
from pipedrive_sandbox.v2_base import (
    endpoint,
    store_of,
    user_of,
)

# ---------------------------------------------------------------------------------------------------------
# Users, activity types, currencies


@endpoint
async def list_users(request: Request) -> Response:
    store = store_of(request)
    me = user_of(request)
    return ok([user_v1(store, user, me) for user in store.users.values()])


@endpoint
async def get_me(request: Request) -> Response:
    store = store_of(request)
    me = user_of(request)
    out = user_v1(store, store.users[me], me)
    out.update(
        company_id=store.company_id,
        company_name=store.company_name,
        company_domain=store.company_domain,
        company_country="US",
        company_industry="Software",
        language={"language_code": "en", "country_code": "US"},
    )
    return ok(out)


@endpoint
async def find_users(request: Request) -> Response:
    """``GET /v1/users/find?term=``: users whose name (or, with ``search_by_email=1``, email) contains the
    term, case-insensitively; Pipedrive's official clients call it, and a route of its own keeps it from
    being read as ``/users/{id}``."""
    store = store_of(request)
    term = (request.query_params.get("term") or "").strip().lower()
    if not term:
        raise bad_request("term is required")
    by_email = v1_flag(request, "search_by_email")
    me = user_of(request)
    found = [
        user_v1(store, user, me)
        for user in store.users.values()
        if term in (user["email"] if by_email else user["name"]).lower()
    ]
    return ok(found)


@endpoint
async def get_user(request: Request) -> Response:
    store = store_of(request)
    user = store.users.get(path_id(request))
    if user is None:
        raise not_found("User not found or not accessible.")
    return ok(user_v1(store, user, user_of(request)))


@endpoint
async def list_activity_types(request: Request) -> Response:
    store = store_of(request)
    return ok([activity_type_v1(store, r) for r in store.scan("activity_type") if r.get("active_flag", True)])


@endpoint
async def list_currencies(request: Request) -> Response:
    store = store_of(request)
    term = (request.query_params.get("term") or "").lower()
    items = [
        dict(c)
        for c in store.scan("currency")
        if not term or term in c["code"].lower() or term in c["name"].lower()
    ]
    return ok(items)
