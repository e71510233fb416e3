"""The cache of one connection: when a table is answered from the cache, refreshed, or read from the API.

Decisions per table a query reads (``decide``), which EXPLAIN shows:

``hit``          cached and younger than CacheTolerance (or Offline=true): no request.
``refresh``      cached but older (or written to through this driver): an incremental refresh first
                 (``changes_since`` from its mark), then the cache answers.
``full``         never cached (AutoCache=true): the table is read whole once, kept, and answers.
``scan``         the cache does not answer: caching is off, the table is not kept whole (child views,
                 tables read per parent), or a list request of the scan sends a parameter that is not
                 known to narrow the table (a filter_id...). The cached table holds what a read without
                 conditions does, the table's ``reveal`` included (Deals: every status, deleted deals
                 too), so a scan sending the reveal, or a narrower value of it (``status=deleted``), is
                 answered, the engine applying every condition to the cached rows.
``missing``      Offline=true and the table was never cached: the query fails naming it.

Rows cross to the engine as Arrow record batches, converted from the cached records with the columns of the
query's plan (custom fields as the field definitions say now); the engine never sees the file.
"""

from __future__ import annotations

import re
import threading
import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pyarrow as pa

from pipedrive_sql.cache.changes import Changes, cacheable, changes_since, feed_of, full_read, shape_of
from pipedrive_sql.cache.store import CacheStore, TableState
from pipedrive_sql.catalog.arrow import RowConverter
from pipedrive_sql.catalog.catalog import Catalog, FieldsLoader
from pipedrive_sql.catalog.spec import Column, TableSpec
from pipedrive_sql.errors import NotSupportedError, OperationalError, ProgrammingError

__all__ = ["Decision", "TableCache", "cache_file", "open_cache"]

HIT, REFRESH, FULL, SCAN, MISSING = "hit", "refresh", "full", "scan", "missing"

# Parameters that only narrow a table's default list: a scan using nothing else reads a subset of the
# cached table, so the cache (with every condition still applied by the engine) gives the same rows.
_NARROWING = frozenset(
    {
        "ids",
        "owner_id",
        "person_id",
        "org_id",
        "pipeline_id",
        "stage_id",
        "deal_id",
        "lead_id",
        "product_id",
        "user_id",
        "done",
        "updated_since",
        "updated_until",
        "sort_by",
        "sort_direction",
        "sort",
    }
)
_PAGE_NOTE = "page of changed records"
_FEED_REQUESTS = {"deal_status": 2, "recents": 2, "recents_ids": 1}


@dataclass(frozen=True)
class Decision:
    kind: str  # hit, refresh, full, scan, missing
    note: str
    requests: int | None = None  # at least this many requests (None: depends on the data)

    def describe(self) -> str:
        text = f"{self.kind}: {self.note}" if self.note else self.kind
        if self.kind == REFRESH and self.requests:
            text += f" (at least {self.requests} requests, one per {_PAGE_NOTE})"
        return text


def cache_file(settings: Mapping[str, Any], base_url: str = "") -> Path:
    """The cache database of the company the settings point at (CacheLocation: folder or .duckdb file)."""
    location = settings.get("CacheLocation")
    if location and str(location).lower().endswith((".duckdb", ".db")):
        return Path(str(location)).expanduser()
    if location:
        folder = Path(str(location)).expanduser()
    else:
        import platformdirs

        folder = Path(platformdirs.user_cache_dir("pipedrive-sql")) / "cache"
    return folder / f"{_company_key(settings, base_url)}.duckdb"


def _company_key(settings: Mapping[str, Any], base_url: str) -> str:
    if settings.get("CompanyDomain"):
        key = str(settings["CompanyDomain"])
    elif settings.get("Sandbox"):
        key = f"sandbox-seed{settings.get('SandboxSeed')}-scale{settings.get('SandboxScale')}"
    else:
        key = re.sub(r"^https?://", "", base_url or "default")
    return re.sub(r"[^A-Za-z0-9._-]+", "_", key).strip("_") or "default"


