"""How SQLAlchemy statements become the SQL the driver reads.

The driver reads T-SQL as the commercial drivers do and DuckDB SQL as well, and DuckDB runs what the API
cannot evaluate. So the statements here are plain ANSI/DuckDB SQL with ``?`` markers, written so that the
planner recognises what it can push to the API: ``"Deals"."Status" = ?``, ``"Deals"."Id" IN (?, ?)``,
``ORDER BY "Deals"."UpdateTime" DESC LIMIT ?``. Every identifier is quoted, because names that are
keywords in one of the two dialects (``File``, ``Key``, ``Plan``...) must mean the same in both.

There is one schema, ``Pipedrive`` (what sys_tables reports), and the driver wants table names unqualified:
a table reflected with ``schema="Pipedrive"`` is written without it.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import types as sqltypes
from sqlalchemy.sql import compiler
from sqlalchemy.sql.elements import BinaryExpression, Slice

from pipedrive_sql.sqlalchemy.types import STRUCT

__all__ = ["SCHEMA", "PipedriveCompiler", "PipedriveIdentifierPreparer", "PipedriveTypeCompiler"]

SCHEMA = "Pipedrive"


class PipedriveCompiler(compiler.SQLCompiler):
    def limit_clause(self, select: Any, **kw: Any) -> str:
        # DuckDB takes OFFSET without LIMIT; the default "LIMIT -1 OFFSET n" it would reject.
        text = ""
        if select._limit_clause is not None:
            text += "\n LIMIT " + self.process(select._limit_clause, **kw)
        if select._offset_clause is not None:
            text += ("\n" if not text else "") + " OFFSET " + self.process(select._offset_clause, **kw)
        return text

    def visit_getitem_binary(self, binary: BinaryExpression[Any], operator: Any, **kw: Any) -> str:
        # Functions, not DuckDB's x[i]: the driver reads T-SQL first, where [i] after a name is an alias.
        left = self.process(binary.left, **kw)
        if isinstance(binary.left.type, STRUCT):
            return f"struct_extract({left}, {self.process(binary.right, **kw)})"
        if isinstance(binary.right, Slice):  # ARRAY slices are 1-based and inclusive, as in DuckDB
            start = self.process(binary.right.start, **kw)
            stop = self.process(binary.right.stop, **kw)
            return f"list_slice({left}, {start}, {stop})"
        return f"list_extract({left}, {self.process(binary.right, **kw)})"

    def visit_ilike_op_binary(self, binary: BinaryExpression[Any], operator: Any, **kw: Any) -> str:
        return self._like("ILIKE", binary, **kw)

    def visit_not_ilike_op_binary(self, binary: BinaryExpression[Any], operator: Any, **kw: Any) -> str:
        return self._like("NOT ILIKE", binary, **kw)

    def _like(self, keyword: str, binary: BinaryExpression[Any], **kw: Any) -> str:
        escape = binary.modifiers.get("escape") if binary.modifiers else None
        text = f"{self.process(binary.left, **kw)} {keyword} {self.process(binary.right, **kw)}"
        if escape is not None:
            text += " ESCAPE " + self.render_literal_value(escape, sqltypes.STRINGTYPE)
        return text

    def visit_regexp_match_op_binary(self, binary: BinaryExpression[Any], operator: Any, **kw: Any) -> str:
        return self._regexp_function("regexp_matches", binary, **kw)

    def visit_not_regexp_match_op_binary(
        self, binary: BinaryExpression[Any], operator: Any, **kw: Any
    ) -> str:
        return "NOT " + self._regexp_function("regexp_matches", binary, **kw)

    def visit_regexp_replace_op_binary(self, binary: BinaryExpression[Any], operator: Any, **kw: Any) -> str:
        # binary.right renders as "pattern, replacement"
        return self._regexp_function("regexp_replace", binary, **kw)

    def _regexp_function(self, name: str, binary: BinaryExpression[Any], **kw: Any) -> str:
        arguments = [self.process(binary.left, **kw), self.process(binary.right, **kw)]
        flags = binary.modifiers.get("flags") if binary.modifiers else None
        if flags is not None:
            arguments.append(self.render_literal_value(flags, sqltypes.STRINGTYPE))
        return f"{name}({', '.join(arguments)})"


class PipedriveTypeCompiler(compiler.GenericTypeCompiler):
    """Type names as DuckDB spells them (casts are the only place SQL here names types)."""

    def visit_float(self, type_: Any, **kw: Any) -> str:
        return "DOUBLE"

    def visit_REAL(self, type_: Any, **kw: Any) -> str:
        return "REAL"

    def visit_datetime(self, type_: Any, **kw: Any) -> str:
        return self.visit_TIMESTAMP(type_, **kw)

    def visit_DATETIME(self, type_: Any, **kw: Any) -> str:
        return self.visit_TIMESTAMP(type_, **kw)

    def visit_TIMESTAMP(self, type_: Any, **kw: Any) -> str:
        return "TIMESTAMP WITH TIME ZONE" if getattr(type_, "timezone", False) else "TIMESTAMP"

    def visit_TIME(self, type_: Any, **kw: Any) -> str:
        return "TIME WITH TIME ZONE" if getattr(type_, "timezone", False) else "TIME"

    def visit_VARCHAR(self, type_: Any, **kw: Any) -> str:
        return "VARCHAR"  # DuckDB's VARCHAR has no length

    def visit_CHAR(self, type_: Any, **kw: Any) -> str:
        return "VARCHAR"

    def visit_NVARCHAR(self, type_: Any, **kw: Any) -> str:
        return "VARCHAR"

    def visit_NCHAR(self, type_: Any, **kw: Any) -> str:
        return "VARCHAR"

    def visit_TEXT(self, type_: Any, **kw: Any) -> str:
        return "VARCHAR"

    def visit_CLOB(self, type_: Any, **kw: Any) -> str:
        return "VARCHAR"

    def visit_large_binary(self, type_: Any, **kw: Any) -> str:
        return "BLOB"

    def visit_BLOB(self, type_: Any, **kw: Any) -> str:
        return "BLOB"

    def visit_JSON(self, type_: Any, **kw: Any) -> str:
        return "JSON"

    def visit_uuid(self, type_: Any, **kw: Any) -> str:
        return "UUID"

    def visit_ARRAY(self, type_: sqltypes.ARRAY[Any], **kw: Any) -> str:
        return self.process(type_.item_type, **kw) + "[]" * (type_.dimensions or 1)

    def visit_STRUCT(self, type_: STRUCT, **kw: Any) -> str:
        preparer = self.dialect.identifier_preparer
        fields = ", ".join(
            f"{preparer.quote_identifier(name)} {self.process(ftype, **kw)}" for name, ftype in type_.fields
        )
        return f"STRUCT({fields})"


def _flat_schema(obj: Any) -> str | None:
    """The schema to write before ``obj``'s name: none for the one schema there is."""
    schema = getattr(obj, "schema", None)
    if schema is not None and str(schema).lower() == SCHEMA.lower():
        return None
    return None if schema is None else str(schema)


class PipedriveIdentifierPreparer(compiler.IdentifierPreparer):
    # SQLAlchemy types this as returning str, but its own default returns None for tables without a schema
    schema_for_object = staticmethod(_flat_schema)  # type: ignore[arg-type]

    def _requires_quotes(self, value: str) -> bool:
        return True
