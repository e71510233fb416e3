"""The OAuth procedures through SQL: connect(), EXEC, cursor.callproc, sys_procedures (the headless Option 1)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pipedrive_sql
from pipedrive_sandbox.server import Sandbox
from pipedrive_sql.auth.build import open_store
from pipedrive_sql.settings import build_settings

from .helpers import code_from, consent

CALLBACK = "http://localhost:33333"


def app(sb: Sandbox) -> dict[str, Any]:
    return {
        "AuthScheme": "OAuth",
        "OAuthClientId": sb.oauth_client_id,
        "OAuthClientSecret": sb.oauth_client_secret,
        "OAuthServerURL": sb.url,
        "CallbackURL": CALLBACK,
    }


def rows(con: Any, sql: str) -> list[tuple[Any, ...]]:
    cur = con.cursor()
    cur.execute(sql)
    return list(cur.fetchall())


def test_option_1_in_sql_and_the_procedures_in_the_system_tables(sandbox: Sandbox, tmp_path: Path) -> None:
    # On the machine with a browser: InitiateOAuth=OFF connects without a token.
    with pipedrive_sql.connect(InitiateOAuth="OFF", **app(sandbox)) as desk:
        [(url,)] = rows(desk, f"EXEC GetOAuthAuthorizationURL CallbackURL='{CALLBACK}'")
        names = {r[2] for r in rows(desk, "SELECT * FROM sys_procedures")}
        params = rows(
            desk,
            "SELECT ParameterName FROM sys_procedureparameters "
            "WHERE ProcedureName = 'GetOAuthAccessToken' AND Direction = 'IN' ORDER BY Ordinal",
        )
    assert {"GetOAuthAuthorizationURL", "GetOAuthAccessToken", "RefreshOAuthAccessToken"} <= names
    assert [p[0] for p in params] == ["AuthMode", "Verifier", "CallbackURL", "Scope", "State"]
    code = code_from(consent(url))

    # On the headless machine: REFRESH + OAuthVerifier; connecting writes the settings file.
    location = tmp_path / "headless.oauth"
    with pipedrive_sql.connect(
        InitiateOAuth="REFRESH", OAuthVerifier=code, OAuthSettingsLocation=str(location), **app(sandbox)
    ) as con:
        [(count,)] = rows(con, "SELECT COUNT(*) FROM Deals")
        assert count > 0
    assert location.exists()
    # Afterwards OAuthSettingsLocation alone; EXEC and callproc refresh by hand and keep the file in step.
    with pipedrive_sql.connect(
        InitiateOAuth="REFRESH", OAuthSettingsLocation=str(location), **app(sandbox)
    ) as con:
        before = open_store(build_settings(app(sandbox), {"OAuthSettingsLocation": str(location)})).load()
        cur = con.cursor()
        cur.callproc("RefreshOAuthAccessToken", {})
        assert [d[0] for d in cur.description] == [
            "OAuthAccessToken",
            "OAuthRefreshToken",
            "ExpiresIn",
            "ApiDomain",
        ]
        [(access, refresh, expires_in, api_domain)] = cur.fetchall()
        after = open_store(build_settings(app(sandbox), {"OAuthSettingsLocation": str(location)})).load()
        assert before is not None and after is not None
        assert after.access_token == access != before.access_token and refresh == before.refresh_token
        assert api_domain == sandbox.url and expires_in > 0
        [(count,)] = rows(con, "SELECT COUNT(*) FROM Deals")  # goes on with the new token
        assert count > 0
