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
"""

from __future__ import annotations

import itertools
import operator
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from itertools import repeat
from typing import Any

import pyarrow as pa
import pyarrow.compute as pc

from pipedrive_sql.catalog.spec import Column
from pipedrive_sql.catalog.types import (
    BIGINT_LIST,
    DATE,
    MONEY,
    TIME,
    TIMESTAMP,
    ColumnType,
    money_from_doubles,
)

__all__ = ["RecordwiseConverter", "RowConverter", "schema_of"]

_EMPTY: Mapping[str, Any] = {}
_ROW_PASS_MIN = 8  # top-level columns from which one pass per record beats one pass per column
_VECTOR_ERRORS = (pa.ArrowInvalid, pa.ArrowTypeError, pa.ArrowNotImplementedError, TypeError, ValueError)

Records = Sequence[Mapping[str, Any]]


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
        self._builders = [_builder(col) for col in self.columns]
        self._reference = RecordwiseConverter(self.columns)
        # Columns parsed from text by one cast (timestamps, dates): cast together, one call per type.
        groups: dict[pa.DataType, list[int]] = {}
        for i, col in enumerate(self.columns):
            if col.transform is None and col.type.fast in _TEXT_CASTS and _plain_path(col):
                groups.setdefault(col.type.arrow, []).append(i)
        self._cast_groups = [(arrow, members) for arrow, members in groups.items() if len(members) > 1]
        self._struct = _StructPass(self.columns, self._builders)

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
            if not _plain_path(col):
                raw.append(None)
            elif len(col.path) == 1:
                raw.append(top[self._top.index[col.path[0]]])
            else:
                keys = self._nested[col.path[0]]
                raw.append(nested[col.path[0]][keys.index[col.path[1]]])
        arrays: list[pa.Array | None] = [None] * len(self.columns)
        for arrow, members in self._cast_groups:
            _cast_together(arrow, members, raw, arrays)
        for i, (col, build) in enumerate(zip(self.columns, self._builders, strict=True)):
            if arrays[i] is not None:
                continue
            values = raw[i]
            arrays[i] = self._reference.column(col, records) if values is None else build(values)
        return pa.RecordBatch.from_arrays(arrays, schema=self.schema)


Builder = Callable[[Sequence[Any]], pa.Array]
_TEXT_CASTS = (TIMESTAMP.fast, DATE.fast)


def _plain_path(col: Column) -> bool:
    return col.getter is None and 1 <= len(col.path) <= 2


def _cast_together(
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
    except _VECTOR_ERRORS:
        return
    offset = 0
    for i, part in zip(members, parts, strict=True):
        size = len(part)  # type: ignore[arg-type]
        arrays[i] = cast.slice(offset, size)
        offset += size


def _builder(col: Column) -> Builder:
    """How a column's raw values become its array: typed in one call, transforms vectorised where known."""
    ctype = col.type
    transform = col.transform
    if transform is None:
        if ctype.arrow == _INT_LIST:
            return _IntLists(ctype.build).build
        if ctype.fast is TIME.fast:
            return _Times(ctype).build
        return ctype.build
    custom = col.custom
    if custom is not None and custom.field_type == "monetary" and ctype.kind in ("float", "decimal", "str"):
        decimal = ctype.kind == "decimal"
        return _Money(custom.part == "currency", transform, ctype.build, decimal).build
    if custom is not None and not custom.part and custom.field_type == "enum" and ctype.kind == "str":
        return _OptionLabels(custom.options, transform, ctype.build).enum
    if custom is not None and not custom.part and custom.field_type == "set" and ctype.kind == "list":
        return _OptionLabels(custom.options, transform, ctype.build).set

    def transformed(values: Sequence[Any]) -> pa.Array:
        return ctype.build([None if v is None else transform(v) for v in values])

    return transformed


_INT_LIST = pa.list_(pa.int64())
_TEXT_LIST = pa.list_(pa.string())
_LISTS_FAST = BIGINT_LIST.fast
_MONEY = pa.struct([("value", pa.float64()), ("currency", pa.string())])


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
            return pa.array(values, type=_INT_LIST)
        except _VECTOR_ERRORS:
            return self._build(values)


