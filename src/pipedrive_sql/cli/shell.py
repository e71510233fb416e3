"""``pipedrive-sql shell``: an interactive SQL shell over a connection, or a script runner when stdin is not
a terminal.

prompt-toolkit gives the line editing: history (kept in the user's state directory), multi-line input that
runs when a statement ends with ';', and completion (cli/completion.py). Meta-commands (cli/shell_commands.py)
are psql's backslash commands (\\dt, \\d NAME, \\d+ NAME, \\x, \\timing, \\o FILE, \\i FILE, \\q, \\?) and the
dot commands (.tables, .schema, .explain, ...). After each query: the rows, the time, and the API requests and
tokens it cost. Ctrl-C stops a running query (the shell stays); Ctrl-D or \\q leave.

A script stops at its first failing statement or command and the command exits 1 (psql's ON_ERROR_STOP,
sqlite3's -bail); ``--continue-on-error`` runs the rest and still exits 1 when anything failed.
"""

from __future__ import annotations

import contextlib
import os
import re
import sys
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import IO, Annotated, Any

import platformdirs
import typer
from rich.text import Text

from pipedrive_sql.cli import console, output
from pipedrive_sql.cli.completion import Catalog, completions, make_completer
from pipedrive_sql.cli.connecting import (
    ConnectionStringOption,
    DsnOption,
    PropertyOption,
    SandboxOption,
    SandboxScaleOption,
    SystemDsnOption,
    make_target,
)
from pipedrive_sql.cli.query_cmd import TABLES_SQL, connection, run_and_write, summary
from pipedrive_sql.cli.shell_commands import COMMANDS, command_names, find_command
from pipedrive_sql.cli.sqltext import is_complete, split_statements
from pipedrive_sql.errors import Error, InterfaceError, ProgrammingError, did_you_mean

__all__ = ["Catalog", "Shell", "completions", "should_run"]

HISTORY_ENV = "PIPEDRIVE_SQL_HISTORY_FILE"
PROMPT = "pipedrive> "
CONTINUATION = "      ...> "

EXIT_ERROR = 1
MAX_INCLUDE_DEPTH = 16
# \d NAME: the columns psql's \d shows; \d+ NAME adds the rest.
_DESCRIBE_COLUMNS = "ColumnName, DataTypeName, IsNullable, IsKey"
_DESCRIBE_MORE_COLUMNS = f"{_DESCRIBE_COLUMNS}, IsReadOnly, FieldKey, Description"


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
    file: Annotated[
        Path | None,
        typer.Option(
            "--file",
            "-f",
            exists=True,
            dir_okay=False,
            help="Run this script (statements and meta-commands) and exit, as psql -f does.",
        ),
    ] = None,
    continue_on_error: Annotated[
        bool,
        typer.Option(
            "--continue-on-error",
            help="In a script (stdin not a terminal): run the rest after a failed statement instead of "
            "stopping; the exit code is still 1 when anything failed.",
        ),
    ] = False,
) -> None:
    """An interactive SQL shell: history, multi-line input ending at ';', completion, meta-commands (\\?).

    With -f FILE, or stdin not a terminal (`shell < script.sql`), it runs the script and stops at the first
    error."""
    target = make_target(dsn, connection_string, sandbox, sandbox_scale, properties, system)
    script = file.read_text(encoding="utf-8") if file is not None else None
    with connection(target) as conn:
        shell = Shell(conn, title=target.describe(), stop_on_error=not continue_on_error)
        try:
            if script is not None:
                succeeded = shell.script(script, source=str(file))
            elif console.stdin_is_terminal():
                shell.interactive(history_path(history))
                return
            else:
                succeeded = shell.script(sys.stdin.read(), source="stdin")
        finally:
            shell.close()
        if not succeeded:
            if not continue_on_error:
                console.note("Stopped at the first error (--continue-on-error runs the rest).")
            raise typer.Exit(EXIT_ERROR)


