"""``pipedrive-sql serve``: the PostgreSQL-protocol server, and ``serve user add|remove|list`` for its users.

``serve`` without a subcommand runs the server in the foreground until Ctrl-C (or SIGTERM, as a service
manager stops it); the work is done by ``pipedrive_sql.server.cli_commands``, imported only when a command
runs (the server loads DuckDB and Arrow, which other commands do not need). See docs/bi-tools.md.
"""

from __future__ import annotations

import ipaddress
import logging
import signal
import sys
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any, Literal

import typer

from pipedrive_sql.cli import console

if TYPE_CHECKING:
    from pipedrive_sql.server import Server

DEFAULT_PORT = 54320  # pipedrive_sql.server.cli_commands.DEFAULT_PORT, not imported for the reason above

app = typer.Typer(
    help="Serve data sources over the PostgreSQL protocol, for BI tools (psqlODBC, pgjdbc, Npgsql): "
    "without a subcommand, run the server until Ctrl-C; `serve user ...` manages who may connect.",
    invoke_without_command=True,
    subcommand_metavar="[user add|remove|list ...]",
)
user_app = typer.Typer(
    help="Users of the server: names and password verifiers (never passwords) in the users file.",
    no_args_is_help=True,
)
app.add_typer(user_app, name="user")

UsersFileOption = Annotated[
    Path | None,
    typer.Option(
        "--users-file",
        metavar="FILE",
        dir_okay=False,
        help="The users file (default: server-users.json in your config folder).",
    ),
]

# The server's options that mean nothing to `serve user ...` (--users-file is passed down instead).
# The embedded sandbox's options (with --sandbox) and the connection properties they set.
_SANDBOX_OPTIONS = {
    "sandbox_scale": "SandboxScale",
    "sandbox_seed": "SandboxSeed",
    "sandbox_latency_ms": "SandboxLatency",
    "sandbox_plan": "SandboxPlan",
}
_SERVER_ONLY = (
    "dsn",
    "sandbox",
    *_SANDBOX_OPTIONS,
    "host",
    "port",
    "tls_cert",
    "tls_key",
    "auth",
    "trust",
    "require_tls",
    "max_connections",
    "max_connections_per_user",
    "startup_timeout",
    "idle_session_timeout",
    "statement_timeout",
    "max_message_mb",
    "log_level",
)


