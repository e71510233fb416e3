"""``pipedrive-sql oauth url|login|exchange CODE|refresh|status|revoke``: delegated to the auth package.

Each takes the same connection options as the data commands (a DSN, a connection string, ``-p``); the
functions in ``pipedrive_sql.auth.commands`` do the work and never return a token or a secret.
"""

from __future__ import annotations

import json
from typing import Annotated, Any

import typer

from pipedrive_sql.cli import console
from pipedrive_sql.cli.connecting import (
    ConnectionStringOption,
    DsnOption,
    PropertyOption,
    SystemDsnOption,
    make_target,
    settings_for,
)
from pipedrive_sql.errors import InterfaceError
from pipedrive_sql.settings import Settings

app = typer.Typer(
    help="OAuth sign-in (AuthScheme=OAuth): authorization URL, browser login, code exchange, refresh, "
    "status and revoke.",
    no_args_is_help=True,
)


def _commands() -> Any:
    try:
        from pipedrive_sql.auth import commands
    except ImportError as exc:
        raise InterfaceError(f"OAuth sign-in is not available in this installation ({exc}).") from None
    return commands


def _settings(
    dsn: str | None, connection_string: str | None, properties: list[str] | None, system: bool
) -> tuple[Settings, str | None]:
    target = make_target(dsn, connection_string, False, None, properties, system)
    return settings_for(target), dsn


def _say(text: str) -> None:
    console.out.print(text, markup=False, highlight=False)


@app.command("url")
def url_command(
    dsn: DsnOption = None,
    connection_string: ConnectionStringOption = None,
    properties: PropertyOption = None,
    system: SystemDsnOption = False,
    state: Annotated[str | None, typer.Option(help="The state to put in the URL (default: random).")] = None,
) -> None:
    """Print the authorization URL to approve in a browser (the first half of headless sign-in)."""
    settings, _ = _settings(dsn, connection_string, properties, system)
    _say(_commands().oauth_url(settings, state=state))


@app.command("login")
def login_command(
    dsn: DsnOption = None,
    connection_string: ConnectionStringOption = None,
    properties: PropertyOption = None,
    system: SystemDsnOption = False,
    no_browser: Annotated[
        bool, typer.Option("--no-browser", help="Print the URL instead of opening a browser.")
    ] = False,
    timeout: Annotated[float, typer.Option(min=1, help="Seconds to wait for the approval.")] = 300.0,
) -> None:
    """Sign in with the browser now and save the tokens at OAuthSettingsLocation."""
    settings, name = _settings(dsn, connection_string, properties, system)
    kwargs: dict[str, Any] = {"dsn_name": name, "echo": console.err.print, "timeout": timeout}
    if no_browser:
        kwargs["browser"] = lambda url: False
    _say(_commands().oauth_login(settings, **kwargs))


@app.command("exchange")
def exchange_command(
    code: Annotated[str, typer.Argument(help="The code from the redirect after approving.")],
    dsn: DsnOption = None,
    connection_string: ConnectionStringOption = None,
    properties: PropertyOption = None,
    system: SystemDsnOption = False,
) -> None:
    """Exchange the code from a redirect for tokens and save them (the second half of headless sign-in)."""
    settings, name = _settings(dsn, connection_string, properties, system)
    _say(_commands().oauth_exchange(settings, code, dsn_name=name))


@app.command("refresh")
def refresh_command(
    dsn: DsnOption = None,
    connection_string: ConnectionStringOption = None,
    properties: PropertyOption = None,
    system: SystemDsnOption = False,
) -> None:
    """Refresh the stored tokens now."""
    settings, name = _settings(dsn, connection_string, properties, system)
    _say(_commands().oauth_refresh(settings, dsn_name=name))


@app.command("status")
def status_command(
    dsn: DsnOption = None,
    connection_string: ConnectionStringOption = None,
    properties: PropertyOption = None,
    system: SystemDsnOption = False,
    offline: Annotated[
        bool, typer.Option("--offline", help="Do not ask Pipedrive who the tokens belong to.")
    ] = False,
    as_json: Annotated[bool, typer.Option("--json", help="Print JSON.")] = False,
) -> None:
    """Who is signed in and when the access token expires (never the tokens)."""
    settings, name = _settings(dsn, connection_string, properties, system)
    commands = _commands()
    if as_json:
        info = commands.status_info(settings, dsn_name=name, check=not offline)
        console.out.print_json(json.dumps(info, default=str))
        return
    _say(commands.oauth_status(settings, dsn_name=name, check=not offline))


@app.command("revoke")
def revoke_command(
    dsn: DsnOption = None,
    connection_string: ConnectionStringOption = None,
    properties: PropertyOption = None,
    system: SystemDsnOption = False,
) -> None:
    """Revoke the stored tokens at Pipedrive and delete them."""
    settings, name = _settings(dsn, connection_string, properties, system)
    _say(_commands().oauth_revoke(settings, dsn_name=name))
