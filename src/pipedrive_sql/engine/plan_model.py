"""The plan as data: what ``plan_query`` answers and ``scan``, EXPLAIN and the tests read.

A ``QueryPlan`` holds the rewritten SQL and one ``ScanPlan`` per table reference; a ``ScanPlan`` holds the
``Call``s (request sequences) that read it, and optionally a ``KeyFeed`` (ids learnt at run time).
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

from sqlglot import exp

from pipedrive_sql.catalog.spec import Column, TableSpec
from pipedrive_sql.engine.ranges import Stop

__all__ = ["Call", "KeyFeed", "QueryPlan", "ScanPlan", "SystemRef"]


@dataclass(frozen=True)
class Call:
    """One request sequence: a GET of one record (``single``), or a paged list read."""

    path: str
    params: Mapping[str, str] = field(default_factory=dict)
    single: bool = False
    max_records: int | None = None
    parent_id: Any = None  # stamped on each record as ``_parent_id`` (rows of /deals/{id}/participants)
    template: str = ""  # the path template (/api/v2/deals/{id}) for display and cost
    stop: Stop | None = None  # paging (in the API's sort order) ends at the first record past this bound

    @property
    def operation(self) -> str:
        return f"GET {self.template or self.path}"


@dataclass(frozen=True)
class KeyFeed:
    """Ids learnt at run time that narrow a scan to ``param`` requests (``ids``: ``batch`` a request), from
    the other side of a join (``source``'s records, field ``source_key``) or from a search (``search``'s
    items). The scan's own ``calls`` stay the fallback when there are more than ``max_keys``.
    See ``engine/joinkeys.py`` and ``engine/search.py``."""

    param: str
    batch: int
    max_keys: int
    source: ScanPlan | None = None
    source_key: str = ""
    search: Call | None = None
    note: str = ""  # for EXPLAIN: where the ids come from
    # read whole besides the keyed requests: the records the ids cannot reach (Deals' deleted deals,
    # which no search finds); a record both bring is kept once
    also: Call | None = None


@dataclass
class ScanPlan:
    """How one table reference is read. ``calls`` are known in advance; with ``parent`` set, the calls
    are made from the ids the parent scan yields (``DealProducts`` without a DealId condition)."""

    name: str  # the name the reader is registered under in DuckDB
    table: TableSpec
    alias: str
    columns: tuple[Column, ...]
    calls: tuple[Call, ...] = ()
    parent: ScanPlan | None = None
    explode: str = ""  # list key whose elements are this table's rows (PersonEmails: "emails")
    pushed: tuple[str, ...] = ()
    residual: tuple[str, ...] = ()
    limit: int | None = None  # records per call when a LIMIT is pushed
    order: str = ""  # "UpdateTime DESC" when ORDER BY is pushed
    exact: bool = False  # the API evaluates every WHERE conjunct of the reference's SELECT exactly
    empty: bool = False  # the conditions contradict each other: no request at all
    page_size: int = 500
    visible: Callable[[Mapping[str, Any]], bool] | None = None  # re-applied to records read by GET
    keys: KeyFeed | None = None  # ids learnt at run time (join keys, a search) that replace ``calls``

    @property
    def bounded(self) -> bool:
        """True when the number of requests is known before running (no unbounded paging)."""
        if self.empty:
            return True
        if self.parent is not None or self.keys is not None:
            return False
        return all(c.single or c.max_records is not None or not self.table.paged for c in self.calls)

    def estimated_requests(self) -> int | None:
        """Requests this scan makes at least (exact when ``bounded``); None when it depends on the data."""
        if self.empty:
            return 0
        if self.parent is not None or self.keys is not None:
            return None
        total = 0
        for call in self.calls:
            if call.single or not self.table.paged:
                total += 1
            elif call.max_records is not None:
                total += max(1, math.ceil(call.max_records / self.page_size)) if call.max_records else 0
            else:
                return None
        return total

    def minimum_requests(self) -> int:
        if self.empty:
            return 0
        known = self.estimated_requests()
        if known is not None:
            return known
        return len(self.calls) if self.calls else 1

    def describe_calls(self) -> list[str]:
        described = [
            f"{c.operation}{_query_text(c.params)}{f' ({c.stop.describe()})' if c.stop else ''}"
            for c in self.calls
        ]
        if self.keys is not None:
            return [f"{self.keys.note}; otherwise:", *described]
        return described


@dataclass
class SystemRef:
    name: str
    table: str


@dataclass
class QueryPlan:
    tree: exp.Expression  # rewritten: table references renamed to the registered scans
    scans: list[ScanPlan]
    system: list[SystemRef]

    @property
    def sql(self) -> str:
        return self.tree.sql(dialect="duckdb")


def _query_text(params: Mapping[str, str]) -> str:
    if not params:
        return ""
    return "?" + "&".join(f"{k}={v}" for k, v in params.items())
