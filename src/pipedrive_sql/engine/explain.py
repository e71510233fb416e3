"""EXPLAIN: the API plan of a query, one row per table reference.

Columns: the table and alias, the requests (each API call with its parameters), the conditions the API
evaluates and those left to the engine, the columns read, whether ORDER BY and LIMIT were pushed, the
estimated requests and tokens (NULL when they depend on how many records there are: then ``Notes`` gives
the rate), and the SQL DuckDB runs.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pyarrow as pa

from pipedrive_sql.engine.plan_model import QueryPlan, ScanPlan

__all__ = ["explain_rows", "explain_table"]

_COLUMNS: tuple[tuple[str, pa.DataType], ...] = (
    ("TableName", pa.string()),
    ("Alias", pa.string()),
    ("Requests", pa.list_(pa.string())),
    ("PushedPredicates", pa.list_(pa.string())),
    ("EnginePredicates", pa.list_(pa.string())),
    ("Columns", pa.list_(pa.string())),
    ("OrderBy", pa.string()),
    ("RecordLimit", pa.int64()),
    ("EstimatedRequests", pa.int64()),
    ("EstimatedTokens", pa.int64()),
    ("Notes", pa.string()),
    ("EngineSQL", pa.string()),
    ("Cache", pa.string()),
)

# scan -> what the cache does with it (``pipedrive_sql.cache.TableCache.decide``)
CacheDecider = Callable[[ScanPlan], Any]


def explain_rows(plan: QueryPlan, cache: CacheDecider | None = None) -> list[dict[str, object]]:
    rows = [_scan_row(scan, plan.sql) for scan in plan.scans]
    for row, scan in zip(rows, plan.scans, strict=True):
        decision = cache(scan) if cache is not None else None
        row["Cache"] = "scan: caching is off" if decision is None else decision.describe()
        if decision is not None and decision.kind in ("hit", "missing"):
            row["EstimatedRequests"], row["EstimatedTokens"] = 0, 0  # the cache answers (or nothing runs)
        elif decision is not None and decision.kind in ("refresh", "full"):
            row["EstimatedRequests"], row["EstimatedTokens"] = decision.requests, None
    for ref in plan.system:
        rows.append(
            {
                "TableName": ref.table,
                "Alias": ref.table,
                "Requests": [],
                "PushedPredicates": [],
                "EnginePredicates": [],
                "Columns": [],
                "OrderBy": None,
                "RecordLimit": None,
                "EstimatedRequests": 0,
                "EstimatedTokens": 0,
                "Notes": "metadata table: no API request (sys_tablecolumns reads each entity's fields once)",
                "EngineSQL": plan.sql,
                "Cache": "",
            }
        )
    return rows


def explain_table(plan: QueryPlan, cache: CacheDecider | None = None) -> pa.Table:
    rows = explain_rows(plan, cache)
    return pa.table({name: pa.array([r[name] for r in rows], type=t) for name, t in _COLUMNS})


def _scan_row(scan: ScanPlan, sql: str) -> dict[str, object]:
    from pipedrive_sql.api.operations import token_cost

    requests = scan.estimated_requests()
    tokens = None
    if requests is not None:
        tokens = sum(token_cost("GET", c.path) * _pages(scan, c.max_records, c.single) for c in scan.calls)
    return {
        "TableName": scan.table.name,
        "Alias": scan.alias,
        "Requests": _requests(scan),
        "PushedPredicates": list(scan.pushed),
        "EnginePredicates": list(scan.residual),
        "Columns": [c.name for c in scan.columns],
        "OrderBy": scan.order or None,
        "RecordLimit": scan.limit,
        "EstimatedRequests": requests,
        "EstimatedTokens": tokens,
        "Notes": _notes(scan),
        "EngineSQL": sql,
    }


def _pages(scan: ScanPlan, max_records: int | None, single: bool) -> int:
    if single or not scan.table.paged:
        return 1
    if max_records is None:
        return 1
    return max(1, -(-max_records // scan.page_size)) if max_records else 0


def _requests(scan: ScanPlan) -> list[str]:
    described = scan.describe_calls()
    if scan.parent is not None:
        source = scan.table.source
        assert source is not None
        described = [f"(ids from) {line}" for line in scan.parent.describe_calls()] + [
            f"GET {scan.table.endpoint}?{source.param}=<{source.batch} {source.table} ids per request>"
            if source.param
            else f"GET {scan.table.endpoint} for each {source.table[:-1].lower()}"
        ]
    return described


def _notes(scan: ScanPlan) -> str:
    notes: list[str] = []
    if scan.empty:
        notes.append("the conditions exclude every record: no request")
    if scan.explode:
        notes.append(f"one row per element of {scan.explode}")
    revealed = _revealed(scan)
    if revealed:
        notes.append(f"rows the API hides by default are read too ({revealed}; docs/tables.md)")
    if scan.parent is not None and len(scan.parent.calls) > 1:
        notes.append(f"parents read in {len(scan.parent.calls)} streams, one per table")
    if scan.estimated_requests() is None and not scan.empty:
        notes.append(f"one request per {scan.page_size} records read")
    if scan.exact and not scan.empty:
        notes.append("every condition is evaluated by the API")
    return "; ".join(notes)


def _revealed(scan: ScanPlan) -> str:
    """The parameters revealing hidden rows that this scan's calls send (none when a condition narrowed them)."""
    sent = {k: v for c in scan.calls for k, v in scan.table.reveal.items() if c.params.get(k) == v}
    return "&".join(f"{k}={v}" for k, v in sent.items())
