"""Deals and what hangs off them: Deals, ArchivedDeals, DealProducts and DealParticipants."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from pipedrive_sql.catalog.declare import (
    EVERY_STATUS,
    V2_SORT,
    active_deal,
    archived_deal,
    c,
    id_pushdowns,
    updated_pushdowns,
    v2_writes,
)
from pipedrive_sql.catalog.spec import Column, Pushdown, Source, TableSpec, WriteSpec
from pipedrive_sql.catalog.types import BIGINT, BIGINT_LIST, BOOLEAN, DATE, DOUBLE, MONEY, TIMESTAMP, VARCHAR

# ---- deals -----------------------------------------------------------------------------------------

_DEAL_COLUMNS = (
    c("id", BIGINT, "The deal's ID."),
    c("title", VARCHAR, "The deal's title."),
    c("creator_user_id", BIGINT, "The user who created the deal."),
    c("owner_id", BIGINT, "The user who owns the deal."),
    c("person_id", BIGINT, "The person the deal is with."),
    c("org_id", BIGINT, "The organization the deal is with."),
    c("pipeline_id", BIGINT, "The deal's pipeline."),
    c("stage_id", BIGINT, "The deal's stage."),
    c("value", MONEY, "The deal's value."),
    c("currency", VARCHAR, "The currency of the value (ISO 4217)."),
    c("add_time", TIMESTAMP, "When the deal was created."),
    c("update_time", TIMESTAMP, "When the deal was last updated."),
    c("stage_change_time", TIMESTAMP, "When the deal last changed stage."),
    c("is_deleted", BOOLEAN, "Whether the deal is deleted."),
    c("is_archived", BOOLEAN, "Whether the deal is archived."),
    c("archive_time", TIMESTAMP, "When the deal was archived."),
    c("status", VARCHAR, "open, won, lost or deleted."),
    c("probability", DOUBLE, "Success probability in percent."),
    c("lost_reason", VARCHAR, "Why the deal was lost."),
    c("visible_to", BIGINT, "Visibility: 1 owner, 3 entire company, 5 owner's group, 7 group and subgroups."),
    c("close_time", TIMESTAMP, "When the deal was closed."),
    c("won_time", TIMESTAMP, "When the deal was won."),
    c("lost_time", TIMESTAMP, "When the deal was lost."),
    c("local_won_date", DATE, "The day the deal was won, in the company's time zone."),
    c("local_lost_date", DATE, "The day the deal was lost, in the company's time zone."),
    c("local_close_date", DATE, "The day the deal was closed, in the company's time zone."),
    c("expected_close_date", DATE, "The expected close date."),
    c("label_ids", BIGINT_LIST, "IDs of the deal's labels."),
    c("origin", VARCHAR, "How the deal was created."),
    c("origin_id", VARCHAR, "The ID of the origin."),
    c("channel", BIGINT, "The marketing channel."),
    c("channel_id", VARCHAR, "The ID of the marketing channel."),
    c("source_lead_id", VARCHAR, "The lead the deal was converted from.", references=("Leads", "Id")),
    c("arr", MONEY, "Annual recurring revenue."),
    c("mrr", MONEY, "Monthly recurring revenue."),
    c("acv", MONEY, "Annual contract value."),
)

_DEAL_PUSHDOWNS = (
    *id_pushdowns("owner_id", "person_id", "org_id", "pipeline_id", "stage_id"),
    Pushdown("Status", "status", "eq", "str", batch=4, choices=("open", "won", "lost", "deleted")),
    *updated_pushdowns(),
)

DEALS = TableSpec(
    name="Deals",
    endpoint="/api/v2/deals",
    columns=_DEAL_COLUMNS,
    description="Deals that are not archived, of every status: open, won, lost and deleted (Status = 'deleted', "
    "the API keeps deleted deals 30 days).",
    get_path="/api/v2/deals/{id}",
    ids_param="ids",
    pushdowns=_DEAL_PUSHDOWNS,
    sortable=V2_SORT,
    custom_entity="deal",
    reveal=EVERY_STATUS,
    visible=active_deal,
    writes=v2_writes("deals"),
)

ARCHIVED_DEALS = TableSpec(
    name="ArchivedDeals",
    endpoint="/api/v2/deals/archived",
    columns=_DEAL_COLUMNS,
    description="Archived deals, of every status (deleted ones included, with Status = 'deleted').",
    get_path="/api/v2/deals/{id}",
    ids_param="ids",
    pushdowns=_DEAL_PUSHDOWNS,
    sortable=V2_SORT,
    custom_entity="deal",
    reveal=EVERY_STATUS,
    visible=archived_deal,
)

# ---- deal products and participants --------------------------------------------------------------------

DEAL_PRODUCTS = TableSpec(
    name="DealProducts",
    endpoint="/api/v2/deals/products",
    columns=(
        c("id", BIGINT, "The attachment's ID."),
        c("deal_id", BIGINT, "The deal."),
        c("product_id", BIGINT, "The product."),
        c("product_variation_id", BIGINT, "The product variation."),
        c("name", VARCHAR, "The product's name."),
        c("item_price", MONEY, "Price per item."),
        c("quantity", DOUBLE, "Quantity."),
        c("sum", MONEY, "Total."),
        c("currency", VARCHAR, "Currency."),
        c("discount", DOUBLE, "Discount."),
        c("discount_type", VARCHAR, "percentage or amount."),
        c("tax", DOUBLE, "Tax percentage."),
        c("tax_method", VARCHAR, "exclusive, inclusive or none."),
        c("is_enabled", BOOLEAN, "Whether the product is enabled on the deal."),
        c("order_nr", BIGINT, "Position."),
        c("comments", VARCHAR, "Comments."),
        c("billing_frequency", VARCHAR, "Billing frequency."),
        c("billing_frequency_cycles", BIGINT, "Number of billing cycles."),
        c("billing_start_date", DATE, "Billing start date."),
        c("add_time", TIMESTAMP, "When the product was attached."),
        c("update_time", TIMESTAMP, "When the attachment was last updated."),
    ),
    description="Products attached to deals, archived and deleted deals included, read in batches of 100 deals.",
    sortable={"Id": "id"},
    source=Source(
        table="Deals", column="DealId", param="deal_ids", batch=100, more_parents=("ArchivedDeals",)
    ),
    writes=WriteSpec(
        "/api/v2/deals/{deal_id}/products",
        "/api/v2/deals/{deal_id}/products/{id}",
        "PATCH",
        "/api/v2/deals/{deal_id}/products/{id}",
    ),
)


def _participant_person(record: Mapping[str, Any]) -> Any:
    person = record.get("person")
    if isinstance(person, dict) and "id" in person:
        return person["id"]
    return record.get("person_id")


def _participant_name(record: Mapping[str, Any]) -> Any:
    person = record.get("person")
    if isinstance(person, dict) and "name" in person:
        return person["name"]
    ref = record.get("person_id")
    return ref.get("name") if isinstance(ref, dict) else None


DEAL_PARTICIPANTS = TableSpec(
    name="DealParticipants",
    endpoint="/api/v1/deals/{id}/participants",
    columns=(
        c("id", BIGINT, "The participant's ID."),
        Column("DealId", BIGINT, ("_parent_id",), description="The deal.", references=("Deals", "Id")),
        Column(
            "PersonId",
            BIGINT,
            getter=_participant_person,
            description="The person.",
            references=("Persons", "Id"),
        ),
        Column(
            "PersonName", VARCHAR, getter=_participant_name, description="The person's name.", read_only=True
        ),
        c("add_time", TIMESTAMP, "When the participant was added."),
        c("active_flag", BOOLEAN, "Whether the participant is active."),
        c("added_by_user_id", BIGINT, "The user who added the participant.", references=("Users", "Id")),
    ),
    description="Participants of deals that are not deleted (archived ones included): one request per deal; "
    "a DealId condition reads only those deals.",
    source=Source(
        "Deals",
        "DealId",
        batch=1,
        more_parents=("ArchivedDeals",),
        parent_reveal={"status": "open,won,lost"},
    ),
    sort_style="",
    writes=WriteSpec(
        "/api/v1/deals/{deal_id}/participants", "", "", "/api/v1/deals/{deal_id}/participants/{id}"
    ),
)
