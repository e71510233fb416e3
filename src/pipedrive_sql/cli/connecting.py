"""The connection options every data command shares, and opening the connection they describe.

Layers as in ``connect()``: the DSN, then the connection string, then ``-p Key=Value`` and ``--sandbox``.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Annotated, Any

import typer

from pipedrive_sql.dsn import load_dsn
from pipedrive_sql.errors import ConfigurationError, InterfaceError
from pipedrive_sql.settings import (
    DSN_KEYS,
    Settings,
    build_settings,
    find_property,
    parse_connection_string,
)

DsnOption = Annotated[
    str | None,
    typer.Option(
        "--dsn", "-d", envvar="PIPEDRIVE_SQL_DSN", help="Connect with this data source (see `dsn list`)."
    ),
]
ConnectionStringOption = Annotated[
    str | None,
    typer.Option(
        "--connection-string",
        "-c",
        help="Connection properties, e.g. 'AuthScheme=Basic;APIToken=...;CompanyDomain=acme'.",
    ),
]
SandboxOption = Annotated[
    bool,
    typer.Option("--sandbox", help="Start the embedded Pipedrive sandbox and connect to it (no account)."),
]
SandboxScaleOption = Annotated[
    int | None,
    typer.Option("--sandbox-scale", min=1, help="Deals the embedded sandbox generates (default 500)."),
]
SystemDsnOption = Annotated[
    bool, typer.Option("--system", help="Take --dsn from the system file, even when a user DSN shadows it.")
]
PropertyOption = Annotated[
    list[str] | None,
    typer.Option("--property", "-p", metavar="KEY=VALUE", help="Set one connection property (repeatable)."),
]


@dataclass
class Target:
    """Where to connect, as the options said it."""

    dsn: str | None = None
    connection_string: str | None = None
    sandbox: bool = False
    sandbox_scale: int | None = None
    properties: dict[str, str] = field(default_factory=dict)
    system: bool = False

    def keywords(self) -> dict[str, Any]:
        props: dict[str, Any] = dict(self.properties)
        if self.sandbox:
            props["Sandbox"] = True
        if self.sandbox_scale is not None:
            props["SandboxScale"] = self.sandbox_scale
        return props

    def describe(self) -> str:
        if self.sandbox:
            return "the embedded sandbox"
        if self.dsn:
            return f"data source {self.dsn!r}"
        return "the given connection string"


def make_target(
    dsn: str | None,
    connection_string: str | None,
    sandbox: bool,
    sandbox_scale: int | None = None,
    properties: list[str] | None = None,
    system: bool = False,
) -> Target:
    if system and not dsn:
        raise typer.BadParameter("--system says which file --dsn NAME comes from: give --dsn too.")
    target = Target(
        dsn, connection_string, sandbox, sandbox_scale, parse_assignments(properties or []), system
    )
    if not (target.dsn or target.connection_string or target.sandbox or target.properties):
        raise ConfigurationError(
            "Nothing to connect to: give --dsn NAME (see `pipedrive-sql dsn list`), "
            "-c 'AuthScheme=Basic;APIToken=...;CompanyDomain=...', or --sandbox to try the embedded sandbox."
        )
    return target


def parse_assignments(items: list[str], option: str = "--property") -> dict[str, str]:
    """``["Key=Value", ...]`` -> ``{"Key": "Value"}``; the value may itself contain '='."""
    out: dict[str, str] = {}
    for item in items:
        key, sep, value = item.partition("=")
        if not sep or not key.strip():
            raise typer.BadParameter(f"{item!r} is not KEY=VALUE.", param_hint=f"'{option}'")
        out[key.strip()] = value
    return out


def connect(target: Target) -> Any:
    """A DB-API connection to ``target``."""
    connect_fn = _driver_connect()
    if target.system:
        # The driver resolves dsn= user-first; a system DSN is passed as the lowest layer instead.
        return connect_fn(**_with_dsn_token_file(layered_properties(target), target.dsn))
    return connect_fn(target.connection_string, dsn=target.dsn, **target.keywords())


def layered_properties(target: Target) -> dict[str, Any]:
    """DSN, then connection string, then options, merged under canonical property names."""
    from_string = parse_connection_string(target.connection_string) if target.connection_string else {}
    # ODBC's DSN= in a connection string names the data source (--dsn wins); it is not a property.
    named = [v for k, v in from_string.items() if k.strip().lower() in DSN_KEYS]
    dsn_name = target.dsn or (named[-1] if named else None)
    layers: list[dict[str, Any]] = []
    if dsn_name:
        layers.append(dict(load_dsn(dsn_name, "system" if target.system else None)))
    layers.append({k: v for k, v in from_string.items() if k.strip().lower() not in DSN_KEYS})
    layers.append(target.keywords())
    merged: dict[str, Any] = {}
    for layer in layers:
        for name, value in layer.items():
            merged[find_property(name).name] = value
    return merged


def _with_dsn_token_file(props: dict[str, Any], dsn_name: str | None) -> dict[str, Any]:
    """OAuth tokens of a DSN default to a file named after it; passed as properties, the DSN's name would be
    lost, so name that file explicitly (the one `oauth login --dsn NAME --system` writes)."""
    if (
        not dsn_name
        or str(props.get("AuthScheme", "")).lower() != "oauth"
        or props.get("OAuthSettingsLocation")
    ):
        return props
    try:
        from pipedrive_sql.auth.store import default_settings_path
    except ImportError:
        return props
    client_id = str(props.get("OAuthClientId") or "")
    return {
        **props,
        "OAuthSettingsLocation": str(default_settings_path(dsn_name=dsn_name, client_id=client_id)),
    }


def settings_for(target: Target) -> Settings:
    """The validated settings ``target`` describes (for commands that sign in without a connection)."""
    return build_settings(layered_properties(target))


def _driver_connect() -> Any:
    import pipedrive_sql

    connect_fn = getattr(pipedrive_sql, "connect", None)
    if connect_fn is None:
        raise InterfaceError("This build of pipedrive-sql has no SQL engine yet (pipedrive_sql.connect).")
    return connect_fn
