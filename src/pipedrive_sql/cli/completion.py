"""Completion in the shell: SQL keywords, table names where a table is expected, the columns of the tables a
statement names (also after an alias), meta-command names and their table arguments.

Names are read through the connection's sys_tables and sys_tablecolumns, lazily, one table at a time.
"""

from __future__ import annotations

import contextlib
import re
from collections.abc import Iterable, Iterator
from typing import Any

from pipedrive_sql.cli.query_cmd import COLUMNS_SQL
from pipedrive_sql.cli.shell_commands import command_names, find_command

__all__ = ["KEYWORDS", "Catalog", "completions", "make_completer", "referenced_tables"]

KEYWORDS = tuple(
    [
        "SELECT",
        "FROM",
        "WHERE",
        "AND",
        "OR",
        "NOT",
        "IN",
        "IS",
        "NULL",
        "LIKE",
        "ILIKE",
        "BETWEEN",
        "AS",
        "ON",
        "JOIN",
        "LEFT",
        "RIGHT",
        "INNER",
        "OUTER",
        "FULL",
        "CROSS",
        "GROUP",
        "BY",
        "ORDER",
        "ASC",
        "DESC",
        "LIMIT",
        "OFFSET",
        "HAVING",
        "DISTINCT",
        "UNION",
        "ALL",
        "EXCEPT",
        "INTERSECT",
        "WITH",
        "CASE",
        "WHEN",
        "THEN",
        "ELSE",
        "END",
        "INSERT",
        "INTO",
        "VALUES",
        "UPDATE",
        "SET",
        "DELETE",
        "EXEC",
        "EXPLAIN",
        "TOP",
        "COUNT",
        "SUM",
        "AVG",
        "MIN",
        "MAX",
        "CAST",
        "COALESCE",
        "TRUE",
        "FALSE",
        "OVER",
        "PARTITION",
        "ROWS",
        "RANGE",
        "FETCH",
        "FIRST",
        "NEXT",
        "ONLY",
        "EXISTS",
        "ANY",
        "LOWER",
        "UPPER",
        "DATE",
        "TIMESTAMP",
        "INTERVAL",
        "EXTRACT",
        "NULLS",
    ]
)
# Words after which only a table name makes sense.
_TABLE_CONTEXT = {"from", "join", "into", "update", "table", "describe"}
_TABLE_REF = re.compile(
    r"\b(?:from|join|update|into)\s+([\[\]\"`\w.]+)(?:\s+(?:as\s+)?([A-Za-z_]\w*))?", re.IGNORECASE
)
_TRAILING_WORD = re.compile(r"[\w$.\[\]\"`]*$")


# --------------------------------------------------------------------------------------------- catalog


class Catalog:
    """Table and column names for completion, read through the connection when first needed."""

    def __init__(self, conn: Any) -> None:
        self._conn = conn
        self._tables: list[str] | None = None
        self._columns: dict[str, list[str]] = {}

    def tables(self) -> list[str]:
        if self._tables is None:
            self._tables = [str(r[0]) for r in self._query("SELECT TableName FROM sys_tables ORDER BY 1")]
        return self._tables

    def table_named(self, name: str) -> str | None:
        bare = name.strip('[]"`').split(".")[-1].strip('[]"`').lower()
        return next((t for t in self.tables() if t.lower() == bare), None)

    def columns(self, table: str) -> list[str]:
        key = table.lower()
        if key not in self._columns:
            rows = self._query(COLUMNS_SQL, (table,))
            self._columns[key] = [str(r[0]) for r in rows]
        return self._columns[key]

    def _query(self, sql: str, params: tuple[Any, ...] = ()) -> list[Any]:
        # Completion must never break the shell: a catalog that cannot be read completes nothing.
        try:
            cursor = self._conn.cursor()
            try:
                if params:
                    cursor.execute(sql, params)
                else:
                    cursor.execute(sql)
                return list(cursor.fetchall())
            finally:
                with contextlib.suppress(Exception):
                    cursor.close()
        except Exception:
            return []


def referenced_tables(text: str, catalog: Catalog) -> dict[str, str]:
    """Aliases and names (lower case) of the tables the statement mentions -> their catalog names."""
    out: dict[str, str] = {}
    stop = {k.lower() for k in KEYWORDS}
    for match in _TABLE_REF.finditer(text):
        table = catalog.table_named(match.group(1))
        if table is None:
            continue
        out[table.lower()] = table
        alias = match.group(2)
        if alias and alias.lower() not in stop:
            out[alias.lower()] = table
    return out


# --------------------------------------------------------------------------------------------- completion


def completions(text_before: str, full_text: str, catalog: Catalog) -> tuple[list[str], int]:
    """(candidates, length of the word they replace) for the text before the cursor."""
    stripped = text_before.lstrip()
    if stripped.startswith((".", "\\")):
        meta = _meta_completions(stripped, catalog)
        if meta is not None:
            return meta
        command = stripped.split(None, 1)[0]
        text_before = text_before[text_before.index(command) + len(command) :]
        full_text = text_before
    tail = _TRAILING_WORD.search(text_before)
    word = tail.group(0) if tail else ""
    if "." in word:
        qualifier, _, prefix = word.rpartition(".")
        table = referenced_tables(full_text, catalog).get(qualifier.strip('[]"`').lower())
        table = table or catalog.table_named(qualifier)
        names = catalog.columns(table) if table else []
        return _matching(names, prefix), len(prefix)
    prefix = word.lstrip('["`')
    previous = re.findall(r"[A-Za-z_]+", text_before[: len(text_before) - len(word)])
    if previous and previous[-1].lower() in _TABLE_CONTEXT:
        return _matching(catalog.tables(), prefix), len(prefix)
    columns: list[str] = []
    for table in dict.fromkeys(referenced_tables(full_text, catalog).values()):
        columns += catalog.columns(table)
    keywords = [k if not prefix or prefix[0].isupper() else k.lower() for k in KEYWORDS]
    names = list(dict.fromkeys([*columns, *keywords, *catalog.tables()]))
    return _matching(names, prefix), len(prefix)


def _meta_completions(stripped: str, catalog: Catalog) -> tuple[list[str], int] | None:
    parts = stripped.split()
    if len(parts) <= 1 and not stripped.endswith(" "):
        word = parts[0] if parts else "."
        return _matching([n for n in command_names() if n[0] == word[0]], word), len(word)
    command = find_command(parts[0])
    if command is not None and command.argument == "table":
        word = "" if stripped.endswith(" ") else parts[-1]
        return _matching(catalog.tables(), word), len(word)
    if command is not None and command.argument == "sql":
        return None
    return [], 0


def _matching(names: Iterable[str], prefix: str) -> list[str]:
    low = prefix.lower()
    return [n for n in names if n.lower().startswith(low)]


def make_completer(catalog: Catalog) -> Any:
    from prompt_toolkit.completion import Completer, Completion

    class SqlCompleter(Completer):
        def get_completions(self, document: Any, complete_event: Any) -> Iterator[Completion]:
            try:
                names, length = completions(document.text_before_cursor, document.text, catalog)
            except Exception:
                return
            for name in names:
                yield Completion(name, start_position=-length)

    return SqlCompleter()
