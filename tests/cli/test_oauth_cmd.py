"""``pipedrive-sql oauth ...`` and ``dsn test`` with OAuth, end to end against the sandbox's OAuth server."""

from __future__ import annotations

import re
import subprocess
from collections.abc import Callable
from pathlib import Path
from urllib.parse import parse_qs, urlparse

import httpx

from pipedrive_sandbox.server import Sandbox

CLI = Callable[..., subprocess.CompletedProcess[str]]


def ok(result: subprocess.CompletedProcess[str]) -> subprocess.CompletedProcess[str]:
    assert result.returncode == 0, result.stderr
    return result


def test_headless_sign_in_status_dsn_test_and_revoke(
    cli: CLI, make_sandbox: Callable[..., Sandbox], tmp_path: Path
) -> None:
    sandbox = make_sandbox(auto_approve=True, rate_limit=False)
    secret = sandbox.oauth_client_secret
    props = {
        "AuthScheme": "OAuth",
        "InitiateOAuth": "REFRESH",
        "OAuthClientId": sandbox.oauth_client_id,
        "OAuthClientSecret": secret,
        "OAuthServerURL": sandbox.url,
        "CallbackURL": "http://localhost:33333/callback",
        "OAuthSettingsLocation": str(tmp_path / "tokens.oauth"),
    }
    args = [a for k, v in props.items() for a in ("-s", f"{k}={v}")]
    ok(cli("dsn", "add", "OAuthy", *args))

    url_text = ok(cli("oauth", "url", "--dsn", "oauthy")).stdout
    url = re.search(r"https?://\S+/oauth/authorize\S+", url_text)
    assert url is not None
    redirect = httpx.get(url.group(0), follow_redirects=False, timeout=10)
    assert redirect.status_code == 302
    code = parse_qs(urlparse(redirect.headers["location"]).query)["code"][0]

    exchanged = ok(cli("oauth", "exchange", code, "--dsn", "oauthy"))
    assert "Signed in" in exchanged.stdout and (tmp_path / "tokens.oauth").exists()
    status = ok(cli("oauth", "status", "--dsn", "oauthy"))
    assert "Signed in as:" in status.stdout and "Expires:" in status.stdout

    tested = ok(cli("dsn", "test", "oauthy"))
    assert "Auth scheme: OAuth" in tested.stdout
    assert re.search(r"Token expires: \d{4}-\d\d-\d\d \d\d:\d\d:\d\d UTC", tested.stdout)
    assert "Company: unknown" not in tested.stdout

    revoked = ok(cli("oauth", "revoke", "--dsn", "oauthy"))
    assert "Signed out" in revoked.stdout
    after = cli("oauth", "status", "--dsn", "oauthy", "--offline")
    assert after.returncode == 0 and "Not signed in" in after.stdout
    for result in (exchanged, status, tested, revoked, after):
        assert secret not in result.stdout + result.stderr
        assert code not in result.stdout + result.stderr
