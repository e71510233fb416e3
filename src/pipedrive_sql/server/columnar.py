"""Result encoding a batch at a time from Arrow: DataRow and COPY bytes built by pyarrow and numpy kernels,
with no Python work per value for the common column types.

A column becomes one binary array of its encoded fields (text or binary format, NULL where the value is
NULL); rows are then assembled by joining those arrays element-wise with their length prefixes and each
message's header, so a whole batch leaves as one bytes object. Values with no vectorised form here
(arrays of elements other than integers and strings, floats outside [1e-4, 1e9) in text, decimals beyond
int64, bytea, unsigned 64-bit integers) are encoded per value with the same functions the row path uses,
so both paths send the same bytes (tests/server/test_columnar.py compares them). Column types whose Arrow
values differ from the DB-API's (maps, structs, JSON, UUIDs) never come here: results.py keeps them on the
row path. Intervals are the exception the other way: Arrow keeps their months, days and microseconds apart
as PostgreSQL does, where the DB-API's timedelta folds a month into 30 days, so they come here (encoded per
value).
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from typing import Any

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from . import types as pgt

# microseconds between 1970-01-01 (Arrow's epoch) and 2000-01-01 (PostgreSQL's)
_PG_EPOCH_MICROS = 946_684_800_000_000
_PG_EPOCH_DAYS = 10_957

_INT_OIDS = (pgt.INT2, pgt.INT4, pgt.INT8, pgt.OID)
_TEXT_OIDS = (pgt.VARCHAR, pgt.TEXT, 1042, 19)


_SUPPORTED_NAMES = re.compile(
    r"^(BOOLEAN|TINYINT|SMALLINT|INTEGER|BIGINT|UTINYINT|USMALLINT|UINTEGER|UBIGINT|HUGEINT|FLOAT|DOUBLE"
    r'|VARCHAR|BLOB|DATE|TIME|TIMESTAMP|TIMESTAMP WITH TIME ZONE|DECIMAL\(\d+,\s*\d+\))(\[\])*$|^(INTERVAL|"?NULL"?)$'
)


def supported_name(type_name: str) -> bool:
    """Whether a result column of this DuckDB type (as DB-API descriptions name it) reads back from Arrow
    (`as_py`) with the values the DB-API gives, so that the columnar path may carry it (or, for intervals,
    with truer ones). Maps, structs, unions, JSON, UUIDs and timestamps other than microseconds keep the row
    path."""
    return bool(_SUPPORTED_NAMES.match(type_name.upper()))


# ---- single columns ------------------------------------------------------------------------------------


def _binary(values: np.ndarray | bytes, width: int, n: int) -> pa.Array:
    """A binary array of `n` values of `width` bytes each from contiguous bytes."""
    offsets = np.arange(0, (n + 1) * width, width, dtype=np.int32)
    data = values.tobytes() if isinstance(values, np.ndarray) else values
    return pa.Array.from_buffers(pa.binary(), n, [None, pa.py_buffer(offsets), pa.py_buffer(data)])


def _with_nulls(arr: pa.Array, source: pa.Array) -> pa.Array:
    if source.null_count == 0:
        return arr
    return pc.if_else(pc.is_null(source), pa.scalar(None, pa.binary()), arr)


def _as_binary(arr: pa.Array) -> pa.Array:
    return arr.cast(pa.binary()) if not pa.types.is_binary(arr.type) else arr


def _numbers(arr: pa.Array, dtype: str) -> np.ndarray:
    """The values of a primitive column as numpy (NULLs as zero)."""
    if arr.null_count:
        arr = arr.fill_null(0)
    return arr.to_numpy(zero_copy_only=False).astype(dtype, copy=False)


def _per_value(arr: pa.Array, encode: Callable[[Any], bytes]) -> pa.Array:
    return pa.array([None if v is None else encode(v) for v in arr.to_pylist()], pa.binary())


def _micros(arr: pa.Array) -> np.ndarray:
    return _numbers(arr.cast(pa.int64()) if not pa.types.is_integer(arr.type) else arr, "int64")


def _clock_text(micros: np.ndarray, source: pa.Array, clock: pa.DataType, suffix: bytes) -> pa.Array:
    """The whole seconds as Arrow casts `clock` (timestamp[s]: `2024-01-02 03:04:05`, time32[s]:
    `03:04:05`), `.ffffff` when the microseconds are not zero (as datetime.isoformat writes them), then
    `suffix`."""
    seconds = np.floor_divide(micros, 1_000_000)
    fraction = micros - seconds * 1_000_000
    if pa.types.is_time32(clock):
        seconds = seconds.astype(np.int32)
    parts = [pc.cast(pa.array(seconds, clock), pa.string())]
    if fraction.any():
        digits = pc.utf8_lpad(pa.array(fraction).cast(pa.string()), width=6, padding="0")
        parts.append(pc.if_else(pa.array(fraction == 0), "", pc.binary_join_element_wise(".", digits, "")))
    if suffix:
        parts.append(pa.scalar(suffix.decode()))
    text = parts[0] if len(parts) == 1 else pc.binary_join_element_wise(*parts, "")
    return _with_nulls(_as_binary(text), source)


def _float_text(arr: pa.Array, encode: Callable[[Any], bytes]) -> pa.Array:
    """Arrow writes the same shortest round-trip digits as Python's repr in [1e-4, 1e9); other values
    (and NaN, infinities) take the row path's function."""
    values = _numbers(arr, "float64")
    magnitude = np.abs(values)
    plain = ((magnitude >= 1e-4) & (magnitude < 1e9)) | (magnitude == 0)
    if arr.null_count:
        plain |= np.asarray(arr.is_null())
    text = _as_binary(pc.cast(arr.cast(pa.float64()), pa.string()))
    if not plain.all():
        odd = np.flatnonzero(~plain)
        fixed = pa.array([encode(float(values[i])) for i in odd], pa.binary())
        text = pc.replace_with_mask(text, pa.array(~plain), fixed)
    return text


