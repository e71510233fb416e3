"""The metadata tables, as the commercial drivers name them: sys_catalogs, sys_schemas, sys_tables,
sys_tablecolumns, sys_procedures, sys_procedureparameters, sys_keycolumns, sys_primarykeys, sys_foreignkeys,
sys_indexes, sys_identity, sys_connection_props, sys_sqlinfo, sys_information.

Each is an Arrow table built on demand from the catalog (sys_tablecolumns reads the custom fields, so it
costs the field-definition requests once per connection), the procedures and the connection's settings.
Secrets are masked in sys_connection_props.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from typing import Any

import pyarrow as pa

from pipedrive_sql.catalog.catalog import Catalog
from pipedrive_sql.catalog.spec import TableSpec
from pipedrive_sql.catalog.writes import table_writes
from pipedrive_sql.settings import PROPERTIES, Settings, mask

__all__ = ["SYSTEM_TABLES", "system_table"]

CATALOG_NAME = "Pipedrive"
SCHEMA_NAME = "Pipedrive"


def _table(
    columns: Sequence[tuple[str, pa.DataType]], rows: Iterable[Sequence[Any]], *, prefix: bool = False
) -> pa.Table:
    """``prefix``: the rows start with the catalog and schema names, which the columns do not list."""
    if prefix:
        columns = [("CatalogName", S), ("SchemaName", S), *columns]
    data = list(rows)
    arrays = [pa.array([row[i] for row in data], type=t) for i, (_, t) in enumerate(columns)]
    return pa.Table.from_arrays(arrays, names=[name for name, _ in columns])


S, INT, B = pa.string(), pa.int64(), pa.bool_()


def sys_tables(catalog: Catalog, **_: Any) -> pa.Table:
    rows = [
        (
            CATALOG_NAME,
            SCHEMA_NAME,
            t.name,
            t.kind,
            t.description,
            table_writes(t.name) is not None,
            t.endpoint,
        )
        for t in (catalog.builtin(n) for n in catalog.table_names())
    ]
    columns = [
        ("CatalogName", S),
        ("SchemaName", S),
        ("TableName", S),
        ("TableType", S),
        ("Description", S),
        ("IsUpdateable", B),
        ("Endpoint", S),
    ]
    return _table(columns, rows)


def sys_tablecolumns(catalog: Catalog, **_: Any) -> pa.Table:
    rows = []
    for table in catalog.tables():
        for ordinal, col in enumerate(table.columns, start=1):
            rows.append(
                (
                    CATALOG_NAME,
                    SCHEMA_NAME,
                    table.name,
                    col.name,
                    ordinal,
                    col.type.sql,
                    col.type.python_type,
                    col.nullable,
                    col.key,
                    _read_only(table.name, col),
                    col.custom is not None,
                    col.custom.key if col.custom else None,
                    col.custom.field_type if col.custom else None,
                    col.api_name or None,
                    col.description,
                )
            )
    columns = [
        ("CatalogName", S),
        ("SchemaName", S),
        ("TableName", S),
        ("ColumnName", S),
        ("Ordinal", INT),
        ("DataTypeName", S),
        ("PythonType", S),
        ("IsNullable", B),
        ("IsKey", B),
        ("IsReadOnly", B),
        ("IsCustomField", B),
        ("FieldKey", S),
        ("FieldType", S),
        ("ApiName", S),
        ("Description", S),
    ]
    return _table(columns, rows)


def _read_only(table: str, column: Any) -> bool:
    """What writes can set, from the write declarations (catalog/writes.py), not the read-side guess."""
    writes = table_writes(table)
    if writes is None:
        return True
    if column.custom is not None:
        return not writes.custom_fields
    return column.name not in writes.insert and column.name not in writes.update


def sys_procedures(procedures: Sequence[Any] = (), **_: Any) -> pa.Table:
    rows = [(CATALOG_NAME, SCHEMA_NAME, p.name, getattr(p, "description", "")) for p in procedures]
    columns = [("CatalogName", S), ("SchemaName", S), ("ProcedureName", S), ("Description", S)]
    return _table(columns, rows)


def sys_procedureparameters(procedures: Sequence[Any] = (), **_: Any) -> pa.Table:
    rows = []
    for proc in procedures:
        for ordinal, param in enumerate(proc.parameters, start=1):
            rows.append(
                (
                    proc.name,
                    param.name,
                    ordinal,
                    "IN",
                    getattr(param, "type", "VARCHAR"),
                    bool(getattr(param, "required", False)),
                    _text(getattr(param, "default", None)),
                    getattr(param, "description", ""),
                )
            )
        for ordinal, column in enumerate(proc.columns, start=len(proc.parameters) + 1):
            rows.append(
                (
                    proc.name,
                    column.name,
                    ordinal,
                    "RESULT",
                    getattr(column, "type", "VARCHAR"),
                    False,
                    None,
                    getattr(column, "description", ""),
                )
            )
    columns = [
        ("ProcedureName", S),
        ("ParameterName", S),
        ("Ordinal", INT),
        ("Direction", S),
        ("DataTypeName", S),
        ("IsRequired", B),
        ("DefaultValue", S),
        ("Description", S),
    ]
    return _table(columns, rows)


def _text(value: Any) -> str | None:
    return None if value is None else str(value)


def _foreign_rows(tables: Iterable[TableSpec]) -> list[tuple[str, str, str, str]]:
    rows = []
    for table in tables:
        for col in table.columns:
            if col.references is not None and not col.key:
                rows.append((table.name, col.name, col.references[0], col.references[1]))
    return rows


def sys_keycolumns(catalog: Catalog, **_: Any) -> pa.Table:
    tables = catalog.tables()  # with custom fields: a user/person/org field references its table
    foreign = {(t, c): (rt, rc) for t, c, rt, rc in _foreign_rows(tables)}
    rows = []
    for table in tables:
        for col in table.columns:
            ref = foreign.get((table.name, col.name))
            if col.key or ref is not None:
                rows.append(
                    (
                        table.name,
                        col.name,
                        col.key,
                        ref is not None,
                        ref[0] if ref else None,
                        ref[1] if ref else None,
                    )
                )
    columns = [
        ("TableName", S),
        ("ColumnName", S),
        ("IsKey", B),
        ("IsForeignKey", B),
        ("ReferencedTableName", S),
        ("ReferencedColumnName", S),
    ]
    return _table(columns, rows)


def sys_foreignkeys(catalog: Catalog, **_: Any) -> pa.Table:
    tables = catalog.tables()  # with custom fields (Deals.AccountManager -> Users.Id)
    rows = [(f"FK_{t}_{c}", t, c, rt, rc) for t, c, rt, rc in _foreign_rows(tables)]
    columns = [
        ("ForeignKeyName", S),
        ("TableName", S),
        ("ColumnName", S),
        ("ReferencedTableName", S),
        ("ReferencedColumnName", S),
    ]
    return _table(columns, rows)


def sys_connection_props(settings: Settings | None = None, **_: Any) -> pa.Table:
    rows = []
    for prop in PROPERTIES:
        value = settings[prop.name] if settings is not None else prop.default
        shown = mask(prop, value)
        rows.append(
            (
                prop.name,
                None if shown is None else str(shown),
                prop.kind,
                None if prop.default is None else str(prop.default),
                prop.meaning,
                prop.category,
                prop.secret,
                bool(settings is not None and settings.is_set(prop.name)),
            )
        )
    columns = [
        ("Name", S),
        ("Value", S),
        ("Type", S),
        ("Default", S),
        ("Description", S),
        ("Category", S),
        ("IsSecret", B),
        ("IsSet", B),
    ]
    return _table(columns, rows)


SQL_INFO: tuple[tuple[str, str], ...] = (
    ("DRIVER_NAME", "pipedrive-sql"),
    ("DATA_SOURCE_NAME", "Pipedrive"),
    ("DBMS_NAME", "Pipedrive"),
    ("SQL_ENGINE", "DuckDB over lazily read Arrow streams of the Pipedrive API"),
    (
        "SQL_DIALECT",
        "DuckDB SQL, plus [brackets], TOP n, EXEC Procedure Param='value', @name and ? parameters",
    ),
    ("IDENTIFIER_QUOTE_CHAR", '"'),
    ("IDENTIFIER_CASE", "MIXED, matched case-insensitively"),
    ("PARAMSTYLE", "qmark; named @name and :name with a mapping"),
    ("SUPPORTS_JOINS", "INNER, LEFT, RIGHT, FULL, CROSS"),
    ("SUPPORTS_SUBQUERIES", "YES"),
    ("SUPPORTS_CTE", "YES"),
    ("SUPPORTS_WINDOW_FUNCTIONS", "YES"),
    ("SUPPORTS_TRANSACTIONS", "NO (autocommit)"),
    ("PUSHDOWN_OPERATORS", "=, IN, OR of =, >, >=, <, <=, BETWEEN on the columns each table declares"),
    ("PUSHDOWN_LIMIT", "LIMIT/TOP/OFFSET on one table when every condition is evaluated by the API"),
    ("PUSHDOWN_ORDER_BY", "one sortable column (Id, AddTime, UpdateTime ...)"),
    ("IDS_PER_REQUEST", "100"),
    ("MAX_PAGE_SIZE", "500"),
    ("STRING_FUNCTIONS", "DuckDB's"),
    ("NUMERIC_FUNCTIONS", "DuckDB's"),
    ("DATETIME_FUNCTIONS", "DuckDB's"),
    ("AGGREGATE_FUNCTIONS", "DuckDB's"),
)


def sys_sqlinfo(**_: Any) -> pa.Table:
    return _table([("Name", S), ("Value", S)], SQL_INFO)


def sys_catalogs(**_: Any) -> pa.Table:
    return _table([("CatalogName", S)], [(CATALOG_NAME,)])


def sys_schemas(**_: Any) -> pa.Table:
    return _table([("CatalogName", S), ("SchemaName", S)], [(CATALOG_NAME, SCHEMA_NAME)])


def _declared(catalog: Catalog) -> list[TableSpec]:
    """Every table as declared (built-in columns only: keys and pushdowns never come from custom fields)."""
    return [catalog.builtin(name) for name in catalog.table_names()]


def sys_primarykeys(catalog: Catalog, **_: Any) -> pa.Table:
    rows = [
        (CATALOG_NAME, SCHEMA_NAME, t.name, col.name, 1, f"PK_{t.name}")
        for t in _declared(catalog)
        for col in t.columns
        if col.key
    ]
    columns = [
        ("CatalogName", S),
        ("SchemaName", S),
        ("TableName", S),
        ("ColumnName", S),
        ("KeySeq", INT),
        ("KeyName", S),
    ]
    return _table(columns, rows)


def sys_indexes(catalog: Catalog, **_: Any) -> pa.Table:
    """What makes a lookup cheap: the key (a GET by id, or ids= batches) and the columns whose conditions the
    API evaluates (its filters), which is what an index means to a planner over an API."""
    rows = []
    for table in _declared(catalog):
        key = table.key_column
        if key is not None and (table.get_path or table.ids_param):
            rows.append((table.name, f"PK_{table.name}", key.name, True, True, "GET by id", 1))
        filters = dict.fromkeys(p.column for p in table.pushdowns)
        if table.source is not None and not table.source.explode:
            filters = {table.source.column: None, **filters}
        for column in filters:
            kind = "parent id" if table.source is not None and column == table.source.column else "API filter"
            rows.append((table.name, f"IX_{table.name}_{column}", column, False, False, kind, 1))
    columns = [
        ("TableName", S),
        ("IndexName", S),
        ("ColumnName", S),
        ("IsUnique", B),
        ("IsPrimary", B),
        ("Type", S),
        ("OrdinalPosition", INT),
    ]
    return _table(columns, [(CATALOG_NAME, SCHEMA_NAME, *r) for r in rows], prefix=True)


def sys_identity(catalog: Catalog, **_: Any) -> pa.Table:
    """Columns whose values Pipedrive assigns on INSERT (ids): what INSERT ... RETURNING reports back."""
    rows = [
        (CATALOG_NAME, SCHEMA_NAME, t.name, col.name, col.type.sql)
        for t in _declared(catalog)
        if table_writes(t.name) is not None and t.writes is not None and t.writes.create
        for col in t.columns
        if col.key
    ]
    columns = [
        ("CatalogName", S),
        ("SchemaName", S),
        ("TableName", S),
        ("ColumnName", S),
        ("DataTypeName", S),
    ]
    return _table(columns, rows)


def _version() -> str:
    from importlib import metadata

    try:
        return metadata.version("pipedrive-sql")
    except metadata.PackageNotFoundError:
        return "unknown"


def sys_information(**_: Any) -> pa.Table:
    rows = [
        (
            "pipedrive-sql",
            _version(),
            "Pipedrive",
            "https://developers.pipedrive.com/docs/api/v1",
            "MIT",
            "API v2 where Pipedrive has it, v1 otherwise",
        )
    ]
    columns = [
        ("Product", S),
        ("Version", S),
        ("Datasource", S),
        ("HelpURL", S),
        ("License", S),
        ("ApiVersions", S),
    ]
    return _table(columns, rows)


SYSTEM_TABLES: dict[str, Callable[..., pa.Table]] = {
    "sys_catalogs": sys_catalogs,
    "sys_schemas": sys_schemas,
    "sys_tables": sys_tables,
    "sys_tablecolumns": sys_tablecolumns,
    "sys_procedures": sys_procedures,
    "sys_procedureparameters": sys_procedureparameters,
    "sys_keycolumns": sys_keycolumns,
    "sys_primarykeys": sys_primarykeys,
    "sys_foreignkeys": sys_foreignkeys,
    "sys_indexes": sys_indexes,
    "sys_identity": sys_identity,
    "sys_connection_props": sys_connection_props,
    "sys_sqlinfo": sys_sqlinfo,
    "sys_information": sys_information,
}


def system_table(
    name: str, *, catalog: Catalog, settings: Settings | None = None, procedures: Sequence[Any] = ()
) -> pa.Table:
    """The metadata table ``name`` (one of SYSTEM_TABLES, case-insensitive)."""
    builder = SYSTEM_TABLES[name.lower()]
    return builder(catalog=catalog, settings=settings, procedures=procedures)
