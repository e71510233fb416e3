"""The cache file: one DuckDB database per company, opened by the driver in its own connection.

Tables in it (never reachable from user SQL: the engine's DuckDB has no file access, and rows cross to it
as Arrow):

``_pd_tables``   one row per cached table: its mark (the server clock the next refresh starts from), when
                 it was last refreshed (local clock, for CacheTolerance), rows, and ``stale`` (set by a
                 write through the driver, so the next read refreshes whatever its age).
``_pd_fields``   field definitions per entity (``deal``, ``person``...) as the API returned them.
``r_<table>``    the table's records as the API returned them (``id`` text, ``body`` JSON). Columns are made
                 when a query reads them, from the field definitions of that moment: a custom field added,
                 renamed or removed between refreshes shows in the next query with no re-read.

Every refresh of a table is one transaction: a reader never sees half of one, and a process killed in the
middle leaves the previous state.
"""

from __future__ import annotations

import re
import threading
import time
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

import duckdb
import orjson
import pyarrow as pa

from pipedrive_sql.cache.changes import Changes, held_before, record_key
from pipedrive_sql.errors import OperationalError

__all__ = ["CacheStore", "TableState"]

_SCHEMA = """
CREATE TABLE IF NOT EXISTS _pd_tables (
    name VARCHAR PRIMARY KEY,
    mark TIMESTAMPTZ,
    refreshed_at DOUBLE,
    full_at DOUBLE,
    rows BIGINT,
    stale BOOLEAN DEFAULT false
);
ALTER TABLE _pd_tables ADD COLUMN IF NOT EXISTS shape VARCHAR;
CREATE TABLE IF NOT EXISTS _pd_fields (
    entity VARCHAR PRIMARY KEY,
    definitions VARCHAR,
    fetched_at DOUBLE
);
"""
READ_BATCH = 5000


@dataclass(frozen=True)
class TableState:
    name: str
    mark: datetime | None
    refreshed_at: float
    full_at: float
    rows: int
    stale: bool
    shape: str = ""  # how the table was read (changes.shape_of); "" in files older than the column

    def age(self, now: float | None = None) -> float:
        return max(0.0, (now if now is not None else time.time()) - self.refreshed_at)


def _raw_table(name: str) -> str:
    return '"r_' + re.sub(r"[^a-z0-9_]", "_", name.lower()) + '"'