@app.callback()
def serve_command(
    ctx: typer.Context,
    dsn: Annotated[
        list[str] | None,
        typer.Option(
            "--dsn",
            "-d",
            metavar="NAME",
            help="A data source to serve, as a database of the same name (repeatable).",
        ),
    ] = None,
    sandbox: Annotated[
        bool, typer.Option("--sandbox", help="Serve the embedded sandbox as database 'sandbox' (no account).")
    ] = False,
    sandbox_scale: Annotated[
        int | None, typer.Option("--sandbox-scale", min=1, help="Deals the sandbox generates (default 500).")
    ] = None,
    sandbox_seed: Annotated[
        int | None, typer.Option("--sandbox-seed", help="Seed of the sandbox's data (default 1).")
    ] = None,
    sandbox_latency_ms: Annotated[
        int | None,
        typer.Option(
            "--sandbox-latency-ms", min=0, max=60_000, help="Milliseconds added to each API request."
        ),
    ] = None,
    sandbox_plan: Annotated[
        Literal["lite", "growth", "premium", "ultimate"] | None,
        typer.Option(
            "--sandbox-plan", help="Pipedrive plan whose rate limits the sandbox applies (default growth)."
        ),
    ] = None,
    host: Annotated[
        str,
        typer.Option(
            help="Address to listen on; other than loopback it needs --tls-cert/--tls-key and users."
        ),
    ] = "127.0.0.1",
    port: Annotated[
        int, typer.Option(min=0, max=65535, help="Port to listen on (0: any free port).")
    ] = DEFAULT_PORT,
    tls_cert: Annotated[
        Path | None,
        typer.Option(
            "--tls-cert",
            metavar="FILE",
            exists=True,
            dir_okay=False,
            help="TLS certificate (PEM, with chain).",
        ),
    ] = None,
    tls_key: Annotated[
        Path | None,
        typer.Option("--tls-key", metavar="FILE", exists=True, dir_okay=False, help="Its private key (PEM)."),
    ] = None,
    users_file: UsersFileOption = None,
    auth: Annotated[
        Literal["scram-sha-256", "md5"] | None,
        typer.Option(
            "--auth",
            help="How clients send their password: scram-sha-256 (default) or md5 (old clients; users "
            "added with --md5). The users file must have a user: `serve user add NAME`.",
            show_default=False,
        ),
    ] = None,
    trust: Annotated[
        bool,
        typer.Option(
            "--trust",
            help="No passwords: anyone who can reach the port logs in as any user. Loopback only; for "
            "trying the server on your own machine.",
        ),
    ] = False,
    require_tls: Annotated[
        bool,
        typer.Option(
            "--require-tls", help="Refuse clients without TLS (always so on a non-loopback address)."
        ),
    ] = False,
    max_connections: Annotated[
        int, typer.Option(min=1, help="Sessions at once, at most; one more gets 'too many clients'.")
    ] = 64,
    max_connections_per_user: Annotated[
        int | None,
        typer.Option(
            min=1,
            help="Sessions of one user at once, at most (`serve user add --connection-limit` sets "
            "one user's own).",
            show_default=False,
        ),
    ] = None,
    startup_timeout: Annotated[
        float,
        typer.Option(
            min=0.1,
            metavar="SECONDS",
            help="Time a connection has for TLS, its startup packet and its password, in all.",
        ),
    ] = 10.0,
    idle_session_timeout: Annotated[
        float,
        typer.Option(
            min=0, metavar="SECONDS", help="Close sessions idle this long (0: never; like PostgreSQL's)."
        ),
    ] = 0.0,
    statement_timeout: Annotated[
        float,
        typer.Option(
            min=0,
            metavar="SECONDS",
            help="Cancel statements running longer (0: no limit); clients may SET statement_timeout.",
        ),
    ] = 0.0,
    max_message_mb: Annotated[
        int,
        typer.Option(
            "--max-message-mb", min=1, metavar="MB", help="The longest message a logged-in client may send."
        ),
    ] = 64,
    log_level: Annotated[
        Literal["DEBUG", "INFO", "WARNING", "ERROR"],
        typer.Option(
            "--log-level", help="What the server logs on stderr: connections, failed logins, cancels..."
        ),
    ] = "INFO",
) -> None:
    """Serve each --dsn (and/or --sandbox) as a PostgreSQL database of that name until Ctrl-C.

    Clients log in as users of the users file (`serve user add NAME` first); --trust skips passwords,
    on loopback only. Loopback by default; a network address needs TLS."""
    if ctx.invoked_subcommand is not None:
        _refuse_server_options(ctx)
        ctx.obj = (
            users_file  # `serve --users-file F user list` means the same as `serve user list --users-file F`
        )
        return
    sandbox_properties = _sandbox_properties(
        sandbox,
        sandbox_scale=sandbox_scale,
        sandbox_seed=sandbox_seed,
        sandbox_latency_ms=sandbox_latency_ms,
        sandbox_plan=sandbox_plan,
    )
    from pipedrive_sql.server import cli_commands

    if console.State.debug:
        log_level = "DEBUG"
        # --debug already sends the driver's log to stderr; the server's root handler would repeat it
        logging.getLogger("pipedrive_sql").propagate = False
    # _announce tells people where the server listens (and that --trust means no passwords): the server's
    # own log lines saying the same would print it twice, in a terminal and in a service's journal alike
    startup = logging.getLogger("pipedrive_sql.server.startup")
    startup.propagate = False
    startup.addHandler(logging.NullHandler())
    # httpx logs every API request (URL included) at INFO, httpcore each step at DEBUG: the server's log is
    # about clients, not about each page read (--debug still shows the driver's own requests)
    for name in ("httpx", "httpcore"):
        logging.getLogger(name).setLevel(logging.WARNING)
    with _sigterm_stops():
        try:
            cli_commands.serve(
                dsn=dsn or (),
                sandbox=sandbox,
                sandbox_properties=sandbox_properties,
                host=host,
                port=port,
                tls_cert=tls_cert,
                tls_key=tls_key,
                users_file=users_file,
                auth=auth,
                trust=trust,
                require_tls=require_tls,
                max_connections=max_connections,
                max_connections_per_user=max_connections_per_user,
                startup_timeout=startup_timeout,
                idle_session_timeout=idle_session_timeout,
                statement_timeout=statement_timeout,
                max_message_size=max_message_mb * 1024 * 1024,
                log_level=log_level,
                ready=_announce,
            )
        except KeyboardInterrupt:
            pass  # Ctrl-C before the server was up; once up, serve() returns on Ctrl-C
    # Ctrl-C is how a foreground server is meant to stop: not a failure.
    console.note("Server stopped.")
    STOPPED.set()


