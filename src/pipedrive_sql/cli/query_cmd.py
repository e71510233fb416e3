"""``pipedrive-sql query``, ``tables`` and ``describe``."""

from __future__ import annotations

import contextlib
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import IO, Annotated, Any

import typer

from pipedrive_sql.cli import console, output
from pipedrive_sql.cli.connecting import (
    ConnectionStringOption,
    DsnOption,
    PropertyOption,
    SandboxOption,
    SandboxScaleOption,
    SystemDsnOption,
    Target,
    connect,
    make_target,
)
from pipedrive_sql.cli.progress import QueryProgress, cursor_stats
from pipedrive_sql.cli.sqltext import split_statements
from pipedrive_sql.errors import InterfaceError

FormatOption = Annotated[
    str | None,
    typer.Option(
        "--format",
        "-F",
        help="table (default; plain tab-separated when piped), csv, json, jsonl or parquet. "
        "Default from -o's suffix.",
    ),
]
OutputOption = Annotated[
    Path | None, typer.Option("--output", "-o", help="Write the result to this file instead of stdout.")
]
StatsOption = Annotated[
    bool, typer.Option("--stats", help="Print the time, rows, API requests and tokens on stderr.")
]


def register(app: typer.Typer) -> None:
    app.command("query")(query_command)
    app.command("tables")(tables_command)
    app.command("describe")(describe_command)


@contextlib.contextmanager
def connection(target: Target) -> Iterator[Any]:
    conn = connect(target)
    try:
        yield conn
    finally:
        # Closing also stops a scan still pulling pages (after Ctrl-C, or an error in the writer).
        with contextlib.suppress(Exception):
            conn.close()


def query_command(
    sql: Annotated[str | None, typer.Argument(help="The SQL to run (or -f FILE, or stdin).")] = None,
    file: Annotated[
        Path | None, typer.Option("--file", "-f", help="Read the SQL from this file ('-': stdin).")
    ] = None,
    fmt: FormatOption = None,
    out: OutputOption = None,
    dsn: DsnOption = None,
    connection_string: ConnectionStringOption = None,
    sandbox: SandboxOption = False,
    sandbox_scale: SandboxScaleOption = None,
    properties: PropertyOption = None,
    system: SystemDsnOption = False,
    stats: StatsOption = False,
) -> None:
    """Run SQL and write the result. Several statements: all run, the last one's result is written."""
    statements = split_statements(_read_sql(sql, file))
    if not statements:
        raise InterfaceError("No SQL to run: the input holds only blanks and comments.")
    chosen = output.choose_format(fmt, out)
    target = make_target(dsn, connection_string, sandbox, sandbox_scale, properties, system)
    with connection(target) as conn:
        cursor = conn.cursor()
        for statement in statements[:-1]:
            cursor.execute(statement)
            _report_effect(cursor)
        run_and_write(cursor, statements[-1], chosen, out, stats=stats)


def _read_sql(sql: str | None, file: Path | None) -> str:
    if sql is not None and file is not None:
        raise typer.BadParameter("give the SQL as an argument or with -f FILE, not both.", param_hint="SQL")
    if file is not None:
        return sys.stdin.read() if str(file) == "-" else file.read_text(encoding="utf-8")
    if sql is not None:
        return sql
    if console.stdin_is_terminal():
        raise typer.BadParameter(
            "give the SQL as an argument, with -f FILE, or on stdin (or use `pipedrive-sql shell`).",
            param_hint="SQL",
        )
    return sys.stdin.read()


def run_and_write(
    cursor: Any,
    sql: str,
    fmt: str,
    out: Path | None,
    *,
    stats: bool = False,
    sink: IO[str] | None = None,
    expanded: bool | None = None,
) -> int:
    """Execute ``sql`` and write its result with progress on stderr; the number of rows written. ``sink``:
    an open text file the result is appended to (the shell's \\o); ``expanded``: one record per block."""
    terminal_table = sink is None and output.is_terminal_table(fmt, out)
    # Streaming to the terminal would tangle with a live line on stderr; a table is printed at the end.
    streams_to_terminal = sink is None and out is None and not terminal_table and console.stdout_is_terminal()
    started = time.monotonic()
    collected = None
    rows = 0
    with (
        output.stop_quietly_when_the_reader_leaves(),
        QueryProgress(
            cursor_stats(cursor), enabled=console.stderr_is_terminal() and not streams_to_terminal
        ) as progress,
    ):
        cursor.execute(sql)
        if cursor.description and terminal_table:
            collected = output.collect_for_terminal(cursor, progress.set_rows)
            rows = collected.total
        elif cursor.description:
            rows = output.write_result(
                cursor, fmt, out, on_rows=progress.set_rows, sink=sink, expanded=expanded
            )
    if collected is not None:
        with output.stop_quietly_when_the_reader_leaves():
            output.print_for_terminal(collected, expanded=expanded)  # after the live line is gone
    if cursor.description is None:
        _report_effect(cursor)
    if stats:
        console.note(summary(cursor, rows, time.monotonic() - started))
    return rows


