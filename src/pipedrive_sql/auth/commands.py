"""``pipedrive-sql oauth url | login | exchange CODE | refresh | status | revoke``, as plain functions.

Each takes the connection's settings (DSN, connection string and ``-p`` already merged) and the DSN name (for
the default OAuthSettingsLocation), works on the token store, and returns the text to print. None of them
ever returns or prints a token, a code or the client secret.
"""

from __future__ import annotations

import secrets
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

import httpx
import orjson

from pipedrive_sql.auth._http import http_client
from pipedrive_sql.auth.build import OAuthContext, oauth_context, property_tokens, sign_in_with_browser
from pipedrive_sql.auth.desktop import DEFAULT_TIMEOUT
from pipedrive_sql.auth.oauth import OAuthAuth
from pipedrive_sql.auth.procedures import get_oauth_authorization_url
from pipedrive_sql.auth.tokens import TokenSet, verifier_digest
from pipedrive_sql.errors import ConfigurationError, Error
from pipedrive_sql.settings import Settings

__all__ = [
    "oauth_exchange",
    "oauth_login",
    "oauth_refresh",
    "oauth_revoke",
    "oauth_status",
    "oauth_url",
    "status_info",
]


def oauth_url(settings: Settings, *, state: str | None = None) -> str:
    """The authorization URL, with what to do with the code it leads to."""
    url = get_oauth_authorization_url(settings, State=state or secrets.token_urlsafe(16))[0]["Url"]
    return (
        "Open this URL in a browser and approve the access:\n\n"
        f"    {url}\n\n"
        "The browser is then sent to your CallbackURL with ?code=... in the address. Copy that code and run\n"
        "`pipedrive-sql oauth exchange CODE` with the same properties, or on a headless machine connect with\n"
        "InitiateOAuth=REFRESH;OAuthVerifier=CODE;OAuthSettingsLocation=FILE. Codes expire after 5 minutes."
    )


def oauth_login(
    settings: Settings,
    *,
    dsn_name: str | None = None,
    browser: Callable[[str], bool] | None = None,
    echo: Callable[[str], object] | None = None,
    timeout: float = DEFAULT_TIMEOUT,
) -> str:
    """Sign in with the browser now (even when tokens are stored) and save the tokens."""
    ctx = oauth_context(settings, dsn_name=dsn_name)
    tokens = sign_in_with_browser(settings, ctx, browser=browser, echo=echo, timeout=timeout)
    return "Signed in. " + _describe(ctx, tokens)


def oauth_exchange(settings: Settings, code: str, *, dsn_name: str | None = None) -> str:
    """Exchange the code from a redirect (the headless flow's second half) and save the tokens."""
    ctx = oauth_context(settings, dsn_name=dsn_name)
    with http_client(settings) as http:
        tokens = ctx.endpoints.exchange_code(http, code.strip(), settings["CallbackURL"])
    _save(ctx, tokens.replace(verifier_digest=verifier_digest(code.strip())))
    return "Signed in. " + _describe(ctx, tokens)


def oauth_refresh(settings: Settings, *, dsn_name: str | None = None) -> str:
    """Refresh the stored tokens now."""
    ctx = oauth_context(settings, dsn_name=dsn_name)
    with ctx.store.locked():
        current = ctx.store.load() or property_tokens(settings)
        if current is None or not current.refresh_token:
            raise _not_signed_in(ctx)
        with http_client(settings) as http:
            tokens = ctx.endpoints.refresh(http, current.refresh_token, previous=current)
        ctx.store.save(tokens)
    return "Refreshed. " + _describe(ctx, tokens)


def oauth_revoke(settings: Settings, *, dsn_name: str | None = None) -> str:
    """Revoke the stored refresh token (which ends its access tokens too) and forget the stored tokens."""
    ctx = oauth_context(settings, dsn_name=dsn_name)
    with ctx.store.locked():
        current = ctx.store.load()
        if current is None:
            raise _not_signed_in(ctx)
        with http_client(settings) as http:
            if current.refresh_token:
                ctx.endpoints.revoke(http, current.refresh_token, "refresh_token")
            else:
                ctx.endpoints.revoke(http, current.access_token, "access_token")
        ctx.store.delete()
    return f"Signed out: the tokens were revoked at Pipedrive and removed from {ctx.store.location}."


