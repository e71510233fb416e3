"""Field definitions: the system fields Pipedrive has on every account (with their v2 codes and v1 keys)
and the custom fields of the generated company (40-character keys derived from the seed)."""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Sequence
from typing import Any

from pipedrive_sandbox.data_vocab import (
    CHANNELS,
    DEAL_LABELS,
    HISTORY_START,
    INDUSTRIES,
    ORG_LABELS,
    PERSON_LABELS,
    Record,
)


def field_key(seed: int, entity: str, name: str) -> str:
    """A custom field's 40-character hash key, stable for a seed."""
    return hashlib.sha1(f"pipedrive-sandbox:{seed}:{entity}:{name}".encode()).hexdigest()


def field_definition(
    fid: int,
    code: str | None,
    v1_key: str | None,
    name: str,
    field_type: str,
    *,
    options: list[Record] | None = None,
    optional: bool = False,
    custom: bool = False,
    mandatory: bool = False,
    editable: bool = True,
    subfields: list[tuple[str, str, str]] | None = None,
    description: str | None = None,
) -> Record:
    return {
        "id": fid,
        "code": code,  # v2 field_code, also the key in canonical records (None: v1 only)
        "v1_key": v1_key,  # v1 key (None: v2 only)
        "name": name,
        "field_type": field_type,
        "options": options,
        "optional": optional,  # is_optional_response_field: only returned when asked by include_fields
        "custom": custom,
        "mandatory": mandatory,
        "editable": editable,
        "subfields": subfields,
        "description": description,
        "active": True,
        "order_nr": fid,
        "add_time": HISTORY_START,
        "update_time": HISTORY_START,
        "created_by_user_id": None,
        "last_updated_by_user_id": None,
    }


def _opts(pairs: Sequence[tuple[Any, str]] | Sequence[tuple[Any, str, str]]) -> list[Record]:
    out: list[Record] = []
    for pair in pairs:
        option: Record = {"id": pair[0], "label": pair[1]}
        if len(pair) > 2:
            option["color"] = pair[2]
        out.append(option)
    return out


MONETARY_SUB = [("value", "Amount of {}", "double"), ("currency", "Currency of {}", "varchar")]
ADDRESS_PARTS = (
    ("value", "Address value of {}"),
    ("street_number", "House number of {}"),
    ("route", "Street/road name of {}"),
    ("subpremise", "Apartment/suite of {}"),
    ("sublocality", "District/sublocality of {}"),
    ("locality", "City/town/village/locality of {}"),
    ("admin_area_level_1", "State/county of {}"),
    ("admin_area_level_2", "Region of {}"),
    ("country", "Country of {}"),
    ("postal_code", "ZIP/Postal code of {}"),
    ("formatted_address", "Full/combined address of {}"),
)
ADDRESS_SUB = [(part, label, "varchar") for part, label in ADDRESS_PARTS]
STATUS_OPTIONS = (("open", "Open"), ("won", "Won"), ("lost", "Lost"), ("deleted", "Deleted"))
VISIBLE_TO_OPTIONS = ((1, "Owner & followers"), (3, "Entire company"))


