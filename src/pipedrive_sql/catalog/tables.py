"""The built-in tables: one declaration each, from Pipedrive's OpenAPI documents.

Columns are the API's fields in PascalCase (``owner_id`` -> ``OwnerId``). Entities that Pipedrive moved to
API v2 (deals, persons, organizations, activities, products, pipelines, stages, the field definitions) are
read from v2; the rest from v1. Custom-field columns are added per connection by ``custom_fields``.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping
from typing import Any

from pipedrive_sql.catalog.declare import (
    ADDRESS,
    CONTACTS,
    EVERY_STATUS,
    V2_SORT,
    active_deal,
    archived_deal,
    c,
    id_pushdowns,
    not_deleted,
    primary,
    updated_pushdowns,
    v1_writes,
    v2_writes,
)
from pipedrive_sql.catalog.naming import pascal_case
from pipedrive_sql.catalog.spec import Column, Pushdown, Source, TableSpec, WriteSpec
from pipedrive_sql.catalog.tables_collab import COLLAB_TABLES
from pipedrive_sql.catalog.tables_company import COMPANY_TABLES
from pipedrive_sql.catalog.tables_history import HISTORY_TABLES
from pipedrive_sql.catalog.tables_projects import PROJECT_TABLES
from pipedrive_sql.catalog.tables_views import view_tables
from pipedrive_sql.catalog.types import (
    BIGINT,
    BIGINT_LIST,
    BOOLEAN,
    DATE,
    DOUBLE,
    MONEY,
    TIME,
    TIMESTAMP,
    VARCHAR,
    VARCHAR_LIST,
    list_of,
    struct_of,
)

__all__ = ["BUILTIN_TABLES", "builtin_table_names"]


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

# ---- persons and organizations -----------------------------------------------------------------------

PERSONS = TableSpec(
    name="Persons",
    endpoint="/api/v2/persons",
    description="Persons (contacts) that are not deleted (the API lists no deleted person; a merged person is "
    "deleted), custom fields as columns.",
    columns=(
        c("id", BIGINT, "The person's ID."),
        c("name", VARCHAR, "Full name."),
        c("first_name", VARCHAR, "First name."),
        c("last_name", VARCHAR, "Last name."),
        c("owner_id", BIGINT, "The user who owns the person."),
        c("org_id", BIGINT, "The person's organization."),
        c("add_time", TIMESTAMP, "When the person was created."),
        c("update_time", TIMESTAMP, "When the person was last updated."),
        c("emails", CONTACTS, "Email addresses (also the PersonEmails table)."),
        c("phones", CONTACTS, "Phone numbers (also the PersonPhones table)."),
        c("emails", VARCHAR, "The primary email address.", name="Email", read_only=True, transform=primary),
        c("phones", VARCHAR, "The primary phone number.", name="Phone", read_only=True, transform=primary),
        c("is_deleted", BOOLEAN, "Whether the person is deleted."),
        c("visible_to", BIGINT, "Visibility."),
        c("label_ids", BIGINT_LIST, "IDs of the person's labels."),
        c("picture_id", BIGINT, "The person's picture."),
        c("postal_address", ADDRESS, "Postal address."),
        c("notes", VARCHAR, "Notes."),
        c("im", CONTACTS, "Instant messenger accounts."),
        c("birthday", DATE, "Birthday."),
        c("job_title", VARCHAR, "Job title."),
    ),
    get_path="/api/v2/persons/{id}",
    ids_param="ids",
    pushdowns=(*id_pushdowns("owner_id", "org_id"), *updated_pushdowns()),
    sortable=V2_SORT,
    custom_entity="person",
    visible=not_deleted,
    writes=v2_writes("persons"),
)

ORGANIZATIONS = TableSpec(
    name="Organizations",
    endpoint="/api/v2/organizations",
    description="Organizations that are not deleted, custom fields as columns.",
    columns=(
        c("id", BIGINT, "The organization's ID."),
        c("name", VARCHAR, "Name."),
        c("owner_id", BIGINT, "The user who owns the organization."),
        c("add_time", TIMESTAMP, "When the organization was created."),
        c("update_time", TIMESTAMP, "When the organization was last updated."),
        c("is_deleted", BOOLEAN, "Whether the organization is deleted."),
        c("visible_to", BIGINT, "Visibility."),
        c("address", ADDRESS, "Address."),
        c("label_ids", BIGINT_LIST, "IDs of the organization's labels."),
        c("website", VARCHAR, "Website."),
        c("linkedin", VARCHAR, "LinkedIn profile."),
        c("industry", BIGINT, "Industry (option ID)."),
        c("annual_revenue", MONEY, "Annual revenue."),
        c("employee_count", BIGINT, "Number of employees."),
    ),
    get_path="/api/v2/organizations/{id}",
    ids_param="ids",
    pushdowns=(*id_pushdowns("owner_id"), *updated_pushdowns()),
    sortable=V2_SORT,
    custom_entity="organization",
    visible=not_deleted,
    writes=v2_writes("organizations"),
)

# ---- activities, products, pipelines, stages --------------------------------------------------------------

ACTIVITIES = TableSpec(
    name="Activities",
    endpoint="/api/v2/activities",
    description="Activities (calls, meetings, tasks, ...) that are not deleted, done and not done alike (Done).",
    columns=(
        c("id", BIGINT, "The activity's ID."),
        c("subject", VARCHAR, "Subject."),
        c(
            "type",
            VARCHAR,
            "Type (key_string of an activity type).",
            references=("ActivityTypes", "KeyString"),
        ),
        c("owner_id", BIGINT, "The user who owns the activity."),
        c("creator_user_id", BIGINT, "The user who created the activity."),
        c("is_deleted", BOOLEAN, "Whether the activity is deleted."),
        c("add_time", TIMESTAMP, "When the activity was created."),
        c("update_time", TIMESTAMP, "When the activity was last updated."),
        c("deal_id", BIGINT, "The deal the activity is about."),
        c("lead_id", VARCHAR, "The lead the activity is about."),
        c("person_id", BIGINT, "The person the activity is with."),
        c("org_id", BIGINT, "The organization the activity is with."),
        c("project_id", BIGINT, "The project the activity belongs to."),
        c("due_date", DATE, "Due date."),
        c("due_time", TIME, "Due time."),
        c("duration", VARCHAR, "Duration (HH:MM)."),
        c("busy", BOOLEAN, "Whether the activity marks the owner busy."),
        c("done", BOOLEAN, "Whether the activity is done."),
        c("marked_as_done_time", TIMESTAMP, "When the activity was marked done."),
        c("location", ADDRESS, "Location."),
        c("participants", list_of(struct_of(person_id=BIGINT, primary=BOOLEAN)), "Participants."),
        c(
            "attendees",
            list_of(
                struct_of(
                    email=VARCHAR,
                    name=VARCHAR,
                    status=VARCHAR,
                    is_organizer=BOOLEAN,
                    person_id=BIGINT,
                    user_id=BIGINT,
                )
            ),
            "Attendees.",
        ),
        c("conference_meeting_client", VARCHAR, "Conference meeting client."),
        c("conference_meeting_url", VARCHAR, "Conference meeting URL."),
        c("conference_meeting_id", VARCHAR, "Conference meeting ID."),
        c("public_description", VARCHAR, "Public description."),
        c("priority", BIGINT, "Priority."),
        c("note", VARCHAR, "Note."),
    ),
    get_path="/api/v2/activities/{id}",
    ids_param="ids",
    pushdowns=(
        *id_pushdowns("owner_id", "deal_id", "person_id", "org_id"),
        Pushdown("LeadId", "lead_id", "eq", "str"),
        Pushdown("Done", "done", "eq", "bool"),
        *updated_pushdowns(),
    ),
    sortable=V2_SORT,
    custom_entity="activity",
    visible=not_deleted,
    writes=v2_writes("activities"),
)

PRODUCTS = TableSpec(
    name="Products",
    endpoint="/api/v2/products",
    description="Products of the catalog that are not deleted, with their prices per currency.",
    columns=(
        c("id", BIGINT, "The product's ID."),
        c("name", VARCHAR, "Name."),
        c("code", VARCHAR, "Product code."),
        c("unit", VARCHAR, "Unit."),
        c("tax", DOUBLE, "Tax percentage."),
        c("is_deleted", BOOLEAN, "Whether the product is deleted."),
        c("is_linkable", BOOLEAN, "Whether the product can be added to deals."),
        c("visible_to", BIGINT, "Visibility."),
        c("owner_id", BIGINT, "The user who owns the product."),
        c("add_time", TIMESTAMP, "When the product was created."),
        c("update_time", TIMESTAMP, "When the product was last updated."),
        c("description", VARCHAR, "Description."),
        c("category", VARCHAR, "Category."),
        c("billing_frequency", VARCHAR, "one-time, annually, semi-annually, quarterly, monthly or weekly."),
        c("billing_frequency_cycles", BIGINT, "Number of billing cycles."),
        c(
            "prices",
            list_of(
                struct_of(
                    product_id=BIGINT,
                    price=MONEY,
                    currency=VARCHAR,
                    cost=MONEY,
                    direct_cost=MONEY,
                    notes=VARCHAR,
                )
            ),
            "Prices, one per currency.",
        ),
    ),
    get_path="/api/v2/products/{id}",
    ids_param="ids",
    pushdowns=(*id_pushdowns("owner_id"), *updated_pushdowns(until=False)),
    sortable=V2_SORT,
    custom_entity="product",
    visible=not_deleted,
    writes=v2_writes("products"),
)

PIPELINES = TableSpec(
    name="Pipelines",
    endpoint="/api/v2/pipelines",
    description="Sales pipelines.",
    columns=(
        c("id", BIGINT, "The pipeline's ID."),
        c("name", VARCHAR, "Name."),
        c("order_nr", BIGINT, "Position among pipelines."),
        c("is_deleted", BOOLEAN, "Whether the pipeline is deleted."),
        c("is_deal_probability_enabled", BOOLEAN, "Whether deal probabilities are used."),
        c("add_time", TIMESTAMP, "When the pipeline was created."),
        c("update_time", TIMESTAMP, "When the pipeline was last updated."),
    ),
    get_path="/api/v2/pipelines/{id}",
    sortable=V2_SORT,
    visible=not_deleted,
    writes=v2_writes("pipelines"),
)

STAGES = TableSpec(
    name="Stages",
    endpoint="/api/v2/stages",
    description="Stages of the pipelines.",
    columns=(
        c("id", BIGINT, "The stage's ID."),
        c("order_nr", BIGINT, "Position in the pipeline."),
        c("name", VARCHAR, "Name."),
        c("is_deleted", BOOLEAN, "Whether the stage is deleted."),
        c("deal_probability", BIGINT, "Deal success probability in this stage."),
        c("pipeline_id", BIGINT, "The stage's pipeline."),
        c("is_deal_rot_enabled", BOOLEAN, "Whether deals rot in this stage."),
        c("days_to_rotten", BIGINT, "Days until a deal rots."),
        c("add_time", TIMESTAMP, "When the stage was created."),
        c("update_time", TIMESTAMP, "When the stage was last updated."),
    ),
    get_path="/api/v2/stages/{id}",
    pushdowns=id_pushdowns("pipeline_id"),
    sortable=V2_SORT,
    visible=not_deleted,
    writes=v2_writes("stages"),
)

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

# ---- notes, users, files, filters, activity types, currencies (v1) ----------------------------------------

NOTES = TableSpec(
    name="Notes",
    endpoint="/api/v1/notes",
    description="Notes on deals, persons, organizations, leads and projects.",
    columns=(
        c("id", BIGINT, "The note's ID."),
        c("content", VARCHAR, "Content (HTML)."),
        c("user_id", BIGINT, "The user who wrote the note."),
        c("deal_id", BIGINT, "The deal the note is attached to."),
        c("lead_id", VARCHAR, "The lead the note is attached to."),
        c("person_id", BIGINT, "The person the note is attached to."),
        c("org_id", BIGINT, "The organization the note is attached to."),
        c("project_id", BIGINT, "The project the note is attached to."),
        c("task_id", BIGINT, "The task the note is attached to."),
        c("active_flag", BOOLEAN, "Whether the note is active."),
        c("add_time", TIMESTAMP, "When the note was created."),
        c("update_time", TIMESTAMP, "When the note was last updated."),
        c("last_update_user_id", BIGINT, "The user who last updated the note."),
        c("pinned_to_deal_flag", BOOLEAN, "Pinned to the deal."),
        c("pinned_to_lead_flag", BOOLEAN, "Pinned to the lead."),
        c("pinned_to_organization_flag", BOOLEAN, "Pinned to the organization."),
        c("pinned_to_person_flag", BOOLEAN, "Pinned to the person."),
        c("pinned_to_project_flag", BOOLEAN, "Pinned to the project."),
        c("deal_title", VARCHAR, "The deal's title.", path=("deal", "title"), read_only=True),
        c("person_name", VARCHAR, "The person's name.", path=("person", "name"), read_only=True),
        c(
            "organization_name",
            VARCHAR,
            "The organization's name.",
            path=("organization", "name"),
            read_only=True,
        ),
        c("user_name", VARCHAR, "The author's name.", path=("user", "name"), read_only=True),
    ),
    get_path="/api/v1/notes/{id}",
    get_by_id_max=10,
    pushdowns=(
        *id_pushdowns("user_id", "deal_id", "person_id", "org_id"),
        Pushdown("LeadId", "lead_id", "eq", "str"),
        Pushdown("UpdateTime", "updated_since", "lower", "timestamp"),
    ),
    sortable={"Id": "id", "AddTime": "add_time", "UpdateTime": "update_time"},
    sort_style="v1",
    writes=v1_writes("notes"),
)

USERS = TableSpec(
    name="Users",
    endpoint="/api/v1/users",
    description="Every user of the company, active or not (ActiveFlag).",
    columns=(
        c("id", BIGINT, "The user's ID."),
        c("name", VARCHAR, "Name."),
        c("email", VARCHAR, "Email address."),
        c("phone", VARCHAR, "Phone number."),
        c("default_currency", VARCHAR, "Default currency."),
        c("locale", VARCHAR, "Locale."),
        c("lang", BIGINT, "Language ID."),
        c("activated", BOOLEAN, "Whether the user has activated the account."),
        c("last_login", TIMESTAMP, "Last login."),
        c("created", TIMESTAMP, "When the user was created."),
        c("modified", TIMESTAMP, "When the user was last modified."),
        c("has_created_company", BOOLEAN, "Whether the user created the company."),
        c("access", list_of(struct_of(app=VARCHAR, admin=BOOLEAN, permission_set_id=VARCHAR)), "Access."),
        c("active_flag", BOOLEAN, "Whether the user is active."),
        c("timezone_name", VARCHAR, "Time zone."),
        c("timezone_offset", VARCHAR, "Time zone offset."),
        c("role_id", BIGINT, "Role ID."),
        c("icon_url", VARCHAR, "Icon URL."),
        c("is_you", BOOLEAN, "Whether this is the signed-in user."),
        c("is_deleted", BOOLEAN, "Whether the user is deleted."),
    ),
    get_path="/api/v1/users/{id}",
    get_by_id_max=10,
    paged=False,
    limit_pushable=False,
    sort_style="",
)

FILES = TableSpec(
    name="Files",
    endpoint="/api/v1/files",
    description="Files attached to deals, persons, organizations, products, activities, leads and projects.",
    columns=(
        c("id", BIGINT, "The file's ID."),
        c("name", VARCHAR, "Name."),
        c("file_name", VARCHAR, "File name."),
        c("file_size", BIGINT, "Size in bytes."),
        c("file_type", VARCHAR, "Type."),
        c("description", VARCHAR, "Description."),
        c("user_id", BIGINT, "The user who uploaded the file."),
        c("deal_id", BIGINT, "The deal the file is attached to."),
        c("person_id", BIGINT, "The person the file is attached to."),
        c("org_id", BIGINT, "The organization the file is attached to."),
        c("product_id", BIGINT, "The product the file is attached to."),
        c("activity_id", BIGINT, "The activity the file is attached to."),
        c("lead_id", VARCHAR, "The lead the file is attached to."),
        c("project_id", BIGINT, "The project the file is attached to."),
        c("add_time", TIMESTAMP, "When the file was uploaded."),
        c("update_time", TIMESTAMP, "When the file was last updated."),
        c("active_flag", BOOLEAN, "Whether the file is active."),
        c("inline_flag", BOOLEAN, "Whether the file is inline."),
        c("remote_location", VARCHAR, "Remote location."),
        c("remote_id", VARCHAR, "Remote ID."),
        c("url", VARCHAR, "Download URL."),
        c("deal_name", VARCHAR, "The deal's title."),
        c("person_name", VARCHAR, "The person's name."),
        c("org_name", VARCHAR, "The organization's name."),
        c("product_name", VARCHAR, "The product's name."),
        c("lead_name", VARCHAR, "The lead's title."),
        c("project_name", VARCHAR, "The project's title."),
        c("mail_message_id", VARCHAR, "The mail message the file came with."),
    ),
    get_path="/api/v1/files/{id}",
    get_by_id_max=10,
    sortable={"Id": "id", "UpdateTime": "update_time"},
    sort_style="v1",
    max_page_size=100,
)

FILTERS = TableSpec(
    name="Filters",
    endpoint="/api/v1/filters",
    description="Saved filters of deals, leads, persons, organizations, products and activities.",
    columns=(
        c("id", BIGINT, "The filter's ID."),
        c("name", VARCHAR, "Name."),
        c("type", VARCHAR, "deals, leads, org, people, products, activity or projects."),
        c("filter_code", VARCHAR, "The filter's code."),
        c("is_editable", BOOLEAN, "Whether the filter can be edited."),
        c("active_flag", BOOLEAN, "Whether the filter is active."),
        c("temporary_flag", BOOLEAN, "Whether the filter is temporary."),
        c("user_id", BIGINT, "The user who owns the filter."),
        c("add_time", TIMESTAMP, "When the filter was created."),
        c("update_time", TIMESTAMP, "When the filter was last updated."),
        c("last_used_time", TIMESTAMP, "When the filter was last used."),
        c("visible_to", BIGINT, "Visibility."),
        c("custom_view_id", BIGINT, "Custom view ID."),
    ),
    get_path="/api/v1/filters/{id}",
    get_by_id_max=10,
    pushdowns=(
        Pushdown(
            "Type",
            "type",
            "eq",
            "str",
            choices=("deals", "leads", "org", "people", "products", "activity", "projects"),
        ),
    ),
    paged=False,
    limit_pushable=False,
    sort_style="",
    writes=v1_writes("filters"),
)

ACTIVITY_TYPES = TableSpec(
    name="ActivityTypes",
    endpoint="/api/v1/activityTypes",
    description="Types of activities (call, meeting, ...); Activities.Type is their KeyString.",
    columns=(
        c("id", BIGINT, "The activity type's ID."),
        c("name", VARCHAR, "Name."),
        c("key_string", VARCHAR, "Key (Activities.Type)."),
        c("icon_key", VARCHAR, "Icon."),
        c("color", VARCHAR, "Color (hex)."),
        c("order_nr", BIGINT, "Position."),
        c("active_flag", BOOLEAN, "Whether the type is active."),
        c("is_custom_flag", BOOLEAN, "Whether the type is custom."),
        c("add_time", TIMESTAMP, "When the type was created."),
        c("update_time", TIMESTAMP, "When the type was last updated."),
    ),
    paged=False,
    limit_pushable=False,
    sort_style="",
)

CURRENCIES = TableSpec(
    name="Currencies",
    endpoint="/api/v1/currencies",
    description="Currencies the company can use.",
    columns=(
        c("id", BIGINT, "The currency's ID."),
        c("code", VARCHAR, "ISO 4217 code."),
        c("name", VARCHAR, "Name."),
        c("decimal_points", BIGINT, "Decimal places."),
        c("symbol", VARCHAR, "Symbol."),
        c("active_flag", BOOLEAN, "Whether the currency is active."),
        c("is_custom_flag", BOOLEAN, "Whether the currency is custom."),
    ),
    paged=False,
    limit_pushable=False,
    sort_style="",
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

# ---- child views -------------------------------------------------------------------------------------------


def _contact_view(name: str, list_key: str, what: str) -> TableSpec:
    return TableSpec(
        name=name,
        endpoint=PERSONS.endpoint,
        columns=(
            Column(
                "PersonId",
                BIGINT,
                ("_parent_id",),
                description="The person.",
                references=("Persons", "Id"),
                read_only=True,
            ),
            Column("Value", VARCHAR, ("value",), description=f"The {what}.", read_only=True),
            Column("Label", VARCHAR, ("label",), description="work, home, mobile, other...", read_only=True),
            Column(
                "Primary",
                BOOLEAN,
                ("primary",),
                description=f"Whether this is the primary {what}.",
                read_only=True,
            ),
        ),
        description=f"One row per {what} of each person (from Persons.{pascal_case(list_key)}).",
        source=Source(table="Persons", column="PersonId", explode=list_key),
        limit_pushable=False,
        sort_style="",
        kind="VIEW",
    )


PERSON_EMAILS = _contact_view("PersonEmails", "emails", "email address")
PERSON_PHONES = _contact_view("PersonPhones", "phones", "phone number")

# ---- field definitions ------------------------------------------------------------------------------------


def _fields_table(name: str, entity: str) -> TableSpec:
    return TableSpec(
        name=name,
        endpoint=f"/api/v2/{entity}Fields",
        columns=(
            Column(
                "FieldCode",
                VARCHAR,
                ("field_code",),
                description="The field's key (a 40-character hash for custom fields).",
                key=True,
                nullable=False,
                read_only=True,
            ),
            c("field_name", VARCHAR, "The field's name."),
            c("field_type", VARCHAR, "The field's type (varchar, enum, set, monetary, ...)."),
            c("description", VARCHAR, "Description."),
            c("is_custom_field", BOOLEAN, "Whether the field is a custom field.", read_only=True),
            c(
                "is_optional_response_field",
                BOOLEAN,
                "Whether the API returns it only on request.",
                read_only=True,
            ),
            c(
                "options",
                list_of(struct_of(id=VARCHAR, label=VARCHAR, color=VARCHAR)),
                "Options of enum/set fields.",
            ),
            c(
                "subfields",
                list_of(struct_of(field_code=VARCHAR, field_name=VARCHAR, field_type=VARCHAR)),
                "Subfields of address and monetary fields.",
                read_only=True,
            ),
        ),
        description=f"Definitions of {entity} fields, custom fields included.",
        get_path=f"/api/v2/{entity}Fields/{{id}}",
        sort_style="",
        writes=v2_writes(f"{entity}Fields"),
    )


DEAL_FIELDS = _fields_table("DealFields", "deal")
PERSON_FIELDS = _fields_table("PersonFields", "person")
ORGANIZATION_FIELDS = _fields_table("OrganizationFields", "organization")
PRODUCT_FIELDS = _fields_table("ProductFields", "product")
ACTIVITY_FIELDS = _fields_table("ActivityFields", "activity")
PROJECT_FIELDS = dataclasses.replace(_fields_table("ProjectFields", "project"), writes=None)

CORE_TABLES: tuple[TableSpec, ...] = (
    DEALS,
    ARCHIVED_DEALS,
    PERSONS,
    ORGANIZATIONS,
    ACTIVITIES,
    PRODUCTS,
    PIPELINES,
    STAGES,
    LEADS,
    ARCHIVED_LEADS,
    LEAD_LABELS,
    LEAD_SOURCES,
    NOTES,
    USERS,
    ACTIVITY_TYPES,
    CURRENCIES,
    FILTERS,
    FILES,
    DEAL_PRODUCTS,
    DEAL_PARTICIPANTS,
    DEAL_FIELDS,
    PERSON_FIELDS,
    ORGANIZATION_FIELDS,
    PRODUCT_FIELDS,
    ACTIVITY_FIELDS,
    PERSON_EMAILS,
    PERSON_PHONES,
    PROJECT_FIELDS,
)

BUILTIN_TABLES: tuple[TableSpec, ...] = (
    *CORE_TABLES,
    *COLLAB_TABLES,
    *PROJECT_TABLES,
    *HISTORY_TABLES,
    *COMPANY_TABLES,
    *view_tables({t.name: t for t in CORE_TABLES}),
)


def builtin_table_names() -> list[str]:
    return [t.name for t in BUILTIN_TABLES]
