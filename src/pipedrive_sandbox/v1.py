"""Pipedrive API v1 routes: leads, lead labels and sources, notes, users, activity types, currencies,
filters, files, recents, deal participants, merges, and the v1 field endpoints (paths, parameters and
shapes from ``openapi/openapi-v1.yaml``). Every path answers under ``/api/v1`` and ``/v1``.

Lists use offset paging: ``start`` (default 0) and ``limit`` (default 100; at most 500, files 100), and
``additional_data.pagination = {start, limit, more_items_in_collection, next_start}`` (``next_start`` only
when more items follow). Where the document draws those keys flat in ``additional_data`` (leads, the
field lists, participants) they are given both ways.

Custom fields are flat on v1 records: a monetary field is ``<key>`` (amount) and ``<key>_currency``, a
date or time range ``<key>`` and ``<key>_until``, a time ``<key>`` and ``<key>_timezone_id``, an address
``<key>`` and ``<key>_<part>`` for each part, a set a comma-separated string of option ids, a single
option the option id as a string, and user, person and organization references Pipedrive's small objects
with the id under ``value``.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable
from datetime import UTC, datetime
from typing import Any

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import BaseRoute, Route

from pipedrive_sandbox import data
from pipedrive_sandbox.responses import ok
from pipedrive_sandbox.store import FILTER_TYPES, RECENT_ITEMS, Store
from pipedrive_sandbox.v2 import (
    DEAL_COUNTS,
    INT_MAX,
    ApiError,
    activity_marks,
    check_date,
    check_ref,
    endpoint,
    included_deal_fields,
    included_party_fields,
    iso,
    json_body,
    parse_custom_value,
    store_of,
    user_of,
    v1_time,
)

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


# ---------------------------------------------------------------------------------------------------------
# v1 renderings of the v2 entities (recents, merges, participants)


def contacts_v1(entries: Iterable[tuple[str, str, bool]]) -> list[Record]:
    entries = list(entries)
    if not entries:
        return [{"value": "", "primary": True}]  # Pipedrive's v1 shape for a person with no e-mail
    return [{"label": label, "value": value, "primary": primary} for value, label, primary in entries]


def currency_symbol(store: Store, code: str | None) -> str:
    for currency in store.tables["currency"].values():
        if currency["code"] == code:
            return str(currency["symbol"])
    return code or ""


def formatted(store: Store, amount: float, code: str | None) -> str:
    return (
        f"{currency_symbol(store, code)}{amount:,.0f}"
        if float(amount).is_integer()
        else f"{currency_symbol(store, code)}{amount:,.2f}"
    )


def activity_summary(store: Store, key: str, record_id: int) -> Record:
    """next_activity_* and last_activity_* of a deal, person or organization."""
    upcoming, last = activity_marks(store, key)
    next_id, last_id = upcoming.get(record_id), last.get(record_id)
    nxt = store.get("activity", next_id) if next_id else None
    prev = store.get("activity", last_id) if last_id else None
    return {
        "next_activity_date": nxt.get("due_date") if nxt else None,
        "next_activity_time": _hhmm(nxt.get("due_time")) if nxt else None,
        "next_activity_id": next_id,
        "last_activity_id": last_id,
        "last_activity_date": prev.get("due_date") if prev else None,
        "next_activity_subject": nxt.get("subject") if nxt else None,
        "next_activity_type": nxt.get("type") if nxt else None,
        "next_activity_duration": _hhmm(nxt.get("duration")) if nxt else None,
        "next_activity_note": nxt.get("note") if nxt else None,
    }


def _hhmm(value: str | None) -> str | None:
    return value[:5] if value else None


def deal_v1(store: Store, record: Record) -> Record:
    get = record.get
    deleted = bool(get("is_deleted"))
    stage = store.get("stage", get("stage_id")) or {}
    person = store.get("person", get("person_id"))
    org = store.get("organization", get("org_id"))
    owner = store.users.get(get("owner_id") or 0) or {}
    value = get("value", 0.0)
    status = "deleted" if deleted else get("status")
    weight = (
        1.0
        if status == "won"
        else 0.0
        if status in ("lost", "deleted")
        else stage.get("deal_probability", 100) / 100
    )
    counts = included_deal_fields(store, record, DEAL_COUNTS)
    summary = activity_summary(store, "deal_id", record["id"])
    out: Record = {
        "id": record["id"],
        "creator_user_id": get("creator_user_id"),
        "user_id": get("owner_id"),
        "person_id": get("person_id"),
        "org_id": get("org_id"),
        "stage_id": get("stage_id"),
        "title": get("title"),
        "value": value,
        "currency": get("currency"),
        "add_time": v1_time(get("add_time")),
        "update_time": v1_time(get("update_time")),
        "stage_change_time": v1_time(get("stage_change_time")),
        "active": not deleted,
        "deleted": deleted,
        "is_archived": bool(get("is_archived")),
        "status": status,
        "probability": get("probability"),
        **{
            k: summary[k]
            for k in (
                "next_activity_date",
                "next_activity_time",
                "next_activity_id",
                "last_activity_id",
                "last_activity_date",
            )
        },
        "lost_reason": get("lost_reason"),
        "visible_to": str(get("visible_to", 3)),
        "close_time": v1_time(get("close_time")),
        "pipeline_id": get("pipeline_id"),
        "won_time": v1_time(get("won_time")),
        "first_won_time": v1_time(get("won_time")),
        "lost_time": v1_time(get("lost_time")),
        **counts,
        "expected_close_date": get("expected_close_date"),
        "last_incoming_mail_time": None,
        "last_outgoing_mail_time": None,
        "label": ",".join(str(i) for i in get("label_ids", ())) or None,
        "stage_order_nr": stage.get("order_nr"),
        "person_name": person["name"] if person else None,
        "org_name": org["name"] if org else None,
        **{
            k: summary[k]
            for k in (
                "next_activity_subject",
                "next_activity_type",
                "next_activity_duration",
                "next_activity_note",
            )
        },
        "formatted_value": formatted(store, value, get("currency")),
        "weighted_value": round(value * weight, 2),
        "formatted_weighted_value": formatted(store, round(value * weight, 2), get("currency")),
        "weighted_value_currency": get("currency"),
        "rotten_time": None,
        "owner_name": owner.get("name"),
        "cc_email": f"{store.company_domain}+deal{record['id']}@pipedrivemail.com",
        "org_hidden": False,
        "person_hidden": False,
        "origin": get("origin"),
        "origin_id": get("origin_id"),
        "channel": get("channel"),
        "channel_id": get("channel_id"),
        "arr": get("arr"),
        "mrr": get("mrr"),
        "acv": get("acv"),
        "arr_currency": None,
        "mrr_currency": None,
        "acv_currency": None,
    }
    custom_fields_v1(store, "deal", record, out)
    return out


# The counts v1 gives both persons and organizations, in the order it gives them.
PARTY_COUNTS = (
    "activities_count",
    "done_activities_count",
    "undone_activities_count",
    "files_count",
    "notes_count",
    "followers_count",
    "open_deals_count",
    "related_open_deals_count",
    "closed_deals_count",
    "related_closed_deals_count",
    "won_deals_count",
    "related_won_deals_count",
    "lost_deals_count",
    "related_lost_deals_count",
)


def person_v1(store: Store, record: Record, *, objects: bool = False) -> Record:
    """A v1 person; ``objects`` gives owner_id and org_id as Pipedrive's small objects (list endpoints)."""
    get = record.get
    org = store.get("organization", get("org_id"))
    owner = store.users.get(get("owner_id") or 0) or {}
    counts = included_party_fields(
        store,
        "person",
        record,
        (
            "email_messages_count",
            *PARTY_COUNTS,
            "participant_open_deals_count",
            "participant_closed_deals_count",
        ),
    )
    summary = activity_summary(store, "person_id", record["id"])
    name = record["name"]
    label_ids = list(get("label_ids", ()))
    out: Record = {
        "id": record["id"],
        "company_id": store.company_id,
        "owner_id": user_ref(store, get("owner_id")) if objects else get("owner_id"),
        "org_id": (org_ref(store, get("org_id")) if objects else get("org_id")),
        "name": name,
        "first_name": get("first_name"),
        "last_name": get("last_name"),
        **counts,
        "active_flag": not get("is_deleted"),
        "phone": contacts_v1(get("phones", ())),
        "email": contacts_v1(get("emails", ())),
        "primary_email": next((e[0] for e in get("emails", ()) if e[2]), None),
        "first_char": name[:1].lower(),
        "update_time": v1_time(get("update_time")),
        "add_time": v1_time(get("add_time")),
        "visible_to": str(get("visible_to", 3)),
        "picture_id": None,
        **{
            k: summary[k]
            for k in (
                "next_activity_date",
                "next_activity_time",
                "next_activity_id",
                "last_activity_id",
                "last_activity_date",
            )
        },
        "last_incoming_mail_time": None,
        "last_outgoing_mail_time": None,
        "label": label_ids[0] if label_ids else None,
        "label_ids": label_ids,
        "org_name": org["name"] if org else None,
        "owner_name": owner.get("name"),
        "cc_email": f"{store.company_domain}+person{record['id']}@pipedrivemail.com",
        "job_title": get("job_title"),
    }
    custom_fields_v1(store, "person", record, out)
    return out


