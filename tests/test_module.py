"""The PEP 249 module surface of ``pipedrive_sql`` (the public API, as httpx asserts its own)."""

from __future__ import annotations

import datetime as dt
import inspect

import pipedrive_sql
from pipedrive_sql import errors

SURFACE = {
    "BINARY", "DATETIME", "NUMBER", "ROWID", "STRING",
    "Binary", "Date", "DateFromTicks", "Time", "TimeFromTicks", "Timestamp", "TimestampFromTicks",
    "Connection", "Cursor", "connect", "apilevel", "paramstyle", "threadsafety",
    "Warning", "Error", "InterfaceError", "DatabaseError", "DataError", "OperationalError", "IntegrityError",
    "InternalError", "ProgrammingError", "NotSupportedError",
}  # fmt: skip


def test_all_is_the_surface() -> None:
    assert set(pipedrive_sql.__all__) == SURFACE
    for name in SURFACE:
        assert hasattr(pipedrive_sql, name), name


def test_globals() -> None:
    assert pipedrive_sql.apilevel == "2.0"
    assert pipedrive_sql.threadsafety == 2
    assert pipedrive_sql.paramstyle == "qmark"


def test_connect_signature() -> None:
    params = inspect.signature(pipedrive_sql.connect).parameters
    assert list(params) == ["connection_string", "dsn", "properties"]
    assert params["dsn"].kind is inspect.Parameter.KEYWORD_ONLY
    assert params["properties"].kind is inspect.Parameter.VAR_KEYWORD


def test_exception_hierarchy_is_pep_249() -> None:
    m = pipedrive_sql
    assert issubclass(m.Warning, Exception) and issubclass(m.Error, Exception)
    assert not issubclass(m.Warning, m.Error)
    assert issubclass(m.InterfaceError, m.Error)
    assert issubclass(m.DatabaseError, m.Error)
    for name in ("DataError", "OperationalError", "IntegrityError", "InternalError", "ProgrammingError",
                 "NotSupportedError"):  # fmt: skip
        assert issubclass(getattr(m, name), m.DatabaseError), name
    assert m.Error is errors.Error


def test_type_objects() -> None:
    m = pipedrive_sql
    # PEP 249 usage: cursor.description[i][1] == pipedrive_sql.NUMBER (the type code on the left)
    kinds = {
        m.STRING: ["VARCHAR", "UUID"],
        m.NUMBER: ["BIGINT", "DOUBLE", "DECIMAL(18,3)", "BOOLEAN"],
        m.DATETIME: ["TIMESTAMP WITH TIME ZONE", "DATE", "TIME"],
        m.BINARY: ["BLOB"],
    }
    for kind, codes in kinds.items():
        for code in codes:
            assert code.__eq__(kind) is NotImplemented  # str defers to the type object
            assert (code == kind) is True, (code, kind)
            assert all(code != other for other in kinds if other is not kind)
    for code in ["BIGINT[]", 'STRUCT("a" BIGINT)']:
        assert all(code != kind for kind in kinds)
    assert all(code != m.ROWID for codes in kinds.values() for code in codes)
    assert len({m.STRING, m.NUMBER, m.DATETIME, m.BINARY, m.ROWID}) == 5


def test_constructors() -> None:
    m = pipedrive_sql
    assert m.Date(2024, 1, 2) == dt.date(2024, 1, 2)
    assert m.Time(1, 2, 3) == dt.time(1, 2, 3)
    assert m.Timestamp(2024, 1, 2, 3, 4, 5) == dt.datetime(2024, 1, 2, 3, 4, 5)
    assert m.Binary(b"ab") == b"ab" and m.Binary(bytearray(b"x")) == b"x"
    ticks = dt.datetime(2024, 1, 2, 3, 4, 5).timestamp()
    assert m.TimestampFromTicks(ticks) == dt.datetime(2024, 1, 2, 3, 4, 5)
    assert m.DateFromTicks(ticks) == dt.date(2024, 1, 2)
    assert m.TimeFromTicks(ticks) == dt.time(3, 4, 5)
