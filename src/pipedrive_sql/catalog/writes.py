"""What INSERT, UPDATE and DELETE may do to each table: declarations, read by ``pipedrive_sql.engine.writes``.

The endpoints come from each table's ``WriteSpec`` (``catalog.tables``); this module adds what the request
bodies of Pipedrive's OpenAPI documents allow: which columns an INSERT and an UPDATE may set, which values
are required, which columns travel together in one API object (a lead's ``value`` is ``{amount,
currency}``), which values the API spells differently from the column (a lead's ``visible_to`` is text),
and the allowed values of enumerations. A table without a declaration here cannot be written.

Custom-field columns are writable on the tables whose v2 bodies take ``custom_fields`` (``custom_fields``
below); a monetary field's amount and currency, and a range's start and end, are written together.

``python -m pipedrive_sql.catalog.writes`` prints the reference table of docs/writes.md.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from pipedrive_sql.catalog.spec import Column
from pipedrive_sql.catalog.tables import BUILTIN_TABLES
from pipedrive_sql.catalog.types import JSON

__all__ = ["TABLE_WRITES", "Composite", "TableWrites", "column_reference", "reference_table", "table_writes"]


@dataclass(frozen=True)
class Composite:
    """Columns written as one API object: ``field`` holds ``{key: column value, ...}``.

    ``needed`` are the keys without which the object cannot be sent (when the main column is not NULL);
    an UPDATE that sets only some parts sends the others' current values, so nothing is lost.
    """

    field: tuple[str, ...]  # where the object goes in the body: ("value",), ("custom_fields", "<key>")
    parts: tuple[tuple[str, str], ...]  # (column, key inside the object)
    needed: tuple[str, ...]  # keys that must have a value

    @property
    def main(self) -> str:
        """The column whose NULL clears the whole object."""
        return self.parts[0][0]

    def columns(self) -> tuple[str, ...]:
        return tuple(column for column, _ in self.parts)


@dataclass(frozen=True)
class TableWrites:
    """How one table is written. Column names are the table's (PascalCase)."""

    table: str
    insert: tuple[str, ...] = ()  # columns an INSERT may set (besides custom fields)
    update: tuple[str, ...] = ()  # columns an UPDATE may set (besides custom fields)
    delete: bool = True
    required: tuple[str, ...] = ()  # an INSERT must give them, an UPDATE must not set them to NULL
    one_of: tuple[tuple[str, ...], ...] = ()  # an INSERT must give at least one column of each group
    required_when: tuple[tuple[str, str, tuple[Any, ...]], ...] = ()  # (column, when column, has one of)
    custom_fields: bool = False  # custom-field columns are writable (v2 ``custom_fields`` object)
    composites: tuple[Composite, ...] = ()
    api_types: Mapping[str, str] = field(default_factory=dict)  # column -> "int" | "text" (API spelling)
    api_names: Mapping[str, str] = field(default_factory=dict)  # column -> body field, where not its path
    choices: Mapping[str, tuple[Any, ...]] = field(default_factory=dict)  # column -> allowed values
    write_only: tuple[Column, ...] = ()  # columns only writes know (Filters.Conditions)
    path_params: Mapping[str, str] = field(default_factory=dict)  # path placeholder -> column
    resend: tuple[str, ...] = ()  # API fields an update must carry: read from the record first
    key: str = "Id"  # the column naming a record in the paths ({id})
    fields_entity: str = ""  # field definitions of this entity change: the catalog re-reads them
    answer_key: str = ""  # the written record is under this key of the answer's data ({goal: {...}})
    notes: str = ""  # one line for docs/writes.md

    def writable(self, operation: str) -> tuple[str, ...]:
        return self.insert if operation == "INSERT" else self.update


# Pipedrive's enumerations, from the request bodies of the OpenAPI documents.
VISIBLE_TO = (1, 3, 5, 7)
BILLING = ("one-time", "annually", "semi-annually", "quarterly", "monthly", "weekly")
LEAD_COLORS = ("blue", "brown", "dark-gray", "gray", "green", "orange", "pink", "purple", "red", "yellow")
FIELD_TYPES = (
    "varchar",
    "text",
    "double",
    "phone",
    "date",
    "daterange",
    "time",
    "timerange",
    "set",
    "enum",
    "varchar_auto",
    "address",
    "monetary",
    "org",
    "people",
    "user",
)
FILTER_TYPES = ("deals", "leads", "org", "people", "products", "activity", "projects")

