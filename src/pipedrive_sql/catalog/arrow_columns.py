"""One column of a page to Arrow: the per-column builders of the columnar converter (``pa.array`` with the
column's type, vectorised casts, option labels, amounts), and the per-value reading of records that
``RecordwiseConverter`` and the fallbacks of the faster passes use (``catalog/arrow.py``)."""

from __future__ import annotations

import itertools
from collections.abc import Callable, Mapping, Sequence
from typing import Any

import pyarrow as pa
import pyarrow.compute as pc

from pipedrive_sql.catalog.spec import Column
from pipedrive_sql.catalog.types import (
    BIGINT_LIST,
    DATE,
    TIME,
    TIMESTAMP,
    ColumnType,
    money_from_doubles,
)

EMPTY: Mapping[str, Any] = {}
VECTOR_ERRORS = (pa.ArrowInvalid, pa.ArrowTypeError, pa.ArrowNotImplementedError, TypeError, ValueError)

Records = Sequence[Mapping[str, Any]]


Builder = Callable[[Sequence[Any]], pa.Array]
TEXT_CASTS = (TIMESTAMP.fast, DATE.fast)


def plain_path(col: Column) -> bool:
    return col.getter is None and 1 <= len(col.path) <= 2


def cast_together(
    arrow: pa.DataType,
    members: list[int],
    raw: list[Sequence[Any] | None],
    arrays: list[pa.Array | None],
) -> None:
    """One ``pa.array`` and one ``cast`` for several text columns of one type (a call each costs more
    than the values); when any value does not parse, the columns are left to their own builders."""
    parts = [raw[i] for i in members]
    if any(part is None for part in parts):
        return
    try:
        text = pa.array(list(itertools.chain.from_iterable(parts)), type=pa.string())  # type: ignore[arg-type]
        cast = text.cast(arrow)
    except VECTOR_ERRORS:
        return
    offset = 0
    for i, part in zip(members, parts, strict=True):
        size = len(part)  # type: ignore[arg-type]
        arrays[i] = cast.slice(offset, size)
        offset += size


def column_builder(col: Column) -> Builder:
    """How a column's raw values become its array: typed in one call, transforms vectorised where known."""
    ctype = col.type
    transform = col.transform
    if transform is None:
        if ctype.arrow == INT_LIST:
            return _IntLists(ctype.build).build
        if ctype.fast is TIME.fast:
            return Times(ctype).build
        return ctype.build
    custom = col.custom
    if custom is not None and custom.field_type == "monetary" and ctype.kind in ("float", "decimal", "str"):
        decimal = ctype.kind == "decimal"
        return _Money(custom.part == "currency", transform, ctype.build, decimal).build
    if custom is not None and not custom.part and custom.field_type == "enum" and ctype.kind == "str":
        return OptionLabels(custom.options, transform, ctype.build).enum
    if custom is not None and not custom.part and custom.field_type == "set" and ctype.kind == "list":
        return OptionLabels(custom.options, transform, ctype.build).set

    def transformed(values: Sequence[Any]) -> pa.Array:
        return ctype.build([None if v is None else transform(v) for v in values])

    return transformed


INT_LIST = pa.list_(pa.int64())
TEXT_LIST = pa.list_(pa.string())
LISTS_FAST = BIGINT_LIST.fast
MONEY_OBJECT = pa.struct([("value", pa.float64()), ("currency", pa.string())])


class _IntLists:
    """``BIGINT[]`` in one call: pyarrow refuses what the per-value path must coerce (text such as v1's
    "1,2", bare numbers) but for the empty string, so one C-level scan for it replaces the check per value
    (``VARCHAR[]`` keeps that check: any string would pass as a list of characters)."""

    def __init__(self, build: Builder) -> None:
        self._build = build

    def build(self, values: Sequence[Any]) -> pa.Array:
        if "" in values:  # the one string pyarrow takes for a list (an empty one); the API means no value
            return self._build(values)
        try:
            return pa.array(values, type=INT_LIST)
        except VECTOR_ERRORS:
            return self._build(values)


class Times:
    """TIME from ``"09:30:00"`` or v2's ``{"value": "09:30:00", "timezone_id": 3}``, without a pass per
    value: text as a string array, objects as a struct array; anything else (mixed shapes, times without
    seconds) takes the column type's own path."""

    _OBJECT = pa.struct([("value", pa.string())])

    def __init__(self, ctype: ColumnType) -> None:
        self._ctype = ctype

    def build(self, values: Sequence[Any]) -> pa.Array:
        try:
            try:
                text = pa.array(values, type=pa.string())
            except VECTOR_ERRORS:
                text = pc.struct_field(pa.array(values, type=self._OBJECT), "value")
            stamps = pc.strptime(text, format="%H:%M:%S", unit="us")
            return stamps.cast(self._ctype.arrow)
        except VECTOR_ERRORS:
            return self._ctype.build(values)


