"""The public surface of pipedrive_sql.auth, as other layers code against it."""

from __future__ import annotations

import pipedrive_sql.auth as auth
from pipedrive_sql.auth import commands, procedures


def test_package_surface() -> None:
    assert sorted(auth.__all__) == [
        "ApiTokenAuth",
        "FileTokenStore",
        "MemoryTokenStore",
        "OAuthAuth",
        "OAuthEndpoints",
        "TokenSet",
        "TokenStore",
        "build_auth",
        "open_store",
        "run_desktop_flow",
    ]
    assert all(hasattr(auth, name) for name in auth.__all__)


def test_command_and_procedure_surfaces() -> None:
    assert {
        "oauth_url",
        "oauth_login",
        "oauth_exchange",
        "oauth_refresh",
        "oauth_status",
        "oauth_revoke",
    } <= set(commands.__all__)
    assert [p.name for p in procedures.PROCEDURES] == [
        "GetOAuthAuthorizationURL",
        "GetOAuthAccessToken",
        "RefreshOAuthAccessToken",
    ]
    for proc in procedures.PROCEDURES:  # the shape the engine's registry needs
        assert proc.name and proc.description and callable(proc.call)
        assert all(
            hasattr(p, a)
            for p in proc.parameters
            for a in ("name", "type", "description", "required", "default")
        )
        assert all(hasattr(c, a) for c in proc.columns for a in ("name", "type", "description"))