def organization_v1(store: Store, record: Record) -> Record:
    get = record.get
    owner = store.users.get(get("owner_id") or 0) or {}
    address = get("address") or {}
    counts = included_party_fields(
        store,
        "organization",
        record,
        ("email_messages_count", "people_count", *PARTY_COUNTS),
    )
    summary = activity_summary(store, "org_id", record["id"])
    label_ids = list(get("label_ids", ()))
    out: Record = {
        "id": record["id"],
        "company_id": store.company_id,
        "owner_id": user_ref(store, get("owner_id")),
        "name": record["name"],
        "active_flag": not get("is_deleted"),
        "picture_id": None,
        "country_code": None,
        "first_char": record["name"][:1].lower(),
        "add_time": v1_time(get("add_time")),
        "update_time": v1_time(get("update_time")),
        "visible_to": str(get("visible_to", 3)),
        "label": label_ids[0] if label_ids else None,
        "label_ids": label_ids,
        "owner_name": owner.get("name"),
        "cc_email": f"{store.company_domain}+org{record['id']}@pipedrivemail.com",
        **counts,
        "address": address.get("value"),
        **{f"address_{part}": address.get(part) for part in ADDRESS_PARTS},
        **{
            k: summary[k]
            for k in (
                "next_activity_date",
                "next_activity_time",
                "next_activity_id",
                "last_activity_id",
                "last_activity_date",
            )
        },
    }
    custom_fields_v1(store, "organization", record, out)
    return out


def activity_v1(store: Store, record: Record) -> Record:
    get = record.get
    location = get("location") or {}
    person = store.get("person", get("person_id"))
    org = store.get("organization", get("org_id"))
    deal = store.get("deal", get("deal_id"))
    owner = store.users.get(get("owner_id") or 0) or {}
    return {
        "id": record["id"],
        "company_id": store.company_id,
        "user_id": get("owner_id"),
        "done": bool(get("done")),
        "type": get("type"),
        "reference_type": None,
        "reference_id": None,
        "conference_meeting_client": None,
        "conference_meeting_url": None,
        "conference_meeting_id": None,
        "due_date": get("due_date"),
        "due_time": _hhmm(get("due_time")) or "",
        "duration": _hhmm(get("duration")) or "",
        "busy_flag": bool(get("busy")),
        "add_time": v1_time(get("add_time")),
        "marked_as_done_time": v1_time(get("marked_as_done_time")) or "",
        "last_notification_time": None,
        "last_notification_user_id": None,
        "notification_language_id": None,
        "subject": get("subject"),
        "public_description": get("public_description"),
        "calendar_sync_include_context": None,
        "location": location.get("value"),
        "org_id": get("org_id"),
        "person_id": get("person_id"),
        "deal_id": get("deal_id"),
        "lead_id": get("lead_id"),
        "project_id": get("project_id"),
        "active_flag": not get("is_deleted"),
        "update_time": v1_time(get("update_time")),
        "update_user_id": None,
        "gcal_event_id": None,
        "google_calendar_id": None,
        "google_calendar_etag": None,
        "source_timezone": None,
        "rec_rule": None,
        "rec_rule_extension": None,
        "rec_master_activity_id": None,
        "series": [],
        "note": get("note"),
        "created_by_user_id": get("creator_user_id"),
        **{f"location_{part}": location.get(part) for part in ADDRESS_PARTS},
        "org_name": org["name"] if org else None,
        "person_name": person["name"] if person else None,
        "deal_title": deal["title"] if deal else None,
        "owner_name": owner.get("name"),
        "person_dropbox_bcc": None,
        "deal_dropbox_bcc": None,
        "assigned_to_user_id": get("owner_id"),
        "participants": [
            {"person_id": pid, "primary_flag": primary} for pid, primary in get("participants", ())
        ]
        or None,
        "attendees": list(get("attendees", ())) or None,
    }


