"""The typer application and ``main()``: one clear message per error, meaningful exit codes.

Exit codes: 0 success; 1 an error (the message says what to do); 2 a usage error; 130 interrupted by
Ctrl-C; 141 the reader of our output went away (``| head``). ``--debug`` (anywhere on the command line,
or PIPEDRIVE_SQL_DEBUG=1) adds the traceback.
"""

from __future__ import annotations

import logging
import os
import sys
import traceback
from importlib import metadata
from typing import Annotated

import typer

from pipedrive_sql.cli import (
    console,
    dsn_cmd,
    oauth_cmd,
    odbc_cmd,
    query_cmd,
    sandbox_cmd,
    serve_cmd,
    shell,
    sync_cmd,
)
from pipedrive_sql.errors import Error

EXIT_ERROR = 1
EXIT_USAGE = 2
EXIT_INTERRUPTED = 130
EXIT_BROKEN_PIPE = 141

app = typer.Typer(
    name="pipedrive-sql",
    help="SQL over Pipedrive CRM: queries, an interactive shell, data sources (DSNs), sign-in, a local "
    "sandbox of the Pipedrive API, and a PostgreSQL-protocol server for BI tools.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
    context_settings={"help_option_names": ["-h", "--help"]},
)


def _show_version(value: bool) -> None:
    if value:
        try:
            version = metadata.version("pipedrive-sql")
        except metadata.PackageNotFoundError:
            version = "unknown"
        console.out.print(f"pipedrive-sql {version}")
        raise typer.Exit()


@app.callback()
def _root(
    debug: Annotated[
        bool, typer.Option("--debug", help="Show the traceback of an error (also: PIPEDRIVE_SQL_DEBUG=1).")
    ] = False,
    version: Annotated[
        bool,
        typer.Option("--version", callback=_show_version, is_eager=True, help="Print the version and exit."),
    ] = False,
) -> None:
    """SQL over Pipedrive CRM."""
    if debug:
        console.State.debug = True


app.add_typer(dsn_cmd.app, name="dsn")
app.add_typer(sandbox_cmd.app, name="sandbox")
app.add_typer(oauth_cmd.app, name="oauth")
app.add_typer(serve_cmd.app, name="serve")
app.add_typer(odbc_cmd.app, name="odbc")
query_cmd.register(app)
sync_cmd.register(app)
shell.register(app)


def _pull_debug(args: list[str]) -> list[str]:
    """Accept --debug anywhere before a ``--``: people add it at the end after a command failed."""
    if "--" in args:
        cut = args.index("--")
        head, tail = args[:cut], args[cut:]
    else:
        head, tail = args, []
    if "--debug" in head:
        console.State.debug = True
        head = [a for a in head if a != "--debug"]
    return head + tail


def main(argv: list[str] | None = None) -> None:
    """The ``pipedrive-sql`` entry point."""
    args = _pull_debug(list(sys.argv[1:] if argv is None else argv))
    console.install_warning_printer()
    _configure_logging(console.State.debug)
    code = run(args)
    if serve_cmd.STOPPED.is_set():
        sys.stdout.flush()
        sys.stderr.flush()
        os._exit(code)
    sys.exit(code)


def _configure_logging(debug: bool) -> None:
    """The driver logs an error it then raises; the command reports the error once, so the log stays quiet
    (Python would print it through its last-resort handler). With --debug, the driver's log goes to stderr
    at the connection's Verbosity; a Logfile works either way."""
    driver_log = logging.getLogger("pipedrive_sql")
    if debug:
        handler: logging.Handler = logging.StreamHandler(sys.stderr)
        handler.setFormatter(logging.Formatter("%(levelname)s %(name)s: %(message)s"))
        driver_log.setLevel(logging.DEBUG)
    else:
        handler = logging.NullHandler()
    driver_log.addHandler(handler)


def run(args: list[str]) -> int:
    """Run the command line ``args`` and return the exit code; errors are reported, never raised."""
    command = typer.main.get_command(app)
    try:
        result = command.main(args=args, prog_name="pipedrive-sql", standalone_mode=False)
    except typer.Exit as exc:
        return exc.exit_code
    except typer.Abort as exc:
        return _aborted(exc)
    except KeyboardInterrupt:
        return _interrupted()
    except typer.TyperException as exc:  # usage errors: typer's own Usage/Error text
        show = getattr(exc, "show", None)
        if callable(show):
            show()
        else:
            console.error(exc.format_message())
        return int(getattr(exc, "exit_code", EXIT_USAGE))
    except BrokenPipeError:
        return _broken_pipe()
    except Error as exc:
        _report(exc)
        return EXIT_ERROR
    except OSError as exc:
        _report(exc, text=_os_error_text(exc))
        return EXIT_ERROR
    except Exception as exc:
        if isinstance(exc, _server_errors()):
            message = str(exc).strip()
            _report(exc, text=message[:1].upper() + message[1:])
            return EXIT_ERROR
        _report(
            exc,
            text=f"Internal error ({type(exc).__name__}: {exc}). Run again with --debug for the traceback, "
            "and please report it.",
        )
        return EXIT_ERROR
    if result == EXIT_INTERRUPTED:  # typer turns Ctrl-C into Exit(130) before we see it
        return _interrupted()
    return result if isinstance(result, int) else 0


def _server_errors() -> tuple[type[Exception], ...]:
    """The server's configuration and users-file errors, reported like the driver's. Looked up only once
    the server was loaded: importing it (DuckDB, Arrow) up front would slow every command down."""
    if "pipedrive_sql.server.users" not in sys.modules or "pipedrive_sql.server.server" not in sys.modules:
        return ()
    from pipedrive_sql.server.server import ServerConfigError
    from pipedrive_sql.server.users import UsersFileError

    return (ServerConfigError, UsersFileError)


def _aborted(exc: typer.Abort) -> int:
    # click turns Ctrl-C (and EOF at a prompt) into Abort; Ctrl-C keeps the shell's conventional 130.
    if isinstance(exc.__context__, KeyboardInterrupt) or isinstance(exc.__cause__, KeyboardInterrupt):
        return _interrupted()
    console.error("Aborted.")
    return EXIT_ERROR


def _interrupted() -> int:
    console.err.print("Interrupted.", style="yellow")
    return EXIT_INTERRUPTED


def _broken_pipe() -> int:
    # Point stdout at /dev/null so the interpreter's final flush does not fail a second time.
    try:
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
    except (OSError, ValueError):
        pass
    return EXIT_BROKEN_PIPE


def _os_error_text(exc: OSError) -> str:
    if exc.filename:
        return f"{exc.strerror or exc}: {exc.filename}"
    return str(exc.strerror or exc)


def _report(exc: BaseException, *, text: str | None = None) -> None:
    if console.State.debug:
        sys.stderr.write(traceback.format_exc())
        sys.stderr.flush()
    message = text if text is not None else (str(exc).strip() or type(exc).__name__)
    console.error(message)
