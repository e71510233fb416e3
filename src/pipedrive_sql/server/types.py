"""PostgreSQL types: which OID a result column gets, and how values travel as text or binary.

Results come from DB-API cursors whose `description` carries a type code of the backend's own kind
(DuckDB type objects, PEP 249 type objects, Python types, strings). `pg_type_for` maps any of them to a
PostgreSQL type; values are encoded per column with a function picked once per result, not per value.
"""

from __future__ import annotations

import datetime as dt
import decimal
import json
import math
import re
import struct
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from functools import partial
from typing import Any


@dataclass(frozen=True)
class PgType:
    oid: int
    name: str
    size: int  # typlen: -1 for variable length
    category: str  # typcategory
    array_oid: int = 0
    elem_oid: int = 0
    sql_name: str = ""  # format_type() spelling


def _t(oid: int, name: str, size: int, category: str, array_oid: int, sql_name: str = "") -> PgType:
    return PgType(oid, name, size, category, array_oid, 0, sql_name or name)


BASE_TYPES: list[PgType] = [
    _t(16, "bool", 1, "B", 1000, "boolean"),
    _t(17, "bytea", -1, "U", 1001),
    _t(18, "char", 1, "Z", 1002, '"char"'),
    _t(19, "name", 64, "S", 1003),
    _t(20, "int8", 8, "N", 1016, "bigint"),
    _t(21, "int2", 2, "N", 1005, "smallint"),
    _t(22, "int2vector", -1, "A", 1006),
    _t(23, "int4", 4, "N", 1007, "integer"),
    _t(24, "regproc", 4, "N", 1008),
    _t(25, "text", -1, "S", 1009),
    _t(26, "oid", 4, "N", 1028),
    _t(28, "xid", 4, "U", 1011),
    _t(30, "oidvector", -1, "A", 1013),
    _t(114, "json", -1, "U", 199),
    _t(700, "float4", 4, "N", 1021, "real"),
    _t(701, "float8", 8, "N", 1022, "double precision"),
    _t(705, "unknown", -2, "X", 0),
    _t(1042, "bpchar", -1, "S", 1014, "character"),
    _t(1043, "varchar", -1, "S", 1015, "character varying"),
    _t(1082, "date", 4, "D", 1182),
    _t(1083, "time", 8, "D", 1183, "time without time zone"),
    _t(1114, "timestamp", 8, "D", 1115, "timestamp without time zone"),
    _t(1184, "timestamptz", 8, "D", 1185, "timestamp with time zone"),
    _t(1186, "interval", 16, "T", 1187),
    _t(1266, "timetz", 12, "D", 1270, "time with time zone"),
    _t(1700, "numeric", -1, "N", 1231),
    _t(2205, "regclass", 4, "N", 2210),
    _t(2206, "regtype", 4, "N", 2211),
    _t(2950, "uuid", 16, "U", 2951),
    _t(3802, "jsonb", -1, "U", 3807),
    # more of PostgreSQL's pg_type, so that type loaders (Npgsql, pgjdbc, psycopg) find what they look up
    _t(142, "xml", -1, "U", 143),
    _t(650, "cidr", -1, "I", 651),
    _t(790, "money", 8, "N", 791),
    _t(829, "macaddr", 6, "U", 1040),
    _t(869, "inet", -1, "I", 1041),
    _t(1560, "bit", -1, "V", 1561),
    _t(1562, "varbit", -1, "V", 1563, "bit varying"),
    _t(2202, "regprocedure", 4, "N", 2207),
    _t(3614, "tsvector", -1, "U", 3643),
    _t(3734, "regconfig", 4, "N", 3735),
    _t(4089, "regnamespace", 4, "N", 4090),
    _t(4096, "regrole", 4, "N", 4097),
    # pseudo-types (typtype 'p'): Npgsql loads record and void
    _t(2249, "record", -1, "P", 2287),
    _t(2275, "cstring", -2, "P", 1263),
    _t(2276, "any", 4, "P", 0),
    _t(2277, "anyarray", -1, "P", 0),
    _t(2278, "void", 4, "P", 0),
    _t(2283, "anyelement", 4, "P", 0),
]