def history_path(option: Path | None) -> Path:
    if option is not None:
        return option
    override = os.environ.get(HISTORY_ENV)
    if override:
        return Path(override)
    return platformdirs.user_state_path("pipedrive-sql") / "history"


# --------------------------------------------------------------------------------------------- the shell


def should_run(text: str) -> bool:
    """Enter runs the input when it is a meta-command, a quit word, blank, or ends a statement with ';'."""
    stripped = text.strip()
    if not stripped or stripped.startswith((".", "\\")):
        return True
    return stripped.lower() in ("quit", "exit") or is_complete(text)


class _Reported(Exception):
    """A failure inside \\i FILE, already reported where it happened."""


class Shell:
    def __init__(self, conn: Any, *, title: str = "", stop_on_error: bool = True) -> None:
        self.conn = conn
        self.title = title
        self.catalog = Catalog(conn)
        self.running = True
        self.stop_on_error = stop_on_error
        self.is_interactive = False
        self.expanded: bool | None = None  # None: auto, by the terminal's width
        self.timing = True
        self.sink: IO[str] | None = None  # \o FILE
        self.sink_format = "table"
        self._depth = 0
        self.meta: dict[str, Callable[[str], None]] = {
            "tables": lambda arg: self._tables(arg, verbose=False),
            "tables+": lambda arg: self._tables(arg, verbose=True),
            "describe": lambda arg: self._describe(arg, verbose=False),
            "describe+": lambda arg: self._describe(arg, verbose=True),
            "explain": self._explain,
            "expanded": self._expanded,
            "timing": self._timing,
            "output": self._output,
            "include": self._include,
            "help": self._help,
            "quit": self._quit,
        }

    # ---- input loops

    def interactive(self, history: Path) -> None:
        self.is_interactive = True
        session = self._session(history)
        console.note(f"Connected to {self.title}. End statements with ';'. \\? for commands, \\q to leave.")
        while self.running:
            try:
                text = session.prompt(PROMPT)
            except KeyboardInterrupt:
                continue  # Ctrl-C at the prompt clears the line, as in every shell
            except EOFError:
                break
            self.handle(text)

    def script(self, text: str, *, source: str = "stdin") -> bool:
        """Run a script's statements and meta-commands in order; whether all of them succeeded. Stops at the
        first failure unless ``stop_on_error`` is off."""
        succeeded = True
        for line, chunk in _script_chunks(text):
            if not self.running:
                break
            if not self.handle(chunk, where=f"{source}:{line}: "):
                succeeded = False
                if self.stop_on_error:
                    break
        return succeeded

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

    def handle(self, text: str, *, where: str = "") -> bool:
        """Run one input (statements or a meta-command); False when it failed (the error is reported, with
        ``where`` in front: the script and line)."""
        stripped = text.strip()
        if not stripped:
            return True
        if stripped.lower().rstrip(";") in ("quit", "exit"):
            self.running = False
            return True
        try:
            if stripped.startswith((".", "\\")):
                self._meta(stripped)
            else:
                for statement in split_statements(text):
                    self._run(statement)
        except KeyboardInterrupt:
            if not self.is_interactive or self._depth > 0:
                raise  # a script (or the \i file being run) stops on Ctrl-C; a script's command exits 130
            console.err.print("Query interrupted.", style="yellow")
        except typer.Exit:
            raise  # the reader of the output went away (`| head`): stop quietly
        except _Reported:
            return False
        except Error as exc:
            console.error(where + (str(exc).strip() or type(exc).__name__))
            return False
        except OSError as exc:
            console.error(where + f"{exc.strerror or exc}" + (f": {exc.filename}" if exc.filename else ""))
            return False
        except Exception as exc:
            if console.State.debug:
                console.err.print_exception()
            console.error(where + f"{type(exc).__name__}: {exc}")
            return False
        return True

    def _run(self, sql: str, *, expanded: bool | None = None) -> None:
        cursor = self.conn.cursor()
        try:
            started = time.monotonic()
            fmt = self.sink_format if self.sink is not None else "table"
            rows = run_and_write(
                cursor,
                sql,
                fmt,
                None,
                sink=self.sink,
                expanded=self.expanded if expanded is None else expanded,
            )
            seconds = time.monotonic() - started if self.timing else None
            if cursor.description is not None:
                console.note(summary(cursor, rows, seconds))
            elif seconds is not None:
                console.note(f"Time: {seconds:.2f} s")
        except KeyboardInterrupt:
            cursor.cancel()  # Ctrl-C: its scans ask Pipedrive for no further page
            raise
        finally:
            with contextlib.suppress(Exception):
                cursor.close()

    def _meta(self, text: str) -> None:
        word, _, rest = text.partition(" ")
        word = word.rstrip(";")
        command = find_command(word)
        if command is None:
            hint = did_you_mean(word, [n for n in command_names() if n[0] == word[0]])
            raise InterfaceError(f"Unknown command {word}.{hint} Type \\? for the list.")
        self.meta[command.name](rest.strip().rstrip(";").strip())

    def close(self) -> None:
        self._close_sink()

    # ---- meta-commands

    def _tables(self, pattern: str, *, verbose: bool) -> None:
        columns = "TableName, TableType, Description" if verbose else "TableName, TableType"
        where = f" WHERE lower(TableName) LIKE lower({_literal(_like(pattern))})" if pattern else ""
        if not verbose and not pattern:
            sql = TABLES_SQL.replace("TableName, TableType, Description", columns)
        else:
            sql = f"SELECT {columns} FROM sys_tables{where} ORDER BY TableName"
        self._run(sql)

    def _describe(self, name: str, *, verbose: bool) -> None:
        if not name:
            if verbose:
                raise InterfaceError("Usage: \\d+ NAME (or .schema NAME): the table to describe.")
            self._tables("", verbose=False)
            return
        bare = _bare_name(name)
        table = self.catalog.table_named(bare)
        if table is None and bare.lower().startswith("sys_") and bare.isidentifier():
            self._describe_system_table(bare)
            return
        if table is None:
            from pipedrive_sql.engine.diagnostics import suggestion  # DuckDB: only when needed

            hint = suggestion(bare, self.catalog.tables()) or "; \\dt lists the tables"
            raise ProgrammingError(f'table "{bare}" does not exist{hint}')
        columns = _DESCRIBE_MORE_COLUMNS if verbose else _DESCRIBE_COLUMNS
        self._run(
            f"SELECT {columns} FROM sys_tablecolumns WHERE TableName = {_literal(table)} ORDER BY Ordinal"
        )

    def _describe_system_table(self, name: str) -> None:
        """The columns of a metadata table (sys_tables, sys_tablecolumns...), which the catalog does not list:
        from the description of an empty query over it."""
        cursor = self.conn.cursor()
        try:
            cursor.execute(f"SELECT * FROM {name} LIMIT 0")
            columns = [(str(d[0]), str(d[1])) for d in cursor.description or ()]
        finally:
            with contextlib.suppress(Exception):
                cursor.close()
        rows = ", ".join(f"({_literal(c)}, {_literal(t)})" for c, t in columns)
        self._run(f"SELECT * FROM (VALUES {rows}) AS columns(ColumnName, DataTypeName)")

    def _explain(self, query: str) -> None:
        if not query:
            raise InterfaceError("Usage: .explain QUERY")
        # One block per table reference: the plan's lists (requests, predicates) read better down the page.
        self._run("EXPLAIN " + query, expanded=True)

    def _expanded(self, arg: str) -> None:
        choice = _switch(arg, "\\x", allow_auto=True)
        if choice is None:  # toggle, as psql does
            choice = "off" if self.expanded else "on"
        self.expanded = {"on": True, "off": False, "auto": None}[choice]
        console.note(f"Expanded display is {choice}.")

    def _timing(self, arg: str) -> None:
        choice = _switch(arg, "\\timing")
        self.timing = (not self.timing) if choice is None else choice == "on"
        console.note(f"Timing is {'on' if self.timing else 'off'}.")

    def _output(self, arg: str) -> None:
        self._close_sink()
        if not arg:
            console.note("Results go to the screen.")
            return
        path = Path(os.path.expanduser(_unquote(arg)))
        fmt = output.choose_format(None, path)
        if fmt not in ("table", "csv", "jsonl"):
            raise InterfaceError(
                f"\\o appends one result after another, which {fmt} cannot hold: use a .csv, .jsonl, .tsv or "
                f".txt file (for {fmt}, `pipedrive-sql query -o {path.name}` writes one result)."
            )
        self.sink = open(path, "w", encoding="utf-8", newline="")  # noqa: SIM115 (open until \o or exit)
        self.sink_format = fmt
        console.note(f"Results go to {path} ({'tab-separated' if fmt == 'table' else fmt}).")

    def _close_sink(self) -> None:
        if self.sink is not None:
            with contextlib.suppress(OSError):
                self.sink.close()
        self.sink = None
        self.sink_format = "table"

    def _include(self, arg: str) -> None:
        if not arg:
            raise InterfaceError("Usage: \\i FILE")
        if self._depth >= MAX_INCLUDE_DEPTH:
            raise InterfaceError(
                f"\\i is nested more than {MAX_INCLUDE_DEPTH} deep: does a file include itself?"
            )
        path = Path(os.path.expanduser(_unquote(arg)))
        text = path.read_text(encoding="utf-8")
        self._depth += 1
        try:
            if not self.script(text, source=str(path)):
                raise _Reported
        finally:
            self._depth -= 1

    def _help(self, _: str) -> None:
        for command in COMMANDS:
            spelled = " ".join(f"{s} {command.usage}".strip() for s in command.spellings[:1])
            others = ", ".join(command.spellings[1:])
            meaning = command.help + (f" (also {others})" if others else "")
            console.err.print(Text.assemble((f"{spelled:22}", "bold"), meaning))
        console.err.print("SQL statements end with ';' (Enter inside a statement starts a new line).")

    def _quit(self, _: str) -> None:
        self.running = False