def system_fields(entity: str) -> list[Record]:
    """The fields Pipedrive has on every account, with their v2 codes and v1 keys."""
    count = _counter(entity)
    f = field_definition
    visible_to = _opts(VISIBLE_TO_OPTIONS)
    if entity == "deal":
        return [
            f(count(), "id", "id", "ID", "int", editable=False),
            f(count(), "title", "title", "Title", "varchar", mandatory=True),
            f(count(), "creator_user_id", "creator_user_id", "Creator", "user", editable=False),
            f(count(), "owner_id", "user_id", "Owner", "user"),
            f(count(), "value", "value", "Value", "monetary", subfields=MONETARY_SUB),
            f(count(), None, "currency", "Currency", "varchar_options"),
            f(count(), None, "weighted_value", "Weighted value", "monetary", editable=False),
            f(count(), "probability", "probability", "Probability", "double"),
            f(count(), "org_id", "org_id", "Organization", "org"),
            f(count(), "pipeline_id", "pipeline", "Pipeline", "double"),
            f(count(), "person_id", "person_id", "Contact person", "people"),
            f(count(), "stage_id", "stage_id", "Stage", "stage"),
            f(count(), "status", "status", "Status", "status", options=_opts(STATUS_OPTIONS)),
            f(count(), "add_time", "add_time", "Deal created", "date", editable=False),
            f(count(), "update_time", "update_time", "Update time", "date", editable=False),
            f(count(), "stage_change_time", "stage_change_time", "Last stage change", "date", editable=False),
            f(count(), "won_time", "won_time", "Won time", "date", editable=False),
            f(count(), "lost_time", "lost_time", "Lost time", "date", editable=False),
            f(count(), "close_time", "close_time", "Deal closed on", "date", editable=False),
            f(count(), "lost_reason", "lost_reason", "Lost reason", "varchar_options"),
            f(count(), "visible_to", "visible_to", "Visible to", "visible_to", options=visible_to),
            f(count(), "expected_close_date", "expected_close_date", "Expected close date", "date"),
            f(count(), "label_ids", "label", "Label", "set", options=_opts(DEAL_LABELS)),
            f(count(), "is_archived", "is_archived", "Archived status", "boolean", editable=False),
            f(count(), "origin", "origin", "Source origin", "varchar", editable=False),
            f(count(), "origin_id", "origin_id", "Source origin ID", "varchar", editable=False),
            f(count(), "channel", "channel", "Source channel", "enum", options=_opts(CHANNELS)),
            f(count(), "channel_id", "channel_id", "Source channel ID", "varchar"),
            f(count(), "arr", "arr", "ARR", "double", editable=False),
            f(count(), "mrr", "mrr", "MRR", "double", editable=False),
            f(count(), "acv", "acv", "ACV", "double", editable=False),
            f(count(), "next_activity_id", "next_activity_id", "Next activity", "activity", optional=True),
            f(count(), "last_activity_id", "last_activity_id", "Last activity", "activity", optional=True),
            f(count(), "first_won_time", "first_won_time", "First won time", "date", optional=True),
            f(count(), "products_count", "products_count", "Number of products", "int", optional=True),
            f(count(), "files_count", "files_count", "Number of files", "int", optional=True),
            f(count(), "notes_count", "notes_count", "Number of notes", "int", optional=True),
            f(count(), "followers_count", "followers_count", "Number of followers", "int", optional=True),
            f(
                count(),
                "email_messages_count",
                "email_messages_count",
                "Number of email messages",
                "int",
                optional=True,
            ),
            f(count(), "activities_count", "activities_count", "Total activities", "int", optional=True),
            f(
                count(),
                "done_activities_count",
                "done_activities_count",
                "Done activities",
                "int",
                optional=True,
            ),
            f(
                count(),
                "undone_activities_count",
                "undone_activities_count",
                "Activities to do",
                "int",
                optional=True,
            ),
            f(
                count(),
                "participants_count",
                "participants_count",
                "Number of participants",
                "int",
                optional=True,
            ),
            f(
                count(),
                "last_incoming_mail_time",
                "last_incoming_mail_time",
                "Last email received",
                "date",
                optional=True,
            ),
            f(
                count(),
                "last_outgoing_mail_time",
                "last_outgoing_mail_time",
                "Last email sent",
                "date",
                optional=True,
            ),
            f(count(), "smart_bcc_email", "cc_email", "Smart BCC email", "varchar", optional=True),
            f(count(), "source_lead_id", "source_lead_id", "Source lead", "lead", optional=True),
        ]
    if entity == "person":
        return [
            f(count(), "id", "id", "ID", "int", editable=False),
            f(count(), "name", "name", "Name", "varchar", mandatory=True),
            f(count(), "first_name", "first_name", "First name", "varchar"),
            f(count(), "last_name", "last_name", "Last name", "varchar"),
            f(count(), "owner_id", "owner_id", "Owner", "user"),
            f(count(), "org_id", "org_id", "Organization", "org"),
            f(count(), "emails", "email", "Email", "varchar"),
            f(count(), "phones", "phone", "Phone", "phone"),
            f(count(), "add_time", "add_time", "Person created", "date", editable=False),
            f(count(), "update_time", "update_time", "Update time", "date", editable=False),
            f(count(), "visible_to", "visible_to", "Visible to", "visible_to", options=visible_to),
            f(count(), "label_ids", "label_ids", "Labels", "set", options=_opts(PERSON_LABELS)),
            f(count(), "picture_id", "picture_id", "Profile picture", "picture", editable=False),
            f(
                count(),
                "postal_address",
                "postal_address",
                "Postal address",
                "address",
                subfields=ADDRESS_SUB,
            ),
            f(count(), "notes", "notes", "Notes", "text"),
            f(count(), "im", "im", "Instant messenger", "varchar"),
            f(count(), "birthday", "birthday", "Birthday", "date"),
            f(count(), "job_title", "job_title", "Job title", "varchar"),
            *_counted_person_org_fields(count, "person"),
        ]
    if entity == "organization":
        return [
            f(count(), "id", "id", "ID", "int", editable=False),
            f(count(), "name", "name", "Name", "varchar", mandatory=True),
            f(count(), "owner_id", "owner_id", "Owner", "user"),
            f(count(), "add_time", "add_time", "Organization created", "date", editable=False),
            f(count(), "update_time", "update_time", "Update time", "date", editable=False),
            f(count(), "visible_to", "visible_to", "Visible to", "visible_to", options=visible_to),
            f(count(), "address", "address", "Address", "address", subfields=ADDRESS_SUB),
            f(count(), "label_ids", "label_ids", "Labels", "set", options=_opts(ORG_LABELS)),
            f(count(), "website", "website", "Website", "varchar"),
            f(count(), "linkedin", "linkedin", "LinkedIn profile", "varchar"),
            f(count(), "industry", "industry", "Industry", "enum", options=_opts(INDUSTRIES)),
            f(count(), "annual_revenue", "annual_revenue", "Annual revenue", "double"),
            f(count(), "employee_count", "employee_count", "Number of employees", "int"),
            *_counted_person_org_fields(count, "organization"),
        ]
    if entity == "product":
        return [
            f(count(), "id", "id", "ID", "int", editable=False),
            f(count(), "name", "name", "Name", "varchar", mandatory=True),
            f(count(), "code", "code", "Product code", "varchar"),
            f(count(), "description", "description", "Description", "text"),
            f(count(), "unit", "unit", "Unit", "varchar"),
            f(count(), "tax", "tax", "Tax %", "double"),
            f(count(), "category", "category", "Category", "enum", options=_opts(PRODUCT_CATEGORIES)),
            f(count(), "is_linkable", "selectable", "Selectable", "boolean"),
            f(count(), "visible_to", "visible_to", "Visible to", "visible_to", options=visible_to),
            f(count(), "owner_id", "owner_id", "Owner", "user"),
            f(count(), "prices", "prices", "Unit prices", "price_list"),
            f(count(), "billing_frequency", "billing_frequency", "Billing frequency", "billing_frequency"),
            f(count(), "add_time", "add_time", "Product created", "date", editable=False),
            f(count(), "update_time", "update_time", "Update time", "date", editable=False),
        ]
    if entity == "activity":
        return [
            f(count(), "id", "id", "ID", "int", editable=False),
            f(count(), "subject", "subject", "Subject", "varchar", mandatory=True),
            f(count(), "type", "type", "Type", "varchar_options"),
            f(count(), "owner_id", "user_id", "Assigned to user", "user"),
            f(count(), "creator_user_id", "created_by_user_id", "Creator", "user", editable=False),
            f(count(), "deal_id", "deal_id", "Deal", "deal"),
            f(count(), "lead_id", "lead_id", "Lead", "lead"),
            f(count(), "person_id", "person_id", "Contact person", "people"),
            f(count(), "org_id", "org_id", "Organization", "org"),
            f(count(), "project_id", "project_id", "Project", "project"),
            f(count(), "due_date", "due_date", "Due date", "date"),
            f(count(), "due_time", "due_time", "Due time", "time"),
            f(count(), "duration", "duration", "Duration", "time"),
            f(count(), "busy", "busy_flag", "Free/busy", "boolean"),
            f(count(), "done", "done", "Done", "boolean"),
            f(
                count(),
                "marked_as_done_time",
                "marked_as_done_time",
                "Marked as done time",
                "date",
                editable=False,
            ),
            f(count(), "location", "location", "Location", "address", subfields=ADDRESS_SUB),
            f(count(), "public_description", "public_description", "Public description", "text"),
            f(count(), "note", "note", "Note", "text"),
            f(count(), "priority", "priority", "Priority", "enum", options=_opts(PRIORITIES)),
            f(count(), "add_time", "add_time", "Add time", "date", editable=False),
            f(count(), "update_time", "update_time", "Update time", "date", editable=False),
            f(count(), "attendees", "attendees", "Attendees", "json", optional=True),
        ]
    if entity == "lead":
        # Leads have few fields of their own; they share the deals' custom fields (see Store.fields).
        return [
            f(count(), "title", "title", "Title", "varchar", mandatory=True),
            f(count(), "owner_id", "owner_id", "Owner", "user"),
            f(count(), "creator_id", "creator_id", "Creator", "user", editable=False),
            f(count(), "label_ids", "label_ids", "Labels", "set"),
            f(count(), "person_id", "person_id", "Contact person", "people"),
            f(count(), "organization_id", "organization_id", "Organization", "org"),
            f(count(), "value", "value", "Value", "monetary", subfields=MONETARY_SUB),
            f(count(), "expected_close_date", "expected_close_date", "Expected close date", "date"),
            f(count(), "source_name", "source_name", "Source", "varchar", editable=False),
            f(count(), "origin", "origin", "Source origin", "varchar", editable=False),
            f(count(), "channel", "channel", "Source channel", "enum", options=_opts(CHANNELS)),
            f(count(), "channel_id", "channel_id", "Source channel ID", "varchar"),
            f(count(), "visible_to", "visible_to", "Visible to", "visible_to", options=visible_to),
            f(count(), "was_seen", "was_seen", "Seen", "boolean"),
            f(count(), "is_archived", "is_archived", "Archived", "boolean"),
            f(count(), "add_time", "add_time", "Lead created", "date", editable=False),
            f(count(), "update_time", "update_time", "Update time", "date", editable=False),
            f(count(), "next_activity_id", "next_activity_id", "Next activity", "activity", editable=False),
        ]
    raise ValueError(f"no system fields for {entity!r}")


