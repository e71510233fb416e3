"""The rest of Pipedrive's record-returning GETs: company administration (legacy teams, permission sets,
webhooks, the signed-in user's connections and settings), what hangs off deals and products (installments,
discounts, variations, images), and more history (participant changes, project changes, the mail of
persons and organizations)."""

from __future__ import annotations

import dataclasses
import datetime
from collections.abc import Mapping
from typing import Any

from pipedrive_sql.catalog.declare import c
from pipedrive_sql.catalog.spec import Column, Pushdown, Source, TableSpec
from pipedrive_sql.catalog.tables_collab import DEALS_MAIL_MESSAGES, parent
from pipedrive_sql.catalog.types import (
    BIGINT,
    BIGINT_LIST,
    BOOLEAN,
    DOUBLE,
    JSON,
    MONEY,
    TIMESTAMP,
    VARCHAR,
    list_of,
    struct_of,
)

__all__ = ["COMPANY_TABLES"]


def _one_row(name: str, endpoint: str, columns: tuple[Column, ...], description: str) -> TableSpec:
    return TableSpec(
        name=name,
        endpoint=endpoint,
        columns=columns,
        description=description,
        paged=False,
        limit_pushable=False,
        sort_style="",
        kind="VIEW",
    )


LEGACY_TEAMS = TableSpec(
    name="LegacyTeams",
    endpoint="/api/v1/legacyTeams",
    columns=(
        c("id", BIGINT, "The team's ID."),
        c("name", VARCHAR, "Name."),
        c("description", VARCHAR, "Description."),
        c("manager_id", BIGINT, "The team's manager.", references=("Users", "Id")),
        c("users", BIGINT_LIST, "The members' user IDs."),
        Column(
            "ActiveFlag", BOOLEAN, ("active_flag",), transform=bool, description="Whether the team is active."
        ),
        Column(
            "DeletedFlag", BOOLEAN, ("deleted_flag",), transform=bool, description="Whether it is deleted."
        ),
        c("add_time", TIMESTAMP, "When the team was created."),
        c("created_by_user_id", BIGINT, "The user who created it.", references=("Users", "Id")),
    ),
    description="Teams of users (Pipedrive's legacy teams API, deprecated but served).",
    get_path="/api/v1/legacyTeams/{id}",
    get_by_id_max=10,
    paged=False,
    limit_pushable=False,
    sort_style="",
    kind="VIEW",
)

LEGACY_TEAM_USERS = TableSpec(
    name="LegacyTeamUsers",
    endpoint="/api/v1/legacyTeams/{id}/users",
    columns=(
        parent("TeamId", "LegacyTeams", "The team."),
        Column("UserId", BIGINT, ("value",), description="A member.", references=("Users", "Id")),
    ),
    description="Members of each legacy team: one request per team.",
    source=Source(table="LegacyTeams", column="TeamId", batch=1),
    paged=False,
    limit_pushable=False,
    sort_style="",
    kind="VIEW",
)

USER_TEAMS = TableSpec(
    name="UserLegacyTeams",
    endpoint="/api/v1/legacyTeams/user/{id}",
    columns=(
        parent("UserId", "Users", "The user."),
        Column(
            "TeamId", BIGINT, ("id",), description="A team the user is in.", references=("LegacyTeams", "Id")
        ),
        c("name", VARCHAR, "The team's name."),
    ),
    description="The legacy teams of each user: one request per user.",
    source=Source(table="Users", column="UserId", batch=1),
    paged=False,
    limit_pushable=False,
    sort_style="",
    kind="VIEW",
)

PERMISSION_SETS = TableSpec(
    name="PermissionSets",
    endpoint="/api/v1/permissionSets",
    columns=(
        Column("Id", VARCHAR, ("id",), description="The set's ID.", key=True, nullable=False, read_only=True),
        c("name", VARCHAR, "Name."),
        c("description", VARCHAR, "Description."),
        c("app", VARCHAR, "sales, projects, campaigns, global, account_settings, partnership or nova."),
        c("type", VARCHAR, "admin, regular or custom."),
        c("assignment_count", BIGINT, "Users with the set."),
    ),
    description="Permission sets; App conditions are evaluated by the API.",
    get_path="/api/v1/permissionSets/{id}",
    get_by_id_max=10,
    paged=False,
    limit_pushable=False,
    sort_style="",
    kind="VIEW",
)

