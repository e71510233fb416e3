"""SQLAlchemy types for the driver's column types, read from DuckDB type names.

``sys_tablecolumns.DataTypeName`` and ``cursor.description`` name types as DuckDB does (``BIGINT``,
``TIMESTAMP WITH TIME ZONE``, ``VARCHAR[]``, ``STRUCT("value" VARCHAR, "primary" BOOLEAN)[]``); sqlglot reads
those names (nested ones included) and ``type_from_name`` maps the tree onto SQLAlchemy's types. Lists are
``ARRAY`` and structs are ``STRUCT``; values of both arrive as Python lists and dicts, untouched.
"""

from __future__ import annotations

import functools
from collections.abc import Iterable
from typing import Any

from sqlalchemy import types as sqltypes
from sqlalchemy.sql import operators
from sqlalchemy.types import TypeEngine
from sqlglot import exp
from sqlglot.errors import ParseError, TokenError

__all__ = ["STRUCT", "type_from_name"]

DType = exp.DataType.Type


class STRUCT(sqltypes.Indexable, TypeEngine[dict[str, Any]]):
    """A DuckDB STRUCT: named fields, each with its own type; values are Python dicts.

    ``STRUCT(("value", VARCHAR()), ("primary", BOOLEAN()))``. Index it by field name to read a field in SQL,
    typed: ``persons.c.PostalAddress["locality"]``, ``persons.c.Emails[1]["value"]`` (DuckDB's
    ``struct_extract``).
    """

    __visit_name__ = "STRUCT"

    if hasattr(operators, "OperatorClass"):  # SQLAlchemy 2.1 asks types which operators they take
        operator_classes = (
            operators.OperatorClass.BASE
            | operators.OperatorClass.COMPARISON
            | operators.OperatorClass.INDEXABLE
        )

    class Comparator(sqltypes.Indexable.Comparator[dict[str, Any]]):
        def _setup_getitem(self, index: Any) -> tuple[Any, Any, TypeEngine[Any]]:
            struct = self.type
            assert isinstance(struct, STRUCT)
            fields = dict(struct.fields)
            if not isinstance(index, str) or index not in fields:
                raise KeyError(f"{index!r} is not a field of this STRUCT; its fields: {', '.join(fields)}")
            return operators.getitem, index, fields[index]

    comparator_factory = Comparator

    def __init__(self, *fields: tuple[str, TypeEngine[Any] | type[TypeEngine[Any]]]) -> None:
        self.fields: tuple[tuple[str, TypeEngine[Any]], ...] = tuple(
            (name, sqltypes.to_instance(ftype)) for name, ftype in fields
        )

    @property
    def python_type(self) -> type:
        return dict

    def __repr__(self) -> str:
        inner = ", ".join(f"({name!r}, {ftype!r})" for name, ftype in self.fields)
        return f"STRUCT({inner})"


_SIMPLE: dict[Any, type[TypeEngine[Any]]] = {  # keyed by exp.DataType.Type
    DType.BIGINT: sqltypes.BIGINT,
    DType.UBIGINT: sqltypes.BIGINT,
    DType.INT128: sqltypes.BIGINT,
    DType.UINT128: sqltypes.BIGINT,
    DType.INT: sqltypes.INTEGER,
    DType.UINT: sqltypes.BIGINT,  # DuckDB's UINTEGER outgrows INTEGER
    DType.MEDIUMINT: sqltypes.INTEGER,
    DType.SMALLINT: sqltypes.SMALLINT,
    DType.USMALLINT: sqltypes.INTEGER,
    DType.TINYINT: sqltypes.SMALLINT,
    DType.UTINYINT: sqltypes.SMALLINT,
    DType.DOUBLE: sqltypes.DOUBLE,
    DType.FLOAT: sqltypes.REAL,
    DType.TEXT: sqltypes.VARCHAR,
    DType.VARCHAR: sqltypes.VARCHAR,
    DType.NVARCHAR: sqltypes.VARCHAR,
    DType.CHAR: sqltypes.VARCHAR,
    DType.NCHAR: sqltypes.VARCHAR,
    DType.BOOLEAN: sqltypes.BOOLEAN,
    DType.DATE: sqltypes.DATE,
    DType.VARBINARY: sqltypes.LargeBinary,
    DType.BINARY: sqltypes.LargeBinary,
    DType.BLOB: sqltypes.LargeBinary,
    DType.JSON: sqltypes.JSON,
}

_TIMESTAMPS_WITHOUT_ZONE = {
    DType.TIMESTAMP,
    DType.TIMESTAMPNTZ,
    DType.DATETIME,
    DType.TIMESTAMP_S,
    DType.TIMESTAMP_MS,
    DType.TIMESTAMP_NS,
}


def type_from_name(name: str) -> TypeEngine[Any]:
    """The SQLAlchemy type of a DuckDB type name; NullType (values pass through) for names it cannot map."""
    tree = _parsed(name)
    return sqltypes.NullType() if tree is None else _from_tree(tree)


@functools.lru_cache(maxsize=512)
def _parsed(name: str) -> exp.DataType | None:
    # A reflection maps hundreds of columns over a few dozen distinct names; parsing is the slow part.
    try:
        return exp.DataType.build(name, dialect="duckdb")
    except (ParseError, TokenError, ValueError):
        return None


def _from_tree(tree: exp.DataType) -> TypeEngine[Any]:
    kind = tree.this
    simple = _SIMPLE.get(kind)
    if simple is not None:
        return simple()
    if kind == DType.DECIMAL:
        precision, scale = _params(tree.expressions)
        return sqltypes.NUMERIC(precision, scale)
    if kind == DType.TIMESTAMPTZ:
        return sqltypes.TIMESTAMP(timezone=True)
    if kind in _TIMESTAMPS_WITHOUT_ZONE:
        return sqltypes.TIMESTAMP()
    if kind == DType.TIME:
        return sqltypes.TIME()
    if kind == DType.TIMETZ:
        return sqltypes.TIME(timezone=True)
    if kind in (DType.ARRAY, DType.LIST) and tree.expressions:
        return _array(tree.expressions[0])
    if kind == DType.STRUCT:
        return STRUCT(*_fields(tree.expressions))
    return sqltypes.NullType()


def _array(item: exp.Expression) -> TypeEngine[Any]:
    dimensions = 1
    while isinstance(item, exp.DataType) and item.this in (DType.ARRAY, DType.LIST) and item.expressions:
        dimensions += 1
        item = item.expressions[0]
    item_type = _from_tree(item) if isinstance(item, exp.DataType) else sqltypes.NullType()
    return sqltypes.ARRAY(item_type, dimensions=dimensions if dimensions > 1 else None)


def _fields(definitions: Iterable[exp.Expression]) -> list[tuple[str, TypeEngine[Any]]]:
    fields: list[tuple[str, TypeEngine[Any]]] = []
    for definition in definitions:
        if isinstance(definition, exp.ColumnDef):
            kind = definition.args.get("kind")
            fields.append(
                (definition.name, _from_tree(kind) if isinstance(kind, exp.DataType) else sqltypes.NullType())
            )
    return fields


def _params(expressions: Iterable[exp.Expression]) -> tuple[int | None, int | None]:
    numbers = [int(e.name) for e in expressions if e.name.isdigit()]
    precision = numbers[0] if numbers else None
    scale = numbers[1] if len(numbers) > 1 else None
    return precision, scale
