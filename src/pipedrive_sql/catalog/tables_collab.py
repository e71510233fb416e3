"""Tables of working together: followers, call logs, goals, mail threads and messages, note comments and
organization relationships (the commercial driver's CallLogs, DealsFollowers, Goals, MailThreads,
NoteComments, OrganizationRelationships, OrganizationsFollowers, PersonFollowers, ProductsFollowers).

Child collections (a deal's followers, a thread's messages) are read one request per parent: with a
condition on the parent's id column only those parents are asked; without one the parents are scanned
first (EXPLAIN shows both).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from pipedrive_sql.catalog.declare import c
from pipedrive_sql.catalog.spec import Column, Pushdown, Source, TableSpec, WriteSpec
from pipedrive_sql.catalog.types import (
    BIGINT,
    BOOLEAN,
    JSON,
    TIMESTAMP,
    VARCHAR,
    VARCHAR_LIST,
    list_of,
    struct_of,
)

__all__ = ["COLLAB_TABLES", "MAIL_PARTY"]


def parent(name: str, table: str, description: str) -> Column:
    """The parent's id, stamped on each child row by the scan (``_parent_id``)."""
    return Column(name, BIGINT, ("_parent_id",), description=description, references=(table, "Id"))


# ---- followers -----------------------------------------------------------------------------------------


def _followers(name: str, segment: str, parent_table: str, parent_column: str, what: str) -> TableSpec:
    base = f"/api/v2/{segment}/{{id}}/followers"
    slot = f"{{{what}_id}}"
    return TableSpec(
        name=name,
        endpoint=base,
        columns=(
            parent(parent_column, parent_table, f"The {what} followed."),
            Column(
                "UserId",
                BIGINT,
                ("user_id",),
                description="The user following it.",
                key=True,
                nullable=False,
                references=("Users", "Id"),
            ),
            c("add_time", TIMESTAMP, "When the user started following."),
        ),
        description=f"Users following each {what}: one request per {what}; a {parent_column} condition "
        f"reads only those.",
        source=Source(table=parent_table, column=parent_column, batch=1),
        sort_style="",
        writes=WriteSpec(
            f"/api/v2/{segment}/{slot}/followers",
            "",
            "",
            f"/api/v2/{segment}/{slot}/followers/{{id}}",
        ),
    )


DEALS_FOLLOWERS = _followers("DealsFollowers", "deals", "Deals", "DealId", "deal")
PERSON_FOLLOWERS = _followers("PersonFollowers", "persons", "Persons", "PersonId", "person")
ORGANIZATIONS_FOLLOWERS = _followers(
    "OrganizationsFollowers", "organizations", "Organizations", "OrganizationId", "organization"
)
PRODUCTS_FOLLOWERS = _followers("ProductsFollowers", "products", "Products", "ProductId", "product")


def _followers_changelog(
    name: str, segment: str, parent_table: str, parent_column: str, what: str
) -> TableSpec:
    return TableSpec(
        name=name,
        endpoint=f"/api/v2/{segment}/{{id}}/followers/changelog",
        columns=(
            parent(parent_column, parent_table, f"The {what}."),
            c("action", VARCHAR, "added or removed."),
            c("actor_user_id", BIGINT, "The user who made the change.", references=("Users", "Id")),
            c(
                "follower_user_id",
                BIGINT,
                "The user who started or stopped following.",
                references=("Users", "Id"),
            ),
            c("time", TIMESTAMP, "When."),
        ),
        description=f"Who started and stopped following each {what}, and when.",
        source=Source(table=parent_table, column=parent_column, batch=1),
        sort_style="",
        kind="VIEW",
    )


DEAL_FOLLOWERS_CHANGELOG = _followers_changelog("DealFollowersChangelog", "deals", "Deals", "DealId", "deal")
PERSON_FOLLOWERS_CHANGELOG = _followers_changelog(
    "PersonFollowersChangelog", "persons", "Persons", "PersonId", "person"
)
ORGANIZATION_FOLLOWERS_CHANGELOG = _followers_changelog(
    "OrganizationFollowersChangelog", "organizations", "Organizations", "OrganizationId", "organization"
)
PRODUCT_FOLLOWERS_CHANGELOG = _followers_changelog(
    "ProductFollowersChangelog", "products", "Products", "ProductId", "product"
)

