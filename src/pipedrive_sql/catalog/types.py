"""Column types: the SQL name users see, the Arrow type a scan produces, and how raw API values are coerced.

Building an Arrow column is the hot path of every scan (see notes/engine.md): each type first tries one
vectorised ``pa.array`` call over the raw values and only falls back to per-value coercion when the API
sent something unexpected (a string id, a nested ``{"value": ...}`` object, a naive timestamp...).
"""

from __future__ import annotations

import datetime as dt
import decimal
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import orjson
import pyarrow as pa
import pyarrow.compute as pc

__all__ = [
    "BIGINT",
    "BIGINT_LIST",
    "BOOLEAN",
    "DATE",
    "DOUBLE",
    "JSON",
    "MONEY",
    "TIME",
    "TIMESTAMP",
    "VARCHAR",
    "VARCHAR_LIST",
    "ColumnType",
    "list_of",
    "struct_of",
]

_TS = pa.timestamp("us", tz="UTC")
_ARROW_ERRORS = (pa.ArrowInvalid, pa.ArrowTypeError, pa.ArrowNotImplementedError, TypeError, ValueError)


@dataclass(frozen=True)
class ColumnType:
    """A column type. ``sql`` is DuckDB's name for it, as cursor.description and sys_tablecolumns show it."""

    sql: str
    arrow: pa.DataType
    kind: str  # int, float, decimal, str, bool, date, time, timestamp, list, struct, json
    coerce: Callable[[Any], Any] = field(compare=False, repr=False, default=lambda v: v)
    fast: Callable[[Sequence[Any], pa.DataType], pa.Array] | None = field(
        compare=False, repr=False, default=None
    )

    def build(self, values: Sequence[Any]) -> pa.Array:
        """The Arrow array for ``values`` (raw API values), coercing only when the fast path fails."""
        fast = self.fast or _plain
        try:
            return fast(values, self.arrow)
        except _ARROW_ERRORS:
            return _plain([self.coerce(v) for v in values], self.arrow)

    @property
    def python_type(self) -> str:
        return _PYTHON_TYPES.get(self.kind, "object")


_PYTHON_TYPES = {
    "int": "int",
    "float": "float",
    "decimal": "decimal.Decimal",
    "str": "str",
    "json": "str",
    "bool": "bool",
    "date": "datetime.date",
    "time": "datetime.time",
    "timestamp": "datetime.datetime",
    "list": "list",
    "struct": "dict",
}


def _plain(values: Sequence[Any], arrow: pa.DataType) -> pa.Array:
    return pa.array(values, type=arrow)


# ---- per-value coercion (slow path) ------------------------------------------------------------------


def _unwrap(value: Any) -> Any:
    """v1 nests references as objects (``{"value": 5, "name": ...}``); v2 sometimes as ``{"id": 5}``."""
    if isinstance(value, dict):
        for key in ("value", "id"):
            if key in value:
                return value[key]
        return None
    return value


def coerce_int(value: Any) -> int | None:
    value = _unwrap(value)
    if value is None or value == "":
        return None
    if isinstance(value, bool):
        return int(value)
    if isinstance(value, int):
        return value
    if isinstance(value, float):
        return int(value) if value.is_integer() else None
    try:
        return int(str(value).strip())
    except ValueError:
        try:
            number = float(str(value))
        except ValueError:
            return None
        return int(number) if number.is_integer() else None


def coerce_float(value: Any) -> float | None:
    value = _unwrap(value)
    if value is None or value == "" or isinstance(value, bool):
        return None
    try:
        return float(value)
    except (TypeError, ValueError):
        return None


MONEY_SCALE = 4
MONEY_PRECISION = 18
_MONEY_QUANTUM = decimal.Decimal(1).scaleb(-MONEY_SCALE)
_MONEY_LIMIT = decimal.Decimal(10) ** (MONEY_PRECISION - MONEY_SCALE)
_MONEY_CONTEXT = decimal.Context(prec=60, rounding=decimal.ROUND_HALF_EVEN)


def to_money(value: Any) -> decimal.Decimal | None:
    """``value`` as an exact decimal at the money scale (half-even rounding past 4 places), or None when it
    is no finite number that fits DECIMAL(18,4). A float counts as the number its shortest repr writes."""
    if value is None or value == "" or isinstance(value, bool):
        return None
    try:
        if isinstance(value, decimal.Decimal):
            number = value
        elif isinstance(value, int):
            number = decimal.Decimal(value)
        elif isinstance(value, float):
            number = decimal.Decimal(repr(value))
        elif isinstance(value, str):
            number = decimal.Decimal(value.strip())
        else:
            return None
        if not number.is_finite():
            return None
        quantized = number.quantize(_MONEY_QUANTUM, context=_MONEY_CONTEXT)
    except (decimal.InvalidOperation, ValueError):
        return None
    return quantized if abs(quantized) < _MONEY_LIMIT else None


