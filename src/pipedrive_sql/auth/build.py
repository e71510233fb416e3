"""``build_auth``: from connection settings to the ``httpx.Auth`` of a connection and the API host it implies.

InitiateOAuth, as the commercial drivers define it:

- ``GETANDREFRESH``: the tokens at OAuthSettingsLocation; else OAuthAccessToken/OAuthRefreshToken given as
  properties; else the desktop sign-in (browser + loopback listener). Refreshed automatically from then on.
  An OAuthVerifier is exchanged as with REFRESH (a code in hand needs no browser).
- ``REFRESH``: never a browser. With OAuthVerifier, first exchange that code and save the tokens (once: a code
  already exchanged into the stored tokens is recognised and not sent again). Then the stored tokens, or the
  ones given as properties. Refreshed automatically.
- ``OFF``: OAuthAccessToken as given; no refresh, no storage.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Callable
from dataclasses import dataclass

import httpx

from pipedrive_sql.auth._http import http_client
from pipedrive_sql.auth.basic import ApiTokenAuth
from pipedrive_sql.auth.desktop import DEFAULT_TIMEOUT, run_desktop_flow
from pipedrive_sql.auth.endpoints import OAuthEndpoints, require
from pipedrive_sql.auth.oauth import OAuthAuth
from pipedrive_sql.auth.store import (
    MEMORY_PREFIX,
    FileTokenStore,
    TokenStore,
    memory_store,
    settings_path,
)
from pipedrive_sql.auth.tokens import TokenSet, verifier_digest
from pipedrive_sql.errors import ConfigurationError
from pipedrive_sql.settings import Settings

__all__ = ["OAuthContext", "build_auth", "oauth_context", "open_store"]

logger = logging.getLogger("pipedrive_sql")  # nothing secret is logged here
NEUTRAL_API_HOST = "https://api.pipedrive.com"
_WHERE_TOKEN = "find it in Pipedrive under Settings > Personal preferences > API"
_SUBDOMAIN = re.compile(r"[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?")
_PIPEDRIVE_HOST = re.compile(r"(?i)(?:https?://)?[a-z0-9](?:[a-z0-9-]*[a-z0-9])?\.pipedrive\.com/?")


def build_auth(
    settings: Settings,
    *,
    dsn_name: str | None = None,
    browser: Callable[[str], bool] | None = None,
    echo: Callable[[str], object] | None = None,
    sign_in_timeout: float = DEFAULT_TIMEOUT,
) -> tuple[httpx.Auth, str | None]:
    """The authenticator for a connection, and the API base URL it implies (None: use BaseURL or
    CompanyDomain; see ``api_base_url`` for OAuth). May sign in (GETANDREFRESH without tokens) or exchange
    OAuthVerifier (REFRESH).

    ``browser`` replaces the default-browser opener of the desktop sign-in; ``echo`` receives what the
    sign-in tells the user (standard error otherwise).
    """
    if settings["AuthScheme"] == "OAuth":
        return _oauth_auth(settings, dsn_name, browser, echo, sign_in_timeout)
    return _basic_auth(settings), None


# --- Basic --------------------------------------------------------------------------------------------------


def _basic_auth(settings: Settings) -> ApiTokenAuth:
    token = settings["APIToken"]
    if not token:
        raise ConfigurationError(
            f"APIToken is missing: set APIToken to your personal API token ({_WHERE_TOKEN}), "
            "or choose AuthScheme=OAuth.",
            property="APIToken",
        )
    if token != token.strip() or any(c.isspace() for c in token):
        raise ConfigurationError(
            f"APIToken contains spaces or line breaks: copy the token again ({_WHERE_TOKEN}).",
            property="APIToken",
        )
    _check_company_domain(settings)
    return ApiTokenAuth(token)


def _check_company_domain(settings: Settings) -> None:
    domain = settings["CompanyDomain"]
    if domain is None:
        if not settings["BaseURL"] and not settings["Sandbox"]:
            raise ConfigurationError(
                "CompanyDomain is missing: set it to your company's Pipedrive subdomain (acme for "
                "acme.pipedrive.com; it is in the address bar when you use Pipedrive), or set BaseURL.",
                property="CompanyDomain",
            )
        return
    if _SUBDOMAIN.fullmatch(domain) or _PIPEDRIVE_HOST.fullmatch(domain.strip()):
        return  # "acme", or a pasted "https://acme.pipedrive.com/" whose subdomain the API client takes
    raise ConfigurationError(
        f"CompanyDomain={domain!r} is not a Pipedrive subdomain: give only the name before .pipedrive.com "
        "(acme for https://acme.pipedrive.com), or set BaseURL for another host.",
        property="CompanyDomain",
    )


# --- OAuth --------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class OAuthContext:
    """What every OAuth operation needs: the server with the app's credentials, and the token store."""

    endpoints: OAuthEndpoints
    store: TokenStore