# Set once the server has stopped: main() then leaves without finalizing the interpreter. Session threads
# that are still winding down (daemon threads, logging to stderr, holding DuckDB connections) can make
# interpreter shutdown abort (SIGABRT, "could not acquire lock for <stderr> at interpreter shutdown"), which
# would turn a clean Ctrl-C into a crash; the sockets are closed and nothing is left to flush but stdio.
STOPPED = threading.Event()


def _refuse_server_options(ctx: typer.Context) -> None:
    # typer carries its own click: compare the parameter source by name
    given = [
        name
        for name in _SERVER_ONLY
        if getattr(ctx.get_parameter_source(name), "name", "DEFAULT") != "DEFAULT"
    ]
    if given:
        raise typer.BadParameter(
            f"options of the server itself; `serve {ctx.invoked_subcommand} ...` does not take "
            f"{'it' if len(given) == 1 else 'them'}.",
            param_hint=", ".join("'--" + name.replace("_", "-") + "'" for name in given),
        )


def _sandbox_properties(sandbox: bool, **options: Any) -> dict[str, Any]:
    """The embedded sandbox's connection properties from the --sandbox-* options (which need --sandbox)."""
    given = {name: value for name, value in options.items() if value is not None}
    if given and not sandbox:
        raise typer.BadParameter(
            "these configure the embedded sandbox: add --sandbox.",
            param_hint=", ".join("'--" + name.replace("_", "-") + "'" for name in given),
        )
    return {_SANDBOX_OPTIONS[name]: value for name, value in given.items()}


@contextmanager
def _sigterm_stops() -> Iterator[None]:
    """SIGTERM (systemd, docker stop) stops the server as Ctrl-C does: clients closed, exit code 0."""

    def stop(signum: int, frame: Any) -> None:
        raise KeyboardInterrupt

    try:
        previous = signal.signal(signal.SIGTERM, stop)
    except ValueError:  # not the main thread (embedded use): leave the signal alone
        yield
        return
    try:
        yield
    finally:
        signal.signal(signal.SIGTERM, previous)


def _announce(server: Server) -> None:
    host, port = server.address
    config = server.config
    databases = list(server.backend.databases())
    parts = [f"host={_client_host(host)}", f"port={port}", f"dbname={databases[0]}"]
    if config.auth != "trust":
        parts.append("user=NAME")
    if config.require_tls:
        parts.append("sslmode=require")
    tls = "TLS required" if config.require_tls else "TLS on" if config.tls_cert else "TLS off"
    if config.auth == "trust":
        console.warning(
            f"No passwords (--trust): anyone who can connect to {_hostport(host, port)} from this machine "
            "logs in as any user and reads your Pipedrive data. Add users (`pipedrive-sql serve user add "
            "NAME`) and drop --trust to require passwords."
        )
    console.success(
        f"Listening on {_hostport(host, port)}: database{'s' if len(databases) > 1 else ''} "
        f"{', '.join(databases)} (auth {config.auth}, {tls})."
    )
    console.note(f'Connect with psql "{" ".join(parts)}". Ctrl-C stops the server.')


def _client_host(host: str) -> str:
    """Where a client on this machine reaches a server bound to ``host``."""
    if host == "0.0.0.0":
        return "127.0.0.1"
    if host == "::":
        return "::1"
    return host