class _Times:
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
            except _VECTOR_ERRORS:
                text = pc.struct_field(pa.array(values, type=self._OBJECT), "value")
            stamps = pc.strptime(text, format="%H:%M:%S", unit="us")
            return stamps.cast(self._ctype.arrow)
        except _VECTOR_ERRORS:
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
            money = pa.array(values, type=_MONEY)
        except _VECTOR_ERRORS:
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


class _OptionLabels:
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
        except _VECTOR_ERRORS:
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
    except _VECTOR_ERRORS:
        return None
    if pa.types.is_null(array.type):
        return array.cast(pa.int64())
    return array if array.type == pa.int64() else None


# ---- the struct pass: a whole page in one pyarrow call --------------------------------------------------

_NONE = type(None)
_INT_OR_NONE = frozenset((int, _NONE))
_OBJECT_OR_NONE = frozenset((dict, _NONE))
_LIST_OR_NONE = frozenset((list, _NONE))
_INTS = frozenset((int,))
_ONLY_NONE = frozenset((_NONE,))
_TEXT_OR_NONE = frozenset((str, _NONE))
_NULLABLE_KINDS = ("plain", "text", "amount", "list")  # kinds whose builders give all nulls for all None
_PLAIN_ARROW = (pa.int64(), pa.float64(), pa.string(), pa.bool_())
# The keys custom_fields._range_start / _range_end read, in their order (the first one present wins).
_RANGE_KEYS = {
    "": ("start", "start_date", "start_time", "value", "from"),
    "until": ("end", "end_date", "end_time", "until", "to"),
}
_RANGE = pa.struct([(key, pa.string()) for keys in _RANGE_KEYS.values() for key in keys])


class _StructPass:
    """Every column of a page from one ``pa.array(records, type=struct)`` call, which reads the records'
    dicts in C++: each column is typed as what the API sends (timestamps and dates as text, amounts as
    doubles, option ids as integers, monetary and range custom fields as objects), then finished by a few
    vectorised calls per type (one cast for all timestamp columns, one decimal conversion for all amounts).

    It gives exactly what the column-by-column path gives: ``pa.array`` converts a struct's fields as it
    converts a list of the same values, and what it would convert differently from the per-value path is
    checked first on the values themselves (their Python types, one C-level pass per checked column):
    records that are not objects, ``custom_fields`` that is not an object, text where a list is expected
    (pyarrow reads ``""`` as an empty list), option ids that are not plain integers, range objects whose
    keys leave the start or end ambiguous. A page the struct does not fit (a value of an unexpected type
    anywhere) returns None and takes the column-by-column path whole; a column whose check fails takes
    its own builder.
    """

    def __init__(self, columns: Sequence[Column], builders: Sequence[Builder]) -> None:
        self.columns = tuple(columns)
        self._builders = tuple(builders)
        top: dict[str, pa.DataType] = {}
        nested: dict[str, dict[str, pa.DataType]] = {}
        self._kinds: list[str] = []
        for col in self.columns:
            kind, raw = _struct_kind(col)
            if kind in ("python", "reference", "time"):
                self._kinds.append(kind)
                continue
            fields = top if len(col.path) == 1 else nested.setdefault(col.path[0], {})
            key = col.path[-1]
            if fields.get(key, raw) != raw:
                kind = "python"  # two columns read one key as different types: the second reads it per value
            else:
                fields[key] = raw
            self._kinds.append(kind)
        self._options = {
            i: _OptionLabels(c.custom.options, c.transform, c.type.build)
            for i, (c, k) in enumerate(zip(self.columns, self._kinds, strict=True))
            if k in ("enum", "set") and c.custom is not None and c.transform is not None
        }
        for parent in nested:
            if parent in top:  # read whole by a column of its own and nested by others: per value
                del top[parent]
                self._kinds = [
                    "python" if c.path[:1] == (parent,) and k not in ("python", "reference") else k
                    for c, k in zip(self.columns, self._kinds, strict=True)
                ]
        nested = {parent: fields for parent, fields in nested.items() if fields}
        self._top = _StructReader(top) if top else None
        self._nested = {parent: _StructReader(fields) for parent, fields in nested.items()}

    def arrays(self, records: Records) -> list[pa.Array] | None:
        """The page's arrays in column order, or None when the page needs the column-by-column path."""
        if not records or set(map(type, records)) != {dict}:
            return None
        children: dict[tuple[str, ...], pa.Array] = {}
        parents: dict[str, list[Any]] = {}
        uniform: set[str] = set()  # "" (the records) and parents whose objects all have the same keys
        found = 0  # parents every record has
        for parent in self._nested:
            try:
                objects = list(map(operator.itemgetter(parent), records))
                found += 1
            except KeyError:
                objects = list(map(dict.get, records, repeat(parent)))  # type: ignore[arg-type]
            kinds = set(map(type, objects))
            if not kinds <= _OBJECT_OR_NONE:
                return None
            parents[parent] = objects
        if self._top is not None:
            top = self._top.children(records, found)
            if top is None:
                return None
            children.update(((key,), array) for key, array in top[0].items())
            if top[1]:
                uniform.add("")
        for parent, reader in self._nested.items():
            objects = parents[parent]
            nested = reader.children(objects)
            if nested is None:
                return None
            children.update(((parent, key), array) for key, array in nested[0].items())
            if nested[1]:
                uniform.add(parent)
            if None in objects:
                parents[parent] = [{} if o is None else o for o in objects]
        return _Page(self, records, parents, children, uniform).arrays()