PRODUCT_CATEGORIES = ((1, "Software"), (2, "Services"), (3, "Hardware"))
PRIORITIES = ((1, "Low"), (2, "Medium"), (3, "High"))


def _counted_person_org_fields(count: Callable[[], int], entity: str) -> list[Record]:
    names = [
        ("next_activity_id", "Next activity", "activity"),
        ("last_activity_id", "Last activity", "activity"),
        ("open_deals_count", "Open deals", "int"),
        ("related_open_deals_count", "Open deals (related)", "int"),
        ("closed_deals_count", "Closed deals", "int"),
        ("related_closed_deals_count", "Closed deals (related)", "int"),
        ("email_messages_count", "Email messages count", "int"),
        ("activities_count", "Total activities", "int"),
        ("done_activities_count", "Done activities", "int"),
        ("undone_activities_count", "Activities to do", "int"),
        ("files_count", "Number of files", "int"),
        ("notes_count", "Number of notes", "int"),
        ("followers_count", "Number of followers", "int"),
        ("won_deals_count", "Won deals", "int"),
        ("related_won_deals_count", "Won deals (related)", "int"),
        ("lost_deals_count", "Lost deals", "int"),
        ("related_lost_deals_count", "Lost deals (related)", "int"),
    ]
    if entity == "person":
        names += [
            ("participant_open_deals_count", "Open deals as participant", "int"),
            ("participant_closed_deals_count", "Closed deals as participant", "int"),
            ("last_incoming_mail_time", "Last email received", "date"),
            ("last_outgoing_mail_time", "Last email sent", "date"),
            ("marketing_status", "Marketing status", "enum"),
            ("doi_status", "Double opt-in status", "enum"),
        ]
    else:
        names.append(("people_count", "People", "int"))
    names.append(("smart_bcc_email", "Smart BCC email", "varchar"))
    return [
        field_definition(
            count(), code, "cc_email" if code == "smart_bcc_email" else code, name, ftype, optional=True
        )
        for code, name, ftype in names
    ]


