"""``pipedrive-sql odbc dsn add NAME``: an odbc.ini entry for psqlODBC pointing at ``pipedrive-sql serve``.

The work is done by ``pipedrive_sql.server.cli_commands.odbc_dsn_add``, imported when the command runs.
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Literal

import typer

from pipedrive_sql.cli import console
from pipedrive_sql.cli.serve_cmd import DEFAULT_PORT

app = typer.Typer(
    help="ODBC data sources (unixODBC/iODBC + psqlODBC) for the server of `pipedrive-sql serve`.",
    no_args_is_help=True,
)
dsn_app = typer.Typer(
    help="odbc.ini entries: ~/.odbc.ini for you, /etc/odbc.ini with --system.", no_args_is_help=True
)
app.add_typer(dsn_app, name="dsn")

SslMode = Literal["disable", "allow", "prefer", "require", "verify-ca", "verify-full"]


@dsn_app.command("add")
def add_command(
    name: Annotated[str, typer.Argument(metavar="NAME", help="The ODBC data source's name (DSN=NAME).")],
    database: Annotated[
        str | None,
        typer.Option(
            metavar="NAME", help="The served database: a --dsn of the server, or sandbox (default: NAME)."
        ),
    ] = None,
    host: Annotated[str, typer.Option(help="Where the server runs.")] = "127.0.0.1",
    port: Annotated[int, typer.Option(min=1, max=65535, help="The server's port.")] = DEFAULT_PORT,
    user: Annotated[str | None, typer.Option(help="A server user (`serve user add`).")] = None,
    password: Annotated[
        str | None,
        typer.Option(
            help="Written into the file (then mode 0600); leave it out and tools ask.", show_default=False
        ),
    ] = None,
    sslmode: Annotated[SslMode, typer.Option(help="psqlODBC's SSLmode; require for a remote server.")] = (
        "prefer"
    ),
    driver: Annotated[
        str, typer.Option(help="The psqlODBC driver's name in odbcinst.ini.")
    ] = "PostgreSQL Unicode",
    odbc_ini: Annotated[
        Path | None,
        typer.Option(
            "--odbc-ini",
            metavar="FILE",
            dir_okay=False,
            help="The file to write (default: $ODBCINI or ~/.odbc.ini; with --system $ODBCSYSINI/odbc.ini "
            "or /etc/odbc.ini).",
        ),
    ] = None,
    system: Annotated[
        bool, typer.Option("--system", help="A system DSN, for every user and for services (needs root).")
    ] = False,
) -> None:
    """Write (or replace) the odbc.ini entry NAME, so `isql NAME` and `pyodbc.connect("DSN=NAME")` work."""
    from pipedrive_sql.server import cli_commands
    from pipedrive_sql.server.odbc import default_odbc_ini

    target = odbc_ini or default_odbc_ini(system=system)
    try:
        path = cli_commands.odbc_dsn_add(
            name,
            database=database,
            host=host,
            port=port,
            user=user,
            password=password,
            sslmode=sslmode,
            driver=driver,
            odbc_ini=target,
            system=system,
        )
    except PermissionError:
        hint = " (a system DSN: run it as root)" if system and odbc_ini is None else ""
        raise PermissionError(13, f"Permission denied writing {target}{hint}") from None
    console.success(
        f"Wrote ODBC data source {name!r} to {path}: database {database or name} on {host}:{port}"
        f"{', user ' + user if user else ''}, SSLmode {sslmode}, driver {driver!r}."
    )
    console.note(f"Try it with `isql {name}` while `pipedrive-sql serve` runs.")