def _array_types() -> list[PgType]:
    return [
        PgType(t.array_oid, "_" + t.name, -1, "A", 0, t.oid, t.sql_name + "[]")
        for t in BASE_TYPES
        if t.array_oid
    ]


ALL_TYPES: list[PgType] = BASE_TYPES + _array_types()
BY_OID: dict[int, PgType] = {t.oid: t for t in ALL_TYPES}
BY_NAME: dict[str, PgType] = {t.name: t for t in ALL_TYPES}

BOOL, BYTEA, INT8, INT2, INT4, TEXT, OID = 16, 17, 20, 21, 23, 25, 26
FLOAT4, FLOAT8, UNKNOWN, VARCHAR, NUMERIC, JSON = 700, 701, 705, 1043, 1700, 114
DATE, TIME, TIMESTAMP, TIMESTAMPTZ, INTERVAL, UUID, JSONB = 1082, 1083, 1114, 1184, 1186, 2950, 3802


@dataclass(frozen=True)
class ColumnType:
    """A result column's PostgreSQL type, with typmod (numeric precision/scale, varchar length)."""

    oid: int
    typmod: int = -1

    @property
    def size(self) -> int:
        t = BY_OID.get(self.oid)
        return t.size if t else -1


def numeric_typmod(precision: int, scale: int) -> int:
    return ((precision << 16) | scale) + 4


# ---- mapping backend type codes to PostgreSQL --------------------------------------------------------

_NAMED: dict[str, int] = {
    "BOOLEAN": BOOL,
    "BOOL": BOOL,
    "TINYINT": INT2,
    "SMALLINT": INT2,
    "UTINYINT": INT2,
    "INTEGER": INT4,
    "INT": INT4,
    "USMALLINT": INT4,
    "BIGINT": INT8,
    "UBIGINT": NUMERIC,
    "HUGEINT": NUMERIC,
    "UHUGEINT": NUMERIC,
    # oids in the emulated catalog are UINTEGER, so they come back typed as oid
    "UINTEGER": OID,
    "FLOAT": FLOAT4,
    "REAL": FLOAT4,
    "DOUBLE": FLOAT8,
    "VARCHAR": VARCHAR,
    "STRING": VARCHAR,
    "TEXT": TEXT,
    "BLOB": BYTEA,
    "BINARY": BYTEA,
    "BYTEA": BYTEA,
    "DATE": DATE,
    "TIME": TIME,
    "TIMESTAMP": TIMESTAMP,
    "DATETIME": TIMESTAMP,
    "TIMESTAMP_NS": TIMESTAMP,
    "TIMESTAMP_MS": TIMESTAMP,
    "TIMESTAMP_S": TIMESTAMP,
    "TIMESTAMP WITH TIME ZONE": TIMESTAMPTZ,
    "TIMESTAMPTZ": TIMESTAMPTZ,
    "INTERVAL": INTERVAL,
    "UUID": UUID,
    "JSON": JSON,
    "NUMBER": NUMERIC,
    "DECIMAL": NUMERIC,
    "NUMERIC": NUMERIC,
}

_PY_TYPES: dict[type, int] = {
    bool: BOOL,
    int: INT8,
    float: FLOAT8,
    str: VARCHAR,
    bytes: BYTEA,
    decimal.Decimal: NUMERIC,
    dt.datetime: TIMESTAMP,
    dt.date: DATE,
    dt.time: TIME,
    dt.timedelta: INTERVAL,
    uuid.UUID: UUID,
    dict: JSON,
}

_DECIMAL_RE = re.compile(r"^(?:DECIMAL|NUMERIC)\((\d+),\s*(\d+)\)$")


