"""What every API v1 route shares: parameters, offset paging, sorting, v1 time stamps, and flat custom
fields (the v1 spelling of custom-field values)."""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable
from datetime import UTC, datetime
from typing import Any

from starlette.requests import Request
from starlette.responses import Response

from pipedrive_sandbox.responses import ok
from pipedrive_sandbox.store import Store
from pipedrive_sandbox.v2_base import (
    INT_MAX,
    ApiError,
    iso,
)
from pipedrive_sandbox.v2_custom import parse_custom_value

Record = dict[str, Any]
V1_MAX_LIMIT = 500


def bad_request(message: str) -> ApiError:
    return ApiError(400, message)


def not_found(message: str) -> ApiError:
    return ApiError(404, message)


# ---------------------------------------------------------------------------------------------------------
# Parameters and paging


def v1_int(request: Request, name: str) -> int | None:
    raw = request.query_params.get(name)
    if raw is None or raw == "":
        return None
    try:
        value = int(raw)
    except ValueError as exc:
        raise bad_request(f"Invalid value for parameter '{name}': expected an integer") from exc
    if abs(value) > INT_MAX:
        raise bad_request(f"Invalid value for parameter '{name}': out of range")
    return value


def v1_flag(request: Request, name: str) -> bool | None:
    raw = request.query_params.get(name)
    if raw is None or raw == "":
        return None
    if raw.lower() in ("1", "true"):
        return True
    if raw.lower() in ("0", "false"):
        return False
    raise bad_request(f"Invalid value for parameter '{name}': expected 0 or 1")


def offsets(request: Request, maximum: int = V1_MAX_LIMIT) -> tuple[int, int]:
    start = v1_int(request, "start") or 0
    limit = v1_int(request, "limit")
    if start < 0:
        raise bad_request("start must be 0 or greater")
    if limit is None:
        limit = 100
    if limit < 1:
        raise bad_request("limit must be 1 or greater")
    if limit > maximum:
        if maximum < V1_MAX_LIMIT:
            raise bad_request(f"limit must not be greater than {maximum}")
        limit = maximum  # v1 quietly caps larger pages
    return start, limit


def pagination(start: int, limit: int, total: int) -> Record:
    more = start + limit < total
    out: Record = {"start": start, "limit": limit, "more_items_in_collection": more}
    if more:
        out["next_start"] = start + limit
    return out


def offset_list(
    items: list[Any],
    request: Request,
    render: Callable[[Any], Record],
    *,
    maximum: int = V1_MAX_LIMIT,
    flat: bool = False,
    **extra: Any,
) -> Response:
    start, limit = offsets(request, maximum)
    page = items[start : start + limit]
    paging = pagination(start, limit, len(items))
    additional: Record = {"pagination": paging}
    if flat:
        additional.update(
            start=start, limit=limit, more_items_in_collection=paging["more_items_in_collection"]
        )
    return ok([render(item) for item in page], additional, **extra)


_SORT = re.compile(r"^\s*([a-z_]+)(?:\s+(asc|desc))?\s*$", re.IGNORECASE)


def sort_records(records: list[Record], raw: str | None, allowed: Iterable[str]) -> list[Record]:
    """v1 ``sort``: ``field ASC, other DESC`` over first-level fields."""
    if not raw:
        return records
    allowed = set(allowed)
    keys: list[tuple[str, bool]] = []
    for part in raw.split(","):
        match = _SORT.match(part)
        if match is None or match.group(1) not in allowed:
            raise bad_request(f"Invalid sort field: {part.strip()}")
        keys.append((match.group(1), (match.group(2) or "asc").lower() == "desc"))
    for key, descending in reversed(keys):
        records.sort(key=_sort_key(key), reverse=descending)
    return records


def _sort_key(key: str) -> Callable[[Record], tuple[int, Any]]:
    return lambda record: _sortable(record.get(key))


def equals(key: str, value: Any) -> Callable[[Record], bool]:
    return lambda record: record.get(key) == value


def flag_is(key: str, value: bool) -> Callable[[Record], bool]:
    return lambda record: bool(record.get(key)) == value


def _sortable(value: Any) -> tuple[int, Any]:
    if value is None:
        return (0, 0)
    if isinstance(value, tuple):
        return (1, str(value))
    if isinstance(value, bool | int | float):
        return (1, float(value))
    return (2, str(value).lower())


def parse_v1_time(raw: str, name: str) -> int:
    """``YYYY-MM-DD HH:MM:SS`` (v1) or RFC 3339, as epoch seconds (UTC)."""
    text = raw.strip().replace("T", " ").removesuffix("Z").removesuffix("z")
    for layout in ("%Y-%m-%d %H:%M:%S", "%Y-%m-%d %H:%M:%S.%f", "%Y-%m-%d"):
        try:
            return int(datetime.strptime(text, layout).replace(tzinfo=UTC).timestamp())
        except ValueError:
            continue
    try:
        return int(datetime.fromisoformat(raw.replace("Z", "+00:00")).timestamp())
    except ValueError as exc:
        raise bad_request(f"Invalid value for parameter '{name}': expected a date-time") from exc


def q_since(request: Request, name: str) -> int | None:
    raw = request.query_params.get(name)
    if raw is None or raw == "":
        return None
    return parse_v1_time(raw, name)


def path_id(request: Request, name: str = "id") -> int:
    raw = request.path_params[name]
    try:
        value = int(raw)
    except ValueError as exc:
        raise bad_request(f"Invalid value for '{name}': expected an integer") from exc
    if abs(value) > INT_MAX:
        raise bad_request(f"Invalid value for '{name}': out of range")
    return value


