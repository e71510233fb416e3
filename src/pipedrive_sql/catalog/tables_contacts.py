"""Persons and organizations, and the child views of a person's e-mail addresses and phone numbers
(PersonEmails, PersonPhones)."""

from __future__ import annotations

from pipedrive_sql.catalog.declare import (
    ADDRESS,
    CONTACTS,
    V2_SORT,
    c,
    id_pushdowns,
    not_deleted,
    primary,
    updated_pushdowns,
    v2_writes,
)
from pipedrive_sql.catalog.naming import pascal_case
from pipedrive_sql.catalog.spec import Column, Source, TableSpec
from pipedrive_sql.catalog.types import BIGINT, BIGINT_LIST, BOOLEAN, DATE, MONEY, TIMESTAMP, VARCHAR

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