def pg_type_for(type_code: Any, sample: Any = None) -> ColumnType:
    """The PostgreSQL type of a result column from a DB-API type code (and a sample value if vague)."""
    if isinstance(type_code, type) and type_code in _PY_TYPES:
        return ColumnType(_PY_TYPES[type_code])
    name = _type_code_name(type_code)
    m = _DECIMAL_RE.match(name)
    if m:
        return ColumnType(NUMERIC, numeric_typmod(int(m.group(1)), int(m.group(2))))
    if name.endswith("[]"):
        elem = pg_type_for(name[:-2])
        elem_type = BY_OID.get(elem.oid)
        return ColumnType(elem_type.array_oid if elem_type and elem_type.array_oid else TEXT)
    if name in _NAMED:
        oid = _NAMED[name]
        if oid == TIMESTAMP and isinstance(sample, dt.datetime) and sample.tzinfo is not None:
            return ColumnType(TIMESTAMPTZ)
        if oid == NUMERIC and name == "NUMBER" and sample is not None:
            return pg_type_for(type(sample), sample)
        return ColumnType(oid)
    if sample is not None:
        for py_type, oid in _PY_TYPES.items():
            if type(sample) is py_type:
                if oid == TIMESTAMP and getattr(sample, "tzinfo", None) is not None:
                    return ColumnType(TIMESTAMPTZ)
                return ColumnType(oid)
    return ColumnType(VARCHAR)


def _type_code_name(type_code: Any) -> str:
    """Normalise type codes of the many kinds DB-API drivers use to an upper-case SQL type name."""
    if type_code is None:
        return ""
    if isinstance(type_code, str):
        return type_code.upper()
    values = getattr(type_code, "values", None)  # PEP 249 type objects (STRING, NUMBER, ...)
    if isinstance(values, (set, frozenset, list, tuple)) and values:
        return str(sorted(values)[0]).upper()
    name = getattr(type_code, "__name__", None)
    if name:
        return str(name).upper()
    text = str(type_code).upper()
    if text.endswith("[]"):
        return text
    # pyarrow DataTypes stringify as int64, string, timestamp[us, tz=UTC], decimal128(18, 2)...
    return _ARROW_NAMES.get(text.split("[")[0], text) if "TZ=" not in text else "TIMESTAMPTZ"


_ARROW_NAMES = {
    "INT8": "SMALLINT",
    "INT16": "SMALLINT",
    "INT32": "INTEGER",
    "INT64": "BIGINT",
    "UINT8": "SMALLINT",
    "UINT16": "INTEGER",
    "UINT32": "BIGINT",
    "UINT64": "UBIGINT",
    "FLOAT": "FLOAT",
    "HALFFLOAT": "FLOAT",
    "DOUBLE": "DOUBLE",
    "STRING": "VARCHAR",
    "LARGE_STRING": "VARCHAR",
    "STRING_VIEW": "VARCHAR",
    "BINARY": "BLOB",
    "LARGE_BINARY": "BLOB",
    "DATE32": "DATE",
    "DATE64": "DATE",
    "TIMESTAMP": "TIMESTAMP",
    "TIME64": "TIME",
    "TIME32": "TIME",
    "BOOL": "BOOLEAN",
}


# ---- text encoding ------------------------------------------------------------------------------------

Encoder = Callable[[Any], bytes]

_PG_EPOCH_DATE = dt.date(2000, 1, 1)
_PG_EPOCH = dt.datetime(2000, 1, 1)
_PG_EPOCH_TZ = dt.datetime(2000, 1, 1, tzinfo=dt.UTC)


def _text_bool(v: Any) -> bytes:
    return b"t" if v else b"f"


def _text_float(v: Any) -> bytes:
    f = float(v)
    if math.isnan(f):
        return b"NaN"
    if math.isinf(f):
        return b"Infinity" if f > 0 else b"-Infinity"
    text = repr(f)
    return (text[:-2] if text.endswith(".0") else text).encode()


def _text_numeric(v: Any) -> bytes:
    if isinstance(v, decimal.Decimal):
        if v.is_nan():
            return b"NaN"
        return format(v, "f").encode()
    return str(v).encode()


def _text_timestamp(v: Any) -> bytes:
    if isinstance(v, dt.datetime):
        if v.tzinfo is not None:
            v = v.astimezone(dt.UTC).replace(tzinfo=None)
        return v.isoformat(sep=" ").encode()
    return str(v).encode()


