"""The shell's meta-commands as data: psql's backslash commands and the dot commands of sqlite3's shell,
what each takes and what it does. The shell runs them; completion and help read this table.
"""

from __future__ import annotations

from dataclasses import dataclass

__all__ = ["COMMANDS", "MetaCommand", "command_names", "find_command"]


@dataclass(frozen=True)
class MetaCommand:
    name: str  # the handler's key: "describe", "tables", ...
    spellings: tuple[str, ...]  # "\\d", ".schema", ...: the first one is shown in help
    usage: str  # the arguments, for help: "NAME"
    help: str
    argument: str = ""  # "table": completes table names; "sql": completes SQL; "file": a path; "" none


COMMANDS: tuple[MetaCommand, ...] = (
    MetaCommand(
        "tables",
        ("\\dt", ".tables"),
        "[PATTERN]",
        "list tables and views (* and ? match names)",
        argument="table",
    ),
    MetaCommand(
        "tables+", ("\\dt+",), "[PATTERN]", "list tables and views with their descriptions", argument="table"
    ),
    MetaCommand(
        "describe",
        ("\\d",),
        "[NAME]",
        "a table's columns, types, nullability and keys (no NAME: the tables)",
        argument="table",
    ),
    MetaCommand(
        "describe+",
        ("\\d+", ".schema", ".describe"),
        "NAME",
        "the columns with read-only flags, custom-field keys and descriptions",
        argument="table",
    ),
    MetaCommand("explain", (".explain",), "QUERY", "the API requests a query would make", argument="sql"),
    MetaCommand(
        "expanded",
        ("\\x",),
        "[on|off|auto]",
        "one record per block instead of a table (auto: when a table is too wide)",
    ),
    MetaCommand("timing", ("\\timing",), "[on|off]", "show how long each statement took"),
    MetaCommand(
        "output",
        ("\\o", ".output"),
        "[FILE]",
        "write results to FILE (csv, jsonl by suffix; else tab-separated); no FILE: back to the screen",
        argument="file",
    ),
    MetaCommand(
        "include", ("\\i", ".read"), "FILE", "run the statements and commands of FILE", argument="file"
    ),
    MetaCommand("help", ("\\?", ".help"), "", "this list"),
    MetaCommand("quit", ("\\q", "\\quit", ".quit", ".exit"), "", "leave the shell (also Ctrl-D)"),
)


def find_command(spelling: str) -> MetaCommand | None:
    low = spelling.lower()
    return next((c for c in COMMANDS if low in c.spellings), None)


def command_names() -> list[str]:
    return [s for c in COMMANDS for s in c.spellings]