def product_v1(store: Store, record: Record) -> Record:
    get = record.get
    categories = {
        o["id"]: o["label"] for o in (store.field_by_code("product", "category") or {}).get("options") or []
    }
    out: Record = {
        "id": record["id"],
        "name": record["name"],
        "code": get("code"),
        "description": get("description"),
        "unit": get("unit"),
        "tax": get("tax", 0.0),
        "category": categories.get(get("category")) if get("category") is not None else None,
        "active_flag": not get("is_deleted"),
        "selectable": bool(get("is_linkable", True)),
        "first_char": record["name"][:1].lower(),
        "visible_to": get("visible_to", 3),
        "owner_id": get("owner_id"),
        "files_count": store.count_by("file", "product_id")[record["id"]],
        "add_time": v1_time(get("add_time")),
        "update_time": v1_time(get("update_time")),
        "prices": [
            {
                "id": index + 1,
                "product_id": record["id"],
                "price": price,
                "currency": currency,
                "cost": cost,
                "overhead_cost": direct,
            }
            for index, (currency, price, cost, direct) in enumerate(get("prices", ()))
        ],
    }
    custom_fields_v1(store, "product", record, out)
    return out


def stage_v1(store: Store, record: Record) -> Record:
    pipeline = store.get("pipeline", record["pipeline_id"]) or {}
    return {
        "id": record["id"],
        "order_nr": record.get("order_nr", 0),
        "name": record["name"],
        "active_flag": not record.get("is_deleted"),
        "deal_probability": record.get("deal_probability", 100),
        "pipeline_id": record["pipeline_id"],
        "rotten_flag": bool(record.get("is_deal_rot_enabled")),
        "rotten_days": record.get("days_to_rotten"),
        "add_time": v1_time(record.get("add_time")),
        "update_time": v1_time(record.get("update_time")),
        "pipeline_name": pipeline.get("name"),
        "pipeline_deal_probability": bool(pipeline.get("is_deal_probability_enabled", True)),
    }


def pipeline_v1(store: Store, record: Record) -> Record:
    return {
        "id": record["id"],
        "name": record["name"],
        "url_title": re.sub(r"[^a-z0-9]+", "-", record["name"].lower()).strip("-"),
        "order_nr": record.get("order_nr", 0),
        "active": not record.get("is_deleted"),
        "deal_probability": bool(record.get("is_deal_probability_enabled", True)),
        "add_time": v1_time(record.get("add_time")),
        "update_time": v1_time(record.get("update_time")),
    }


def user_v1(store: Store, user: Record, me: int | None = None) -> Record:
    offset = {
        "Europe/London": "+00:00",
        "Europe/Berlin": "+01:00",
        "America/New_York": "-05:00",
        "America/Los_Angeles": "-08:00",
    }
    admin = bool(user.get("is_admin"))
    return {
        "id": user["id"],
        "name": user["name"],
        "default_currency": user.get("default_currency", store.default_currency),
        "locale": user.get("locale", "en_US"),
        "lang": user.get("lang", 1),
        "email": user["email"],
        "phone": user.get("phone"),
        "activated": bool(user.get("activated", True)),
        "last_login": v1_time(user.get("last_login")),
        "created": v1_time(user.get("add_time")),
        "modified": v1_time(user.get("update_time")),
        "has_created_company": bool(user.get("has_created_company")),
        "access": [
            {"app": "sales", "admin": admin, "permission_set_id": _permission_set(store, "sales", admin)},
            {"app": "global", "admin": admin, "permission_set_id": _permission_set(store, "global", admin)},
        ],
        "active_flag": bool(user.get("active_flag", True)),
        "timezone_name": user.get("timezone_name", "Europe/London"),
        "timezone_offset": offset.get(user.get("timezone_name", ""), "+00:00"),
        "role_id": user.get("role_id", 1),
        "icon_url": user.get("icon_url"),
        "is_you": user["id"] == me,
        "is_deleted": bool(user.get("is_deleted")),
    }


def _permission_set(store: Store, app: str, admin: bool) -> str:
    return data.field_key(store.company_id, "permission_set", f"{app}:{admin}")[:32]


def file_v1(store: Store, record: Record, base_url: str = "") -> Record:
    get = record.get
    deal = store.get("deal", get("deal_id"))
    person = store.get("person", get("person_id"))
    org = store.get("organization", get("org_id"))
    product = store.get("product", get("product_id"))
    lead = store.get("lead", get("lead_id"))
    return {
        "id": record["id"],
        "user_id": get("user_id"),
        "deal_id": get("deal_id"),
        "person_id": get("person_id"),
        "org_id": get("org_id"),
        "product_id": get("product_id"),
        "activity_id": get("activity_id"),
        "lead_id": get("lead_id"),
        "project_id": None,
        "log_id": None,
        "add_time": v1_time(get("add_time")),
        "update_time": v1_time(get("update_time")),
        "file_name": get("file_name"),
        "file_type": get("file_type"),
        "file_size": get("file_size", 0),
        "active_flag": bool(get("active_flag", True)),
        "inline_flag": False,
        "remote_location": "s3",
        "remote_id": f"files/{store.company_id}/{record['id']}/{get('file_name')}",
        "cid": "",
        "s3_bucket": "",
        "mail_message_id": "",
        "mail_template_id": "",
        "deal_name": deal["title"] if deal else "",
        "person_name": person["name"] if person else "",
        "org_name": org["name"] if org else "",
        "product_name": product["name"] if product else "",
        "lead_name": lead["title"] if lead else "",
        "project_name": "",
        "url": f"{base_url}/v1/files/{record['id']}/download",
        "name": get("name"),
        "description": get("description", ""),
    }


def filter_v1(store: Store, record: Record, *, conditions: bool = False, field_codes: bool = False) -> Record:
    out: Record = {
        "id": record["id"],
        "name": record["name"],
        "filter_code": None,
        "is_editable": bool(record.get("is_editable", True)),
        "active_flag": bool(record.get("active_flag", True)),
        "type": record["type"],
        "temporary_flag": None,
        "user_id": record.get("user_id"),
        "add_time": v1_time(record.get("add_time")),
        "update_time": v1_time(record.get("update_time")),
        "visible_to": record.get("visible_to", "7"),
        "last_used_time": None,
        "custom_view_id": None,
    }
    if conditions:
        out["conditions"] = _conditions_v1(store, record, field_codes)
    return out


