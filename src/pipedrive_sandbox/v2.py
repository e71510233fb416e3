"""Pipedrive API v2 routes: deals, persons, organizations, activities, products, pipelines, stages, deal
products, the field endpoints and search (paths, parameters and shapes from ``openapi/openapi-v2.yaml``).

Lists use cursor paging: the cursor is Pipedrive's own format, base64 of
``{"field": sort_by, "fieldValue": <sort value>, "sortDirection": "asc", "id": <id>}`` of the last record
returned; ``additional_data.next_cursor`` is null on the last page. ``limit`` defaults to 100; above 500
is a 400, as in the documents.

Errors follow Pipedrive's envelope (``responses.error``); validation errors read
``"Validation failed: <param>: <what>"`` with ``code: "ERR_SCHEMA_VALIDATION_FAILED"`` as v2 answers them.

The shared request helpers (``ApiError``, ``endpoint``, parameter parsing, time formats, custom-field
conversion) live here and ``v1`` reuses them.
"""

from __future__ import annotations

import base64
import binascii
import functools
import re
import time
from collections.abc import Awaitable, Callable, Iterable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any
from urllib.parse import parse_qsl

import orjson
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import BaseRoute, Route

from pipedrive_sandbox import data
from pipedrive_sandbox.responses import error, ok
from pipedrive_sandbox.store import STRING_SORT_KEYS, Store, StoreError

Record = dict[str, Any]
Handler = Callable[[Request], Awaitable[Response]]

MAX_LIMIT = 500
DEFAULT_LIMIT = 100
VALIDATION_CODE = "ERR_SCHEMA_VALIDATION_FAILED"

# ---------------------------------------------------------------------------------------------------------
# Errors and the handler wrapper


class ApiError(Exception):
    """An error response: raised anywhere below a handler, rendered by ``endpoint``."""

    def __init__(self, status: int, message: str, error_info: str | None = None, **extra: Any) -> None:
        super().__init__(message)
        self.status = status
        self.message = message
        self.error_info = error_info
        self.extra = extra

    def response(self) -> Response:
        return error(self.status, self.message, self.error_info, **self.extra)


def invalid(param: str, what: str) -> ApiError:
    """A v2 validation error for ``param``."""
    return ApiError(400, f"Validation failed: {param}: {what}", code=VALIDATION_CODE)


def not_found(label: str) -> ApiError:
    return ApiError(404, f"{label} not found")


def endpoint(func: Callable[[Request], Awaitable[Response]]) -> Handler:
    """Wrap a handler so ``ApiError`` and ``StoreError`` become Pipedrive's error envelope."""

    @functools.wraps(func)
    async def wrapper(request: Request) -> Response:
        try:
            return await func(request)
        except ApiError as exc:
            return exc.response()
        except StoreError as exc:
            return error(exc.status, exc.message)

    return wrapper


def store_of(request: Request) -> Store:
    """The company's store: ``app.state.store``, or the app's ``SandboxState`` (``app.state.sandbox``)."""
    state = request.app.state
    store = getattr(state, "store", None)
    if store is None:
        store = state.sandbox.store
    return store


def user_of(request: Request) -> int:
    user_id = getattr(request.state, "user_id", None)
    return int(user_id) if user_id is not None else store_of(request).main_user_id


async def json_body(request: Request) -> Record:
    """The request's JSON object; url-encoded form bodies are accepted too, as Pipedrive does for v1."""
    raw = await request.body()
    content_type = request.headers.get("content-type", "")
    if "application/x-www-form-urlencoded" in content_type:
        # Parsed here rather than by request.form(), which needs python-multipart.
        try:
            return dict(parse_qsl(raw.decode(), keep_blank_values=True))
        except UnicodeDecodeError as exc:
            raise ApiError(400, "Invalid form body", code=VALIDATION_CODE) from exc
    if "multipart/form-data" in content_type:
        raise ApiError(415, "multipart/form-data bodies are not supported here; send JSON")
    if not raw.strip():
        return {}
    try:
        body = orjson.loads(raw)
    except orjson.JSONDecodeError as exc:
        raise ApiError(400, "Invalid JSON in request body", code=VALIDATION_CODE) from exc
    if not isinstance(body, dict):
        raise ApiError(400, "Validation failed: body: Expected object", code=VALIDATION_CODE)
    return body


# ---------------------------------------------------------------------------------------------------------
# Query parameters


def q_int(request: Request, name: str, *, minimum: int | None = None) -> int | None:
    raw = request.query_params.get(name)
    if raw is None or raw == "":
        return None
    try:
        value = int(raw)
    except ValueError as exc:
        raise invalid(name, "Expected number, received string") from exc
    if minimum is not None and value < minimum:
        raise invalid(name, f"Number must be greater than or equal to {minimum}")
    return check_int_range(value, name)


INT_MAX = 2**63 - 1  # what a JSON number from Pipedrive can hold (and what orjson can write back)


def check_int_range(value: int, name: str) -> int:
    if not -INT_MAX <= value <= INT_MAX:
        raise invalid(name, f"Number must be less than or equal to {INT_MAX}")
    return value


def q_bool(request: Request, name: str) -> bool | None:
    raw = request.query_params.get(name)
    if raw is None or raw == "":
        return None
    lowered = raw.lower()
    if lowered in ("true", "1"):
        return True
    if lowered in ("false", "0"):
        return False
    raise invalid(name, "Expected boolean, received string")


def q_enum(request: Request, name: str, allowed: Iterable[str], default: str | None = None) -> str | None:
    raw = request.query_params.get(name)
    if raw is None or raw == "":
        return default
    allowed = tuple(allowed)
    if raw not in allowed:
        options = " | ".join(f"'{a}'" for a in allowed)
        raise invalid(name, f"Invalid enum value. Expected {options}, received '{raw}'")
    return raw


def q_csv(
    request: Request, name: str, allowed: Iterable[str] | None = None, maximum: int | None = None
) -> list[str]:
    raw = request.query_params.get(name)
    if raw is None or raw.strip() == "":
        return []
    values = [part.strip() for part in raw.split(",") if part.strip()]
    if allowed is not None:
        allowed = set(allowed)
        for value in values:
            if value not in allowed:
                raise invalid(name, f"Invalid value '{value}'")
    if maximum is not None and len(values) > maximum:
        raise invalid(name, f"Array must contain at most {maximum} element(s)")
    return values


def q_ids(request: Request, name: str, maximum: int = 100) -> list[int] | None:
    values = q_csv(request, name, maximum=maximum)
    if not values:
        return None
    try:
        return [int(value) for value in values]
    except ValueError as exc:
        raise invalid(name, "Expected an array of numbers") from exc


_RFC3339 = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(Z|[+-]\d\d:\d\d)$")


def parse_rfc3339(value: str, name: str) -> int:
    """Epoch seconds of an RFC 3339 time stamp with whole seconds, as v2's time filters demand."""
    if not _RFC3339.match(value):
        raise invalid(name, "Invalid datetime, expected RFC3339 format like 2025-01-01T10:20:00Z")
    try:
        return int(datetime.fromisoformat(value.replace("Z", "+00:00")).timestamp())
    except ValueError as exc:
        raise invalid(name, "Invalid datetime") from exc


def q_time(request: Request, name: str) -> int | None:
    raw = request.query_params.get(name)
    if raw is None or raw == "":
        return None
    return parse_rfc3339(raw, name)


def q_limit(request: Request, maximum: int = MAX_LIMIT) -> int:
    limit = q_int(request, "limit")
    if limit is None:
        return DEFAULT_LIMIT
    if limit < 1:
        raise invalid("limit", "Number must be greater than or equal to 1")
    if limit > maximum:
        raise invalid("limit", f"Number must be less than or equal to {maximum}")
    return limit


# ---------------------------------------------------------------------------------------------------------
# Cursors


def encode_cursor(sort_by: str, value: Any, direction: str, record_id: Any) -> str:
    payload = {"field": sort_by, "fieldValue": value, "sortDirection": direction, "id": record_id}
    return base64.b64encode(orjson.dumps(payload)).decode().rstrip("=")


def decode_cursor(raw: str) -> Record:
    try:
        payload = orjson.loads(base64.b64decode(raw + "=" * (-len(raw) % 4), validate=False))
    except (binascii.Error, orjson.JSONDecodeError, ValueError) as exc:
        raise invalid("cursor", "Invalid cursor") from exc
    if not isinstance(payload, dict) or "id" not in payload or "field" not in payload:
        raise invalid("cursor", "Invalid cursor")
    return payload


def cursor_value(value: Any, sort_by: str) -> Any:
    """A cursor's sort value, checked to compare with the index it positions in (a 400, not a 500)."""
    if sort_by in STRING_SORT_KEYS:
        if not isinstance(value, str):
            raise invalid("cursor", "Invalid cursor")
        return value
    if isinstance(value, bool) or not isinstance(value, int):
        raise invalid("cursor", "Invalid cursor")
    return value


@dataclass
class Paging:
    sort_by: str
    descending: bool
    after: tuple[Any, Any] | None
    limit: int

    def next_cursor(self, page: list[Record], more: bool, store: Store) -> str | None:
        if not more or not page:
            return None
        last = page[-1]
        return encode_cursor(
            self.sort_by,
            store.sort_value(last, self.sort_by),
            "desc" if self.descending else "asc",
            last["id"],
        )


def paging(request: Request, sort_fields: Iterable[str] = ("id",), maximum: int = MAX_LIMIT) -> Paging:
    """Sorting and the position after the cursor; a cursor carries its own sort, as Pipedrive's do."""
    sort_fields = tuple(sort_fields)
    sort_by = q_enum(request, "sort_by", sort_fields, "id") or "id"
    direction = q_enum(request, "sort_direction", ("asc", "desc"), "asc")
    limit = q_limit(request, maximum)
    raw = request.query_params.get("cursor")
    after = None
    if raw:
        cursor = decode_cursor(raw)
        if cursor["field"] not in sort_fields:
            raise invalid("cursor", "Invalid cursor")
        sort_by = cursor["field"]
        direction = cursor.get("sortDirection", direction)
        if direction not in ("asc", "desc"):
            raise invalid("cursor", "Invalid cursor")
        after = (cursor_value(cursor.get("fieldValue"), sort_by), cursor_value(cursor["id"], "id"))
    return Paging(sort_by, direction == "desc", after, limit)


