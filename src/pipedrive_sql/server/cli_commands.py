"""Plain functions behind `pipedrive-sql serve ...` and `pipedrive-sql odbc dsn add ...`.

The CLI module wires these to typer; they print nothing but what a user needs and raise
`ServerConfigError` / `UsersFileError` with messages that say what to do.
"""

from __future__ import annotations

import getpass
import logging
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path
from typing import Any

from .config import ServerConfig, ServerConfigError, is_loopback, validate
from .odbc import default_odbc_ini, write_dsn
from .server import Server, startup_log
from .users import UsersFileError, UserStore, default_users_file

DEFAULT_PORT = 54320
SANDBOX_DATABASE = "sandbox"


def serve(
    *,
    dsn: Sequence[str] = (),
    sandbox: bool = False,
    sandbox_properties: Mapping[str, Any] | None = None,
    host: str = "127.0.0.1",
    port: int = DEFAULT_PORT,
    tls_cert: Path | None = None,
    tls_key: Path | None = None,
    users_file: Path | None = None,
    auth: str | None = None,
    trust: bool = False,
    require_tls: bool = False,
    max_connections: int = 64,
    max_connections_per_user: int | None = None,
    startup_timeout: float = 10.0,
    idle_session_timeout: float = 0.0,
    statement_timeout: float = 0.0,
    max_message_size: int = 64 * 1024 * 1024,
    log_level: str = "INFO",
    ready: Callable[[Server], Any] | None = None,
) -> None:
    """Serve each DSN (and/or the embedded sandbox) as a PostgreSQL database of the same name; block
    until interrupted. `sandbox_properties` configure the embedded sandbox (SandboxScale, SandboxSeed,
    SandboxLatency, SandboxPlan). Clients log in with a password (`auth`: scram-sha-256 by default, or md5)
    as a user of the users file, which must have one; `trust=True` lets anyone in without a password, and
    only on a loopback address. `ready` is called with the started server."""
    from .pipedrive import PipedriveBackend

    logging.basicConfig(
        level=getattr(logging, log_level.upper(), logging.INFO), format="%(asctime)s %(message)s"
    )
    databases: dict[str, dict[str, Any]] = {name: {"dsn": name} for name in dsn}
    if sandbox:
        databases[SANDBOX_DATABASE] = {"Sandbox": True, **(sandbox_properties or {})}
    if not databases:
        raise ServerConfigError("nothing to serve: give --dsn NAME (repeatable) or --sandbox")
    if trust and auth is not None:
        raise ServerConfigError("--trust means no password: it does not go with --auth")
    path = users_file or default_users_file()
    method = "trust" if trust else auth or "scram-sha-256"
    config = ServerConfig(
        host=host,
        port=port,
        auth=method,
        users_file=users_file if trust else path,
        tls_cert=tls_cert,
        tls_key=tls_key,
        require_tls=require_tls,
        max_connections=max_connections,
        max_connections_per_user=max_connections_per_user,
        startup_timeout=startup_timeout,
        idle_session_timeout=idle_session_timeout,
        statement_timeout=statement_timeout,
        max_message_size=max_message_size,
    )
    validate(config)  # a network address without TLS or with --trust is refused before anything else
    if not trust and not UserStore(path).has_users():
        raise ServerConfigError(
            f"no users in {path}, so nobody could log in: add one with `pipedrive-sql serve user add NAME`"
            f"{'' if users_file is None else f' --users-file {path}'}"
            + (
                " (or, to try the server on this machine only, pass --trust: no passwords)"
                if is_loopback(host)
                else ""
            )
        )
    server = Server(PipedriveBackend(databases), config).start()
    bound_host, bound_port = server.address
    startup_log.info(
        "serving %s on %s:%s (auth %s, TLS %s)",
        ", ".join(databases),
        bound_host,
        bound_port,
        method,
        "on" if tls_cert else "off",
    )
    if ready is not None:
        ready(server)
    server.serve_forever()


def user_add(
    name: str,
    *,
    password: str | None = None,
    users_file: Path | None = None,
    md5: bool = False,
    connection_limit: int | None = None,
) -> Path:
    """Add or replace a server user; prompts for the password when none is given. Returns the file.
    `connection_limit` caps the user's sessions at once (None keeps the user's current limit)."""
    if password is None:
        password = getpass.getpass(f"Password for {name}: ")
        if getpass.getpass("Again: ") != password:
            raise UsersFileError("the passwords do not match")
    path = users_file or default_users_file()
    UserStore(path).set_password(name, password, md5=md5, connection_limit=connection_limit)
    return path


def user_remove(name: str, *, users_file: Path | None = None) -> bool:
    return UserStore(users_file or default_users_file()).remove(name)


def user_list(*, users_file: Path | None = None) -> list[str]:
    return UserStore(users_file or default_users_file()).names()


def odbc_dsn_add(
    name: str,
    *,
    database: str | None = None,
    host: str = "127.0.0.1",
    port: int = DEFAULT_PORT,
    user: str | None = None,
    password: str | None = None,
    sslmode: str = "prefer",
    driver: str = "PostgreSQL Unicode",
    odbc_ini: Path | None = None,
    system: bool = False,
) -> Path:
    """Write an odbc.ini entry NAME for psqlODBC pointing at the server; `database` defaults to NAME.
    Returns the file written (~/.odbc.ini, /etc/odbc.ini with system=True, or `odbc_ini`)."""
    path = odbc_ini or default_odbc_ini(system=system)
    return write_dsn(
        path,
        name,
        database=database or name,
        host=host,
        port=port,
        user=user,
        password=password,
        sslmode=sslmode,
        driver=driver,
        description=f"Pipedrive via pipedrive-sql serve ({database or name})",
    )
