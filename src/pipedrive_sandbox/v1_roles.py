"""Roles (API v1): ``GET/POST /v1/roles``, ``GET/PUT/DELETE /v1/roles/{id}``, a role's assignments
(``GET``, ``POST`` and ``DELETE /v1/roles/{id}/assignments`` with ``{user_id}``), settings (``GET``, and
``POST`` ``{setting_key, value}``), visible pipelines (``GET /v1/roles/{id}/pipelines``), and a user's
side of them (``GET /v1/users/{id}/roleAssignments``, ``/roleSettings``, ``/permissions``)."""

from __future__ import annotations

from typing import Any

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import BaseRoute, Route

from pipedrive_sandbox.responses import ok
from pipedrive_sandbox.store import Store
from pipedrive_sandbox.v1_base import bad_request, offset_list, path_id
from pipedrive_sandbox.v2_base import ApiError, endpoint, json_body, store_of, user_of

Record = dict[str, Any]
SETTING_KEYS = (
    "deal_default_visibility",
    "lead_default_visibility",
    "org_default_visibility",
    "person_default_visibility",
    "product_default_visibility",
    "deal_access_level",
    "org_access_level",
    "person_access_level",
    "product_access_level",
)
PERMISSIONS = (
    "can_add_custom_fields",
    "can_add_products",
    "can_add_prospects_as_leads",
    "can_bulk_edit_items",
    "can_change_visibility_of_items",
    "can_convert_deals_to_leads",
    "can_create_own_workflow",
    "can_delete_activities",
    "can_delete_custom_fields",
    "can_delete_deals",
    "can_edit_custom_fields",
    "can_edit_deals_closed_date",
    "can_edit_products",
    "can_edit_shared_filters",
    "can_export_data_from_lists",
    "can_follow_other_users",
    "can_merge_deals",
    "can_merge_organizations",
    "can_merge_people",
    "can_modify_labels",
    "can_see_company_wide_statistics",
    "can_see_deals_list_summary",
    "can_see_hidden_items_names",
    "can_see_other_users",
    "can_see_other_users_statistics",
    "can_see_security_dashboard",
    "can_share_filters",
    "can_share_insights",
    "can_use_api",
    "can_use_email_tracking",
    "can_use_import",
)


def _assignments(store: Store, role_id: int) -> list[Record]:
    return [
        a for a in store.scan("role_assignment") if a["role_id"] == role_id and a.get("active_flag", True)
    ]


def role_v1(store: Store, record: Record) -> Record:
    return {
        "parent_role_id": record.get("parent_role_id"),
        "name": record["name"],
        "id": record["id"],
        "active_flag": bool(record.get("active_flag", True)),
        "assignment_count": str(len(_assignments(store, record["id"]))),
        "sub_role_count": str(sum(1 for r in store.scan("role") if r.get("parent_role_id") == record["id"])),
        "level": record.get("level", 1),
    }


def assignment_v1(store: Store, record: Record) -> Record:
    role = store.get("role", record["role_id"]) or {}
    return {
        "parent_role_id": role.get("parent_role_id"),
        "name": role.get("name", ""),
        "user_id": record["user_id"],
        "role_id": record["role_id"],
        "active_flag": bool(record.get("active_flag", True)),
        "type": record.get("type", "1"),
    }


def _role_or_404(store: Store, request: Request) -> Record:
    record = store.get("role", path_id(request))
    if record is None or not record.get("active_flag", True):
        raise ApiError(404, "Role not found")
    return record


def _user_or_404(store: Store, request: Request) -> Record:
    user = store.users.get(path_id(request))
    if user is None:
        raise ApiError(404, "User not found")
    return user


def _user_role(store: Store, user_id: int) -> Record | None:
    for assignment in store.scan("role_assignment"):
        if assignment["user_id"] == user_id and assignment.get("active_flag", True):
            return store.get("role", assignment["role_id"])
    return None


@endpoint
async def list_roles(request: Request) -> Response:
    store = store_of(request)
    rows = [r for r in store.scan("role") if r.get("active_flag", True)]
    return offset_list(rows, request, lambda r: role_v1(store, r))


@endpoint
async def get_role(request: Request) -> Response:
    store = store_of(request)
    role = _role_or_404(store, request)
    return ok(role_v1(store, role), {"settings": role["settings"]})


def _parent(store: Store, body: Record) -> int | None:
    parent = body.get("parent_role_id")
    if parent in (None, ""):
        return None
    if isinstance(parent, bool) or not isinstance(parent, int) or store.get("role", parent) is None:
        raise bad_request("parent_role_id must be the id of an existing role")
    return parent


@endpoint
async def add_role(request: Request) -> Response:
    store = store_of(request)
    body = await json_body(request)
    name = body.get("name")
    if not isinstance(name, str) or not name.strip():
        raise bad_request("name is required")
    parent = _parent(store, body)
    settings = dict((store.get("role", 1) or {}).get("settings", {}))
    values = {"name": name, "parent_role_id": parent, "active_flag": True, "level": 2 if parent else 1}
    record = store.create("role", {**values, "settings": settings}, user_of(request))
    return ok({"id": record["id"]})


@endpoint
async def update_role(request: Request) -> Response:
    store = store_of(request)
    role = _role_or_404(store, request)
    body = await json_body(request)
    changes: Record = {}
    if "name" in body:
        if not isinstance(body["name"], str) or not body["name"].strip():
            raise bad_request("name must not be empty")
        changes["name"] = body["name"]
    if "parent_role_id" in body:
        parent = _parent(store, body)
        if parent == role["id"]:
            raise bad_request("A role cannot be its own parent")
        changes["parent_role_id"] = parent
    store.update("role", role, changes, user_of(request))
    return ok({"id": role["id"]})