def _decimal_digits(arr: pa.Array) -> np.ndarray | None:
    """The unscaled integers of a decimal column as int64 (NULL as 0), or None when one does not fit
    (DuckDB types `i * 0.5` DECIMAL(21,1) although its values are small: the values decide)."""
    if not isinstance(arr.type, pa.Decimal128Type):
        return None
    raw = np.frombuffer(arr.buffers()[1], dtype="<i8")
    pairs = raw[2 * arr.offset : 2 * (arr.offset + len(arr))].reshape(-1, 2)
    low, high = pairs[:, 0].copy(), pairs[:, 1]
    if arr.null_count:
        nulls = np.asarray(arr.is_null())
        low[nulls] = 0
        fits = (high == (low >> 63)) | nulls
    else:
        fits = high == (low >> 63)
    if not fits.all() or (low == np.iinfo(np.int64).min).any():
        return None
    return low


def _numeric_binary(arr: pa.Array, encode: Callable[[Any], bytes]) -> pa.Array:
    """NUMERIC's binary form (base-10000 digits, weight, sign, display scale) for decimals that fit int64."""
    unscaled = _decimal_digits(arr) if arr.type.scale <= 16 else None  # fraction digits stay in int64
    if unscaled is None:
        return _per_value(arr, encode)
    scale = arr.type.scale
    n = len(arr)
    frac_groups = (scale + 3) // 4
    magnitude = np.abs(unscaled)
    integer = magnitude // 10**scale
    fraction = (magnitude % 10**scale) * 10 ** (4 * frac_groups - scale)
    int_groups = 5  # 10**18 has 19 digits: five base-10000 groups
    groups = np.zeros((n, int_groups + frac_groups), dtype=np.int64)
    for k in range(int_groups):
        groups[:, int_groups - 1 - k] = (integer // 10 ** (4 * k)) % 10000
    for k in range(frac_groups):
        groups[:, int_groups + frac_groups - 1 - k] = (fraction // 10 ** (4 * k)) % 10000
    nonzero = groups != 0
    width = groups.shape[1]
    any_digit = nonzero.any(axis=1)
    first = np.where(any_digit, nonzero.argmax(axis=1), 0)
    last = np.where(any_digit, width - 1 - nonzero[:, ::-1].argmax(axis=1), -1)
    ndigits = np.where(any_digit, last - first + 1, 0)
    weight = np.where(any_digit, int_groups - 1 - first, 0)
    sign = np.where((unscaled < 0) & any_digit, 0x4000, 0)
    # a fixed-width row per value (header + every group, shifted so the first digit leads), then cut
    index = np.minimum(first[:, None] + np.arange(width), width - 1)
    shifted = np.take_along_axis(groups, index, axis=1)
    record = np.zeros(n, dtype=[("h", ">i2", (4,)), ("g", ">u2", (width,))])
    record["h"][:, 0] = ndigits
    record["h"][:, 1] = weight
    record["h"][:, 2] = sign.astype(np.uint16).view(np.int16)
    record["h"][:, 3] = scale
    record["g"] = shifted
    lengths = 8 + 2 * ndigits
    flat = record.view(np.uint8).reshape(n, 8 + 2 * width)
    keep = np.arange(8 + 2 * width) < lengths[:, None]
    data = flat[keep]
    offsets = np.zeros(n + 1, dtype=np.int32)
    np.cumsum(lengths, out=offsets[1:])
    out = pa.Array.from_buffers(pa.binary(), n, [None, pa.py_buffer(offsets), pa.py_buffer(data.tobytes())])
    return _with_nulls(out, arr)


def _list_parts(arr: pa.Array) -> tuple[np.ndarray, pa.Array]:
    """A list column's offsets (from 0) and the part of its child array this slice covers."""
    offsets = np.asarray(arr.offsets.to_numpy(zero_copy_only=False), dtype=np.int64)
    start = int(offsets[0])
    return offsets - start, arr.values.slice(start, int(offsets[-1]) - start)


def _array_text(arr: pa.Array, elem_oid: int, encode: Callable[[Any], bytes]) -> pa.Array:
    """Text arrays (`{1,2}`, `{"a b",NULL}`) of integer and string elements, as types._text_array writes
    them; other element types go value by value."""
    offsets, child = _list_parts(arr)
    ct = child.type
    if pa.types.is_integer(ct):
        items = pc.cast(child, pa.string())
    elif pa.types.is_string(ct) or pa.types.is_large_string(ct):
        items = child.cast(pa.string())
        needs = pc.or_(pc.equal(items, ""), pc.equal(pc.utf8_upper(items), "NULL"))
        for special in ' {},"\\':
            needs = pc.or_(needs, pc.match_substring(items, special))
        escaped = pc.replace_substring(pc.replace_substring(items, "\\", "\\\\"), '"', '\\"')
        items = pc.if_else(needs, pc.binary_join_element_wise('"', escaped, '"', ""), items)
    else:
        return _per_value(arr, encode)
    items = items.fill_null("NULL") if items.null_count else items
    lists = pa.ListArray.from_arrays(pa.array(offsets.astype(np.int32)), items)
    text = pc.binary_join_element_wise("{", pc.binary_join(lists, ","), "}", "")
    return _with_nulls(_as_binary(text), arr)


def _array_binary(arr: pa.Array, elem_oid: int, encode: Callable[[Any], bytes]) -> pa.Array:
    """One-dimensional binary arrays (ndim, has-null, element oid, length, lower bound 1, then each
    element's length and bytes) of elements with a columnar binary form; others go value by value."""
    offsets, child = _list_parts(arr)
    ct = child.type
    if not (pa.types.is_integer(ct) or pa.types.is_string(ct) or pa.types.is_large_string(ct)):
        return _per_value(arr, encode)
    element = binary_column(child, elem_oid, encode)
    parts, _size = _framed([element], len(element))
    framed = pc.binary_join_element_wise(*parts, b"")
    body = pc.binary_join(pa.ListArray.from_arrays(pa.array(offsets.astype(np.int32)), framed), b"")
    n = len(arr)
    lengths = offsets[1:] - offsets[:-1]
    nulls = np.concatenate([[0], np.cumsum(np.asarray(child.is_null()), dtype=np.int64)])
    has_null = (nulls[offsets[1:]] - nulls[offsets[:-1]]) > 0
    header = np.zeros((n, 5), dtype=">i4")
    header[:, 0] = lengths > 0
    header[:, 1] = has_null
    header[:, 2] = np.array(elem_oid, dtype=np.uint32).view(np.int32)
    header[:, 3] = lengths
    header[:, 4] = 1
    full = _binary(header, 20, n)
    empty = _binary(header[:, :3].copy(), 12, n)
    heads = pc.if_else(pa.array(lengths == 0), empty, full)
    return _with_nulls(pc.binary_join_element_wise(heads, body, b""), arr)


def _elem_oid(oid: int) -> int:
    t = pgt.BY_OID.get(oid)
    return t.elem_oid if t is not None else 0


def text_column(arr: pa.Array, oid: int, encode: Callable[[Any], bytes]) -> pa.Array:
    """The text-format fields of one column (NULL where NULL); `encode` is the row path's encoder."""
    t = arr.type
    if pa.types.is_null(t):
        return pa.nulls(len(arr), pa.binary())
    if oid in _INT_OIDS and pa.types.is_integer(t):
        return _as_binary(pc.cast(arr, pa.string()))
    if oid in _TEXT_OIDS and (pa.types.is_string(t) or pa.types.is_large_string(t)):
        return arr.cast(pa.binary())
    if oid == pgt.BOOL and pa.types.is_boolean(t):
        return pc.if_else(arr, b"t", b"f")
    if oid in (pgt.FLOAT4, pgt.FLOAT8) and pa.types.is_floating(t):
        return _float_text(arr, encode)
    if oid == pgt.NUMERIC and pa.types.is_decimal(t):
        return _as_binary(pc.cast(arr, pa.string()))
    if oid == pgt.DATE and pa.types.is_date32(t):
        return _as_binary(pc.cast(arr, pa.string()))
    if oid in (pgt.TIMESTAMP, pgt.TIMESTAMPTZ) and pa.types.is_timestamp(t) and t.unit == "us":
        suffix = b"+00" if oid == pgt.TIMESTAMPTZ else b""
        return _clock_text(_micros(arr), arr, pa.timestamp("s"), suffix)
    if oid == pgt.TIME and pa.types.is_time64(t) and t.unit == "us":
        return _clock_text(_micros(arr), arr, pa.time32("s"), b"")
    if pa.types.is_list(t) and _elem_oid(oid):
        return _array_text(arr, _elem_oid(oid), encode)
    return _per_value(arr, encode)


def binary_column(arr: pa.Array, oid: int, encode: Callable[[Any], bytes]) -> pa.Array:
    """The binary-format fields of one column (NULL where NULL)."""
    t = arr.type
    n = len(arr)
    if pa.types.is_null(t):
        return pa.nulls(n, pa.binary())
    widths = {pgt.INT2: ">i2", pgt.INT4: ">i4", pgt.INT8: ">i8", pgt.OID: ">u4"}
    if oid in widths and pa.types.is_integer(t):
        dtype = widths[oid]
        return _with_nulls(_binary(_numbers(arr, dtype), np.dtype(dtype).itemsize, n), arr)
    if oid in (pgt.FLOAT4, pgt.FLOAT8) and pa.types.is_floating(t):
        dtype = ">f4" if oid == pgt.FLOAT4 else ">f8"
        return _with_nulls(_binary(_numbers(arr, dtype), np.dtype(dtype).itemsize, n), arr)
    if oid == pgt.BOOL and pa.types.is_boolean(t):
        return pc.if_else(arr, b"\x01", b"\x00")
    if oid in _TEXT_OIDS and (pa.types.is_string(t) or pa.types.is_large_string(t)):
        return arr.cast(pa.binary())
    if oid == pgt.DATE and pa.types.is_date32(t):
        days = _numbers(arr.cast(pa.int32()), "int64") - _PG_EPOCH_DAYS
        return _with_nulls(_binary(days.astype(">i4"), 4, n), arr)
    if oid in (pgt.TIMESTAMP, pgt.TIMESTAMPTZ) and pa.types.is_timestamp(t) and t.unit == "us":
        micros = _micros(arr) - _PG_EPOCH_MICROS
        return _with_nulls(_binary(micros.astype(">i8"), 8, n), arr)
    if oid == pgt.TIME and pa.types.is_time64(t) and t.unit == "us":
        return _with_nulls(_binary(_micros(arr).astype(">i8"), 8, n), arr)
    if oid == pgt.NUMERIC and pa.types.is_decimal(t):
        return _numeric_binary(arr, encode)
    if pa.types.is_list(t) and _elem_oid(oid) in (pgt.INT8, pgt.INT4, pgt.INT2, pgt.TEXT, pgt.VARCHAR):
        return _array_binary(arr, _elem_oid(oid), encode)
    return _per_value(arr, encode)


# ---- rows ------------------------------------------------------------------------------------------------


def _lengths(fields: pa.Array) -> np.ndarray:
    """Each field's length, -1 for NULL (the protocol's length word)."""
    return (
        _numbers(pc.binary_length(fields), "int32")
        if not fields.null_count
        else np.where(np.asarray(fields.is_null()), -1, _numbers(pc.binary_length(fields), "int32")).astype(
            np.int32
        )
    )


def _concat(parts: Sequence[pa.Array]) -> bytes:
    """The bytes of each row's parts, rows one after the other."""
    joined = pc.binary_join_element_wise(*parts, b"")
    offsets = np.frombuffer(joined.buffers()[1], dtype=np.int32)[
        joined.offset : joined.offset + len(joined) + 1
    ]
    data = joined.buffers()[2]
    if data is None:
        return b""
    return data.to_pybytes()[int(offsets[0]) : int(offsets[-1])]


def _framed(fields: Sequence[pa.Array], n: int) -> tuple[list[pa.Array], np.ndarray]:
    """Length word + data per field; and each row's size (sum of both over the fields)."""
    parts: list[pa.Array] = []
    size = np.zeros(n, dtype=np.int64)
    for column in fields:
        lengths = _lengths(column)
        parts.append(_binary(lengths.astype(">i4"), 4, n))
        parts.append(column.fill_null(b"") if column.null_count else column)
        size += 4 + np.maximum(lengths, 0)
    return parts, size


def data_rows(fields: Sequence[pa.Array], n: int) -> bytes:
    """DataRow messages for `n` rows whose columns are `fields`."""
    parts, size = _framed(fields, n)
    header = np.zeros(n, dtype=[("k", "S1"), ("len", ">i4"), ("count", ">i2")])
    header["k"] = b"D"
    header["len"] = size + 6
    header["count"] = len(fields)
    return _concat([_binary(header, 7, n), *parts])


def copy_binary_rows(fields: Sequence[pa.Array], n: int) -> pa.Array:
    """COPY's binary tuples (field count, then length and data per field), one binary value per row."""
    parts, _size = _framed(fields, n)
    count = _binary(np.full(n, len(fields), dtype=">i2"), 2, n)
    return pc.binary_join_element_wise(count, *parts, b"")


def copy_messages(rows: pa.Array, first: bytes = b"") -> bytes:
    """One CopyData message per row (`first` goes in front of the first row's data)."""
    if first and len(rows):
        head = first + rows[0].as_py()
        return b"d" + (len(head) + 4).to_bytes(4, "big") + head + copy_messages(rows.slice(1))
    n = len(rows)
    if n == 0:
        return b""
    lengths = _numbers(pc.binary_length(rows), "int64")
    header = np.zeros(n, dtype=[("k", "S1"), ("len", ">i4")])
    header["k"] = b"d"
    header["len"] = lengths + 4
    return _concat([_binary(header, 5, n), rows])


# the characters the text of these types is made of (numbers, NaN/Infinity, dates, times, t/f)
_PLAIN_CHARS = set(b"0123456789+-.:eE NaInfityt")
_PLAIN_OIDS = frozenset({pgt.INT2, pgt.INT4, pgt.INT8, pgt.OID, pgt.FLOAT4, pgt.FLOAT8, pgt.NUMERIC})
_PLAIN_OIDS |= {pgt.BOOL, pgt.DATE, pgt.TIME, pgt.TIMESTAMP, pgt.TIMESTAMPTZ}


def copy_text_rows(
    fields: Sequence[pa.Array],
    *,
    csv: bool,
    null: bytes,
    delimiter: bytes,
    quote: bytes,
    escape: bytes,
    force_quote: bool,
    oids: Sequence[int] = (),
) -> pa.Array:
    """Text or CSV lines (with their newline), one binary value per row, as copyout.CopyEncoder writes them.
    Columns of number, date, time and boolean types (`oids`) are not searched for characters to quote or
    escape when the options' characters cannot occur in them."""
    plain_ok = not (set(delimiter + quote) & _PLAIN_CHARS) and (null == b"" or bool(set(null) - _PLAIN_CHARS))
    out: list[pa.Array] = []
    for index, column in enumerate(fields):
        if plain_ok and index < len(oids) and oids[index] in _PLAIN_OIDS and not force_quote:
            value = column
        elif csv:
            specials = (delimiter, quote, b"\n", b"\r")
            if force_quote:
                needs = pa.array(np.ones(len(column), dtype=bool))
            else:
                needs = pc.equal(column, null)
                for special in specials:
                    needs = pc.or_(needs, pc.match_substring(column, special.decode()))
            escaped = pc.replace_substring(column, quote.decode(), (escape + quote).decode())
            quoted = pc.binary_join_element_wise(quote, escaped, quote, b"")
            value = pc.if_else(needs, quoted, column)
        else:
            value = column
            for special, replacement in (
                (b"\\", b"\\\\"),
                (b"\n", b"\\n"),
                (b"\r", b"\\r"),
                (b"\t", b"\\t"),
            ):
                value = pc.replace_substring(value, special.decode(), replacement.decode())
            if delimiter != b"\t":
                value = pc.replace_substring(value, delimiter.decode(), (b"\\" + delimiter).decode())
        out.append(value.fill_null(null) if value.null_count else value)
    joined = pc.binary_join_element_wise(*out, delimiter)
    return pc.binary_join_element_wise(joined, b"\n", b"")