def list_response(
    store: Store, page: list[Record], more: bool, pg: Paging, render: Callable[[Record], Record]
) -> Response:
    return ok([render(record) for record in page], {"next_cursor": pg.next_cursor(page, more, store)})


# ---------------------------------------------------------------------------------------------------------
# Time formats


def iso(ts: int | None) -> str | None:
    """v2 time stamps: RFC 3339, UTC, whole seconds."""
    if ts is None:
        return None
    return time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(ts))


def v1_time(ts: int | None) -> str | None:
    """v1 time stamps: ``2019-02-04 13:58:03`` (UTC)."""
    if ts is None:
        return None
    return time.strftime("%Y-%m-%d %H:%M:%S", time.gmtime(ts))


_DATE = re.compile(r"^\d{4}-\d\d-\d\d$")
_TIME = re.compile(r"^([01]\d|2[0-3]):[0-5]\d(:[0-5]\d)?$")


def check_date(value: Any, name: str) -> str:
    if not isinstance(value, str) or not _DATE.match(value):
        raise invalid(name, "Invalid date, expected YYYY-MM-DD")
    try:
        datetime.strptime(value, "%Y-%m-%d")
    except ValueError as exc:
        raise invalid(name, "Invalid date") from exc
    return value


def check_time(value: Any, name: str) -> str:
    if not isinstance(value, str) or not _TIME.match(value):
        raise invalid(name, "Invalid time, expected HH:MM or HH:MM:SS")
    return value if len(value) == 8 else value + ":00"


# ---------------------------------------------------------------------------------------------------------
# Custom fields: canonical <-> v2 <-> v1


def custom_v2(definition: Record, value: Any, option_labels: bool = False) -> Any:
    """A canonical custom-field value as API v2 shows it."""
    if value is None:
        return None
    ftype = definition["field_type"]
    if ftype == "monetary":
        return {"value": value[0], "currency": value[1]}
    if ftype == "set":
        if option_labels:
            labels = {o["id"]: o["label"] for o in definition["options"] or []}
            return [{"id": v, "label": labels.get(v)} for v in value]
        return list(value)
    if ftype == "enum":
        if option_labels:
            labels = {o["id"]: o["label"] for o in definition["options"] or []}
            return {"id": value, "label": labels.get(value)}
        return value
    if ftype == "daterange":
        return {"start": value[0], "until": value[1]}
    if ftype == "time":
        return {"value": value[0], "timezone_id": value[1]}
    if ftype == "timerange":
        return {"start": value[0], "until": value[1], "timezone_id": value[2]}
    if ftype == "address":
        return dict(value)
    return value


def custom_fields_v2(store: Store, entity: str, record: Record, view: View) -> Record:
    out: Record = {}
    for definition in store.custom_fields(entity):
        key = definition["code"]
        if view.custom_keys is not None and key not in view.custom_keys:
            continue
        out[key] = custom_v2(definition, record.get(key), view.option_labels)
    return out


ADDRESS_KEYS = (
    "value",
    "country",
    "admin_area_level_1",
    "admin_area_level_2",
    "locality",
    "sublocality",
    "route",
    "street_number",
    "subpremise",
    "postal_code",
    "formatted_address",
)


def parse_address(value: Any, name: str) -> Record:
    if not isinstance(value, dict):
        raise invalid(name, "Expected object")
    address: Record = {}
    for key in ADDRESS_KEYS:
        part = value.get(key)
        if part is not None and not isinstance(part, str):
            raise invalid(f"{name}.{key}", "Expected string")
        address[key] = part
    if not address.get("formatted_address"):
        address["formatted_address"] = address.get("value")
    return address


def parse_custom_value(store: Store, definition: Record, value: Any, name: str) -> Any:
    """A v2 custom-field value (as a client sends it) in canonical form; raises for a wrong type."""
    if value is None:
        return None
    ftype = definition["field_type"]
    if ftype in ("varchar", "text", "varchar_auto", "phone"):
        if not isinstance(value, str):
            raise invalid(name, "Expected string")
        return value
    if ftype in ("double",):
        if isinstance(value, bool) or not isinstance(value, int | float):
            raise invalid(name, "Expected number")
        return float(value)
    if ftype == "monetary":
        if isinstance(value, int | float) and not isinstance(value, bool):
            return (float(value), store.default_currency)
        if (
            not isinstance(value, dict)
            or isinstance(value.get("value"), bool)
            or not isinstance(value.get("value"), int | float)
        ):
            raise invalid(name, "Expected object with a numeric value and a currency")
        currency = value.get("currency") or store.default_currency
        check_currency(store, currency, f"{name}.currency")
        return (float(value["value"]), currency)
    if ftype == "date":
        return check_date(value, name)
    if ftype == "daterange":
        if not isinstance(value, dict):
            raise invalid(name, "Expected object with start and until")
        return (
            check_date(value.get("start"), f"{name}.start"),
            check_date(value.get("until"), f"{name}.until"),
        )
    if ftype in ("time", "timerange"):
        if not isinstance(value, dict):
            raise invalid(name, "Expected object")
        timezone_id = value.get("timezone_id")
        if timezone_id is not None and (
            not isinstance(timezone_id, int) or timezone_id not in store.timezones
        ):
            raise invalid(f"{name}.timezone_id", "Unknown timezone")
        if ftype == "time":
            return (check_time(value.get("value"), f"{name}.value"), timezone_id)
        return (
            check_time(value.get("start"), f"{name}.start"),
            check_time(value.get("until"), f"{name}.until"),
            timezone_id,
        )
    if ftype in ("enum", "set"):
        option_ids = {o["id"] for o in definition["options"] or []}
        values = value if ftype == "set" else [value]
        if ftype == "set" and (not isinstance(value, list) or not value):
            raise invalid(name, "Expected a non-empty array of option ids (use null to clear)")
        for option in values:
            if isinstance(option, bool) or not isinstance(option, int):
                raise invalid(name, "Expected option id (number)")
            if option not in option_ids:
                raise invalid(name, f"Option {option} does not exist")
        return tuple(sorted(set(values))) if ftype == "set" else value
    if ftype == "address":
        return parse_address(value, name)
    if ftype in ("user", "people", "org"):
        if isinstance(value, bool) or not isinstance(value, int):
            raise invalid(name, "Expected number")
        kind = {"user": "user", "people": "person", "org": "organization"}[ftype]
        check_ref(store, kind, value, name)
        return value
    return value


def parse_custom_fields(store: Store, entity: str, value: Any) -> Record:
    if not isinstance(value, dict):
        raise invalid("custom_fields", "Expected object")
    by_key = {d["code"]: d for d in store.custom_fields(entity)}
    out: Record = {}
    for key, item in value.items():
        definition = by_key.get(key)
        if definition is None:
            raise invalid(f"custom_fields.{key}", "Custom field does not exist")
        out[key] = parse_custom_value(store, definition, item, f"custom_fields.{key}")
    return out


def check_currency(store: Store, code: Any, name: str) -> str:
    if not isinstance(code, str) or not any(c["code"] == code for c in store.tables["currency"].values()):
        raise invalid(name, f"Unknown currency '{code}'")
    return code


REF_LABEL = {
    "user": "User",
    "person": "Person",
    "organization": "Organization",
    "deal": "Deal",
    "pipeline": "Pipeline",
    "stage": "Stage",
    "product": "Product",
    "lead": "Lead",
    "activity": "Activity",
}


def check_ref(store: Store, kind: str, value: Any, name: str) -> Any:
    record = store.get(kind, value)
    if record is None or record.get("is_deleted"):
        raise invalid(name, f"{REF_LABEL.get(kind, kind)} with id {value} does not exist")
    return value


# ---------------------------------------------------------------------------------------------------------
# Body validation: declarative per entity


@dataclass(frozen=True)
class Rule:
    """How one body property is checked and turned into its canonical value."""

    kind: str  # str, int, num, bool, date, datetime, time, enum, ints, ref, address, contacts, prices, ...
    nullable: bool = False
    ref: str | None = None
    choices: tuple[Any, ...] = ()
    key: str | None = None  # canonical key when it differs from the property name


def parse_body(store: Store, rules: dict[str, Rule], body: Record, entity: str | None) -> Record:
    """The canonical changes a v2 body asks for; unknown properties are ignored, as Pipedrive's v2 does."""
    changes: Record = {}
    for name, value in body.items():
        if name == "custom_fields" and entity is not None:
            changes.update(parse_custom_fields(store, entity, value))
            continue
        rule = rules.get(name)
        if rule is None:
            continue
        changes[rule.key or name] = parse_value(store, rule, value, name)
    return changes


