"""Writing a result: a rich table on a terminal, plain tab-separated text when piped, or csv, json, jsonl,
parquet. Rows stream through in batches (except for the terminal table and parquet, which need them all).
"""

from __future__ import annotations

import base64
import contextlib
import csv
import datetime as dt
import decimal
import io
import json
import math
import os
import struct
import sys
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Any

import orjson
import typer
from rich.table import Table
from rich.text import Text

from pipedrive_sql.cli import console
from pipedrive_sql.errors import InterfaceError

FORMATS = ("table", "csv", "json", "jsonl", "parquet")
_BY_SUFFIX = {".csv": "csv", ".json": "json", ".jsonl": "jsonl", ".ndjson": "jsonl", ".parquet": "parquet"}
BATCH = 200  # small enough for the progress line to move while a scan runs
# A terminal table beyond this many rows helps nobody; the rest is counted, and -o/--format are suggested.
MAX_TERMINAL_ROWS = 10_000

RowCallback = Callable[[int], None]


EXIT_BROKEN_PIPE = 141  # 128 + SIGPIPE, what a shell reports for a writer whose reader left


@contextlib.contextmanager
def stop_quietly_when_the_reader_leaves() -> Iterator[None]:
    """``... | head``: when the reader closes the pipe, stop without a message, exit 141."""
    try:
        yield
    except BrokenPipeError:
        # Point stdout at /dev/null so the interpreter's final flush does not fail a second time.
        try:
            devnull = os.open(os.devnull, os.O_WRONLY)
            os.dup2(devnull, sys.stdout.fileno())
        except (OSError, ValueError):
            pass
        raise typer.Exit(EXIT_BROKEN_PIPE) from None


def choose_format(fmt: str | None, output: Path | None) -> str:
    """The format asked for, else the one the output file's suffix implies, else ``table``."""
    if fmt:
        fmt = fmt.lower()
        if fmt not in FORMATS:
            raise typer.BadParameter(f"{fmt!r}: use one of {', '.join(FORMATS)}.", param_hint="'--format'")
        return fmt
    if output is not None:
        return _BY_SUFFIX.get(output.suffix.lower(), "table")
    return "table"


def column_names(cursor: Any) -> list[str]:
    return [str(d[0]) for d in cursor.description or ()]


def unique_names(names: Sequence[str]) -> list[str]:
    """Names made unique (``Id``, ``Id_2``): JSON objects cannot hold two keys of the same name."""
    seen: dict[str, int] = {}
    out: list[str] = []
    taken = {n.lower() for n in names}
    for name in names:
        count = seen.get(name.lower(), 0) + 1
        seen[name.lower()] = count
        candidate = name
        while count > 1 and candidate.lower() in taken:
            candidate = f"{name}_{count}"
            count += 1
        taken.add(candidate.lower())
        out.append(candidate)
    return out


def batches(cursor: Any, size: int = BATCH) -> Iterator[list[Sequence[Any]]]:
    reals = _real_columns(cursor)
    while True:
        rows = cursor.fetchmany(size)
        if not rows:
            return
        if reals:
            rows = [_with_reals(row, reals) for row in rows]
        yield rows


# --------------------------------------------------------------------------------------------- numbers


class Real(float):
    """A single-precision (REAL/FLOAT) value: printed with the fewest digits that read back as the same
    32-bit float (0.1, not the 0.10000000149011612 its 64-bit widening would print)."""

    def __repr__(self) -> str:
        return real_text(self)

    __str__ = __repr__


def real_text(value: float) -> str:
    if math.isnan(value) or math.isinf(value):
        return repr(float(value))
    stored = _as_float32(value)
    for digits in range(1, 10):
        text = f"{value:.{digits}g}"
        if _as_float32(float(text)) == stored:
            return text if any(c in text for c in ".en") else text + ".0"
    return repr(float(value))


def _as_float32(value: float) -> float:
    return float(struct.unpack("f", struct.pack("f", value))[0])


def decimal_text(value: decimal.Decimal) -> str:
    """A decimal as stored, in positional notation (12345.60, not 1.23456E+4)."""
    return format(value, "f") if value.is_finite() else str(value)


def _real_columns(cursor: Any) -> list[int]:
    kinds = [str(d[1]).upper() if len(d) > 1 else "" for d in cursor.description or ()]
    return [i for i, kind in enumerate(kinds) if kind in ("FLOAT", "REAL", "FLOAT4")]


def _with_reals(row: Sequence[Any], reals: list[int]) -> tuple[Any, ...]:
    values = list(row)
    for i in reals:
        if isinstance(values[i], float):
            values[i] = Real(values[i])
    return tuple(values)


# --------------------------------------------------------------------------------------------- values


