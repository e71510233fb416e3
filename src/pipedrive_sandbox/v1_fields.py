"""The v1 field endpoints (/v1/dealFields ...) and the field lists only v1 has (leadFields, noteFields)."""

from __future__ import annotations

from typing import Any

from starlette.requests import Request
from starlette.responses import Response

from pipedrive_sandbox.responses import ok
from pipedrive_sandbox.store import Store
from pipedrive_sandbox.v1_base import ADDRESS_PARTS, Record, bad_request, not_found, offset_list, path_id
from pipedrive_sandbox.v2_base import (
    ApiError,
    endpoint,
    json_body,
    store_of,
    user_of,
    v1_time,
)

# ---------------------------------------------------------------------------------------------------------
# Fields (v1 shape)


V1_FIELD_ENTITIES = {
    "dealFields": "deal",
    "personFields": "person",
    "organizationFields": "organization",
    "productFields": "product",
    "activityFields": "activity",
    "leadFields": "lead",
}
V1_CREATABLE = (
    "address",
    "date",
    "daterange",
    "double",
    "enum",
    "monetary",
    "org",
    "people",
    "phone",
    "set",
    "text",
    "time",
    "timerange",
    "user",
    "varchar",
    "varchar_auto",
    "visible_to",
)
V1_SUBFIELDS = {
    "monetary": [("currency", "Currency of {}", "varchar")],
    "daterange": [("until", "End of {}", "date")],
    "timerange": [("until", "End of {}", "time"), ("timezone_id", "Timezone of {}", "int")],
    "time": [("timezone_id", "Timezone of {}", "int")],
    "address": [
        (part, f"{part.replace('_', ' ').capitalize()} of {{}}", "varchar") for part in ADDRESS_PARTS
    ],
}


def field_v1(definition: Record) -> Record:
    key = definition["v1_key"]
    options = definition.get("options")
    out: Record = {
        "id": definition["id"],
        "key": key,
        "name": definition["name"],
        "order_nr": definition.get("order_nr", 0),
        "field_type": definition["field_type"],
        "add_time": v1_time(definition.get("add_time")),
        "update_time": v1_time(definition.get("update_time")),
        "last_updated_by_user_id": definition.get("last_updated_by_user_id"),
        "created_by_user_id": definition.get("created_by_user_id"),
        "active_flag": bool(definition.get("active", True)),
        "edit_flag": bool(definition["custom"]),
        "index_visible_flag": True,
        "details_visible_flag": True,
        "add_visible_flag": bool(definition.get("add_visible", True)),
        "important_flag": False,
        "bulk_edit_allowed": bool(definition.get("editable", True)),
        "searchable_flag": definition["field_type"]
        in ("varchar", "text", "varchar_auto", "phone", "address", "double", "monetary"),
        "filtering_allowed": True,
        "sortable_flag": True,
        "mandatory_flag": bool(definition.get("mandatory")),
        "options": [{"id": o["id"], "label": o["label"]} for o in options] if options else None,
    }
    if definition["custom"] and definition["field_type"] in V1_SUBFIELDS:
        out["subfields"] = [
            {"key": f"{key}_{sub}", "name": name.format(definition["name"]), "field_type": ftype}
            for sub, name, ftype in V1_SUBFIELDS[definition["field_type"]]
        ]
    return out


def _v1_entity(request: Request) -> tuple[str, str]:
    path = request.url.path
    name = path.split("/v1/", 1)[1].split("/")[0]
    return name, V1_FIELD_ENTITIES[name]


def v1_fields(store: Store, entity: str) -> list[Record]:
    return [d for d in store.fields(entity) if d["v1_key"]]


@endpoint
async def list_fields_v1(request: Request) -> Response:
    store = store_of(request)
    _, entity = _v1_entity(request)
    return offset_list(v1_fields(store, entity), request, field_v1, flat=True)


def field_v1_or_error(store: Store, request: Request) -> tuple[str, Record]:
    name, entity = _v1_entity(request)
    field_id = path_id(request)
    definition = store.field_by_id(entity, field_id)
    if definition is None or not definition["v1_key"]:
        if name == "productFields":
            raise ApiError(410, "The field is not found")
        raise not_found("Field not found")
    return entity, definition


@endpoint
async def get_field_v1(request: Request) -> Response:
    store = store_of(request)
    _, definition = field_v1_or_error(store, request)
    return ok(field_v1(definition))