def parse_value(store: Store, rule: Rule, value: Any, name: str) -> Any:
    if value is None:
        if rule.nullable:
            return None
        raise invalid(name, "Expected value, received null")
    kind = rule.kind
    if kind == "str":
        if not isinstance(value, str):
            raise invalid(name, f"Expected string, received {_type_name(value)}")
        return value
    if kind == "int":
        if isinstance(value, bool) or not isinstance(value, int):
            raise invalid(name, f"Expected number, received {_type_name(value)}")
        return value
    if kind == "num":
        if isinstance(value, bool) or not isinstance(value, int | float):
            raise invalid(name, f"Expected number, received {_type_name(value)}")
        return float(value)
    if kind == "bool":
        if not isinstance(value, bool):
            raise invalid(name, f"Expected boolean, received {_type_name(value)}")
        return value
    if kind == "date":
        return check_date(value, name)
    if kind == "datetime":
        if not isinstance(value, str):
            raise invalid(name, "Expected string")
        if _DATE.match(value):
            return parse_rfc3339(value + "T00:00:00Z", name)
        return parse_rfc3339(
            value.replace(" ", "T") + ("" if value.endswith("Z") or "+" in value else "Z"), name
        )
    if kind == "time":
        return check_time(value, name)
    if kind == "duration":
        if not isinstance(value, str) or not re.match(r"^\d\d:[0-5]\d(:[0-5]\d)?$", value):
            raise invalid(name, "Invalid duration, expected HH:MM or HH:MM:SS")
        return value if len(value) == 8 else value + ":00"
    if kind == "enum":
        if value not in rule.choices:
            options = " | ".join(f"'{c}'" for c in rule.choices)
            raise invalid(name, f"Invalid enum value. Expected {options}, received '{value}'")
        return value
    if kind == "ints":
        if not isinstance(value, list) or any(isinstance(v, bool) or not isinstance(v, int) for v in value):
            raise invalid(name, "Expected array of numbers")
        return tuple(value)
    if kind == "ref":
        if isinstance(value, bool) or not isinstance(value, int):
            raise invalid(name, f"Expected number, received {_type_name(value)}")
        assert rule.ref is not None
        return check_ref(store, rule.ref, value, name)
    if kind == "lead_ref":
        if not isinstance(value, str):
            raise invalid(name, "Expected string (uuid)")
        return check_ref(store, "lead", value, name)
    if kind == "currency":
        return check_currency(store, value, name)
    if kind == "address":
        return parse_address(value, name)
    if kind == "contacts":
        return parse_contacts(value, name)
    if kind == "participants":
        return parse_participants(store, value, name)
    if kind == "prices":
        return parse_prices(store, value, name)
    if kind == "list":
        if not isinstance(value, list):
            raise invalid(name, "Expected array")
        return tuple(value)
    raise AssertionError(kind)


def _type_name(value: Any) -> str:
    if isinstance(value, bool):
        return "boolean"
    if isinstance(value, int | float):
        return "number"
    if isinstance(value, str):
        return "string"
    if isinstance(value, list):
        return "array"
    if value is None:
        return "null"
    return "object"


def parse_contacts(value: Any, name: str) -> tuple[tuple[str, str, bool], ...]:
    """``[{value, primary, label}]`` as canonical ``(value, label, primary)`` tuples, one primary."""
    if not isinstance(value, list):
        raise invalid(name, "Expected array")
    out: list[tuple[str, str, bool]] = []
    for index, item in enumerate(value):
        if not isinstance(item, dict) or not isinstance(item.get("value"), str):
            raise invalid(f"{name}.{index}.value", "Expected string")
        label = item.get("label") or "work"
        primary = item.get("primary", False)
        if not isinstance(label, str) or not isinstance(primary, bool):
            raise invalid(f"{name}.{index}", "Expected label string and primary boolean")
        out.append((item["value"], label, primary))
    if out and not any(entry[2] for entry in out):
        out[0] = (out[0][0], out[0][1], True)
    return tuple(out)


def parse_participants(store: Store, value: Any, name: str) -> tuple[tuple[int, bool], ...]:
    if not isinstance(value, list):
        raise invalid(name, "Expected array")
    out: list[tuple[int, bool]] = []
    for index, item in enumerate(value):
        if (
            not isinstance(item, dict)
            or isinstance(item.get("person_id"), bool)
            or not isinstance(item.get("person_id"), int)
        ):
            raise invalid(f"{name}.{index}.person_id", "Expected number")
        check_ref(store, "person", item["person_id"], f"{name}.{index}.person_id")
        out.append((item["person_id"], bool(item.get("primary", False))))
    return tuple(out)


def parse_prices(store: Store, value: Any, name: str) -> tuple[tuple[str, float, float, float | None], ...]:
    if not isinstance(value, list):
        raise invalid(name, "Expected array")
    out: list[tuple[str, float, float, float | None]] = []
    seen: set[str] = set()
    for index, item in enumerate(value):
        if not isinstance(item, dict):
            raise invalid(f"{name}.{index}", "Expected object")
        currency = check_currency(store, item.get("currency"), f"{name}.{index}.currency")
        if currency in seen:
            raise invalid(f"{name}.{index}.currency", "Only one price per currency is allowed")
        seen.add(currency)
        numbers = []
        for part in ("price", "cost", "direct_cost"):
            number = item.get(part, 0 if part != "direct_cost" else None)
            if number is not None and (isinstance(number, bool) or not isinstance(number, int | float)):
                raise invalid(f"{name}.{index}.{part}", "Expected number")
            numbers.append(None if number is None else float(number))
        out.append((currency, numbers[0] or 0.0, numbers[1] or 0.0, numbers[2]))
    return tuple(out)


VISIBLE_TO = (1, 3, 5, 7)

DEAL_RULES = {
    "title": Rule("str"),
    "owner_id": Rule("ref", ref="user"),
    "person_id": Rule("ref", nullable=True, ref="person"),
    "org_id": Rule("ref", nullable=True, ref="organization"),
    "pipeline_id": Rule("ref", ref="pipeline"),
    "stage_id": Rule("ref", ref="stage"),
    "value": Rule("num"),
    "currency": Rule("currency"),
    "is_deleted": Rule("bool"),
    "is_archived": Rule("bool"),
    "archive_time": Rule("datetime", nullable=True),
    "status": Rule("enum", choices=("open", "won", "lost")),
    "probability": Rule("num", nullable=True),
    "lost_reason": Rule("str", nullable=True),
    "visible_to": Rule("enum", choices=VISIBLE_TO),
    "close_time": Rule("datetime", nullable=True),
    "won_time": Rule("datetime", nullable=True),
    "lost_time": Rule("datetime", nullable=True),
    "expected_close_date": Rule("date", nullable=True),
    "label_ids": Rule("ints"),
    "add_time": Rule("datetime"),
}
PERSON_RULES = {
    "name": Rule("str"),
    "owner_id": Rule("ref", ref="user"),
    "org_id": Rule("ref", nullable=True, ref="organization"),
    "add_time": Rule("datetime"),
    "emails": Rule("contacts"),
    "phones": Rule("contacts"),
    "visible_to": Rule("enum", choices=VISIBLE_TO),
    "label_ids": Rule("ints"),
    "postal_address": Rule("address", nullable=True),
    "notes": Rule("str", nullable=True),
    "im": Rule("contacts"),
    "birthday": Rule("date", nullable=True),
    "job_title": Rule("str", nullable=True),
    "marketing_status": Rule("enum", choices=("no_consent", "unsubscribed", "subscribed", "archived")),
}
ORGANIZATION_RULES = {
    "name": Rule("str"),
    "owner_id": Rule("ref", ref="user"),
    "add_time": Rule("datetime"),
    "visible_to": Rule("enum", choices=VISIBLE_TO),
    "label_ids": Rule("ints"),
    "address": Rule("address", nullable=True),
    "website": Rule("str", nullable=True),
    "linkedin": Rule("str", nullable=True),
    "industry": Rule("int", nullable=True),
    "annual_revenue": Rule("int", nullable=True),
    "employee_count": Rule("int", nullable=True),
}
ACTIVITY_RULES = {
    "subject": Rule("str"),
    "type": Rule("str"),
    "owner_id": Rule("ref", ref="user"),
    "deal_id": Rule("ref", nullable=True, ref="deal"),
    "lead_id": Rule("lead_ref", nullable=True),
    "person_id": Rule("ref", nullable=True, ref="person"),
    "org_id": Rule("ref", nullable=True, ref="organization"),
    "project_id": Rule("int", nullable=True),
    "due_date": Rule("date", nullable=True),
    "due_time": Rule("time", nullable=True),
    "duration": Rule("duration", nullable=True),
    "busy": Rule("bool"),
    "done": Rule("bool"),
    "location": Rule("address", nullable=True),
    "participants": Rule("participants"),
    "attendees": Rule("list"),
    "public_description": Rule("str", nullable=True),
    "priority": Rule("int", nullable=True),
    "note": Rule("str", nullable=True),
}
BILLING = ("one-time", "annually", "semi-annually", "quarterly", "monthly", "weekly")
PRODUCT_RULES = {
    "name": Rule("str"),
    "code": Rule("str", nullable=True),
    "description": Rule("str", nullable=True),
    "unit": Rule("str", nullable=True),
    "tax": Rule("num"),
    "category": Rule("int", nullable=True),
    "owner_id": Rule("ref", ref="user"),
    "is_linkable": Rule("bool"),
    "visible_to": Rule("enum", choices=VISIBLE_TO),
    "prices": Rule("prices"),
    "billing_frequency": Rule("enum", choices=BILLING),
    "billing_frequency_cycles": Rule("int", nullable=True),
}
PIPELINE_RULES = {"name": Rule("str"), "is_deal_probability_enabled": Rule("bool")}
STAGE_RULES = {
    "name": Rule("str"),
    "pipeline_id": Rule("ref", ref="pipeline"),
    "deal_probability": Rule("int"),
    "is_deal_rot_enabled": Rule("bool"),
    "days_to_rotten": Rule("int", nullable=True),
}
DEAL_PRODUCT_RULES = {
    "product_id": Rule("ref", ref="product"),
    "item_price": Rule("num"),
    "quantity": Rule("num"),
    "tax": Rule("num"),
    "comments": Rule("str", nullable=True),
    "discount": Rule("num"),
    "is_enabled": Rule("bool"),
    "tax_method": Rule("enum", choices=("exclusive", "inclusive", "none")),
    "discount_type": Rule("enum", choices=("percentage", "amount")),
    "product_variation_id": Rule("int", nullable=True),
    "billing_frequency": Rule("enum", choices=BILLING),
    "billing_frequency_cycles": Rule("int", nullable=True),
    "billing_start_date": Rule("date", nullable=True),
}


# ---------------------------------------------------------------------------------------------------------
# Rendering


@dataclass
class View:
    """Per-request rendering options."""

    custom_keys: set[str] | None = None  # custom_fields=...: only these keys
    option_labels: bool = False  # include_option_labels=true
    include: tuple[str, ...] = ()  # include_fields=...
    labels: bool = False  # include_labels=true


