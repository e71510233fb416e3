"""Company administration (API v1): legacy teams (``/v1/legacyTeams``, ``/{id}``, ``/{id}/users``,
``/user/{id}``), permission sets (``/v1/permissionSets``, ``/{id}``, ``/{id}/assignments``), webhooks
(``/v1/webhooks``), the signed-in user's connections and settings (``/v1/userConnections``,
``/v1/userSettings``). They are derived from the company's users: one team led by the first user, the
sales and global permission sets the users' ``access`` entries name, one webhook per user who is admin.
"""

from __future__ import annotations

from typing import Any

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import BaseRoute, Route

from pipedrive_sandbox import data_fields, data_vocab
from pipedrive_sandbox.responses import JSON, ok
from pipedrive_sandbox.store import Store
from pipedrive_sandbox.v1_base import bad_request, offset_list, path_id
from pipedrive_sandbox.v2_base import ApiError, endpoint, store_of, user_of, v1_time

Record = dict[str, Any]
APPS = ("sales", "projects", "campaigns", "global", "account_settings", "partnership", "nova")


def _active_users(store: Store) -> list[Record]:
    return [u for _, u in sorted(store.users.items()) if u.get("active_flag", True)]


def teams(store: Store) -> list[Record]:
    users = _active_users(store)
    lead = store.main_user_id
    return [
        {
            "id": 1,
            "name": "Sales team",
            "description": "Everyone who sells.",
            "manager_id": lead,
            "users": [u["id"] for u in users],
            "active_flag": 1,
            "deleted_flag": 0,
            "add_time": v1_time(data_vocab.HISTORY_START),
            "created_by_user_id": lead,
        }
    ]


@endpoint
async def list_teams(request: Request) -> Response:
    store = store_of(request)
    order = request.query_params.get("order_by") or "id"
    if order not in ("id", "name", "manager_id", "active_flag"):
        raise bad_request("order_by must be id, name, manager_id or active_flag")
    rows = sorted(teams(store), key=lambda t: t[order])
    if request.query_params.get("skip_users") == "1":
        rows = [{k: v for k, v in t.items() if k != "users"} for t in rows]
    return ok(rows)


def _team_or_404(store: Store, request: Request) -> Record:
    found = [t for t in teams(store) if t["id"] == path_id(request)]
    if not found:
        raise ApiError(404, "Team not found")
    return found[0]


@endpoint
async def get_team(request: Request) -> Response:
    return ok(_team_or_404(store_of(request), request))


@endpoint
async def team_users(request: Request) -> Response:
    return ok(_team_or_404(store_of(request), request)["users"])


@endpoint
async def user_teams(request: Request) -> Response:
    store = store_of(request)
    user_id = path_id(request)
    if user_id not in store.users:
        raise ApiError(404, "User not found")
    return ok([t for t in teams(store) if user_id in t["users"]])


def permission_sets(store: Store) -> list[Record]:
    """The sets the users' access entries name (an admin and a regular set per app they use)."""
    out = []
    for app in ("sales", "global"):
        for admin in (True, False):
            key = data_fields.field_key(store.company_id, "permission_set", f"{app}:{admin}")[:32]
            holders = [u for u in _active_users(store) if bool(u.get("is_admin")) == admin]
            out.append(
                {
                    "id": key,
                    "name": f"{'Admin' if admin else 'Regular'} {app} user",
                    "description": f"What {'admins' if admin else 'regular users'} may do in {app}.",
                    "app": app,
                    "type": "admin" if admin else "regular",
                    "assignment_count": len(holders),
                    "_admin": admin,
                }
            )
    return out


def _public(record: Record) -> Record:
    return {k: v for k, v in record.items() if not k.startswith("_")}


@endpoint
async def list_permission_sets(request: Request) -> Response:
    store = store_of(request)
    app = request.query_params.get("app")
    if app is not None and app not in APPS:
        raise bad_request(f"app must be one of {', '.join(APPS)}")
    return ok([_public(s) for s in permission_sets(store) if app is None or s["app"] == app])