def _report_effect(cursor: Any) -> None:
    count = getattr(cursor, "rowcount", -1)
    if cursor.description is None and isinstance(count, int) and count >= 0:
        console.note(f"{count} row{'s' if count != 1 else ''} affected.")


def summary(cursor: Any, rows: int, seconds: float | None) -> str:
    """'3 rows in 0.05 s · 1 API request · 10 tokens' (what the cursor knows of the cost); without the time
    when ``seconds`` is None."""
    timing = f" in {seconds:.2f} s" if seconds is not None else ""
    parts = [f"{rows:,} row{'s' if rows != 1 else ''}{timing}"]
    requests = getattr(cursor, "api_requests", None)
    if isinstance(requests, int):
        parts.append(f"{requests:,} API request{'s' if requests != 1 else ''}")
    tokens = getattr(cursor, "api_tokens", None)
    if isinstance(tokens, int | float):
        parts.append(f"{tokens:,} token{'s' if tokens != 1 else ''}")
    return " · ".join(parts)


# --------------------------------------------------------------------------------------------- catalog

TABLES_SQL = "SELECT TableName, TableType, Description FROM sys_tables ORDER BY TableName"
COLUMNS_SQL = (
    "SELECT ColumnName, DataTypeName, IsNullable, IsKey, IsReadOnly, FieldKey, Description FROM sys_tablecolumns "
    "WHERE lower(TableName) = lower(?) ORDER BY Ordinal"
)


def tables_command(
    dsn: DsnOption = None,
    connection_string: ConnectionStringOption = None,
    sandbox: SandboxOption = False,
    sandbox_scale: SandboxScaleOption = None,
    properties: PropertyOption = None,
    system: SystemDsnOption = False,
    fmt: FormatOption = None,
    out: OutputOption = None,
) -> None:
    """List the tables and views."""
    target = make_target(dsn, connection_string, sandbox, sandbox_scale, properties, system)
    with connection(target) as conn:
        cursor = conn.cursor()
        run_and_write(cursor, TABLES_SQL, output.choose_format(fmt, out), out)


def describe_command(
    table: Annotated[str, typer.Argument(help="The table or view to describe.")],
    dsn: DsnOption = None,
    connection_string: ConnectionStringOption = None,
    sandbox: SandboxOption = False,
    sandbox_scale: SandboxScaleOption = None,
    properties: PropertyOption = None,
    system: SystemDsnOption = False,
    fmt: FormatOption = None,
    out: OutputOption = None,
) -> None:
    """List a table's columns and their types."""
    target = make_target(dsn, connection_string, sandbox, sandbox_scale, properties, system)
    with connection(target) as conn:
        cursor = conn.cursor()
        describe(cursor, table, output.choose_format(fmt, out), out)


def describe(cursor: Any, table: str, fmt: str, out: Path | None) -> None:
    name = _bare_name(table)
    cursor.execute(COLUMNS_SQL, (name,))
    if not cursor.description:
        return
    rows = cursor.fetchall()
    if not rows:
        cursor.execute("SELECT TableName FROM sys_tables")
        known = [r[0] for r in cursor.fetchall()]
        from pipedrive_sql.errors import ProgrammingError, did_you_mean

        raise ProgrammingError(f"No table named {table!r}.{did_you_mean(name, known)}")
    cursor.execute(COLUMNS_SQL, (name,))
    output.write_result(cursor, fmt, out)


def _bare_name(table: str) -> str:
    name = table.strip().split(".")[-1]
    return name[1:-1] if name[:1] in '["`' and len(name) > 1 else name