def deal_v2(store: Store, record: Record, view: View) -> Record:
    deleted = bool(record.get("is_deleted"))
    get = record.get
    out: Record = {
        "id": record["id"],
        "title": record["title"],
        "creator_user_id": get("creator_user_id"),
        "owner_id": get("owner_id"),
        "person_id": get("person_id"),
        "org_id": get("org_id"),
        "pipeline_id": get("pipeline_id"),
        "stage_id": get("stage_id"),
        "value": get("value", 0.0),
        "currency": get("currency"),
        "add_time": iso(get("add_time")),
        "update_time": iso(get("update_time")),
        "stage_change_time": iso(get("stage_change_time")),
        "is_deleted": deleted,
        "is_archived": bool(get("is_archived")),
        "archive_time": iso(get("archive_time")),
        "status": "deleted" if deleted else get("status"),
        "probability": get("probability"),
        "lost_reason": get("lost_reason"),
        "visible_to": get("visible_to", 3),
        "close_time": iso(get("close_time")),
        "won_time": iso(get("won_time")),
        "lost_time": iso(get("lost_time")),
        "expected_close_date": get("expected_close_date"),
        "label_ids": list(get("label_ids", ())),
        "origin": get("origin"),
        "origin_id": get("origin_id"),
        "channel": get("channel"),
        "channel_id": get("channel_id"),
        "source_lead_id": get("source_lead_id"),
        "arr": get("arr"),
        "mrr": get("mrr"),
        "acv": get("acv"),
        "custom_fields": custom_fields_v2(store, "deal", record, view),
    }
    if view.labels:
        out["labels"] = _labels(store, "deal", out["label_ids"])
    if view.include:
        out.update(included_deal_fields(store, record, view.include))
    return out


def _labels(store: Store, entity: str, label_ids: list[int]) -> list[Record]:
    definition = store.field_by_code(entity, "label_ids")
    names = {o["id"]: o["label"] for o in (definition or {}).get("options") or []}
    return [{"id": i, "label": names.get(i)} for i in label_ids]


def contacts_v2(entries: Iterable[tuple[str, str, bool]]) -> list[Record]:
    return [{"value": value, "primary": primary, "label": label} for value, label, primary in entries]


def address_v2(address: Record | None) -> Record | None:
    if address is None:
        return None
    return {key: address.get(key) for key in ADDRESS_KEYS[:-1]}


def person_v2(store: Store, record: Record, view: View) -> Record:
    get = record.get
    out: Record = {
        "id": record["id"],
        "name": record["name"],
        "first_name": get("first_name"),
        "last_name": get("last_name"),
        "owner_id": get("owner_id"),
        "org_id": get("org_id"),
        "add_time": iso(get("add_time")),
        "update_time": iso(get("update_time")),
        "emails": contacts_v2(get("emails", ())),
        "phones": contacts_v2(get("phones", ())),
        "is_deleted": bool(get("is_deleted")),
        "visible_to": get("visible_to", 3),
        "label_ids": list(get("label_ids", ())),
        "picture_id": get("picture_id"),
        "custom_fields": custom_fields_v2(store, "person", record, view),
    }
    # Pipedrive leaves these out of a person that has none of them.
    for key in ("notes", "birthday", "job_title"):
        if get(key) is not None:
            out[key] = get(key)
    if get("im"):
        out["im"] = contacts_v2(record["im"])
    if get("postal_address"):
        out["postal_address"] = address_v2(get("postal_address"))
    return _with_party_extras(store, "person", record, view, out)


def _with_party_extras(store: Store, entity: str, record: Record, view: View, out: Record) -> Record:
    """``out`` (a person or organization) with the labels and included fields the view asks for."""
    if view.labels:
        out["labels"] = _labels(store, entity, out["label_ids"])
    if view.include:
        out.update(included_party_fields(store, entity, record, view.include))
    return out


def organization_v2(store: Store, record: Record, view: View) -> Record:
    get = record.get
    out: Record = {
        "id": record["id"],
        "name": record["name"],
        "owner_id": get("owner_id"),
        "add_time": iso(get("add_time")),
        "update_time": iso(get("update_time")),
        "is_deleted": bool(get("is_deleted")),
        "visible_to": get("visible_to", 3),
        "address": address_v2(get("address")),
        "label_ids": list(get("label_ids", ())),
        "website": get("website"),
        "linkedin": get("linkedin"),
        "industry": get("industry"),
        "annual_revenue": get("annual_revenue"),
        "employee_count": get("employee_count"),
        "custom_fields": custom_fields_v2(store, "organization", record, view),
    }
    return _with_party_extras(store, "organization", record, view, out)


def activity_v2(store: Store, record: Record, view: View) -> Record:
    get = record.get
    out: Record = {
        "id": record["id"],
        "subject": get("subject"),
        "type": get("type"),
        "owner_id": get("owner_id"),
        "creator_user_id": get("creator_user_id"),
        "is_deleted": bool(get("is_deleted")),
        "add_time": iso(get("add_time")),
        "update_time": iso(get("update_time")),
        "deal_id": get("deal_id"),
        "lead_id": get("lead_id"),
        "person_id": get("person_id"),
        "org_id": get("org_id"),
        "project_id": get("project_id"),
        "due_date": get("due_date"),
        "due_time": get("due_time"),
        "duration": get("duration"),
        "busy": bool(get("busy")),
        "done": bool(get("done")),
        "marked_as_done_time": iso(get("marked_as_done_time")),
        "location": address_v2(get("location")),
        "participants": [{"person_id": pid, "primary": primary} for pid, primary in get("participants", ())],
        "conference_meeting_client": get("conference_meeting_client"),
        "conference_meeting_url": get("conference_meeting_url"),
        "conference_meeting_id": get("conference_meeting_id"),
        "public_description": get("public_description"),
        "priority": get("priority"),
        "note": get("note"),
    }
    if "attendees" in view.include:
        out["attendees"] = list(get("attendees", ()))
    return out


def product_v2(store: Store, record: Record, view: View) -> Record:
    get = record.get
    categories = {
        o["id"]: o["label"] for o in (store.field_by_code("product", "category") or {}).get("options") or []
    }
    return {
        "id": record["id"],
        "name": record["name"],
        "code": get("code"),
        "description": get("description"),
        "unit": get("unit"),
        "tax": get("tax", 0.0),
        "category": categories.get(get("category")) if get("category") is not None else None,
        "is_linkable": bool(get("is_linkable", True)),
        "is_deleted": bool(get("is_deleted")),
        "visible_to": get("visible_to", 3),
        "owner_id": get("owner_id"),
        "add_time": iso(get("add_time")),
        "update_time": iso(get("update_time")),
        "billing_frequency": get("billing_frequency", "one-time"),
        "billing_frequency_cycles": get("billing_frequency_cycles"),
        "prices": [
            {
                "product_id": record["id"],
                "price": price,
                "currency": currency,
                "cost": cost,
                "direct_cost": direct,
                "notes": "",
            }
            for currency, price, cost, direct in get("prices", ())
        ],
        "custom_fields": custom_fields_v2(store, "product", record, view),
    }


def pipeline_v2(store: Store, record: Record, view: View) -> Record:
    return {
        "id": record["id"],
        "name": record["name"],
        "order_nr": record.get("order_nr", 0),
        "is_deleted": bool(record.get("is_deleted")),
        "is_deal_probability_enabled": bool(record.get("is_deal_probability_enabled", True)),
        "add_time": iso(record.get("add_time")),
        "update_time": iso(record.get("update_time")),
    }


def stage_v2(store: Store, record: Record, view: View) -> Record:
    return {
        "id": record["id"],
        "order_nr": record.get("order_nr", 0),
        "name": record["name"],
        "is_deleted": bool(record.get("is_deleted")),
        "deal_probability": record.get("deal_probability", 100),
        "pipeline_id": record["pipeline_id"],
        "is_deal_rot_enabled": bool(record.get("is_deal_rot_enabled")),
        "days_to_rotten": record.get("days_to_rotten"),
        "add_time": iso(record.get("add_time")),
        "update_time": iso(record.get("update_time")),
    }


def deal_product_sum(record: Record) -> float:
    """The row total Pipedrive shows: price x quantity, less the discount, plus exclusive tax."""
    return data.line_total(record)


def deal_value_from_products(store: Store, deal: Record, user_id: int) -> None:
    """Pipedrive keeps a deal with products worth what its enabled products add up to."""
    lines = [
        r
        for r in store.tables["deal_product"].values()
        if r["deal_id"] == deal["id"] and r.get("is_enabled", True)
    ]
    changes: Record = {}
    if lines:
        total = sum(deal_product_sum(line) for line in lines)
        changes["value"] = round(total, 0 if deal.get("currency") == "JPY" else 2)
    store.update("deal", deal, changes, user_id)


def deal_product_v2(store: Store, record: Record, view: View) -> Record:
    get = record.get
    return {
        "id": record["id"],
        "sum": deal_product_sum(record),
        "tax": get("tax", 0.0),
        "deal_id": record["deal_id"],
        "name": get("name"),
        "product_id": record["product_id"],
        "product_variation_id": get("product_variation_id"),
        "order_nr": get("order_nr"),
        "add_time": iso(get("add_time")),
        "update_time": iso(get("update_time")),
        "comments": get("comments", ""),
        "currency": get("currency"),
        "discount": get("discount", 0.0),
        "discount_type": get("discount_type", "percentage"),
        "quantity": record["quantity"],
        "item_price": record["item_price"],
        "tax_method": get("tax_method", "none"),
        "is_enabled": bool(get("is_enabled", True)),
        "billing_frequency": get("billing_frequency", "one-time"),
        "billing_frequency_cycles": get("billing_frequency_cycles"),
        "billing_start_date": get("billing_start_date"),
    }


# -- include_fields: counts and related ids ------------------------------------------------------------------