def option_labels(value: Any) -> list[Record]:
    if isinstance(value, str):  # v1 accepts the options as a JSON-encoded string too
        import orjson

        try:
            value = orjson.loads(value)
        except orjson.JSONDecodeError as exc:
            raise bad_request("options must be a JSON array of {label} objects") from exc
    if not isinstance(value, list) or not value:
        raise bad_request("options must be a non-empty array of {label} objects")
    out: list[Record] = []
    for option in value:
        if not isinstance(option, dict) or not isinstance(option.get("label"), str) or not option["label"]:
            raise bad_request("Each option needs a label")
        known = isinstance(option.get("id"), int) and not isinstance(option.get("id"), bool)
        out.append({"label": option["label"], **({"id": option["id"]} if known else {})})
    return out


@endpoint
async def add_field_v1(request: Request) -> Response:
    store = store_of(request)
    name, entity = _v1_entity(request)
    body = await json_body(request)
    field_name = body.get("name")
    if not isinstance(field_name, str) or not field_name.strip():
        raise bad_request("Field name is required")
    field_type = body.get("field_type")
    if field_type not in V1_CREATABLE:
        raise bad_request(f"Invalid field_type: {field_type!r}")
    labels = (
        [o["label"] for o in option_labels(body.get("options"))] if field_type in ("set", "enum") else None
    )
    add_visible = body.get("add_visible_flag", True)
    definition = store.add_field(
        entity,
        field_name.strip(),
        field_type,
        user_of(request),
        options=labels,
        add_visible=bool(add_visible),
    )
    return ok(field_v1(definition), status=201 if name == "productFields" else 200)


@endpoint
async def update_field_v1(request: Request) -> Response:
    store = store_of(request)
    entity, definition = field_v1_or_error(store, request)
    body = await json_body(request)
    changes: Record = {}
    if "name" in body:
        if not isinstance(body["name"], str) or not body["name"].strip():
            raise bad_request("Field name cannot be empty")
        if not definition["custom"]:
            raise bad_request("System fields cannot be renamed")
        changes["name"] = body["name"].strip()
    if "options" in body:
        if definition["field_type"] not in ("set", "enum"):
            raise bad_request("Only set and enum fields have options")
        changes["options"] = option_labels(body["options"])
    if "add_visible_flag" in body:
        changes["add_visible"] = bool(body["add_visible_flag"])
    store.update_field(entity, definition, changes, user_of(request))
    return ok(field_v1(definition))


@endpoint
async def delete_field_v1(request: Request) -> Response:
    store = store_of(request)
    entity, definition = field_v1_or_error(store, request)
    if not definition["custom"]:
        raise bad_request("System fields cannot be deleted")
    store.delete_field(entity, definition, user_of(request))
    return ok({"id": definition["id"]})


NOTE_FIELDS = (
    (1, "content", "Content", "text", None),
    (
        2,
        "pinned_to_deal_flag",
        "Note is pinned to deal",
        "enum",
        [{"id": 1, "label": "Yes"}, {"id": 0, "label": "No"}],
    ),
    (
        3,
        "pinned_to_person_flag",
        "Note is pinned to person",
        "enum",
        [{"id": 1, "label": "Yes"}, {"id": 0, "label": "No"}],
    ),
    (
        4,
        "pinned_to_organization_flag",
        "Note is pinned to organization",
        "enum",
        [{"id": 1, "label": "Yes"}, {"id": 0, "label": "No"}],
    ),
    (
        5,
        "pinned_to_lead_flag",
        "Note is pinned to lead",
        "enum",
        [{"id": 1, "label": "Yes"}, {"id": 0, "label": "No"}],
    ),
    (6, "user_id", "Owner", "user", None),
    (7, "deal_id", "Deal", "deal", None),
    (8, "person_id", "Person", "people", None),
    (9, "org_id", "Organization", "org", None),
    (10, "lead_id", "Lead", "lead", None),
    (11, "add_time", "Add time", "date", None),
    (12, "update_time", "Update time", "date", None),
)


@endpoint
async def list_note_fields(request: Request) -> Response:
    items = [
        {
            "id": fid,
            "key": key,
            "name": name,
            "field_type": ftype,
            "active_flag": True,
            "edit_flag": False,
            "bulk_edit_allowed": key not in ("add_time", "update_time"),
            "mandatory_flag": key == "content",
            **({"options": options} if options else {}),
        }
        for fid, key, name, ftype, options in NOTE_FIELDS
    ]
    return offset_list(items, request, lambda item: item, flat=True)
