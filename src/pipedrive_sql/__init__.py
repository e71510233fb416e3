"""pipedrive-sql: SQL over Pipedrive CRM, as a PEP 249 (DB-API 2.0) driver.

    import pipedrive_sql
    with pipedrive_sql.connect(Sandbox=True) as conn:          # or "AuthScheme=Basic;APIToken=...;CompanyDomain=acme"
        cur = conn.cursor()
        cur.execute("SELECT Title, Value FROM Deals WHERE Status = ? ORDER BY UpdateTime DESC LIMIT 10", ["open"])
        print(cur.fetchall(), cur.api_requests, cur.api_tokens)

Thread safety (PEP 249 level 2): threads may share the module and connections, not cursors. Each cursor has
its own DuckDB cursor; the API client, its rate-limit governor and the catalog are shared safely.
"""

from __future__ import annotations

import datetime as _dt
import time as _time
from typing import TYPE_CHECKING, Any

from pipedrive_sql.errors import (
    DatabaseError,
    DataError,
    Error,
    IntegrityError,
    InterfaceError,
    InternalError,
    NotSupportedError,
    OperationalError,
    ProgrammingError,
    Warning,
)

if TYPE_CHECKING:
    from pipedrive_sql.dbapi import Connection, Cursor, connect

__version__ = "0.1.0"

# The driver proper (DuckDB, Arrow, sqlglot) loads on first use, so that commands which never run SQL
# (`pipedrive-sql dsn ...`, `sandbox serve`) and subpackages such as pipedrive_sql.settings start quickly.
_LAZY = {"connect", "Connection", "Cursor"}


def __getattr__(name: str) -> Any:
    if name in _LAZY:
        from pipedrive_sql import dbapi

        value = getattr(dbapi, name)
        globals()[name] = value
        return value
    raise AttributeError(f"module 'pipedrive_sql' has no attribute {name!r}")


def __dir__() -> list[str]:
    return sorted(set(globals()) | _LAZY)


apilevel = "2.0"
threadsafety = 2
paramstyle = "qmark"


class DBAPITypeObject:
    """Compares equal to every DuckDB type name (``cursor.description[i][1]``) of its kind."""

    def __init__(self, name: str, *prefixes: str) -> None:
        self.name = name
        self.prefixes = tuple(p.upper() for p in prefixes)

    def __eq__(self, other: object) -> bool:
        if isinstance(other, DBAPITypeObject):
            return self is other
        if not isinstance(other, str):
            return NotImplemented
        code = other.upper()
        if code.endswith("[]") or code.startswith(("STRUCT", "MAP", "UNION")):
            return False  # lists and structs are none of PEP 249's kinds
        return any(code == p or code.startswith(p + "(") or code.startswith(p + " ") for p in self.prefixes)

    def __ne__(self, other: object) -> bool:
        result = self.__eq__(other)
        return result if result is NotImplemented else not result

    def __hash__(self) -> int:
        return hash(self.name)

    def __repr__(self) -> str:
        return f"<DBAPITypeObject {self.name}>"


STRING = DBAPITypeObject("STRING", "VARCHAR", "CHAR", "BPCHAR", "TEXT", "STRING", "UUID", "JSON", "ENUM")
BINARY = DBAPITypeObject("BINARY", "BLOB", "BYTEA", "VARBINARY", "BIT", "BITSTRING")
NUMBER = DBAPITypeObject(
    "NUMBER",
    "TINYINT",
    "SMALLINT",
    "INTEGER",
    "BIGINT",
    "HUGEINT",
    "UTINYINT",
    "USMALLINT",
    "UINTEGER",
    "UBIGINT",
    "UHUGEINT",
    "FLOAT",
    "REAL",
    "DOUBLE",
    "DECIMAL",
    "NUMERIC",
    "BOOLEAN",
)
DATETIME = DBAPITypeObject("DATETIME", "DATE", "TIME", "TIMESTAMP", "TIMESTAMPTZ", "INTERVAL")
ROWID = DBAPITypeObject("ROWID")  # Pipedrive records have ids, not row ids: nothing compares equal

Date = _dt.date
Time = _dt.time
Timestamp = _dt.datetime


def DateFromTicks(ticks: float) -> _dt.date:  # PEP 249 names these
    return Date(*_time.localtime(ticks)[:3])


def TimeFromTicks(ticks: float) -> _dt.time:
    return Time(*_time.localtime(ticks)[3:6])


def TimestampFromTicks(ticks: float) -> _dt.datetime:
    return Timestamp(*_time.localtime(ticks)[:6])


def Binary(value: Any) -> bytes:
    return bytes(value)


__all__ = [
    "BINARY",
    "DATETIME",
    "NUMBER",
    "ROWID",
    "STRING",
    "Binary",
    "Connection",
    "Cursor",
    "DataError",
    "DatabaseError",
    "Date",
    "DateFromTicks",
    "Error",
    "IntegrityError",
    "InterfaceError",
    "InternalError",
    "NotSupportedError",
    "OperationalError",
    "ProgrammingError",
    "Time",
    "TimeFromTicks",
    "Timestamp",
    "TimestampFromTicks",
    "Warning",
    "apilevel",
    "connect",
    "paramstyle",
    "threadsafety",
]