# The counts a deal carries in v1 and can include in v2.
DEAL_COUNTS = (
    "products_count",
    "files_count",
    "notes_count",
    "followers_count",
    "email_messages_count",
    "activities_count",
    "done_activities_count",
    "undone_activities_count",
    "participants_count",
)
DEAL_INCLUDE = (
    "next_activity_id",
    "last_activity_id",
    "first_won_time",
    *DEAL_COUNTS,
    "last_incoming_mail_time",
    "last_outgoing_mail_time",
    "smart_bcc_email",
    "source_lead_id",
)
PERSON_INCLUDE = (
    "next_activity_id",
    "last_activity_id",
    "open_deals_count",
    "related_open_deals_count",
    "closed_deals_count",
    "related_closed_deals_count",
    "participant_open_deals_count",
    "participant_closed_deals_count",
    "email_messages_count",
    "activities_count",
    "done_activities_count",
    "undone_activities_count",
    "files_count",
    "notes_count",
    "followers_count",
    "won_deals_count",
    "related_won_deals_count",
    "lost_deals_count",
    "related_lost_deals_count",
    "last_incoming_mail_time",
    "last_outgoing_mail_time",
    "marketing_status",
    "doi_status",
    "smart_bcc_email",
)
ORGANIZATION_INCLUDE = (
    "next_activity_id",
    "last_activity_id",
    "open_deals_count",
    "related_open_deals_count",
    "closed_deals_count",
    "related_closed_deals_count",
    "email_messages_count",
    "people_count",
    "activities_count",
    "done_activities_count",
    "undone_activities_count",
    "files_count",
    "notes_count",
    "followers_count",
    "won_deals_count",
    "related_won_deals_count",
    "lost_deals_count",
    "related_lost_deals_count",
    "smart_bcc_email",
)


def activity_marks(store: Store, key: str) -> tuple[dict[Any, int], dict[Any, int]]:
    """(next undone activity, last done activity) per value of ``key`` (deal_id, person_id, org_id)."""

    def compute() -> tuple[dict[Any, int], dict[Any, int]]:
        upcoming: dict[Any, tuple[Any, int]] = {}
        last: dict[Any, tuple[Any, int]] = {}
        for activity in store.tables["activity"].values():
            owner = activity.get(key)
            if owner is None or activity.get("is_deleted"):
                continue
            stamp = (activity.get("due_date") or "", activity.get("due_time") or "", activity["id"])
            if activity.get("done"):
                if owner not in last or stamp > last[owner][0]:
                    last[owner] = (stamp, activity["id"])
            elif owner not in upcoming or stamp < upcoming[owner][0]:
                upcoming[owner] = (stamp, activity["id"])
        return ({k: v[1] for k, v in upcoming.items()}, {k: v[1] for k, v in last.items()})

    return store.cached(("activity_marks", key), ("activity",), compute)


def activity_counts(store: Store, key: str, record_id: Any) -> tuple[int, int]:
    total = store.count_by("activity", key)[record_id]
    done = store.count_by("activity", key, ("done", True))[record_id]
    return total, done


def included_deal_fields(store: Store, record: Record, names: Iterable[str]) -> Record:
    did = record["id"]
    out: Record = {}
    for name in names:
        if name in ("next_activity_id", "last_activity_id"):
            upcoming, last = activity_marks(store, "deal_id")
            out[name] = (upcoming if name == "next_activity_id" else last).get(did)
        elif name == "first_won_time":
            out[name] = iso(record.get("won_time"))
        elif name == "products_count":
            out[name] = store.count_by("deal_product", "deal_id")[did]
        elif name == "files_count":
            out[name] = store.count_by("file", "deal_id")[did]
        elif name == "notes_count":
            out[name] = store.count_by("note", "deal_id")[did]
        elif name == "followers_count":
            out[name] = 1
        elif name == "email_messages_count":
            out[name] = 0
        elif name in ("activities_count", "done_activities_count", "undone_activities_count"):
            total, done = activity_counts(store, "deal_id", did)
            out[name] = {"activities_count": total, "done_activities_count": done}.get(name, total - done)
        elif name == "participants_count":
            out[name] = store.count_by("participant", "deal_id")[did]
        elif name in ("last_incoming_mail_time", "last_outgoing_mail_time"):
            out[name] = None
        elif name == "smart_bcc_email":
            out[name] = f"{store.company_domain}+deal{did}@pipedrivemail.com"
        elif name == "source_lead_id":
            out[name] = record.get("source_lead_id")
    return out


def included_party_fields(store: Store, entity: str, record: Record, names: Iterable[str]) -> Record:
    """include_fields for persons and organizations: deal, activity, file and note counts."""
    rid = record["id"]
    key = "person_id" if entity == "person" else "org_id"
    out: Record = {}
    for name in names:
        if name in ("next_activity_id", "last_activity_id"):
            upcoming, last = activity_marks(store, key)
            out[name] = (upcoming if name == "next_activity_id" else last).get(rid)
        elif name.endswith("_deals_count") and not name.startswith("participant"):
            status = name.removeprefix("related_").removesuffix("_deals_count")
            if status == "closed":
                out[name] = (
                    store.count_by("deal", key, ("status", "won"))[rid]
                    + store.count_by("deal", key, ("status", "lost"))[rid]
                )
            else:
                out[name] = store.count_by("deal", key, ("status", status))[rid]
        elif name.startswith("participant_"):
            out[name] = participant_deal_counts(store).get((rid, name), 0)
        elif name in ("activities_count", "done_activities_count", "undone_activities_count"):
            total, done = activity_counts(store, key, rid)
            out[name] = {"activities_count": total, "done_activities_count": done}.get(name, total - done)
        elif name == "files_count":
            out[name] = store.count_by("file", key)[rid]
        elif name == "notes_count":
            out[name] = store.count_by("note", key)[rid]
        elif name == "people_count":
            out[name] = store.count_by("person", "org_id")[rid]
        elif name == "followers_count":
            out[name] = 1
        elif name == "email_messages_count":
            out[name] = 0
        elif name in ("last_incoming_mail_time", "last_outgoing_mail_time", "doi_status"):
            out[name] = None
        elif name == "marketing_status":
            out[name] = record.get("marketing_status", "no_consent")
        elif name == "smart_bcc_email":
            out[name] = f"{store.company_domain}+{entity}{rid}@pipedrivemail.com"
    return out


def participant_deal_counts(store: Store) -> dict[tuple[int, str], int]:
    def compute() -> dict[tuple[int, str], int]:
        counts: dict[tuple[int, str], int] = {}
        deals = store.tables["deal"]
        for participant in store.tables["participant"].values():
            deal = deals.get(participant["deal_id"])
            if deal is None or deal.get("is_deleted"):
                continue
            name = (
                "participant_open_deals_count"
                if deal["status"] == "open"
                else "participant_closed_deals_count"
            )
            key = (participant["person_id"], name)
            counts[key] = counts.get(key, 0) + 1
        return counts

    return store.cached("participant_deal_counts", ("participant", "deal"), compute)


# ---------------------------------------------------------------------------------------------------------
# Entities: list, get, create, update, delete


@dataclass(frozen=True)
class Entity:
    kind: str  # the store's kind
    path: str  # "deals"
    label: str  # "Deal" (for "Deal not found")
    render: Callable[[Store, Record, View], Record]
    rules: dict[str, Rule]
    required: tuple[str, ...] = ()
    fields_entity: str | None = None  # whose custom fields the records carry
    sort_fields: tuple[str, ...] = ("id", "update_time", "add_time")
    filters: dict[str, str] = field(default_factory=dict)  # query parameter -> record key (int equality)
    include: tuple[str, ...] = ()
    custom_fields_param: bool = False
    option_labels_param: bool = False
    has_status: bool = False  # deals: the status filter, deleted records with status=deleted
    filter_type: str | None = None  # the /v1/filters type its filter_id must have
    create_status: int = 200


def _view(request: Request, entity: Entity) -> View:
    keys = q_csv(request, "custom_fields", maximum=15) if entity.custom_fields_param else []
    return View(
        custom_keys=set(keys) if keys else None,
        option_labels=bool(q_bool(request, "include_option_labels")) if entity.option_labels_param else False,
        include=tuple(q_csv(request, "include_fields", entity.include)) if entity.include else (),
        labels=bool(q_bool(request, "include_labels")) if entity.option_labels_param else False,
    )


def filter_for(store: Store, filter_id: int, filter_type: str | None) -> Record:
    flt = store.get("filter", filter_id)
    if flt is None or not flt.get("active_flag", True):
        raise ApiError(404, "Filter not found")
    if filter_type is not None and flt["type"] != filter_type:
        raise invalid("filter_id", f"Filter {filter_id} is not a {filter_type} filter")
    return flt


def list_predicate(
    request: Request, store: Store, entity: Entity, archived: bool | None = None
) -> tuple[Any, list[int] | None]:
    """The predicate of a v2 list request and the candidate ids (``ids=``), or None for a full scan."""
    preds: list[Callable[[Record], bool]] = []
    filter_id = q_int(request, "filter_id")
    ids = q_ids(request, "ids")
    statuses: list[str] = []
    if entity.has_status:
        statuses = q_csv(request, "status", ("open", "won", "lost", "deleted"))
    if filter_id is not None:
        flt = filter_for(store, filter_id, entity.filter_type)
        preds.append(store.filter_predicate(flt, entity.fields_entity or entity.kind))
        ids = None
        statuses = []
    else:
        for param, key in entity.filters.items():
            value = q_int(request, param) if param != "lead_id" else request.query_params.get(param) or None
            if value is not None:
                preds.append(_equals(key, value))
        if entity.kind == "activity":
            done = q_bool(request, "done")
            if done is not None:
                preds.append(_done_is(done))
        if entity.kind == "person":
            deal_id = q_int(request, "deal_id")
            if deal_id is not None:
                linked = persons_of_deal(store, deal_id)
                preds.append(lambda r: r["id"] in linked)
    since = q_time(request, "updated_since")
    until = q_time(request, "updated_until")
    if since is not None:
        preds.append(lambda r: r.get("update_time", 0) >= since)
    if until is not None:
        preds.append(lambda r: r.get("update_time", 0) < until)
    if statuses:
        wanted = set(statuses)
        preds.append(lambda r: ("deleted" in wanted) if r.get("is_deleted") else r.get("status") in wanted)
    else:
        preds.append(lambda r: not r.get("is_deleted"))
    if archived is not None:
        preds.append(lambda r: bool(r.get("is_archived")) == archived)

    def match(record: Record) -> bool:
        return all(pred(record) for pred in preds)

    return match, ids


