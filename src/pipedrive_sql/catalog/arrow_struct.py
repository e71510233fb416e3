"""The struct pass of the columnar converter: a whole page of API records in one pyarrow call, finished by
a few vectorised calls per type. Pages or columns it cannot convert exactly go back to the per-column
builders (``catalog/arrow_columns.py``); ``RowConverter`` (``catalog/arrow.py``) tries it first."""

from __future__ import annotations

import itertools
import operator
from collections.abc import Callable, Mapping, Sequence
from itertools import repeat
from typing import Any

import pyarrow as pa
import pyarrow.compute as pc

from pipedrive_sql.catalog.arrow_columns import (
    INT_LIST,
    LISTS_FAST,
    MONEY_OBJECT,
    TEXT_CASTS,
    TEXT_LIST,
    VECTOR_ERRORS,
    Builder,
    OptionLabels,
    Records,
    Times,
    plain_path,
    record_values,
)
from pipedrive_sql.catalog.spec import Column
from pipedrive_sql.catalog.types import (
    MONEY,
    TIME,
    money_from_doubles,
)

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


class StructPass:
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
            i: OptionLabels(c.custom.options, c.transform, c.type.build)
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
    if not plain_path(col):
        return "reference", None
    ctype = col.type
    transform = col.transform
    custom = col.custom
    if transform is None:
        if ctype.fast is None and ctype.arrow in _PLAIN_ARROW:
            return "plain", ctype.arrow
        if ctype.fast is MONEY.fast:
            return "amount", pa.float64()
        if ctype.fast in TEXT_CASTS:
            return "text", pa.string()
        if ctype.fast is LISTS_FAST and ctype.arrow in (INT_LIST, TEXT_LIST):
            return "list", ctype.arrow
        if ctype.fast is TIME.fast:
            return "time", None  # text or {"value": text} objects: read per value, typed by shape
        return "python", None
    if custom is None or len(col.path) != 2:
        return "python", None
    if custom.field_type == "monetary":
        if not custom.part and ctype.kind in ("decimal", "float"):
            return "money", MONEY_OBJECT
        if custom.part == "currency" and ctype.arrow == pa.string():
            return "money", MONEY_OBJECT
    elif custom.field_type == "enum" and not custom.part and ctype.arrow == pa.string():
        return "enum", pa.int64()
    elif custom.field_type == "set" and not custom.part and ctype.arrow == TEXT_LIST:
        return "set", INT_LIST
    elif custom.part in _RANGE_KEYS and custom.field_type in ("daterange",) and ctype.fast in TEXT_CASTS:
        return "range", _RANGE
    return "python", None


class _Page:
    """One page through the struct pass: the raw children, finished per kind."""

    def __init__(
        self,
        owner: StructPass,
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
                out[i] = col.type.build(record_values(col, self.records, {}))
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
                text = pc.struct_field(pa.array(self.values(col.path), type=Times._OBJECT), "value")
            else:
                return None
            return pc.strptime(text, format="%H:%M:%S", unit="us").cast(col.type.arrow)
        except VECTOR_ERRORS:
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
        except (*VECTOR_ERRORS, ArithmeticError):
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
        except (*VECTOR_ERRORS, ArithmeticError):
            pass
