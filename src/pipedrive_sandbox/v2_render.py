"""The v2 shapes of the store's records (and the counts a deal carries in v1)."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any

from pipedrive_sandbox import data_deals
from pipedrive_sandbox.store import Store
from pipedrive_sandbox.v2_base import Record, View, iso
from pipedrive_sandbox.v2_custom import ADDRESS_KEYS, custom_fields_renderer

# ---------------------------------------------------------------------------------------------------------
# Rendering


Renderer = Callable[[Record], Record]


def deal_v2(store: Store, record: Record, view: View) -> Record:
    return deal_renderer(store, view)(record)


def deal_renderer(store: Store, view: View) -> Renderer:
    """Deals as ``view`` asks for them; what the view needs from the store is looked up once per page."""
    custom = custom_fields_renderer(store, "deal", view)
    return lambda record: _deal(store, record, view, custom)


def _deal(store: Store, record: Record, view: View, custom: Renderer) -> Record:
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
        "custom_fields": custom(record),
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
    return person_renderer(store, view)(record)


def person_renderer(store: Store, view: View) -> Renderer:
    custom = custom_fields_renderer(store, "person", view)
    return lambda record: _person(store, record, view, custom)


def _person(store: Store, record: Record, view: View, custom: Renderer) -> Record:
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
        "custom_fields": custom(record),
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
    return organization_renderer(store, view)(record)


def organization_renderer(store: Store, view: View) -> Renderer:
    custom = custom_fields_renderer(store, "organization", view)
    return lambda record: _organization(store, record, view, custom)


def _organization(store: Store, record: Record, view: View, custom: Renderer) -> Record:
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
        "custom_fields": custom(record),
    }
    return _with_party_extras(store, "organization", record, view, out)


def activity_renderer(store: Store, view: View) -> Renderer:
    return lambda record: activity_v2(store, record, view)


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


def product_categories(store: Store) -> dict[Any, str]:
    """Option id -> label of the products' Category field (the API answers the label)."""
    options = (store.field_by_code("product", "category") or {}).get("options") or []
    return {option["id"]: option["label"] for option in options}


def product_v2(store: Store, record: Record, view: View) -> Record:
    return product_renderer(store, view)(record)


def product_renderer(store: Store, view: View) -> Renderer:
    categories = product_categories(store)
    custom = custom_fields_renderer(store, "product", view)
    return lambda record: _product(record, categories, custom)


def _product(record: Record, categories: dict[Any, str], custom: Renderer) -> Record:
    get = record.get
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
        "custom_fields": custom(record),
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
    return data_deals.line_total(record)


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