def _done_is(done: bool) -> Callable[[Record], bool]:
    return lambda record: bool(record.get("done")) == done


def _equals(key: str, value: Any) -> Callable[[Record], bool]:
    return lambda record: record.get(key) == value


def persons_of_deal(store: Store, deal_id: int) -> set[int]:
    """A deal's persons: its contact person and its participants."""
    deal = store.get("deal", deal_id)
    linked = {p["person_id"] for p in store.tables["participant"].values() if p["deal_id"] == deal_id}
    if deal is not None and deal.get("person_id"):
        linked.add(deal["person_id"])
    return linked


def record_or_404(store: Store, entity: Entity, raw_id: str) -> Record:
    record_id = path_int(raw_id, "id")
    record = store.get(entity.kind, record_id)
    if record is None:
        raise not_found(entity.label)
    return record


def path_int(raw: str, name: str) -> int:
    try:
        value = int(raw)
    except ValueError as exc:
        raise invalid(name, "Expected number, received string") from exc
    if value < 1:
        raise invalid(name, "Number must be greater than or equal to 1")
    return check_int_range(value, name)


def make_list(entity: Entity, archived: bool | None = None) -> Handler:
    @endpoint
    async def handler(request: Request) -> Response:
        store = store_of(request)
        view = _view(request, entity)
        pg = paging(request, entity.sort_fields)
        since = until = None
        if entity.kind == "stage":
            pipeline_id = q_int(request, "pipeline_id")
            pred: Any = _stage_filter(pipeline_id)
            ids = None
        else:
            pred, ids = list_predicate(request, store, entity, archived)
            since, until = q_time(request, "updated_since"), q_time(request, "updated_until")
        page, more = store.page(
            entity.kind,
            pred,
            sort_by=pg.sort_by,
            descending=pg.descending,
            after=pg.after,
            limit=pg.limit,
            candidates=ids,
            since=since,
            until=until,
        )
        return list_response(store, page, more, pg, lambda r: entity.render(store, r, view))

    return handler


def _stage_filter(pipeline_id: int | None) -> Callable[[Record], bool]:
    def match(record: Record) -> bool:
        return not record.get("is_deleted") and (pipeline_id is None or record["pipeline_id"] == pipeline_id)

    return match


def make_get(entity: Entity) -> Handler:
    @endpoint
    async def handler(request: Request) -> Response:
        store = store_of(request)
        view = _view(request, entity)
        record = record_or_404(store, entity, request.path_params["id"])
        return ok(entity.render(store, record, view))

    return handler


def make_create(entity: Entity) -> Handler:
    @endpoint
    async def handler(request: Request) -> Response:
        store = store_of(request)
        body = await json_body(request)
        for name in entity.required:
            if body.get(name) in (None, ""):
                raise invalid(name, "Required")
        changes = parse_body(store, entity.rules, body, entity.fields_entity)
        check_entity_rules(store, entity, None, changes)
        if changes.pop("is_deleted", False):
            changes["is_deleted"] = True
        record = store.create(entity.kind, changes, user_of(request))
        return ok(entity.render(store, record, View()), status=entity.create_status)

    return handler


def make_update(entity: Entity) -> Handler:
    @endpoint
    async def handler(request: Request) -> Response:
        store = store_of(request)
        record = record_or_404(store, entity, request.path_params["id"])
        body = await json_body(request)
        for name in entity.required:
            if name in body and body[name] in (None, ""):
                raise invalid(name, "Cannot be empty")
        changes = parse_body(store, entity.rules, body, entity.fields_entity)
        check_entity_rules(store, entity, record, changes)
        if changes.get("is_deleted") is False:
            changes["is_deleted"] = None
        store.update(entity.kind, record, changes, user_of(request))
        return ok(entity.render(store, record, View()))

    return handler


def make_delete(entity: Entity) -> Handler:
    @endpoint
    async def handler(request: Request) -> Response:
        store = store_of(request)
        record = record_or_404(store, entity, request.path_params["id"])
        if record.get("is_deleted"):
            raise not_found(entity.label)
        store.delete(entity.kind, record, user_of(request))
        return ok({"id": record["id"]})

    return handler


def check_entity_rules(store: Store, entity: Entity, old: Record | None, changes: Record) -> None:
    """Cross-field checks Pipedrive makes before a write."""
    if entity.kind == "deal":
        stage_id = changes.get("stage_id")
        pipeline_id = changes.get("pipeline_id")
        if (
            stage_id is not None
            and pipeline_id is not None
            and store.tables["stage"][stage_id]["pipeline_id"] != pipeline_id
        ):
            raise invalid("stage_id", f"Stage {stage_id} does not belong to pipeline {pipeline_id}")
        if changes.get("status") == "lost" and "lost_reason" not in changes and old is not None:
            changes.setdefault("lost_reason", old.get("lost_reason"))
    if entity.kind == "activity" and "type" in changes:
        types = {
            t["key_string"] for t in store.tables["activity_type"].values() if t.get("active_flag", True)
        }
        if changes["type"] not in types:
            raise invalid("type", f"Activity type '{changes['type']}' does not exist")
    if entity.kind == "activity" and old is None and not changes.get("subject"):
        names = {t["key_string"]: t["name"] for t in store.tables["activity_type"].values()}
        changes["subject"] = names.get(changes.get("type", "task"), "Task")
    if entity.kind == "stage" and old is None:
        siblings = [s for s in store.tables["stage"].values() if s["pipeline_id"] == changes["pipeline_id"]]
        changes.setdefault("order_nr", max((s["order_nr"] for s in siblings), default=-1) + 1)
        changes.setdefault("deal_probability", 100)
        changes.setdefault("is_deal_rot_enabled", False)
    if entity.kind == "pipeline" and old is None:
        changes.setdefault(
            "order_nr", max((p["order_nr"] for p in store.tables["pipeline"].values()), default=-1) + 1
        )
        changes.setdefault("is_deal_probability_enabled", False)


ENTITIES: dict[str, Entity] = {
    "deals": Entity(
        kind="deal",
        path="deals",
        label="Deal",
        render=deal_v2,
        rules=DEAL_RULES,
        required=("title",),
        fields_entity="deal",
        filters={
            "owner_id": "owner_id",
            "person_id": "person_id",
            "org_id": "org_id",
            "pipeline_id": "pipeline_id",
            "stage_id": "stage_id",
        },
        include=DEAL_INCLUDE,
        custom_fields_param=True,
        option_labels_param=True,
        has_status=True,
        filter_type="deals",
    ),
    "persons": Entity(
        kind="person",
        path="persons",
        label="Person",
        render=person_v2,
        rules=PERSON_RULES,
        required=("name",),
        fields_entity="person",
        filters={"owner_id": "owner_id", "org_id": "org_id"},
        include=PERSON_INCLUDE,
        custom_fields_param=True,
        option_labels_param=True,
        filter_type="people",
    ),
    "organizations": Entity(
        kind="organization",
        path="organizations",
        label="Organization",
        render=organization_v2,
        rules=ORGANIZATION_RULES,
        required=("name",),
        fields_entity="organization",
        filters={"owner_id": "owner_id"},
        include=ORGANIZATION_INCLUDE,
        custom_fields_param=True,
        option_labels_param=True,
        filter_type="org",
    ),
    "activities": Entity(
        kind="activity",
        path="activities",
        label="Activity",
        render=activity_v2,
        rules=ACTIVITY_RULES,
        fields_entity=None,
        sort_fields=("id", "update_time", "add_time", "due_date"),
        filters={
            "owner_id": "owner_id",
            "deal_id": "deal_id",
            "lead_id": "lead_id",
            "person_id": "person_id",
            "org_id": "org_id",
        },
        include=("attendees",),
        filter_type="activity",
    ),
    "products": Entity(
        kind="product",
        path="products",
        label="Product",
        render=product_v2,
        rules=PRODUCT_RULES,
        required=("name",),
        fields_entity="product",
        sort_fields=("id", "name", "add_time", "update_time"),
        filters={"owner_id": "owner_id"},
        custom_fields_param=True,
        filter_type="products",
        create_status=201,
    ),
    "pipelines": Entity(
        kind="pipeline",
        path="pipelines",
        label="Pipeline",
        render=pipeline_v2,
        rules=PIPELINE_RULES,
        required=("name",),
    ),
    "stages": Entity(
        kind="stage",
        path="stages",
        label="Stage",
        render=stage_v2,
        rules=STAGE_RULES,
        required=("name", "pipeline_id"),
        sort_fields=("id", "update_time", "add_time", "order_nr"),
    ),
}


# ---------------------------------------------------------------------------------------------------------
# Deal products


def deal_or_404(store: Store, raw_id: str) -> Record:
    record = store.get("deal", path_int(raw_id, "id"))
    if record is None or record.get("is_deleted"):
        raise not_found("Deal")
    return record


def deal_products_page(store: Store, pg: Paging, ids: list[Any]) -> Response:
    """One page of the product attachments ``ids``, as both deal-product list endpoints answer it."""
    page, more = store.page(
        "deal_product",
        lambda r: True,
        sort_by=pg.sort_by,
        descending=pg.descending,
        after=pg.after,
        limit=pg.limit,
        candidates=ids,
    )
    return list_response(store, page, more, pg, lambda r: deal_product_v2(store, r, View()))


@endpoint
async def list_deal_products(request: Request) -> Response:
    store = store_of(request)
    deal = deal_or_404(store, request.path_params["id"])
    pg = paging(request, ("id", "add_time", "update_time", "order_nr"))
    ids = [r["id"] for r in store.tables["deal_product"].values() if r["deal_id"] == deal["id"]]
    return deal_products_page(store, pg, ids)


@endpoint
async def list_products_of_deals(request: Request) -> Response:
    store = store_of(request)
    raw = request.query_params.get("deal_ids")
    if not raw:
        raise invalid("deal_ids", "Required")
    deal_ids = q_ids(request, "deal_ids", maximum=100) or []
    pg = paging(request, ("id", "deal_id", "add_time", "update_time", "order_nr"))
    wanted = set(deal_ids)
    ids = [r["id"] for r in store.tables["deal_product"].values() if r["deal_id"] in wanted]
    return deal_products_page(store, pg, ids)


