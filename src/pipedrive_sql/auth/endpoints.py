"""Pipedrive's OAuth server as requests and answers: the authorization URL, the token and revoke endpoints.

Requests are built here as plain ``httpx.Request`` objects and answers parsed here, so that the same code serves
the refresh inside ``OAuthAuth.auth_flow`` (which yields the request to the connection's client) and the
one-off exchanges of sign-in, the stored procedures and the command line (which send it with ``send()``).
"""

from __future__ import annotations

import base64
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlencode

import httpx
import orjson

from pipedrive_sql.auth.tokens import TokenSet, now_ms
from pipedrive_sql.errors import ConfigurationError, OAuthError

__all__ = ["OAuthEndpoints", "redact"]

_SIGN_IN_AGAIN = (
    "Sign in again: `pipedrive-sql oauth login` (or a connection with InitiateOAuth=GETANDREFRESH) on a machine "
    "with a browser, or EXEC GetOAuthAuthorizationURL and a new OAuthVerifier on a headless one."
)


def redact(text: str, secrets: Iterable[str | None]) -> str:
    """``text`` with every non-empty secret replaced by ********."""
    for secret in secrets:
        if secret and len(secret) >= 4:
            text = text.replace(secret, "********")
    return text


@dataclass(frozen=True, repr=False)
class OAuthEndpoints:
    server_url: str
    client_id: str
    client_secret: str

    @property
    def token_url(self) -> str:
        return self.server_url.rstrip("/") + "/oauth/token"

    @property
    def revoke_url(self) -> str:
        return self.server_url.rstrip("/") + "/oauth/revoke"

    def __repr__(self) -> str:
        return f"OAuthEndpoints(server_url={self.server_url!r}, client_id={self.client_id!r})"

    def authorization_url(
        self, redirect_uri: str, *, state: str | None = None, scope: str | None = None
    ) -> str:
        params = {"client_id": self.client_id, "redirect_uri": redirect_uri}
        if state:
            params["state"] = state
        if scope:
            params["scope"] = scope
        return self.server_url.rstrip("/") + "/oauth/authorize?" + urlencode(params)

    # requests

    def code_request(self, code: str, redirect_uri: str) -> httpx.Request:
        return self._post(
            self.token_url,
            {"grant_type": "authorization_code", "code": code, "redirect_uri": redirect_uri},
        )

    def refresh_request(self, refresh_token: str) -> httpx.Request:
        return self._post(self.token_url, {"grant_type": "refresh_token", "refresh_token": refresh_token})

    def revoke_request(self, token: str, hint: str = "refresh_token") -> httpx.Request:
        return self._post(self.revoke_url, {"token": token, "token_type_hint": hint})

    def _post(self, url: str, form: dict[str, str]) -> httpx.Request:
        # Client credentials as HTTP Basic, as Pipedrive documents; the form body carries only the grant.
        basic = base64.b64encode(f"{self.client_id}:{self.client_secret}".encode()).decode()
        return httpx.Request(
            "POST",
            url,
            content=urlencode(form).encode(),
            headers={
                "Authorization": f"Basic {basic}",
                "Content-Type": "application/x-www-form-urlencoded",
                "Accept": "application/json",
            },
        )

    # answers

    def tokens_from(
        self,
        response: httpx.Response,
        *,
        issued_at_ms: int,
        grant: str,
        previous: TokenSet | None = None,
        secrets: Iterable[str | None] = (),
    ) -> TokenSet:
        """The tokens in a token endpoint answer, or an OAuthError saying what went wrong and what to do."""
        body = _json(response)
        if response.status_code == 200 and isinstance(body, dict) and body.get("access_token"):
            return TokenSet.from_token_response(body, issued_at_ms=issued_at_ms, previous=previous)
        raise self._error(response, body, grant, [*secrets, self.client_secret])

    def send_for_tokens(
        self,
        http: httpx.Client,
        request: httpx.Request,
        *,
        grant: str,
        previous: TokenSet | None = None,
        secrets: Iterable[str | None] = (),
    ) -> TokenSet:
        issued = now_ms()
        response = send(http, request, self.server_url)
        return self.tokens_from(
            response, issued_at_ms=issued, grant=grant, previous=previous, secrets=secrets
        )

    def exchange_code(self, http: httpx.Client, code: str, redirect_uri: str) -> TokenSet:
        return self.send_for_tokens(
            http, self.code_request(code, redirect_uri), grant="authorization_code", secrets=[code]
        )

    def refresh(self, http: httpx.Client, refresh_token: str, previous: TokenSet | None = None) -> TokenSet:
        return self.send_for_tokens(
            http,
            self.refresh_request(refresh_token),
            grant="refresh_token",
            previous=previous,
            secrets=[refresh_token],
        )

    def revoke(self, http: httpx.Client, token: str, hint: str = "refresh_token") -> None:
        response = send(http, self.revoke_request(token, hint), self.server_url)
        if response.status_code >= 400:
            raise self._error(response, _json(response), "revoke", [token, self.client_secret])

    def _error(
        self, response: httpx.Response, body: Any, grant: str, secrets: list[str | None]
    ) -> OAuthError:
        error, description = _error_fields(body)
        said = redact(f" (the server said: {description})" if description else "", secrets)
        status = response.status_code
        if error == "invalid_client" or status == 401:
            return OAuthError(
                f"Pipedrive's OAuth server refused the app credentials{said}: check OAuthClientId and "
                "OAuthClientSecret (Developer Hub > your app > OAuth & access scopes).",
                error=error or "invalid_client",
            )
        if error == "invalid_grant" and grant == "authorization_code":
            return OAuthError(
                f"The authorization code was refused{said}. A code works once and only for a few minutes, "
                "with the same CallbackURL that obtained it. " + _SIGN_IN_AGAIN,
                error=error,
            )
        if error == "invalid_grant" and grant == "refresh_token":
            return OAuthError(
                f"The refresh token was refused{said}: it was revoked or has expired. " + _SIGN_IN_AGAIN,
                error=error,
            )
        what = {"authorization_code": "exchanging the code", "refresh_token": "refreshing the token"}.get(
            grant, grant
        )
        return OAuthError(
            f"Pipedrive's OAuth server answered {status} when {what}"
            f"{' (' + error + ')' if error else ''}{said}. Check OAuthServerURL and try again.",
            error=error,
        )


