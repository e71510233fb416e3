"""``dsn test``: connect with a data source and report who is signed in, to which company, and how."""

from __future__ import annotations

import contextlib
from dataclasses import dataclass
from typing import Any

from pipedrive_sql import dsn as dsns
from pipedrive_sql.cli.connecting import Target, connect, settings_for
from pipedrive_sql.errors import InterfaceError

_CLIENT_ATTRIBUTES = ("api", "client", "api_client", "_api", "_client")


@dataclass
class Report:
    source: str
    scope: str
    auth_scheme: str
    user: str
    company: str
    api_url: str = ""
    token_expires: str | None = None
    token_location: str | None = None

    def lines(self) -> list[tuple[str, str]]:
        out = [
            ("Data source", f"{self.source} ({self.scope})"),
            ("Company", self.company or "unknown"),
            ("User", self.user or "unknown"),
            ("Auth scheme", self.auth_scheme),
        ]
        if self.api_url:
            out.append(("API", self.api_url))
        if self.auth_scheme == "OAuth":
            out.append(("Token expires", self.token_expires or "unknown"))
            if self.token_location:
                out.append(("Tokens at", self.token_location))
        return out


def check_dsn(name: str, *, system: bool = False) -> Report:
    ds = dsns.get_dsn(name, "system" if system else None)
    target = Target(dsn=ds.name, system=system)
    settings = settings_for(target)
    conn = connect(target)
    try:
        client = api_client(conn)
        me = current_user(client)
        api_url = str(getattr(client, "base_url", "") or "")
    finally:
        with contextlib.suppress(Exception):
            conn.close()
    report = Report(
        source=ds.name,
        scope=ds.scope,
        auth_scheme=str(settings["AuthScheme"]),
        user=_user_text(me),
        company=str(me.get("company_name") or me.get("company_domain") or ""),
        api_url=api_url,
    )
    if settings["AuthScheme"] == "OAuth":
        report.token_expires, report.token_location = _token_expiry(settings, ds.name)
    return report


def api_client(conn: Any) -> Any:
    """The connection's ``ApiClient`` (it answers ``get(path)``)."""
    for attribute in _CLIENT_ATTRIBUTES:
        client = getattr(conn, attribute, None)
        if client is not None and callable(getattr(client, "get", None)):
            return client
    raise InterfaceError("This connection does not expose its API client; cannot read the current user.")


def current_user(client: Any) -> dict[str, Any]:
    """``GET /api/v1/users/me``: the signed-in user with the company's name and domain."""
    response = client.get("/api/v1/users/me")
    data = getattr(response, "data", None)
    return data if isinstance(data, dict) else {}


def _user_text(me: dict[str, Any]) -> str:
    name = str(me.get("name") or "")
    email = me.get("email")
    return f"{name} <{email}>".strip() if email else name


def _token_expiry(settings: Any, dsn_name: str) -> tuple[str | None, str | None]:
    try:
        from pipedrive_sql.auth.commands import status_info
    except ImportError:
        return None, None
    info = status_info(settings, dsn_name=dsn_name, check=False)
    return info.get("expires_at"), info.get("location")