def _conditions_v1(store: Store, record: Record, field_codes: bool) -> Record:
    groups = []
    for group in record["conditions"].get("conditions", []):
        rendered = []
        for condition in group.get("conditions") or []:
            item = {
                "object": condition["object"],
                "field_id": str(condition["field_id"]),
                "operator": condition["operator"],
                "value": None if condition.get("value") is None else str(condition.get("value")),
                "extra_value": condition.get("extra_value"),
                "json_value_flag": bool(condition.get("json_value_flag", False)),
            }
            if field_codes:
                entity = {"org": "organization"}.get(condition["object"], condition["object"])
                definition = _condition_field(store, entity, str(condition["field_id"]))
                item["field_code"] = (definition["code"] or definition["v1_key"]) if definition else None
            rendered.append(item)
        groups.append({"glue": group.get("glue", "and"), "conditions": rendered})
    return {"glue": "and", "conditions": groups}


def _condition_field(store: Store, entity: str, field_id: str) -> Record | None:
    try:
        if field_id.isdigit():
            return store.field_by_id(entity, int(field_id))
        return store.field_by_key(entity, field_id) or store.field_by_code(entity, field_id)
    except KeyError:
        return None


def note_v1(store: Store, record: Record, me: int | None = None) -> Record:
    get = record.get
    deal = store.get("deal", get("deal_id"))
    person = store.get("person", get("person_id"))
    org = store.get("organization", get("org_id"))
    user = store.users.get(get("user_id") or 0) or {}
    return {
        "id": record["id"],
        "active_flag": bool(get("active_flag", True)),
        "add_time": v1_time(get("add_time")),
        "content": get("content", ""),
        "deal": {"title": deal["title"]} if deal else None,
        "lead_id": get("lead_id"),
        "deal_id": get("deal_id"),
        "last_update_user_id": get("last_update_user_id"),
        "org_id": get("org_id"),
        "organization": {"name": org["name"]} if org else None,
        "person": {"name": person["name"]} if person else None,
        "person_id": get("person_id"),
        "project_id": get("project_id"),
        "project": None,
        "pinned_to_lead_flag": bool(get("pinned_to_lead_flag")),
        "pinned_to_deal_flag": bool(get("pinned_to_deal_flag")),
        "pinned_to_organization_flag": bool(get("pinned_to_organization_flag")),
        "pinned_to_person_flag": bool(get("pinned_to_person_flag")),
        "pinned_to_project_flag": bool(get("pinned_to_project_flag")),
        "update_time": v1_time(get("update_time")),
        "user": {
            "email": user.get("email"),
            "icon_url": user.get("icon_url"),
            "is_you": get("user_id") == me,
            "name": user.get("name"),
        },
        "user_id": get("user_id"),
    }


def activity_type_v1(store: Store, record: Record) -> Record:
    return {
        "id": record["id"],
        "name": record["name"],
        "icon_key": record.get("icon_key", "task"),
        "color": record.get("color"),
        "order_nr": record.get("order_nr", 0),
        "key_string": record["key_string"],
        "active_flag": bool(record.get("active_flag", True)),
        "is_custom_flag": bool(record.get("is_custom_flag")),
        "add_time": v1_time(record.get("add_time")),
        "update_time": v1_time(record.get("update_time")),
    }


def lead_v1(store: Store, record: Record) -> Record:
    get = record.get
    value = get("value")
    upcoming, _ = activity_marks(store, "lead_id")
    out: Record = {
        "id": record["id"],
        "title": get("title"),
        "owner_id": get("owner_id"),
        "creator_id": get("creator_id"),
        "label_ids": list(get("label_ids", ())),
        "person_id": get("person_id"),
        "organization_id": get("organization_id"),
        "source_name": get("source_name"),
        "origin": get("origin"),
        "origin_id": get("origin_id"),
        "channel": get("channel"),
        "channel_id": get("channel_id"),
        "source_deal_id": get("source_deal_id"),
        "is_archived": bool(get("is_archived")),
        "was_seen": bool(get("was_seen")),
        "value": {"amount": value[0], "currency": value[1]} if value else None,
        "expected_close_date": get("expected_close_date"),
        "next_activity_id": upcoming.get(record["id"]),
        "add_time": lead_time(get("add_time")),
        "update_time": lead_time(get("update_time")),
        "visible_to": str(get("visible_to", "3")),
        "cc_email": f"{store.company_domain}+lead{record['id'][:8]}@pipedrivemail.com",
    }
    # "If a custom field's value hasn't been set for the lead, it won't appear in the response."
    flat: Record = {}
    custom_fields_v1(store, "lead", record, flat)
    for definition in store.custom_fields("lead"):
        if record.get(definition["code"]) is not None:
            prefix = definition["code"]
            out.update({key: value for key, value in flat.items() if key.startswith(prefix)})
    return out


def lead_label_v1(store: Store, record: Record) -> Record:
    return {
        "id": record["id"],
        "name": record["name"],
        "color": record["color"],
        "add_time": lead_time(record.get("add_time")),
        "update_time": lead_time(record.get("update_time")),
    }


RECENT_RENDER: dict[str, Callable[[Store, Record], Record]] = {
    "activity": activity_v1,
    "activity_type": activity_type_v1,
    "deal": deal_v1,
    "file": file_v1,
    "filter": filter_v1,
    "note": note_v1,
    "person": person_v1,
    "organization": organization_v1,
    "pipeline": pipeline_v1,
    "product": product_v1,
    "stage": stage_v1,
    "user": user_v1,
}


# ---------------------------------------------------------------------------------------------------------
# Leads


LEAD_SORTS = (
    "id",
    "title",
    "owner_id",
    "creator_id",
    "was_seen",
    "expected_close_date",
    "next_activity_id",
    "add_time",
    "update_time",
)
LEAD_COLORS = ("blue", "brown", "dark-gray", "gray", "green", "orange", "pink", "purple", "red", "yellow")


