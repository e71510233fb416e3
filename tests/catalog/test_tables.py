"""The declarations are consistent: what the planner reads refers to real columns and tables."""

from __future__ import annotations

import pytest

from pipedrive_sql.catalog import BUILTIN_TABLES, Catalog, TableSpec

NAMES = {t.name for t in BUILTIN_TABLES}
REQUIRED = {
    "Deals", "ArchivedDeals", "Persons", "Organizations", "Activities", "Products", "Pipelines", "Stages",
    "Leads", "ArchivedLeads", "LeadLabels", "LeadSources", "Notes", "Users", "ActivityTypes", "Currencies",
    "Filters", "Files", "DealProducts", "DealParticipants", "DealFields", "PersonFields", "OrganizationFields",
    "ProductFields", "ActivityFields", "PersonEmails", "PersonPhones",
}  # fmt: skip


def test_every_required_table_is_declared() -> None:
    assert REQUIRED <= NAMES


@pytest.mark.parametrize("table", BUILTIN_TABLES, ids=lambda t: t.name)
def test_declaration_is_consistent(table: TableSpec) -> None:
    names = [c.name for c in table.columns]
    assert len(set(n.lower() for n in names)) == len(names), "duplicate column"
    assert table.endpoint.startswith(("/api/v1/", "/api/v2/"))
    assert table.key_column is not None or table.kind == "VIEW"
    for pushdown in table.pushdowns:
        assert table.find_column(pushdown.column) is not None, pushdown
        assert pushdown.kind in ("eq", "lower", "upper")
    for column in table.sortable:
        assert table.find_column(column) is not None
    for column in table.columns:
        if column.references is not None:
            target, target_column = column.references
            assert target in NAMES
            assert Catalog().builtin(target).find_column(target_column) is not None
    if table.source is not None:
        assert table.source.table in NAMES
        assert table.find_column(table.source.column) is not None


def test_lookup_is_case_insensitive_and_suggests() -> None:
    catalog = Catalog()
    assert catalog.table("dEaLs").name == "Deals"
    with pytest.raises(Exception, match="Did you mean Deals"):
        catalog.table("Deels")
    with pytest.raises(Exception, match="Did you mean Title"):
        catalog.table("Deals").column("Titel")