def _text_timestamptz(v: Any) -> bytes:
    if isinstance(v, dt.datetime):
        if v.tzinfo is None:
            v = v.replace(tzinfo=dt.UTC)
        return v.astimezone(dt.UTC).replace(tzinfo=None).isoformat(sep=" ").encode() + b"+00"
    return str(v).encode()


def _text_bytea(v: Any) -> bytes:
    return b"\\x" + bytes(v).hex().encode()


def _interval_parts(v: Any) -> tuple[int, int, int]:
    """(months, days, microseconds) of an interval: exact from Arrow's month-day-nano values (the columnar
    path), months folded into days by the DB-API's timedelta (the row path)."""
    if isinstance(v, dt.timedelta):
        return 0, v.days, v.seconds * 1_000_000 + v.microseconds
    if hasattr(v, "months"):  # pyarrow's MonthDayNano
        return int(v.months), int(v.days), int(v.nanoseconds) // 1000
    raise TypeError(f"not an interval: {v!r}")


def _text_interval(v: Any) -> bytes:
    """PostgreSQL's interval output (IntervalStyle postgres): `1 year 2 mons 3 days 04:05:06.5`,
    `-1 days -02:00:00`, `36:00:00` (hours are not folded into days)."""
    if not isinstance(v, dt.timedelta) and not hasattr(v, "months"):
        return str(v).encode()
    months, days, micros = _interval_parts(v)
    years, months = int(months / 12), months - int(months / 12) * 12  # toward zero, as C divides
    out: list[str] = []
    negative = False  # the last part written was negative: a positive clock then gets a "+"
    for value, unit in ((years, "year"), (months, "mon"), (days, "day")):
        if value:
            out.append(f"{'+' if negative and value > 0 else ''}{value} {unit}{'' if value == 1 else 's'}")
            negative = value < 0
    if not out or micros:
        sign = "-" if micros < 0 else "+" if negative else ""
        seconds, fraction = divmod(abs(micros), 1_000_000)
        minutes, seconds = divmod(seconds, 60)
        hours, minutes = divmod(minutes, 60)
        clock = f"{sign}{hours:02d}:{minutes:02d}:{seconds:02d}"
        if fraction:
            clock += f".{fraction:06d}".rstrip("0")
        out.append(clock)
    return " ".join(out).encode()


def _text_json(v: Any) -> bytes:
    if isinstance(v, str):
        return v.encode()
    return json.dumps(v, default=str).encode()


def _text_default(v: Any) -> bytes:
    if isinstance(v, bytes):
        return v
    if isinstance(v, (list, tuple)):
        return _text_array(v)
    if isinstance(v, dict):
        return _text_json(v)
    if isinstance(v, bool):
        return _text_bool(v)
    if isinstance(v, float):
        return _text_float(v)
    if isinstance(v, decimal.Decimal):
        return _text_numeric(v)
    if isinstance(v, dt.datetime):
        return _text_timestamptz(v) if v.tzinfo is not None else _text_timestamp(v)
    if isinstance(v, dt.date):
        return v.isoformat().encode()
    return str(v).encode()


def _array_element(v: Any) -> str:
    if v is None:
        return "NULL"
    text = _text_default(v).decode()
    if text == "" or any(c in text for c in ' {},"\\') or text.upper() == "NULL":
        return '"' + text.replace("\\", "\\\\").replace('"', '\\"') + '"'
    return text


def _text_array(v: Any) -> bytes:
    return ("{" + ",".join(_array_element(e) for e in v) + "}").encode()


def _text_int(v: Any) -> bytes:
    return b"%d" % v


def _text_str(v: Any) -> bytes:
    return v.encode() if type(v) is str else _text_default(v)