def make_list_leads(archived: bool) -> Callable[[Request], Any]:
    @endpoint
    async def handler(request: Request) -> Response:
        store = store_of(request)
        preds: list[Callable[[Record], bool]] = [lambda r: bool(r.get("is_archived")) == archived]
        filter_id = v1_int(request, "filter_id")
        if filter_id is not None:
            flt = store.get("filter", filter_id)
            if flt is None or not flt.get("active_flag", True):
                raise not_found("Filter not found")
            if flt["type"] != "leads":
                raise bad_request(f"Filter {filter_id} is not a leads filter")
            preds.append(store.filter_predicate(flt, "lead"))
        else:
            for param, key in (
                ("owner_id", "owner_id"),
                ("person_id", "person_id"),
                ("organization_id", "organization_id"),
            ):
                value = v1_int(request, param)
                if value is not None:
                    preds.append(equals(key, value))
        since = q_since(request, "updated_since") if not archived else None
        if since is not None:
            preds.append(lambda r: r.get("update_time", 0) >= since)
        items = [r for r in store.tables["lead"].values() if all(p(r) for p in preds)]
        sort = request.query_params.get("sort")
        if sort:
            items = sort_records(items, sort, LEAD_SORTS)
        return offset_list(items, request, lambda r: lead_v1(store, r), flat=True)

    return handler


def uuid_or_404(store: Store, request: Request, kind: str, message: str) -> Record:
    """The lead or lead label the path names (their ids are UUID strings), else 404 with ``message``."""
    record = store.get(kind, request.path_params["id"])
    if record is None:
        raise ApiError(404, message, "Object was not found.")
    return record


def lead_or_404(store: Store, request: Request) -> Record:
    return uuid_or_404(store, request, "lead", "requested lead not found")


@endpoint
async def get_lead(request: Request) -> Response:
    store = store_of(request)
    return ok(lead_v1(store, lead_or_404(store, request)))


def parse_lead(store: Store, body: Record, creating: bool) -> Record:
    changes: Record = {}
    if creating or "title" in body:
        title = body.get("title")
        if not isinstance(title, str) or not title.strip():
            raise bad_request(
                "Validation failed: title: Required"
                if creating
                else "Validation failed: title: Cannot be empty"
            )
        changes["title"] = title
    for key, kind in (("owner_id", "user"), ("person_id", "person"), ("organization_id", "organization")):
        if key in body:
            value = body[key]
            if value is None and key != "owner_id":
                changes[key] = None
                continue
            if isinstance(value, bool) or not isinstance(value, int):
                raise bad_request(f"Validation failed: {key}: Expected number")
            changes[key] = check_ref(store, kind, value, key)
    if "label_ids" in body:
        labels = body["label_ids"]
        if not isinstance(labels, list) or any(
            not isinstance(i, str) or i not in store.tables["lead_label"] for i in labels
        ):
            raise bad_request("Validation failed: label_ids: Expected an array of existing lead label ids")
        changes["label_ids"] = tuple(labels)
    if "value" in body:
        value = body["value"]
        if value is None:
            changes["value"] = None
        else:
            if (
                not isinstance(value, dict)
                or isinstance(value.get("amount"), bool)
                or not isinstance(value.get("amount"), int | float)
            ):
                raise bad_request(
                    "Validation failed: value: Expected object with amount (number) and currency"
                )
            currency = value.get("currency")
            if not any(c["code"] == currency for c in store.tables["currency"].values()):
                raise bad_request("Validation failed: value.currency: Unknown currency")
            changes["value"] = (float(value["amount"]), currency)
    if "expected_close_date" in body:
        raw = body["expected_close_date"]
        changes["expected_close_date"] = None if raw is None else check_date(raw, "expected_close_date")
    for key in ("was_seen", "is_archived"):
        if key in body:
            if not isinstance(body[key], bool):
                raise bad_request(f"Validation failed: {key}: Expected boolean")
            changes[key] = body[key]
    if "visible_to" in body:
        if str(body["visible_to"]) not in ("1", "3", "5", "7"):
            raise bad_request("Validation failed: visible_to: Invalid value")
        changes["visible_to"] = str(body["visible_to"])
    for key in ("origin_id", "channel_id"):
        if key in body:
            if body[key] is not None and not isinstance(body[key], str):
                raise bad_request(f"Validation failed: {key}: Expected string")
            changes[key] = body[key]
    if "channel" in body:
        if body["channel"] is not None and (
            isinstance(body["channel"], bool) or not isinstance(body["channel"], int)
        ):
            raise bad_request("Validation failed: channel: Expected number")
        changes["channel"] = body["channel"]
    changes.update(parse_custom_v1(store, "lead", body))
    return changes


@endpoint
async def add_lead(request: Request) -> Response:
    store = store_of(request)
    body = await json_body(request)
    changes = parse_lead(store, body, creating=True)
    if not changes.get("person_id") and not changes.get("organization_id"):
        raise bad_request("A lead always has to be linked to a person or an organization or both")
    record = store.create("lead", changes, user_of(request))
    return ok(lead_v1(store, record), status=201)


@endpoint
async def update_lead(request: Request) -> Response:
    store = store_of(request)
    record = lead_or_404(store, request)
    changes = parse_lead(store, await json_body(request), creating=False)
    merged = {**record, **changes}
    if not merged.get("person_id") and not merged.get("organization_id"):
        raise bad_request("A lead always has to be linked to a person or an organization or both")
    store.update("lead", record, changes, user_of(request))
    return ok(lead_v1(store, record))


@endpoint
async def delete_lead(request: Request) -> Response:
    store = store_of(request)
    record = lead_or_404(store, request)
    store.delete("lead", record, user_of(request))
    return ok({"id": record["id"]})


@endpoint
async def list_lead_labels(request: Request) -> Response:
    store = store_of(request)
    return ok([lead_label_v1(store, r) for r in store.tables["lead_label"].values()])


def parse_label(body: Record, creating: bool) -> Record:
    changes: Record = {}
    if creating or "name" in body:
        if not isinstance(body.get("name"), str) or not body["name"].strip():
            raise bad_request("Validation failed: name: Required")
        changes["name"] = body["name"]
    if creating or "color" in body:
        if body.get("color") not in LEAD_COLORS:
            raise bad_request(f"Validation failed: color: Expected one of {', '.join(LEAD_COLORS)}")
        changes["color"] = body["color"]
    return changes


@endpoint
async def add_lead_label(request: Request) -> Response:
    store = store_of(request)
    record = store.create("lead_label", parse_label(await json_body(request), True), user_of(request))
    return ok(lead_label_v1(store, record))


@endpoint
async def update_lead_label(request: Request) -> Response:
    store = store_of(request)
    record = uuid_or_404(store, request, "lead_label", "Lead label not found")
    store.update("lead_label", record, parse_label(await json_body(request), False), user_of(request))
    return ok(lead_label_v1(store, record))


