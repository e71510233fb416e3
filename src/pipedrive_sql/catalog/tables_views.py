"""Views under the commercial driver's names, and metadata views.

- synonyms: the commercial driver's ``DealsParticipants`` and ``DealsProducts`` are our
  ``DealParticipants`` and ``DealProducts`` (same reads; ``sys_tables`` lists them as views);
- ``DealsParticipantsEmail``/``DealsParticipantsPhone``: one row per email address or phone number of each
  deal's participants; ``DealsPermittedUsers``, ``PersonsPermittedUsers`` (and organizations', products',
  leads'); ``DealsSummary`` (totals by currency);
- the v1-only field lists ``LeadFields`` and ``NoteFields``, and the options of every field table
  (``DealFieldsOptions``, ...).
"""

from __future__ import annotations

import dataclasses
import datetime
from typing import Any

from pipedrive_sql.catalog.declare import c
from pipedrive_sql.catalog.spec import Column, Source, TableSpec
from pipedrive_sql.catalog.tables_collab import parent
from pipedrive_sql.catalog.types import (
    BIGINT,
    BIGINT_LIST,
    BOOLEAN,
    JSON,
    MONEY,
    TIMESTAMP,
    VARCHAR,
    list_of,
    struct_of,
)

__all__ = ["view_tables"]

Record = dict[str, Any]


def synonym(table: TableSpec, name: str) -> TableSpec:
    """``table`` under the commercial driver's ``name``: the same reads, listed as a view."""
    return dataclasses.replace(
        table,
        name=name,
        kind="VIEW",
        synonym_of=table.name,
        description=f"The commercial driver's name for {table.name}. {table.description}".strip(),
        writes=None,
    )


def _participant_contacts(key: str) -> Any:
    def reshape(records: list[Record]) -> list[Record]:
        rows = []
        for record in records:
            found = record.get("person")
            person: Record = found if isinstance(found, dict) else {}
            ref = record.get("person_id")
            person_id = person.get("id") or (ref.get("value") if isinstance(ref, dict) else ref)
            for entry in person.get(key) or []:
                if isinstance(entry, dict) and entry.get("value"):
                    rows.append(
                        {
                            "participant_id": record.get("id"),
                            "person_id": person_id,
                            "person_name": person.get("name"),
                            "value": entry.get("value"),
                            "label": entry.get("label"),
                            "primary": entry.get("primary"),
                        }
                    )
        return rows

    return reshape


def _participants_contact_view(name: str, key: str, what: str) -> TableSpec:
    return TableSpec(
        name=name,
        endpoint="/api/v1/deals/{id}/participants",
        columns=(
            parent("DealId", "Deals", "The deal."),
            Column("ParticipantId", BIGINT, ("participant_id",), description="The participant."),
            Column(
                "PersonId", BIGINT, ("person_id",), description="The person.", references=("Persons", "Id")
            ),
            Column("PersonName", VARCHAR, ("person_name",), description="The person's name."),
            Column("Value", VARCHAR, ("value",), description=f"The {what}."),
            Column("Label", VARCHAR, ("label",), description="work, home, mobile, other..."),
            Column(
                "Primary", BOOLEAN, ("primary",), description=f"Whether it is the person's primary {what}."
            ),
        ),
        description=f"One row per {what} of each deal's participants: one request per deal.",
        source=Source(table="Deals", column="DealId", batch=1),
        reshape=_participant_contacts(key),
        limit_pushable=False,
        sort_style="",
        kind="VIEW",
    )


def _permitted(
    name: str, segment: str, table: str, column: str, what: str, key_type: Any = BIGINT
) -> TableSpec:
    return TableSpec(
        name=name,
        endpoint=f"/api/v1/{segment}/{{id}}/permittedUsers",
        columns=(
            Column(column, key_type, ("_parent_id",), description=f"The {what}.", references=(table, "Id")),
            Column(
                "UserId",
                BIGINT,
                ("value",),
                description=f"A user who may see the {what}.",
                references=("Users", "Id"),
            ),
        ),
        description=f"Users permitted to see each {what}: one request per {what}.",
        source=Source(table=table, column=column, batch=1),
        paged=False,
        limit_pushable=False,
        sort_style="",
        kind="VIEW",
    )


