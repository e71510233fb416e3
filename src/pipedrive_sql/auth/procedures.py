"""The OAuth stored procedures, as the commercial drivers name them (``EXEC`` and ``cursor.callproc``).

- ``GetOAuthAuthorizationURL(CallbackURL, Scope, State)`` -> ``Url``
- ``GetOAuthAccessToken(AuthMode='APP'|'WEB', Verifier, CallbackURL, Scope, State)`` -> ``OAuthAccessToken``,
  ``OAuthRefreshToken``, ``ExpiresIn``, ``ApiDomain``. ``WEB`` exchanges ``Verifier`` (the ``code`` of a
  redirect); ``APP`` runs the desktop sign-in.
- ``RefreshOAuthAccessToken(OAuthRefreshToken)`` -> the same columns.

Each procedure is a plain function ``(settings, **parameters) -> rows`` wrapped in a ``Procedure`` that
carries the metadata for ``sys_procedures`` / ``sys_procedureparameters`` and checks parameter names
(case-insensitive, as the rest of the SQL surface). The engine registers ``PROCEDURES``.

Tokens obtained here are saved to OAuthSettingsLocation unless InitiateOAuth=OFF, so a connection made
afterwards with InitiateOAuth=REFRESH picks them up.
"""

from __future__ import annotations

import contextlib
import secrets
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

from pipedrive_sql.auth._http import http_client
from pipedrive_sql.auth.build import endpoints, open_store
from pipedrive_sql.auth.desktop import DEFAULT_TIMEOUT, run_desktop_flow
from pipedrive_sql.auth.endpoints import OAuthEndpoints, require
from pipedrive_sql.auth.tokens import TokenSet, verifier_digest
from pipedrive_sql.errors import ProgrammingError, did_you_mean
from pipedrive_sql.settings import Settings

__all__ = [
    "BY_NAME",
    "PROCEDURES",
    "Procedure",
    "ProcedureColumn",
    "ProcedureParameter",
    "get_oauth_access_token",
    "get_oauth_authorization_url",
    "procedure",
    "refresh_oauth_access_token",
]

Row = dict[str, Any]


@dataclass(frozen=True)
class ProcedureParameter:
    name: str
    type: str  # the SQL type name shown in sys_procedureparameters
    description: str
    required: bool = False
    default: str | None = None  # as shown to users; None when it comes from the connection
    choices: tuple[str, ...] = ()


@dataclass(frozen=True)
class ProcedureColumn:
    name: str
    type: str
    description: str


@dataclass(frozen=True)
class Procedure:
    name: str
    description: str
    parameters: tuple[ProcedureParameter, ...]
    columns: tuple[ProcedureColumn, ...]
    function: Callable[..., list[Row]] = field(repr=False)

    def call(self, settings: Settings, arguments: Mapping[str, Any], **context: Any) -> list[Row]:
        """Run with ``arguments`` (names case-insensitive); ``context`` (dsn_name, browser, echo...) is passed
        through to the function. Returns rows as dicts keyed by ``columns``' names."""
        return self.function(settings, **self.bind(arguments), **context)

    def bind(self, arguments: Mapping[str, Any]) -> dict[str, Any]:
        """``arguments`` keyed by the parameters' canonical names, checked for unknown and missing ones."""
        by_lower = {p.name.lower(): p for p in self.parameters}
        bound: dict[str, Any] = {}
        for raw, value in arguments.items():
            param = by_lower.get(raw.lower().lstrip("@"))
            if param is None:
                hint = did_you_mean(raw, [p.name for p in self.parameters])
                names = ", ".join(p.name for p in self.parameters)
                raise ProgrammingError(
                    f"{self.name} has no parameter {raw!r}.{hint} Its parameters: {names}."
                )
            if param.choices and value is not None:
                value = _choice(self.name, param, value)
            bound[param.name] = value
        for param in self.parameters:
            if param.required and bound.get(param.name) in (None, ""):
                raise ProgrammingError(f"{self.name} needs {param.name}: {param.description}")
        return bound


def _choice(proc: str, param: ProcedureParameter, value: Any) -> str:
    for choice in param.choices:
        if choice.lower() == str(value).strip().lower():
            return choice
    raise ProgrammingError(f"{proc}: {param.name}={value!r} is not valid: use {' or '.join(param.choices)}.")


# --- the procedures ----------------------------------------------------------------------------------------


def get_oauth_authorization_url(
    settings: Settings,
    *,
    CallbackURL: str | None = None,
    Scope: str | None = None,
    State: str | None = None,
    **_context: Any,
) -> list[Row]:
    """The URL where the user approves access; the redirect to CallbackURL then carries ``code``."""
    client_id = require(
        settings["OAuthClientId"], "OAuthClientId", "set the client ID of your app (Pipedrive Developer Hub)."
    )
    # The URL needs no secret: the machine that shows it need not hold the client secret.
    ends = OAuthEndpoints(settings["OAuthServerURL"], client_id, "")
    url = ends.authorization_url(
        CallbackURL or settings["CallbackURL"],
        state=State or secrets.token_urlsafe(16),
        scope=Scope or settings["Scope"],
    )
    return [{"Url": url}]


