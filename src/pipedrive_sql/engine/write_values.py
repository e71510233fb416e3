"""SQL values -> the JSON the API expects, one column at a time, with errors that name the column.

A value arrives as Python (a literal of the statement, a bound parameter, or a value DuckDB computed for
``INSERT ... SELECT`` and ``SET Value = Value * 2``) and leaves as what Pipedrive's request bodies take:
numbers, text, ``YYYY-MM-DD`` dates, ``HH:MM:SS`` times, lists of ids, objects. Custom fields take option
ids for enum and set values (given by label or id). A value that does not fit is a DataError naming the
column (and the row), raised before anything is sent.
"""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Mapping, Sequence
from decimal import Decimal
from typing import Any

import orjson
import pyarrow as pa

from pipedrive_sql.catalog.spec import Column
from pipedrive_sql.catalog.types import to_money
from pipedrive_sql.errors import DataError

__all__ = ["BadValue", "convert", "custom_value", "option_ids"]


class BadValue(DataError):
    """A value that does not fit its column; the caller adds the table, column and row to the message."""


def _fail(what: str, value: Any) -> BadValue:
    shown = repr(value) if not isinstance(value, str) or len(value) < 80 else repr(value[:77] + "...")
    return BadValue(f"expects {what}, got {shown}")


# ---- scalars --------------------------------------------------------------------------------------------


def to_int(value: Any) -> int:
    if isinstance(value, bool):
        raise _fail("a whole number", value)
    if isinstance(value, int):
        return value
    if isinstance(value, float | Decimal) and math.isfinite(value) and value == int(value):
        return int(value)
    if isinstance(value, str):
        try:
            return int(value.strip())
        except ValueError:
            pass
    raise _fail("a whole number", value)


def to_float(value: Any) -> float:
    if isinstance(value, bool):
        raise _fail("a number", value)
    if isinstance(value, int | float | Decimal):
        number = float(value)
        if math.isfinite(number):
            return number
    if isinstance(value, str):
        try:
            number = float(value.strip())
        except ValueError:
            pass
        else:
            if math.isfinite(number):
                return number
    raise _fail("a number", value)


def to_number(value: Any) -> int | float:
    """A number as the API likes it: whole numbers as integers."""
    number = to_float(value)
    return int(number) if number.is_integer() and abs(number) < 2**53 else number


def to_amount(value: Any) -> int | float:
    """A monetary amount (int, float, Decimal or numeric text) at DECIMAL(18,4)'s scale, as a JSON number:
    whole amounts as integers, others as the float whose shortest repr is the amount's digits (exact up
    to 15 significant digits, which covers every amount below 10**11 at 4 places)."""
    if isinstance(value, bool) or not isinstance(value, int | float | Decimal | str):
        raise _fail("a number", value)
    amount = to_money(value)
    if amount is None:
        raise _fail("a number (DECIMAL(18,4): up to 14 digits before the point)", value)
    if amount == amount.to_integral_value():
        return int(amount)
    return float(amount)


def to_text(value: Any) -> str:
    if isinstance(value, str):
        return value
    raise _fail("text", value)


_TRUE = {"true", "1", "yes", "t", "y"}
_FALSE = {"false", "0", "no", "f", "n"}


def to_bool(value: Any) -> bool:
    if isinstance(value, bool):
        return value
    if isinstance(value, int) and value in (0, 1):
        return bool(value)
    if isinstance(value, str) and value.strip().lower() in _TRUE | _FALSE:
        return value.strip().lower() in _TRUE
    raise _fail("true or false", value)


def to_date(value: Any) -> str:
    if isinstance(value, dt.datetime):
        if value.time() == dt.time(0) and value.tzinfo is None:
            return value.date().isoformat()
        raise _fail("a date (YYYY-MM-DD)", value)
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, str):
        try:
            return dt.date.fromisoformat(value.strip()).isoformat()
        except ValueError:
            pass
    raise _fail("a date (YYYY-MM-DD)", value)


def to_time(value: Any) -> str:
    if isinstance(value, dt.time):
        return value.replace(microsecond=0).isoformat()
    if isinstance(value, str):
        text = value.strip()
        if len(text) > 1 and text[1] == ":":
            text = "0" + text  # 9:30
        try:
            return dt.time.fromisoformat(text).replace(microsecond=0).isoformat()
        except ValueError:
            pass
    raise _fail("a time (HH:MM or HH:MM:SS)", value)


