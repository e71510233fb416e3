"""The metadata tables, built offline from the catalog, procedures and settings."""

from __future__ import annotations

from typing import Any

from pipedrive_sql.catalog import Catalog
from pipedrive_sql.catalog.system import SYSTEM_TABLES, system_table
from pipedrive_sql.engine.procedures import Procedure, ProcedureColumn, ProcedureParameter
from pipedrive_sql.settings import build_settings

FIELDS = [
    {"field_code": "f" * 40, "field_name": "Deal source", "field_type": "enum", "is_custom_field": True,
     "options": [{"id": 1, "label": "Inbound"}]},
]  # fmt: skip


def catalog() -> Catalog:
    return Catalog(lambda entity: FIELDS if entity == "deal" else [])


def rows(name: str, **kw: Any) -> list[dict[str, Any]]:
    return system_table(name, catalog=kw.pop("catalog", catalog()), **kw).to_pylist()


def test_every_system_table_builds() -> None:
    for name in SYSTEM_TABLES:
        table = system_table(name, catalog=catalog(), settings=build_settings({}), procedures=[])
        assert table.num_columns > 0


def test_sys_tables_lists_every_table() -> None:
    found = {r["TableName"]: r for r in rows("sys_tables")}
    assert len(found) == len(Catalog().table_names())
    assert found["PersonEmails"]["TableType"] == "VIEW"
    assert found["Deals"]["IsUpdateable"] is True


def test_sys_tablecolumns_names_custom_field_keys() -> None:
    found = {(r["TableName"], r["ColumnName"]): r for r in rows("sys_tablecolumns")}
    custom = found[("Deals", "DealSource")]
    assert custom["IsCustomField"] is True
    assert custom["FieldKey"] == "f" * 40
    assert custom["FieldType"] == "enum"
    assert found[("Deals", "Id")]["IsKey"] is True
    assert found[("Deals", "UpdateTime")]["DataTypeName"] == "TIMESTAMP WITH TIME ZONE"


def test_keys_and_foreign_keys() -> None:
    fks = {(r["TableName"], r["ColumnName"]): (r["ReferencedTableName"], r["ReferencedColumnName"])
           for r in rows("sys_foreignkeys")}  # fmt: skip
    assert fks[("Deals", "PersonId")] == ("Persons", "Id")
    assert fks[("Deals", "OrgId")] == ("Organizations", "Id")
    assert fks[("Activities", "DealId")] == ("Deals", "Id")
    keys = {(r["TableName"], r["ColumnName"]) for r in rows("sys_keycolumns") if r["IsKey"]}
    assert ("Deals", "Id") in keys and ("DealFields", "FieldCode") in keys


def test_connection_props_mask_secrets() -> None:
    settings = build_settings({"APIToken": "secret-token-123", "CompanyDomain": "acme"})
    found = {r["Name"]: r for r in rows("sys_connection_props", settings=settings)}
    assert found["APIToken"]["Value"] == "********"
    assert found["APIToken"]["IsSecret"] is True
    assert found["CompanyDomain"]["Value"] == "acme"
    assert found["CompanyDomain"]["IsSet"] is True
    assert "secret-token-123" not in str(found)


def test_procedures_and_parameters() -> None:
    proc = Procedure(
        "Echo",
        "Returns its input.",
        (ProcedureParameter("Text", "VARCHAR", "what to echo", required=True),),
        (ProcedureColumn("Echoed"),),
        lambda settings, **kw: [{"Echoed": kw["Text"]}],
    )
    assert rows("sys_procedures", procedures=[proc]) == [
        {"CatalogName": "Pipedrive", "SchemaName": "Pipedrive", "ProcedureName": "Echo",
         "Description": "Returns its input."}
    ]  # fmt: skip
    params = rows("sys_procedureparameters", procedures=[proc])
    assert [(p["ParameterName"], p["Direction"], p["IsRequired"]) for p in params] == [
        ("Text", "IN", True),
        ("Echoed", "RESULT", False),
    ]


def test_sqlinfo() -> None:
    info = {r["Name"]: r["Value"] for r in rows("sys_sqlinfo")}
    assert info["IDS_PER_REQUEST"] == "100"


def test_custom_reference_fields_are_foreign_keys() -> None:
    fields = [
        *FIELDS,
        {
            "field_code": "a" * 40,
            "field_name": "Account manager",
            "field_type": "user",
            "is_custom_field": True,
        },
        {"field_code": "b" * 40, "field_name": "Partner org", "field_type": "org", "is_custom_field": True},
    ]
    with_refs = Catalog(lambda entity: fields if entity == "deal" else [])
    fks = {(r["TableName"], r["ColumnName"]): (r["ReferencedTableName"], r["ReferencedColumnName"])
           for r in rows("sys_foreignkeys", catalog=with_refs)}  # fmt: skip
    assert fks[("Deals", "AccountManager")] == ("Users", "Id")
    assert fks[("Deals", "PartnerOrg")] == ("Organizations", "Id")
    assert fks[("Deals", "PersonId")] == ("Persons", "Id")  # the built-in ones are still there
    keys = {(r["TableName"], r["ColumnName"]): r for r in rows("sys_keycolumns", catalog=with_refs)}
    assert keys[("Deals", "AccountManager")]["IsForeignKey"] is True
    assert keys[("Deals", "AccountManager")]["ReferencedTableName"] == "Users"