PERMISSION_SET_ASSIGNMENTS = TableSpec(
    name="PermissionSetAssignments",
    endpoint="/api/v1/permissionSets/{id}/assignments",
    columns=(
        Column(
            "PermissionSetId",
            VARCHAR,
            ("permission_set_id",),
            description="The set.",
            references=("PermissionSets", "Id"),
        ),
        Column(
            "UserId", BIGINT, ("user_id",), description="A user with the set.", references=("Users", "Id")
        ),
        c("name", VARCHAR, "The set's name."),
    ),
    description="Which users have which permission set: one request per set.",
    source=Source(table="PermissionSets", column="PermissionSetId", batch=1),
    sort_style="",
    kind="VIEW",
)

WEBHOOKS = TableSpec(
    name="Webhooks",
    endpoint="/api/v1/webhooks",
    columns=(
        c("id", BIGINT, "The webhook's ID."),
        c("name", VARCHAR, "Name."),
        c("event_action", VARCHAR, "create, change, delete or *."),
        c("event_object", VARCHAR, "deal, person, organization, ... or *."),
        c("subscription_url", VARCHAR, "Where events are sent."),
        c("version", VARCHAR, "Payload version."),
        Column("IsActive", BOOLEAN, ("is_active",), transform=bool, description="Whether it is active."),
        c("owner_id", BIGINT, "Owner.", references=("Users", "Id")),
        c("user_id", BIGINT, "The user whose permissions events follow.", references=("Users", "Id")),
        c("type", VARCHAR, "general or application."),
        c("add_time", TIMESTAMP, "When it was created."),
        c("remove_time", TIMESTAMP, "When it was removed."),
        c("last_delivery_time", TIMESTAMP, "Last delivery."),
        c("last_http_status", BIGINT, "HTTP status of the last delivery."),
    ),
    description="Webhooks of the company (admins only in Pipedrive).",
    paged=False,
    limit_pushable=False,
    sort_style="",
    kind="VIEW",
)

USER_CONNECTIONS = _one_row(
    "UserConnections",
    "/api/v1/userConnections",
    (c("google", VARCHAR, "The Google account connected to the signed-in user, if any."),),
    "The signed-in user's connected accounts (one row).",
)

USER_SETTINGS = _one_row(
    "UserSettings",
    "/api/v1/userSettings",
    (
        c("marketplace_team", BOOLEAN, "Whether the user is in the Marketplace team."),
        c("list_limit", BIGINT, "Rows per page in lists."),
        c("beta_app", BOOLEAN, "Whether the user uses the beta app."),
        c("file_upload_destination", VARCHAR, "Where uploads go."),
        c("callto_link_syntax", VARCHAR, "How phone links are written."),
        c("autofill_deal_expected_close_date", BOOLEAN, "Whether new deals get an expected close date."),
        c("person_duplicate_condition", VARCHAR, "How duplicate persons are detected."),
    ),
    "The signed-in user's settings (one row).",
)

DEAL_INSTALLMENTS = TableSpec(
    name="DealInstallments",
    endpoint="/api/v2/deals/installments",
    columns=(
        c("id", BIGINT, "The installment's ID."),
        c("deal_id", BIGINT, "The deal."),
        c("amount", MONEY, "Amount."),
        c("billing_date", VARCHAR, "Billing date (YYYY-MM-DD)."),
        c("description", VARCHAR, "Description."),
    ),
    description="Installments of deals, read in batches of 100 deals (deal_ids).",
    source=Source(table="Deals", column="DealId", param="deal_ids", batch=100),
    sort_style="",
    kind="VIEW",
)

DEAL_DISCOUNTS = TableSpec(
    name="DealDiscounts",
    endpoint="/api/v2/deals/{id}/discounts",
    columns=(
        Column(
            "Id", VARCHAR, ("id",), description="The discount's ID.", key=True, nullable=False, read_only=True
        ),
        c("deal_id", BIGINT, "The deal."),
        c("type", VARCHAR, "percentage or amount."),
        c("amount", DOUBLE, "Amount."),
        c("description", VARCHAR, "Description."),
        c("created_at", TIMESTAMP, "When it was added."),
        c("created_by", BIGINT, "Who added it.", references=("Users", "Id")),
        c("updated_at", TIMESTAMP, "When it was last changed."),
        c("updated_by", BIGINT, "Who last changed it.", references=("Users", "Id")),
    ),
    description="Discounts on deals: one request per deal.",
    source=Source(table="Deals", column="DealId", batch=1),
    paged=False,
    limit_pushable=False,
    sort_style="",
    kind="VIEW",
)