@endpoint
async def delete_lead_label(request: Request) -> Response:
    store = store_of(request)
    record = uuid_or_404(store, request, "lead_label", "Lead label not found")
    for lead in store.tables["lead"].values():
        if record["id"] in lead.get("label_ids", ()):
            store.update(
                "lead", lead, {"label_ids": tuple(i for i in lead["label_ids"] if i != record["id"])}
            )
    store.delete("lead_label", record, user_of(request))
    return ok({"id": record["id"]})


@endpoint
async def list_lead_sources(request: Request) -> Response:
    return ok([{"name": name} for name in data.LEAD_SOURCES])


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


# ---------------------------------------------------------------------------------------------------------
# Notes


NOTE_SORTS = ("id", "user_id", "deal_id", "person_id", "org_id", "content", "add_time", "update_time")
PIN_FLAGS = ("lead", "deal", "organization", "person", "project", "task")


@endpoint
async def list_notes(request: Request) -> Response:
    store = store_of(request)
    me = user_of(request)
    preds: list[Callable[[Record], bool]] = [lambda r: bool(r.get("active_flag", True))]
    for key in ("user_id", "deal_id", "person_id", "org_id", "project_id", "task_id"):
        value = v1_int(request, key)
        if value is not None:
            preds.append(equals(key, value))
    lead_id = request.query_params.get("lead_id")
    if lead_id:
        preds.append(lambda r: r.get("lead_id") == lead_id)
    for bound, op in (("start_date", "ge"), ("end_date", "le")):
        raw = request.query_params.get(bound)
        if raw:
            day = check_date(raw, bound)
            preds.append(_date_bound(day, op))
    since = q_since(request, "updated_since")
    if since is not None:
        preds.append(lambda r: r.get("update_time", 0) >= since)
    for flag in PIN_FLAGS:
        value = v1_flag(request, f"pinned_to_{flag}_flag")
        if value is not None:
            preds.append(flag_is(f"pinned_to_{flag}_flag", value))
    items = [r for r in store.scan("note") if all(p(r) for p in preds)]
    items = sort_records(items, request.query_params.get("sort"), NOTE_SORTS)
    return offset_list(items, request, lambda r: note_v1(store, r, me))


def _date_bound(day: str, op: str) -> Callable[[Record], bool]:
    def match(record: Record) -> bool:
        added = v1_time(record.get("add_time")) or ""
        return added[:10] >= day if op == "ge" else added[:10] <= day

    return match


def active_or_404(store: Store, request: Request, kind: str) -> Record:
    """The note, filter or file the path names, unless it is missing or deleted (active_flag false)."""
    record = store.get(kind, path_id(request))
    if record is None or not record.get("active_flag", True):
        raise not_found(f"{kind.capitalize()} not found")
    return record


@endpoint
async def get_note(request: Request) -> Response:
    store = store_of(request)
    return ok(note_v1(store, active_or_404(store, request, "note"), user_of(request)))


def parse_note(store: Store, body: Record, creating: bool) -> Record:
    changes: Record = {}
    if creating or "content" in body:
        content = body.get("content")
        if not isinstance(content, str) or not content.strip():
            raise bad_request("Content is required" if creating else "Content cannot be empty")
        changes["content"] = content
    for key, kind in (
        ("deal_id", "deal"),
        ("person_id", "person"),
        ("org_id", "organization"),
        ("user_id", "user"),
    ):
        if key in body and body[key] is not None:
            value = body[key]
            if isinstance(value, str) and value.isdigit():
                value = int(value)
            if isinstance(value, bool) or not isinstance(value, int):
                raise bad_request(f"Invalid value for {key}: expected an integer")
            try:
                changes[key] = check_ref(store, kind, value, key)
            except ApiError as exc:
                raise bad_request(f"{kind.capitalize()} {value} not found") from exc
    if body.get("lead_id") is not None:
        if not isinstance(body["lead_id"], str) or store.get("lead", body["lead_id"]) is None:
            raise bad_request(f"Lead {body['lead_id']} not found")
        changes["lead_id"] = body["lead_id"]
    for key in ("project_id", "task_id"):
        if body.get(key) is not None:
            changes[key] = body[key]
    for flag in PIN_FLAGS:
        key = f"pinned_to_{flag}_flag"
        if key in body:
            value = body[key]
            if value not in (0, 1, "0", "1", True, False):
                raise bad_request(f"Invalid value for {key}: expected 0 or 1")
            changes[key] = str(value) in ("1", "True")
    if "add_time" in body and body["add_time"] is not None:
        changes["add_time"] = parse_v1_time(str(body["add_time"]), "add_time")
    return changes


@endpoint
async def add_note(request: Request) -> Response:
    store = store_of(request)
    changes = parse_note(store, await json_body(request), creating=True)
    if not any(
        changes.get(k) for k in ("deal_id", "person_id", "org_id", "lead_id", "project_id", "task_id")
    ):
        raise bad_request("Note must be attached to a deal, person, organization, lead, project or task")
    record = store.create("note", changes, user_of(request))
    return ok(note_v1(store, record, user_of(request)))


@endpoint
async def update_note(request: Request) -> Response:
    store = store_of(request)
    record = active_or_404(store, request, "note")
    changes = parse_note(store, await json_body(request), creating=False)
    store.update("note", record, changes, user_of(request))
    return ok(note_v1(store, record, user_of(request)))


@endpoint
async def delete_note(request: Request) -> Response:
    store = store_of(request)
    record = active_or_404(store, request, "note")
    store.delete("note", record, user_of(request))
    return ok(True)


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


# ---------------------------------------------------------------------------------------------------------
# Filters


FILTER_TYPE_NAMES = (*FILTER_TYPES, "projects")


@endpoint
async def list_filters(request: Request) -> Response:
    store = store_of(request)
    ftype = request.query_params.get("type")
    if ftype and ftype not in FILTER_TYPE_NAMES:
        raise bad_request(f"Invalid filter type: {ftype}")
    items = [
        filter_v1(store, r)
        for r in store.scan("filter")
        if r.get("active_flag", True) and (not ftype or r["type"] == ftype)
    ]
    return ok(items)


@endpoint
async def get_filter(request: Request) -> Response:
    store = store_of(request)
    codes = v1_flag(request, "include_field_code") or False
    return ok(filter_v1(store, active_or_404(store, request, "filter"), conditions=True, field_codes=codes))