def oauth_context(settings: Settings, *, dsn_name: str | None = None) -> OAuthContext:
    return OAuthContext(endpoints(settings), open_store(settings, dsn_name=dsn_name))


def endpoints(settings: Settings) -> OAuthEndpoints:
    client_id = require(
        settings["OAuthClientId"],
        "OAuthClientId",
        "set the client ID of your app (Pipedrive Developer Hub > your app > OAuth & access scopes).",
    )
    secret = require(
        settings["OAuthClientSecret"],
        "OAuthClientSecret",
        "set the client secret of your app (Developer Hub > your app > OAuth & access scopes); it also "
        "encrypts the tokens stored at OAuthSettingsLocation.",
    )
    return OAuthEndpoints(settings["OAuthServerURL"], client_id, secret)


def open_store(settings: Settings, *, dsn_name: str | None = None) -> TokenStore:
    """The token store named by OAuthSettingsLocation (default: a file per DSN or client id)."""
    location = settings["OAuthSettingsLocation"]
    if location and location.lower().startswith(MEMORY_PREFIX):
        return memory_store(location[len(MEMORY_PREFIX) :] or "default")
    ends = endpoints(settings)
    path = settings_path(location, dsn_name=dsn_name, client_id=ends.client_id)
    return FileTokenStore(
        path, ends.client_id, ends.client_secret, lock_timeout=max(settings["Timeout"], 120)
    )


def _oauth_auth(
    settings: Settings,
    dsn_name: str | None,
    browser: Callable[[str], bool] | None,
    echo: Callable[[str], object] | None,
    sign_in_timeout: float,
) -> tuple[OAuthAuth, str | None]:
    mode = settings["InitiateOAuth"]
    if mode == "OFF":
        tokens = property_tokens(settings)
        return OAuthAuth(tokens), api_base_url(settings, None)
    ctx = oauth_context(settings, dsn_name=dsn_name)
    if mode == "REFRESH":
        tokens = _tokens_for_refresh(settings, ctx)
    else:
        tokens = _tokens_for_getandrefresh(settings, ctx, browser, echo, sign_in_timeout)
    auth = OAuthAuth(tokens, endpoints=ctx.endpoints, store=ctx.store)
    return auth, api_base_url(settings, tokens.api_domain)


def api_base_url(settings: Settings, api_domain: str | None) -> str | None:
    """The API host of an OAuth connection: None when BaseURL is set (it wins: proxies, the sandbox), else
    the tokens' ``api_domain``; None again when CompanyDomain names the host; else Pipedrive's
    company-neutral host, which serves any OAuth token (a connection with InitiateOAuth=OFF and no token
    yet must still open, to run GetOAuthAuthorizationURL)."""
    if settings["BaseURL"]:
        return None
    if api_domain:
        return api_domain
    return None if settings["CompanyDomain"] else NEUTRAL_API_HOST