class TableCache:
    """Caching for one connection. The file is opened on first use (a connection that never caches never
    creates it)."""

    def __init__(self, settings: Mapping[str, Any], client: Any, *, base_url: str = "") -> None:
        self.auto = bool(settings.get("AutoCache"))
        self.offline = bool(settings.get("Offline"))
        self.metadata = bool(settings.get("CacheMetadata"))
        self.tolerance = float(settings.get("CacheTolerance") or 0)
        self.path = cache_file(settings, base_url)
        self.client = client
        self._store: CacheStore | None = None
        self._lock = threading.RLock()
        self.requests = 0  # requests made by refreshes (tests and EXPLAIN ANALYZE-like reports)

    @property
    def answers_queries(self) -> bool:
        return self.auto or self.offline

    @property
    def store(self) -> CacheStore:
        with self._lock:
            if self._store is None:
                self._store = CacheStore(self.path)
            return self._store

    def close(self) -> None:
        with self._lock:
            if self._store is not None:
                self._store.close()
                self._store = None

    # -- field definitions ------------------------------------------------------------------------------

    def fields_loader(self, fetch: FieldsLoader) -> FieldsLoader:
        """A loader that keeps definitions in the cache: Offline and CacheMetadata read them from there,
        AutoCache while they are younger than CacheTolerance."""

        def load(entity: str) -> Sequence[Mapping[str, Any]]:
            kept = self.store.fields(entity) if (self.answers_queries or self.metadata) else None
            if kept is not None:
                definitions, fetched_at = kept
                if self.offline or self.metadata or time.time() - fetched_at <= self.tolerance:
                    return definitions
            if self.offline:
                return []  # the query fails with the tables never cached named (``readers``)
            fresh = list(fetch(entity))
            if self.answers_queries or self.metadata:
                self.store.put_fields(entity, fresh)
            return fresh

        return load

    # -- decisions ----------------------------------------------------------------------------------------

    def decide(self, scan: Any) -> Decision:
        """What happens to ``scan`` (an ``engine.plan.ScanPlan``) with this connection's settings."""
        spec: TableSpec = scan.table
        if not self.answers_queries:
            return Decision(SCAN, "AutoCache is off")
        why = _not_answerable(scan)
        if why:
            return Decision(MISSING if self.offline else SCAN, why)
        state = self.store.state(spec.name)
        if state is None:
            if self.offline:
                return Decision(MISSING, "Offline=true and the table was never cached", 0)
            return Decision(FULL, "never cached: the table is read whole once, then kept")
        if self.offline:
            return Decision(HIT, f"offline; cached {_age(state)} ago")
        if state.shape != shape_of(spec):
            return Decision(FULL, "kept by a version that read the table differently: read whole again")
        if not state.stale and state.age() <= self.tolerance:
            return Decision(HIT, f"cached {_age(state)} ago (CacheTolerance={int(self.tolerance)})", 0)
        feed = feed_of(spec)
        if not feed:
            return Decision(REFRESH, "older than CacheTolerance; no change feed: read whole again")
        return Decision(
            REFRESH,
            f"older than CacheTolerance: incremental refresh through the {feed} feed",
            _FEED_REQUESTS[feed],
        )

    # -- answering scans ----------------------------------------------------------------------------------

    def readers(self, scans: Sequence[Any]) -> dict[str, pa.RecordBatchReader]:
        """Readers for the scans the cache answers (by scan name), refreshing tables first as needed.
        Offline: every scan must be answered, or an OperationalError names the tables never cached."""
        if not self.answers_queries or not scans:
            return {}
        decisions = [(scan, self.decide(scan)) for scan in scans]
        missing = sorted({s.table.name for s, d in decisions if d.kind == MISSING})
        if missing:
            reasons = {d.note for _, d in decisions if d.kind == MISSING}
            raise OperationalError(
                f"Offline=true: no cached copy of {', '.join(missing)} ({'; '.join(sorted(reasons))}). "
                f"Connect once online with AutoCache=true, or run CACHE {missing[0]}, then query offline again."
            )
        refreshed: set[str] = set()
        out: dict[str, pa.RecordBatchReader] = {}
        for scan, decision in decisions:
            if decision.kind == SCAN:
                continue
            name = scan.table.name
            if decision.kind in (REFRESH, FULL) and name not in refreshed:
                self.refresh(scan.table)
                refreshed.add(name)
            out[scan.name] = self._reader(name, scan.columns)
        return out

    def _reader(self, name: str, columns: Sequence[Column]) -> pa.RecordBatchReader:
        converter = RowConverter(columns)
        return converter.reader(self.store.records(name))

    # -- refreshing ---------------------------------------------------------------------------------------

    def refresh(self, spec: TableSpec, *, full: bool = False) -> Changes:
        """Bring the cached copy of ``spec`` up to date (incrementally from its mark unless ``full``)."""
        if self.offline:
            raise OperationalError(f"Offline=true: {spec.name} cannot be refreshed without the API.")
        if not cacheable(spec):
            raise NotSupportedError(
                f"{spec.name} is not kept in the cache (it is read per parent record or is a view over "
                "another table): cache its parent table instead."
            )
        with self._lock:
            state = self.store.state(spec.name)
            reshaped = state is not None and state.shape != shape_of(spec)
            mark = None if full or state is None or reshaped else state.mark
            if mark is None:
                changes = full_read(self.client, spec)
            else:
                store = self.store
                changes = changes_since(
                    self.client, spec, mark, held=lambda cutoff: store.held_deleted(spec.name, cutoff)
                )
            if reshaped:
                changes.notes.append(
                    "the copy was kept by a version that read the table differently: read whole"
                )
            self.store.apply(changes, shape_of(spec))
            self.requests += changes.requests
            return changes

    def invalidate(self, name: str) -> None:
        """A write through this connection changed ``name``: the next read refreshes it first."""
        if self._store is None and not self.path.exists():
            return
        self.store.mark_stale(name)

    def cached(self) -> list[TableState]:
        return self.store.states()

    # -- CACHE and REPLICATE ------------------------------------------------------------------------------

    def run_statement(self, command: Any, catalog: Catalog) -> pa.Table:
        """``CACHE``/``REPLICATE`` (see ``engine.parse.CacheCommand``): one row per table refreshed."""
        if self.offline:
            raise OperationalError(f"Offline=true: {command.verb} needs the API; connect without Offline.")
        names = list(command.tables) or [s.name for s in self.cached()]
        if not names:
            raise ProgrammingError(
                f"{command.verb} without a table name refreshes the tables already cached, and there are none: "
                f"name one ({command.verb} Deals)."
            )
        rows = []
        for name in names:
            spec = catalog.table(name)
            if command.drop_existing:
                self.store.drop(spec.name)
            for entity in filter(None, [spec.custom_entity]):
                self.store.put_fields(entity, catalog.field_definitions(entity))
            state_before = self.store.state(spec.name)
            changes = self.refresh(spec, full=command.truncate or command.drop_existing)
            after = self.store.state(spec.name)
            rows.append(
                {
                    "TableName": spec.name,
                    "Mode": "full" if changes.full else "incremental",
                    "Upserted": len(changes.upserts),
                    "Deleted": len(changes.deleted_ids) if state_before is not None else 0,
                    "Rows": after.rows if after is not None else 0,
                    "Requests": changes.requests,
                    "Tokens": changes.tokens,
                }
            )
        return pa.Table.from_pylist(
            rows,
            schema=pa.schema(
                [
                    ("TableName", pa.string()),
                    ("Mode", pa.string()),
                    ("Upserted", pa.int64()),
                    ("Deleted", pa.int64()),
                    ("Rows", pa.int64()),
                    ("Requests", pa.int64()),
                    ("Tokens", pa.int64()),
                ]
            ),
        )


def _not_answerable(scan: Any) -> str:
    """Why the cached table cannot stand in for ``scan`` ("" when it can)."""
    spec: TableSpec = scan.table
    if not cacheable(spec) or scan.parent is not None or scan.explode:
        return f"{spec.name} is not kept whole in the cache (read per parent record, or a view)"
    allowed = _NARROWING | set(spec.fixed_params)
    for call in scan.calls:
        if call.single:
            continue
        for key, revealed in spec.reveal.items():
            # The cached table holds every value of the reveal; a list read without it would read fewer
            # rows than the table holds (the API's default hides them), which the engine cannot tell.
            value = call.params.get(key)
            if value is None or not set(str(value).split(",")) <= set(revealed.split(",")):
                return f"the query reads other rows than the cached table holds ({key}={value})"
        for key, value in call.params.items():
            if key not in allowed and key not in spec.reveal:
                return f"the query reads other rows than the cached table holds ({key}={value})"
    return ""


def _age(state: TableState) -> str:
    seconds = int(state.age())
    return f"{seconds} s" if seconds < 120 else f"{seconds // 60} min"


def open_cache(settings: Mapping[str, Any], client: Any, *, base_url: str = "") -> TableCache:
    return TableCache(settings, client, base_url=base_url)