class _StructReader:
    """The values of some keys of a sequence of objects (dicts or None) as Arrow arrays, typed, in one
    ``pa.array`` call: the values of the keys the first object has are read by one itemgetter into a tuple
    per object and converted as a struct by position; when an object lacks one of those keys (or is None),
    the objects themselves are converted as a struct by key."""

    def __init__(self, fields: Mapping[str, pa.DataType]) -> None:
        self.fields = dict(fields)
        self.type = pa.struct(list(self.fields.items()))
        self._learned: dict[tuple[str, ...], pa.StructType] = {}

    def children(self, objects: Sequence[Any], also: int = 0) -> tuple[dict[str, pa.Array], bool] | None:
        """({key: array}, uniform) (null where an object lacks the key or is None); keys the first object
        lacks may be left out (the caller reads them per value, or knows them absent when ``uniform``: every
        object has exactly the first one's keys; ``also`` counts keys beyond the fields every object was
        found to have); None when a value does not fit its type."""
        first = objects[0]
        present = tuple(k for k in self.fields if k in first) if isinstance(first, dict) else ()
        try:
            if len(present) > 1:
                stype = self._learned.get(present)
                if stype is None:
                    stype = self._learned[present] = pa.struct([(k, self.fields[k]) for k in present])
                # The getter reads with the first object's own key strings: JSON decoders share one string
                # object per key across objects (orjson caches them), and a dict finds the very object it
                # holds without comparing characters.
                own = {k: k for k in first}
                getter = operator.itemgetter(*(own[k] for k in present))
                try:
                    rows = list(map(getter, objects))
                except (KeyError, TypeError):
                    pass
                else:
                    arrays = dict(zip(present, pa.array(rows, type=stype).flatten(), strict=True))
                    size = len(present) + also
                    return arrays, len(first) == size and set(map(len, objects)) == {size}
            whole = pa.array(objects, type=self.type)
        except Exception:  # any value the struct does not fit: the column-by-column path decides
            return None
        return dict(zip(self.fields, whole.flatten(), strict=True)), True


def _struct_kind(col: Column) -> tuple[str, pa.DataType | None]:
    """How the struct pass reads a column: (kind, the Arrow type its raw values are read as)."""
    if not _plain_path(col):
        return "reference", None
    ctype = col.type
    transform = col.transform
    custom = col.custom
    if transform is None:
        if ctype.fast is None and ctype.arrow in _PLAIN_ARROW:
            return "plain", ctype.arrow
        if ctype.fast is MONEY.fast:
            return "amount", pa.float64()
        if ctype.fast in _TEXT_CASTS:
            return "text", pa.string()
        if ctype.fast is _LISTS_FAST and ctype.arrow in (_INT_LIST, _TEXT_LIST):
            return "list", ctype.arrow
        if ctype.fast is TIME.fast:
            return "time", None  # text or {"value": text} objects: read per value, typed by shape
        return "python", None
    if custom is None or len(col.path) != 2:
        return "python", None
    if custom.field_type == "monetary":
        if not custom.part and ctype.kind in ("decimal", "float"):
            return "money", _MONEY
        if custom.part == "currency" and ctype.arrow == pa.string():
            return "money", _MONEY
    elif custom.field_type == "enum" and not custom.part and ctype.arrow == pa.string():
        return "enum", pa.int64()
    elif custom.field_type == "set" and not custom.part and ctype.arrow == _TEXT_LIST:
        return "set", _INT_LIST
    elif custom.part in _RANGE_KEYS and custom.field_type in ("daterange",) and ctype.fast in _TEXT_CASTS:
        return "range", _RANGE
    return "python", None