@endpoint
async def add_deal_product(request: Request) -> Response:
    store = store_of(request)
    deal = deal_or_404(store, request.path_params["id"])
    body = await json_body(request)
    for name in ("product_id", "item_price", "quantity"):
        if body.get(name) is None:
            raise invalid(name, "Required")
    changes = parse_body(store, DEAL_PRODUCT_RULES, body, None)
    product = store.tables["product"][changes["product_id"]]
    siblings = [r for r in store.tables["deal_product"].values() if r["deal_id"] == deal["id"]]
    values = {
        "deal_id": deal["id"],
        "name": product["name"],
        "currency": deal.get("currency"),
        "discount": 0.0,
        "discount_type": "percentage",
        "tax": 0.0,
        "tax_method": "inclusive",
        "is_enabled": True,
        "comments": "",
        "billing_frequency": "one-time",
        "order_nr": max((r.get("order_nr") or 0 for r in siblings), default=0) + 1,
        **{k: v for k, v in changes.items() if v is not None},
    }
    record = store.create("deal_product", values, user_of(request))
    deal_value_from_products(store, deal, user_of(request))
    return ok(deal_product_v2(store, record, View()), status=201)


def attachment_or_404(store: Store, request: Request) -> tuple[Record, Record]:
    deal = deal_or_404(store, request.path_params["id"])
    attachment = store.get(
        "deal_product", path_int(request.path_params["product_attachment_id"], "product_attachment_id")
    )
    if attachment is None or attachment["deal_id"] != deal["id"]:
        raise not_found("Product attachment")
    return deal, attachment


@endpoint
async def update_deal_product(request: Request) -> Response:
    store = store_of(request)
    deal, attachment = attachment_or_404(store, request)
    changes = parse_body(store, DEAL_PRODUCT_RULES, await json_body(request), None)
    if "product_id" in changes:
        changes["name"] = store.tables["product"][changes["product_id"]]["name"]
    store.update("deal_product", attachment, changes, user_of(request))
    deal_value_from_products(store, deal, user_of(request))
    return ok(deal_product_v2(store, attachment, View()))


@endpoint
async def delete_deal_product(request: Request) -> Response:
    store = store_of(request)
    deal, attachment = attachment_or_404(store, request)
    store.delete("deal_product", attachment, user_of(request))
    deal_value_from_products(store, deal, user_of(request))
    return ok({"id": attachment["id"]})


# ---------------------------------------------------------------------------------------------------------
# Field endpoints


FIELD_ENTITIES = {
    "dealFields": "deal",
    "personFields": "person",
    "organizationFields": "organization",
    "productFields": "product",
    "activityFields": "activity",
}
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
    return FIELD_ENTITIES[request.url.path.rstrip("/").split("/")[3]]


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


# ---------------------------------------------------------------------------------------------------------
# Search


SEARCHABLE_CUSTOM = frozenset({"address", "varchar", "text", "varchar_auto", "double", "monetary", "phone"})


def search_term(request: Request) -> tuple[str, bool]:
    term = request.query_params.get("term")
    exact = bool(q_bool(request, "exact_match"))
    if term is None or term == "":
        raise invalid("term", "Required")
    if len(term.strip()) < (1 if exact else 2):
        raise invalid("term", f"String must contain at least {1 if exact else 2} character(s)")
    return term.strip(), exact


def match_score(value: Any, term: str, exact: bool) -> float:
    """How well a field value matches: whole value 1, word start 0.6, anywhere 0.3, no match 0."""
    if value is None:
        return 0.0
    text = str(value).lower()
    if exact:
        return 1.0 if text == term else 0.0
    if text == term:
        return 1.0
    if text.startswith(term):
        return 0.8
    position = text.find(term)
    if position < 0:
        return 0.0
    return 0.6 if not text[position - 1].isalnum() else 0.3


def custom_search_texts(store: Store, entity: str, record: Record) -> list[str]:
    texts: list[str] = []
    for definition in store.custom_fields(entity):
        if definition["field_type"] not in SEARCHABLE_CUSTOM:
            continue
        value = record.get(definition["code"])
        if value is None:
            continue
        if definition["field_type"] == "monetary":
            value = value[0]
        elif definition["field_type"] == "address":
            value = value.get("value")
        texts.append(_plain_number(value))
    return texts


def _plain_number(value: Any) -> str:
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


def notes_by(store: Store, key: str) -> dict[Any, list[str]]:
    def compute() -> dict[Any, list[str]]:
        out: dict[Any, list[str]] = {}
        for note in store.tables["note"].values():
            if note.get("active_flag", True) and note.get(key) is not None:
                out.setdefault(note[key], []).append(note.get("content", ""))
        return out

    return store.cached(("notes_by", key), ("note",), compute)


@dataclass(frozen=True)
class SearchField:
    name: str  # the value of ``fields=``
    texts: Callable[[Store, Record], list[str]]


def _one(key: str) -> Callable[[Store, Record], list[str]]:
    return lambda store, record: [str(record[key])] if record.get(key) is not None else []


SEARCH_FIELDS: dict[str, tuple[SearchField, ...]] = {
    "deal": (
        SearchField("title", _one("title")),
        SearchField("custom_fields", lambda s, r: custom_search_texts(s, "deal", r)),
        SearchField("notes", lambda s, r: notes_by(s, "deal_id").get(r["id"], [])),
    ),
    "person": (
        SearchField("name", _one("name")),
        SearchField("email", lambda s, r: [e[0] for e in r.get("emails", ())]),
        SearchField("phone", lambda s, r: [p[0] for p in r.get("phones", ())]),
        SearchField("custom_fields", lambda s, r: custom_search_texts(s, "person", r)),
        SearchField("notes", lambda s, r: notes_by(s, "person_id").get(r["id"], [])),
    ),
    "organization": (
        SearchField("name", _one("name")),
        SearchField("address", lambda s, r: [r["address"]["value"]] if r.get("address") else []),
        SearchField("custom_fields", lambda s, r: custom_search_texts(s, "organization", r)),
        SearchField("notes", lambda s, r: notes_by(s, "org_id").get(r["id"], [])),
    ),
    "product": (
        SearchField("name", _one("name")),
        SearchField("code", _one("code")),
        SearchField("description", _one("description")),
        SearchField("custom_fields", lambda s, r: custom_search_texts(s, "product", r)),
    ),
    "lead": (
        SearchField("title", _one("title")),
        SearchField("custom_fields", lambda s, r: custom_search_texts(s, "lead", r)),
        SearchField("notes", lambda s, r: notes_by(s, "lead_id").get(r["id"], [])),
    ),
    "file": (SearchField("name", _one("name")),),
}
SEARCH_FIELD_NAMES = {
    "deal": ("custom_fields", "notes", "title"),
    "person": ("custom_fields", "email", "notes", "phone", "name"),
    "organization": ("address", "custom_fields", "notes", "name"),
    "product": ("code", "custom_fields", "name"),
    "lead": ("custom_fields", "notes", "title"),
}
FIELD_WEIGHT = {
    "title": 1.0,
    "name": 1.0,
    "code": 0.9,
    "email": 0.8,
    "phone": 0.8,
    "address": 0.5,
    "custom_fields": 0.4,
    "notes": 0.2,
    "description": 0.3,
}


def search_records(
    store: Store, kind: str, term: str, exact: bool, fields: set[str] | None, pred: Callable[[Record], bool]
) -> list[tuple[float, Record, dict[str, list[str]]]]:
    """(score, record, matched texts per field) of every live record that matches, best first."""
    lowered = term.lower()
    results: list[tuple[float, Record, dict[str, list[str]]]] = []
    search_fields = [f for f in SEARCH_FIELDS[kind] if fields is None or f.name in fields]
    for record in store.tables[kind].values():
        if record.get("is_deleted") or record.get("active_flag") is False or not pred(record):
            continue
        best = 0.0
        matched: dict[str, list[str]] = {}
        for search_field in search_fields:
            for text in search_field.texts(store, record):
                score = match_score(text, lowered, exact)
                if score:
                    matched.setdefault(search_field.name, []).append(text)
                    best = max(best, score * FIELD_WEIGHT.get(search_field.name, 0.3))
        if best:
            results.append((round(best, 4), record, matched))
    results.sort(key=lambda item: (-item[0], str(item[1]["id"])))
    return results


SEARCH_INCLUDES = {"product": ("product.price",), "lead": ("lead.was_seen",)}