DEALS_SUMMARY = TableSpec(
    name="DealsSummary",
    endpoint="/api/v1/deals/summary",
    columns=(
        c("total_count", BIGINT, "Number of deals."),
        c("total_currency_converted_value", MONEY, "Their total value in the company's currency."),
        c("total_weighted_currency_converted_value", MONEY, "Their total weighted by probability."),
        c("total_currency_converted_value_formatted", VARCHAR, "The total, formatted."),
        Column(
            "ValuesTotal",
            JSON,
            ("values_total",),
            description="Totals per currency: {EUR: {value, count, value_converted, ...}, ...}.",
        ),
        Column(
            "WeightedValuesTotal",
            JSON,
            ("weighted_values_total",),
            description="Weighted totals per currency.",
        ),
    ),
    description="Totals of the deals that are not archived, by currency and converted (one row).",
    paged=False,
    limit_pushable=False,
    sort_style="",
    kind="VIEW",
)


def _timeline_start() -> str:
    today = datetime.date.today()
    return datetime.date(today.year - 1, 1, 1).isoformat()


DEALS_TIMELINE = TableSpec(
    name="DealsTimeline",
    endpoint="/api/v1/deals/timeline",
    columns=(
        c("period_start", TIMESTAMP, "First moment of the month."),
        c("period_end", TIMESTAMP, "Last moment of the month."),
        Column(
            "Count", BIGINT, ("totals", "count"), description="Open and won deals expected to close in it."
        ),
        Column("OpenCount", BIGINT, ("totals", "open_count"), description="Of which open."),
        Column("WonCount", BIGINT, ("totals", "won_count"), description="Of which won."),
        Column("Values", JSON, ("totals", "values"), description="Their value by currency, as JSON."),
        Column("WeightedValues", JSON, ("totals", "weighted_values"), description="Weighted by probability."),
        Column("WonValues", JSON, ("totals", "won_values"), description="Won value by currency."),
        Column(
            "DealIds",
            BIGINT_LIST,
            getter=lambda r: [d.get("id") for d in r.get("deals") or [] if isinstance(d, dict)],
            description="The deals in the month.",
        ),
    ),
    description="Open and won deals by month of their expected close date, from January of last year for "
    "24 months (GET /v1/deals/timeline, interval=month).",
    fixed_params={
        "start_date": _timeline_start(),
        "interval": "month",
        "amount": "24",
        "field_key": "expected_close_date",
    },
    paged=False,
    limit_pushable=False,
    sort_style="",
    kind="VIEW",
)


def _v1_fields_table(name: str, segment: str, entity: str) -> TableSpec:
    return TableSpec(
        name=name,
        endpoint=f"/api/v1/{segment}",
        columns=(
            c("id", BIGINT, "The field's ID."),
            c("key", VARCHAR, "The field's key."),
            c("name", VARCHAR, "The field's name."),
            c("field_type", VARCHAR, "The field's type."),
            c("order_nr", BIGINT, "Position."),
            c("mandatory_flag", BOOLEAN, "Whether the field is required."),
            c("edit_flag", BOOLEAN, "Whether the field is a custom field that can be edited."),
            c("bulk_edit_allowed", BOOLEAN, "Whether bulk edits may set it."),
            c("active_flag", BOOLEAN, "Whether the field is active."),
            c("options", list_of(struct_of(id=VARCHAR, label=VARCHAR)), "Options of enum/set fields."),
        ),
        description=f"Definitions of {entity} fields (API v1: v2 has no {segment}).",
        paged=True,
        sort_style="",
        kind="VIEW",
    )


LEAD_FIELDS = _v1_fields_table("LeadFields", "leadFields", "lead")
NOTE_FIELDS = _v1_fields_table("NoteFields", "noteFields", "note")


