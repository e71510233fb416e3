"""Reflection from the catalog: every table and view, columns with SQLAlchemy types, keys, foreign keys."""

from __future__ import annotations

from typing import Any

import pytest
from sqlalchemy import Column, MetaData, Table, exc, inspect, select, types
from sqlalchemy.engine import Engine

from pipedrive_sql.catalog import BUILTIN_TABLES, Catalog, TableSpec
from pipedrive_sql.catalog.system import SYSTEM_TABLES
from pipedrive_sql.sqlalchemy import STRUCT

from .conftest import requests

TABLES = [t.name for t in BUILTIN_TABLES if t.kind == "TABLE"]
VIEWS = [t.name for t in BUILTIN_TABLES if t.kind == "VIEW"]

# The driver's column kinds (catalog.types) and the SQLAlchemy type each must reflect as
EXPECTED_TYPES: dict[str, type[types.TypeEngine[Any]]] = {
    "int": types.BIGINT,
    "float": types.DOUBLE,
    "decimal": types.NUMERIC,
    "str": types.VARCHAR,
    "json": types.VARCHAR,
    "bool": types.BOOLEAN,
    "date": types.DATE,
    "time": types.TIME,
    "timestamp": types.TIMESTAMP,
    "list": types.ARRAY,
    "struct": STRUCT,
}


@pytest.fixture(scope="module")
def catalog(engine: Engine) -> Catalog:
    """The driver's own catalog (custom fields resolved): what reflection must agree with. The pooled
    connection stays open after checkin, and its catalog with it."""
    with engine.connect() as connection:
        found: Catalog = connection.connection.dbapi_connection.catalog
    return found


@pytest.fixture(scope="module")
def metadata(engine: Engine) -> MetaData:
    reflected = MetaData()
    reflected.reflect(engine, views=True)
    return reflected


def test_table_and_view_names_come_from_sys_tables(engine: Engine) -> None:
    inspector = inspect(engine)
    assert inspector.get_table_names() == TABLES
    assert inspector.get_view_names() == [*VIEWS, *SYSTEM_TABLES]
    assert inspector.get_schema_names() == ["Pipedrive"]
    assert inspector.default_schema_name == "Pipedrive"


def _references(spec: TableSpec) -> set[tuple[str, str, str]]:
    return {(c.name, *c.references) for c in spec.columns if c.references and not c.key}


def _assert_matches(table: Table, spec: TableSpec, builtin: TableSpec) -> None:
    assert [c.name for c in table.columns] == [c.name for c in spec.columns]
    for column, declared in zip(table.columns, spec.columns, strict=True):
        expected = EXPECTED_TYPES[declared.type.kind]
        assert type(column.type) is expected, (column.name, declared.type.sql, column.type)
        assert column.nullable is declared.nullable
        assert column.comment == (declared.description or None)
    assert [c.name for c in table.primary_key] == [c.name for c in spec.columns if c.key]
    foreign = {(fk.parent.name, *fk.target_fullname.split(".")) for fk in table.foreign_keys}
    # sys_foreignkeys lists the built-in columns' references; custom fields of type user/org/person
    # reference too in the catalog, and may join them there one day
    assert _references(builtin) <= foreign <= _references(spec)


@pytest.mark.parametrize("name", TABLES + VIEWS)
def test_every_table_reflects_as_the_catalog_declares_it(engine: Engine, catalog: Catalog, name: str) -> None:
    # resolve_fks=False: the referenced tables are not reflected too (test_foreign_keys... does that)
    table = Table(name, MetaData(), autoload_with=engine, resolve_fks=False)
    _assert_matches(table, catalog.table(name), catalog.builtin(name))


def test_reflecting_everything_costs_no_api_request(engine: Engine, sandbox: Any, catalog: Catalog) -> None:
    sandbox.reset_stats()
    reflected = MetaData()
    reflected.reflect(engine, views=True)
    assert requests(sandbox) == {}
    assert set(reflected.tables) == {*TABLES, *VIEWS, *SYSTEM_TABLES}
    for name in TABLES + VIEWS:
        _assert_matches(reflected.tables[name], catalog.table(name), catalog.builtin(name))


def test_foreign_keys_point_at_the_referenced_tables(metadata: MetaData) -> None:
    deals, persons, users = (metadata.tables[n] for n in ("Deals", "Persons", "Users"))
    assert deals.c.PersonId.references(persons.c.Id)
    assert deals.c.OwnerId.references(users.c.Id)
    assert deals.c.CreatorUserId.references(users.c.Id)
    assert metadata.tables["Stages"].c.PipelineId.references(metadata.tables["Pipelines"].c.Id)
    assert metadata.tables["PersonEmails"].c.PersonId.references(persons.c.Id)
    # a foreign key to a column that is not the key
    assert metadata.tables["Activities"].c.Type.references(metadata.tables["ActivityTypes"].c.KeyString)


