"""Ranges the API cannot filter but can sort by: read in sort order and stop at the bound.

v2 lists take no bound on ``id`` or ``add_time``, but they sort by both. ``WHERE Id < 50`` reads deals by
ascending id and stops at the first record with an id of 50 or more: every later record has a larger id,
so the WHERE would remove it anyway. ``WHERE AddTime >= '2025-01-01'`` reads by descending add time and
stops at the first older record. The condition itself stays in the SQL DuckDB runs (the first page may
hold records past the bound, and NULLs never satisfy a range): stopping only ever skips rows the WHERE
removes, so the result is the same with or without it.

The planner (``pushdown.ScanPlanner``) hands every range comparison it cannot push as a parameter to
``RangeBounds.offer``; ``RangeBounds.choose`` picks one column and direction for the scan's calls.
"""

from __future__ import annotations

import datetime as dt
import operator
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

from pipedrive_sql.catalog.spec import Column, TableSpec
from pipedrive_sql.engine.predicates import parse_timestamp

__all__ = ["RangeBounds", "Stop"]

_COMPARE: dict[str, Callable[[Any, Any], bool]] = {
    "<": operator.lt,
    "<=": operator.le,
    ">": operator.gt,
    ">=": operator.ge,
}
# Columns whose order the API sorts by, in the order they are preferred for a stop (ids are never NULL).
_PREFERRED = ("Id", "AddTime")


@dataclass(frozen=True)
class Stop:
    """Paging in the API's sort order ends at the first record whose ``key`` fails ``op value``."""

    key: str  # the record's field ("id", "add_time")
    kind: str  # "int" or "timestamp"
    op: str
    value: Any

    def passed(self, record: Mapping[str, Any]) -> bool:
        """True when ``record`` (and so every later one) lies past the bound."""
        raw = record.get(self.key)
        if raw is None:
            return False
        value = _value(raw, self.kind)
        if value is None:
            return False
        try:
            return not _COMPARE[self.op](value, self.value)
        except TypeError:
            return False

    def describe(self) -> str:
        return f"until {self.key} {self.op} {self.value}"


@dataclass
class RangeBounds:
    """The range comparisons of one table reference that its API cannot take as parameters."""

    spec: TableSpec
    bounds: list[tuple[Column, str, Any]] = field(default_factory=list)

    def offer(self, column: Column, op: str, literal: Any) -> None:
        if self.spec.sort_style != "v2" or column.name not in self.spec.sortable or not self.spec.paged:
            return
        if op not in _COMPARE or column.getter is not None or len(column.path) != 1:
            return
        kind = column.type.kind
        if kind not in ("int", "timestamp"):
            return
        value = _value(literal, kind)
        if value is not None:
            self.bounds.append((column, op, value))

    def choose(self) -> tuple[dict[str, str], Stop] | None:
        """(sort parameters, stop) for the most useful bound, or None."""
        for name in _PREFERRED:
            mine = [(c, op, v) for c, op, v in self.bounds if c.name == name]
            upper = [b for b in mine if b[1] in ("<", "<=")]
            lower = [b for b in mine if b[1] in (">", ">=")]
            # An upper bound reads from the start (ids and add times begin at the oldest): the tighter wins.
            if upper:
                column, op, value = min(upper, key=lambda b: (b[2], b[1] == "<="))
                return _sort(column, "asc", self.spec), Stop(column.path[0], column.type.kind, op, value)
            if lower:
                column, op, value = max(lower, key=lambda b: (b[2], b[1] == ">"))
                return _sort(column, "desc", self.spec), Stop(column.path[0], column.type.kind, op, value)
        return None


def _sort(column: Column, direction: str, spec: TableSpec) -> dict[str, str]:
    return {"sort_by": spec.sortable[column.name], "sort_direction": direction}


def _value(raw: Any, kind: str) -> Any:
    if kind == "int":
        if isinstance(raw, bool) or not isinstance(raw, int | float):
            return None
        return raw
    if isinstance(raw, dt.datetime | str):
        return parse_timestamp(raw)
    return None