def _switch(arg: str, command: str, *, allow_auto: bool = False) -> str | None:
    """'on', 'off' (or 'auto') from a command's argument; None for no argument (toggle)."""
    if not arg:
        return None
    choice = arg.lower()
    allowed = ("on", "off", "auto") if allow_auto else ("on", "off")
    if choice not in allowed:
        raise InterfaceError(f"Usage: {command} [{'|'.join(allowed)}]")
    return choice


def _literal(text: str) -> str:
    return "'" + text.replace("'", "''") + "'"


def _like(pattern: str) -> str:
    """A psql-style name pattern (* and ?) as a LIKE pattern; a plain name matches itself."""
    return _unquote(pattern).replace("*", "%").replace("?", "_")


def _unquote(text: str) -> str:
    text = text.strip()
    if len(text) > 1 and text[0] in "'\"[`" and text[-1] in "'\"]`":
        return text[1:-1]
    return text


def _bare_name(name: str) -> str:
    return _unquote(name.strip().split(".")[-1])


def _script_chunks(text: str) -> Iterator[tuple[int, str]]:
    """(line number, input): meta-command lines on their own, SQL statements between them."""
    pending: list[str] = []
    first = 0
    for number, line in enumerate(text.splitlines(), start=1):
        if not "".join(pending).strip():
            if line.strip().startswith((".", "\\")):
                pending = []
                yield number, line
                continue
            first = number
        pending.append(line)
        if is_complete("\n".join(pending)):
            yield first, "\n".join(pending)
            pending = []
    if "".join(pending).strip():
        yield first, "\n".join(pending)


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