USER_FOLLOWERS = TableSpec(
    name="UserFollowers",
    endpoint="/api/v2/users/{id}/followers",
    columns=(
        parent("FollowedUserId", "Users", "The user followed."),
        Column("UserId", BIGINT, ("user_id",), description="The follower.", references=("Users", "Id")),
        c("add_time", TIMESTAMP, "When the user started following."),
    ),
    description="Users following other users: one request per user.",
    source=Source(table="Users", column="FollowedUserId", batch=1),
    sort_style="",
    kind="VIEW",
)

# ---- call logs -----------------------------------------------------------------------------------------

CALL_LOGS = TableSpec(
    name="CallLogs",
    endpoint="/api/v1/callLogs",
    columns=(
        Column(
            "Id", VARCHAR, ("id",), description="The call log's ID.", key=True, nullable=False, read_only=True
        ),
        c("user_id", BIGINT, "The user who made the call."),
        c("activity_id", BIGINT, "The activity the call belongs to."),
        c("subject", VARCHAR, "Subject."),
        c("duration", VARCHAR, "Duration in seconds."),
        c("outcome", VARCHAR, "connected, no_answer, left_message, left_voicemail, wrong_number or busy."),
        c("from_phone_number", VARCHAR, "The caller's number."),
        c("to_phone_number", VARCHAR, "The number called."),
        c("start_time", TIMESTAMP, "When the call started."),
        c("end_time", TIMESTAMP, "When the call ended."),
        c("person_id", BIGINT, "The person called."),
        c("org_id", BIGINT, "The organization called."),
        c("deal_id", BIGINT, "The deal the call was about."),
        c("lead_id", VARCHAR, "The lead the call was about."),
        c("note", VARCHAR, "Note."),
        c("has_recording", BOOLEAN, "Whether a recording is attached.", read_only=True),
    ),
    description="Logged phone calls, newest first.",
    get_path="/api/v1/callLogs/{id}",
    get_by_id_max=10,
    sort_style="",
    writes=WriteSpec("/api/v1/callLogs", "", "", "/api/v1/callLogs/{id}"),
)

# ---- goals ---------------------------------------------------------------------------------------------

GOALS = TableSpec(
    name="Goals",
    endpoint="/api/v1/goals/find",
    columns=(
        Column(
            "Id", VARCHAR, ("id",), description="The goal's ID.", key=True, nullable=False, read_only=True
        ),
        c("owner_id", BIGINT, "The user who owns the goal.", read_only=True),
        c("title", VARCHAR, "Title."),
        Column(
            "TypeName",
            VARCHAR,
            ("type", "name"),
            description="deals_won, deals_progressed, "
            "activities_completed, activities_added, deals_started or revenue_forecast.",
        ),
        Column(
            "TypeParams", JSON, ("type", "params"), description="The type's parameters (pipeline_id, ...)."
        ),
        Column("AssigneeId", BIGINT, ("assignee", "id"), description="The user, team or company assigned."),
        Column("AssigneeType", VARCHAR, ("assignee", "type"), description="person, company or team."),
        c("interval", VARCHAR, "weekly, monthly, quarterly or yearly."),
        Column("DurationStart", VARCHAR, ("duration", "start"), description="First day (YYYY-MM-DD)."),
        Column("DurationEnd", VARCHAR, ("duration", "end"), description="Last day (YYYY-MM-DD)."),
        Column("ExpectedOutcomeTarget", BIGINT, ("expected_outcome", "target"), description="The target."),
        Column(
            "ExpectedOutcomeTrackingMetric",
            VARCHAR,
            ("expected_outcome", "tracking_metric"),
            description="quantity or sum.",
        ),
        c("is_active", BOOLEAN, "Whether the goal is active.", read_only=True),
        c("report_ids", VARCHAR_LIST, "Reports the goal appears in.", read_only=True),
    ),
    description="Goals (GET /v1/goals/find). TypeName, Title, IsActive, AssigneeId and AssigneeType push down.",
    unwrap="goals",
    pushdowns=(
        Pushdown("TypeName", "type.name", "eq", "str"),
        Pushdown("IsActive", "is_active", "eq", "bool"),
        Pushdown("AssigneeId", "assignee.id", "eq", "int"),
        Pushdown("AssigneeType", "assignee.type", "eq", "str", choices=("person", "company", "team")),
    ),
    paged=False,
    limit_pushable=False,
    sort_style="",
    writes=WriteSpec("/api/v1/goals", "/api/v1/goals/{id}", "PUT", "/api/v1/goals/{id}"),
)