_TEXT_ENCODERS: dict[int, Encoder] = {
    INT2: _text_int,
    INT4: _text_int,
    INT8: _text_int,
    OID: _text_int,
    VARCHAR: _text_str,
    TEXT: _text_str,
    DATE: lambda v: v.isoformat().encode() if isinstance(v, dt.date) else _text_default(v),
    BOOL: _text_bool,
    FLOAT4: _text_float,
    FLOAT8: _text_float,
    NUMERIC: _text_numeric,
    TIMESTAMP: _text_timestamp,
    TIMESTAMPTZ: _text_timestamptz,
    BYTEA: _text_bytea,
    INTERVAL: _text_interval,
    JSON: _text_json,
    JSONB: _text_json,
}


def text_encoder(oid: int) -> Encoder:
    if oid in _TEXT_ENCODERS:
        return _TEXT_ENCODERS[oid]
    t = BY_OID.get(oid)
    if t is not None and t.elem_oid:
        return _text_array
    return _text_default


# ---- binary encoding ----------------------------------------------------------------------------------

_S_I16, _S_I32, _S_I64 = struct.Struct("!h"), struct.Struct("!i"), struct.Struct("!q")
_S_F32, _S_F64 = struct.Struct("!f"), struct.Struct("!d")


def _micros(delta: dt.timedelta) -> int:
    return (delta.days * 86400 + delta.seconds) * 1_000_000 + delta.microseconds


def _bin_timestamp(v: Any) -> bytes:
    if v.tzinfo is not None:
        v = v.astimezone(dt.UTC).replace(tzinfo=None)
    return _S_I64.pack(_micros(v - _PG_EPOCH))


def _bin_timestamptz(v: Any) -> bytes:
    if v.tzinfo is None:
        v = v.replace(tzinfo=dt.UTC)
    return _S_I64.pack(_micros(v - _PG_EPOCH_TZ))


def _bin_time(v: Any) -> bytes:
    return _S_I64.pack(((v.hour * 60 + v.minute) * 60 + v.second) * 1_000_000 + v.microsecond)


def _bin_interval(v: Any) -> bytes:
    months, days, micros = _interval_parts(v)
    return _S_I64.pack(micros) + _S_I32.pack(days) + _S_I32.pack(months)


def _bin_numeric(v: Any) -> bytes:
    """NUMERIC's binary form: base-10000 digits, the weight of the first, a sign and a display scale."""
    d = v if isinstance(v, decimal.Decimal) else decimal.Decimal(v)
    if d.is_nan():
        return struct.pack("!hhHh", 0, 0, 0xC000, 0)
    exponent = d.as_tuple().exponent
    assert isinstance(exponent, int)
    dscale = max(0, -exponent)
    frac_groups = (dscale + 3) // 4
    with decimal.localcontext() as ctx:
        ctx.prec = 1000
        n = int(abs(d).scaleb(4 * frac_groups))
    groups: list[int] = []
    while n:
        n, g = divmod(n, 10000)
        groups.append(g)
    groups.reverse()
    weight = len(groups) - frac_groups - 1
    while groups and groups[-1] == 0:
        groups.pop()
    if not groups:
        weight = 0
    header = struct.pack("!hhHh", len(groups), weight, 0x4000 if d.is_signed() and groups else 0, dscale)
    return header + struct.pack(f"!{len(groups)}H", *groups)


def _bin_jsonb(v: Any) -> bytes:
    return b"\x01" + _text_json(v)


def _bin_uuid(v: Any) -> bytes:
    return v.bytes if isinstance(v, uuid.UUID) else uuid.UUID(str(v)).bytes


_BINARY_ENCODERS: dict[int, Encoder] = {
    BOOL: lambda v: b"\x01" if v else b"\x00",
    INT2: lambda v: _S_I16.pack(int(v)),
    INT4: lambda v: _S_I32.pack(int(v)),
    INT8: lambda v: _S_I64.pack(int(v)),
    OID: lambda v: struct.pack("!I", int(v)),
    FLOAT4: lambda v: _S_F32.pack(float(v)),
    FLOAT8: lambda v: _S_F64.pack(float(v)),
    NUMERIC: _bin_numeric,
    DATE: lambda v: _S_I32.pack((v - _PG_EPOCH_DATE).days),
    TIME: _bin_time,
    TIMESTAMP: _bin_timestamp,
    TIMESTAMPTZ: _bin_timestamptz,
    INTERVAL: _bin_interval,
    BYTEA: bytes,
    UUID: _bin_uuid,
    JSONB: _bin_jsonb,
}


