"""The built-in tables: one declaration each, from Pipedrive's OpenAPI documents.

Columns are the API's fields in PascalCase (``owner_id`` -> ``OwnerId``). Entities that Pipedrive moved to
API v2 (deals, persons, organizations, activities, products, pipelines, stages, the field definitions) are
read from v2; the rest from v1. Custom-field columns are added per connection by ``custom_fields``.

This module declares activities, products, pipelines, stages, notes, users, files, filters, activity types and
currencies, and assembles ``BUILTIN_TABLES`` in catalog order; the other families have a module each:
``tables_deals``, ``tables_contacts``, ``tables_leads``, ``tables_fields``, ``tables_collab``,
``tables_projects``, ``tables_history``, ``tables_company`` and ``tables_views``.
"""

from __future__ import annotations

from pipedrive_sql.catalog.declare import (
    ADDRESS,
    V2_SORT,
    c,
    id_pushdowns,
    not_deleted,
    updated_pushdowns,
    v1_writes,
    v2_writes,
)
from pipedrive_sql.catalog.spec import Pushdown, TableSpec
from pipedrive_sql.catalog.tables_collab import COLLAB_TABLES
from pipedrive_sql.catalog.tables_company import COMPANY_TABLES
from pipedrive_sql.catalog.tables_contacts import ORGANIZATIONS, PERSON_EMAILS, PERSON_PHONES, PERSONS
from pipedrive_sql.catalog.tables_deals import ARCHIVED_DEALS, DEAL_PARTICIPANTS, DEAL_PRODUCTS, DEALS
from pipedrive_sql.catalog.tables_fields import (
    ACTIVITY_FIELDS,
    DEAL_FIELDS,
    ORGANIZATION_FIELDS,
    PERSON_FIELDS,
    PRODUCT_FIELDS,
    PROJECT_FIELDS,
)
from pipedrive_sql.catalog.tables_history import HISTORY_TABLES
from pipedrive_sql.catalog.tables_leads import ARCHIVED_LEADS, LEAD_LABELS, LEAD_SOURCES, LEADS
from pipedrive_sql.catalog.tables_projects import PROJECT_TABLES
from pipedrive_sql.catalog.tables_views import view_tables
from pipedrive_sql.catalog.types import (
    BIGINT,
    BOOLEAN,
    DATE,
    DOUBLE,
    MONEY,
    TIME,
    TIMESTAMP,
    VARCHAR,
    list_of,
    struct_of,
)

__all__ = ["BUILTIN_TABLES", "builtin_table_names"]


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