_DEAL = (
    "Title",
    "OwnerId",
    "PersonId",
    "OrgId",
    "PipelineId",
    "StageId",
    "Value",
    "Currency",
    "IsArchived",
    "Status",
    "Probability",
    "LostReason",
    "VisibleTo",
    "ExpectedCloseDate",
    "LabelIds",
)
_PERSON = (
    "Name",
    "OwnerId",
    "OrgId",
    "Emails",
    "Phones",
    "VisibleTo",
    "LabelIds",
    "PostalAddress",
    "Notes",
    "Im",
    "Birthday",
    "JobTitle",
)
_ORGANIZATION = (
    "Name",
    "OwnerId",
    "VisibleTo",
    "LabelIds",
    "Address",
    "Website",
    "Linkedin",
    "Industry",
    "AnnualRevenue",
    "EmployeeCount",
)
_ACTIVITY = (
    "Subject",
    "Type",
    "OwnerId",
    "DealId",
    "LeadId",
    "PersonId",
    "OrgId",
    "ProjectId",
    "DueDate",
    "DueTime",
    "Duration",
    "Busy",
    "Done",
    "Location",
    "Participants",
    "Attendees",
    "PublicDescription",
    "Priority",
    "Note",
)
_PRODUCT = (
    "Name",
    "Code",
    "Description",
    "Unit",
    "Tax",
    "Category",
    "OwnerId",
    "IsLinkable",
    "VisibleTo",
    "Prices",
    "BillingFrequency",
    "BillingFrequencyCycles",
)
_STAGE = ("Name", "PipelineId", "DealProbability", "IsDealRotEnabled", "DaysToRotten")
_LEAD = (
    "Title",
    "OwnerId",
    "LabelIds",
    "PersonId",
    "OrganizationId",
    "Value",
    "Currency",
    "ExpectedCloseDate",
    "VisibleTo",
    "WasSeen",
    "Channel",
    "ChannelId",
)
_NOTE_PARENTS = ("DealId", "PersonId", "OrgId", "LeadId", "ProjectId", "TaskId")
_NOTE = (
    "Content",
    *_NOTE_PARENTS,
    "UserId",
    "PinnedToDealFlag",
    "PinnedToLeadFlag",
    "PinnedToOrganizationFlag",
    "PinnedToPersonFlag",
    "PinnedToProjectFlag",
)
_DEAL_PRODUCT = (
    "ProductId",
    "ItemPrice",
    "Quantity",
    "Tax",
    "Comments",
    "Discount",
    "IsEnabled",
    "TaxMethod",
    "DiscountType",
    "ProductVariationId",
    "BillingFrequency",
    "BillingFrequencyCycles",
    "BillingStartDate",
)

CALL_OUTCOMES = ("connected", "no_answer", "left_message", "left_voicemail", "wrong_number", "busy")
GOAL_TYPES = (
    "deals_won",
    "deals_progressed",
    "activities_completed",
    "activities_added",
    "deals_started",
    "revenue_forecast",
)
_CALL_LOG = (
    "UserId",
    "ActivityId",
    "Subject",
    "Duration",
    "Outcome",
    "FromPhoneNumber",
    "ToPhoneNumber",
    "StartTime",
    "EndTime",
    "PersonId",
    "OrgId",
    "DealId",
    "LeadId",
    "Note",
)
_GOAL = (
    "Title",
    "TypeName",
    "AssigneeId",
    "AssigneeType",
    "ExpectedOutcomeTarget",
    "ExpectedOutcomeTrackingMetric",
    "DurationStart",
    "DurationEnd",
    "Interval",
)
_PROJECT = (
    "Title",
    "Description",
    "Status",
    "BoardId",
    "PhaseId",
    "OwnerId",
    "StartDate",
    "EndDate",
    "DealIds",
    "PersonIds",
    "OrgIds",
    "LabelIds",
    "HealthStatus",
)
_TASK = (
    "Title",
    "ProjectId",
    "ParentTaskId",
    "Description",
    "IsDone",
    "IsMilestone",
    "DueDate",
    "StartDate",
    "AssigneeIds",
    "Priority",
)

