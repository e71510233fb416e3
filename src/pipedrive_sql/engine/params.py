"""Binding parameters: ``?`` (paramstyle qmark) by position, ``@name`` and ``:name`` from a mapping.

Values become SQL literals in the tree before planning, so a bound ``Id = ?`` pushes down exactly like a
written ``Id = 5``.
"""

from __future__ import annotations

import datetime as dt
import math
import uuid
from collections.abc import Mapping, Sequence
from decimal import Decimal
from typing import Any

from sqlglot import exp

from pipedrive_sql.engine.paramstyle import STYLES
from pipedrive_sql.engine.parse import QMARK_PREFIX
from pipedrive_sql.errors import ProgrammingError

__all__ = ["bind", "literal", "placeholders"]


def placeholders(tree: exp.Expression) -> list[exp.Expression]:
    """The parameter markers of ``tree``: ``?`` (renamed ``:__pN`` by the parser), ``:name``, ``@name``."""
    found: list[exp.Expression] = []
    for node in tree.walk():
        if isinstance(node, exp.Placeholder) or (
            isinstance(node, exp.Parameter)
            and isinstance(node.this, exp.Var | exp.Identifier)
            and not _names_a_procedure_argument(node)
        ):
            found.append(node)
    return found


def _names_a_procedure_argument(node: exp.Expression) -> bool:
    """``EXEC Proc @Name = ?``: ``@Name`` names the argument; it is not a marker."""
    parent = node.parent
    return isinstance(parent, exp.EQ) and parent.this is node and isinstance(parent.parent, exp.Execute)


def _name(node: exp.Expression) -> str:
    if isinstance(node, exp.Placeholder):
        return str(node.this) if node.this else "?"
    return str(node.this.name if hasattr(node.this, "name") else node.this)


def _qmark_index(name: str) -> int | None:
    if name.startswith(QMARK_PREFIX) and name[len(QMARK_PREFIX) :].isdigit():
        return int(name[len(QMARK_PREFIX) :])
    return None


def bind(
    tree: exp.Expression, params: Sequence[Any] | Mapping[str, Any] | None, qmarks: int = 0
) -> exp.Expression:
    """``tree`` with every parameter marker replaced by the literal of its value (``tree`` is changed).
    ``qmarks`` is the number of ``?`` markers the parser renamed."""
    markers = placeholders(tree)
    if not markers:
        if params:
            raise ProgrammingError(
                f"The statement has no parameter markers but {len(params)} parameter(s) were given."
            )
        return tree
    names = [_name(m) for m in markers]
    indexes = [_qmark_index(n) for n in names]
    if qmarks and any(i is None for i in indexes):
        raise ProgrammingError(f"Use one parameter style per statement; the driver accepts {STYLES}.")
    if qmarks:
        _bind_positional(markers, [i for i in indexes if i is not None], qmarks, params)
    else:
        _bind_named(markers, names, params)
    return tree


def _bind_positional(markers: list[exp.Expression], indexes: list[int], count: int, params: Any) -> None:
    if params is None or isinstance(params, str | bytes | Mapping):
        raise ProgrammingError(
            f"The statement has {count} ? marker(s): pass the values as a sequence (list or tuple)."
        )
    values = list(params)
    if len(values) != count:
        raise ProgrammingError(
            f"The statement has {count} ? marker(s) but {len(values)} parameter(s) were given."
        )
    for marker, index in zip(markers, indexes, strict=True):
        marker.replace(literal(values[index]))


def _bind_named(markers: list[exp.Expression], names: list[str], params: Any) -> None:
    if not isinstance(params, Mapping):
        raise ProgrammingError(
            f"The statement uses named parameters ({', '.join(sorted(set(names)))}): pass a mapping."
        )
    by_lower = {str(k).lstrip("@:$").lower(): v for k, v in params.items()}
    missing = sorted({n for n in names if n.lower() not in by_lower})
    if missing:
        raise ProgrammingError(f"No value given for parameter(s) {', '.join(missing)}.")
    for marker, name in zip(markers, names, strict=True):
        marker.replace(literal(by_lower[name.lower()]))


def literal(value: Any) -> exp.Expression:
    """The SQL literal of a Python value."""
    if value is None:
        return exp.Null()
    if isinstance(value, bool):
        return exp.Boolean(this=value)
    if isinstance(value, int):
        return exp.Literal.number(value)
    if isinstance(value, float):
        if math.isfinite(value):
            return exp.Literal.number(repr(value))
        return exp.cast(exp.Literal.string(str(value)), "DOUBLE")
    if isinstance(value, Decimal):
        return exp.Literal.number(str(value))
    if isinstance(value, str):
        return exp.Literal.string(value)
    if isinstance(value, uuid.UUID):
        return exp.Literal.string(str(value))
    if isinstance(value, dt.datetime):
        kind = "TIMESTAMPTZ" if value.tzinfo else "TIMESTAMP"
        return exp.cast(exp.Literal.string(value.isoformat()), kind)
    if isinstance(value, dt.date):
        return exp.cast(exp.Literal.string(value.isoformat()), "DATE")
    if isinstance(value, dt.time):
        return exp.cast(exp.Literal.string(value.isoformat()), "TIME")
    if isinstance(value, bytes | bytearray | memoryview):
        return exp.Anonymous(this="unhex", expressions=[exp.Literal.string(bytes(value).hex())])
    if isinstance(value, list | tuple):
        return exp.Array(expressions=[literal(v) for v in value])
    raise ProgrammingError(f"Cannot use a {type(value).__name__} as a parameter value.")