def _counter(entity: str) -> Callable[[], int]:
    # v1 field ids are unique per account in Pipedrive; give each entity its own block of ids.
    bases = {"deal": 12_000, "person": 9_000, "organization": 4_000, "product": 15_000, "activity": 20_000}
    base = bases.get(entity, 25_000)
    state = [base]

    def count() -> int:
        state[0] += 1
        return state[0]

    return count


# Custom fields: (entity, name, type, options). Keys are derived from the seed.
CUSTOM_FIELDS: tuple[tuple[str, str, str, tuple[str, ...]], ...] = (
    ("deal", "Deal source", "enum", ("Inbound", "Outbound", "Referral", "Partner", "Event")),
    (
        "deal",
        "Product interest",
        "set",
        ("CRM", "Analytics", "Support", "Training", "Consulting", "Integrations"),
    ),
    ("deal", "Contract value", "monetary", ()),
    ("deal", "Contract period", "daterange", ()),
    ("deal", "Renewal date", "date", ()),
    ("deal", "Kick-off call", "time", ()),
    ("deal", "Technical contact", "people", ()),
    ("deal", "Account manager", "user", ()),
    ("deal", "Expected margin", "double", ()),
    ("deal", "Competitor", "varchar", ()),
    ("deal", "Partner organization", "org", ()),
    ("deal", "Internal notes", "text", ()),
    ("person", "Preferred language", "enum", ("English", "German", "French", "Spanish", "Dutch", "Swedish")),
    ("person", "LinkedIn profile", "varchar", ()),
    ("person", "Backup phone", "phone", ()),
    ("person", "Lead score", "double", ()),
    ("person", "Interests", "set", ("Newsletter", "Webinars", "Events", "Product updates")),
    ("person", "Customer since", "date", ()),
    ("organization", "Billing address", "address", ()),
    ("organization", "VAT number", "varchar", ()),
    ("organization", "Credit limit", "monetary", ()),
    ("organization", "Segment", "enum", ("SMB", "Mid-market", "Enterprise", "Public sector")),
    ("organization", "Support hours", "timerange", ()),
    ("organization", "Key account manager", "user", ()),
    ("product", "Warranty months", "double", ()),
    ("product", "Product line", "enum", ("Core", "Add-ons", "Services")),
)
SUBFIELDS = {
    "monetary": MONETARY_SUB,
    "address": ADDRESS_SUB,
    "daterange": [("start", "Start of {}", "date"), ("until", "End of {}", "date")],
    "timerange": [
        ("start", "Start of {}", "time"),
        ("until", "End of {}", "time"),
        ("timezone_id", "Timezone of {}", "int"),
    ],
    "time": [("value", "Time of {}", "time"), ("timezone_id", "Timezone of {}", "int")],
}


def custom_fields(seed: int, entity: str, first_id: int, option_ids: Callable[[], int]) -> list[Record]:
    out: list[Record] = []
    for index, (owner, name, ftype, labels) in enumerate(f for f in CUSTOM_FIELDS if f[0] == entity):
        del owner
        options = [{"id": option_ids(), "label": label} for label in labels] if labels else None
        definition = field_definition(
            first_id + index,
            field_key(seed, entity, name),
            None,
            name,
            ftype,
            options=options,
            custom=True,
            subfields=SUBFIELDS.get(ftype),
        )
        definition["v1_key"] = definition["code"]
        out.append(definition)
    return out
