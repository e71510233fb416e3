"""The stored procedures' metadata and argument binding (their effects are tested end to end)."""

from __future__ import annotations

from urllib.parse import parse_qs, urlsplit

import pytest

from pipedrive_sql.auth.procedures import PROCEDURES, procedure
from pipedrive_sql.errors import ConfigurationError, ProgrammingError
from pipedrive_sql.settings import build_settings


def test_the_three_procedures_with_their_parameters_and_columns() -> None:
    shape = {
        name: ([p.name for p in proc.parameters], [c.name for c in proc.columns])
        for name, proc in ((p.name, p) for p in PROCEDURES)
    }
    assert shape == {
        "GetOAuthAuthorizationURL": (["CallbackURL", "Scope", "State"], ["Url"]),
        "GetOAuthAccessToken": (
            ["AuthMode", "Verifier", "CallbackURL", "Scope", "State"],
            ["OAuthAccessToken", "OAuthRefreshToken", "ExpiresIn", "ApiDomain"],
        ),
        "RefreshOAuthAccessToken": (
            ["OAuthRefreshToken"],
            ["OAuthAccessToken", "OAuthRefreshToken", "ExpiresIn", "ApiDomain"],
        ),
    }
    assert all(p.description for proc in PROCEDURES for p in proc.parameters)


def test_arguments_are_case_insensitive_and_checked() -> None:
    proc = procedure("GetOAuthAccessToken")
    assert proc.bind({"authmode": "web", "@Verifier": "c"}) == {"AuthMode": "WEB", "Verifier": "c"}
    with pytest.raises(ProgrammingError, match="Did you mean Verifier"):
        proc.bind({"Verifer": "c"})
    with pytest.raises(ProgrammingError, match="APP or WEB"):
        proc.bind({"AuthMode": "BROWSER"})


def test_authorization_url_needs_only_the_client_id() -> None:
    settings = build_settings(
        {"AuthScheme": "OAuth", "InitiateOAuth": "OFF", "OAuthClientId": "cid", "OAuthServerURL": "http://o"}
    )
    [row] = procedure("GetOAuthAuthorizationURL").call(
        settings, {"CallbackURL": "http://localhost:5555/cb", "State": "xyz", "Scope": "deals:read"}
    )
    parts = urlsplit(row["Url"])
    assert row["Url"].startswith("http://o/oauth/authorize?")
    assert parse_qs(parts.query) == {
        "client_id": ["cid"],
        "redirect_uri": ["http://localhost:5555/cb"],
        "state": ["xyz"],
        "scope": ["deals:read"],
    }
    with pytest.raises(ConfigurationError, match="OAuthClientId"):
        procedure("GetOAuthAuthorizationURL").call(build_settings({}), {})


def test_web_mode_needs_a_verifier() -> None:
    settings = build_settings({"OAuthClientId": "c", "OAuthClientSecret": "s", "InitiateOAuth": "OFF"})
    with pytest.raises(ProgrammingError, match="Verifier"):
        procedure("GetOAuthAccessToken").call(settings, {"AuthMode": "WEB"})
