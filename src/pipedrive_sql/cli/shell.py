"""``pipedrive-sql shell``: an interactive SQL shell over a connection.

prompt-toolkit gives the line editing: history (kept in the user's state directory), multi-line input that
runs when a statement ends with ';', and completion of keywords, tables and columns (the catalog is read
through the connection's sys_tables and sys_tablecolumns, lazily, one table at a time). Meta-commands start
with a dot: .tables, .schema TABLE, .explain QUERY, .help, .quit. After each query: the time, the rows, and
the API requests and tokens it cost. Ctrl-C stops a running query (the shell stays); Ctrl-D or .quit leave.
"""

from __future__ import annotations

import contextlib
import os
import re
import sys
import time
from collections.abc import Callable, Iterable, Iterator
from pathlib import Path
from typing import Annotated, Any

import platformdirs
import typer
from rich.text import Text

from pipedrive_sql.cli import console, output
from pipedrive_sql.cli.connecting import (
    ConnectionStringOption,
    DsnOption,
    PropertyOption,
    SandboxOption,
    SandboxScaleOption,
    SystemDsnOption,
    make_target,
)
from pipedrive_sql.cli.query_cmd import COLUMNS_SQL, TABLES_SQL, connection, describe, run_and_write, summary
from pipedrive_sql.cli.sqltext import is_complete, split_statements
from pipedrive_sql.errors import Error

HISTORY_ENV = "PIPEDRIVE_SQL_HISTORY_FILE"
PROMPT = "pipedrive> "
CONTINUATION = "      ...> "

META_COMMANDS = {
    ".tables": "list the tables and views",
    ".schema": ".schema TABLE: the columns of a table and their types",
    ".explain": ".explain QUERY: the API requests a query would make",
    ".help": "this list",
    ".quit": "leave the shell (also .exit, or Ctrl-D)",
}

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


def register(app: typer.Typer) -> None:
    app.command("shell")(shell_command)


def shell_command(
    dsn: DsnOption = None,
    connection_string: ConnectionStringOption = None,
    sandbox: SandboxOption = False,
    sandbox_scale: SandboxScaleOption = None,
    properties: PropertyOption = None,
    system: SystemDsnOption = False,
    history: Annotated[
        Path | None,
        typer.Option("--history", help=f"History file (default: in your state directory; {HISTORY_ENV})."),
    ] = None,
) -> None:
    """An interactive SQL shell: history, multi-line input ending at ';', completion, meta-commands."""
    target = make_target(dsn, connection_string, sandbox, sandbox_scale, properties, system)
    with connection(target) as conn:
        shell = Shell(conn, title=target.describe())
        if console.stdin_is_terminal():
            shell.interactive(history_path(history))
        else:
            shell.script(sys.stdin.read())


def history_path(option: Path | None) -> Path:
    if option is not None:
        return option
    override = os.environ.get(HISTORY_ENV)
    if override:
        return Path(override)
    return platformdirs.user_state_path("pipedrive-sql") / "history"


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
    if stripped.startswith("."):
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
        return _matching([*META_COMMANDS, ".exit"], word), len(word)
    command = parts[0].lower()
    if command in (".schema", ".describe"):
        word = "" if stripped.endswith(" ") else parts[-1]
        return _matching(catalog.tables(), word), len(word)
    if command == ".explain":
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


# --------------------------------------------------------------------------------------------- the shell


def should_run(text: str) -> bool:
    """Enter runs the input when it is a meta-command, a quit word, blank, or ends a statement with ';'."""
    stripped = text.strip()
    if not stripped or stripped.startswith("."):
        return True
    return stripped.lower() in ("quit", "exit", "\\q") or is_complete(text)