_CONDITIONS = Column(
    "Conditions",
    JSON,
    ("conditions",),
    description="The filter's conditions as JSON ({glue, conditions: [{glue, conditions: [...]}]}); "
    "written only (read them with GET /v1/filters/{id}).",
)


def _fields(table: str, entity: str, *, description: bool = False) -> TableWrites:
    """A field-definitions table; only dealFields takes a description (Pipedrive's v2 document)."""
    extra = ("Description",) if description else ()
    return TableWrites(
        table,
        insert=("FieldName", "FieldType", "Options", *extra),
        update=("FieldName", *extra),
        required=("FieldName", "FieldType"),
        required_when=(("Options", "FieldType", ("enum", "set")),),
        choices={"FieldType": FIELD_TYPES},
        key="FieldCode",
        fields_entity=entity,
        notes="Custom fields; Options (enum/set) on INSERT only; system fields cannot be renamed or deleted."
        + (" The only field table whose API takes a Description." if description else ""),
    )


_DECLARATIONS: tuple[TableWrites, ...] = (
    TableWrites(
        "Deals",
        insert=_DEAL,
        update=_DEAL,
        required=("Title",),
        custom_fields=True,
        choices={"Status": ("open", "won", "lost"), "VisibleTo": VISIBLE_TO},
        notes="DELETE marks deals deleted (they show with Status = 'deleted').",
    ),
    TableWrites(
        "Persons",
        insert=_PERSON,
        update=_PERSON,
        required=("Name",),
        custom_fields=True,
        choices={"VisibleTo": VISIBLE_TO},
        notes="Emails, Phones and Im replace the whole list; a plain text value is one primary entry.",
    ),
    TableWrites(
        "Organizations",
        insert=_ORGANIZATION,
        update=_ORGANIZATION,
        required=("Name",),
        custom_fields=True,
        api_types={"AnnualRevenue": "int"},
        choices={"VisibleTo": VISIBLE_TO},
    ),
    TableWrites(
        "Activities",
        insert=_ACTIVITY,
        update=_ACTIVITY,
        notes="Subject defaults to the type's name; Type is an ActivityTypes.KeyString.",
    ),
    TableWrites(
        "Products",
        insert=_PRODUCT,
        update=_PRODUCT,
        required=("Name",),
        custom_fields=True,
        api_types={"Category": "int"},
        choices={"VisibleTo": VISIBLE_TO, "BillingFrequency": BILLING},
    ),
    TableWrites(
        "Pipelines",
        insert=("Name", "IsDealProbabilityEnabled"),
        update=("Name", "IsDealProbabilityEnabled"),
        required=("Name",),
    ),
    TableWrites("Stages", insert=_STAGE, update=_STAGE, required=("Name", "PipelineId")),
    TableWrites(
        "Leads",
        insert=(*_LEAD, "OriginId"),
        update=(*_LEAD, "IsArchived"),
        required=("Title",),
        one_of=(("PersonId", "OrganizationId"),),
        composites=(
            Composite(("value",), (("Value", "amount"), ("Currency", "currency")), ("amount", "currency")),
        ),
        api_types={"VisibleTo": "text"},
        choices={"VisibleTo": VISIBLE_TO},
        notes="Value and Currency are one API object: an UPDATE of one keeps the other. "
        "IsArchived = true moves a lead to ArchivedLeads.",
    ),
    TableWrites(
        "LeadLabels",
        insert=("Name", "Color"),
        update=("Name", "Color"),
        required=("Name", "Color"),
        choices={"Color": LEAD_COLORS},
    ),
    TableWrites(
        "Notes",
        insert=_NOTE,
        update=_NOTE,
        required=("Content",),
        one_of=(_NOTE_PARENTS,),
        notes="A note is attached to a deal, person, organization, lead, project or task.",
    ),
    TableWrites(
        "Filters",
        insert=("Name", "Type", "Conditions"),
        update=("Name", "Conditions"),
        required=("Name", "Type", "Conditions"),
        choices={"Type": FILTER_TYPES},
        write_only=(_CONDITIONS,),
        resend=("conditions",),
        notes="Conditions (JSON) is a write-only column; an UPDATE without it keeps the current conditions.",
    ),
    TableWrites(
        "DealProducts",
        insert=("DealId", *_DEAL_PRODUCT),
        update=_DEAL_PRODUCT,
        required=("DealId", "ProductId", "ItemPrice", "Quantity"),
        choices={
            "TaxMethod": ("exclusive", "inclusive", "none"),
            "DiscountType": ("percentage", "amount"),
            "BillingFrequency": BILLING,
        },
        path_params={"deal_id": "DealId"},
        notes="A product attached to a deal; DealId cannot change (delete and insert instead).",
    ),
    TableWrites(
        "DealParticipants",
        insert=("DealId", "PersonId"),
        required=("DealId", "PersonId"),
        api_names={"PersonId": "person_id"},
        path_params={"deal_id": "DealId"},
        notes="No UPDATE: the API only adds and removes participants. Reading needs a DealId condition.",
    ),
    *(
        TableWrites(
            name,
            insert=(column, "UserId"),
            required=(column, "UserId"),
            path_params={placeholder: column},
            key="UserId",
            notes="Follow (INSERT) or unfollow (DELETE); no UPDATE. Following twice changes nothing.",
        )
        for name, column, placeholder in (
            ("DealsFollowers", "DealId", "deal_id"),
            ("PersonFollowers", "PersonId", "person_id"),
            ("OrganizationsFollowers", "OrganizationId", "organization_id"),
            ("ProductsFollowers", "ProductId", "product_id"),
        )
    ),
    TableWrites(
        "NoteComments",
        insert=("NoteId", "Content"),
        update=("Content",),
        required=("NoteId", "Content"),
        path_params={"note_id": "NoteId"},
        notes="A comment on a note; NoteId cannot change.",
    ),
    TableWrites(
        "CallLogs",
        insert=_CALL_LOG,
        required=("ToPhoneNumber", "Outcome", "StartTime", "EndTime"),
        choices={"Outcome": CALL_OUTCOMES},
        notes="No UPDATE: the API only adds and deletes call logs.",
    ),
    TableWrites(
        "Goals",
        insert=_GOAL,
        update=_GOAL,
        required=(
            "TypeName",
            "AssigneeId",
            "AssigneeType",
            "ExpectedOutcomeTarget",
            "ExpectedOutcomeTrackingMetric",
            "DurationStart",
            "Interval",
        ),
        composites=(
            Composite(("type",), (("TypeName", "name"),), ("name",)),
            Composite(("assignee",), (("AssigneeId", "id"), ("AssigneeType", "type")), ("id", "type")),
            Composite(
                ("expected_outcome",),
                (("ExpectedOutcomeTarget", "target"), ("ExpectedOutcomeTrackingMetric", "tracking_metric")),
                ("target", "tracking_metric"),
            ),
            Composite(("duration",), (("DurationStart", "start"), ("DurationEnd", "end")), ("start",)),
        ),
        choices={
            "TypeName": GOAL_TYPES,
            "AssigneeType": ("person", "company", "team"),
            "ExpectedOutcomeTrackingMetric": ("quantity", "sum"),
            "Interval": ("weekly", "monthly", "quarterly", "yearly"),
        },
        answer_key="goal",
        notes="Type, assignee, expected outcome and duration are API objects: an UPDATE of one part keeps "
        "the others. DELETE deactivates the goal.",
    ),
    TableWrites(
        "Projects",
        insert=_PROJECT,
        update=_PROJECT,
        required=("Title",),
        choices={"Status": ("open", "completed", "canceled")},
        notes="A new project starts on the first board's first phase unless BoardId/PhaseId say otherwise.",
    ),
    TableWrites(
        "Tasks",
        insert=_TASK,
        update=_TASK,
        required=("Title", "ProjectId"),
        api_names={"IsDone": "done", "IsMilestone": "milestone"},
    ),
    TableWrites("ProjectBoards", insert=("Name", "OrderNr"), update=("Name", "OrderNr"), required=("Name",)),
    TableWrites(
        "ProjectPhases",
        insert=("Name", "BoardId", "OrderNr"),
        update=("Name", "BoardId", "OrderNr"),
        required=("Name", "BoardId"),
    ),
    TableWrites(
        "OrganizationRelationships",
        insert=("Type", "RelOwnerOrgId", "RelLinkedOrgId"),
        update=("Type", "RelOwnerOrgId", "RelLinkedOrgId"),
        required=("Type", "RelOwnerOrgId", "RelLinkedOrgId"),
        api_names={"RelOwnerOrgId": "rel_owner_org_id", "RelLinkedOrgId": "rel_linked_org_id"},
        choices={"Type": ("parent", "related")},
        notes="parent: RelOwnerOrgId is the parent of RelLinkedOrgId; an organization cannot relate to itself.",
    ),
    TableWrites(
        "Roles",
        insert=("Name", "ParentRoleId"),
        update=("Name", "ParentRoleId"),
        required=("Name",),
        notes="A role with users assigned cannot be deleted.",
    ),
    TableWrites(
        "RolesAssignments",
        insert=("RoleId", "UserId"),
        delete=False,
        required=("RoleId", "UserId"),
        path_params={"role_id": "RoleId"},
        key="UserId",
        notes="Assigning a role replaces the user's previous one; no UPDATE or DELETE (the API's removal "
        "takes a body).",
    ),
    _fields("DealFields", "deal", description=True),
    _fields("PersonFields", "person"),
    _fields("OrganizationFields", "organization"),
    _fields("ProductFields", "product"),
)