def _set_or_404(store: Store, request: Request) -> Record:
    found = [s for s in permission_sets(store) if s["id"] == request.path_params["id"]]
    if not found:
        raise ApiError(404, "Permission set not found")
    return found[0]


@endpoint
async def get_permission_set(request: Request) -> Response:
    store = store_of(request)
    found = _set_or_404(store, request)
    contents = ["deal_read", "deal_write"] + (["admin"] if found["_admin"] else [])
    return ok({**_public(found), "contents": contents})


@endpoint
async def permission_set_assignments(request: Request) -> Response:
    store = store_of(request)
    found = _set_or_404(store, request)
    rows = [
        {"user_id": u["id"], "permission_set_id": found["id"], "name": found["name"]}
        for u in _active_users(store)
        if bool(u.get("is_admin")) == found["_admin"]
    ]
    return offset_list(rows, request, lambda r: r)


@endpoint
async def list_webhooks(request: Request) -> Response:
    store = store_of(request)
    rows = []
    for n, user in enumerate(u for u in _active_users(store) if u.get("is_admin")):
        rows.append(
            {
                "id": n + 1,
                "company_id": store.company_id,
                "owner_id": user["id"],
                "user_id": user["id"],
                "event_action": ("create", "change", "delete")[n % 3],
                "event_object": ("deal", "person", "organization")[n % 3],
                "subscription_url": f"https://hooks.example/{store.company_domain}/{n + 1}",
                "version": "2.0",
                "is_active": 1,
                "add_time": v1_time(data_vocab.HISTORY_START + n * data_vocab.DAY),
                "remove_time": None,
                "type": "general",
                "http_auth_user": None,
                "http_auth_password": None,
                "remove_reason": None,
                "last_delivery_time": v1_time(data_vocab.HISTORY_END),
                "last_http_status": 200,
                "admin_id": store.main_user_id,
                "name": f"Sync {('deals', 'persons', 'organizations')[n % 3]}",
            }
        )
    return JSON({"success": True, "status": "ok", "data": rows})


@endpoint
async def user_connections(request: Request) -> Response:
    store = store_of(request)
    user = store.users[user_of(request)]
    return ok({"google": data_fields.field_key(store.company_id, "google", str(user["id"]))[:24]})


@endpoint
async def user_settings(request: Request) -> Response:
    store = store_of(request)
    user = store.users[user_of(request)]
    return ok(
        {
            "marketplace_team": False,
            "list_limit": 50,
            "beta_app": False,
            "prevent_salesphone_callto_override": False,
            "file_upload_destination": "pipedrive",
            "callto_link_syntax": "callto:[number]",
            "autofill_deal_expected_close_date": bool(user.get("is_admin")),
            "person_duplicate_condition": "name_and_email",
        }
    )


def routes() -> list[BaseRoute]:
    out: list[BaseRoute] = []
    for prefix in ("/api/v1", "/v1"):
        out += [
            Route(f"{prefix}/legacyTeams", list_teams, methods=["GET"]),
            Route(f"{prefix}/legacyTeams/user/{{id}}", user_teams, methods=["GET"]),
            Route(f"{prefix}/legacyTeams/{{id}}", get_team, methods=["GET"]),
            Route(f"{prefix}/legacyTeams/{{id}}/users", team_users, methods=["GET"]),
            Route(f"{prefix}/permissionSets", list_permission_sets, methods=["GET"]),
            Route(f"{prefix}/permissionSets/{{id}}", get_permission_set, methods=["GET"]),
            Route(f"{prefix}/permissionSets/{{id}}/assignments", permission_set_assignments, methods=["GET"]),
            Route(f"{prefix}/webhooks", list_webhooks, methods=["GET"]),
            Route(f"{prefix}/userConnections", user_connections, methods=["GET"]),
            Route(f"{prefix}/userSettings", user_settings, methods=["GET"]),
        ]
    return out
