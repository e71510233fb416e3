"""`COPY (query) TO STDOUT` and `COPY table [(columns)] TO STDOUT`: PostgreSQL's bulk read, in text, CSV
and binary format, as pandas, psql's `\\copy`, DuckDB's postgres scanner and bulk loaders use it.

The statement is read here (both the `WITH (FORMAT csv, HEADER)` and the old `WITH CSV HEADER`
spellings); the query runs like any other and its rows are encoded into CopyData messages batch by batch.
Nothing is written: `COPY ... FROM` is refused, since Pipedrive rows are written with INSERT.
"""

from __future__ import annotations

import re
import struct
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from . import columnar
from . import errors as pgerr
from . import types as pgt
from .errors import PgError
from .results import ArrowRows, OutColumn, Result

_HEAD = re.compile(r"^COPY\s+", re.I)
_TO_STDOUT = re.compile(r"^\s*TO\s+STDOUT\b\s*(.*)$", re.I | re.S)
_NAME = r'(?:"(?:[^"]|"")+"|[A-Za-z_][\w$]*)'
_TABLE = re.compile(rf"^({_NAME}(?:\s*\.\s*{_NAME}){{0,2}})\s*(\((.*?)\))?", re.S)

BINARY_SIGNATURE = b"PGCOPY\n\xff\r\n\x00" + struct.pack("!ii", 0, 0)
BINARY_TRAILER = struct.pack("!h", -1)


@dataclass
class CopySpec:
    query: str
    format: str = "text"  # text, csv, binary
    header: bool = False
    delimiter: str = "\t"
    null: str = "\\N"
    quote: str = '"'
    escape: str = '"'
    force_quote: bool = False


def parse_copy(sql: str) -> CopySpec:
    """Read a COPY ... TO STDOUT statement into the query it runs and the output format."""
    text = _HEAD.sub("", sql.strip().rstrip(";").strip(), count=1)
    if text.startswith("("):
        depth, end = 0, -1
        for i, ch in enumerate(text):
            depth += ch == "("
            depth -= ch == ")"
            if depth == 0:
                end = i
                break
        if end < 0:
            raise PgError(pgerr.SYNTAX_ERROR, "COPY (query): the parenthesis is not closed")
        query, rest = text[1:end], text[end + 1 :]
    else:
        m = _TABLE.match(text)
        if not m:
            raise PgError(
                pgerr.SYNTAX_ERROR, "cannot read this COPY: write COPY (query) TO STDOUT [WITH CSV]"
            )
        columns = m.group(3)
        query = f"SELECT {columns if columns else '*'} FROM {m.group(1)}"
        rest = text[m.end() :]
    to = _TO_STDOUT.match(rest)
    if not to:
        if re.match(r"^\s*FROM\b", rest, re.I):
            raise PgError(
                pgerr.FEATURE_NOT_SUPPORTED,
                "COPY ... FROM is not supported: Pipedrive rows are written with INSERT",
            )
        raise PgError(
            pgerr.FEATURE_NOT_SUPPORTED,
            "only COPY ... TO STDOUT is supported (the server writes no files): use psql's \\copy",
        )
    spec = CopySpec(query)
    _read_options(to.group(1), spec)
    return spec


def _read_options(text: str, spec: CopySpec) -> None:
    options = text.strip()
    if options.upper().startswith("WITH"):
        options = options[4:].strip()
    if options.startswith("(") and options.endswith(")"):
        items = [o.strip() for o in _split_commas(options[1:-1]) if o.strip()]
        for item in items:
            parts = item.split(None, 1)
            key = parts[0].lower()
            value = parts[1].strip() if len(parts) > 1 else ""
            _apply(spec, key, _unquote(value))
        return
    # the pre-9.0 spelling: WITH BINARY | CSV HEADER DELIMITER ',' NULL '' QUOTE '"' FORCE QUOTE *
    tokens = re.findall(r"'(?:[^']|'')*'|\S+", options)
    i = 0
    while i < len(tokens):
        word = tokens[i].lower()
        if word in ("binary", "csv"):
            spec.format = word
            if word == "csv":
                spec.delimiter, spec.null = ",", ""
        elif word == "header":
            spec.header = True
        elif word in ("delimiter", "null", "quote", "escape") and i + 1 < len(tokens):
            i += 1
            if tokens[i].lower() == "as" and i + 1 < len(tokens):
                i += 1
            _apply(spec, word, _unquote(tokens[i]))
        elif word == "force" and i + 2 < len(tokens):
            spec.force_quote = True
            i += 2
        elif word not in ("as",):
            raise PgError(pgerr.SYNTAX_ERROR, f"COPY option {tokens[i]!r} is not recognized")
        i += 1


def _apply(spec: CopySpec, key: str, value: str) -> None:
    if key == "format":
        fmt = value.lower()
        if fmt not in ("text", "csv", "binary"):
            raise PgError(pgerr.SYNTAX_ERROR, f'COPY format "{value}" not recognized')
        spec.format = fmt
        if fmt == "csv":
            spec.delimiter = "," if spec.delimiter == "\t" else spec.delimiter
            spec.null = "" if spec.null == "\\N" else spec.null
    elif key == "header":
        spec.header = value.lower() not in ("false", "off", "0")
    elif key == "delimiter":
        spec.delimiter = value
    elif key == "null":
        spec.null = value
    elif key == "quote":
        spec.quote = value
    elif key == "escape":
        spec.escape = value
    elif key == "force_quote":
        spec.force_quote = True
    elif key == "encoding":
        if value.upper().replace("-", "") not in ("UTF8",):
            raise PgError(pgerr.FEATURE_NOT_SUPPORTED, "COPY writes UTF8 only")
    else:
        raise PgError(pgerr.SYNTAX_ERROR, f'COPY option "{key}" not recognized')


