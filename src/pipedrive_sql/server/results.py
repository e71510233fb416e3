"""Statement results as the protocol layer consumes them: typed columns and batches of rows.

A result is pulled batch by batch (`fetchmany`), so a large result never sits whole in memory and a
cancel request is noticed between batches even when the backend cannot be interrupted mid-call.
"""

from __future__ import annotations

import struct
import warnings
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from typing import Any

import pyarrow as pa

from . import columnar, protocol
from . import types as pgt
from .sqltext import command_tag

# DuckDB's vector size: its Arrow reader cuts batches of other sizes at several times the cost
BATCH_ROWS = 2048

# Results of the driver are encoded from Arrow batches (columnar.py); False sends every result through the
# row-by-row encoders instead (same bytes, slower: bench/server.py measures both in one run).
COLUMNAR = True

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

    def fetch(self, n: int) -> Sequence[Any]:
        """Up to n rows: a list of rows, or ArrowRows (a sequence of rows too) from a columnar source."""
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


class ArrowRows(Sequence[Any]):
    """A batch of rows still in Arrow form: what the columnar encoders take whole. As a sequence it
    gives Python rows (for code that wants them), converted only when asked."""

    def __init__(self, batch: pa.RecordBatch) -> None:
        self.batch = batch
        self._rows: list[tuple[Any, ...]] | None = None

    def __len__(self) -> int:
        return self.batch.num_rows

    def _python(self) -> list[tuple[Any, ...]]:
        if self._rows is None:
            columns = [c.to_pylist() for c in self.batch.columns]
            self._rows = list(zip(*columns, strict=True)) if columns else [()] * self.batch.num_rows
        return self._rows

    def __getitem__(self, index: Any) -> Any:
        return self._python()[index]

    def __iter__(self) -> Iterator[Any]:
        return iter(self._python())


class CursorResult(Result):
    """Rows from a DB-API cursor after `execute`. The first batch is read eagerly: vague type codes
    (PEP 249's NUMBER, a plain `object`) are settled by looking at values before RowDescription goes out.

    A cursor that can hand its rows over as Arrow record batches (`fetch_record_batch`, the driver's and
    DuckDB's) is read that way when every column has a columnar encoding: the rows then never become
    Python objects in the server (see columnar.py)."""

    def __init__(
        self, cursor: Any, sql: str, *, catalog: bool = False, on_close: Callable[[], None] | None = None
    ) -> None:
        self.cursor = cursor
        self.sql = sql
        self.catalog = catalog
        self._on_close = on_close
        self._pending: list[Sequence[Any]] = []
        self._batches: Iterator[pa.RecordBatch] | None = None
        self._held: pa.RecordBatch | None = None
        self._exhausted = False
        description = cursor.description
        if description is None:
            self.columns = None
            self._rowcount = getattr(cursor, "rowcount", -1)
            return
        if self._open_arrow():
            samples = self._arrow_samples()
            self.columns = [self._column(i, d, samples) for i, d in enumerate(description)]
            return
        self._pending = list(cursor.fetchmany(BATCH_ROWS))
        self._exhausted = not self._pending
        samples = [
            next((row[i] for row in self._pending if row[i] is not None), None)
            for i in range(len(description))
        ]
        self.columns = [self._column(i, d, samples) for i, d in enumerate(description)]

    def _open_arrow(self) -> bool:
        # the driver's cursor has fetch_record_batch; a DuckDB cursor (the emulated catalog, and queries
        # the server answers itself) has to_arrow_reader
        reader = getattr(self.cursor, "fetch_record_batch", None) or getattr(
            self.cursor, "to_arrow_reader", None
        )
        if reader is None or not COLUMNAR:
            return False
        if not all(columnar.supported_name(str(d[1])) for d in self.cursor.description):
            return False
        with warnings.catch_warnings():
            # DuckDB notes that Arrow output of an executed result copies the rows once: batch by batch here
            warnings.filterwarnings("ignore", message="Arrow output on a DB-API result")
            self._batches = iter(reader(BATCH_ROWS))
        self._held = next(self._batches, None)
        self._exhausted = self._held is None
        return True

    def _arrow_samples(self) -> list[Any]:
        held = self._held
        if held is None:
            return [None] * len(self.cursor.description)
        samples = []
        for column in held.columns:
            valid = column.drop_null()
            samples.append(valid[0].as_py() if len(valid) else None)
        return samples

    def _column(self, index: int, d: Sequence[Any], samples: Sequence[Any]) -> OutColumn:
        name = str(d[0])
        if self.catalog and name in _VECTOR_OIDS and str(d[1]).endswith("[]"):
            return OutColumn(name, pgt.ColumnType(_VECTOR_OIDS[name]))
        return OutColumn(name, pgt.pg_type_for(d[1], samples[index]))

    def fetch(self, n: int) -> Sequence[Any]:
        if self._batches is not None:
            return self._fetch_arrow(n)
        while len(self._pending) < n and not self._exhausted:
            batch = self.cursor.fetchmany(max(BATCH_ROWS, n - len(self._pending)))
            if not batch:
                self._exhausted = True
                break
            self._pending.extend(batch)
        out = self._pending[:n]
        del self._pending[:n]
        return out

    def _fetch_arrow(self, n: int) -> Sequence[Any]:
        """Up to n rows as one Arrow batch (a batch is cut, or the next ones joined, to fit n)."""
        assert self._batches is not None
        parts: list[pa.RecordBatch] = []
        have = 0
        while have < n:
            if self._held is None:
                if self._exhausted:
                    break
                self._held = next(self._batches, None)
                if self._held is None:
                    self._exhausted = True
                    break
            take = min(n - have, self._held.num_rows)
            parts.append(self._held.slice(0, take))
            rest = self._held.num_rows - take
            self._held = self._held.slice(take) if rest else None
            have += take
        if not parts:
            return []
        if len(parts) == 1:
            return ArrowRows(parts[0])
        return ArrowRows(pa.Table.from_batches(parts).combine_chunks().to_batches()[0])

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
        self.columns = list(columns)
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

    def encode_batch(self, rows: Sequence[Sequence[Any]]) -> bytes:
        """The DataRow messages of a batch, as one bytes object; an Arrow batch is encoded column by
        column (columnar.py), other rows one by one."""
        if isinstance(rows, ArrowRows):
            batch = rows.batch
            fields = [
                (columnar.binary_column if fmt == 1 else columnar.text_column)(column, c.type.oid, enc)
                for column, c, fmt, enc in zip(
                    batch.columns, self.columns, self.formats, self.encoders, strict=True
                )
            ]
            return columnar.data_rows(fields, batch.num_rows)
        return b"".join([self.encode(row) for row in rows])


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