def check_conditions(store: Store, conditions: Any, ftype: str) -> Record:
    if isinstance(conditions, str):  # form bodies carry the conditions as a JSON string
        import orjson

        try:
            conditions = orjson.loads(conditions)
        except orjson.JSONDecodeError as exc:
            raise bad_request("conditions must be a JSON object") from exc
    if ftype not in FILTER_TYPES:
        raise bad_request(f"Filters of type {ftype} are not supported")
    problem = store.validate_filter_conditions(conditions, ftype)
    if problem:
        raise bad_request(f"Invalid filter conditions: {problem}")
    return {
        "glue": "and",
        "conditions": [
            {"glue": group.get("glue", "and"), "conditions": list(group.get("conditions") or [])}
            for group in conditions["conditions"]
        ],
    }


@endpoint
async def add_filter(request: Request) -> Response:
    store = store_of(request)
    body = await json_body(request)
    name = body.get("name")
    if not isinstance(name, str) or not name.strip():
        raise bad_request("Filter name is required")
    ftype = body.get("type")
    if ftype not in FILTER_TYPE_NAMES:
        raise bad_request(f"Invalid filter type: {ftype}")
    if "conditions" not in body:
        raise bad_request("Filter conditions are required")
    conditions = check_conditions(store, body["conditions"], ftype)
    record = store.create(
        "filter",
        {
            "name": name,
            "type": ftype,
            "conditions": conditions,
            "user_id": user_of(request),
            "is_editable": True,
            "visible_to": "7",
        },
        user_of(request),
    )
    codes = v1_flag(request, "include_field_code") or False
    return ok(filter_v1(store, record, conditions=True, field_codes=codes))


@endpoint
async def update_filter(request: Request) -> Response:
    store = store_of(request)
    record = active_or_404(store, request, "filter")
    body = await json_body(request)
    changes: Record = {}
    if "name" in body:
        if not isinstance(body["name"], str) or not body["name"].strip():
            raise bad_request("Filter name cannot be empty")
        changes["name"] = body["name"]
    if "conditions" not in body:
        raise bad_request("Filter conditions are required")
    changes["conditions"] = check_conditions(store, body["conditions"], record["type"])
    store.update("filter", record, changes, user_of(request))
    codes = v1_flag(request, "include_field_code") or False
    return ok(filter_v1(store, record, conditions=True, field_codes=codes))


@endpoint
async def delete_filter(request: Request) -> Response:
    store = store_of(request)
    record = active_or_404(store, request, "filter")
    store.delete("filter", record, user_of(request))
    return ok({"id": record["id"]})


# ---------------------------------------------------------------------------------------------------------
# Files


def base_url(request: Request) -> str:
    return str(request.base_url).rstrip("/")


@endpoint
async def list_files(request: Request) -> Response:
    store = store_of(request)
    items = [r for r in store.scan("file") if r.get("active_flag", True)]
    items = sort_records(items, request.query_params.get("sort"), ("id", "update_time"))
    root = base_url(request)
    return offset_list(items, request, lambda r: file_v1(store, r, root), maximum=100)


@endpoint
async def get_file(request: Request) -> Response:
    store = store_of(request)
    return ok(file_v1(store, active_or_404(store, request, "file"), base_url(request)))


@endpoint
async def download_file(request: Request) -> Response:
    store = store_of(request)
    record = active_or_404(store, request, "file")
    # The document promises application/octet-stream whatever the file holds.
    return Response(
        store.file_content(record),
        media_type="application/octet-stream",
        headers={"content-disposition": f'attachment; filename="{record["file_name"]}"'},
    )


# ---------------------------------------------------------------------------------------------------------
# Recents


# /v1/recents item names to store kinds: the inverse of the store's RECENT_ITEMS.
RECENT_KINDS = {item: kind for kind, item in RECENT_ITEMS.items()}


@endpoint
async def recents(request: Request) -> Response:
    store = store_of(request)
    raw = request.query_params.get("since_timestamp")
    if not raw:
        raise bad_request("since_timestamp is required (YYYY-MM-DD HH:MM:SS)")
    since = parse_v1_time(raw, "since_timestamp")
    items = [part.strip() for part in (request.query_params.get("items") or "").split(",") if part.strip()]
    for item in items:
        if item not in RECENT_KINDS:
            raise bad_request(f"Invalid item type: {item}")
    kinds = {RECENT_KINDS[item] for item in items} if items else None
    changes = store.changes_since(since, kinds)
    start, limit = offsets(request)
    page = changes[start : start + limit]
    me = user_of(request)
    root = base_url(request)
    out = []
    for kind, record_id, _ts in page:
        record = store.tables[kind][record_id]
        if kind == "user":
            rendered = user_v1(store, record, me)
        elif kind == "file":
            rendered = file_v1(store, record, root)
        elif kind == "note":
            rendered = note_v1(store, record, me)
        else:
            rendered = RECENT_RENDER[kind](store, record)
        name = RECENT_ITEMS[kind]
        out.append({"item": name, "id": record_id, "data": rendered})
    last = page[-1][2] if page else since
    return ok(
        out,
        {
            "since_timestamp": v1_time(since),
            "last_timestamp_on_page": v1_time(last),
            "pagination": pagination(start, limit, len(changes)),
        },
    )


# ---------------------------------------------------------------------------------------------------------
# Deal participants


def deal_or_404(store: Store, request: Request) -> Record:
    record = store.get("deal", path_id(request))
    if record is None or record.get("is_deleted"):
        raise not_found("Deal not found")
    return record


def participant_v1(store: Store, record: Record, deal: Record) -> Record:
    person = store.get("person", record["person_id"]) or {"id": record["person_id"], "name": None}
    return {
        "id": record["id"],
        "person_id": {**(person_ref(store, record["person_id"]) or {}), "company_id": store.company_id},
        "add_time": v1_time(record.get("add_time")),
        "active_flag": bool(record.get("active_flag", True)),
        "related_item_data": {"deal_id": deal["id"], "title": deal["title"]},
        "person": person_v1(store, person, objects=True) if "add_time" in person else person,
        "added_by_user_id": user_ref(store, record.get("added_by_user_id")),
        "related_item_type": "deal",
        "related_item_id": deal["id"],
    }