PRODUCT_VARIATIONS = TableSpec(
    name="ProductVariations",
    endpoint="/api/v2/products/{id}/variations",
    columns=(
        c("id", BIGINT, "The variation's ID."),
        c("product_id", BIGINT, "The product."),
        c("name", VARCHAR, "Name."),
        c(
            "prices",
            list_of(struct_of(price=MONEY, currency=VARCHAR, cost=MONEY, notes=VARCHAR)),
            "Prices.",
        ),
    ),
    description="Variations of products: one request per product.",
    source=Source(table="Products", column="ProductId", batch=1),
    sort_style="",
    kind="VIEW",
)

PRODUCT_IMAGES = TableSpec(
    name="ProductImages",
    endpoint="/api/v2/products/{id}/images",
    columns=(
        c("id", BIGINT, "The image's ID."),
        c("product_id", BIGINT, "The product."),
        c("name", VARCHAR, "File name."),
        c("mime_type", VARCHAR, "MIME type."),
        c("public_url", VARCHAR, "Where the image is."),
        c("add_time", TIMESTAMP, "When it was uploaded."),
    ),
    description="The image of each product (its metadata and URL): one request per product.",
    source=Source(table="Products", column="ProductId", batch=1),
    paged=False,
    limit_pushable=False,
    sort_style="",
    kind="VIEW",
)

DEAL_PARTICIPANTS_CHANGELOG = TableSpec(
    name="DealParticipantsChangelog",
    endpoint="/api/v1/deals/{id}/participantsChangelog",
    columns=(
        parent("DealId", "Deals", "The deal."),
        c("person_id", BIGINT, "The participant."),
        c("action", VARCHAR, "added or removed."),
        c("actor_user_id", BIGINT, "Who did it.", references=("Users", "Id")),
        c("time", TIMESTAMP, "When."),
    ),
    description="When participants were added to and removed from each deal: one request per deal.",
    source=Source(table="Deals", column="DealId", batch=1),
    sort_style="",
    kind="VIEW",
)

PROJECT_CHANGES = TableSpec(
    name="ProjectChanges",
    endpoint="/api/v2/projects/{id}/changelog",
    columns=(
        parent("ProjectId", "Projects", "The project."),
        c("time", TIMESTAMP, "When."),
        c("actor_user_id", BIGINT, "Who.", references=("Users", "Id")),
        Column("OldValues", JSON, ("old_values",), description="The fields before, as JSON."),
        Column("NewValues", JSON, ("new_values",), description="The fields after, as JSON."),
        c("change_source", VARCHAR, "app, api, ..."),
    ),
    description="Changes of each project: one request per project.",
    source=Source(table="Projects", column="ProjectId", batch=1),
    sort_style="",
    kind="VIEW",
)


RECENT_ITEMS = (
    "activity",
    "activityType",
    "deal",
    "file",
    "filter",
    "note",
    "person",
    "organization",
    "pipeline",
    "product",
    "stage",
    "user",
)


def _recent_time(record: Mapping[str, Any]) -> Any:
    data = record.get("data")
    if not isinstance(data, dict):
        return None
    return data.get("update_time") or data.get("modified")  # users call it "modified"


RECENTS = TableSpec(
    name="Recents",
    endpoint="/api/v1/recents",
    columns=(
        c("item", VARCHAR, "deal, person, organization, activity, note, file, filter, product, stage, ..."),
        Column("ItemId", BIGINT, ("id",), description="The record's ID."),
        Column("UpdateTime", TIMESTAMP, getter=_recent_time, description="When the record last changed."),
        Column("Data", JSON, ("data",), description="The record as v1 answers it, as JSON."),
    ),
    description="Every record changed since a time, oldest first (what incremental sync reads). "
    "UpdateTime >= '...' is evaluated by the API (since_timestamp; without it, everything); Item = '...' too.",
    pushdowns=(
        Pushdown("UpdateTime", "since_timestamp", "lower", "v1time"),
        Pushdown("Item", "items", "eq", "str", batch=12, choices=RECENT_ITEMS),
    ),
    fixed_params={"since_timestamp": "1970-01-01 00:00:00"},
    sort_style="",
    kind="VIEW",
)


def _two_years() -> dict[str, str]:
    """January 1st of last year to December 31st of this year: the period the statistics tables cover."""
    today = datetime.date.today()
    return {"start_date": f"{today.year - 1}-01-01", "end_date": f"{today.year}-12-31"}