class _Page:
    """One page through the struct pass: the raw children, finished per kind."""

    def __init__(
        self,
        owner: _StructPass,
        records: Records,
        parents: dict[str, list[Any]],
        children: dict[tuple[str, ...], pa.Array],
        uniform: set[str],
    ) -> None:
        self.owner = owner
        self.uniform = uniform
        self.records = records
        self.parents = parents
        self.children = children
        self._values: dict[tuple[str, ...], list[Any]] = {}
        self._kinds: dict[tuple[str, ...], frozenset[type]] = {}

    def values(self, path: tuple[str, ...]) -> list[Any]:
        """The raw Python values at ``path`` (None where missing), as the column-by-column path reads them."""
        found = self._values.get(path)
        if found is None:
            if len(path) == 1:
                objects: Sequence[Any] = self.records
            elif path[0] in self.parents:
                objects = self.parents[path[0]]
            else:  # a parent only columns read per value use (as the column-by-column path reads it)
                raw = map(dict.get, self.records, repeat(path[0]))  # type: ignore[arg-type]
                objects = self.parents[path[0]] = [o if isinstance(o, dict) else {} for o in raw]
            key = _own_key(objects, path[-1])
            found = self._values[path] = list(map(dict.get, objects, repeat(key)))
        return found

    def kinds(self, path: tuple[str, ...]) -> frozenset[type]:
        found = self._kinds.get(path)
        if found is None:
            found = self._kinds[path] = frozenset(map(type, self.values(path)))
        return found

    def arrays(self) -> list[pa.Array]:
        owner = self.owner
        out: list[pa.Array | None] = [None] * len(owner.columns)
        texts: dict[pa.DataType, list[tuple[int, pa.Array]]] = {}
        amounts: list[tuple[int, pa.Array]] = []
        for i, (col, kind) in enumerate(zip(owner.columns, owner._kinds, strict=True)):
            if kind == "reference":
                out[i] = col.type.build(_values(col, self.records, {}))
                continue
            if kind == "python":
                continue
            path = col.path
            if kind == "time":
                out[i] = self._time(col)
                continue
            child = self.children.get(path)
            if child is None:  # a key the page's first object lacks
                whole = path[0] if len(path) == 2 else ""
                if kind in _NULLABLE_KINDS and (whole in self.uniform or self.kinds(path) == _ONLY_NONE):
                    out[i] = pa.nulls(len(self.records), col.type.arrow)
                continue
            if kind == "plain":
                out[i] = child
            elif kind == "amount":
                amounts.append((i, child))
            elif kind == "text":
                texts.setdefault(col.type.arrow, []).append((i, child))
            elif kind == "list":
                if str not in self.kinds(path):  # pyarrow reads text as a list of characters
                    out[i] = child
            elif kind == "enum":
                if self.kinds(path) <= _INT_OR_NONE:
                    out[i] = owner._options[i].label(child)
            elif kind == "set":
                if self.kinds(path) <= _LIST_OR_NONE and _item_kinds(self.values(path)) <= _INTS:
                    out[i] = owner._options[i].labels(child)
            elif kind == "money":
                self._money(i, col, child, out, amounts)
            elif kind == "range":
                text = self._range(col, child)
                if text is not None:
                    texts.setdefault(col.type.arrow, []).append((i, text))
        for arrow, parts in texts.items():
            _finish_together(parts, out, lambda a, arrow=arrow: a.cast(arrow))  # type: ignore[misc]
        _finish_together(amounts, out, money_from_doubles)
        for i, array in enumerate(out):
            if array is None:
                out[i] = owner._builders[i](self.values(owner.columns[i].path))
        return out

    def _money(
        self,
        i: int,
        col: Column,
        child: pa.Array,
        out: list[pa.Array | None],
        amounts: list[tuple[int, pa.Array]],
    ) -> None:
        if not self.kinds(col.path) <= _OBJECT_OR_NONE:
            return
        assert col.custom is not None
        if col.custom.part == "currency":
            out[i] = pc.struct_field(child, "currency")
            return
        value = pc.struct_field(child, "value")
        if value.null_count != child.null_count:
            return  # an object without a value: it may carry an "amount"
        if col.type.kind == "decimal":
            amounts.append((i, value))
        else:
            out[i] = value

    def _time(self, col: Column) -> pa.Array | None:
        """TIME from text or v2's ``{"value": text, "timezone_id": 3}`` objects, chosen by the values' types
        (not by a failed conversion: an exception costs more than the column)."""
        kinds = self.kinds(col.path)
        try:
            if kinds <= _TEXT_OR_NONE:
                text = pa.array(self.values(col.path), type=pa.string())
            elif kinds <= _OBJECT_OR_NONE:
                text = pc.struct_field(pa.array(self.values(col.path), type=_Times._OBJECT), "value")
            else:
                return None
            return pc.strptime(text, format="%H:%M:%S", unit="us").cast(col.type.arrow)
        except _VECTOR_ERRORS:
            return None

    def _range(self, col: Column, child: pa.Array) -> pa.Array | None:
        """A range's start or end as text, when one key holds it on every object of the page."""
        path = col.path
        if not self.kinds(path) <= _OBJECT_OR_NONE:
            return None
        assert col.custom is not None
        present = set().union(*filter(None, self.values(path)))
        keys = [key for key in _RANGE_KEYS[col.custom.part] if key in present]
        if len(keys) > 1:
            return None  # which key an object's value comes from depends on the object
        if not keys:
            return pa.nulls(len(child), pa.string())
        return pc.struct_field(child, keys[0])


