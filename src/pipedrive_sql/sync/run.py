"""``sync``: replicate tables of a connection into a target, incrementally, one transaction per table.

For each table: the target's state gives the mark of the last committed sync; ``changes_since`` reads what
changed since (a full read the first time, with ``full=True``, when the columns changed, or when the mark is
older than the change feeds answer for); the changes are typed with the table's columns and applied with the
new mark in one transaction. A table that fails is reported and the others go on.

Deleted deals are rows of Deals and ArchivedDeals (``Status = 'deleted'``): a deletion is an upsert. What a
target deletes (or with ``soft_delete`` flags ``_deleted``) are records gone from a table: deleted
persons, organizations..., deals moved to the other deal table, and deleted deals past Pipedrive's 30 days,
found by asking the lists for the deleted deals the target holds (``Target.held_deleted``).
"""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass, field
from typing import Any

import pyarrow as pa

from pipedrive_sql.cache.changes import Changes, cacheable, changes_since, full_read
from pipedrive_sql.catalog.arrow import RowConverter
from pipedrive_sql.catalog.spec import TableSpec
from pipedrive_sql.errors import (
    Blocked,
    ConnectionFailed,
    Error,
    ProgrammingError,
    RateLimited,
    RequestTimeout,
    ServiceUnavailable,
)
from pipedrive_sql.sync.base import Batch, Target, signature_of
from pipedrive_sql.sync.duckdb_target import DuckDBTarget
from pipedrive_sql.sync.parquet_target import ParquetTarget

__all__ = ["TableReport", "default_tables", "open_target", "sync_tables"]

# The tables a sync copies when none are named: every table kept whole (no views, no per-parent reads,
# no field-definition tables).
_SKIPPED_BY_DEFAULT = ("Fields",)
_TEMPORARY = (RateLimited, Blocked, ConnectionFailed, RequestTimeout, ServiceUnavailable)


@dataclass
class TableReport:
    table: str
    mode: str = ""  # full or incremental
    upserted: int = 0
    deleted: int = 0
    rows: int = 0
    requests: int = 0
    tokens: int = 0
    rate_limit_waits: int = 0
    seconds: float = 0.0
    error: str = ""
    temporary: bool = False  # the error may go away by itself (rate limit, network): retry later

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


@dataclass
class Progress:
    """Callbacks a face uses to show a sync as it goes."""

    start: Callable[[str], None] = field(default=lambda name: None)
    done: Callable[[TableReport], None] = field(default=lambda report: None)


def default_tables(catalog: Any) -> list[str]:
    return [
        name
        for name in catalog.table_names()
        if cacheable(catalog.builtin(name)) and not name.endswith(_SKIPPED_BY_DEFAULT)
    ]


def open_target(location: str) -> Target:
    """``postgresql://...`` (or ``postgres://``), a ``.duckdb``/``.db`` file, or else a Parquet folder."""
    lowered = location.lower()
    if lowered.startswith(("postgresql://", "postgres://")):
        from pipedrive_sql.sync.postgres_target import PostgresTarget

        return PostgresTarget(location)
    if lowered.startswith("duckdb:"):
        return DuckDBTarget(location.split(":", 1)[1])
    if lowered.startswith("parquet:"):
        return ParquetTarget(location.split(":", 1)[1])
    if lowered.endswith((".duckdb", ".db", ".ddb")):
        return DuckDBTarget(location)
    return ParquetTarget(location)


def sync_tables(
    connection: Any,
    target: Target,
    tables: Sequence[str] | None = None,
    *,
    full: bool = False,
    soft_delete: bool = False,
    progress: Progress | None = None,
) -> list[TableReport]:
    """Sync ``tables`` (default: every table kept whole) of ``connection`` (a DB-API connection) into
    ``target``; one report per table, failures included (``error`` set)."""
    catalog = connection.catalog
    client = connection.client
    names = [catalog.builtin(n).name for n in tables] if tables else default_tables(catalog)
    for name in names:
        if not cacheable(catalog.builtin(name)):
            raise ProgrammingError(
                f"{name} cannot be synced on its own (it is read per parent record, or is a view over another "
                "table): sync its parent table instead."
            )
    progress = progress or Progress()
    reports = []
    for name in names:
        progress.start(name)
        before = client.counters.snapshot() if hasattr(client, "counters") else None
        try:
            spec = catalog.table(name)  # custom fields: their definitions are read once per connection
        except Error as exc:
            report = TableReport(name, error=str(exc), temporary=isinstance(exc, _TEMPORARY))
        else:
            report = _sync_one(client, spec, target, names, full=full, soft_delete=soft_delete)
            if before is not None:
                spent = client.counters.snapshot() - before
                report.requests, report.tokens = spent.requests, spent.tokens
        progress.done(report)
        reports.append(report)
    return reports


def _sync_one(
    client: Any, spec: TableSpec, target: Target, names: Sequence[str], *, full: bool, soft_delete: bool
) -> TableReport:
    report = TableReport(spec.name)
    started = time.monotonic()
    waits_before = _waits(client)
    try:
        # The rows a table holds are part of what was written: a target synced before Deals held deleted
        # deals (its reveal) is rebuilt once by a full read rather than left without them.
        reveal = ",".join(f"{k}={v}" for k, v in sorted(spec.reveal.items()))
        signature = (
            signature_of(spec.columns) + (f":{reveal}" if reveal else "") + (":soft" if soft_delete else "")
        )
        state = target.state(spec.name)
        mark = None if full or state is None or state.signature != signature else state.mark
        if mark is None:
            changes: Changes = full_read(client, spec)
        else:
            changes = changes_since(client, spec, mark, held=lambda cutoff: target.held_deleted(spec, cutoff))
        rows = _typed(spec, changes.upserts)
        batch = Batch(
            spec,
            rows,
            sorted(changes.deleted_ids, key=str),
            changes.full,
            changes.new_mark,
            signature,
            soft_delete,
        )
        report.rows = target.apply(batch, names)
        report.mode = "full" if changes.full else "incremental"
        report.upserted = rows.num_rows
        report.deleted = len(changes.deleted_ids)
        report.requests, report.tokens = changes.requests, changes.tokens
    except Error as exc:
        report.error = str(exc)
        report.temporary = isinstance(exc, _TEMPORARY)
    report.rate_limit_waits = _waits(client) - waits_before
    report.seconds = round(time.monotonic() - started, 3)
    return report


def _typed(spec: TableSpec, records: list[dict[str, Any]]) -> pa.Table:
    converter = RowConverter(spec.columns)
    batches = [converter.batch(records[i : i + 5000]) for i in range(0, len(records), 5000)]
    return pa.Table.from_batches(batches, schema=converter.schema)


def _waits(client: Any) -> int:
    counters = getattr(client, "counters", None)
    return int(counters.snapshot().rate_limit_waits) if counters is not None else 0