def coerce_money(value: Any) -> decimal.Decimal | None:
    return to_money(_unwrap(value))


def coerce_bool(value: Any) -> bool | None:
    value = _unwrap(value)
    if value is None or value == "":
        return None
    if isinstance(value, bool):
        return value
    if isinstance(value, int | float):
        return bool(value)
    text = str(value).strip().lower()
    if text in ("true", "1", "yes", "y", "t"):
        return True
    if text in ("false", "0", "no", "n", "f"):
        return False
    return None


def coerce_str(value: Any) -> str | None:
    if value is None or isinstance(value, str):
        return value
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int | float):
        return str(value)
    if isinstance(value, dict) and "value" in value and not isinstance(value["value"], dict | list):
        return coerce_str(value["value"])
    return orjson.dumps(value, default=str).decode()


def coerce_json(value: Any) -> str | None:
    if value is None:
        return None
    if isinstance(value, str):
        return value
    return orjson.dumps(value, default=str).decode()


def coerce_timestamp(value: Any) -> dt.datetime | None:
    """An aware datetime (naive input means UTC); None when the value is not a timestamp."""
    value = _unwrap(value)
    if value is None or value == "":
        return None
    if isinstance(value, dt.datetime):
        return value if value.tzinfo else value.replace(tzinfo=dt.UTC)
    if isinstance(value, dt.date):
        return dt.datetime(value.year, value.month, value.day, tzinfo=dt.UTC)
    if isinstance(value, int | float) and not isinstance(value, bool):
        return dt.datetime.fromtimestamp(value, dt.UTC)
    try:
        parsed = dt.datetime.fromisoformat(str(value).strip())
    except ValueError:
        return None
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=dt.UTC)


def coerce_date(value: Any) -> dt.date | None:
    value = _unwrap(value)
    if value is None or value == "":
        return None
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    try:
        return dt.date.fromisoformat(str(value).strip()[:10])
    except ValueError:
        return None


def coerce_time(value: Any) -> dt.time | None:
    value = _unwrap(value)
    if value is None or value == "":
        return None
    if isinstance(value, dt.time):
        return value
    text = str(value).strip()
    try:
        return dt.time.fromisoformat(text)
    except ValueError:
        try:
            return dt.datetime.fromisoformat(text.replace("Z", "+00:00")).time()
        except ValueError:
            return None


def _coerce_list(item: Callable[[Any], Any]) -> Callable[[Any], Any]:
    def coerce(value: Any) -> list[Any] | None:
        if value is None or value == "":
            return None
        if isinstance(value, str):  # v1 sends sets as "1,2,3"
            value = [part for part in value.split(",") if part.strip()]
        if not isinstance(value, list | tuple):
            value = [value]
        return [item(v) for v in value]

    return coerce


def _coerce_struct(fields: dict[str, ColumnType]) -> Callable[[Any], Any]:
    def coerce(value: Any) -> dict[str, Any] | None:
        if not isinstance(value, dict):
            return None
        return {name: ftype.coerce(value.get(name)) for name, ftype in fields.items()}

    return coerce


# ---- fast paths ------------------------------------------------------------------------------------


def _timestamps_fast(values: Sequence[Any], arrow: pa.DataType) -> pa.Array:
    # Arrow's cast parses ISO 8601 with 'Z' or an offset at C speed; naive strings raise and take the slow path.
    return pa.array(values, type=pa.string()).cast(arrow)


def _dates_fast(values: Sequence[Any], arrow: pa.DataType) -> pa.Array:
    return pa.array(values, type=pa.string()).cast(arrow)


def _times_fast(values: Sequence[Any], arrow: pa.DataType) -> pa.Array:
    # Arrow cannot cast strings to time; parsing them as a timestamp on day 0 and casting works at C speed.
    # API v2 sends a time custom field as {"value": "09:30:00", "timezone_id": ...}.
    values = [v.get("value") if isinstance(v, dict) else v for v in values]
    stamps = pc.strptime(pa.array(values, type=pa.string()), format="%H:%M:%S", unit="us")
    return stamps.cast(arrow)