PIPELINE_CONVERSION_STATISTICS = TableSpec(
    name="ConversionStatisticsByPipeline",
    endpoint="/api/v1/pipelines/{id}/conversion_statistics",
    columns=(
        parent("PipelineId", "Pipelines", "The pipeline."),
        c(
            "stage_conversions",
            list_of(struct_of(from_stage_id=BIGINT, to_stage_id=BIGINT, conversion_rate=BIGINT)),
            "Percent of the deals that went on from each stage to the next.",
        ),
        c("won_conversion", BIGINT, "Percent of the deals won."),
        c("lost_conversion", BIGINT, "Percent of the deals lost."),
    ),
    description="Conversion of each pipeline's deals added from January of last year to the end of this "
    "year (one row per pipeline; DealStageHistory answers such questions for any period).",
    source=Source(table="Pipelines", column="PipelineId", batch=1),
    fixed_params=_two_years(),
    paged=False,
    limit_pushable=False,
    sort_style="",
    kind="VIEW",
)

_GROUP = struct_of(count=BIGINT, deals_ids=BIGINT_LIST)

PIPELINE_MOVEMENT_STATISTICS = TableSpec(
    name="MovementStatisticsByPipeline",
    endpoint="/api/v1/pipelines/{id}/movement_statistics",
    columns=(
        parent("PipelineId", "Pipelines", "The pipeline."),
        Column(
            "MovementsBetweenStages",
            BIGINT,
            ("movements_between_stages", "count"),
            description="Stage moves.",
        ),
        Column("NewDeals", BIGINT, ("new_deals", "count"), description="Deals added."),
        Column("DealsLeftOpen", BIGINT, ("deals_left_open", "count"), description="Of those, still open."),
        Column("WonDeals", BIGINT, ("won_deals", "count"), description="Deals won."),
        Column("LostDeals", BIGINT, ("lost_deals", "count"), description="Deals lost."),
        Column("NewDealsValues", JSON, ("new_deals", "values"), description="Value added, by currency."),
        Column("WonDealsValues", JSON, ("won_deals", "values"), description="Value won, by currency."),
        Column(
            "AverageAgeInDays",
            BIGINT,
            ("average_age_in_days", "across_all_stages"),
            description="Average age of the deals added.",
        ),
        Column(
            "AverageDaysByStage",
            list_of(struct_of(stage_id=BIGINT, value=BIGINT)),
            ("average_age_in_days", "by_stages"),
            description="Average days the deals stayed in each stage.",
        ),
    ),
    description="Movements in each pipeline from January of last year to the end of this year (one row per "
    "pipeline; DealStageHistory answers such questions for any period).",
    source=Source(table="Pipelines", column="PipelineId", batch=1),
    fixed_params=_two_years(),
    paged=False,
    limit_pushable=False,
    sort_style="",
    kind="VIEW",
)


def _mail_of(name: str, segment: str, table: str, column: str, what: str) -> TableSpec:
    return dataclasses.replace(
        DEALS_MAIL_MESSAGES,
        name=name,
        endpoint=f"/api/v1/{segment}/{{id}}/mailMessages",
        columns=(parent(column, table, f"The {what}."), *DEALS_MAIL_MESSAGES.columns[1:]),
        description=f"Mail messages linked to {what}s, newest first: one request per {what}.",
        source=Source(table=table, column=column, batch=1),
    )


COMPANY_TABLES: tuple[TableSpec, ...] = (
    LEGACY_TEAMS,
    LEGACY_TEAM_USERS,
    USER_TEAMS,
    PERMISSION_SETS,
    PERMISSION_SET_ASSIGNMENTS,
    WEBHOOKS,
    USER_CONNECTIONS,
    USER_SETTINGS,
    DEAL_INSTALLMENTS,
    DEAL_DISCOUNTS,
    PRODUCT_VARIATIONS,
    PRODUCT_IMAGES,
    DEAL_PARTICIPANTS_CHANGELOG,
    PROJECT_CHANGES,
    RECENTS,
    PIPELINE_CONVERSION_STATISTICS,
    PIPELINE_MOVEMENT_STATISTICS,
    _mail_of("PersonsMailMessages", "persons", "Persons", "PersonId", "person"),
    _mail_of("OrganizationsMailMessages", "organizations", "Organizations", "OrganizationId", "organization"),
)
