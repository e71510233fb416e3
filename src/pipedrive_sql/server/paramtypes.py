"""The types of a statement's untyped `$n` parameters, inferred from where they stand, as PostgreSQL infers
them when it answers Describe of a prepared statement (ParameterDescription).

Clients that prepare a statement and then encode each argument by the type the server reports (asyncpg does,
in binary) need this: told `text` for `"Id" = $1`, asyncpg refuses to send the integer 5 ("expected str,
got int"). PostgreSQL's rules, as far as they are taken here:

- `$n::type` (and `CAST($n AS type)`): that type;
- `$n` against another operand (`=`, `<>`, `<`, `<=`, `>`, `>=`, `+`, `-`, `*`, `/`, `%`, `IN (...)`,
  `BETWEEN`): that operand's type, when it is a column of a table whose type the catalog knows, another
  cast, or a constant (an integer `int4`, a decimal `numeric`, a string `text`);
- `LIKE`/`ILIKE` patterns: `text`; `LIMIT $n` and `OFFSET $n`: `int8`;
- anything else: unknown here (0), which the server reports as `text`, as PostgreSQL does for `SELECT $1`.

A type the client named in Parse always wins; this only fills in the zeros.
"""

from __future__ import annotations

from collections.abc import Mapping

from sqlglot import expressions as exp

from .operands import MISSING, column_in, column_sources, parameter_number

__all__ = ["ColumnOids", "infer_parameter_oids"]

#: table -> column -> the PostgreSQL type OID the catalog gives it
ColumnOids = Mapping[str, Mapping[str, int]]

INT4, INT8, NUMERIC, TEXT = 23, 20, 1700, 25

_CAST_OIDS = {
    exp.DataType.Type.SMALLINT: 21,
    exp.DataType.Type.INT: INT4,
    exp.DataType.Type.BIGINT: INT8,
    exp.DataType.Type.DECIMAL: NUMERIC,
    exp.DataType.Type.FLOAT: 700,
    exp.DataType.Type.DOUBLE: 701,
    exp.DataType.Type.TEXT: TEXT,
    exp.DataType.Type.VARCHAR: 1043,
    exp.DataType.Type.CHAR: 1042,
    exp.DataType.Type.BOOLEAN: 16,
    exp.DataType.Type.DATE: 1082,
    exp.DataType.Type.TIME: 1083,
    exp.DataType.Type.TIMESTAMP: 1114,
    exp.DataType.Type.TIMESTAMPTZ: 1184,
    exp.DataType.Type.INTERVAL: 1186,
    exp.DataType.Type.JSON: 114,
    exp.DataType.Type.JSONB: 3802,
    exp.DataType.Type.UUID: 2950,
}
_OPERATORS = (
    exp.EQ,
    exp.NEQ,
    exp.GT,
    exp.GTE,
    exp.LT,
    exp.LTE,
    exp.Add,
    exp.Sub,
    exp.Mul,
    exp.Div,
    exp.Mod,
    exp.NullSafeEQ,
    exp.NullSafeNEQ,
)


def infer_parameter_oids(tree: exp.Expr, count: int, columns: ColumnOids) -> list[int]:
    """OIDs for `$1`..`$count` (0 where nothing says), from the parsed statement and the catalog's columns."""
    found = [0] * count
    for node in tree.find_all(exp.Placeholder, exp.Parameter):
        n = parameter_number(node)
        if n is None or not 1 <= n <= count or found[n - 1]:
            continue
        found[n - 1] = _oid_from_context(node, columns)
    return found


def _oid_from_context(node: exp.Expr, columns: ColumnOids) -> int:
    child, parent = node, node.parent
    while isinstance(parent, exp.Paren):
        child, parent = parent, parent.parent
    if isinstance(parent, exp.Cast) and parent.this is child:
        return _CAST_OIDS.get(parent.to.this, 0)
    if isinstance(parent, (exp.Limit, exp.Offset)):
        return INT8
    if isinstance(parent, (exp.Like, exp.ILike)):
        return TEXT
    if isinstance(parent, _OPERATORS):
        other = parent.expression if parent.this is child else parent.this
        return _oid_of(other, columns)
    if isinstance(parent, exp.In) and parent.this is not child:
        return _oid_of(parent.this, columns)
    if isinstance(parent, exp.Between) and parent.this is not child:
        return _oid_of(parent.this, columns)
    return 0


def _oid_of(node: exp.Expr, columns: ColumnOids) -> int:
    while isinstance(node, exp.Paren):
        node = node.this
    if isinstance(node, exp.Cast):
        return _CAST_OIDS.get(node.to.this, 0)
    if isinstance(node, exp.Literal):
        if node.is_string:
            return TEXT
        return INT4 if node.name.isdigit() else NUMERIC
    if isinstance(node, exp.Column):
        return _column_oid(node, columns)
    return 0


def _column_oid(column: exp.Column, columns: ColumnOids) -> int:
    """The column's type when the tables of its SELECT it may come from agree on one."""
    found = {
        column_in(columns.get(source.name), column.this)
        for source in column_sources(column)
        if isinstance(source, exp.Table)
    } - {MISSING}
    oid = found.pop() if len(found) == 1 else 0
    return oid if isinstance(oid, int) else 0