def _hostport(host: str, port: int) -> str:
    try:
        if ipaddress.ip_address(host).version == 6:
            return f"[{host}]:{port}"
    except ValueError:
        pass
    return f"{host}:{port}"


# --------------------------------------------------------------------------------------------- users

NameArg = Annotated[str, typer.Argument(metavar="NAME", help="The user name clients log in with.")]


def _users_file(ctx: typer.Context, users_file: Path | None) -> Path | None:
    parent = ctx.obj if isinstance(ctx.obj, Path) else None
    return users_file or parent


@user_app.command("add")
def user_add_command(
    ctx: typer.Context,
    name: NameArg,
    md5: Annotated[
        bool,
        typer.Option(
            "--md5", help="Also store an MD5 verifier, for clients too old for SCRAM (weak; see --auth md5)."
        ),
    ] = False,
    password: Annotated[
        str | None,
        typer.Option(
            "--password",
            help="The password (visible to other local users in the process list: prefer the prompt, "
            "or a pipe on stdin).",
            show_default=False,
        ),
    ] = None,
    connection_limit: Annotated[
        int | None,
        typer.Option(
            "--connection-limit",
            min=1,
            help="The user's sessions at once, at most (for a service account; default: the server's).",
            show_default=False,
        ),
    ] = None,
    users_file: UsersFileOption = None,
) -> None:
    """Add a user, or set a user's password (asked without echo; from stdin when it is not a terminal)."""
    from pipedrive_sql.server import cli_commands

    path = _users_file(ctx, users_file)
    existed = name in cli_commands.user_list(users_file=path)
    if password is None:
        password = _read_password(name)
    written = cli_commands.user_add(
        name, password=password, users_file=path, md5=md5, connection_limit=connection_limit
    )
    verifiers = "SCRAM-SHA-256 and MD5 verifiers" if md5 else "a SCRAM-SHA-256 verifier"
    verb = "Changed the password of" if existed else "Added"
    console.success(f"{verb} user {name!r} in {written} ({verifiers}; the password itself is not stored).")


def _read_password(name: str) -> str:
    from pipedrive_sql.server.users import UsersFileError

    if console.can_prompt():
        from rich.prompt import Prompt

        try:
            first = Prompt.ask(f"Password for {name}", console=console.err, password=True)
            again = Prompt.ask("Again", console=console.err, password=True)
        except EOFError:
            raise typer.Abort() from None
        if first != again:
            raise UsersFileError("the passwords do not match; nothing was changed")
    elif not console.stdin_is_terminal():
        first = sys.stdin.readline().rstrip("\r\n")
    else:
        raise UsersFileError("no password: give --password, or pipe it on stdin (nothing to prompt on)")
    if not first:
        raise UsersFileError("the password must not be empty; nothing was changed")
    return first


@user_app.command("remove")
def user_remove_command(ctx: typer.Context, name: NameArg, users_file: UsersFileOption = None) -> None:
    """Remove a user: its next login fails (connected sessions stay until they disconnect)."""
    from pipedrive_sql.server import cli_commands
    from pipedrive_sql.server.users import UsersFileError, default_users_file

    path = _users_file(ctx, users_file) or default_users_file()
    if not cli_commands.user_remove(name, users_file=path):
        raise UsersFileError(f"no user {name!r} in {path}; `pipedrive-sql serve user list` shows them")
    console.success(f"Removed user {name!r} from {path}.")
    if not cli_commands.user_list(users_file=path):
        console.note(
            "No users left: `pipedrive-sql serve` refuses to start until you add one "
            "(or is run with --trust, on loopback only)."
        )


@user_app.command("list")
def user_list_command(ctx: typer.Context, users_file: UsersFileOption = None) -> None:
    """List the users, one name a line."""
    from pipedrive_sql.server import cli_commands
    from pipedrive_sql.server.users import default_users_file

    path = _users_file(ctx, users_file) or default_users_file()
    names = cli_commands.user_list(users_file=path)
    if not names:
        console.note(
            f"No users in {path}: `pipedrive-sql serve` refuses to start without one. "
            "Add one with `pipedrive-sql serve user add NAME`."
        )
        return
    for name in names:
        print(name)