def search_item(
    store: Store, kind: str, record: Record, matched: dict[str, list[str]], extra: Iterable[str] = ()
) -> Record:
    """One search hit in the shape of its type; ``extra`` are include_fields such as ``product.price``."""
    extra = set(extra)
    get = record.get
    if kind == "deal":
        stage = store.get("stage", get("stage_id")) or {}
        person = store.get("person", get("person_id"))
        org = store.get("organization", get("org_id"))
        return {
            "id": record["id"],
            "type": "deal",
            "title": get("title"),
            "value": get("value"),
            "currency": get("currency"),
            "status": get("status"),
            "visible_to": get("visible_to", 3),
            "owner": {"id": get("owner_id")},
            "stage": {"id": get("stage_id"), "name": stage.get("name")},
            "person": {"id": person["id"], "name": person["name"]} if person else None,
            "organization": _org_ref(org),
            "custom_fields": matched.get("custom_fields", []),
            "notes": matched.get("notes", []),
            "is_archived": bool(get("is_archived")),
        }
    if kind == "person":
        org = store.get("organization", get("org_id"))
        return {
            "id": record["id"],
            "type": "person",
            "name": get("name"),
            "phones": [p[0] for p in get("phones", ())],
            "emails": [e[0] for e in get("emails", ())],
            "visible_to": get("visible_to", 3),
            "owner": {"id": get("owner_id")},
            "organization": _org_ref(org),
            "custom_fields": matched.get("custom_fields", []),
            "notes": matched.get("notes", []),
        }
    if kind == "organization":
        return {
            "id": record["id"],
            "type": "organization",
            "name": get("name"),
            "address": (get("address") or {}).get("value"),
            "visible_to": get("visible_to", 3),
            "owner": {"id": get("owner_id")},
            "custom_fields": matched.get("custom_fields", []),
            "notes": matched.get("notes", []),
        }
    if kind == "product":
        item: Record = {
            "id": record["id"],
            "type": "product",
            "name": get("name"),
            "code": get("code"),
            "visible_to": get("visible_to", 3),
            "owner": {"id": get("owner_id")},
            "custom_fields": matched.get("custom_fields", []),
        }
        if "product.price" in extra:
            prices = get("prices", ())
            item["price"] = prices[0][1] if prices else None
        return item
    if kind == "lead":
        person = store.get("person", get("person_id"))
        org = store.get("organization", get("organization_id"))
        value = get("value")
        return {
            "id": record["id"],
            "type": "lead",
            "title": get("title"),
            "owner": {"id": get("owner_id")},
            "person": {"id": person["id"], "name": person["name"]} if person else None,
            "organization": _org_ref(org),
            "phones": [p[0] for p in person.get("phones", ())] if person else [],
            "emails": [e[0] for e in person.get("emails", ())] if person else [],
            "custom_fields": matched.get("custom_fields", []),
            "notes": matched.get("notes", []),
            # Pipedrive serializes from JavaScript: a whole amount is written 3140, never 3140.0 (and the
            # document types this field integer).
            "value": _whole_as_int(value[0]) if value else None,
            "currency": value[1] if value else None,
            "visible_to": int(get("visible_to", 3)),
            "is_archived": bool(get("is_archived")),
            **({"was_seen": bool(get("was_seen"))} if "lead.was_seen" in extra else {}),
        }
    deal = store.get("deal", get("deal_id"))
    person = store.get("person", get("person_id"))
    org = store.get("organization", get("org_id"))
    return {
        "id": record["id"],
        "type": "file",
        "name": get("name"),
        "url": f"/files/{record['id']}/download",
        "deal": {"id": deal["id"], "title": deal["title"]} if deal else None,
        "person": {"id": person["id"], "name": person["name"]} if person else None,
        "organization": _org_ref(org),
    }


def _org_ref(org: Record | None) -> Record | None:
    if org is None:
        return None
    return {"id": org["id"], "name": org["name"], "address": (org.get("address") or {}).get("value")}


def offset_cursor(raw: str | None) -> int:
    if not raw:
        return 0
    cursor = decode_cursor(raw)
    offset = cursor.get("fieldValue")
    if not isinstance(offset, int) or offset < 0:
        raise invalid("cursor", "Invalid cursor")
    return offset


def search_page(
    results: list[Any], request: Request, maximum: int = MAX_LIMIT
) -> tuple[list[Any], str | None]:
    limit = q_limit(request, maximum)
    start = offset_cursor(request.query_params.get("cursor"))
    page = results[start : start + limit]
    more = start + limit < len(results)
    # Search results have no stable sort key; the cursor carries the offset of the next result.
    return page, encode_cursor("offset", start + limit, "asc", start + limit) if more else None


def make_search(kind: str) -> Handler:
    @endpoint
    async def handler(request: Request) -> Response:
        store = store_of(request)
        term, exact = search_term(request)
        fields = set(q_csv(request, "fields", SEARCH_FIELD_NAMES[kind])) or None
        preds: list[Callable[[Record], bool]] = []
        if kind == "deal":
            person_id = q_int(request, "person_id")
            org_id = q_int(request, "organization_id")
            status = q_enum(request, "status", ("open", "won", "lost"))
            q_csv(request, "include_fields", ("deal.cc_email",))
            if person_id is not None:
                preds.append(_equals("person_id", person_id))
            if org_id is not None:
                preds.append(_equals("org_id", org_id))
            if status is not None:
                preds.append(_equals("status", status))
        elif kind == "person":
            org_id = q_int(request, "organization_id")
            q_csv(request, "include_fields", ("person.picture",))
            if org_id is not None:
                preds.append(_equals("org_id", org_id))
        elif kind == "lead":
            for param, key in (("person_id", "person_id"), ("organization_id", "organization_id")):
                value = q_int(request, param)
                if value is not None:
                    preds.append(_equals(key, value))
        extra = (
            set(q_csv(request, "include_fields", SEARCH_INCLUDES[kind])) if kind in SEARCH_INCLUDES else set()
        )
        results = search_records(store, kind, term, exact, fields, lambda r: all(p(r) for p in preds))
        page, next_cursor = search_page(results, request)
        items = [
            {"result_score": score, "item": search_item(store, kind, record, matched, extra)}
            for score, record, matched in page
        ]
        return ok({"items": items}, {"next_cursor": next_cursor})

    return handler


ITEM_TYPES = ("deal", "person", "organization", "product", "lead", "file", "mail_attachment", "project")
ITEM_SEARCH_FIELDS = (
    "address",
    "code",
    "custom_fields",
    "email",
    "name",
    "notes",
    "phone",
    "title",
    "description",
)


@endpoint
async def item_search(request: Request) -> Response:
    store = store_of(request)
    term, exact = search_term(request)
    types = q_csv(request, "item_types", ITEM_TYPES) or list(ITEM_TYPES)
    fields = set(q_csv(request, "fields", ITEM_SEARCH_FIELDS)) or None
    q_csv(request, "include_fields", ("deal.cc_email", "person.picture", "product.price"))
    related = bool(q_bool(request, "search_for_related_items"))
    results: list[tuple[float, str, Record, dict[str, list[str]]]] = []
    for kind in types:
        if kind not in SEARCH_FIELDS:
            continue  # mail attachments and projects: the sandbox has none
        for score, record, matched in search_records(store, kind, term, exact, fields, lambda r: True):
            results.append((score, kind, record, matched))
    results.sort(key=lambda item: (-item[0], item[1], str(item[2]["id"])))
    page, next_cursor = search_page(results, request, maximum=100)
    items = [
        {"result_score": score, "item": search_item(store, kind, record, matched)}
        for score, kind, record, matched in page
    ]
    related_items: list[Record] = []
    if related:
        related_items = related_search_items(store, [(kind, record) for _, kind, record, _ in page])
    return ok({"items": items, "related_items": related_items}, {"next_cursor": next_cursor})


def related_search_items(store: Store, found: list[tuple[str, Record]]) -> list[Record]:
    """Up to 100 newest deals (and persons, for organizations) related to the persons and organizations found."""
    out: list[Record] = []
    for kind, record in found:
        if kind not in ("person", "organization"):
            continue
        key = "person_id" if kind == "person" else "org_id"
        deals = [
            d for d in store.tables["deal"].values() if d.get(key) == record["id"] and not d.get("is_deleted")
        ]
        for deal in sorted(deals, key=lambda d: -d["add_time"])[:100]:
            out.append({"result_score": 0, "item": search_item(store, "deal", deal, {})})
        if kind == "organization":
            persons = [
                p
                for p in store.tables["person"].values()
                if p.get("org_id") == record["id"] and not p.get("is_deleted")
            ]
            for person in sorted(persons, key=lambda p: -p["add_time"])[:100]:
                out.append({"result_score": 0, "item": search_item(store, "person", person, {})})
    return out


# ---------------------------------------------------------------------------------------------------------
# Routes


def routes() -> list[BaseRoute]:
    prefix = "/api/v2"
    out: list[BaseRoute] = [
        # Fixed paths first: /deals/archived must not be read as /deals/{id}.
        Route(f"{prefix}/deals/archived", make_list(ENTITIES["deals"], archived=True), methods=["GET"]),
        Route(f"{prefix}/deals/search", make_search("deal"), methods=["GET"]),
        Route(f"{prefix}/deals/products", list_products_of_deals, methods=["GET"]),
        Route(f"{prefix}/persons/search", make_search("person"), methods=["GET"]),
        Route(f"{prefix}/organizations/search", make_search("organization"), methods=["GET"]),
        Route(f"{prefix}/products/search", make_search("product"), methods=["GET"]),
        Route(f"{prefix}/leads/search", make_search("lead"), methods=["GET"]),
        Route(f"{prefix}/itemSearch", item_search, methods=["GET"]),
        Route(f"{prefix}/deals/{{id}}/products", list_deal_products, methods=["GET"]),
        Route(f"{prefix}/deals/{{id}}/products", add_deal_product, methods=["POST"]),
        Route(
            f"{prefix}/deals/{{id}}/products/{{product_attachment_id}}",
            update_deal_product,
            methods=["PATCH"],
        ),
        Route(
            f"{prefix}/deals/{{id}}/products/{{product_attachment_id}}",
            delete_deal_product,
            methods=["DELETE"],
        ),
    ]
    for path, entity in ENTITIES.items():
        archived = False if path == "deals" else None
        out += [
            Route(f"{prefix}/{path}", make_list(entity, archived), methods=["GET"]),
            Route(f"{prefix}/{path}", make_create(entity), methods=["POST"]),
            Route(f"{prefix}/{path}/{{id}}", make_get(entity), methods=["GET"]),
            Route(f"{prefix}/{path}/{{id}}", make_update(entity), methods=["PATCH"]),
            Route(f"{prefix}/{path}/{{id}}", make_delete(entity), methods=["DELETE"]),
        ]
    for path, entity_name in FIELD_ENTITIES.items():
        out += [
            Route(f"{prefix}/{path}", list_fields, methods=["GET"]),
            Route(f"{prefix}/{path}/{{field_code}}", get_field, methods=["GET"]),
        ]
        if entity_name != "activity":  # the v2 document has no writes for activity fields
            out += [
                Route(f"{prefix}/{path}", create_field, methods=["POST"]),
                Route(f"{prefix}/{path}/{{field_code}}", update_field, methods=["PATCH"]),
                Route(f"{prefix}/{path}/{{field_code}}", delete_field, methods=["DELETE"]),
            ]
    return out


def _whole_as_int(number: Any) -> Any:
    return int(number) if isinstance(number, float) and number.is_integer() else number