def to_timestamp(value: Any) -> str:
    """RFC 3339 in UTC with ``Z``, as API v2 writes timestamps (naive values are UTC)."""
    parsed: dt.datetime | None = None
    if isinstance(value, dt.datetime):
        parsed = value
    elif isinstance(value, dt.date):
        parsed = dt.datetime(value.year, value.month, value.day)
    elif isinstance(value, str):
        try:
            parsed = dt.datetime.fromisoformat(value.strip())
        except ValueError:
            parsed = None
    if parsed is None:
        raise _fail("a timestamp (YYYY-MM-DD HH:MM:SS)", value)
    if parsed.tzinfo is not None:
        parsed = parsed.astimezone(dt.UTC).replace(tzinfo=None)
    return parsed.replace(microsecond=0).isoformat() + "Z"


def to_json(value: Any) -> Any:
    """A JSON value: text is parsed; lists and objects pass."""
    if isinstance(value, str):
        try:
            return orjson.loads(value)
        except orjson.JSONDecodeError:
            raise _fail("JSON text", value) from None
    if isinstance(value, list | tuple | dict):
        return _plain(value)
    raise _fail("JSON (text, a list or an object)", value)


def _plain(value: Any) -> Any:
    """Lists and objects with values JSON can carry (dates as ISO text, Decimals as numbers)."""
    if isinstance(value, Mapping):
        return {str(k): _plain(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_plain(v) for v in value]
    if isinstance(value, Decimal):
        return to_number(value)
    if isinstance(value, dt.datetime):
        return to_timestamp(value)
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, dt.time):
        return value.isoformat()
    return value


# ---- lists and structs (typed by the column's Arrow type) ----------------------------------------------------


def _as_list(value: Any) -> list[Any]:
    """A list from a list, JSON text (``'[1, 2]'``) or comma-separated text (``'1,2'``)."""
    if isinstance(value, list | tuple):
        return list(value)
    if isinstance(value, str):
        text = value.strip()
        if text.startswith("["):
            parsed = to_json(text)
            if isinstance(parsed, list):
                return parsed
        return [part.strip() for part in text.split(",") if part.strip()] if text else []
    raise _fail("a list (list_value(...), JSON text '[...]' or 'a,b')", value)


def _as_object(value: Any) -> dict[str, Any]:
    if isinstance(value, Mapping):
        return dict(value)
    if isinstance(value, str) and value.strip().startswith("{"):
        parsed = to_json(value)
        if isinstance(parsed, dict):
            return parsed
    raise _fail("an object (a STRUCT or JSON text '{...}')", value)


def _struct(value: Any, arrow: pa.StructType, shorthand: str) -> dict[str, Any]:
    """An object with the struct's keys; plain text becomes ``{shorthand: text}`` when the struct has one."""
    if isinstance(value, str) and not value.strip().startswith("{") and shorthand:
        return {shorthand: value}
    found = _as_object(value)
    names = {arrow.field(i).name for i in range(arrow.num_fields)}
    unknown = sorted(set(found) - names)
    if unknown:
        raise _fail(f"an object with keys {', '.join(sorted(names))} (unknown: {', '.join(unknown)})", value)
    return {k: _plain(v) for k, v in found.items() if v is not None}


def _list(value: Any, arrow: pa.ListType) -> list[Any]:
    item = arrow.value_type
    if pa.types.is_struct(item):
        if isinstance(value, str) and not value.strip().startswith("["):
            return _contact_list(value, item)
        if isinstance(value, Mapping):
            value = [value]
        return [_struct(v, item, _shorthand(item)) for v in _as_list(value)]
    items = _as_list(value)
    if pa.types.is_integer(item):
        return [to_int(v) for v in items]
    if pa.types.is_floating(item):
        return [to_float(v) for v in items]
    return [to_text(v) if isinstance(v, str) else to_text(str(v)) for v in items]


def _shorthand(struct: pa.StructType) -> str:
    names = [struct.field(i).name for i in range(struct.num_fields)]
    for candidate in ("value", "label", "person_id", "email"):
        if candidate in names:
            return candidate
    return ""


