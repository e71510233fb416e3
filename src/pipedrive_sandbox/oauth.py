"""The OAuth server, as on oauth.pipedrive.com: consent page, token endpoint, revocation.

Flow (Pipedrive's "OAuth authorization" guide):

1. ``GET /oauth/authorize?client_id&redirect_uri&state[&scope]`` serves an HTML consent page for the
   company's main user. Its form POSTs to ``/oauth/authorize``; "Allow and install" answers ``302`` to
   ``redirect_uri?code=...&state=...``, "Cancel" to ``redirect_uri?error=user_denied&state=...``.
   With ``config.auto_approve`` the GET answers the approving redirect at once.
2. ``POST /oauth/token`` (also ``/oauth/token/``; form-encoded; client credentials by HTTP Basic or as
   ``client_id``/``client_secret`` in the body):
   - ``grant_type=authorization_code`` with ``code`` and ``redirect_uri``: a code works once, for the
     client and redirect URI it was issued to, for 5 minutes. Replaying a used code also revokes the
     tokens it produced (RFC 6749 section 4.1.2).
   - ``grant_type=refresh_token`` with ``refresh_token``: a new access token; the refresh token stays
     the same and its 60-day expiry starts over, as Pipedrive documents. With ``config.refresh_rotation``
     a new refresh token comes with it: the old one works until the new one is first used, and a second
     refresh with the old one invalidates the first successor (see ``_rotate``).
   Answer: ``{access_token, token_type: "Bearer", refresh_token, scope, expires_in, api_domain}``, where
   ``api_domain`` is the sandbox's own base URL and ``expires_in`` is ``config.token_lifetime``.
3. ``POST /oauth/revoke`` (RFC 7009): ``token`` and optional ``token_type_hint``, client authenticated
   like the token endpoint; 200 whether or not the token was known. Revoking a refresh token revokes
   every access token issued from it.

Errors of the token and revoke endpoints are 400 JSON bodies. Pipedrive's are produced by
node-oauth2-server; its official client's tests show the shape
``{"success": false, "message": "Invalid grant: refresh token is invalid", "error": "invalid_grant"}``.
We send that, plus RFC 6749's ``error_description`` (the same text as ``message``) so generic OAuth
clients read it too::

    {"success": false, "error": "invalid_grant",
     "message": "Invalid grant: authorization code has expired",
     "error_description": "Invalid grant: authorization code has expired"}

``error`` is always an RFC 6749 code (``invalid_request``, ``invalid_client``, ``invalid_grant``,
``unsupported_grant_type``); ``message`` is the text Pipedrive documents on its "OAuth status codes" page.
Errors on ``/oauth/authorize`` that must not redirect (unknown client, bad redirect URI) are HTML pages.

Access tokens map to the user who approved (the company's main user) and carry the granted scopes; an
API call whose operation lists OAuth scopes (``security`` in the OpenAPI documents, any one suffices)
and that the token has none of gets 403 ``Scope and URL mismatch``, as Pipedrive documents. The sandbox accepts any absolute
http(s) ``redirect_uri`` (a real app registers one; the driver's callback listener has a random port).
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import html
import secrets
from dataclasses import dataclass
from typing import Any, Protocol
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

from starlette.requests import Request
from starlette.responses import HTMLResponse, RedirectResponse, Response
from starlette.routing import BaseRoute, Route

from pipedrive_sandbox import pages, spec
from pipedrive_sandbox.clock import Clock
from pipedrive_sandbox.config import SandboxConfig
from pipedrive_sandbox.responses import JSON

CODE_LIFETIME = 300  # seconds: Pipedrive's authorization codes expire after 5 minutes
REFRESH_LIFETIME = 60 * 86_400  # a refresh token dies if unused for 60 days
PENDING_LIFETIME = 600  # how long a consent page stays answerable
PURGE_GRACE = 3600  # how long expired codes and tokens are remembered
# What an app gets when it asks for nothing in particular: everything the sandbox serves.
DEFAULT_SCOPES = (
    "base",
    "deals:full",
    "activities:full",
    "contacts:full",
    "products:full",
    "leads:full",
    "users:read",
    "recents:read",
    "search:read",
    "admin",
)


class UserDirectory(Protocol):
    """What the OAuth server needs from the store."""

    main_user_id: int
    company_id: int
    company_domain: str
    users: dict[int, dict[str, Any]]


def client_credentials(config: SandboxConfig) -> tuple[str, str]:
    """The OAuth client of the sandbox's one registered app; derived from the seed unless configured."""
    digest = hashlib.sha256(f"pipedrive-sandbox-oauth-client:{config.seed}".encode()).hexdigest()
    return config.oauth_client_id or digest[:20], config.oauth_client_secret or digest[20:60]