def property_tokens(settings: Settings) -> TokenSet | None:
    """Tokens given as connection properties (OAuthAccessToken, OAuthRefreshToken, ...), if any."""
    access, refresh = settings["OAuthAccessToken"], settings["OAuthRefreshToken"]
    if not access and not refresh:
        return None
    if not access:  # a refresh token alone: an access token that counts as expired, refreshed at once
        return TokenSet(access_token="", refresh_token=refresh, expires_in=0, timestamp=0)
    return TokenSet(
        access_token=access,
        refresh_token=refresh,
        expires_in=settings["OAuthExpiresIn"],
        timestamp=settings["OAuthTokenTimestamp"],
    )


def _tokens_for_refresh(settings: Settings, ctx: OAuthContext) -> TokenSet:
    verifier = settings["OAuthVerifier"]
    if verifier:
        return exchange_verifier(settings, ctx, verifier)
    tokens = ctx.store.load() or _seed_from_properties(settings, ctx)
    if tokens is None:
        raise ConfigurationError(
            f"No OAuth tokens at OAuthSettingsLocation ({ctx.store.location}), and InitiateOAuth=REFRESH never "
            "opens a browser. Sign in once: set OAuthVerifier to the code of an authorization made on a machine "
            "with a browser (EXEC GetOAuthAuthorizationURL there), copy a settings file made by a desktop "
            "sign-in to this location, give OAuthRefreshToken, or use InitiateOAuth=GETANDREFRESH.",
            property="OAuthSettingsLocation",
        )
    return tokens


def _tokens_for_getandrefresh(
    settings: Settings,
    ctx: OAuthContext,
    browser: Callable[[str], bool] | None,
    echo: Callable[[str], object] | None,
    sign_in_timeout: float,
) -> TokenSet:
    if settings["OAuthVerifier"]:  # a code from elsewhere says which sign-in to use: no browser needed
        return exchange_verifier(settings, ctx, settings["OAuthVerifier"])
    tokens = ctx.store.load() or _seed_from_properties(settings, ctx)
    if tokens is not None:
        return tokens
    tokens = sign_in_with_browser(settings, ctx, browser=browser, echo=echo, timeout=sign_in_timeout)
    logger.info("OAuth sign-in complete; tokens saved to %s", ctx.store.location)
    return tokens


def sign_in_with_browser(
    settings: Settings,
    ctx: OAuthContext,
    *,
    browser: Callable[[str], bool] | None,
    echo: Callable[[str], object] | None,
    timeout: float,
) -> TokenSet:
    """Run the desktop sign-in (browser + loopback listener) and save the tokens it yields."""
    with http_client(settings) as http:
        tokens = run_desktop_flow(
            ctx.endpoints,
            http,
            callback_url=settings["CallbackURL"],
            scope=settings["Scope"],
            browser=browser,
            timeout=timeout,
            echo=echo,
        )
    with ctx.store.locked():
        ctx.store.save(tokens)
    return tokens


def exchange_verifier(settings: Settings, ctx: OAuthContext, verifier: str) -> TokenSet:
    """Exchange OAuthVerifier once and save the tokens; later connections with the same code reuse them."""
    digest = verifier_digest(verifier)
    with ctx.store.locked():
        stored = ctx.store.load()
        if stored is not None and stored.verifier_digest == digest:
            return stored
        with http_client(settings) as http:
            tokens = ctx.endpoints.exchange_code(http, verifier, settings["CallbackURL"])
        tokens = tokens.replace(verifier_digest=digest)
        ctx.store.save(tokens)
        logger.info("OAuthVerifier exchanged; tokens saved to %s", ctx.store.location)
        return tokens


def _seed_from_properties(settings: Settings, ctx: OAuthContext) -> TokenSet | None:
    """Tokens given as properties, made usable (refreshed when they are only a refresh token) and saved."""
    given = property_tokens(settings)
    if given is None:
        return None
    with ctx.store.locked():
        stored = ctx.store.load()  # another process may have seeded the store meanwhile
        if stored is not None:
            return stored
        if given.is_expired() and given.refresh_token:
            with http_client(settings) as http:
                given = ctx.endpoints.refresh(http, given.refresh_token, previous=given)
        ctx.store.save(given)
    return given
