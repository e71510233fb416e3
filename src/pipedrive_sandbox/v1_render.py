"""The v1 shapes of the store's records: deals, persons, organizations, activities, products, stages,
pipelines, users, files, filters, notes, activity types, leads and lead labels."""

from __future__ import annotations

import re
from collections.abc import Callable

from pipedrive_sandbox import data_fields
from pipedrive_sandbox.store import Store
from pipedrive_sandbox.v1_base import (
    ADDRESS_PARTS,
    Record,
    contacts_v1,
    custom_fields_v1,
    lead_time,
    org_ref,
    user_ref,
)
from pipedrive_sandbox.v2_base import (
    v1_time,
)
from pipedrive_sandbox.v2_render import (
    DEAL_COUNTS,
    activity_marks,
    included_deal_fields,
    included_party_fields,
    product_categories,
)

# ---------------------------------------------------------------------------------------------------------
# v1 renderings of the v2 entities (recents, merges, participants)

# What a v1 deal, person or organization tells of its next and last activity (``activity_summary``).
ACTIVITY_SUMMARY_KEYS = (
    "next_activity_date",
    "next_activity_time",
    "next_activity_id",
    "last_activity_id",
    "last_activity_date",
)


def currency_symbol(store: Store, code: str | None) -> str:
    for currency in store.tables["currency"].values():
        if currency["code"] == code:
            return str(currency["symbol"])
    return code or ""


def formatted(store: Store, amount: float | None, code: str | None) -> str:
    amount = amount or 0  # a deal without a value shows as 0 in Pipedrive's formatted strings
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
        **{k: summary[k] for k in ACTIVITY_SUMMARY_KEYS},
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
        "weighted_value": round((value or 0) * weight, 2),
        "formatted_weighted_value": formatted(store, round((value or 0) * weight, 2), get("currency")),
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
        **{k: summary[k] for k in ACTIVITY_SUMMARY_KEYS},
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
        **{k: summary[k] for k in ACTIVITY_SUMMARY_KEYS},
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
    categories = product_categories(store)
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
    return data_fields.field_key(store.company_id, "permission_set", f"{app}:{admin}")[:32]


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