class CacheStore:
    """The cache database of one company. Thread-safe (one lock around the connection)."""

    def __init__(self, path: Path) -> None:
        self.path = path
        path.parent.mkdir(parents=True, exist_ok=True)
        try:
            self._con = duckdb.connect(str(path))
        except duckdb.IOException as exc:
            raise OperationalError(
                f"The cache file {path} cannot be opened ({_first_line(exc)}). Another process may be using it: "
                "close it, or set CacheLocation to another folder."
            ) from None
        self._lock = threading.RLock()
        with self._lock:
            self._con.execute(_SCHEMA)

    def close(self) -> None:
        with self._lock:
            try:
                self._con.close()
            except duckdb.Error:
                pass

    # -- tables -------------------------------------------------------------------------------------------

    def state(self, name: str) -> TableState | None:
        with self._lock:
            row = self._con.execute(
                "SELECT name, mark, refreshed_at, full_at, rows, stale, shape FROM _pd_tables WHERE name = ?",
                [name.lower()],
            ).fetchone()
        if row is None:
            return None
        return TableState(
            row[0],
            row[1],
            float(row[2] or 0),
            float(row[3] or 0),
            int(row[4] or 0),
            bool(row[5]),
            str(row[6] or ""),
        )

    def states(self) -> list[TableState]:
        with self._lock:
            names = [r[0] for r in self._con.execute("SELECT name FROM _pd_tables ORDER BY name").fetchall()]
        return [s for s in (self.state(n) for n in names) if s is not None]

    def apply(self, changes: Changes, shape: str = "") -> int:
        """Write a read's changes (and the new mark) in one transaction; the table's row count after.
        ``shape``: how the table was read (``changes.shape_of``), kept with it."""
        table = _raw_table(changes.table)
        keys = [record_key(r.get("id")) for r in changes.upserts]
        bodies = [orjson.dumps(r).decode() for r in changes.upserts]
        upserts = pa.table({"id": pa.array(keys, pa.string()), "body": pa.array(bodies, pa.string())})
        gone = pa.table({"id": pa.array([record_key(i) for i in changes.deleted_ids], pa.string())})
        now = time.time()
        with self._lock:
            con = self._con.cursor()
            try:
                con.execute("BEGIN TRANSACTION")
                con.execute(f"CREATE TABLE IF NOT EXISTS {table} (id VARCHAR, body VARCHAR)")
                con.register("__upserts", upserts)
                con.register("__gone", gone)
                if changes.full:
                    con.execute(f"DELETE FROM {table}")
                else:
                    con.execute(f"DELETE FROM {table} WHERE id IN (SELECT id FROM __upserts)")
                    con.execute(f"DELETE FROM {table} WHERE id IN (SELECT id FROM __gone)")
                con.execute(f"INSERT INTO {table} SELECT id, body FROM __upserts")
                rows = int(con.execute(f"SELECT count(*) FROM {table}").fetchone()[0])  # type: ignore[index]
                previous = con.execute(
                    "SELECT full_at FROM _pd_tables WHERE name = ?", [changes.table.lower()]
                ).fetchone()
                full_at = now if changes.full or previous is None else float(previous[0] or 0)
                con.execute("DELETE FROM _pd_tables WHERE name = ?", [changes.table.lower()])
                con.execute(
                    "INSERT INTO _pd_tables (name, mark, refreshed_at, full_at, rows, stale, shape) "
                    "VALUES (?, ?, ?, ?, ?, false, ?)",
                    [changes.table.lower(), changes.new_mark, now, full_at, rows, shape],
                )
                con.execute("COMMIT")
            except BaseException:
                try:
                    con.execute("ROLLBACK")
                except duckdb.Error:
                    pass
                raise
            finally:
                con.close()
        return rows

    def mark_stale(self, name: str) -> None:
        with self._lock:
            self._con.execute("UPDATE _pd_tables SET stale = true WHERE name = ?", [name.lower()])

    def drop(self, name: str) -> None:
        with self._lock:
            self._con.execute(f"DROP TABLE IF EXISTS {_raw_table(name)}")
            self._con.execute("DELETE FROM _pd_tables WHERE name = ?", [name.lower()])

    def records(self, name: str) -> Iterator[list[dict[str, Any]]]:
        """The cached records of ``name``, in pages (read in one snapshot, decoded lazily)."""
        with self._lock:
            con = self._con.cursor()
            try:
                bodies = con.sql(f"SELECT body FROM {_raw_table(name)}").to_arrow_table().column(0)
            finally:
                con.close()
        for i in range(0, len(bodies), READ_BATCH):
            chunk = bodies.slice(i, READ_BATCH).to_pylist()
            yield [orjson.loads(b) for b in chunk]

    def held_deleted(self, name: str, cutoff: datetime) -> list[Any]:
        """The ids of the cached deleted records of ``name`` last updated before ``cutoff`` (``Held``)."""
        if self.state(name) is None:
            return []
        with self._lock:
            con = self._con.cursor()
            try:
                bodies = con.sql(
                    f'SELECT body FROM {_raw_table(name)} WHERE body LIKE \'%"status":"deleted"%\' '
                    "OR body LIKE '%\"is_deleted\":true%'"
                ).fetchall()
            finally:
                con.close()
        return held_before((orjson.loads(b[0]) for b in bodies), cutoff)

    # -- field definitions --------------------------------------------------------------------------------

    def fields(self, entity: str) -> tuple[list[dict[str, Any]], float] | None:
        with self._lock:
            row = self._con.execute(
                "SELECT definitions, fetched_at FROM _pd_fields WHERE entity = ?", [entity]
            ).fetchone()
        if row is None:
            return None
        return list(orjson.loads(row[0])), float(row[1] or 0)

    def put_fields(self, entity: str, definitions: Sequence[Any]) -> None:
        body = orjson.dumps(list(definitions)).decode()
        with self._lock:
            con = self._con.cursor()
            try:
                con.execute("BEGIN TRANSACTION")
                con.execute("DELETE FROM _pd_fields WHERE entity = ?", [entity])
                con.execute("INSERT INTO _pd_fields VALUES (?, ?, ?)", [entity, body, time.time()])
                con.execute("COMMIT")
            except BaseException:
                try:
                    con.execute("ROLLBACK")
                except duckdb.Error:
                    pass
                raise
            finally:
                con.close()


def _first_line(exc: BaseException) -> str:
    return str(exc).splitlines()[0] if str(exc) else type(exc).__name__