def text_value(value: Any) -> str:
    """A value as text for csv and plain tables (NULL is the empty string in csv; callers choose)."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float):
        return repr(value)  # the shortest text that reads back as the same double
    if isinstance(value, decimal.Decimal):
        return decimal_text(value)
    if isinstance(value, dt.datetime | dt.date | dt.time):
        return value.isoformat()
    if isinstance(value, bytes | bytearray | memoryview):
        return base64.b64encode(bytes(value)).decode("ascii")
    if isinstance(value, list | tuple | dict):
        return json.dumps(value, default=_json_default, ensure_ascii=False, separators=(",", ":"))
    return str(value)


def _json_default(value: Any) -> Any:
    if isinstance(value, decimal.Decimal):
        # A JSON number with the decimal's own digits: money must not pass through a double.
        return orjson.Fragment(decimal_text(value)) if value.is_finite() else None
    if isinstance(value, Real):
        return orjson.Fragment(real_text(value)) if math.isfinite(value) else None
    if isinstance(value, dt.datetime | dt.date | dt.time):
        return value.isoformat()
    if isinstance(value, dt.timedelta):
        return value.total_seconds()
    if isinstance(value, bytes | bytearray | memoryview):
        return base64.b64encode(bytes(value)).decode("ascii")
    if isinstance(value, set | frozenset | tuple):
        return list(value)
    return str(value)


def _json_bytes(obj: Any) -> bytes:
    return orjson.dumps(
        obj, default=_json_default, option=orjson.OPT_NON_STR_KEYS | orjson.OPT_PASSTHROUGH_SUBCLASS
    )


# --------------------------------------------------------------------------------------------- writers


def write_result(
    cursor: Any,
    fmt: str,
    output: Path | None,
    *,
    on_rows: RowCallback | None = None,
    sink: IO[str] | None = None,
    expanded: bool | None = None,
) -> int:
    """Write every row of ``cursor`` as ``fmt`` to ``output`` (stdout when None), or appended to the open
    text file ``sink``; the number of rows. ``expanded`` (one record per block) is True, False, or None
    for a terminal table's choice by width."""
    count = on_rows or (lambda n: None)
    if sink is not None:
        return _write_text(cursor, fmt, sink, count, expanded=bool(expanded))
    if fmt == "parquet":
        return _write_parquet(cursor, output, count)
    if is_terminal_table(fmt, output):
        return _print_rich_table(cursor, count, expanded)
    if output is None:
        return _write_text(cursor, fmt, sys.stdout, count, expanded=bool(expanded))
    with open(output, "w", encoding="utf-8", newline="") as fh:
        return _write_text(cursor, fmt, fh, count, expanded=bool(expanded))


def _write_text(cursor: Any, fmt: str, fh: IO[str], count: RowCallback, *, expanded: bool = False) -> int:
    writers = {"table": _write_plain, "csv": _write_csv, "json": _write_json, "jsonl": _write_jsonl}
    writer = _write_plain_records if expanded and fmt == "table" else writers[fmt]
    total = writer(cursor, fh, count)
    fh.flush()
    return total


def _counted(cursor: Any, count: RowCallback) -> Iterator[list[Sequence[Any]]]:
    total = 0
    for rows in batches(cursor):
        yield rows
        total += len(rows)
        count(total)


def _write_plain(cursor: Any, fh: IO[str], count: RowCallback) -> int:
    # Tab-separated with a header, like mysql's batch mode: easy for cut, awk and spreadsheets.
    fh.write("\t".join(_plain(n) for n in column_names(cursor)) + "\n")
    total = 0
    for rows in _counted(cursor, count):
        fh.write("".join("\t".join(_plain_value(v) for v in row) + "\n" for row in rows))
        total += len(rows)
    return total


def _write_plain_records(cursor: Any, fh: IO[str], count: RowCallback) -> int:
    # Expanded display (the shell's \x) when piped: psql's record blocks, name and value tab-separated.
    names = [_plain(n) for n in column_names(cursor)]
    total = 0
    for rows in _counted(cursor, count):
        for row in rows:
            total += 1
            fh.write(f"-[ RECORD {total} ]-\n")
            fh.write("".join(f"{n}\t{_plain_value(v)}\n" for n, v in zip(names, row, strict=True)))
    return total


def _plain_value(value: Any) -> str:
    return "NULL" if value is None else _plain(text_value(value))


def _plain(text: str) -> str:
    return text.replace("\\", "\\\\").replace("\t", "\\t").replace("\n", "\\n").replace("\r", "\\r")


def _write_csv(cursor: Any, fh: IO[str], count: RowCallback) -> int:
    writer = csv.writer(fh, lineterminator="\n")
    writer.writerow(column_names(cursor))
    total = 0
    for rows in _counted(cursor, count):
        writer.writerows([text_value(v) for v in row] for row in rows)
        total += len(rows)
    return total


