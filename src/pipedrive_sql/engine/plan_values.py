"""Literals of a query as API parameter values: ids, ``=``/``IN`` values, time bounds, LIMIT and OFFSET.

Each function answers None (or says "not exact") when a value cannot be sent exactly, so that the planner
leaves the condition to the engine instead of changing a result.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any

from sqlglot import exp

from pipedrive_sql.catalog.spec import Pushdown
from pipedrive_sql.engine.predicates import NO_VALUE, parse_timestamp


@dataclass
class TimeBounds:
    """The bounds (op, value) a query puts on one time parameter (``updated_since``...)."""

    pushdown: Pushdown
    bounds: list[tuple[str, dt.datetime]] = field(default_factory=list)  # (op, value)


def limit_number(select: exp.Expression) -> int | None:
    limit = select.args.get("limit")
    if limit is None:
        return None
    if isinstance(limit, exp.Limit):
        options = limit.args.get("limit_options")
        if options is not None and (options.args.get("percent") or options.args.get("with_ties")):
            return None
        value = int_literal(limit.expression)
    elif isinstance(limit, exp.Fetch):
        options = limit.args.get("limit_options")
        if options is not None and (options.args.get("percent") or options.args.get("with_ties")):
            return None
        value = int_literal(limit.args.get("count"))
    else:
        return None
    return value if value is not None and value >= 0 else None


def offset_number(select: exp.Select) -> int | None:
    offset = select.args.get("offset")
    if offset is None:
        return 0
    value = int_literal(offset.expression if isinstance(offset, exp.Offset) else offset)
    return value if value is not None and value >= 0 else None


def int_literal(node: exp.Expression | None) -> int | None:
    if isinstance(node, exp.Literal) and not node.is_string:
        try:
            return int(node.this)
        except ValueError:
            return None
    return None


def literal(value: Any) -> exp.Expression:
    if isinstance(value, bool):
        return exp.Boolean(this=value)
    if isinstance(value, int | float):
        return exp.Literal.number(value)
    return exp.Literal.string(str(value))


def normalize_id(value: Any, kind: str) -> Any:
    """A literal as an id of ``kind`` ("int" or "str"), or None when it cannot be one."""
    if value is None or value is NO_VALUE or isinstance(value, bool):
        return None
    if kind == "int":
        if isinstance(value, int):
            return value
        if isinstance(value, float):
            return int(value) if value.is_integer() else None
        text = str(value).strip()
        return int(text) if text.lstrip("-").isdigit() else None
    return value if isinstance(value, str) else None


def impossible_id(value: Any) -> bool:
    """Pipedrive's numeric ids start at 1 (the API refuses 0 and negative ids): such a value matches nothing."""
    return isinstance(value, int) and value < 1


def render_param(value: Any, pushdown: Pushdown) -> str | None:
    """A literal as the API parameter value of ``pushdown``, or None when it cannot be pushed exactly."""
    kind = pushdown.value
    if kind == "int":
        number = normalize_id(value, "int")
        return None if number is None else str(number)
    if kind == "bool" or kind == "bit":
        if isinstance(value, bool):
            flag = value
        elif isinstance(value, int) and value in (0, 1):
            flag = bool(value)
        else:
            return None
        if kind == "bit":
            return "1" if flag else "0"
        return "true" if flag else "false"
    if kind == "timestamp":
        moment = parse_timestamp(value)
        return None if moment is None else rfc3339(moment)
    if not isinstance(value, str) or not value.strip() or "," in value:
        # ``lead_id=`` is no filter at all to the API (every record comes back, once per value of a
        # fan-out), and a comma would split the value in two: such values stay with the engine.
        return None
    if pushdown.choices and value not in pushdown.choices:
        return None
    return value


def range_value(rng: TimeBounds) -> tuple[str, bool]:
    """The parameter value for a set of bounds, and whether it states them exactly.

    The API compares whole seconds: ``updated_since`` is ``>=``, ``updated_until`` is ``<``. A bound that
    does not map onto those exactly (``>``, ``<=``, fractions of a second) is widened to a superset.
    """
    text = v1_time if rng.pushdown.value == "v1time" else rfc3339
    if rng.pushdown.kind == "lower":
        sent = max(floor_second(v) for _, v in rng.bounds)
        exact = all((op == ">=" and v <= sent) or (op == ">" and v < sent) for op, v in rng.bounds)
        return text(sent), exact
    candidates = [
        ceil_second(v) if op == "<" else floor_second(v) + dt.timedelta(seconds=1) for op, v in rng.bounds
    ]
    sent = min(candidates)
    exact = all(v >= sent for _, v in rng.bounds)
    return text(sent), exact


def v1_time(moment: dt.datetime) -> str:
    """``YYYY-MM-DD HH:MM:SS`` in UTC: how v1 parameters such as ``since_timestamp`` spell a time."""
    return moment.astimezone(dt.UTC).strftime("%Y-%m-%d %H:%M:%S")


def floor_second(value: dt.datetime) -> dt.datetime:
    return value.replace(microsecond=0)


def ceil_second(value: dt.datetime) -> dt.datetime:
    floor = value.replace(microsecond=0)
    return floor if floor == value else floor + dt.timedelta(seconds=1)


def rfc3339(value: dt.datetime) -> str:
    return value.astimezone(dt.UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def sort_key(value: Any) -> tuple[int, Any]:
    return (0, value) if isinstance(value, int) else (1, str(value))