@endpoint
async def delete_role(request: Request) -> Response:
    store = store_of(request)
    role = _role_or_404(store, request)
    if _assignments(store, role["id"]):
        raise bad_request("Role has users assigned; reassign them first")
    store.update("role", role, {"active_flag": False}, user_of(request))
    return ok({"id": role["id"]})


@endpoint
async def list_assignments(request: Request) -> Response:
    store = store_of(request)
    role = _role_or_404(store, request)
    return offset_list(_assignments(store, role["id"]), request, lambda a: assignment_v1(store, a))


def _body_user(store: Store, body: Record) -> int:
    user_id = body.get("user_id")
    if isinstance(user_id, str) and user_id.isdigit():
        user_id = int(user_id)
    if isinstance(user_id, bool) or not isinstance(user_id, int) or user_id not in store.users:
        raise bad_request("user_id must be the id of an existing user")
    return user_id


@endpoint
async def add_assignment(request: Request) -> Response:
    store = store_of(request)
    role = _role_or_404(store, request)
    user_id = _body_user(store, await json_body(request))
    for assignment in list(store.scan("role_assignment")):
        if assignment["user_id"] == user_id and assignment.get("active_flag", True):
            store.update("role_assignment", assignment, {"active_flag": False}, user_of(request))
    store.create(
        "role_assignment", {"user_id": user_id, "role_id": role["id"], "active_flag": True, "type": "1"}
    )
    return ok({"user_id": user_id, "role_id": role["id"]})


@endpoint
async def delete_assignment(request: Request) -> Response:
    store = store_of(request)
    role = _role_or_404(store, request)
    user_id = _body_user(store, await json_body(request))
    for assignment in _assignments(store, role["id"]):  # removing an absent assignment changes nothing
        if assignment["user_id"] == user_id:
            store.update("role_assignment", assignment, {"active_flag": False}, user_of(request))
    return ok({"id": role["id"]})


@endpoint
async def get_settings(request: Request) -> Response:
    store = store_of(request)
    return ok(dict(_role_or_404(store, request)["settings"]))


@endpoint
async def add_setting(request: Request) -> Response:
    store = store_of(request)
    role = _role_or_404(store, request)
    body = await json_body(request)
    key = body.get("setting_key")
    if key not in SETTING_KEYS:
        raise bad_request(f"setting_key must be one of {', '.join(SETTING_KEYS)}")
    value = body.get("value")
    allowed = (1, 3, 5, 7) if key.endswith("visibility") else (1, 7)
    if value not in allowed:
        raise bad_request(f"value must be one of {', '.join(map(str, allowed))}")
    store.update("role", role, {"settings": {**role["settings"], key: value}}, user_of(request))
    return ok({"id": role["id"], key: value})


@endpoint
async def role_pipelines(request: Request) -> Response:
    store = store_of(request)
    _role_or_404(store, request)
    visible = request.query_params.get("visible", "true") != "false"
    ids = [p["id"] for p in store.scan("pipeline") if not p.get("is_deleted")]
    return ok({"pipeline_ids": ids if visible else [], "visible": visible})


@endpoint
async def user_role_assignments(request: Request) -> Response:
    store = store_of(request)
    user = _user_or_404(store, request)
    rows = [
        a for a in store.scan("role_assignment") if a["user_id"] == user["id"] and a.get("active_flag", True)
    ]
    return offset_list(rows, request, lambda a: assignment_v1(store, a))


@endpoint
async def user_role_settings(request: Request) -> Response:
    store = store_of(request)
    user = _user_or_404(store, request)
    role = _user_role(store, user["id"]) or store.get("role", 1) or {"settings": {}}
    return ok(dict(role["settings"]))


@endpoint
async def user_permissions(request: Request) -> Response:
    store = store_of(request)
    user = _user_or_404(store, request)
    admin = bool(user.get("is_admin"))
    everyone = {"can_follow_other_users", "can_see_other_users", "can_use_api", "can_add_products"}
    return ok({name: admin or name in everyone for name in PERMISSIONS})


def routes() -> list[BaseRoute]:
    out: list[BaseRoute] = []
    for prefix in ("/api/v1", "/v1"):
        base = f"{prefix}/roles"
        out += [
            Route(base, list_roles, methods=["GET"]),
            Route(base, add_role, methods=["POST"]),
            Route(f"{base}/{{id}}", get_role, methods=["GET"]),
            Route(f"{base}/{{id}}", update_role, methods=["PUT"]),
            Route(f"{base}/{{id}}", delete_role, methods=["DELETE"]),
            Route(f"{base}/{{id}}/assignments", list_assignments, methods=["GET"]),
            Route(f"{base}/{{id}}/assignments", add_assignment, methods=["POST"]),
            Route(f"{base}/{{id}}/assignments", delete_assignment, methods=["DELETE"]),
            Route(f"{base}/{{id}}/settings", get_settings, methods=["GET"]),
            Route(f"{base}/{{id}}/settings", add_setting, methods=["POST"]),
            Route(f"{base}/{{id}}/pipelines", role_pipelines, methods=["GET"]),
            Route(f"{prefix}/users/{{id}}/roleAssignments", user_role_assignments, methods=["GET"]),
            Route(f"{prefix}/users/{{id}}/roleSettings", user_role_settings, methods=["GET"]),
            Route(f"{prefix}/users/{{id}}/permissions", user_permissions, methods=["GET"]),
        ]
    return out
