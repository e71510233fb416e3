"""API records (lists of dicts, one page at a time) to Arrow record batches, built column by column.

``RowConverter`` is the hot path of every scan. Per page it does a fixed, small number of C-level passes
instead of one Python step per value:

1. one ``operator.itemgetter`` over every top-level key the columns read pulls a tuple per record, and
   ``zip(*rows)`` transposes them into one tuple per key (both in C);
2. nested objects (``custom_fields``) are read the same way, one itemgetter over the keys the columns need;
3. each column's values go to ``pa.array`` with the column's type in one call (timestamps and dates as
   strings, then one vectorised ``cast``); option ids of enum and set custom fields become labels with
   ``pc.index_in``/``pc.take`` over the field's option table.

Anything the fast passes do not expect (a missing key, a record that is not an object, a value of an odd
type) takes the per-value path of ``catalog.types`` for that column only, which gives exactly what
``RecordwiseConverter`` (the converter this one replaced, kept as the reference the tests compare with)
gives. Transforms without a vectorised form (monetary and range parts) run in Python per value.

Before all of that, the struct pass (``catalog/arrow_struct.py``) tries the whole page in one pyarrow call;
the per-column builders and the per-value reading live in ``catalog/arrow_columns.py``.
"""

from __future__ import annotations

import operator
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from itertools import repeat
from typing import Any

import pyarrow as pa

from pipedrive_sql.catalog.arrow_columns import (
    TEXT_CASTS,
    Records,
    cast_together,
    column_builder,
    plain_path,
    record_values,
    top_level_values,
    transformed_values,
)
from pipedrive_sql.catalog.arrow_struct import StructPass
from pipedrive_sql.catalog.spec import Column

__all__ = ["RecordwiseConverter", "RowConverter", "schema_of"]

_ROW_PASS_MIN = 8  # top-level columns from which one pass per record beats one pass per column


def schema_of(columns: Sequence[Column]) -> pa.Schema:
    return pa.schema([pa.field(c.name, c.type.arrow, nullable=c.nullable) for c in columns])


class _Reader:
    """Pages -> batches, shared by both converters."""

    schema: pa.Schema

    def batch(self, records: Records) -> pa.RecordBatch:
        raise NotImplementedError

    def batches(self, pages: Iterable[Records]) -> Iterator[pa.RecordBatch]:
        for page in pages:
            if page:
                yield self.batch(page)

    def reader(self, pages: Iterable[Records]) -> pa.RecordBatchReader:
        """A lazily pulled reader: each page is converted when the consumer asks for the next batch."""
        return pa.RecordBatchReader.from_batches(self.schema, self.batches(pages))


# ---- the columnar converter ---------------------------------------------------------------------------


class _Keys:
    """Values of ``keys`` from a sequence of objects, one sequence per key, read by itemgetters in C.

    The keys the first object has are read by one itemgetter (learned per key set, so records that omit
    the same optional fields stay on the fast path); keys it lacks are read column by column. Anything
    else (an object missing a key the first one had, a null or non-object) takes a per-object pass.
    """

    def __init__(self, keys: Sequence[str]) -> None:
        self.keys = tuple(keys)
        self.index = {key: i for i, key in enumerate(self.keys)}
        self._getters: dict[tuple[str, ...], Callable[[Any], Any]] = {}

    def columns(self, objects: Sequence[Any]) -> list[Sequence[Any]]:
        """One sequence of values per key (None where an object lacks the key or is not an object)."""
        keys = self.keys
        if not keys or not objects:
            return [() for _ in keys]
        first = objects[0]
        if isinstance(first, dict):
            present = tuple(k for k in keys if k in first)
            try:
                return self._fast(objects, present)
            except (KeyError, TypeError, IndexError, AttributeError):
                pass
        missing = (None,) * len(keys)
        rows = [tuple(map(o.get, keys)) if isinstance(o, dict) else missing for o in objects]
        return list(zip(*rows, strict=True))

    def _fast(self, objects: Sequence[Any], present: tuple[str, ...]) -> list[Sequence[Any]]:
        found: dict[str, Sequence[Any]] = {}
        if present:
            getter = self._getters.get(present)
            if getter is None:
                getter = self._getters[present] = operator.itemgetter(*present)
            rows = list(map(getter, objects))
            if len(present) == 1:
                found[present[0]] = rows  # a one-key itemgetter returns the value itself, not a 1-tuple
            else:
                found.update(zip(present, zip(*rows, strict=True), strict=True))
        # Keys the first object lacks: dict.get over the objects, looped in C.
        return [found[k] if k in found else list(map(dict.get, objects, repeat(k))) for k in self.keys]