def _own_key(objects: Sequence[Any], key: str) -> str:
    """``key`` as the first object's own string for it when it has one (a lookup by the very object a dict
    holds skips comparing characters; JSON decoders share key strings across objects)."""
    first = objects[0] if objects else None
    if isinstance(first, dict) and key in first:
        for own in first:
            if own == key:
                return own
    return key


def _item_kinds(lists: list[Any]) -> frozenset[type]:
    return frozenset(map(type, itertools.chain.from_iterable(filter(None, lists))))


def _finish_together(
    parts: list[tuple[int, pa.Array]],
    out: list[pa.Array | None],
    finish: Callable[[pa.Array], pa.Array],
) -> None:
    """``finish`` once over several columns' arrays (a call costs more than the values), else per column;
    a column ``finish`` refuses is left to its builder."""
    if not parts:
        return
    if len(parts) > 1:
        try:
            done = finish(pa.concat_arrays([array for _, array in parts]))
        except (*_VECTOR_ERRORS, ArithmeticError):
            pass
        else:
            offset = 0
            for i, array in parts:
                out[i] = done.slice(offset, len(array))
                offset += len(array)
            return
    for i, array in parts:
        try:
            out[i] = finish(array)
        except (*_VECTOR_ERRORS, ArithmeticError):
            pass


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
        top = _top_level_values(self._top_keys, records)
        arrays = []
        for col in self.columns:
            raw = top.get(col.name)
            values = _values(col, records, cache) if raw is None else _transformed(col, raw)
            arrays.append(col.type.build(values))
        return pa.RecordBatch.from_arrays(arrays, schema=self.schema)

    def column(self, col: Column, records: Records) -> pa.Array:
        return col.type.build(_values(col, records, {}))


def _top_level_values(keys: Sequence[tuple[str, str]], records: Records) -> dict[str, Sequence[Any]]:
    """{column name: values} for plain top-level fields, transposed from one tuple per record."""
    if not keys or not records:
        return {}
    fields = [key for _, key in keys]
    columns = zip(*[tuple(map(r.get, fields)) for r in records], strict=True)
    return {name: values for (name, _), values in zip(keys, columns, strict=True)}


def _transformed(col: Column, values: Sequence[Any]) -> Sequence[Any]:
    transform = col.transform
    if transform is None:
        return values
    return [None if v is None else transform(v) for v in values]


def _values(
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
    return value if isinstance(value, dict) else _EMPTY