class _Money:
    """A monetary field's amount or currency from v2's ``{"value": 12.5, "currency": "EUR"}`` objects, read
    as one struct array; objects whose value is missing (``{"amount": ...}``) are finished per value."""

    def __init__(
        self, currency: bool, transform: Callable[[Any], Any], build: Builder, decimal: bool = False
    ) -> None:
        self._currency = currency
        self._decimal = decimal
        self._transform = transform
        self._build = build

    def _slow(self, values: Sequence[Any]) -> pa.Array:
        transform = self._transform
        return self._build([None if v is None else transform(v) for v in values])

    def build(self, values: Sequence[Any]) -> pa.Array:
        try:
            money = pa.array(values, type=MONEY_OBJECT)
        except VECTOR_ERRORS:
            return self._slow(values)
        if self._currency:
            return pc.struct_field(money, "currency")
        amounts = pc.struct_field(money, "value")
        if amounts.null_count != money.null_count:
            return self._slow(values)  # an object without a value: it may carry an "amount"
        if self._decimal:
            try:
                return money_from_doubles(amounts)
            except ValueError:
                return self._slow(values)
        return amounts


class OptionLabels:
    """Option ids -> labels for enum and set fields, vectorised when the ids are plain integers (v2)."""

    def __init__(self, options: Mapping[str, str], transform: Callable[[Any], Any], build: Builder) -> None:
        self._ids = pa.array(list(options), type=pa.string())
        self._labels = pa.array(list(options.values()), type=pa.string())
        self._transform = transform
        self._build = build

    def _label(self, ids: pa.Array) -> pa.Array:
        text = ids.cast(pa.string())
        found = pc.index_in(text, value_set=self._ids)
        return pc.if_else(found.is_null(), text, self._labels.take(found))

    def _slow(self, values: Sequence[Any]) -> pa.Array:
        transform = self._transform
        return self._build([None if v is None else transform(v) for v in values])

    def enum(self, values: Sequence[Any]) -> pa.Array:
        ids = _plain_ints(values)
        return self._slow(values) if ids is None else self._label(ids)

    def set(self, values: Sequence[Any]) -> pa.Array:
        try:
            lists = pa.array(values)  # inferred: anything but lists of plain integers takes the slow path
        except VECTOR_ERRORS:
            return self._slow(values)
        if pa.types.is_null(lists.type):
            return pa.nulls(len(values), pa.list_(pa.string()))
        if not isinstance(lists, pa.ListArray) or lists.type.value_type not in (pa.int64(), pa.null()):
            return self._slow(values)
        if lists.type.value_type == pa.null():
            lists = lists.cast(pa.list_(pa.int64()))
        return self.labels(lists)

    def label(self, ids: pa.Array) -> pa.Array:
        """Labels for an int64 array of option ids."""
        return self._label(ids)

    def labels(self, lists: pa.ListArray) -> pa.Array:
        """Lists of labels for a list<int64> array of option ids."""
        labels = self._label(lists.values)
        return pa.ListArray.from_arrays(lists.offsets, labels, mask=lists.is_null())


def _plain_ints(values: Sequence[Any]) -> pa.Array | None:
    """``values`` as int64 when every one is a Python int or None (inferred, so 1.0 or "1" do not pass)."""
    try:
        array = pa.array(values)
    except VECTOR_ERRORS:
        return None
    if pa.types.is_null(array.type):
        return array.cast(pa.int64())
    return array if array.type == pa.int64() else None


def top_level_values(keys: Sequence[tuple[str, str]], records: Records) -> dict[str, Sequence[Any]]:
    """{column name: values} for plain top-level fields, transposed from one tuple per record."""
    if not keys or not records:
        return {}
    fields = [key for _, key in keys]
    columns = zip(*[tuple(map(r.get, fields)) for r in records], strict=True)
    return {name: values for (name, _), values in zip(keys, columns, strict=True)}


def transformed_values(col: Column, values: Sequence[Any]) -> Sequence[Any]:
    transform = col.transform
    if transform is None:
        return values
    return [None if v is None else transform(v) for v in values]


def record_values(
    col: Column,
    records: Records,
    cache: dict[tuple[str, ...], list[Mapping[str, Any]]],
) -> list[Any]:
    if col.getter is not None:
        getter = col.getter
        values = [getter(r) for r in records]
    elif len(col.path) == 1:
        key = col.path[0]
        values = [r.get(key) for r in records]
    else:
        key = col.path[-1]
        values = [p.get(key) for p in _parents(col.path[:-1], records, cache)]
    transform = col.transform
    if transform is not None:
        values = [None if v is None else transform(v) for v in values]
    return values


def _parents(
    prefix: tuple[str, ...],
    records: Records,
    cache: dict[tuple[str, ...], list[Mapping[str, Any]]],
) -> list[Mapping[str, Any]]:
    """The objects at ``prefix`` in each record ({} where absent or not an object), cached per batch."""
    found = cache.get(prefix)
    if found is not None:
        return found
    above = _parents(prefix[:-1], records, cache) if len(prefix) > 1 else records
    key = prefix[-1]
    level = [_as_object(p.get(key)) for p in above]
    cache[prefix] = level
    return level


def _as_object(value: Any) -> Mapping[str, Any]:
    return value if isinstance(value, dict) else EMPTY