class RowConverter(_Reader):
    """Turns pages of API records into record batches with the given columns, in order (columnar)."""

    def __init__(self, columns: Sequence[Column]) -> None:
        self.columns = tuple(columns)
        self.schema = schema_of(self.columns)
        top: dict[str, None] = {}
        nested: dict[str, dict[str, None]] = {}
        for col in self.columns:
            if col.getter is not None or not col.path:
                continue
            top[col.path[0]] = None
            if len(col.path) == 2:
                nested.setdefault(col.path[0], {})[col.path[1]] = None
        self._top = _Keys(list(top))
        self._nested = {parent: _Keys(list(keys)) for parent, keys in nested.items()}
        self._builders = [column_builder(col) for col in self.columns]
        self._reference = RecordwiseConverter(self.columns)
        # Columns parsed from text by one cast (timestamps, dates): cast together, one call per type.
        groups: dict[pa.DataType, list[int]] = {}
        for i, col in enumerate(self.columns):
            if col.transform is None and col.type.fast in TEXT_CASTS and plain_path(col):
                groups.setdefault(col.type.arrow, []).append(i)
        self._cast_groups = [(arrow, members) for arrow, members in groups.items() if len(members) > 1]
        self._struct = StructPass(self.columns, self._builders)

    def batch(self, records: Records) -> pa.RecordBatch:
        arrays = self._struct.arrays(records)
        if arrays is None:
            return self.columnwise(records)
        return pa.RecordBatch.from_arrays(arrays, schema=self.schema)

    def columnwise(self, records: Records) -> pa.RecordBatch:
        """The page column by column (values read per key, then typed): for pages the struct pass refuses."""
        top = self._top.columns(records)
        nested: dict[str, list[Sequence[Any]]] = {}
        for parent, keys in self._nested.items():
            nested[parent] = keys.columns(top[self._top.index[parent]])
        raw: list[Sequence[Any] | None] = []
        for col in self.columns:
            if not plain_path(col):
                raw.append(None)
            elif len(col.path) == 1:
                raw.append(top[self._top.index[col.path[0]]])
            else:
                keys = self._nested[col.path[0]]
                raw.append(nested[col.path[0]][keys.index[col.path[1]]])
        arrays: list[pa.Array | None] = [None] * len(self.columns)
        for arrow, members in self._cast_groups:
            cast_together(arrow, members, raw, arrays)
        for i, (col, build) in enumerate(zip(self.columns, self._builders, strict=True)):
            if arrays[i] is not None:
                continue
            values = raw[i]
            arrays[i] = self._reference.column(col, records) if values is None else build(values)
        return pa.RecordBatch.from_arrays(arrays, schema=self.schema)


# ---- the reference: one pass per record ---------------------------------------------------------------


class RecordwiseConverter(_Reader):
    """The converter ``RowConverter`` replaced: per-record Python passes. Kept as the reference that
    tests and ``bench/decode.py`` compare the columnar converter with, and for getter columns."""

    def __init__(self, columns: Sequence[Column]) -> None:
        self.columns = tuple(columns)
        self.schema = schema_of(self.columns)
        # Plain top-level fields are read in one pass over each record (each record's dict is visited once
        # instead of once per column: measurably faster for wide records such as deals).
        simple = [c for c in self.columns if c.getter is None and len(c.path) == 1]
        self._top_keys = [(c.name, c.path[0]) for c in simple] if len(simple) >= _ROW_PASS_MIN else []

    def batch(self, records: Records) -> pa.RecordBatch:
        cache: dict[tuple[str, ...], list[Mapping[str, Any]]] = {}
        top = top_level_values(self._top_keys, records)
        arrays = []
        for col in self.columns:
            raw = top.get(col.name)
            values = record_values(col, records, cache) if raw is None else transformed_values(col, raw)
            arrays.append(col.type.build(values))
        return pa.RecordBatch.from_arrays(arrays, schema=self.schema)

    def column(self, col: Column, records: Records) -> pa.Array:
        return col.type.build(record_values(col, records, {}))