def send(http: httpx.Client, request: httpx.Request, server_url: str) -> httpx.Response:
    """Send a token-endpoint request; network failures become OAuthErrors naming OAuthServerURL."""
    try:
        response = http.send(request)
        response.read()
        return response
    except httpx.HTTPError as exc:
        raise OAuthError(
            f"Could not reach the OAuth server at {server_url} ({type(exc).__name__}): check OAuthServerURL "
            "and the network (ProxyServer, SSLServerCert).",
            error="unreachable",
        ) from None


def _json(response: httpx.Response) -> Any:
    try:
        return orjson.loads(response.content)
    except orjson.JSONDecodeError:
        return None


def _error_fields(body: Any) -> tuple[str | None, str | None]:
    """(error code, human description) from the shapes Pipedrive's OAuth errors come in."""
    if not isinstance(body, dict):
        return None, None
    error = body.get("error")
    description = body.get("error_description") or body.get("message") or body.get("error_info")
    if isinstance(error, dict):  # {"error": {"message": ..., "code": ...}}
        description = description or error.get("message")
        error = error.get("code") or error.get("error")
    error_text = str(error) if error else None
    if error_text and " " in error_text and not description:  # a sentence, not a code
        return None, error_text
    return error_text, str(description) if description else None


def require(value: str | None, prop: str, why: str) -> str:
    """``value``, or a ConfigurationError naming the missing property and why it is needed."""
    if not value:
        raise ConfigurationError(f"{prop} is missing: {why}", property=prop)
    return value