class Shell:
    def __init__(self, conn: Any, *, title: str = "") -> None:
        self.conn = conn
        self.title = title
        self.catalog = Catalog(conn)
        self.running = True
        self.meta: dict[str, Callable[[str], None]] = {
            ".tables": self._tables,
            ".schema": self._schema,
            ".describe": self._schema,
            ".explain": self._explain,
            ".help": self._help,
            ".quit": self._quit,
            ".exit": self._quit,
        }

    # ---- input loops

    def interactive(self, history: Path) -> None:
        session = self._session(history)
        console.note(
            f"Connected to {self.title}. End statements with ';'. .help for commands, .quit to leave."
        )
        while self.running:
            try:
                text = session.prompt(PROMPT)
            except KeyboardInterrupt:
                continue  # Ctrl-C at the prompt clears the line, as in every shell
            except EOFError:
                break
            self.handle(text)

    def script(self, text: str) -> None:
        """Run a script from a pipe (no terminal): statements and meta-commands, one after another."""
        for chunk in _script_chunks(text):
            if not self.running:
                break
            self.handle(chunk)

    def _session(self, history: Path) -> Any:
        from prompt_toolkit import PromptSession
        from prompt_toolkit.history import FileHistory
        from prompt_toolkit.key_binding import KeyBindings
        from prompt_toolkit.lexers import PygmentsLexer
        from pygments.lexers.sql import SqlLexer

        _prepare_history(history)
        bindings = KeyBindings()

        @bindings.add("enter")
        def _enter(event: Any) -> None:
            buffer = event.current_buffer
            if buffer.complete_state is not None and buffer.complete_state.current_completion is not None:
                buffer.complete_state = None  # Enter picks the highlighted completion
                return
            if should_run(buffer.text):
                buffer.validate_and_handle()
            else:
                buffer.insert_text("\n")

        return PromptSession(
            history=_secret_free(FileHistory)(str(history)),
            completer=make_completer(self.catalog),
            complete_while_typing=False,
            multiline=True,
            key_bindings=bindings,
            prompt_continuation=CONTINUATION,
            lexer=PygmentsLexer(SqlLexer),
            enable_history_search=False,
        )

    # ---- one input

    def handle(self, text: str) -> None:
        stripped = text.strip()
        if not stripped:
            return
        if stripped.lower() in ("quit", "exit", "\\q"):
            self.running = False
            return
        try:
            if stripped.startswith("."):
                self._meta(stripped)
            else:
                for statement in split_statements(text):
                    self._run(statement)
        except KeyboardInterrupt:
            console.err.print("Query interrupted.", style="yellow")
        except Error as exc:
            console.error(str(exc).strip() or type(exc).__name__)
        except Exception as exc:
            if console.State.debug:
                console.err.print_exception()
            console.error(f"{type(exc).__name__}: {exc}")

    def _run(self, sql: str) -> None:
        cursor = self.conn.cursor()
        try:
            started = time.monotonic()
            rows = run_and_write(cursor, sql, "table", None)
            console.note(summary(cursor, rows, time.monotonic() - started))
        finally:
            with contextlib.suppress(Exception):
                cursor.close()

    def _meta(self, text: str) -> None:
        command, _, rest = text.partition(" ")
        handler = self.meta.get(command.lower().rstrip(";"))
        if handler is None:
            from pipedrive_sql.errors import did_you_mean

            hint = did_you_mean(command, self.meta)
            console.error(f"Unknown command {command}.{hint} Type .help for the list.")
            return
        handler(rest.strip().rstrip(";").strip())

    # ---- meta-commands

    def _tables(self, _: str) -> None:
        self._run(TABLES_SQL)

    def _schema(self, table: str) -> None:
        if not table:
            console.error("Usage: .schema TABLE")
            return
        cursor = self.conn.cursor()
        describe(cursor, table, "table", None)

    def _explain(self, query: str) -> None:
        if not query:
            console.error("Usage: .explain QUERY")
            return
        cursor = self.conn.cursor()
        cursor.execute("EXPLAIN " + query)
        # One block per table reference: the plan's lists (requests, predicates) read better down the page.
        output.print_records(output.column_names(cursor), cursor.fetchall())

    def _help(self, _: str) -> None:
        for name, meaning in META_COMMANDS.items():
            console.err.print(Text.assemble((f"{name:10}", "bold"), meaning))
        console.err.print("SQL statements end with ';' (Enter inside a statement starts a new line).")

    def _quit(self, _: str) -> None:
        self.running = False


def _script_chunks(text: str) -> Iterator[str]:
    """Meta-command lines on their own, SQL statements between them."""
    pending: list[str] = []
    for line in text.splitlines():
        if line.strip().startswith(".") and not "".join(pending).strip():
            yield line
            continue
        pending.append(line)
        if is_complete("\n".join(pending)):
            yield "\n".join(pending)
            pending = []
    if "".join(pending).strip():
        yield "\n".join(pending)


_SECRET_WORDS = re.compile(
    r"(?i)\b(APIToken|OAuthClientSecret|OAuthAccessToken|OAuthRefreshToken|OAuthVerifier|Verifier|ProxyPassword"
    r"|ClientSecret)\s*="
)


def holds_secret(text: str) -> bool:
    """Whether a statement or meta-command carries a secret (``EXEC GetOAuthAccessToken Verifier='...'``,
    ``EXEC RefreshOAuthAccessToken OAuthRefreshToken='...'``, a connection string with APIToken=...): such
    input is not written to the history file."""
    return bool(_SECRET_WORDS.search(text))


def _secret_free(history_class: Any) -> Any:
    class SecretFreeHistory(history_class):
        def store_string(self, string: str) -> None:
            if not holds_secret(string):  # still recalled with the up arrow in this session
                super().store_string(string)

    return SecretFreeHistory


def _prepare_history(path: Path) -> None:
    # The history may hold values typed into SQL (EXEC ... with a token): the owner's eyes only.
    path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
    if not path.exists():
        fd = os.open(path, os.O_WRONLY | os.O_CREAT, 0o600)
        os.close(fd)
