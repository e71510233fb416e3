"""What tables and columns exist: declarative table specs, custom fields, Arrow conversion, sys_* tables.

Modules:
    types          column types (SQL name, Arrow type, coercion of raw API values)
    spec           Column, Pushdown, Source, WriteSpec, TableSpec: the declarations the planner reads
    naming         PascalCase names and deterministic collision handling
    tables         the built-in tables (Deals, Persons, ...), one declaration each (tables_* by family)
    custom_fields  custom fields as typed columns
    catalog        Catalog: one connection's tables, custom fields read once
    arrow          API records -> Arrow record batches, column-wise
    system         the metadata tables (sys_tables, sys_tablecolumns, ...)
"""

from __future__ import annotations

from pipedrive_sql.catalog.arrow import RowConverter, schema_of
from pipedrive_sql.catalog.catalog import Catalog, FieldsLoader
from pipedrive_sql.catalog.spec import Column, CustomField, Pushdown, Source, TableSpec, WriteSpec
from pipedrive_sql.catalog.tables import BUILTIN_TABLES

__all__ = [
    "BUILTIN_TABLES",
    "Catalog",
    "Column",
    "CustomField",
    "FieldsLoader",
    "Pushdown",
    "RowConverter",
    "Source",
    "TableSpec",
    "WriteSpec",
    "schema_of",
]