def get_oauth_access_token(
    settings: Settings,
    *,
    AuthMode: str | None = None,
    Verifier: str | None = None,
    CallbackURL: str | None = None,
    Scope: str | None = None,
    State: str | None = None,
    dsn_name: str | None = None,
    browser: Callable[[str], bool] | None = None,
    echo: Callable[[str], object] | None = None,
    timeout: float = DEFAULT_TIMEOUT,
) -> list[Row]:
    """WEB: exchange Verifier. APP: sign in with the browser. Saves the tokens unless InitiateOAuth=OFF."""
    ends = endpoints(settings)
    callback = CallbackURL or settings["CallbackURL"]
    with http_client(settings) as http:
        if (AuthMode or "APP") == "WEB":
            if not Verifier:
                raise ProgrammingError(
                    "GetOAuthAccessToken with AuthMode='WEB' needs Verifier: the code from the redirect "
                    "after approving the URL of GetOAuthAuthorizationURL."
                )
            tokens = ends.exchange_code(http, Verifier, callback).replace(
                verifier_digest=verifier_digest(Verifier)
            )
        else:
            # State is accepted for compatibility; the desktop sign-in always makes its own random state.
            tokens = run_desktop_flow(
                ends,
                http,
                callback_url=callback,
                scope=Scope or settings["Scope"],
                browser=browser,
                echo=echo,
                timeout=timeout,
            )
    _save(settings, tokens, dsn_name=dsn_name)
    return [_token_row(tokens)]


def refresh_oauth_access_token(
    settings: Settings,
    *,
    OAuthRefreshToken: str | None = None,
    dsn_name: str | None = None,
    **_context: Any,
) -> list[Row]:
    """A new access token for a refresh token (default: OAuthRefreshToken, then the stored one).

    Under the store's cross-process lock, like the automatic refresh and ``pipedrive-sql oauth refresh``:
    a refresh that raced another could use a refresh token the other has just had replaced (rotated), and
    the one stored last would be dead. The answer is stored (fsynced, renamed, folder fsynced) before it is
    returned, so a process killed at any instant leaves a working refresh token on disk.
    """
    ends = endpoints(settings)
    store = open_store(settings, dsn_name=dsn_name) if settings["InitiateOAuth"] != "OFF" else None
    with store.locked() if store is not None else contextlib.nullcontext():
        stored = store.load() if store is not None else None
        refresh_token = (
            OAuthRefreshToken or settings["OAuthRefreshToken"] or (stored and stored.refresh_token)
        )
        if not refresh_token:
            raise ProgrammingError(
                "RefreshOAuthAccessToken needs OAuthRefreshToken (the refresh token of an earlier sign-in)."
            )
        with http_client(settings) as http:
            tokens = ends.refresh(http, refresh_token, previous=stored)
        # Keep the store in step when it holds this refresh token: it must never keep a superseded one.
        if store is not None and (stored is None or stored.refresh_token == refresh_token):
            store.save(tokens)
    return [_token_row(tokens)]


def _save(settings: Settings, tokens: TokenSet, *, dsn_name: str | None) -> None:
    if settings["InitiateOAuth"] == "OFF":
        return
    store = open_store(settings, dsn_name=dsn_name)
    with store.locked():
        store.save(tokens)


def _token_row(tokens: TokenSet) -> Row:
    return {
        "OAuthAccessToken": tokens.access_token,
        "OAuthRefreshToken": tokens.refresh_token,
        "ExpiresIn": tokens.expires_in,
        "ApiDomain": tokens.api_domain,
    }


_CALLBACK = ProcedureParameter(
    "CallbackURL",
    "varchar",
    "The redirect URL registered for your app (default: the CallbackURL property).",
)
_SCOPE = ProcedureParameter("Scope", "varchar", "Scopes to ask for, space-separated (default: the app's).")
_STATE = ProcedureParameter("State", "varchar", "A value the redirect echoes back (default: random).")
_TOKEN_COLUMNS = (
    ProcedureColumn("OAuthAccessToken", "varchar", "The access token."),
    ProcedureColumn("OAuthRefreshToken", "varchar", "The refresh token: keep it secret."),
    ProcedureColumn("ExpiresIn", "integer", "Seconds the access token lives."),
    ProcedureColumn("ApiDomain", "varchar", "The API base URL these tokens belong to."),
)

# A sequence, as the engine's registry expects of the layers below it (pipedrive_sql.engine.procedures).
PROCEDURES: tuple[Procedure, ...] = (
    Procedure(
        "GetOAuthAuthorizationURL",
        "The URL where the user approves access; the redirect carries the code for GetOAuthAccessToken "
        "or OAuthVerifier.",
        (_CALLBACK, _SCOPE, _STATE),
        (ProcedureColumn("Url", "varchar", "The authorization URL to open in a browser."),),
        get_oauth_authorization_url,
    ),
    Procedure(
        "GetOAuthAccessToken",
        "Tokens for a code from the redirect (WEB) or from a sign-in with the browser (APP); saved to "
        "OAuthSettingsLocation unless InitiateOAuth=OFF.",
        (
            ProcedureParameter(
                "AuthMode",
                "varchar",
                "APP: sign in with the browser on this machine. WEB: exchange Verifier.",
                default="APP",
                choices=("APP", "WEB"),
            ),
            ProcedureParameter("Verifier", "varchar", "The code from the redirect (AuthMode='WEB')."),
            _CALLBACK,
            _SCOPE,
            _STATE,
        ),
        _TOKEN_COLUMNS,
        get_oauth_access_token,
    ),
    Procedure(
        "RefreshOAuthAccessToken",
        "A new access token for a refresh token.",
        (
            ProcedureParameter(
                "OAuthRefreshToken",
                "varchar",
                "The refresh token (default: the OAuthRefreshToken property, then the stored one).",
            ),
        ),
        _TOKEN_COLUMNS,
        refresh_oauth_access_token,
    ),
)

BY_NAME: dict[str, Procedure] = {p.name.lower(): p for p in PROCEDURES}


def procedure(name: str) -> Procedure:
    """The auth procedure called ``name`` (case-insensitive)."""
    found = BY_NAME.get(name.lower())
    if found is None:
        raise ProgrammingError(
            f"There is no OAuth procedure {name!r}.{did_you_mean(name, [p.name for p in PROCEDURES])}"
        )
    return found