TABLE_WRITES: dict[str, TableWrites] = {w.table.lower(): w for w in _DECLARATIONS}


def table_writes(name: str) -> TableWrites | None:
    """The write declaration of table ``name`` (case-insensitive), or None when it cannot be written."""
    return TABLE_WRITES.get(name.lower())


def writable_table_names() -> list[str]:
    return [w.table for w in _DECLARATIONS]


# ---- the reference table of docs/writes.md ---------------------------------------------------------------


def reference_table() -> str:
    """A Markdown table: per writable table, the endpoints of INSERT/UPDATE/DELETE and what they need."""
    specs = {t.name: t for t in BUILTIN_TABLES}
    lines = [
        "| Table | INSERT | UPDATE | DELETE | Required on INSERT | Custom fields | Notes |",
        "| --- | --- | --- | --- | --- | --- | --- |",
    ]
    for writes in _DECLARATIONS:
        spec_writes = specs[writes.table].writes
        assert spec_writes is not None, writes.table
        insert = f"`POST {spec_writes.create}`" if writes.insert and spec_writes.create else "no"
        update = (
            f"`{spec_writes.update_method} {spec_writes.update}`"
            if writes.update and spec_writes.update
            else "no"
        )
        delete = f"`DELETE {spec_writes.delete}`" if writes.delete and spec_writes.delete else "no"
        required = ", ".join(writes.required)
        for group in writes.one_of:
            required += ("; " if required else "") + "one of " + "/".join(group)
        for column, when, values in writes.required_when:
            required += f"; {column} when {when} is {'/'.join(map(str, values))}"
        custom = "yes" if writes.custom_fields else "no"
        lines.append(
            f"| {writes.table} | {insert} | {update} | {delete} | {required or '-'} | {custom} | "
            f"{writes.notes or '-'} |"
        )
    return "\n".join(lines) + "\n"


def column_reference() -> str:
    """A Markdown list: per writable table, the columns INSERT and UPDATE may set."""
    out: list[str] = []
    for writes in _DECLARATIONS:
        custom = " (and custom-field columns)" if writes.custom_fields else ""
        if writes.update == writes.insert:
            out.append(f"- **{writes.table}**, INSERT and UPDATE: {', '.join(writes.insert)}{custom}")
            continue
        line = f"- **{writes.table}**, INSERT: {', '.join(writes.insert)}{custom}"
        update = ", ".join(writes.update) + custom if writes.update else "not available"
        out.append(f"{line}; UPDATE: {update}")
    return "\n".join(out) + "\n"


if __name__ == "__main__":  # pragma: no cover
    print(reference_table(), end="\n")
    print(column_reference(), end="")