# ---- mail ----------------------------------------------------------------------------------------------

MAIL_PARTY = struct_of(
    id=BIGINT,
    name=VARCHAR,
    email_address=VARCHAR,
    linked_person_id=BIGINT,
    linked_person_name=VARCHAR,
    linked_organization_id=BIGINT,
)
_PARTIES = list_of(MAIL_PARTY)


def _flag(record: Mapping[str, Any], key: str) -> Any:
    value = record.get(key)
    return None if value is None else bool(value)


def _flag_column(api: str, description: str, path: tuple[str, ...] = ()) -> Column:
    full = (*path, api)
    return Column(
        c(api, BOOLEAN).name,
        BOOLEAN,
        full,
        transform=bool,
        description=description,
        read_only=True,
    )


MAIL_THREADS = TableSpec(
    name="MailThreads",
    endpoint="/api/v1/mailbox/mailThreads",
    columns=(
        c("id", BIGINT, "The thread's ID."),
        Column(
            "Folder",
            VARCHAR,
            ("folders",),
            getter=lambda r: (r.get("folders") or [None])[0],
            description="inbox, drafts, sent or archive.",
            read_only=True,
        ),
        c("subject", VARCHAR, "Subject."),
        c("snippet", VARCHAR, "The start of the last message."),
        c("user_id", BIGINT, "The mailbox's user."),
        c("deal_id", BIGINT, "The deal the thread is linked to."),
        c("lead_id", VARCHAR, "The lead the thread is linked to."),
        c("deal_status", VARCHAR, "The linked deal's status."),
        c("message_count", BIGINT, "Number of messages."),
        _flag_column("read_flag", "Whether the thread is read."),
        _flag_column("archived_flag", "Whether the thread is archived."),
        _flag_column("shared_flag", "Whether the thread is shared."),
        _flag_column("has_attachments_flag", "Whether a message has attachments."),
        Column("PartiesFrom", _PARTIES, ("parties", "from"), description="Senders."),
        Column("PartiesTo", _PARTIES, ("parties", "to"), description="Recipients."),
        c("first_message_timestamp", TIMESTAMP, "When the first message was sent."),
        c("last_message_timestamp", TIMESTAMP, "When the last message was sent."),
        c("add_time", TIMESTAMP, "When the thread was created."),
        c("update_time", TIMESTAMP, "When the thread was last updated."),
    ),
    description="Mail threads of the signed-in user's mailbox. Folder = 'inbox' (the default), 'sent', "
    "'drafts' or 'archive' picks the folder read.",
    get_path="/api/v1/mailbox/mailThreads/{id}",
    get_by_id_max=10,
    pushdowns=(
        Pushdown(
            "Folder", "folder", "eq", "str", max_fanout=4, choices=("inbox", "drafts", "sent", "archive")
        ),
    ),
    fixed_params={"folder": "inbox"},
    sort_style="",
)


def _message_columns(path: tuple[str, ...] = ()) -> tuple[Column, ...]:
    def at(api: str, ctype: Any, description: str) -> Column:
        return Column(c(api, ctype).name, ctype, (*path, api), description=description, read_only=True)

    return (
        at("id", BIGINT, "The message's ID."),
        at("mail_thread_id", BIGINT, "The thread."),
        at("subject", VARCHAR, "Subject."),
        at("snippet", VARCHAR, "The start of the message."),
        at("user_id", BIGINT, "The mailbox's user."),
        Column("From", _PARTIES, (*path, "from"), description="Sender.", read_only=True),
        Column("To", _PARTIES, (*path, "to"), description="Recipients.", read_only=True),
        Column("Cc", _PARTIES, (*path, "cc"), description="Copy recipients.", read_only=True),
        Column("Bcc", _PARTIES, (*path, "bcc"), description="Blind copy recipients.", read_only=True),
        _flag_column("sent_flag", "Whether the user sent it.", path),
        _flag_column("read_flag", "Whether it is read.", path),
        _flag_column("has_attachments_flag", "Whether it has attachments.", path),
        at("body_url", VARCHAR, "Where the body is."),
        at("message_time", TIMESTAMP, "When it was sent."),
        at("add_time", TIMESTAMP, "When it was stored."),
        at("update_time", TIMESTAMP, "When it was last updated."),
    )