def oauth_status(settings: Settings, *, dsn_name: str | None = None, check: bool = True) -> str:
    """Who is signed in, since when, until when; never the tokens."""
    info = status_info(settings, dsn_name=dsn_name, check=check)
    if not info["signed_in"]:
        return f"Not signed in: no tokens at {info['location']}. Run `pipedrive-sql oauth login`."
    lines = [f"Tokens at:     {info['location']}"]
    if info.get("user"):
        lines.append(
            f"Signed in as:  {info['user']}" + (f" ({info['company']})" if info.get("company") else "")
        )
    elif info.get("check_error"):
        lines.append(f"Signed in as:  unknown ({info['check_error']})")
    lines += [
        f"API domain:    {info['api_domain'] or 'unknown'}",
        f"Scope:         {info['scope'] or 'unknown'}",
        f"Issued:        {info['issued_at'] or 'unknown'}",
        f"Expires:       {info['expires_at'] or 'unknown'}"
        + (" (expired; refreshed on next use)" if info["expired"] and info["refreshable"] else "")
        + (" (expired)" if info["expired"] and not info["refreshable"] else ""),
        f"Refreshable:   {'yes' if info['refreshable'] else 'no (no refresh token)'}",
    ]
    return "\n".join(lines)


def status_info(settings: Settings, *, dsn_name: str | None = None, check: bool = True) -> dict[str, Any]:
    """The status as data, for the CLI's JSON output: no secrets in it."""
    ctx = oauth_context(settings, dsn_name=dsn_name)
    tokens = ctx.store.load()
    info: dict[str, Any] = {"location": ctx.store.location, "signed_in": tokens is not None}
    if tokens is None:
        return info
    if check:  # may refresh an expired token, exactly as the next connection would
        info.update(_who(settings, ctx, tokens))
        tokens = ctx.store.load() or tokens
    info.update(
        api_domain=tokens.api_domain,
        scope=tokens.scope,
        issued_at=_when(tokens.timestamp / 1000 if tokens.timestamp else None),
        expires_at=_when(tokens.expires_at),
        expired=tokens.is_expired(margin=False),
        refreshable=bool(tokens.refresh_token),
    )
    return info


def _who(settings: Settings, ctx: OAuthContext, tokens: TokenSet) -> dict[str, Any]:
    base = tokens.api_domain or settings["BaseURL"]
    if not base and settings["CompanyDomain"]:
        base = f"https://{settings['CompanyDomain']}.pipedrive.com"
    if not base:
        return {"check_error": "no API domain is known; set BaseURL or CompanyDomain"}
    auth = OAuthAuth(tokens, endpoints=ctx.endpoints, store=ctx.store)
    try:
        with http_client(settings) as http:
            response = http.get(base.rstrip("/") + "/api/v1/users/me", auth=auth)
    except (httpx.HTTPError, Error) as exc:
        return {
            "check_error": f"{type(exc).__name__}: {exc}" if isinstance(exc, Error) else type(exc).__name__
        }
    if response.status_code != 200:
        return {"check_error": f"Pipedrive answered {response.status_code}"}
    data = orjson.loads(response.content).get("data") or {}
    user = data.get("name") or ""
    if data.get("email"):
        user += f" <{data['email']}>"
    return {"user": user.strip() or None, "company": data.get("company_name") or data.get("company_domain")}


def _save(ctx: OAuthContext, tokens: TokenSet) -> None:
    with ctx.store.locked():
        ctx.store.save(tokens)


def _describe(ctx: OAuthContext, tokens: TokenSet) -> str:
    expires = _when(tokens.expires_at)
    return (
        f"Tokens saved to {ctx.store.location}"
        + (f"; the access token expires {expires} and is refreshed automatically" if expires else "")
        + "."
    )


def _not_signed_in(ctx: OAuthContext) -> ConfigurationError:
    return ConfigurationError(
        f"Not signed in: no tokens at {ctx.store.location}. Run `pipedrive-sql oauth login`, or "
        "`pipedrive-sql oauth exchange CODE` with a code from `pipedrive-sql oauth url`.",
        property="OAuthSettingsLocation",
    )


def _when(epoch_s: float | None) -> str | None:
    if epoch_s is None:
        return None
    return datetime.fromtimestamp(epoch_s, UTC).strftime("%Y-%m-%d %H:%M:%S UTC")
