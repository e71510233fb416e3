"""Statement results as the protocol layer consumes them: typed columns and batches of rows.

A result is pulled batch by batch (`fetchmany`), so a large result never sits whole in memory and a
cancel request is noticed between batches even when the backend cannot be interrupted mid-call.
"""

from __future__ import annotations

import struct
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from typing import Any

from . import protocol
from . import types as pgt
from .sqltext import command_tag

BATCH_ROWS = 2000

_VECTOR_OIDS = {"indkey": 22, "indoption": 22, "indclass": 30, "indcollation": 30, "proargtypes": 30}


@dataclass(frozen=True)
class OutColumn:
    name: str
    type: pgt.ColumnType

    def field(self, fmt: int) -> protocol.Field:
        return protocol.Field(self.name, self.type.oid, self.type.size, self.type.typmod, fmt)


class Result:
    """Base: a statement that returns no rows."""

    columns: list[OutColumn] | None = None

    def fetch(self, n: int) -> list[Sequence[Any]]:
        return []

    def tag(self, rows_sent: int) -> str:
        return "SELECT 0"

    def close(self) -> None:
        pass


class CommandResult(Result):
    def __init__(self, tag: str) -> None:
        self._tag = tag

    def tag(self, rows_sent: int) -> str:
        return self._tag


class StaticResult(Result):
    def __init__(self, columns: list[OutColumn], rows: list[Sequence[Any]], tag: str | None = None) -> None:
        self.columns = columns
        self._rows = rows
        self._pos = 0
        self._tag = tag

    def fetch(self, n: int) -> list[Sequence[Any]]:
        batch = self._rows[self._pos : self._pos + n]
        self._pos += len(batch)
        return batch

    def tag(self, rows_sent: int) -> str:
        return self._tag or f"SELECT {rows_sent}"


class CursorResult(Result):
    """Rows from a DB-API cursor after `execute`. The first batch is read eagerly: vague type codes
    (PEP 249's NUMBER, a plain `object`) are settled by looking at values before RowDescription goes out."""

    def __init__(
        self, cursor: Any, sql: str, *, catalog: bool = False, on_close: Callable[[], None] | None = None
    ) -> None:
        self.cursor = cursor
        self.sql = sql
        self.catalog = catalog
        self._on_close = on_close
        self._pending: list[Sequence[Any]] = []
        self._exhausted = False
        description = cursor.description
        if description is None:
            self.columns = None
            self._rowcount = getattr(cursor, "rowcount", -1)
            return
        self._pending = list(cursor.fetchmany(BATCH_ROWS))
        self._exhausted = not self._pending
        self.columns = [self._column(i, d, catalog) for i, d in enumerate(description)]

    def _column(self, index: int, d: Sequence[Any], catalog: bool) -> OutColumn:
        name = str(d[0])
        sample = next((row[index] for row in self._pending if row[index] is not None), None)
        if catalog and name in _VECTOR_OIDS and str(d[1]).endswith("[]"):
            return OutColumn(name, pgt.ColumnType(_VECTOR_OIDS[name]))
        return OutColumn(name, pgt.pg_type_for(d[1], sample))

    def fetch(self, n: int) -> list[Sequence[Any]]:
        while len(self._pending) < n and not self._exhausted:
            batch = self.cursor.fetchmany(max(BATCH_ROWS, n - len(self._pending)))
            if not batch:
                self._exhausted = True
                break
            self._pending.extend(batch)
        out = self._pending[:n]
        del self._pending[:n]
        return out

    def tag(self, rows_sent: int) -> str:
        if self.columns is None:
            return command_tag(self.sql, self._rowcount)
        return command_tag(self.sql, rows_sent)

    def close(self) -> None:
        try:
            close = getattr(self.cursor, "close", None)
            if close is not None:
                close()
        except Exception:
            pass
        if self._on_close is not None:
            self._on_close()


_I32 = struct.Struct("!i")
_NULL = _I32.pack(-1)


class RowEncoder:
    """Encodes rows of one result for one set of result formats (text 0 / binary 1 per column)."""

    def __init__(self, columns: Sequence[OutColumn], formats: Sequence[int]) -> None:
        self._count = struct.pack("!h", len(columns))
        self.formats = _expand_formats(formats, len(columns))
        self.encoders = [_encoder(c.type.oid, f) for c, f in zip(columns, self.formats, strict=True)]

    def encode(self, row: Sequence[Any]) -> bytes:
        """One DataRow message; the hot loop of every result, so it builds the bytes in one pass."""
        parts = []
        pack = _I32.pack
        for enc, v in zip(self.encoders, row, strict=False):
            if v is None:
                parts.append(_NULL)
            else:
                data = enc(v)
                parts.append(pack(len(data)))
                parts.append(data)
        body = b"".join(parts)
        return b"D" + pack(len(body) + 6) + self._count + body

    def encode_many(self, rows: Sequence[Sequence[Any]]) -> Iterator[bytes]:
        for row in rows:
            yield self.encode(row)


def _encoder(oid: int, fmt: int) -> Callable[[Any], bytes]:
    if oid in _VECTOR_ELEMENTS:
        # int2vector / oidvector: space-separated in text, one-dimensional arrays in binary
        return pgt.binary_array_encoder(_VECTOR_ELEMENTS[oid]) if fmt == 1 else _vector_text
    return pgt.binary_encoder(oid) if fmt == 1 else pgt.text_encoder(oid)


_VECTOR_ELEMENTS = {22: pgt.INT2, 30: pgt.OID}


def _vector_text(v: Any) -> bytes:
    return " ".join(str(x) for x in v).encode()


def _expand_formats(formats: Sequence[int], n: int) -> list[int]:
    if not formats:
        return [0] * n
    if len(formats) == 1:
        return [formats[0]] * n
    if len(formats) != n:
        from .errors import PROTOCOL_VIOLATION, PgError

        raise PgError(
            PROTOCOL_VIOLATION, f"bind message has {len(formats)} result formats but query has {n} columns"
        )
    return list(formats)