def _options(records: list[Record]) -> list[Record]:
    rows = []
    for field in records:
        code = field.get("field_code") or field.get("key")
        name = field.get("field_name") or field.get("name")
        for option in field.get("options") or []:
            if isinstance(option, dict):
                rows.append(
                    {
                        "field_code": code,
                        "field_name": name,
                        "id": str(option.get("id")),
                        "label": option.get("label"),
                        "color": option.get("color"),
                    }
                )
    return rows


def options_view(fields: TableSpec) -> TableSpec:
    name = f"{fields.name}Options"
    return TableSpec(
        name=name,
        endpoint=fields.endpoint,
        columns=(
            Column(
                "FieldCode",
                VARCHAR,
                ("field_code",),
                description="The field's key.",
                references=(fields.name, fields.columns[0].name),
            ),
            Column("FieldName", VARCHAR, ("field_name",), description="The field's name."),
            Column("Id", VARCHAR, ("id",), description="The option's ID (what records hold)."),
            Column("Label", VARCHAR, ("label",), description="The option's label."),
            Column("Color", VARCHAR, ("color",), description="The option's color, where it has one."),
        ),
        description=f"One row per option of the enum and set fields in {fields.name}.",
        reshape=_options,
        limit_pushable=False,
        sort_style="",
        kind="VIEW",
    )


def _activity_list_view(name: str, key: str, columns: tuple[Column, ...], what: str) -> TableSpec:
    return TableSpec(
        name=name,
        endpoint="/api/v2/activities",
        columns=(
            Column(
                "ActivityId",
                BIGINT,
                ("_parent_id",),
                description="The activity.",
                references=("Activities", "Id"),
            ),
            *columns,
        ),
        description=f"One row per {what} of each activity (from Activities.{key.capitalize()}).",
        source=Source(table="Activities", column="ActivityId", explode=key),
        limit_pushable=False,
        sort_style="",
        kind="VIEW",
    )


ACTIVITIES_PARTICIPANTS = _activity_list_view(
    "ActivitiesParticipants",
    "participants",
    (
        Column("PersonId", BIGINT, ("person_id",), description="The person.", references=("Persons", "Id")),
        Column(
            "Primary", BOOLEAN, ("primary",), description="Whether the person is the primary participant."
        ),
    ),
    "participant",
)


def view_tables(core: dict[str, TableSpec]) -> tuple[TableSpec, ...]:
    """The views, some built from the core tables (``core`` by name)."""
    field_tables = [
        core[n]
        for n in (
            "DealFields",
            "PersonFields",
            "OrganizationFields",
            "ProductFields",
            "ActivityFields",
            "ProjectFields",
        )
    ]
    participant_emails = _participants_contact_view("DealsParticipantsEmail", "email", "email address")
    participant_phones = _participants_contact_view("DealsParticipantsPhone", "phone", "phone number")
    return (
        synonym(core["DealParticipants"], "DealsParticipants"),
        synonym(core["DealProducts"], "DealsProducts"),
        participant_emails,
        participant_phones,
        synonym(participant_emails, "DealsParticipantsPersonEmail"),
        synonym(participant_phones, "DealsParticipantsPersonPhone"),
        ACTIVITIES_PARTICIPANTS,
        _permitted("DealsPermittedUsers", "deals", "Deals", "DealId", "deal"),
        _permitted("PersonsPermittedUsers", "persons", "Persons", "PersonId", "person"),
        _permitted(
            "OrganizationsPermittedUsers", "organizations", "Organizations", "OrganizationId", "organization"
        ),
        _permitted("ProductsPermittedUsers", "products", "Products", "ProductId", "product"),
        _permitted("LeadsPermittedUsers", "leads", "Leads", "LeadId", "lead", VARCHAR),
        DEALS_SUMMARY,
        DEALS_TIMELINE,
        LEAD_FIELDS,
        NOTE_FIELDS,
        *(options_view(t) for t in field_tables),
        options_view(LEAD_FIELDS),
    )
