"""What the server needs from whatever answers the SQL: the `Backend` protocol and its data classes.

The server speaks to DB-API connections only; a backend says which databases exist, opens a
connection for one, describes the tables for the emulated PostgreSQL catalog, and interrupts a
running statement when a client cancels. `PipedriveBackend` (in `pipedrive.py`) is the real one;
tests plug in a DuckDB-backed one.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any, Protocol

from .types import ColumnType


@dataclass(frozen=True)
class ColumnInfo:
    name: str
    type: ColumnType
    nullable: bool = True
    description: str = ""
    default: str | None = None


@dataclass(frozen=True)
class ForeignKey:
    name: str
    columns: tuple[str, ...]
    ref_table: str
    ref_columns: tuple[str, ...]


@dataclass(frozen=True)
class TableInfo:
    name: str
    columns: tuple[ColumnInfo, ...]
    schema: str = "public"
    kind: str = "table"  # or "view"
    description: str = ""
    primary_key: tuple[str, ...] = ()
    foreign_keys: tuple[ForeignKey, ...] = field(default_factory=tuple)


@dataclass(frozen=True)
class ParameterInfo:
    name: str
    type: ColumnType
    mode: str = "IN"  # IN, OUT, INOUT
    default: str | None = None


@dataclass(frozen=True)
class RoutineInfo:
    """A stored procedure of the backend (the driver's EXEC procedures), listed in pg_proc and
    information_schema.routines / parameters."""

    name: str
    parameters: tuple[ParameterInfo, ...] = ()
    schema: str = "public"
    description: str = ""


class Backend(Protocol):
    """The driver side of the server. Implementations must be safe to call from many threads."""

    #: the DB-API paramstyle of the connections `connect` returns
    paramstyle: str

    def databases(self) -> Sequence[str]:
        """Names clients may put in their startup `database` parameter."""
        ...

    def connect(self, database: str) -> Any:
        """A new PEP 249 connection for one client session."""
        ...

    def tables(self, database: str, connection: Any) -> Sequence[TableInfo]:
        """The tables of a database, read through an open connection of that database."""
        ...

    def interrupt(self, connection: Any, cursor: Any) -> None:
        """Ask a cursor of the connection to stop its running statement (called from another thread)."""
        ...


def routines_of(backend: Any, database: str, connection: Any) -> Sequence[RoutineInfo]:
    """The backend's stored procedures, for backends that have any (`routines` is optional)."""
    method = getattr(backend, "routines", None)
    return list(method(database, connection)) if callable(method) else []
