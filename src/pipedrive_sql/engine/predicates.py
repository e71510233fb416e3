"""Reading WHERE and ON conditions: conjuncts, and the ``column op literal`` shapes the API might evaluate."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from sqlglot import exp

__all__ = ["Comparison", "comparisons", "conjuncts", "literal_value", "parse_timestamp"]

_FLIP = {"=": "=", ">": "<", ">=": "<=", "<": ">", "<=": ">="}
_OPS: dict[type[exp.Expression], str] = {exp.EQ: "=", exp.GT: ">", exp.GTE: ">=", exp.LT: "<", exp.LTE: "<="}


class _NoValue:
    pass


NO_VALUE = _NoValue()


@dataclass(frozen=True)
class Comparison:
    """``column op value``; op is one of = in > >= < <= (``in`` carries a tuple of values)."""

    column: exp.Column
    op: str
    value: Any


def conjuncts(condition: exp.Expression | None) -> list[exp.Expression]:
    """The AND-ed parts of a condition (parentheses removed)."""
    if condition is None:
        return []
    condition = _unparen(condition)
    if isinstance(condition, exp.And):
        return conjuncts(condition.this) + conjuncts(condition.expression)
    return [condition]


def _unparen(node: exp.Expression) -> exp.Expression:
    while isinstance(node, exp.Paren):
        node = node.this
    return node


def literal_value(node: exp.Expression | None) -> Any:
    """The Python value of a literal (``5``, ``-5``, ``'x'``, ``TRUE``, ``CAST('..' AS DATE)``), else NO_VALUE."""
    if node is None:
        return NO_VALUE
    node = _unparen(node)
    if isinstance(node, exp.Literal):
        if node.is_string:
            return node.this
        return _number(node.this)
    if isinstance(node, exp.National):  # N'text'
        return str(node.this)
    if isinstance(node, exp.Neg):
        inner = literal_value(node.this)
        return -inner if isinstance(inner, int | float) and not isinstance(inner, bool) else NO_VALUE
    if isinstance(node, exp.Boolean):
        return bool(node.this)
    if isinstance(node, exp.Cast | exp.TryCast):
        inner = literal_value(node.this)
        return inner if isinstance(inner, str | int | float) else NO_VALUE
    return NO_VALUE


def _number(text: str) -> Any:
    try:
        return int(text)
    except ValueError:
        try:
            return float(text)
        except ValueError:
            return NO_VALUE


def comparisons(node: exp.Expression) -> list[Comparison]:
    """The comparisons a conjunct states, or [] when it is not a pushable shape.

    ``a = 1``, ``1 = a``, ``a IN (1, 2)``, ``a > 1``, ``a BETWEEN 1 AND 2`` (two comparisons),
    ``a = 1 OR a = 2`` (as IN), a bare boolean column ``Done`` / ``NOT Done``.
    """
    node = _unparen(node)
    for kind, op in _OPS.items():
        if isinstance(node, kind):
            return _binary(node, op)
    if isinstance(node, exp.In):
        return _in(node)
    if isinstance(node, exp.Between):
        return _between(node)
    if isinstance(node, exp.Or):
        return _or(node)
    if isinstance(node, exp.Column):
        return [Comparison(node, "=", True)]
    if isinstance(node, exp.Not) and isinstance(_unparen(node.this), exp.Column):
        return [Comparison(_unparen(node.this), "=", False)]  # type: ignore[arg-type]
    return []


def _binary(node: exp.Expression, op: str) -> list[Comparison]:
    left, right = _unparen(node.this), _unparen(node.expression)
    if isinstance(left, exp.Column) and not isinstance(right, exp.Column):
        value = literal_value(right)
        return [] if value is NO_VALUE else [Comparison(left, op, value)]
    if isinstance(right, exp.Column) and not isinstance(left, exp.Column):
        value = literal_value(left)
        return [] if value is NO_VALUE else [Comparison(right, _FLIP[op], value)]
    return []


def _in(node: exp.In) -> list[Comparison]:
    column = _unparen(node.this)
    if not isinstance(column, exp.Column) or node.args.get("query") or node.args.get("unnest"):
        return []
    values = [literal_value(v) for v in node.expressions]
    if not values or any(v is NO_VALUE or v is None for v in values):
        return []
    return [Comparison(column, "in", tuple(values))]


def _between(node: exp.Between) -> list[Comparison]:
    column = _unparen(node.this)
    low, high = literal_value(node.args.get("low")), literal_value(node.args.get("high"))
    if not isinstance(column, exp.Column) or low is NO_VALUE or high is NO_VALUE:
        return []
    if node.args.get("symmetric"):
        return []
    return [Comparison(column, ">=", low), Comparison(column, "<=", high)]


def _or(node: exp.Or) -> list[Comparison]:
    """``a = 1 OR a IN (2, 3)`` on one column -> ``a IN (1, 2, 3)``."""
    parts: list[exp.Expression] = []
    stack: list[exp.Expression] = [node]
    while stack:
        current = _unparen(stack.pop())
        if isinstance(current, exp.Or):
            stack.extend([current.this, current.expression])
        else:
            parts.append(current)
    values: list[Any] = []
    column: exp.Column | None = None
    for part in parts:
        found = comparisons(part)
        if len(found) != 1 or found[0].op not in ("=", "in"):
            return []
        comp = found[0]
        if column is not None and _column_key(comp.column) != _column_key(column):
            return []
        column = comp.column
        values.extend(comp.value if comp.op == "in" else (comp.value,))
    if column is None:
        return []
    return [Comparison(column, "in", tuple(values))]


def _column_key(column: exp.Column) -> tuple[str, str]:
    return (column.table.lower(), column.name.lower())


def parse_timestamp(value: Any) -> dt.datetime | None:
    """A literal as an aware UTC datetime (naive and date-only values are UTC), or None."""
    if isinstance(value, dt.datetime):
        parsed = value
    elif isinstance(value, str):
        text = value.strip()
        try:
            parsed = dt.datetime.fromisoformat(text)
        except ValueError:
            return None
    else:
        return None
    if parsed.tzinfo is None:
        return parsed.replace(tzinfo=dt.UTC)
    return parsed.astimezone(dt.UTC)
