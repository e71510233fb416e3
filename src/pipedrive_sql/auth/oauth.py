"""AuthScheme=OAuth: bearer tokens that refresh themselves, as an ``httpx.Auth``.

The refresh lives in ``auth_flow`` (see STYLE.md): before a request leaves with a token known to be expired,
or after Pipedrive answers 401, the flow yields one refresh request to the token endpoint through the
connection's own client, then retries the request once. The client knows nothing of OAuth.

A refresh holds the token store's lock (threads of this process, and other processes sharing the settings
file) and re-reads the store first: whoever comes second finds the tokens already refreshed and uses them, so
N connections that find the token expired together cause one refresh, and no refresh token is lost to a race.
"""

from __future__ import annotations

import contextlib
import logging
import threading
from collections.abc import AsyncGenerator, Generator
from datetime import UTC, datetime

import httpx

from pipedrive_sql.auth.endpoints import OAuthEndpoints
from pipedrive_sql.auth.store import TokenStore
from pipedrive_sql.auth.tokens import TokenSet, now_ms
from pipedrive_sql.errors import AuthenticationError, ConfigurationError

__all__ = ["OAuthAuth"]

# The driver's logger: its redaction filter is installed by the API client. Nothing secret is logged here.
logger = logging.getLogger("pipedrive_sql")

_REFRESH_BY_HAND = (
    "With InitiateOAuth=OFF the driver does not refresh tokens: get a new one with "
    "EXEC RefreshOAuthAccessToken OAuthRefreshToken='...' and set OAuthAccessToken (and OAuthExpiresIn, "
    "OAuthTokenTimestamp), or set InitiateOAuth=REFRESH to refresh automatically."
)


class OAuthAuth(httpx.Auth):
    """``Authorization: Bearer``; with ``endpoints`` it refreshes on expiry or a 401, else (OFF) it does not."""

    requires_request_body = True  # a request may be sent twice (after a refresh)

    def __init__(
        self,
        tokens: TokenSet | None,
        *,
        endpoints: OAuthEndpoints | None = None,
        store: TokenStore | None = None,
    ) -> None:
        self._tokens = tokens
        self._endpoints = endpoints
        self._store = store
        self._lock = threading.Lock()
        self.refreshes = 0  # refreshes this object performed (not counting tokens another process refreshed)

    @property
    def tokens(self) -> TokenSet | None:
        return self._tokens

    @property
    def refreshing(self) -> bool:
        return self._endpoints is not None

    def __repr__(self) -> str:
        where = self._store.location if self._store is not None else None
        return f"OAuthAuth(refreshing={self.refreshing}, store={where!r}, tokens={self._tokens!r})"

    # --- the flow ----------------------------------------------------------------------------------------

    def auth_flow(self, request: httpx.Request) -> Generator[httpx.Request, httpx.Response, None]:
        tokens = self._usable_tokens()
        if self.refreshing and tokens.is_expired():
            tokens = yield from self._refreshed(tokens)
        _authorize(request, tokens)
        response = yield request
        if response.status_code != 401:
            return
        if not self.refreshing:
            raise AuthenticationError(
                "Pipedrive rejected OAuthAccessToken (401): it has expired or been revoked. "
                + _REFRESH_BY_HAND
            )
        tokens = yield from self._refreshed(tokens)
        _authorize(request, tokens)
        yield request

    def _usable_tokens(self) -> TokenSet:
        """The tokens to send: the newest stored ones (another process may have refreshed), or ours."""
        if self._store is not None and self._store.changed():
            stored = self._store.load()
            if stored is not None:
                self._set(stored)
        tokens = self._tokens
        if tokens is None:
            raise ConfigurationError(
                "OAuthAccessToken is missing: with InitiateOAuth=OFF set OAuthAccessToken (for instance from "
                "EXEC GetOAuthAccessToken), or set InitiateOAuth=GETANDREFRESH to sign in with a browser "
                "or REFRESH to use stored tokens.",
                property="OAuthAccessToken",
            )
        if not self.refreshing and tokens.is_expired(margin=False):
            expired = datetime.fromtimestamp(tokens.expires_at or 0, UTC).strftime("%Y-%m-%d %H:%M:%S UTC")
            raise AuthenticationError(f"OAuthAccessToken expired at {expired}. " + _REFRESH_BY_HAND)
        return tokens

    def _refreshed(self, stale: TokenSet) -> Generator[httpx.Request, httpx.Response, TokenSet]:
        """Tokens newer than ``stale``: refreshed by someone else while we waited for the lock, or by us."""
        assert self._endpoints is not None
        with self._store.locked() if self._store is not None else contextlib.nullcontext():
            current = self._store.load() if self._store is not None else self._tokens
            if (
                current is not None
                and current.access_token != stale.access_token
                and not current.is_expired()
            ):
                self._set(current)
                return current
            base = current or stale
            if not base.refresh_token:
                raise AuthenticationError(
                    "The OAuth access token has expired (or was rejected) and there is no refresh token to "
                    "renew it: sign in again (`pipedrive-sql oauth login`, or InitiateOAuth=GETANDREFRESH), "
                    "or set OAuthRefreshToken."
                )
            issued = now_ms()
            response = yield self._endpoints.refresh_request(base.refresh_token)
            fresh = self._endpoints.tokens_from(
                response,
                issued_at_ms=issued,
                grant="refresh_token",
                previous=base,
                secrets=[base.refresh_token, base.access_token],
            )
            # Saved before the lock is released: the next process in line reads these, never the old ones.
            if self._store is not None:
                self._store.save(fresh)
            self._set(fresh)
            self.refreshes += 1
            logger.info(
                "OAuth access token refreshed: expires in %s s; saved to %s",
                fresh.expires_in,
                self._store.location if self._store is not None else "memory",
            )
            return fresh

    def _set(self, tokens: TokenSet) -> None:
        with self._lock:
            self._tokens = tokens

    # --- httpx plumbing: read the body of token answers only, so API responses can still stream -----------

    def _is_token_call(self, request: httpx.Request) -> bool:
        return self._endpoints is not None and str(request.url) == self._endpoints.token_url

    def sync_auth_flow(self, request: httpx.Request) -> Generator[httpx.Request, httpx.Response, None]:
        request.read()
        flow = self.auth_flow(request)
        try:
            outgoing = next(flow)
            while True:
                response = yield outgoing
                if self._is_token_call(outgoing):
                    response.read()
                try:
                    outgoing = flow.send(response)
                except StopIteration:
                    return
        finally:
            flow.close()  # releases the store's lock at once if the client gives up mid-refresh

    async def async_auth_flow(self, request: httpx.Request) -> AsyncGenerator[httpx.Request, httpx.Response]:
        await request.aread()
        flow = self.auth_flow(request)
        try:
            outgoing = next(flow)
            while True:
                response = yield outgoing
                if self._is_token_call(outgoing):
                    await response.aread()
                try:
                    outgoing = flow.send(response)
                except StopIteration:
                    return
        finally:
            flow.close()


def _authorize(request: httpx.Request, tokens: TokenSet) -> None:
    request.headers["Authorization"] = f"Bearer {tokens.access_token}"
