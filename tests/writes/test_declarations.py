"""The write declarations (``catalog.writes``) against the tables they describe and against Pipedrive's
OpenAPI documents: every column a statement may set is a field of that operation's request body, every
required value is one the table has, and docs/writes.md shows the declarations as they are."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from pipedrive_sandbox import spec as openapi
from pipedrive_sql.catalog.tables import BUILTIN_TABLES
from pipedrive_sql.catalog.writes import TABLE_WRITES, TableWrites, column_reference, reference_table

ROOT = Path(__file__).resolve().parents[2]
SPECS = {t.name: t for t in BUILTIN_TABLES}
DECLARED = list(TABLE_WRITES.values())


def body_fields(method: str, template: str) -> set[str]:
    """The property names of the JSON request body of ``METHOD template`` in Pipedrive's documents."""
    operation = openapi.operation(method, template)
    assert operation is not None, f"{method} {template} is not in Pipedrive's documents"
    document = openapi.document(operation.document)
    body = resolve(document, operation.raw["requestBody"])
    schema = next(c["schema"] for t, c in body["content"].items() if "json" in t)
    return properties(document, schema)


def resolve(document: dict[str, Any], node: Any) -> Any:
    while isinstance(node, dict) and "$ref" in node:
        target: Any = document
        for part in node["$ref"].lstrip("#/").split("/"):
            target = target[part]
        node = target
    return node


def properties(document: dict[str, Any], schema: Any) -> set[str]:
    schema = resolve(document, schema)
    found = set((schema.get("properties") or {}).keys())
    for key in ("allOf", "anyOf", "oneOf"):
        for part in schema.get(key, []):
            found |= properties(document, part)
    return found


def api_field(writes: TableWrites, name: str) -> str:
    spec = SPECS[writes.table]
    column = spec.find_column(name) or next(c for c in writes.write_only if c.name == name)
    return writes.api_names.get(name) or column.path[0]


@pytest.mark.parametrize("writes", DECLARED, ids=lambda w: w.table)
def test_declared_columns_exist_and_fit_together(writes: TableWrites) -> None:
    spec = SPECS[writes.table]
    assert spec.writes is not None
    names = {c.name for c in spec.columns} | {c.name for c in writes.write_only}
    for column in (*writes.insert, *writes.update, *writes.choices, *writes.api_types, *writes.api_names):
        assert column in names, column
    assert set(writes.required) <= set(writes.insert)
    for group in writes.one_of:
        assert set(group) <= set(writes.insert)
    assert set(writes.path_params.values()) <= set(writes.insert)
    for composite in writes.composites:
        assert set(composite.columns()) <= set(writes.insert) | set(writes.update)
    assert spec.find_column(writes.key) is not None


@pytest.mark.parametrize("writes", DECLARED, ids=lambda w: w.table)
def test_writable_columns_are_fields_of_the_documented_request_bodies(writes: TableWrites) -> None:
    spec_writes = SPECS[writes.table].writes
    assert spec_writes is not None
    path_columns = set(writes.path_params.values())
    operations = [("POST", spec_writes.create, writes.insert)]
    if writes.update:
        operations.append((spec_writes.update_method, spec_writes.update, writes.update))
    for method, template, columns in operations:
        documented = body_fields(method, template)
        for name in columns:
            if name in path_columns:
                continue
            assert api_field(writes, name) in documented, f"{writes.table}.{name}: {method} {template}"
        if writes.custom_fields and template.startswith("/api/v2/"):
            assert "custom_fields" in documented


@pytest.mark.parametrize("writes", DECLARED, ids=lambda w: w.table)
def test_delete_is_a_documented_operation(writes: TableWrites) -> None:
    spec_writes = SPECS[writes.table].writes
    assert spec_writes is not None
    if not writes.delete:  # RolesAssignments: the API's removal takes a body, which DELETE does not send
        assert not spec_writes.delete
        return
    assert openapi.operation("DELETE", spec_writes.delete) is not None


def test_tables_without_a_declaration_cannot_be_written() -> None:
    assert "activityfields" not in TABLE_WRITES  # the v2 document has no writes for activity fields
    assert {w.table for w in DECLARED} == {
        "Deals", "Persons", "Organizations", "Activities", "Products", "Pipelines", "Stages", "Leads",
        "LeadLabels", "Notes", "Filters", "DealProducts", "DealParticipants", "DealFields", "PersonFields",
        "OrganizationFields", "ProductFields",
        # issue 16
        "DealsFollowers", "PersonFollowers", "OrganizationsFollowers", "ProductsFollowers", "NoteComments",
        "CallLogs", "Goals", "Projects", "Tasks", "ProjectBoards", "ProjectPhases", "OrganizationRelationships",
        "Roles", "RolesAssignments",
    }  # fmt: skip


def test_docs_show_the_declarations() -> None:
    doc = (ROOT / "docs" / "writes.md").read_text()
    hint = "regenerate: python -m pipedrive_sql.catalog.writes"
    assert reference_table() in doc, hint
    assert column_reference() in doc, hint
