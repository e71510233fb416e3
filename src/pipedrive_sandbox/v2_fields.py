"""The v2 field endpoints (/api/v2/dealFields ...)."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from starlette.requests import Request
from starlette.responses import Response

from pipedrive_sandbox.responses import ok
from pipedrive_sandbox.store import Store
from pipedrive_sandbox.v2_base import (
    ApiError,
    Record,
    decode_cursor,
    encode_cursor,
    endpoint,
    invalid,
    iso,
    json_body,
    q_csv,
    q_limit,
    store_of,
    user_of,
)
from pipedrive_sandbox.v2_validation import Rule, parse_value

# ---------------------------------------------------------------------------------------------------------
# Field endpoints


FIELD_ENTITIES = {
    "dealFields": "deal",
    "personFields": "person",
    "organizationFields": "organization",
    "productFields": "product",
    "activityFields": "activity",
}
# Read-only field lists (no v2 writes in the document): routed by their resource's module (v2_projects).
READ_ONLY_FIELD_ENTITIES = {"projectFields": "project"}
FIELD_INCLUDES = ("ui_visibility", "important_fields", "required_fields")
CREATABLE_TYPES = (
    "varchar",
    "text",
    "double",
    "phone",
    "date",
    "daterange",
    "time",
    "timerange",
    "set",
    "enum",
    "varchar_auto",
    "address",
    "monetary",
    "org",
    "people",
    "user",
)


def field_v2(definition: Record, include: Iterable[str] = ()) -> Record:
    options = definition.get("options")
    subfields = definition.get("subfields")
    out: Record = {
        "field_name": definition["name"],
        "field_code": definition["code"],
        "description": definition.get("description"),
        "field_type": definition["field_type"],
        "options": (
            [
                {
                    "id": o["id"],
                    "label": o["label"],
                    "color": o.get("color"),
                    "update_time": iso(o.get("update_time")),
                    "add_time": iso(o.get("add_time")),
                }
                for o in options
            ]
            if options
            else None
        ),
        "subfields": (
            [
                {"field_code": code, "field_name": name.format(definition["name"]), "field_type": ftype}
                for code, name, ftype in subfields
            ]
            if subfields
            else None
        ),
        "is_custom_field": bool(definition["custom"]),
        "is_optional_response_field": bool(definition.get("optional")),
    }
    if out["description"] is None:
        del out["description"]
    include = set(include)
    if "ui_visibility" in include:
        out["ui_visibility"] = {
            "add_visible_flag": bool(definition.get("add_visible", True)),
            "details_visible_flag": True,
        }
    if "important_fields" in include:
        out["important_fields"] = {"enabled": False, "stage_ids": []}
    if "required_fields" in include:
        out["required_fields"] = {"enabled": bool(definition.get("mandatory"))}
    return out


def _field_entity(request: Request) -> str:
    segment = request.url.path.rstrip("/").split("/")[3]
    return FIELD_ENTITIES.get(segment) or READ_ONLY_FIELD_ENTITIES[segment]


def _field_include(request: Request) -> list[str]:
    return q_csv(request, "include_fields", FIELD_INCLUDES)


def v2_fields(store: Store, entity: str) -> list[Record]:
    """Fields v2 knows (those with a v2 code), in order."""
    return [d for d in store.fields(entity) if d["code"]]


@endpoint
async def list_fields(request: Request) -> Response:
    store = store_of(request)
    entity = _field_entity(request)
    include = _field_include(request)
    limit = q_limit(request)
    raw = request.query_params.get("cursor")
    fields = v2_fields(store, entity)
    start = 0
    if raw:
        cursor = decode_cursor(raw)
        start = next((i + 1 for i, d in enumerate(fields) if d["id"] == cursor["id"]), len(fields))
    page = fields[start : start + limit]
    more = start + limit < len(fields)
    next_cursor = encode_cursor("id", page[-1]["id"], "asc", page[-1]["id"]) if more and page else None
    return ok([field_v2(d, include) for d in page], {"next_cursor": next_cursor})


def field_or_404(store: Store, entity: str, code: str) -> Record:
    definition = store.field_by_code(entity, code)
    if definition is None or not definition["code"]:
        raise ApiError(404, "Field not found")
    return definition


@endpoint
async def get_field(request: Request) -> Response:
    store = store_of(request)
    entity = _field_entity(request)
    definition = field_or_404(store, entity, request.path_params["field_code"])
    return ok(field_v2(definition, _field_include(request)))


def parse_new_options(value: Any, name: str) -> list[str]:
    if not isinstance(value, list) or not value:
        raise invalid(name, "Expected a non-empty array of options")
    labels: list[str] = []
    for index, option in enumerate(value):
        label = option.get("label") if isinstance(option, dict) else None
        if not isinstance(label, str) or not label:
            raise invalid(f"{name}.{index}.label", "Required")
        labels.append(label)
    return labels


@endpoint
async def create_field(request: Request) -> Response:
    store = store_of(request)
    entity = _field_entity(request)
    body = await json_body(request)
    name = body.get("field_name")
    if not isinstance(name, str) or not name.strip():
        raise invalid("field_name", "Required")
    field_type = parse_value(
        store, Rule("enum", choices=CREATABLE_TYPES), body.get("field_type"), "field_type"
    )
    options: list[str] | None = None
    if field_type in ("set", "enum"):
        options = parse_new_options(body.get("options"), "options")
    description = body.get("description")
    if description is not None and not isinstance(description, str):
        raise invalid("description", "Expected string")
    ui = body.get("ui_visibility") or {}
    definition = store.add_field(
        entity,
        name.strip(),
        field_type,
        user_of(request),
        options=options,
        description=description,
        add_visible=bool(ui.get("add_visible_flag", True)) if isinstance(ui, dict) else True,
    )
    return ok(field_v2(definition))


@endpoint
async def update_field(request: Request) -> Response:
    store = store_of(request)
    entity = _field_entity(request)
    definition = field_or_404(store, entity, request.path_params["field_code"])
    body = await json_body(request)
    changes: Record = {}
    if "field_name" in body:
        name = body["field_name"]
        if not isinstance(name, str) or not name.strip():
            raise invalid("field_name", "Expected a non-empty string")
        changes["name"] = name.strip()
    if "description" in body:
        if body["description"] is not None and not isinstance(body["description"], str):
            raise invalid("description", "Expected string")
        changes["description"] = body["description"]
    if isinstance(body.get("ui_visibility"), dict) and "add_visible_flag" in body["ui_visibility"]:
        changes["add_visible"] = bool(body["ui_visibility"]["add_visible_flag"])
    if changes and not definition["custom"] and "name" in changes:
        raise ApiError(400, "System fields cannot be renamed")
    store.update_field(entity, definition, changes, user_of(request))
    return ok(field_v2(definition))


@endpoint
async def delete_field(request: Request) -> Response:
    store = store_of(request)
    entity = _field_entity(request)
    definition = field_or_404(store, entity, request.path_params["field_code"])
    if not definition["custom"]:
        raise ApiError(400, "System fields cannot be deleted")
    store.delete_field(entity, definition, user_of(request))
    out = field_v2(definition)
    return ok(
        {
            key: out[key]
            for key in (
                "field_name",
                "field_code",
                "field_type",
                "options",
                "subfields",
                "is_custom_field",
                "is_optional_response_field",
            )
        }
    )