def lead_time(ts: int | None) -> str | None:
    """Leads speak RFC 3339 with milliseconds (``2020-10-14T11:30:36.551Z``)."""
    stamp = iso(ts)
    return None if stamp is None else stamp[:-1] + ".000Z"


# ---------------------------------------------------------------------------------------------------------
# Flat custom fields


ADDRESS_PARTS = (
    "subpremise",
    "street_number",
    "route",
    "sublocality",
    "locality",
    "admin_area_level_1",
    "admin_area_level_2",
    "country",
    "postal_code",
    "formatted_address",
)


def user_ref(store: Store, user_id: int | None) -> Record | None:
    user = store.users.get(user_id) if user_id is not None else None
    if user is None:
        return None
    return {
        "id": user["id"],
        "name": user["name"],
        "email": user["email"],
        "has_pic": 0,
        "pic_hash": None,
        "active_flag": bool(user.get("active_flag", True)),
        "value": user["id"],
    }


def person_ref(store: Store, person_id: int | None) -> Record | None:
    person = store.get("person", person_id) if person_id is not None else None
    if person is None:
        return None
    return {
        "active_flag": not person.get("is_deleted"),
        "name": person["name"],
        "email": contacts_v1(person.get("emails", ())),
        "phone": contacts_v1(person.get("phones", ())),
        "owner_id": person.get("owner_id"),
        "value": person["id"],
    }


def org_ref(store: Store, org_id: int | None) -> Record | None:
    org = store.get("organization", org_id) if org_id is not None else None
    if org is None:
        return None
    return {
        "name": org["name"],
        "people_count": store.count_by("person", "org_id")[org["id"]],
        "owner_id": org.get("owner_id"),
        "address": (org.get("address") or {}).get("value"),
        "active_flag": not org.get("is_deleted"),
        "cc_email": f"{store.company_domain}+org{org['id']}@pipedrivemail.com",
        "value": org["id"],
    }


def custom_fields_v1(store: Store, entity: str, record: Record, out: Record) -> None:
    """Add ``record``'s custom fields to ``out`` the flat v1 way."""
    for definition in store.custom_fields(entity):
        key = definition["code"]
        value = record.get(key)
        ftype = definition["field_type"]
        if ftype == "monetary":
            out[key] = value[0] if value else None
            out[f"{key}_currency"] = value[1] if value else None
        elif ftype == "set":
            out[key] = ",".join(str(v) for v in value) if value else None
        elif ftype == "enum":
            out[key] = str(value) if value is not None else None
        elif ftype == "daterange":
            out[key] = value[0] if value else None
            out[f"{key}_until"] = value[1] if value else None
        elif ftype == "time":
            out[key] = value[0] if value else None
            out[f"{key}_timezone_id"] = value[1] if value else None
        elif ftype == "timerange":
            out[key] = value[0] if value else None
            out[f"{key}_until"] = value[1] if value else None
            out[f"{key}_timezone_id"] = value[2] if value else None
        elif ftype == "address":
            out[key] = value.get("value") if value else None
            for part in ADDRESS_PARTS:
                out[f"{key}_{part}"] = value.get(part) if value else None
        elif ftype == "user":
            out[key] = user_ref(store, value)
        elif ftype == "people":
            out[key] = person_ref(store, value)
        elif ftype == "org":
            out[key] = org_ref(store, value)
        else:
            out[key] = value


def parse_custom_v1(store: Store, entity: str, body: Record) -> Record:
    """Custom-field values from a flat v1 body (``<key>``, ``<key>_currency``, ``<key>_until``...)."""
    changes: Record = {}
    for definition in store.custom_fields(entity):
        key = definition["code"]
        if key not in body:
            continue
        value = body[key]
        ftype = definition["field_type"]
        name = key
        if value is None or value == "":
            changes[key] = None
            continue
        if ftype == "monetary":
            value = {
                "value": _number(value, name),
                "currency": body.get(f"{key}_currency") or store.default_currency,
            }
        elif ftype in ("daterange", "timerange"):
            value = {
                "start": value,
                "until": body.get(f"{key}_until"),
                "timezone_id": body.get(f"{key}_timezone_id"),
            }
        elif ftype == "time":
            value = {"value": value, "timezone_id": body.get(f"{key}_timezone_id")}
        elif ftype == "set":
            items = value.split(",") if isinstance(value, str) else value
            value = (
                [int(v) for v in items]
                if isinstance(items, list) and all(str(v).strip().isdigit() for v in items)
                else items
            )
        elif ftype in ("enum", "user", "people", "org"):
            value = int(value) if isinstance(value, str) and value.isdigit() else value
        elif ftype == "double":
            value = _number(value, name)
        elif ftype == "address" and isinstance(value, str):
            value = {"value": value, **{part: body.get(f"{key}_{part}") for part in ADDRESS_PARTS}}
        changes[key] = parse_custom_value(store, definition, value, name)
    return changes


def _number(value: Any, name: str) -> float:
    try:
        return float(value)
    except (TypeError, ValueError) as exc:
        raise bad_request(f"Invalid value for '{name}': expected a number") from exc


def contacts_v1(entries: Iterable[tuple[str, str, bool]]) -> list[Record]:
    entries = list(entries)
    if not entries:
        return [{"value": "", "primary": True}]  # Pipedrive's v1 shape for a person with no e-mail
    return [{"label": label, "value": value, "primary": primary} for value, label, primary in entries]


def base_url(request: Request) -> str:
    return str(request.base_url).rstrip("/")
