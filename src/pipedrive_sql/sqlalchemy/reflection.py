"""Reflection reads the driver's metadata tables, as any client of the commercial drivers would.

One snapshot of sys_tables, sys_tablecolumns and sys_foreignkeys answers every question of one reflection
(SQLAlchemy keeps it in the Inspector's cache), so reflecting all tables costs three local queries; the
API is asked only for the custom-field definitions, once per DB-API connection, by the driver's catalog.
The metadata tables themselves (sys_tables, ...) are not in sys_tables: they are reflected as views, their
columns read from the description of an empty query.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import types as sqltypes
from sqlalchemy.engine.interfaces import ReflectedColumn

from pipedrive_sql.catalog.system import SYSTEM_TABLES
from pipedrive_sql.sqlalchemy.types import type_from_name

__all__ = ["CatalogSnapshot", "ColumnInfo", "ForeignKeyInfo", "TableInfo", "load_snapshot"]

_TABLES_SQL = 'SELECT "TableName", "TableType", "Description" FROM sys_tables'
_COLUMNS_SQL = (
    'SELECT "TableName", "ColumnName", "DataTypeName", "IsNullable", "IsKey", "IsReadOnly", "ApiName", '
    '"FieldKey", "Description" FROM sys_tablecolumns ORDER BY "TableName", "Ordinal"'
)
_FOREIGN_KEYS_SQL = (
    'SELECT "ForeignKeyName", "TableName", "ColumnName", "ReferencedTableName", "ReferencedColumnName" '
    "FROM sys_foreignkeys"
)


@dataclass(frozen=True)
class TableInfo:
    name: str
    kind: str  # TABLE or VIEW
    description: str = ""
    system: bool = False


@dataclass(frozen=True)
class ColumnInfo:
    name: str
    type_name: str  # DuckDB's name: BIGINT, TIMESTAMP WITH TIME ZONE, VARCHAR[], STRUCT(...)
    nullable: bool = True
    key: bool = False
    read_only: bool = False
    api_name: str | None = None
    field_key: str | None = None  # a custom field's 40-character hash key
    description: str = ""

    def reflected(self) -> ReflectedColumn:
        """The column as SQLAlchemy's Inspector.get_columns describes one."""
        column_type = type_from_name(self.type_name)
        column: ReflectedColumn = {
            "name": self.name,
            "type": column_type,
            "nullable": self.nullable,
            "default": None,
            # Pipedrive assigns integer ids; other keys (FieldCode, Name) are the caller's
            "autoincrement": self.key and isinstance(column_type, sqltypes.Integer),
            "comment": self.description or None,
        }
        if self.read_only and not self.key:
            # Pipedrive sets these (AddTime, CreatorUserId...): as computed columns, the ORM leaves them out
            # of INSERT and UPDATE and reads them back. The text only shows where the value comes from.
            column["computed"] = {"sqltext": _sql_string(f"set by Pipedrive: {self.api_name or self.name}")}
        if self.field_key:
            column["dialect_options"] = {"pipedrive_field_key": self.field_key}
        return column


@dataclass(frozen=True)
class ForeignKeyInfo:
    name: str
    column: str
    referred_table: str
    referred_column: str


@dataclass
class CatalogSnapshot:
    tables: dict[str, TableInfo]  # by lower-case name
    table_columns: dict[str, list[ColumnInfo]]
    table_foreign_keys: dict[str, list[ForeignKeyInfo]]
    _system_columns: dict[str, list[ColumnInfo]] = field(default_factory=dict)

    def names(self, kind: str) -> list[str]:
        return [t.name for t in self.tables.values() if t.kind == kind]

    def find(self, name: str) -> TableInfo | None:
        return self.tables.get(name.lower())

    def columns(self, connection: Any, table: TableInfo) -> list[ColumnInfo]:
        lower = table.name.lower()
        if not table.system:
            return self.table_columns.get(lower, [])
        found = self._system_columns.get(lower)
        if found is None:
            found = _described_columns(connection, table.name)
            self._system_columns[lower] = found
        return found

    def foreign_keys(self, table_name: str) -> list[ForeignKeyInfo]:
        return self.table_foreign_keys.get(table_name.lower(), [])


def load_snapshot(connection: Any) -> CatalogSnapshot:
    """Read the catalog through ``connection`` (a SQLAlchemy Connection)."""
    tables: dict[str, TableInfo] = {}
    for name, kind, description in connection.exec_driver_sql(_TABLES_SQL).all():
        tables[name.lower()] = TableInfo(name, kind, description or "")
    for name in SYSTEM_TABLES:
        tables.setdefault(name.lower(), TableInfo(name, "VIEW", "Metadata table of the driver", system=True))
    columns: dict[str, list[ColumnInfo]] = {}
    for (
        table,
        column,
        type_name,
        nullable,
        key,
        read_only,
        api_name,
        field_key,
        description,
    ) in connection.exec_driver_sql(_COLUMNS_SQL).all():
        columns.setdefault(table.lower(), []).append(
            ColumnInfo(
                column,
                type_name,
                nullable=bool(nullable),
                key=bool(key),
                read_only=bool(read_only),
                api_name=api_name,
                field_key=field_key,
                description=description or "",
            )
        )
    foreign: dict[str, list[ForeignKeyInfo]] = {}
    for name, table, column, ref_table, ref_column in connection.exec_driver_sql(_FOREIGN_KEYS_SQL).all():
        foreign.setdefault(table.lower(), []).append(ForeignKeyInfo(name, column, ref_table, ref_column))
    return CatalogSnapshot(tables, columns, foreign)


def _sql_string(value: str) -> str:
    return "'" + value.replace("'", "''") + "'"


def _described_columns(connection: Any, name: str) -> list[ColumnInfo]:
    quoted = '"' + name.replace('"', '""') + '"'
    result = connection.exec_driver_sql(f"SELECT * FROM {quoted} LIMIT 0")
    try:
        description = result.cursor.description or []
        return [ColumnInfo(d[0], str(d[1])) for d in description]
    finally:
        result.close()