class OAuthError(Exception):
    def __init__(self, error: str, message: str) -> None:
        super().__init__(message)
        self.error = error
        self.message = message

    def response(self) -> JSON:
        body = {
            "success": False,
            "error": self.error,
            "message": self.message,
            "error_description": self.message,
        }
        return JSON(body, status_code=400, headers={"cache-control": "no-store", "pragma": "no-cache"})


@dataclass
class _Code:
    client_id: str
    redirect_uri: str
    user_id: int
    scope: str
    expires_at: float
    used: bool = False
    refresh_token: str | None = None  # what it was exchanged for, to revoke on replay


@dataclass
class _Refresh:
    client_id: str
    user_id: int
    scope: str
    expires_at: float
    parent: str | None = None  # with refresh_rotation: the token this one replaces (retired on first use)
    child: str | None = None  # with refresh_rotation: the newest replacement issued, not yet used


@dataclass
class _Access:
    refresh_token: str
    user_id: int
    scopes: frozenset[str]
    expires_at: float


@dataclass
class _Pending:
    client_id: str
    redirect_uri: str
    state: str | None
    scope: str
    expires_at: float


class OAuthServer:
    def __init__(self, config: SandboxConfig, users: UserDirectory, clock: Clock) -> None:
        self.config = config
        self.users = users
        self.clock = clock
        self.client_id, self.client_secret = client_credentials(config)
        self._codes: dict[str, _Code] = {}
        self._refresh: dict[str, _Refresh] = {}
        self._access: dict[str, _Access] = {}
        self._pending: dict[str, _Pending] = {}

    # ---- used by the API middleware ---------------------------------------------------------------

    def user_for_access_token(self, token: str) -> int | None:
        """The user an access token acts for; None if unknown, revoked or expired."""
        grant = self.grant_for_access_token(token)
        return grant[0] if grant is not None else None

    def grant_for_access_token(self, token: str) -> tuple[int, frozenset[str]] | None:
        """The user an access token acts for and the scopes it carries; None if unusable."""
        access = self._access.get(token)
        if access is None or access.expires_at <= self.clock.time():
            return None
        return access.user_id, access.scopes

    # ---- routes -----------------------------------------------------------------------------------

    def routes(self) -> list[BaseRoute]:
        return [
            Route("/oauth/authorize", self.authorize, methods=["GET"]),
            Route("/oauth/authorize", self.decide, methods=["POST"]),
            Route("/oauth/token", self.token, methods=["POST"]),
            Route("/oauth/token/", self.token, methods=["POST"]),
            Route("/oauth/revoke", self.revoke, methods=["POST"]),
        ]

    async def authorize(self, request: Request) -> Response:
        self._purge()
        params = request.query_params
        client_id, redirect_uri = params.get("client_id", ""), params.get("redirect_uri", "")
        if client_id != self.client_id:
            return _error_page(
                400, "App cannot be installed", "App cannot be installed for requested company."
            )
        if not _is_valid_uri(redirect_uri):
            return _error_page(400, "Invalid request", "Invalid request: redirect_uri is not a valid URI.")
        scope = _normalize_scope(params.get("scope"))
        pending = _Pending(
            client_id, redirect_uri, params.get("state"), scope, self.clock.time() + PENDING_LIFETIME
        )
        if self.config.auto_approve:
            return self._approve(pending)
        request_id = secrets.token_urlsafe(24)
        self._pending[request_id] = pending
        return self._consent_page(request_id, pending)

    async def decide(self, request: Request) -> Response:
        form = await _form(request)
        pending = self._pending.pop(form.get("request_id", ""), None)
        if pending is None or pending.expires_at <= self.clock.time():
            return _error_page(400, "This request has expired", "Start the installation again from the app.")
        if form.get("decision") == "approve":
            return self._approve(pending)
        return _redirect(pending.redirect_uri, {"error": "user_denied", "state": pending.state})

    async def token(self, request: Request) -> Response:
        self._purge()
        try:
            form = await _oauth_form(request)
            client_id = self._authenticate_client(request, form)
            grant_type = form.get("grant_type")
            if not grant_type:
                raise OAuthError("invalid_request", "Missing parameter: `grant_type`")
            if grant_type == "authorization_code":
                refresh_token = self._exchange_code(client_id, form)
            elif grant_type == "refresh_token":
                refresh_token = self._use_refresh_token(client_id, form)
            else:
                raise OAuthError("unsupported_grant_type", "Unsupported grant type: `grant_type` is invalid")
        except OAuthError as exc:
            return exc.response()
        return self._token_response(request, refresh_token)

    async def revoke(self, request: Request) -> Response:
        try:
            form = await _oauth_form(request)
            client_id = self._authenticate_client(request, form)
            token = form.get("token")
            if not token:
                raise OAuthError("invalid_request", "Missing parameter: `token`")
        except OAuthError as exc:
            return exc.response()
        self._revoke(client_id, token, form.get("token_type_hint"))
        return Response(status_code=200, headers={"cache-control": "no-store"})

    # ---- the grants -------------------------------------------------------------------------------

    def _purge(self) -> None:
        """Forget what can no longer be used, so a long benchmark's refreshes do not pile up.

        Codes and tokens are kept an hour past their expiry so that a late attempt still hears
        "has expired" rather than "is invalid".
        """
        horizon = self.clock.time() - PURGE_GRACE
        for table in (self._pending, self._codes, self._access, self._refresh):
            for key in [k for k, v in table.items() if v.expires_at <= horizon]:
                del table[key]

    def _authenticate_client(self, request: Request, form: dict[str, str]) -> str:
        client_id, secret = _basic_credentials(request.headers.get("authorization", ""))
        if client_id is None:
            client_id, secret = form.get("client_id"), form.get("client_secret")
        if not client_id or not secret:
            raise OAuthError("invalid_client", "Invalid client: cannot retrieve client credentials")
        valid = secrets.compare_digest(client_id, self.client_id) and secrets.compare_digest(
            secret, self.client_secret
        )
        if not valid:
            raise OAuthError("invalid_client", "Invalid client: client is invalid")
        return client_id

    def _approve(self, pending: _Pending) -> Response:
        code = f"{self.users.company_id}.{self.users.main_user_id}.{secrets.token_hex(21)}"
        self._codes[code] = _Code(
            pending.client_id,
            pending.redirect_uri,
            self.users.main_user_id,
            pending.scope,
            self.clock.time() + CODE_LIFETIME,
        )
        return _redirect(pending.redirect_uri, {"code": code, "state": pending.state})

    def _exchange_code(self, client_id: str, form: dict[str, str]) -> str:
        code = form.get("code")
        if not code:
            raise OAuthError("invalid_request", "Missing parameter: `code`")
        issued = self._codes.get(code)
        if issued is None or issued.client_id != client_id:
            raise OAuthError("invalid_grant", "Invalid grant: authorization code is invalid")
        if issued.used:
            # A replayed code may be stolen: the tokens it bought are withdrawn too.
            if issued.refresh_token:
                self._revoke_refresh(issued.refresh_token)
            raise OAuthError("invalid_grant", "Invalid grant: authorization code is invalid")
        if issued.expires_at <= self.clock.time():
            raise OAuthError("invalid_grant", "Invalid grant: authorization code has expired")
        redirect_uri = form.get("redirect_uri", "")
        if not _is_valid_uri(redirect_uri):
            raise OAuthError("invalid_request", "Invalid request: `redirect_uri` is not a valid URI")
        if redirect_uri != issued.redirect_uri:
            raise OAuthError("invalid_request", "Invalid request: `redirect_uri` is invalid")
        issued.used = True
        refresh_token = f"{self.users.company_id}:{issued.user_id}:{secrets.token_hex(20)}"
        self._refresh[refresh_token] = _Refresh(
            client_id, issued.user_id, issued.scope, self.clock.time() + REFRESH_LIFETIME
        )
        issued.refresh_token = refresh_token
        return refresh_token

    def _use_refresh_token(self, client_id: str, form: dict[str, str]) -> str:
        refresh_token = form.get("refresh_token")
        if not refresh_token:
            raise OAuthError("invalid_request", "Missing parameter: `refresh_token`")
        refresh = self._refresh.get(refresh_token)
        if refresh is None or refresh.client_id != client_id:
            raise OAuthError("invalid_grant", "Invalid grant: refresh token is invalid")
        if refresh.expires_at <= self.clock.time():
            raise OAuthError("invalid_grant", "Invalid grant: refresh token has expired")
        refresh.expires_at = self.clock.time() + REFRESH_LIFETIME
        if not self.config.refresh_rotation:
            return refresh_token
        return self._rotate(refresh_token, refresh)

    def _rotate(self, refresh_token: str, refresh: _Refresh) -> str:
        """A successor for ``refresh_token``: using it retires its predecessor; issuing another one first
        makes the earlier, unused successor invalid."""
        if refresh.parent is not None:
            self._refresh.pop(refresh.parent, None)
            refresh.parent = None
        if refresh.child is not None:
            self._refresh.pop(refresh.child, None)
        successor = f"{self.users.company_id}:{refresh.user_id}:{secrets.token_hex(20)}"
        self._refresh[successor] = _Refresh(
            refresh.client_id, refresh.user_id, refresh.scope, refresh.expires_at, parent=refresh_token
        )
        refresh.child = successor
        return successor

    def _token_response(self, request: Request, refresh_token: str) -> JSON:
        refresh = self._refresh[refresh_token]
        access_token = f"v1u:{secrets.token_urlsafe(48)}"
        lifetime = int(self.config.token_lifetime)
        scopes = frozenset(refresh.scope.split(","))
        self._access[access_token] = _Access(
            refresh_token, refresh.user_id, scopes, self.clock.time() + lifetime
        )
        body = {
            "access_token": access_token,
            "token_type": "Bearer",
            "refresh_token": refresh_token,
            "scope": refresh.scope,
            "expires_in": lifetime,
            "api_domain": str(request.base_url).rstrip("/"),
        }
        return JSON(body, headers={"cache-control": "no-store", "pragma": "no-cache"})

    def _revoke(self, client_id: str, token: str, hint: str | None) -> None:
        # The hint only says where to look first (RFC 7009 section 2.1); both kinds are checked.
        refresh = self._refresh.get(token)
        if refresh is not None and refresh.client_id == client_id:
            self._revoke_refresh(token)
            return
        access = self._access.get(token)
        if access is not None:
            owner = self._refresh.get(access.refresh_token)
            if owner is None or owner.client_id == client_id:
                del self._access[token]

    def _revoke_refresh(self, refresh_token: str) -> None:
        self._refresh.pop(refresh_token, None)
        for token in [t for t, a in self._access.items() if a.refresh_token == refresh_token]:
            del self._access[token]

    # ---- the consent page -------------------------------------------------------------------------

    def _consent_page(self, request_id: str, pending: _Pending) -> HTMLResponse:
        user = self.users.users.get(self.users.main_user_id, {})
        descriptions = spec.oauth_scopes()
        items = "\n".join(
            f"    <li><strong>{html.escape(s)}</strong>"
            f"<small>{html.escape(descriptions.get(s, ''))}</small></li>"
            for s in pending.scope.split(",")
        )
        body = pages.render(
            "consent.html",
            raw={"scope_items": items},
            app_name=f"App {pending.client_id}",
            user_name=user.get("name", "Sandbox user"),
            user_email=user.get("email", ""),
            company_name=getattr(self.users, "company_name", None) or self.users.company_domain,
            company_domain=self.users.company_domain,
            redirect_uri=pending.redirect_uri,
            request_id=request_id,
        )
        return HTMLResponse(body, headers={"cache-control": "no-store", "x-frame-options": "DENY"})