def binary_array_encoder(elem_oid: int) -> Encoder:
    """One-dimensional arrays: header (ndim, has-null, element oid, length, lower bound), then elements."""
    element = binary_encoder(elem_oid)

    def encode(v: Any) -> bytes:
        items = list(v)
        if not items:
            return _S_I32.pack(0) + _S_I32.pack(0) + _S_I32.pack(elem_oid)
        has_null = any(x is None for x in items)
        parts = [_S_I32.pack(1), _S_I32.pack(1 if has_null else 0), _S_I32.pack(elem_oid)]
        parts += [_S_I32.pack(len(items)), _S_I32.pack(1)]
        for x in items:
            if x is None:
                parts.append(_S_I32.pack(-1))
            else:
                data = element(x)
                parts.append(_S_I32.pack(len(data)))
                parts.append(data)
        return b"".join(parts)

    return encode


def binary_encoder(oid: int) -> Encoder:
    """Binary form for the common types and their arrays; text-like types have the bytes of their text."""
    if oid in _BINARY_ENCODERS:
        return _BINARY_ENCODERS[oid]
    t = BY_OID.get(oid)
    if t is not None and t.elem_oid:
        return binary_array_encoder(t.elem_oid)
    return text_encoder(oid)


def has_binary_form(oid: int) -> bool:
    return oid in _BINARY_ENCODERS or oid in (TEXT, VARCHAR, 1042, 19, JSON, 18)


# ---- parameter decoding -------------------------------------------------------------------------------


def _parse_bool(text: str) -> bool:
    """PostgreSQL's boolean input: true/yes/false/no and their prefixes, on/off, 1/0; nothing else."""
    s = text.strip().lower()
    if s and ("true".startswith(s) or "yes".startswith(s) or s in ("on", "1")):
        return True
    if s and ("false".startswith(s) or "no".startswith(s) or s in ("of", "off", "0")):
        return False
    raise ValueError(text)


def _ranged_int(text: str, bits: int) -> int:
    value = int(text)
    if not -(1 << (bits - 1)) <= value < 1 << (bits - 1):
        raise OverflowError(text)
    return value


def _parse_timestamp(text: str) -> dt.datetime:
    text = text.strip().replace("T", " ")
    m = re.match(r"^(.*?)([+-]\d\d(?::?\d\d)?)$", text)
    if m and len(m.group(1)) > 10:
        base, tz = m.groups()
        tz = tz if ":" in tz or len(tz) != 5 else tz[:3] + ":" + tz[3:]
        tz = tz + ":00" if len(tz) == 3 else tz
        return dt.datetime.fromisoformat(base.strip() + tz)
    return dt.datetime.fromisoformat(text)


_TEXT_DECODERS: dict[int, Callable[[str], Any]] = {
    BOOL: _parse_bool,
    INT2: partial(_ranged_int, bits=16),
    INT4: partial(_ranged_int, bits=32),
    INT8: partial(_ranged_int, bits=64),
    OID: int,
    FLOAT4: float,
    FLOAT8: float,
    NUMERIC: decimal.Decimal,
    DATE: dt.date.fromisoformat,
    TIME: dt.time.fromisoformat,
    TIMESTAMP: _parse_timestamp,
    TIMESTAMPTZ: _parse_timestamp,
    UUID: uuid.UUID,
    BYTEA: lambda s: bytes.fromhex(s[2:]) if s.startswith("\\x") else s.encode(),
}


def _bin_decode_numeric(data: bytes) -> decimal.Decimal:
    ndigits, weight, sign, dscale = struct.unpack_from("!hhHh", data)
    if sign == 0xC000:
        return decimal.Decimal("NaN")
    groups = struct.unpack_from(f"!{ndigits}H", data, 8)
    integer = 0
    for g in groups:
        integer = integer * 10000 + g
    with decimal.localcontext() as ctx:
        # NUMERIC allows 131072 digits; the default context (28) would round
        ctx.prec = 1000
        value = decimal.Decimal(integer).scaleb(4 * (weight - ndigits + 1))
        value = value.quantize(decimal.Decimal(1).scaleb(-dscale))
    return -value if sign == 0x4000 else value