MAIL_MESSAGES = TableSpec(
    name="MailMessages",
    endpoint="/api/v1/mailbox/mailThreads/{id}/mailMessages",
    columns=(parent("ThreadId", "MailThreads", "The thread."), *_message_columns()),
    description="Messages of mail threads (inbox threads unless a ThreadId condition names others).",
    source=Source(table="MailThreads", column="ThreadId", batch=1),
    paged=False,
    limit_pushable=False,
    sort_style="",
    kind="VIEW",
)

DEALS_MAIL_MESSAGES = TableSpec(
    name="DealsMailMessages",
    endpoint="/api/v1/deals/{id}/mailMessages",
    columns=(parent("DealId", "Deals", "The deal."), *_message_columns(("data",))),
    description="Mail messages linked to deals, newest first: one request per deal.",
    source=Source(table="Deals", column="DealId", batch=1),
    sort_style="",
    kind="VIEW",
)


def _party_rows(key: str) -> Any:
    def reshape(records: list[dict[str, Any]]) -> list[dict[str, Any]]:
        rows = []
        for record in records:
            message = record.get("data") or {}
            for party in message.get(key) or []:
                rows.append(
                    {
                        **party,
                        "message_id": message.get("id"),
                        "mail_thread_id": message.get("mail_thread_id"),
                    }
                )
        return rows

    return reshape


def _mail_party_view(name: str, key: str, what: str) -> TableSpec:
    return TableSpec(
        name=name,
        endpoint=DEALS_MAIL_MESSAGES.endpoint,
        columns=(
            parent("DealId", "Deals", "The deal."),
            Column("MessageId", BIGINT, ("message_id",), description="The message.", read_only=True),
            Column("MailThreadId", BIGINT, ("mail_thread_id",), description="The thread.", read_only=True),
            Column("EmailAddress", VARCHAR, ("email_address",), description="Address.", read_only=True),
            Column("Name", VARCHAR, ("name",), description="Name.", read_only=True),
            Column(
                "LinkedPersonId",
                BIGINT,
                ("linked_person_id",),
                description="The person it is.",
                references=("Persons", "Id"),
                read_only=True,
            ),
            Column(
                "LinkedOrganizationId",
                BIGINT,
                ("linked_organization_id",),
                description="The person's organization.",
                read_only=True,
            ),
        ),
        description=f"One row per {what} of each deal's mail messages.",
        source=Source(table="Deals", column="DealId", batch=1),
        reshape=_party_rows(key),
        limit_pushable=False,
        sort_style="",
        kind="VIEW",
    )


DEALS_MAIL_MESSAGES_FROM = _mail_party_view("DealsMailMessagesFrom", "from", "sender")
DEALS_MAIL_MESSAGES_TO = _mail_party_view("DealsMailMessagesTo", "to", "recipient")
DEALS_MAIL_MESSAGES_CC = _mail_party_view("DealsMailMessagesCc", "cc", "copy recipient")
DEALS_MAIL_MESSAGES_BCC = _mail_party_view("DealsMailMessagesBcc", "bcc", "blind copy recipient")

# ---- note comments, organization relationships -----------------------------------------------------------

