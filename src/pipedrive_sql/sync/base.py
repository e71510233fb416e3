"""What every replication target does, and what a sync hands it.

A target keeps, in itself, one state row per table (the mark the next sync starts from and the signature of
the columns it was written with), so a sync killed at any moment resumes from what the target committed.
``apply`` writes one table's batch and its new state in one transaction: a reader never sees half a sync,
and a kill -9 leaves the previous state (the next run repeats that table's batch: upserts by id make the
repeat harmless, so no row is duplicated or lost).
"""

from __future__ import annotations

import hashlib
from abc import ABC, abstractmethod
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import pyarrow as pa

from pipedrive_sql.catalog.spec import Column, TableSpec

__all__ = ["Batch", "ForeignKey", "Target", "TargetState", "deleted_filter", "quote", "signature_of"]

STATE_TABLE = "_pipedrive_sync"
FK_TABLE = "_pipedrive_foreign_keys"
DELETED_COLUMN = "_deleted"  # soft deletes: true once the record is gone from Pipedrive


@dataclass(frozen=True)
class TargetState:
    table: str
    mark: datetime | None
    signature: str
    rows: int


@dataclass(frozen=True)
class ForeignKey:
    column: str
    table: str
    references: str


@dataclass
class Batch:
    """One table's changes, typed: ``rows`` (upserts, the whole table when ``full``) and ``deleted`` ids."""

    spec: TableSpec
    rows: pa.Table
    deleted: list[Any]
    full: bool
    mark: datetime
    signature: str
    soft_delete: bool = False

    @property
    def key(self) -> str:
        column = self.spec.key_column
        assert column is not None
        return column.name

    @property
    def name(self) -> str:
        return self.spec.name

    def foreign_keys(self, synced: Sequence[str]) -> list[ForeignKey]:
        """The catalog's references from this table to tables in the same sync."""
        wanted = {n.lower() for n in synced}
        return [
            ForeignKey(c.name, c.references[0], c.references[1])
            for c in self.spec.columns
            if c.references is not None and c.references[0].lower() in wanted
        ]


def deleted_filter(spec: TableSpec) -> tuple[str, str] | None:
    """The status and update-time columns of a table whose deleted rows expire, else None."""
    status, updated = spec.find_column("Status"), spec.find_column("UpdateTime")
    if status is None or updated is None:
        return None
    return status.name, updated.name


def quote(name: str) -> str:
    """``name`` as a double-quoted SQL identifier (DuckDB and PostgreSQL alike)."""
    return '"' + name.replace('"', '""') + '"'


def signature_of(columns: Sequence[Column]) -> str:
    """Changes when a column is added, renamed, removed or retyped (custom fields): the table is rebuilt."""
    text = "|".join(f"{c.name}:{c.type.arrow}" for c in columns)
    return hashlib.sha256(text.encode()).hexdigest()[:16]


class Target(ABC):
    """A place tables are replicated to."""

    kind = ""

    @abstractmethod
    def state(self, table: str) -> TargetState | None: ...

    @abstractmethod
    def apply(self, batch: Batch, synced: Sequence[str]) -> int:
        """Write ``batch`` and its state in one transaction; the table's row count after."""

    @abstractmethod
    def held_deleted(self, spec: TableSpec, cutoff: datetime) -> list[Any]:
        """The ids of the rows of ``spec`` with ``Status = 'deleted'`` last updated before ``cutoff`` (not
        soft-deleted): the deleted deals that may have passed Pipedrive's 30 days (``changes.Held``)."""

    @abstractmethod
    def describe(self) -> str: ...

    def close(self) -> None:
        return None

    def __enter__(self) -> Target:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()