def _unquote(value: str) -> str:
    value = value.strip()
    if value.upper().startswith("E'"):
        value = value[1:]
        return value[1:-1].replace("''", "'").encode().decode("unicode_escape")
    if len(value) >= 2 and value[0] == value[-1] == "'":
        return value[1:-1].replace("''", "'")
    return value


def _split_commas(text: str) -> list[str]:
    parts: list[str] = []
    current: list[str] = []
    quoted = False
    for ch in text:
        if ch == "'":
            quoted = not quoted
        if ch == "," and not quoted:
            parts.append("".join(current))
            current = []
        else:
            current.append(ch)
    parts.append("".join(current))
    return parts


class CopyOut(Result):
    """The rows of a COPY TO STDOUT: a result whose rows leave as CopyData, not DataRow."""

    def __init__(self, spec: CopySpec, source: Result) -> None:
        self.spec = spec
        self.source = source
        self.columns = None
        self.source_columns: list[OutColumn] = list(source.columns or [])

    def fetch(self, n: int) -> Sequence[Any]:
        return self.source.fetch(n)

    def tag(self, rows_sent: int) -> str:
        return f"COPY {rows_sent}"

    def close(self) -> None:
        self.source.close()

    @property
    def binary(self) -> bool:
        return self.spec.format == "binary"


class CopyEncoder:
    """Rows into the bytes of one COPY format."""

    def __init__(self, spec: CopySpec, columns: Sequence[OutColumn]) -> None:
        self.spec = spec
        self.columns = list(columns)
        if spec.format == "binary":
            self.encoders = [pgt.binary_encoder(c.type.oid) for c in columns]
        else:
            self.encoders = [pgt.text_encoder(c.type.oid) for c in columns]
        self._count = struct.pack("!h", len(columns))
        # text and CSV work on the encoded bytes: no decoding and re-encoding per value
        self._null = spec.null.encode()
        self._delimiter = spec.delimiter.encode()
        self._quote, self._escape = spec.quote.encode(), spec.escape.encode()
        self._force = spec.force_quote
        if spec.format == "csv":
            self._specials: tuple[bytes, ...] = (self._delimiter, self._quote, b"\n", b"\r")
            self._field = self._csv_field
        else:
            self._specials = (b"\\", b"\n", b"\r", b"\t", self._delimiter)
            self._field = self._text_field

    def preamble(self) -> bytes:
        if self.spec.format == "binary":
            return BINARY_SIGNATURE
        if self.spec.header:
            # FORCE QUOTE is for the rows: PostgreSQL quotes a column name only where CSV needs it
            force, self._force = self._force, False
            try:
                return self._delimiter.join(self._field(c.name.encode()) for c in self.columns) + b"\n"
            finally:
                self._force = force
        return b""

    def trailer(self) -> bytes:
        return BINARY_TRAILER if self.spec.format == "binary" else b""

    def encode(self, row: Sequence[Any]) -> bytes:
        if self.spec.format == "binary":
            parts = [self._count]
            for enc, value in zip(self.encoders, row, strict=False):
                if value is None:
                    parts.append(b"\xff\xff\xff\xff")
                else:
                    data = enc(value)
                    parts.append(struct.pack("!i", len(data)))
                    parts.append(data)
            return b"".join(parts)
        null = self._null
        field = self._field
        fields = [
            null if value is None else field(enc(value))
            for enc, value in zip(self.encoders, row, strict=False)
        ]
        return self._delimiter.join(fields) + b"\n"

    def encode_messages(self, rows: Sequence[Any], first: bytes = b"") -> bytes:
        """One CopyData message per row of a batch (`first`, the binary signature, in front of the first
        row's data); an Arrow batch is encoded column by column (columnar.py)."""
        if not isinstance(rows, ArrowRows):
            out = []
            for row in rows:
                data = first + self.encode(row)
                first = b""
                out.append(b"d" + struct.pack("!i", len(data) + 4) + data)
            return b"".join(out)
        batch = rows.batch
        binary = self.spec.format == "binary"
        column = columnar.binary_column if binary else columnar.text_column
        fields = [
            column(values, c.type.oid, enc)
            for values, c, enc in zip(batch.columns, self.columns, self.encoders, strict=True)
        ]
        if binary:
            lines = columnar.copy_binary_rows(fields, batch.num_rows)
        else:
            lines = columnar.copy_text_rows(
                fields,
                csv=self.spec.format == "csv",
                null=self._null,
                delimiter=self._delimiter,
                quote=self._quote,
                escape=self._escape,
                force_quote=self._force,
                oids=[c.type.oid for c in self.columns],
            )
        return columnar.copy_messages(lines, first)

    def _csv_field(self, data: bytes) -> bytes:
        if self._force or data == self._null or any(special in data for special in self._specials):
            return self._quote + data.replace(self._quote, self._escape + self._quote) + self._quote
        return data

    def _text_field(self, data: bytes) -> bytes:
        if not any(special in data for special in self._specials):
            return data
        data = (
            data.replace(b"\\", b"\\\\").replace(b"\n", b"\\n").replace(b"\r", b"\\r").replace(b"\t", b"\\t")
        )
        if self._delimiter != b"\t":
            data = data.replace(self._delimiter, b"\\" + self._delimiter)
        return data