_BINARY_DECODERS: dict[int, Callable[[bytes], Any]] = {
    BOOL: lambda b: b != b"\x00",
    INT2: lambda b: _S_I16.unpack(b)[0],
    INT4: lambda b: _S_I32.unpack(b)[0],
    INT8: lambda b: _S_I64.unpack(b)[0],
    OID: lambda b: struct.unpack("!I", b)[0],
    FLOAT4: lambda b: _S_F32.unpack(b)[0],
    FLOAT8: lambda b: _S_F64.unpack(b)[0],
    NUMERIC: _bin_decode_numeric,
    DATE: lambda b: _PG_EPOCH_DATE + dt.timedelta(days=_S_I32.unpack(b)[0]),
    TIMESTAMP: lambda b: _PG_EPOCH + dt.timedelta(microseconds=_S_I64.unpack(b)[0]),
    TIMESTAMPTZ: lambda b: _PG_EPOCH_TZ + dt.timedelta(microseconds=_S_I64.unpack(b)[0]),
    TIME: lambda b: (dt.datetime.min + dt.timedelta(microseconds=_S_I64.unpack(b)[0])).time(),
    UUID: lambda b: uuid.UUID(bytes=b),
    BYTEA: bytes,
    JSONB: lambda b: b[1:].decode(),
}


def decode_parameter(data: bytes | None, oid: int, binary: bool) -> Any:
    """A bound parameter as a Python value. Untyped (OID 0) and text parameters stay strings."""
    if data is None:
        return None
    if binary:
        decoder = _BINARY_DECODERS.get(oid)
        if decoder is not None:
            return decoder(data)
        return data.decode("utf-8")
    text = data.decode("utf-8")
    text_decoder = _TEXT_DECODERS.get(oid)
    return text_decoder(text) if text_decoder is not None else text


# ---- intervals and arrays as parameters --------------------------------------------------------------

_INTERVAL_PARTS = re.compile(
    r"([+-]?\d+(?:\.\d+)?)\s*(years?|mons?|months?|days?|hours?|mins?|minutes?|secs?|seconds?)", re.I
)
_INTERVAL_CLOCK = re.compile(r"([+-])?(\d+):(\d{2})(?::(\d{2}(?:\.\d+)?))?")
_INTERVAL_ISO = re.compile(
    r"^P(?:(-?\d+)Y)?(?:(-?\d+)M)?(?:(-?\d+)W)?(?:(-?\d+)D)?"
    r"(?:T(?:(-?\d+)H)?(?:(-?\d+)M)?(?:(-?\d+(?:\.\d+)?)S)?)?$",
    re.I,
)


def _interval(months: int, days: int, micros: int) -> Any:
    """A timedelta when the interval has no months (which have no fixed length); else PostgreSQL's text,
    which the engine casts."""
    if months == 0:
        return dt.timedelta(days=days, microseconds=micros)
    return f"{months} months {days} days {micros} microseconds"