def _write_json(cursor: Any, fh: IO[str], count: RowCallback) -> int:
    names = unique_names(column_names(cursor))
    total = 0
    fh.write("[")
    for rows in _counted(cursor, count):
        for row in rows:
            fh.write(
                ("\n" if total == 0 else ",\n") + _json_bytes(dict(zip(names, row, strict=True))).decode()
            )
            total += 1
    fh.write("\n]\n" if total else "]\n")
    return total


def _write_jsonl(cursor: Any, fh: IO[str], count: RowCallback) -> int:
    names = unique_names(column_names(cursor))
    total = 0
    for rows in _counted(cursor, count):
        fh.write("".join(_json_bytes(dict(zip(names, row, strict=True))).decode() + "\n" for row in rows))
        total += len(rows)
    return total


def _write_parquet(cursor: Any, output: Path | None, count: RowCallback) -> int:
    import pyarrow.parquet as pq

    if output is None and console.stdout_is_terminal():
        raise InterfaceError("Parquet is binary: write it to a file with -o FILE.parquet, or pipe it.")
    table = _arrow_table(cursor)
    count(table.num_rows)
    if output is not None:
        pq.write_table(table, output)
        return int(table.num_rows)
    buffer = io.BytesIO()
    pq.write_table(table, buffer)
    sys.stdout.flush()
    sys.stdout.buffer.write(buffer.getvalue())
    sys.stdout.buffer.flush()
    return int(table.num_rows)


def _arrow_table(cursor: Any) -> Any:
    import pyarrow as pa

    fetch = getattr(cursor, "fetch_arrow_table", None)
    if fetch is not None:
        return fetch()
    names = unique_names(column_names(cursor))
    rows = [row for rows in batches(cursor) for row in rows]
    return pa.Table.from_pylist([dict(zip(names, r, strict=True)) for r in rows])


# --------------------------------------------------------------------------------------------- terminal


def _print_rich_table(cursor: Any, count: RowCallback, expanded: bool | None = None) -> int:
    collected = collect_for_terminal(cursor, count)
    print_for_terminal(collected, expanded=expanded)
    return collected.total


@dataclass
class Collected:
    """A result read for the terminal: the names, the rows to show, and how many rows there were."""

    names: list[str]
    rows: list[Sequence[Any]]
    total: int


def collect_for_terminal(cursor: Any, count: RowCallback) -> Collected:
    names = column_names(cursor)
    shown: list[Sequence[Any]] = []
    total = 0
    for rows in _counted(cursor, count):
        room = MAX_TERMINAL_ROWS - len(shown)
        if room > 0:
            shown.extend(rows[:room])
        total += len(rows)
    return Collected(names, shown, total)


def print_for_terminal(collected: Collected, *, expanded: bool | None = None) -> None:
    """Print a table, or one record per block when ``expanded`` (None: when a table would not fit)."""
    names, shown = collected.names, collected.rows
    if expanded is None:
        expanded = _too_wide(names, shown, console.out.width)
    if expanded and shown:
        print_records(names, shown)
    else:
        console.out.print(rich_table(names, shown))
    if collected.total > len(shown):
        console.note(
            f"Showing {len(shown)} of {collected.total} rows; use --format csv or -o FILE for all of them."
        )


def is_terminal_table(fmt: str, output: Path | None) -> bool:
    return fmt == "table" and output is None and console.stdout_is_terminal()


def _too_wide(names: Sequence[str], rows: Sequence[Sequence[Any]], width: int) -> bool:
    """Whether even a squeezed table would fold most headers: then one record per block reads better
    (psql's expanded display)."""
    if not rows or len(names) <= 1:
        return False
    needed = sum(min(len(n), 12) + 3 for n in names) + 1
    return needed > width


def print_records(names: Sequence[str], rows: Sequence[Sequence[Any]]) -> None:
    label_width = max(len(n) for n in names)
    for number, row in enumerate(rows, start=1):
        console.out.print(Text(f"── Record {number} ──", style="bold"))
        grid = Table.grid(padding=(0, 2))
        grid.add_column(width=label_width, style="bold")
        grid.add_column(overflow="fold")
        for name, value in zip(names, row, strict=True):
            grid.add_row(Text(name), _cell(value))
        console.out.print(grid)


def rich_table(names: Sequence[str], rows: Sequence[Sequence[Any]]) -> Table:
    table = Table(header_style="bold", show_lines=False)
    for i, name in enumerate(names):
        numeric = _is_numeric_column(rows, i)
        table.add_column(Text(name), justify="right" if numeric else "left", overflow="fold")
    for row in rows:
        table.add_row(*(_cell(v) for v in row))
    return table


def _is_numeric_column(rows: Sequence[Sequence[Any]], i: int) -> bool:
    for row in rows:
        value = row[i]
        if value is not None:
            return isinstance(value, int | float | decimal.Decimal) and not isinstance(value, bool)
    return False


def _cell(value: Any) -> Text:
    if value is None:
        return Text("NULL", style="dim")
    return Text(text_value(value))