_MONEY_ARROW = pa.decimal128(MONEY_PRECISION, MONEY_SCALE)
_MONEY_FACTOR = 10.0**MONEY_SCALE
# Below 2**38 a double's spacing is under 1e-4, so at most one 4-place decimal round-trips to it: that one
# is the double's shortest repr (rounded to 4 places it is itself) and the check below finds it exactly.
_MONEY_EXACT = float(2**38)


def _money_fast(values: Sequence[Any], arrow: pa.DataType) -> pa.Array:
    """Numbers (ints and floats, as JSON gives them) to DECIMAL(18,4) without a pass per value; anything
    else (text, objects) raises and takes the per-value path."""
    return money_from_doubles(pa.array(values, type=pa.float64()), arrow)


def money_from_doubles(floats: pa.Array, arrow: pa.DataType = _MONEY_ARROW) -> pa.Array:
    """A float64 array as DECIMAL(18,4), each value the decimal its shortest repr writes: n = round(x *
    10**4) is that decimal scaled when n / 10**4 == x (exact while |x| < 2**38). Raises ValueError for
    values that need the per-value path (more than 4 places, huge, NaN)."""
    x = floats.to_numpy(zero_copy_only=False)
    valid = np.asarray(floats.is_valid()) if floats.null_count else ~np.isnan(x)
    x = np.where(valid, x, 0.0)
    scaled = np.rint(x * _MONEY_FACTOR)
    if not (np.all(np.abs(x) < _MONEY_EXACT) and np.all(scaled / _MONEY_FACTOR == x)):
        raise ValueError("an amount a double cannot give exactly")
    if not floats.null_count and not np.all(valid):
        raise ValueError("NaN where an amount is expected")
    low = scaled.astype(np.int64)
    words = np.empty(2 * len(low), dtype=np.int64)
    words[0::2] = low
    words[1::2] = low >> 63  # two's complement: the high word carries the sign
    validity = pa.array(valid).buffers()[1] if floats.null_count else None
    return pa.Array.from_buffers(
        arrow, len(low), [validity, pa.py_buffer(words.tobytes())], null_count=floats.null_count
    )


BIGINT = ColumnType("BIGINT", pa.int64(), "int", coerce_int)
DOUBLE = ColumnType("DOUBLE", pa.float64(), "float", coerce_float)
VARCHAR = ColumnType("VARCHAR", pa.string(), "str", coerce_str)
MONEY = ColumnType(
    f"DECIMAL({MONEY_PRECISION},{MONEY_SCALE})", _MONEY_ARROW, "decimal", coerce_money, fast=_money_fast
)
JSON = ColumnType(
    "VARCHAR",
    pa.string(),
    "json",
    coerce_json,
    fast=lambda v, t: pa.array([coerce_json(x) for x in v], type=t),
)
BOOLEAN = ColumnType("BOOLEAN", pa.bool_(), "bool", coerce_bool)
DATE = ColumnType("DATE", pa.date32(), "date", coerce_date, fast=_dates_fast)
TIME = ColumnType("TIME", pa.time64("us"), "time", coerce_time, fast=_times_fast)
TIMESTAMP = ColumnType("TIMESTAMP WITH TIME ZONE", _TS, "timestamp", coerce_timestamp, fast=_timestamps_fast)


def _lists_fast(values: Sequence[Any], arrow: pa.DataType) -> pa.Array:
    # pyarrow would read a string as a list of characters: v1's "1,2" sets take the slow path.
    if any(isinstance(v, str) for v in values):
        raise TypeError("text where a list is expected")
    return pa.array(values, type=arrow)


def list_of(item: ColumnType) -> ColumnType:
    """A LIST column (``BIGINT[]``, ``STRUCT(...)[]``)."""
    return ColumnType(
        f"{item.sql}[]", pa.list_(item.arrow), "list", _coerce_list(item.coerce), fast=_lists_fast
    )


def struct_of(**fields: ColumnType) -> ColumnType:
    """A STRUCT column; keys the API sends beyond ``fields`` are dropped, missing ones are NULL."""
    sql = "STRUCT(" + ", ".join(f'"{name}" {ftype.sql}' for name, ftype in fields.items()) + ")"
    arrow = pa.struct([(name, ftype.arrow) for name, ftype in fields.items()])
    return ColumnType(sql, arrow, "struct", _coerce_struct(fields))


BIGINT_LIST = list_of(BIGINT)
VARCHAR_LIST = list_of(VARCHAR)
