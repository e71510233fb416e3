"""The field-definition tables: DealFields, PersonFields, OrganizationFields, ProductFields,
ActivityFields and ProjectFields."""

from __future__ import annotations

import dataclasses

from pipedrive_sql.catalog.declare import c, v2_writes
from pipedrive_sql.catalog.spec import Column, TableSpec
from pipedrive_sql.catalog.types import BOOLEAN, VARCHAR, list_of, struct_of

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