NOTE_COMMENTS = TableSpec(
    name="NoteComments",
    endpoint="/api/v1/notes/{id}/comments",
    columns=(
        parent("NoteId", "Notes", "The note."),
        Column(
            "Id",
            VARCHAR,
            ("uuid",),
            description="The comment's ID (a uuid).",
            key=True,
            nullable=False,
            read_only=True,
        ),
        c("content", VARCHAR, "The comment (HTML)."),
        c("user_id", BIGINT, "The author.", read_only=True),
        c("updater_id", BIGINT, "The user who last changed it.", references=("Users", "Id"), read_only=True),
        c("active_flag", BOOLEAN, "Whether the comment is active.", read_only=True),
        c("add_time", TIMESTAMP, "When the comment was written."),
        c("update_time", TIMESTAMP, "When it was last changed."),
    ),
    description="Comments on notes: one request per note; a NoteId condition reads only those notes'.",
    source=Source(table="Notes", column="NoteId", batch=1),
    get_path="",
    sort_style="",
    writes=WriteSpec(
        "/api/v1/notes/{note_id}/comments",
        "/api/v1/notes/{note_id}/comments/{id}",
        "PUT",
        "/api/v1/notes/{note_id}/comments/{id}",
    ),
)


def _org_value(key: str) -> Any:
    def get(record: Mapping[str, Any]) -> Any:
        value = record.get(key)
        return value.get("value") if isinstance(value, dict) else value

    return get


def _seen_from(record: Mapping[str, Any]) -> Any:
    owner = _org_value("rel_owner_org_id")(record)
    other = record.get("calculated_related_org_id")
    return _org_value("rel_linked_org_id")(record) if other == owner else owner


ORGANIZATION_RELATIONSHIPS = TableSpec(
    name="OrganizationRelationships",
    endpoint="/api/v1/organizationRelationships",
    columns=(
        c("id", BIGINT, "The relationship's ID."),
        Column(
            "OrgId",
            BIGINT,
            getter=_seen_from,
            description="The organization whose relationships these are (the one asked for).",
            references=("Organizations", "Id"),
            read_only=True,
        ),
        c("type", VARCHAR, "parent or related."),
        Column(
            "RelOwnerOrgId",
            BIGINT,
            getter=_org_value("rel_owner_org_id"),
            description="The owner (parent) organization.",
            references=("Organizations", "Id"),
        ),
        Column(
            "RelLinkedOrgId",
            BIGINT,
            getter=_org_value("rel_linked_org_id"),
            description="The linked (daughter) organization.",
            references=("Organizations", "Id"),
        ),
        c("calculated_type", VARCHAR, "parent, daughter or related, from OrgId's side.", read_only=True),
        c(
            "calculated_related_org_id",
            BIGINT,
            "The other organization.",
            references=("Organizations", "Id"),
            read_only=True,
        ),
        c("related_organization_name", VARCHAR, "The other organization's name.", read_only=True),
        c("active_flag", VARCHAR, "Whether the relationship is active.", read_only=True),
        c("add_time", TIMESTAMP, "When the relationship was created."),
        c("update_time", TIMESTAMP, "When it was last changed."),
    ),
    description="Relationships between organizations, from each organization's side (one request per "
    "organization; an OrgId condition reads only those).",
    get_path="/api/v1/organizationRelationships/{id}",
    source=Source(table="Organizations", column="OrgId", param="org_id", batch=1),
    paged=False,
    limit_pushable=False,
    sort_style="",
    writes=WriteSpec(
        "/api/v1/organizationRelationships",
        "/api/v1/organizationRelationships/{id}",
        "PUT",
        "/api/v1/organizationRelationships/{id}",
    ),
)

COLLAB_TABLES: tuple[TableSpec, ...] = (
    CALL_LOGS,
    DEALS_FOLLOWERS,
    GOALS,
    MAIL_THREADS,
    NOTE_COMMENTS,
    ORGANIZATION_RELATIONSHIPS,
    ORGANIZATIONS_FOLLOWERS,
    PERSON_FOLLOWERS,
    PRODUCTS_FOLLOWERS,
    USER_FOLLOWERS,
    DEAL_FOLLOWERS_CHANGELOG,
    PERSON_FOLLOWERS_CHANGELOG,
    ORGANIZATION_FOLLOWERS_CHANGELOG,
    PRODUCT_FOLLOWERS_CHANGELOG,
    MAIL_MESSAGES,
    DEALS_MAIL_MESSAGES,
    DEALS_MAIL_MESSAGES_FROM,
    DEALS_MAIL_MESSAGES_TO,
    DEALS_MAIL_MESSAGES_CC,
    DEALS_MAIL_MESSAGES_BCC,
)
