"""Projects, their tasks, boards, phases and templates (API v2; Pipedrive marks boards, phases and tasks
beta).

- ``/api/v2/projects`` (filters ``status``, ``phase_id``, ``deal_id``, ``person_id``, ``org_id``),
  ``/projects/archived``, ``/projects/{id}``, ``/projects/{id}/permittedUsers``, ``/projects/{id}/changelog``;
  ``POST``, ``PATCH``, ``DELETE``, ``POST /projects/{id}/archive``; and v1's ``/v1/projects/{id}/groups``
  and ``/v1/projects/{id}/plan`` (task groups, and the group and phase of each task and activity);
- ``/api/v2/tasks`` (filters ``project_id``, ``assignee_id``, ``is_done``, ``is_milestone``,
  ``parent_task_id``), ``/tasks/{id}``, with ``POST``, ``PATCH``, ``DELETE``;
- ``/api/v2/boards`` and ``/api/v2/phases?board_id=`` (``board_id`` required), each with ``/{id}`` and
  writes; ``/api/v2/projectTemplates`` and ``/{id}``; ``/api/v2/projectFields`` and ``/{field_code}``.

Lists are cursor paged like every v2 list (``limit`` up to 500, ``additional_data.next_cursor``).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import BaseRoute, Route

from pipedrive_sandbox.responses import ok
from pipedrive_sandbox.store import Store
from pipedrive_sandbox.v2_base import (
    ApiError,
    Handler,
    check_date,
    endpoint,
    invalid,
    iso,
    json_body,
    list_response,
    paging,
    q_bool,
    q_enum,
    q_int,
    q_limit,
    store_of,
    user_of,
)
from pipedrive_sandbox.v2_fields import get_field, list_fields

Record = dict[str, Any]
PROJECT_STATUSES = ("open", "completed", "canceled", "deleted")


def project_v2(record: Record) -> Record:
    return {
        "id": record["id"],
        "title": record["title"],
        "description": record.get("description") or "",
        "status": "deleted" if record.get("is_deleted") else record.get("status", "open"),
        "board_id": record.get("board_id"),
        "phase_id": record.get("phase_id"),
        "owner_id": record.get("owner_id"),
        "start_date": record.get("start_date"),
        "end_date": record.get("end_date"),
        "deal_ids": list(record.get("deal_ids") or []),
        "person_ids": list(record.get("person_ids") or []),
        "org_ids": list(record.get("org_ids") or []),
        "label_ids": list(record.get("label_ids") or []),
        "health_status": record.get("health_status"),
        "add_time": iso(record["add_time"]),
        "update_time": iso(record["update_time"]),
        "status_change_time": iso(record.get("status_change_time") or record["add_time"]),
        "archive_time": iso(record.get("archive_time")) if record.get("is_archived") else None,
        "custom_fields": {},
    }


def task_v2(record: Record) -> Record:
    return {
        "id": record["id"],
        "title": record["title"],
        "creator_id": record.get("creator_id"),
        "description": record.get("description"),
        "project_id": record["project_id"],
        "is_done": bool(record.get("is_done")),
        "is_milestone": bool(record.get("is_milestone")),
        "due_date": record.get("due_date"),
        "start_date": record.get("start_date"),
        "parent_task_id": record.get("parent_task_id"),
        "assignee_ids": list(record.get("assignee_ids") or []),
        "priority": record.get("priority"),
        "add_time": iso(record["add_time"]),
        "update_time": iso(record["update_time"]),
        "marked_as_done_time": iso(record.get("marked_as_done_time")),
    }


def board_v2(record: Record) -> Record:
    return {
        "id": record["id"],
        "name": record["name"],
        "order_nr": record.get("order_nr", 0),
        "add_time": iso(record["add_time"]),
        "update_time": iso(record["update_time"]),
    }


def phase_v2(record: Record) -> Record:
    return {**board_v2(record), "board_id": record["board_id"]}


def template_v2(record: Record) -> Record:
    return {
        "id": record["id"],
        "title": record["title"],
        "description": record.get("description") or "",
        "projects_board_id": record.get("projects_board_id"),
        "owner_id": record.get("owner_id"),
        "add_time": iso(record["add_time"]),
        "update_time": iso(record["update_time"]),
    }


LABELS = {
    "project": "Project",
    "task": "Task",
    "project_board": "Board",
    "project_phase": "Phase",
    "project_template": "Project template",
}


def _or_404(store: Store, kind: str, raw: Any) -> Record:
    try:
        record_id = int(raw)
    except (TypeError, ValueError):
        raise invalid("id", "Expected number, received string") from None
    record = store.get(kind, record_id)
    if record is None or record.get("is_deleted"):
        raise ApiError(404, f"{LABELS[kind]} not found")
    return record


def _soft_delete(kind: str) -> Handler:
    """The DELETE of a project, task, board or phase: the record is flagged deleted (later reads answer 404)
    and the answer is its id."""

    @endpoint
    async def delete(request: Request) -> Response:
        store = store_of(request)
        record = _or_404(store, kind, request.path_params["id"])
        store.update(kind, record, {"is_deleted": True}, user_of(request))
        return ok({"id": record["id"]})

    return delete


delete_project = _soft_delete("project")
delete_task = _soft_delete("task")
delete_board = _soft_delete("project_board")
delete_phase = _soft_delete("project_phase")


def _live(store: Store, kind: str, value: Any, name: str) -> int:
    if isinstance(value, bool) or not isinstance(value, int):
        raise invalid(name, "Expected number")
    record = store.get(kind, value)
    if record is None or record.get("is_deleted"):
        raise invalid(name, f"{LABELS.get(kind, kind.capitalize())} {value} not found")
    return value


def _ids(value: Any, name: str) -> list[int]:
    if not isinstance(value, list) or any(isinstance(v, bool) or not isinstance(v, int) for v in value):
        raise invalid(name, "Expected array of numbers")
    return list(value)


# ---- projects ------------------------------------------------------------------------------------------


def _project_pred(request: Request, archived: bool) -> Callable[[Record], bool]:
    status = q_enum(request, "status", PROJECT_STATUSES)
    phase = q_int(request, "phase_id")
    deal = q_int(request, "deal_id")
    person = q_int(request, "person_id")
    org = q_int(request, "org_id")

    def pred(r: Record) -> bool:
        if bool(r.get("is_archived")) != archived or r.get("is_deleted"):
            return False
        if status and r.get("status") != status:
            return False
        if phase is not None and r.get("phase_id") != phase:
            return False
        if deal is not None and deal not in (r.get("deal_ids") or []):
            return False
        if person is not None and person not in (r.get("person_ids") or []):
            return False
        return org is None or org in (r.get("org_ids") or [])

    return pred


def make_list_projects(archived: bool) -> Callable[[Request], Any]:
    @endpoint
    async def handler(request: Request) -> Response:
        store = store_of(request)
        pred = _project_pred(request, archived)
        pg = paging(request)
        page, more = store.page("project", pred, after=pg.after, limit=pg.limit, descending=pg.descending)
        return list_response(store, page, more, pg, project_v2)

    return handler


@endpoint
async def get_project(request: Request) -> Response:
    store = store_of(request)
    return ok(project_v2(_or_404(store, "project", request.path_params["id"])))


def _project_values(store: Store, body: Record, creating: bool) -> Record:
    out: Record = {}
    if creating or "title" in body:
        title = body.get("title")
        if not isinstance(title, str) or not title.strip():
            raise invalid("title", "Required")
        out["title"] = title
    if "description" in body:
        out["description"] = body["description"]
    if "status" in body:
        if body["status"] not in PROJECT_STATUSES[:3]:
            raise invalid("status", "Invalid enum value. Expected 'open' | 'completed' | 'canceled'")
        out["status"] = body["status"]
    if "board_id" in body:
        out["board_id"] = _live(store, "project_board", body["board_id"], "board_id")
    if "phase_id" in body:
        out["phase_id"] = _live(store, "project_phase", body["phase_id"], "phase_id")
    if "owner_id" in body:
        if body["owner_id"] not in store.users:
            raise invalid("owner_id", "User not found")
        out["owner_id"] = body["owner_id"]
    for key in ("start_date", "end_date"):
        if key in body:
            out[key] = check_date(body[key], key) if body[key] is not None else None
    for key, kind in (("deal_ids", "deal"), ("person_ids", "person"), ("org_ids", "organization")):
        if key in body:
            out[key] = [_live(store, kind, v, key) for v in _ids(body[key], key)]
    if "label_ids" in body:
        out["label_ids"] = _ids(body["label_ids"], "label_ids")
    if "health_status" in body:
        out["health_status"] = body["health_status"]
    if "template_id" in body and body["template_id"] is not None:
        out["template_id"] = _live(store, "project_template", body["template_id"], "template_id")
    board = out.get("board_id")
    phase = store.get("project_phase", out["phase_id"]) if out.get("phase_id") else None
    if phase is not None and board is not None and phase["board_id"] != board:
        raise invalid("phase_id", "The phase is not on the board")
    return out


@endpoint
async def add_project(request: Request) -> Response:
    store = store_of(request)
    values = _project_values(store, await json_body(request), True)
    me = user_of(request)
    values.setdefault("owner_id", me)
    values.setdefault("status", "open")
    if "board_id" not in values:
        values["board_id"] = min(store.tables["project_board"])
    if "phase_id" not in values:
        phases = [p for p in store.scan("project_phase") if p["board_id"] == values["board_id"]]
        values["phase_id"] = min(phases, key=lambda p: p["order_nr"])["id"] if phases else None
    record = store.create("project", values, me)
    record["status_change_time"] = record["add_time"]
    return ok(project_v2(record), status=201)


@endpoint
async def update_project(request: Request) -> Response:
    store = store_of(request)
    record = _or_404(store, "project", request.path_params["id"])
    values = _project_values(store, await json_body(request), False)
    if "status" in values and values["status"] != record.get("status"):
        values["status_change_time"] = store.now_ts()
    store.update("project", record, values, user_of(request))
    return ok(project_v2(record))


@endpoint
async def archive_project(request: Request) -> Response:
    store = store_of(request)
    record = _or_404(store, "project", request.path_params["id"])
    store.update("project", record, {"is_archived": True, "archive_time": store.now_ts()}, user_of(request))
    return ok(project_v2(record))


@endpoint
async def project_permitted_users(request: Request) -> Response:
    store = store_of(request)
    _or_404(store, "project", request.path_params["id"])
    return ok(sorted(uid for uid, u in store.users.items() if u.get("active_flag", True)))


@endpoint
async def project_changelog(request: Request) -> Response:
    store = store_of(request)
    record = _or_404(store, "project", request.path_params["id"])
    q_limit(request)
    rows = [
        {
            "change_source": "app",
            "change_source_user_agent": None,
            "time": iso(record["add_time"]),
            "new_values": {"title": record["title"], "status": "open"},
            "old_values": {},
            "actor_user_id": record.get("owner_id"),
        }
    ]
    if record.get("status", "open") != "open":
        rows.insert(
            0,
            {
                "change_source": "app",
                "change_source_user_agent": None,
                "time": iso(record.get("status_change_time") or record["update_time"]),
                "new_values": {"status": record["status"]},
                "old_values": {"status": "open"},
                "actor_user_id": record.get("owner_id"),
            },
        )
    return ok(rows, {"next_cursor": None})


# ---- tasks ---------------------------------------------------------------------------------------------


@endpoint
async def list_tasks(request: Request) -> Response:
    store = store_of(request)
    project = q_int(request, "project_id")
    assignee = q_int(request, "assignee_id")
    parent = q_int(request, "parent_task_id")
    done = q_bool(request, "is_done")
    milestone = q_bool(request, "is_milestone")

    def pred(r: Record) -> bool:
        if r.get("is_deleted"):
            return False
        if project is not None and r["project_id"] != project:
            return False
        if assignee is not None and assignee not in (r.get("assignee_ids") or []):
            return False
        if parent is not None and r.get("parent_task_id") != parent:
            return False
        if done is not None and bool(r.get("is_done")) != done:
            return False
        return milestone is None or bool(r.get("is_milestone")) == milestone

    pg = paging(request)
    page, more = store.page("task", pred, after=pg.after, limit=pg.limit, descending=pg.descending)
    return list_response(store, page, more, pg, task_v2)


@endpoint
async def get_task(request: Request) -> Response:
    store = store_of(request)
    return ok(task_v2(_or_404(store, "task", request.path_params["id"])))


def _flag(value: Any, name: str) -> bool:
    if value in (0, 1, True, False):
        return bool(value)
    raise invalid(name, "Expected 0 or 1")


def _task_values(store: Store, body: Record, creating: bool) -> Record:
    out: Record = {}
    if creating or "title" in body:
        title = body.get("title")
        if not isinstance(title, str) or not title.strip():
            raise invalid("title", "Required")
        out["title"] = title
    if creating or "project_id" in body:
        out["project_id"] = _live(store, "project", body.get("project_id"), "project_id")
    if body.get("parent_task_id") is not None:
        out["parent_task_id"] = _live(store, "task", body["parent_task_id"], "parent_task_id")
    if "description" in body:
        out["description"] = body["description"]
    if "done" in body:
        out["is_done"] = _flag(body["done"], "done")
    if "milestone" in body:
        out["is_milestone"] = _flag(body["milestone"], "milestone")
    for key in ("due_date", "start_date"):
        if key in body:
            out[key] = check_date(body[key], key) if body[key] is not None else None
    assignees = body.get("assignee_ids")
    if assignees is None and body.get("assignee_id") is not None:
        assignees = [body["assignee_id"]]
    if assignees is not None:
        for user_id in _ids(assignees, "assignee_ids"):
            if user_id not in store.users:
                raise invalid("assignee_ids", f"User {user_id} not found")
        out["assignee_ids"] = list(assignees)
    if "priority" in body:
        out["priority"] = body["priority"]
    return out


@endpoint
async def add_task(request: Request) -> Response:
    store = store_of(request)
    values = _task_values(store, await json_body(request), True)
    me = user_of(request)
    values["creator_id"] = me
    if values.get("is_done"):
        values["marked_as_done_time"] = store.now_ts()
    record = store.create("task", values, me)
    return ok(task_v2(record), {}, status=201)


@endpoint
async def update_task(request: Request) -> Response:
    store = store_of(request)
    record = _or_404(store, "task", request.path_params["id"])
    values = _task_values(store, await json_body(request), False)
    if "is_done" in values and values["is_done"] != bool(record.get("is_done")):
        values["marked_as_done_time"] = store.now_ts() if values["is_done"] else None
    store.update("task", record, values, user_of(request))
    return ok(task_v2(record), {})


# ---- boards, phases, templates ---------------------------------------------------------------------------


@endpoint
async def list_boards(request: Request) -> Response:
    store = store_of(request)
    rows = sorted(
        (b for b in store.scan("project_board") if not b.get("is_deleted")), key=lambda b: b["order_nr"]
    )
    return ok([board_v2(b) for b in rows], {})


@endpoint
async def get_board(request: Request) -> Response:
    store = store_of(request)
    return ok(board_v2(_or_404(store, "project_board", request.path_params["id"])))


@endpoint
async def list_phases(request: Request) -> Response:
    store = store_of(request)
    board_id = q_int(request, "board_id")
    if board_id is None:
        raise invalid("board_id", "Required")
    rows = [p for p in store.scan("project_phase") if p["board_id"] == board_id and not p.get("is_deleted")]
    return ok([phase_v2(p) for p in sorted(rows, key=lambda p: p["order_nr"])], {})


@endpoint
async def get_phase(request: Request) -> Response:
    store = store_of(request)
    return ok(phase_v2(_or_404(store, "project_phase", request.path_params["id"])))


def _named(body: Record, creating: bool) -> Record:
    out: Record = {}
    if creating or "name" in body:
        if not isinstance(body.get("name"), str) or not body["name"].strip():
            raise invalid("name", "Required")
        out["name"] = body["name"]
    if "order_nr" in body:
        if isinstance(body["order_nr"], bool) or not isinstance(body["order_nr"], int):
            raise invalid("order_nr", "Expected number")
        out["order_nr"] = body["order_nr"]
    return out


@endpoint
async def add_board(request: Request) -> Response:
    store = store_of(request)
    values = _named(await json_body(request), True)
    values.setdefault("order_nr", len(store.tables["project_board"]) + 1)
    return ok(board_v2(store.create("project_board", values, user_of(request))))


@endpoint
async def update_board(request: Request) -> Response:
    store = store_of(request)
    record = _or_404(store, "project_board", request.path_params["id"])
    store.update("project_board", record, _named(await json_body(request), False), user_of(request))
    return ok(board_v2(record))


@endpoint
async def add_phase(request: Request) -> Response:
    store = store_of(request)
    body = await json_body(request)
    values = _named(body, True)
    values["board_id"] = _live(store, "project_board", body.get("board_id"), "board_id")
    values.setdefault(
        "order_nr", sum(1 for p in store.scan("project_phase") if p["board_id"] == values["board_id"])
    )
    return ok(phase_v2(store.create("project_phase", values, user_of(request))))


@endpoint
async def update_phase(request: Request) -> Response:
    store = store_of(request)
    record = _or_404(store, "project_phase", request.path_params["id"])
    body = await json_body(request)
    values = _named(body, False)
    if "board_id" in body:
        values["board_id"] = _live(store, "project_board", body["board_id"], "board_id")
    store.update("project_phase", record, values, user_of(request))
    return ok(phase_v2(record))


@endpoint
async def list_templates(request: Request) -> Response:
    store = store_of(request)
    pg = paging(request)
    page, more = store.page("project_template", lambda r: True, after=pg.after, limit=pg.limit)
    return list_response(store, page, more, pg, template_v2)


@endpoint
async def get_template(request: Request) -> Response:
    store = store_of(request)
    return ok(template_v2(_or_404(store, "project_template", request.path_params["id"])))


# ---- the v1 plan of a project: task groups, and where each task and activity sits -----------------------

GROUPS = ("Preparation", "Delivery", "Wrap-up")


def _groups(project: Record) -> list[Record]:
    return [{"id": project["id"] * 10 + n, "name": name, "order_nr": n} for n, name in enumerate(GROUPS, 1)]


@endpoint
async def project_groups(request: Request) -> Response:
    store = store_of(request)
    project = _or_404(store, "project", request.path_params["id"])
    return ok(_groups(project), {})


@endpoint
async def project_plan(request: Request) -> Response:
    """Each task of the project in a group (by its position: the first third preparation, ...), on the
    project's phase; and the project's activities, in the last group."""
    store = store_of(request)
    project = _or_404(store, "project", request.path_params["id"])
    groups = _groups(project)
    tasks = [t for t in store.scan("task") if t["project_id"] == project["id"] and not t.get("is_deleted")]
    plan = [
        {
            "item_id": t["id"],
            "item_type": "task",
            "phase_id": project.get("phase_id"),
            "group_id": groups[min(n * len(groups) // max(len(tasks), 1), len(groups) - 1)]["id"],
        }
        for n, t in enumerate(tasks)
    ]
    plan += [
        {
            "item_id": a["id"],
            "item_type": "activity",
            "phase_id": project.get("phase_id"),
            "group_id": groups[-1]["id"],
        }
        for a in store.scan("activity")
        if a.get("project_id") == project["id"] and not a.get("is_deleted")
    ]
    return ok(plan, {})


def routes() -> list[BaseRoute]:
    p = "/api/v2"
    return [
        Route(f"{p}/projects/archived", make_list_projects(True), methods=["GET"]),
        Route(f"{p}/projects", make_list_projects(False), methods=["GET"]),
        Route(f"{p}/projects", add_project, methods=["POST"]),
        Route(f"{p}/projects/{{id}}", get_project, methods=["GET"]),
        Route(f"{p}/projects/{{id}}", update_project, methods=["PATCH"]),
        Route(f"{p}/projects/{{id}}", delete_project, methods=["DELETE"]),
        Route(f"{p}/projects/{{id}}/archive", archive_project, methods=["POST"]),
        Route(f"{p}/projects/{{id}}/permittedUsers", project_permitted_users, methods=["GET"]),
        Route(f"{p}/projects/{{id}}/changelog", project_changelog, methods=["GET"]),
        Route(f"{p}/tasks", list_tasks, methods=["GET"]),
        Route(f"{p}/tasks", add_task, methods=["POST"]),
        Route(f"{p}/tasks/{{id}}", get_task, methods=["GET"]),
        Route(f"{p}/tasks/{{id}}", update_task, methods=["PATCH"]),
        Route(f"{p}/tasks/{{id}}", delete_task, methods=["DELETE"]),
        Route(f"{p}/boards", list_boards, methods=["GET"]),
        Route(f"{p}/boards", add_board, methods=["POST"]),
        Route(f"{p}/boards/{{id}}", get_board, methods=["GET"]),
        Route(f"{p}/boards/{{id}}", update_board, methods=["PATCH"]),
        Route(f"{p}/boards/{{id}}", delete_board, methods=["DELETE"]),
        Route(f"{p}/phases", list_phases, methods=["GET"]),
        Route(f"{p}/phases", add_phase, methods=["POST"]),
        Route(f"{p}/phases/{{id}}", get_phase, methods=["GET"]),
        Route(f"{p}/phases/{{id}}", update_phase, methods=["PATCH"]),
        Route(f"{p}/phases/{{id}}", delete_phase, methods=["DELETE"]),
        Route(f"{p}/projectTemplates", list_templates, methods=["GET"]),
        Route(f"{p}/projectTemplates/{{id}}", get_template, methods=["GET"]),
        Route(f"{p}/projectFields", list_fields, methods=["GET"]),
        Route(f"{p}/projectFields/{{field_code}}", get_field, methods=["GET"]),
        *(
            Route(f"{prefix}/projects/{{id}}/{name}", handler, methods=["GET"])
            for prefix in ("/api/v1", "/v1")
            for name, handler in (("groups", project_groups), ("plan", project_plan))
        ),
    ]