def _contact_list(text: str, item: pa.StructType) -> list[dict[str, Any]]:
    """``'a@x.com'`` -> one primary entry; ``'a@x.com,b@x.com'`` -> one entry each, the first primary."""
    key = _shorthand(item)
    if not key:
        raise _fail("a list (JSON text '[...]')", text)
    names = {item.field(i).name for i in range(item.num_fields)}
    entries: list[dict[str, Any]] = []
    for index, part in enumerate(p.strip() for p in text.split(",") if p.strip()):
        entry: dict[str, Any] = {key: part}
        if "primary" in names:
            entry["primary"] = index == 0
        entries.append(entry)
    return entries


# ---- by column ------------------------------------------------------------------------------------------


def convert(column: Column, value: Any, api_type: str = "", choices: Sequence[Any] = ()) -> Any:
    """``value`` (not None) as the API takes it for built-in column ``column``."""
    result = to_int(value) if api_type == "int" else _by_kind(column, value)
    if choices:
        check_choice(result, choices)
    return str(result) if api_type == "text" else result


def _by_kind(column: Column, value: Any) -> Any:
    kind = column.type.kind
    arrow = column.type.arrow
    if kind == "int":
        return to_int(value)
    if kind == "float":
        return to_number(value)
    if kind == "decimal":
        return to_amount(value)
    if kind == "str":
        return to_text(value)
    if kind == "bool":
        return to_bool(value)
    if kind == "date":
        return to_date(value)
    if kind == "time":
        return to_time(value)
    if kind == "timestamp":
        return to_timestamp(value)
    if kind == "json":
        return to_json(value)
    if kind == "list" and isinstance(arrow, pa.ListType):
        return _list(value, arrow)
    if kind == "struct" and isinstance(arrow, pa.StructType):
        return _struct(value, arrow, _shorthand(arrow))
    return _plain(value)


def check_choice(value: Any, choices: Sequence[Any]) -> None:
    if value in choices:
        return
    shown = ", ".join(repr(c) if isinstance(c, str) else str(c) for c in choices)
    raise BadValue(f"expects one of {shown}, got {value!r}")


# ---- custom fields --------------------------------------------------------------------------------------


def option_ids(column: Column, value: Any) -> int | list[int] | None:
    """Enum and set values by label (exact, then case-insensitive) or by option id."""
    assert column.custom is not None
    options = column.custom.options
    if column.custom.field_type == "enum":
        return _option(options, value)
    if isinstance(value, str) and _find_label(options, value) is None:
        value = [part for part in (p.strip() for p in value.split(",")) if part]
    elif not isinstance(value, list | tuple):
        value = [value]
    ids = sorted({_option(options, v) for v in value})
    return ids or None


def _option(options: Mapping[str, str], value: Any) -> int:
    if isinstance(value, str):
        found = _find_label(options, value)
        if found is not None:
            return found
        if value.strip().isdigit() and value.strip() in options:
            return int(value.strip())
    elif isinstance(value, int | Decimal | float) and not isinstance(value, bool) and str(value) in options:
        return int(value)
    labels = ", ".join(options.values()) or "none"
    raise BadValue(f"has no option {value!r}: its options are {labels}")


def _find_label(options: Mapping[str, str], label: str) -> int | None:
    for option_id, text in options.items():
        if text == label:
            return int(option_id)
    lowered = [option_id for option_id, text in options.items() if text.lower() == label.strip().lower()]
    return int(lowered[0]) if len(lowered) == 1 else None


_CUSTOM_TEXT = {"varchar", "text", "phone", "varchar_auto", "varchar_options", "lead"}
_CUSTOM_IDS = {"user", "org", "people", "deal", "stage", "project", "activity", "int", "visible_to"}


def custom_value(column: Column, value: Any) -> Any:
    """The value of one custom-field column (one part, for monetary and range fields) as API v2 takes it."""
    assert column.custom is not None
    field_type = column.custom.field_type
    part = column.custom.part
    if field_type == "monetary":
        return to_text(value).upper() if part == "currency" else to_amount(value)
    if field_type in ("enum", "set"):
        return option_ids(column, value)
    if field_type in ("date", "daterange"):
        return to_date(value)
    if field_type in ("time", "timerange"):
        return to_time(value)
    if field_type == "double":
        return to_number(value)
    if field_type in _CUSTOM_IDS:
        return to_int(value)
    if field_type == "boolean":
        return to_bool(value)
    if field_type == "address":
        return {"value": to_text(value)} if isinstance(value, str) else to_json(value)
    if field_type == "json":
        return to_json(value)
    if field_type in _CUSTOM_TEXT:
        return to_text(value)
    return _plain(value)