def test_custom_fields_are_typed_columns_with_their_field_key(metadata: MetaData, catalog: Catalog) -> None:
    deals = metadata.tables["Deals"]
    custom = [c for c in catalog.table("Deals").columns if c.custom is not None]
    assert custom, "the sandbox defines custom deal fields"
    for declared in custom:
        column: Column[Any] = deals.c[declared.name]
        assert column.dialect_options["pipedrive"]["field_key"] == declared.custom.key  # type: ignore[union-attr]
        assert type(column.type) is EXPECTED_TYPES[declared.type.kind]
    assert isinstance(deals.c.ContractValue.type, types.NUMERIC)
    assert (deals.c.ContractValue.type.precision, deals.c.ContractValue.type.scale) == (18, 4)
    assert isinstance(deals.c.ContractValueCurrency.type, types.VARCHAR)
    interest = deals.c.ProductInterest.type
    assert isinstance(interest, types.ARRAY) and isinstance(interest.item_type, types.VARCHAR)
    assert deals.c.Title.dialect_options["pipedrive"]["field_key"] is None


def test_nested_types_reflect_with_their_parts(metadata: MetaData) -> None:
    persons = metadata.tables["Persons"]
    emails = persons.c.Emails.type
    assert isinstance(emails, types.ARRAY) and isinstance(emails.item_type, STRUCT)
    assert [name for name, _ in emails.item_type.fields] == ["value", "primary", "label"]
    assert isinstance(dict(emails.item_type.fields)["primary"], types.BOOLEAN)
    address = persons.c.PostalAddress.type
    assert isinstance(address, STRUCT) and "locality" in dict(address.fields)
    assert persons.c.LabelIds.type.python_type is list
    assert address.python_type is dict
    stamp = metadata.tables["Deals"].c.UpdateTime.type
    assert isinstance(stamp, types.TIMESTAMP) and stamp.timezone


def test_the_inspector_answers_what_the_catalog_knows(engine: Engine) -> None:
    inspector = inspect(engine)
    assert inspector.has_table("Deals") and inspector.has_table("deals")
    assert inspector.has_table("sys_tablecolumns")
    assert not inspector.has_table("Nope")
    assert not inspector.has_table("Deals", schema="elsewhere")
    assert inspector.has_schema("pipedrive")
    assert inspector.get_pk_constraint("LeadSources")["constrained_columns"] == ["Name"]
    assert inspector.get_pk_constraint("PersonEmails")["constrained_columns"] == []
    assert inspector.get_table_comment("Deals")["text"]
    assert inspector.get_indexes("Deals") == []
    assert inspector.get_unique_constraints("Deals") == []
    assert inspector.get_table_names(schema="elsewhere") == []
    ids = [c for c in inspector.get_columns("Deals") if c["name"] == "Id"]
    assert ids[0]["autoincrement"] is True
    codes = [c for c in inspector.get_columns("DealFields") if c["name"] == "FieldCode"]
    assert codes[0]["autoincrement"] is False
    with pytest.raises(exc.NoSuchTableError):
        inspector.get_columns("Nope")
    with pytest.raises(exc.NoSuchTableError):
        Table("Nope", MetaData(), autoload_with=engine)


def test_metadata_tables_reflect_as_views(engine: Engine) -> None:
    table = Table("sys_foreignkeys", MetaData(), autoload_with=engine)
    assert [c.name for c in table.columns] == [
        "ForeignKeyName",
        "TableName",
        "ColumnName",
        "ReferencedTableName",
        "ReferencedColumnName",
    ]
    assert all(isinstance(c.type, types.VARCHAR) for c in table.columns)
    with engine.connect() as connection:
        rows = connection.execute(select(table).where(table.c.TableName == "Deals")).all()
    assert ("FK_Deals_PersonId", "Deals", "PersonId", "Persons", "Id") in rows


def test_a_table_reflected_in_the_pipedrive_schema_is_queried_unqualified(engine: Engine) -> None:
    deals = Table("Deals", MetaData(), schema="Pipedrive", autoload_with=engine)
    persons = deals.c.PersonId.foreign_keys.pop().column.table
    assert persons.schema == "Pipedrive" and persons.name == "Persons"
    # explicit ON: the custom person field TechnicalContact is a second foreign key to Persons
    statement = (
        select(deals.c.Id, persons.c.Name)
        .join(persons, deals.c.PersonId == persons.c.Id)
        .where(deals.c.Id == 1)
    )
    sql = str(statement.compile(engine))
    assert '"Pipedrive"' not in sql
    with engine.connect() as connection:
        assert len(connection.execute(statement).all()) <= 1
    with pytest.raises(exc.NoSuchTableError):
        Table("Deals", MetaData(), schema="elsewhere", autoload_with=engine)