def related_objects(store: Store, participants: list[Record]) -> Record:
    users: Record = {}
    persons: Record = {}
    orgs: Record = {}
    for participant in participants:
        person = store.get("person", participant["person_id"])
        user = user_ref(store, participant.get("added_by_user_id"))
        if user:
            users[str(user["id"])] = {k: v for k, v in user.items() if k != "value"}
        if person:
            persons[str(person["id"])] = {
                "active_flag": not person.get("is_deleted"),
                "id": person["id"],
                "name": person["name"],
                "email": contacts_v1(person.get("emails", ())),
                "phone": contacts_v1(person.get("phones", ())),
                "owner_id": person.get("owner_id"),
            }
            org = org_ref(store, person.get("org_id"))
            if org:
                orgs[str(org["value"])] = {
                    "id": org["value"],
                    **{k: v for k, v in org.items() if k != "value"},
                }
    return {"user": users, "person": persons, "organization": orgs}


@endpoint
async def list_participants(request: Request) -> Response:
    store = store_of(request)
    deal = deal_or_404(store, request)
    items = [p for p in store.scan("participant") if p["deal_id"] == deal["id"]]
    start, limit = offsets(request)
    page = items[start : start + limit]
    return offset_list(
        items,
        request,
        lambda p: participant_v1(store, p, deal),
        flat=True,
        related_objects=related_objects(store, page),
    )


@endpoint
async def add_participant(request: Request) -> Response:
    store = store_of(request)
    deal = deal_or_404(store, request)
    body = await json_body(request)
    person_id = body.get("person_id")
    if isinstance(person_id, str) and person_id.isdigit():
        person_id = int(person_id)
    if isinstance(person_id, bool) or not isinstance(person_id, int):
        raise bad_request("person_id is required")
    person = store.get("person", person_id)
    if person is None or person.get("is_deleted"):
        raise bad_request(f"Person {person_id} not found")
    if any(
        p["deal_id"] == deal["id"] and p["person_id"] == person_id
        for p in store.tables["participant"].values()
    ):
        raise bad_request("The person is already a participant in this deal")
    record = store.create(
        "participant",
        {
            "deal_id": deal["id"],
            "person_id": person_id,
            "added_by_user_id": user_of(request),
            "active_flag": True,
        },
        user_of(request),
    )
    store.update("deal", deal, {}, user_of(request))
    return ok(participant_v1(store, record, deal), related_objects=related_objects(store, [record]))


@endpoint
async def delete_participant(request: Request) -> Response:
    store = store_of(request)
    deal = deal_or_404(store, request)
    record = store.get("participant", path_id(request, "deal_participant_id"))
    if record is None or record["deal_id"] != deal["id"]:
        raise not_found("Participant not found")
    store.delete("participant", record, user_of(request))
    store.update("deal", deal, {}, user_of(request))
    return ok({"id": record["id"]})


# ---------------------------------------------------------------------------------------------------------
# Merges


def make_merge(kind: str) -> Callable[[Request], Any]:
    @endpoint
    async def handler(request: Request) -> Response:
        store = store_of(request)
        source_id = path_id(request)
        body = await json_body(request)
        target_id = body.get("merge_with_id")
        if isinstance(target_id, str) and target_id.isdigit():
            target_id = int(target_id)
        if isinstance(target_id, bool) or not isinstance(target_id, int):
            raise bad_request("merge_with_id is required")
        target = store.merge(kind, source_id, target_id, user_of(request))
        if kind == "deal":
            return ok({**deal_v1(store, target), "merge_what_id": source_id})
        if kind == "person":
            return ok({**person_v1(store, target), "merge_what_id": source_id})
        return ok({"id": target["id"]})

    return handler


# ---------------------------------------------------------------------------------------------------------
# Routes


def _routes(path: str, handler: Callable[[Request], Any], method: str) -> list[BaseRoute]:
    """The same handler under /api/v1 and /v1, as Pipedrive serves v1."""
    return [Route(f"{prefix}{path}", handler, methods=[method]) for prefix in ("/api/v1", "/v1")]


def routes() -> list[BaseRoute]:
    table: list[tuple[str, str, Callable[[Request], Any]]] = [
        ("GET", "/leads/archived", make_list_leads(archived=True)),
        ("GET", "/leads", make_list_leads(archived=False)),
        ("POST", "/leads", add_lead),
        ("GET", "/leads/{id}", get_lead),
        ("PATCH", "/leads/{id}", update_lead),
        ("DELETE", "/leads/{id}", delete_lead),
        ("GET", "/leadLabels", list_lead_labels),
        ("POST", "/leadLabels", add_lead_label),
        ("PATCH", "/leadLabels/{id}", update_lead_label),
        ("DELETE", "/leadLabels/{id}", delete_lead_label),
        ("GET", "/leadSources", list_lead_sources),
        ("GET", "/leadFields", list_fields_v1),
        ("GET", "/notes", list_notes),
        ("POST", "/notes", add_note),
        ("GET", "/notes/{id}", get_note),
        ("PUT", "/notes/{id}", update_note),
        ("DELETE", "/notes/{id}", delete_note),
        ("GET", "/noteFields", list_note_fields),
        ("GET", "/users", list_users),
        ("GET", "/users/me", get_me),
        ("GET", "/users/{id}", get_user),
        ("GET", "/activityTypes", list_activity_types),
        ("GET", "/currencies", list_currencies),
        ("GET", "/filters", list_filters),
        ("POST", "/filters", add_filter),
        ("GET", "/filters/{id}", get_filter),
        ("PUT", "/filters/{id}", update_filter),
        ("DELETE", "/filters/{id}", delete_filter),
        ("GET", "/files", list_files),
        ("GET", "/files/{id}", get_file),
        ("GET", "/files/{id}/download", download_file),
        ("GET", "/recents", recents),
        ("GET", "/deals/{id}/participants", list_participants),
        ("POST", "/deals/{id}/participants", add_participant),
        ("DELETE", "/deals/{id}/participants/{deal_participant_id}", delete_participant),
        ("PUT", "/deals/{id}/merge", make_merge("deal")),
        ("PUT", "/persons/{id}/merge", make_merge("person")),
        ("PUT", "/organizations/{id}/merge", make_merge("organization")),
        ("GET", "/activityFields", list_fields_v1),
    ]
    for name in ("dealFields", "personFields", "organizationFields", "productFields"):
        table += [
            ("GET", f"/{name}", list_fields_v1),
            ("POST", f"/{name}", add_field_v1),
            ("GET", f"/{name}/{{id}}", get_field_v1),
            ("PUT", f"/{name}/{{id}}", update_field_v1),
            ("DELETE", f"/{name}/{{id}}", delete_field_v1),
        ]
    out: list[BaseRoute] = []
    for method, path, handler in table:
        out += _routes(path, handler, method)
    return out
