"""The `pipedrive-sql oauth ...` helpers end to end: url, exchange, refresh, status, revoke, login."""

from __future__ import annotations

from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import pytest

from pipedrive_sandbox.server import Sandbox
from pipedrive_sql.auth import commands
from pipedrive_sql.auth.build import open_store
from pipedrive_sql.errors import ConfigurationError, OAuthError

from .helpers import code_from, consent, oauth_settings

CALLBACK = "http://localhost:33333"


def test_url_exchange_refresh_status_revoke(sandbox: Sandbox, tmp_path: Path) -> None:
    settings = oauth_settings(sandbox, tmp_path / "c.oauth", CallbackURL=CALLBACK)
    text = commands.oauth_url(settings)
    url = next(line.strip() for line in text.splitlines() if line.strip().startswith("http"))
    assert parse_qs(urlsplit(url).query)["redirect_uri"] == [CALLBACK]
    assert "oauth exchange CODE" in text and "OAuthVerifier" in text

    code = code_from(consent(url))
    said = commands.oauth_exchange(settings, code)
    assert "Signed in" in said and code not in said
    first = open_store(settings).load()
    assert first is not None

    said = commands.oauth_refresh(settings)
    second = open_store(settings).load()
    assert "Refreshed" in said and second is not None and second.access_token != first.access_token
    assert second.access_token not in said

    assert "Signed in as:" in commands.oauth_status(settings)
    info = commands.status_info(settings)
    assert info["signed_in"] and info["refreshable"] and not info["expired"]
    assert not any(second.access_token in str(v) for v in info.values())

    said = commands.oauth_revoke(settings)
    assert "revoked" in said and not (tmp_path / "c.oauth").exists()
    assert "Not signed in" in commands.oauth_status(settings)
    with pytest.raises(ConfigurationError, match="Not signed in"):
        commands.oauth_refresh(settings)
    # the revoked refresh token is dead at the server too
    from pipedrive_sql.auth.procedures import procedure

    with pytest.raises(OAuthError, match="refresh token was refused"):
        procedure("RefreshOAuthAccessToken").call(
            oauth_settings(sandbox, tmp_path / "x.oauth", InitiateOAuth="OFF"),
            {"OAuthRefreshToken": second.refresh_token},
        )