# ---- helpers ----------------------------------------------------------------------------------------


def _error_page(status: int, title: str, message: str) -> HTMLResponse:
    return pages.page("oauth_error.html", status=status, title=title, message=message)


def _redirect(uri: str, params: dict[str, str | None]) -> RedirectResponse:
    """``uri`` with ``params`` added to its query (keeping any query it already has); a 302."""
    parts = urlsplit(uri)
    query = parse_qsl(parts.query, keep_blank_values=True)
    query += [(k, v) for k, v in params.items() if v is not None]
    return RedirectResponse(urlunsplit(parts._replace(query=urlencode(query))), status_code=302)


def _is_valid_uri(uri: str) -> bool:
    parts = urlsplit(uri)
    return parts.scheme in ("http", "https") and bool(parts.netloc)


def _normalize_scope(scope: str | None) -> str:
    """Pipedrive reports scopes comma-separated; accept spaces or commas in the request."""
    requested = [s for s in (scope or "").replace(" ", ",").split(",") if s]
    chosen = requested or list(DEFAULT_SCOPES)
    if "base" not in chosen:
        chosen.insert(0, "base")  # Pipedrive always grants base
    return ",".join(dict.fromkeys(chosen))


def _basic_credentials(header: str) -> tuple[str | None, str | None]:
    scheme, _, value = header.partition(" ")
    if scheme.lower() != "basic" or not value:
        return None, None
    try:
        decoded = base64.b64decode(value.strip(), validate=True).decode("utf-8")
    except (binascii.Error, UnicodeDecodeError):
        return None, None
    client_id, sep, secret = decoded.partition(":")
    return (client_id, secret) if sep else (None, None)


async def _form(request: Request) -> dict[str, str]:
    """A urlencoded body, parsed without python-multipart (which the sandbox does not need)."""
    body = (await request.body()).decode("utf-8", errors="replace")
    return dict(parse_qsl(body, keep_blank_values=True))


async def _oauth_form(request: Request) -> dict[str, str]:
    content_type = request.headers.get("content-type", "").split(";")[0].strip().lower()
    if content_type != "application/x-www-form-urlencoded":
        raise OAuthError(
            "invalid_request", "Invalid request: content must be application/x-www-form-urlencoded"
        )
    return await _form(request)
