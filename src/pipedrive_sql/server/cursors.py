"""FETCH and MOVE in every direction PostgreSQL has, for cursors declared SCROLL.

A SCROLL cursor (`DECLARE c SCROLL CURSOR FOR ...`; psycopg's `scrollable=True`) keeps the rows it has
read, so that it can go back (`FETCH PRIOR`, `MOVE ABSOLUTE 3`, `FETCH BACKWARD 5`, `FETCH LAST`). A cursor
without SCROLL streams, as most cursors should, and refuses to go back with PostgreSQL's error (55000).

Positions are PostgreSQL's: 0 is before the first row, k is on row k, count+1 is after the last.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from .errors import PgError
from .results import BATCH_ROWS, Result, StaticResult

_DIRECTION = (
    r"NEXT|PRIOR|FIRST|LAST|ABSOLUTE\s+[+-]?\d+|RELATIVE\s+[+-]?\d+|ALL|[+-]?\d+"
    r"|FORWARD(?:\s+(?:ALL|[+-]?\d+))?|BACKWARD(?:\s+(?:ALL|[+-]?\d+))?"
)
STATEMENT = re.compile(
    rf"^(FETCH|MOVE)\s+(?:({_DIRECTION})\s+)?(?:FROM\s+|IN\s+)?(\"(?:[^\"]|\"\")+\"|[\w$]+)$", re.I
)

ALL = 1 << 62  # FETCH ALL: more rows than any result has


@dataclass(frozen=True)
class Direction:
    """`absolute`: go to row `count` (negative: from the end); otherwise step `count` rows (negative:
    backward; ALL is a very large count), returning each row passed (FETCH) or counting them (MOVE)."""

    absolute: bool
    count: int
    single: bool = False  # RELATIVE n: only the row arrived at, not those on the way

    @property
    def forward_only(self) -> bool:
        return not self.absolute and not self.single and self.count >= 0


def direction(text: str | None) -> Direction:
    words = (text or "NEXT").upper().split()
    head, arg = words[0], words[1] if len(words) > 1 else None

    def number(default: int) -> int:
        if arg is None:
            return default
        return ALL if arg == "ALL" else int(arg)

    if head == "NEXT":
        return Direction(False, 1)
    if head == "PRIOR":
        return Direction(False, -1)
    if head == "FIRST":
        return Direction(True, 1)
    if head == "LAST":
        return Direction(True, -1)
    if head == "ABSOLUTE":
        return Direction(True, number(1))
    if head == "RELATIVE":
        return Direction(False, number(1), single=True)
    if head == "ALL":
        return Direction(False, ALL)
    if head == "FORWARD":
        step = number(1)
    elif head == "BACKWARD":
        step = -number(1)
    else:
        step = int(head)
    # FETCH 0 (FORWARD 0, BACKWARD 0) fetches the current row again, as RELATIVE 0 does
    return Direction(False, step, single=True) if step == 0 else Direction(False, step)


def refuse_backward() -> PgError:
    return PgError(
        "55000", "cursor can only scan forward", hint="Declare it with SCROLL option to enable backward scan."
    )


class ScrollCursor(Result):
    """A declared SCROLL cursor: the source's rows, read as far as a FETCH or MOVE needs, kept."""

    def __init__(self, source: Result) -> None:
        self.source = source
        self.columns = source.columns
        self.rows: list[Sequence[Any]] = []
        self.position = 0
        self._complete = False

    def _read_to(self, wanted: int) -> None:
        """Read the source until it has `wanted` rows (or is exhausted)."""
        while not self._complete and len(self.rows) < wanted:
            batch = self.source.fetch(BATCH_ROWS)
            if not batch:
                self._complete = True
                break
            self.rows.extend(tuple(row) for row in batch)

    def _total(self) -> int:
        self._read_to(ALL)
        return len(self.rows)

    def _exists(self, row: int) -> bool:
        if row < 1:
            return False
        self._read_to(row)
        return row <= len(self.rows)

    def run(self, how: Direction, *, fetch: bool) -> Result:
        """FETCH (rows) or MOVE (a count) in direction `how`."""
        if how.absolute or how.single:
            target = how.count if not how.absolute or how.count >= 0 else self._total() + 1 + how.count
            if how.single:
                target = self.position + how.count
            if target <= 0:
                self.position, rows = 0, []
            elif self._exists(target):
                self.position, rows = target, [self.rows[target - 1]]
            else:
                self.position, rows = len(self.rows) + 1, []
        elif how.count > 0:
            end = self.position + how.count
            self._read_to(end)
            rows = self.rows[self.position : end]
            self.position = end if len(rows) == how.count else len(self.rows) + 1
        else:
            back = -how.count
            low, high = max(1, self.position - back), self.position - 1
            rows = list(reversed(self.rows[low - 1 : high])) if high >= low else []
            self.position = self.position - back if len(rows) == back else 0
        if fetch:
            return StaticResult(list(self.columns or []), list(rows), f"FETCH {len(rows)}")
        return _Moved(len(rows))

    def fetch(self, n: int) -> Sequence[Any]:
        moved = self.run(Direction(False, n), fetch=True)
        return moved.fetch(n)

    def close(self) -> None:
        self.source.close()


class _Moved(Result):
    def __init__(self, count: int) -> None:
        self.count = count

    def tag(self, rows_sent: int) -> str:
        return f"MOVE {self.count}"
