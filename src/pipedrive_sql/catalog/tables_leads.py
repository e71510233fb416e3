"""Leads (v1): Leads, ArchivedLeads, LeadLabels and LeadSources."""

from __future__ import annotations

from pipedrive_sql.catalog.declare import c, id_pushdowns, v1_writes
from pipedrive_sql.catalog.spec import Column, Pushdown, TableSpec
from pipedrive_sql.catalog.types import BIGINT, BOOLEAN, DATE, MONEY, TIMESTAMP, VARCHAR, VARCHAR_LIST

# ---- leads (v1) ---------------------------------------------------------------------------------------

_LEAD_COLUMNS = (
    c("id", VARCHAR, "The lead's ID (a UUID)."),
    c("title", VARCHAR, "Title."),
    c("owner_id", BIGINT, "The user who owns the lead."),
    c("creator_id", BIGINT, "The user who created the lead."),
    c("label_ids", VARCHAR_LIST, "IDs of the lead's labels (LeadLabels.Id)."),
    c("person_id", BIGINT, "The person the lead is with."),
    c("organization_id", BIGINT, "The organization the lead is with."),
    c("source_name", VARCHAR, "Where the lead came from (LeadSources.Name)."),
    c("origin", VARCHAR, "How the lead was created."),
    c("origin_id", VARCHAR, "The ID of the origin."),
    c("channel", BIGINT, "The marketing channel."),
    c("channel_id", VARCHAR, "The ID of the marketing channel."),
    c("source_deal_id", BIGINT, "The deal the lead came from.", references=("Deals", "Id")),
    c("is_archived", BOOLEAN, "Whether the lead is archived."),
    c("was_seen", BOOLEAN, "Whether the lead was seen."),
    c("value", MONEY, "The lead's potential value.", path=("value", "amount")),
    c("currency", VARCHAR, "The currency of the value.", path=("value", "currency")),
    c("expected_close_date", DATE, "The expected close date."),
    c("next_activity_id", BIGINT, "The next activity.", references=("Activities", "Id")),
    c("add_time", TIMESTAMP, "When the lead was created."),
    c("update_time", TIMESTAMP, "When the lead was last updated."),
    c("visible_to", BIGINT, "Visibility."),
    c("cc_email", VARCHAR, "The lead's BCC address."),
)

LEADS = TableSpec(
    name="Leads",
    endpoint="/api/v1/leads",
    columns=_LEAD_COLUMNS,
    description="Leads that are not archived (ArchivedLeads holds the others).",
    get_path="/api/v1/leads/{id}",
    get_by_id_max=10,
    pushdowns=(
        *id_pushdowns("owner_id", "person_id", "organization_id"),
        Pushdown("UpdateTime", "updated_since", "lower", "timestamp"),
    ),
    sortable={"AddTime": "add_time", "UpdateTime": "update_time"},
    sort_style="v1",
    visible=lambda r: not r.get("is_archived"),
    writes=v1_writes("leads", "PATCH"),
)

ARCHIVED_LEADS = TableSpec(
    name="ArchivedLeads",
    endpoint="/api/v1/leads/archived",
    columns=_LEAD_COLUMNS,
    description="Archived leads (Leads holds the others).",
    get_path="/api/v1/leads/{id}",
    get_by_id_max=10,
    pushdowns=id_pushdowns("owner_id", "person_id", "organization_id"),
    sortable={"AddTime": "add_time", "UpdateTime": "update_time"},
    sort_style="v1",
    visible=lambda r: bool(r.get("is_archived")),
)

LEAD_LABELS = TableSpec(
    name="LeadLabels",
    endpoint="/api/v1/leadLabels",
    description="Labels that can be put on leads.",
    columns=(
        c("id", VARCHAR, "The label's ID (a UUID)."),
        c("name", VARCHAR, "Name."),
        c("color", VARCHAR, "Color."),
        c("add_time", TIMESTAMP, "When the label was created."),
        c("update_time", TIMESTAMP, "When the label was last updated."),
    ),
    paged=False,
    limit_pushable=False,
    sort_style="",
    writes=v1_writes("leadLabels", "PATCH"),
)

LEAD_SOURCES = TableSpec(
    name="LeadSources",
    endpoint="/api/v1/leadSources",
    description="Where leads come from (API, import, web forms, ...).",
    columns=(Column("Name", VARCHAR, ("name",), description="The source's name.", key=True, read_only=True),),
    paged=False,
    limit_pushable=False,
    sort_style="",
)