def parse_interval(text: str) -> Any:
    """An interval in PostgreSQL's output style (`1 year 2 mons 3 days 04:05:06`) or ISO 8601 (`P1DT2H`)."""
    s = text.strip()
    iso = _INTERVAL_ISO.match(s)
    if iso and s.upper() != "P":
        y, mo, w, d, h, mi, sec = iso.groups()
        months = int(y or 0) * 12 + int(mo or 0)
        days = int(w or 0) * 7 + int(d or 0)
        micros = round((int(h or 0) * 3600 + int(mi or 0) * 60 + float(sec or 0)) * 1_000_000)
        return _interval(months, days, micros)
    months = days = micros = 0
    rest = s
    for m in _INTERVAL_PARTS.finditer(s):
        value, unit = float(m.group(1)), m.group(2).lower()
        if unit.startswith("y"):
            months += int(value * 12)
        elif unit.startswith("mon"):
            months += int(value)
        elif unit.startswith("d"):
            days += int(value)
        elif unit.startswith("h"):
            micros += round(value * 3_600_000_000)
        elif unit.startswith("min"):
            micros += round(value * 60_000_000)
        else:
            micros += round(value * 1_000_000)
        rest = rest.replace(m.group(0), " ", 1)
    clock = _INTERVAL_CLOCK.search(rest)
    if clock:
        sign = -1 if clock.group(1) == "-" else 1
        seconds = int(clock.group(2)) * 3600 + int(clock.group(3)) * 60 + float(clock.group(4) or 0)
        micros += sign * round(seconds * 1_000_000)
        rest = rest.replace(clock.group(0), " ", 1)
    if rest.strip() and rest.strip().lower() not in ("ago",):
        raise ValueError(f"invalid input syntax for type interval: {text!r}")
    if "ago" in rest.lower():
        months, days, micros = -months, -days, -micros
    return _interval(months, days, micros)


def _bin_decode_interval(data: bytes) -> Any:
    micros, days, months = struct.unpack("!qii", data)
    return _interval(months, days, micros)


def parse_array_text(text: str, elem_oid: int) -> list[Any]:
    """A one-dimensional PostgreSQL array literal (`{1,2}`, `{"a b",NULL}`) with typed elements."""
    body = text.strip()
    if not (body.startswith("{") and body.endswith("}")):
        raise ValueError(f"malformed array literal: {text!r}")
    body = body[1:-1]
    items: list[Any] = []
    current: list[str] = []
    quoted = was_quoted = False
    i = 0
    while i < len(body):
        ch = body[i]
        if quoted:
            if ch == "\\" and i + 1 < len(body):
                i += 1
                current.append(body[i])
            elif ch == '"':
                quoted = False
            else:
                current.append(ch)
        elif ch == '"':
            quoted = was_quoted = True
        elif ch == ",":
            items.append(_array_item("".join(current), was_quoted, elem_oid))
            current, was_quoted = [], False
        elif ch == "{":
            raise ValueError("multi-dimensional arrays are not supported as parameters")
        else:
            current.append(ch)
        i += 1
    if body.strip() or was_quoted:
        items.append(_array_item("".join(current), was_quoted, elem_oid))
    return items


def _array_item(raw: str, quoted: bool, elem_oid: int) -> Any:
    value = raw if quoted else raw.strip()
    if not quoted and value.upper() == "NULL":
        return None
    decoder = _TEXT_DECODERS.get(elem_oid)
    return decoder(value) if decoder is not None else value


def _bin_decode_array(data: bytes) -> list[Any]:
    ndim, _flags, elem_oid = struct.unpack_from("!iiI", data)
    if ndim == 0:
        return []
    if ndim != 1:
        raise ValueError("multi-dimensional arrays are not supported as parameters")
    count, _lower = struct.unpack_from("!ii", data, 12)
    offset = 20
    decoder = _BINARY_DECODERS.get(elem_oid)
    items: list[Any] = []
    for _ in range(count):
        (length,) = struct.unpack_from("!i", data, offset)
        offset += 4
        if length < 0:
            items.append(None)
            continue
        chunk = data[offset : offset + length]
        offset += length
        items.append(decoder(chunk) if decoder is not None else chunk.decode("utf-8"))
    return items


_TEXT_DECODERS[INTERVAL] = parse_interval
_BINARY_DECODERS[INTERVAL] = _bin_decode_interval
_TEXT_DECODERS[JSON] = str
_TEXT_DECODERS[JSONB] = str
_BINARY_DECODERS[JSON] = lambda b: b.decode()
_BINARY_DECODERS[VARCHAR] = lambda b: b.decode()
_BINARY_DECODERS[TEXT] = lambda b: b.decode()
for _array in ALL_TYPES:
    if _array.elem_oid:
        _TEXT_DECODERS[_array.oid] = partial(lambda s, e: parse_array_text(s, e), e=_array.elem_oid)
        _BINARY_DECODERS[_array.oid] = _bin_decode_array
