"""Sign-in flows end to end against the sandbox's OAuth server over real HTTP.

Desktop (a scripted browser approves on the consent page and follows the redirect to the driver's loopback
listener), deny, state mismatch, code reuse, headless Option 1 and Option 2, OFF, wrong client secret.
"""

from __future__ import annotations

import stat
from pathlib import Path
from urllib.parse import parse_qs, urlencode, urlsplit, urlunsplit

import httpx
import pytest

from pipedrive_sandbox.server import Sandbox
from pipedrive_sql.api import ApiClient
from pipedrive_sql.auth import OAuthAuth, build_auth
from pipedrive_sql.auth.procedures import procedure
from pipedrive_sql.errors import AuthenticationError, ConfigurationError, OAuthError
from pipedrive_sql.settings import Settings

from .helpers import (
    ConsentBrowser,
    approved_code,
    code_from,
    consent,
    no_browser,
    oauth_settings,
)


def me(settings: Settings, auth: httpx.Auth, base: str | None) -> dict:
    with ApiClient(settings, auth, base_url=base) as client:
        data = client.get("/api/v1/users/me").data
    assert isinstance(data, dict)
    return data


def test_desktop_sign_in_then_later_connections_use_the_stored_tokens(
    sandbox: Sandbox, tmp_path: Path
) -> None:
    location = tmp_path / "desktop.oauth"
    settings = oauth_settings(sandbox, location)
    browser = ConsentBrowser()
    auth, base = build_auth(settings, browser=browser, echo=lambda text: None)
    page = browser.join()
    assert page.status_code == 200
    assert "Sign-in complete" in page.text and "close this window" in page.text
    assert base == sandbox.url  # the token's api_domain
    assert me(settings, auth, base)["id"]
    assert stat.S_IMODE(location.stat().st_mode) == 0o600
    # the authorization URL carried a state, and the listener's redirect URI
    query = parse_qs(urlsplit(browser.opened[0]).query)
    assert query["client_id"] == [sandbox.oauth_client_id] and len(query["state"][0]) >= 32

    again, base2 = build_auth(settings, browser=no_browser)
    assert base2 == sandbox.url and me(settings, again, base2)["id"]


def test_desktop_sign_in_denied_is_a_clear_error_and_stores_nothing(sandbox: Sandbox, tmp_path: Path) -> None:
    location = tmp_path / "denied.oauth"
    browser = ConsentBrowser(decision="deny")
    with pytest.raises(OAuthError, match="not approved") as caught:
        build_auth(oauth_settings(sandbox, location), browser=browser, echo=lambda text: None)
    assert caught.value.error == "user_denied"
    assert "Sign-in failed" in browser.join().text
    assert not location.exists()


def _with_state(location: str, state: str) -> str:
    parts = urlsplit(location)
    query = {k: v[0] for k, v in parse_qs(parts.query).items()}
    query["state"] = state
    return urlunsplit(parts._replace(query=urlencode(query)))


def test_redirect_with_a_foreign_state_is_refused_and_its_code_not_used(
    sandbox: Sandbox, tmp_path: Path
) -> None:
    location = tmp_path / "mismatch.oauth"
    browser = ConsentBrowser(tamper=lambda loc: _with_state(loc, "attacker-state"))
    with pytest.raises(OAuthError, match="different state") as caught:
        build_auth(oauth_settings(sandbox, location), browser=browser, echo=lambda text: None)
    assert caught.value.error == "state_mismatch"
    assert "Sign-in failed" in browser.join().text
    assert not location.exists()
    # the code in the refused redirect was never exchanged: it still works once
    code = code_from(browser.locations[0])
    redirect = parse_qs(urlsplit(browser.opened[0]).query)["redirect_uri"][0]
    rows = procedure("GetOAuthAccessToken").call(
        oauth_settings(sandbox, tmp_path / "x.oauth", InitiateOAuth="OFF", CallbackURL=redirect),
        {"AuthMode": "WEB", "Verifier": code},
    )
    assert rows[0]["OAuthAccessToken"]


def test_a_code_works_once(sandbox: Sandbox, tmp_path: Path) -> None:
    code = approved_code(sandbox)
    first = oauth_settings(
        sandbox,
        tmp_path / "a.oauth",
        InitiateOAuth="REFRESH",
        OAuthVerifier=code,
        CallbackURL="http://localhost:33333",
    )
    auth, base = build_auth(first)
    assert me(first, auth, base)["id"]
    second = oauth_settings(
        sandbox,
        tmp_path / "b.oauth",
        InitiateOAuth="REFRESH",
        OAuthVerifier=code,
        CallbackURL="http://localhost:33333",
    )
    with pytest.raises(OAuthError, match="authorization code was refused") as caught:
        build_auth(second)
    assert caught.value.error == "invalid_grant" and code not in str(caught.value)
    assert not (tmp_path / "b.oauth").exists()


def test_headless_option_1(sandbox: Sandbox, tmp_path: Path) -> None:
    callback = "http://localhost:33333"
    # Machine with a browser: InitiateOAuth=OFF and EXEC GetOAuthAuthorizationURL.
    desktop = oauth_settings(sandbox, tmp_path / "unused.oauth", InitiateOAuth="OFF", CallbackURL=callback)
    build_auth(desktop)  # OFF connects without any token, so that the procedure can run
    [row] = procedure("GetOAuthAuthorizationURL").call(desktop, {"CallbackURL": callback})
    code = code_from(consent(row["Url"]))  # the user approves and notes the code from the address bar
    # Headless machine: REFRESH + OAuthVerifier + OAuthSettingsLocation; connecting writes the file.
    location = tmp_path / "headless" / "oauth.bin"
    headless = oauth_settings(
        sandbox, location, InitiateOAuth="REFRESH", OAuthVerifier=code, CallbackURL=callback
    )
    auth, base = build_auth(headless, browser=no_browser)
    assert location.exists() and me(headless, auth, base)["id"]
    # Afterwards OAuthSettingsLocation alone (plus the app credentials) is enough...
    later = oauth_settings(sandbox, location, InitiateOAuth="REFRESH", CallbackURL=None)
    auth, base = build_auth(later, browser=no_browser)
    assert me(later, auth, base)["id"]
    # ...and a verifier left in the settings is recognised as already exchanged, not sent again.
    sandbox.reset_stats()
    auth, base = build_auth(headless, browser=no_browser)
    assert me(headless, auth, base)["id"]
    assert sandbox.stats()["oauth_requests"] == 0
    # and it refreshes automatically: make the stored token look expired
    assert isinstance(auth, OAuthAuth) and auth.tokens is not None
    from pipedrive_sql.auth.build import open_store

    store = open_store(later)
    store.save(auth.tokens.replace(timestamp=auth.tokens.timestamp - 3_600_000))
    auth, base = build_auth(later, browser=no_browser)
    assert me(later, auth, base)["id"]
    assert isinstance(auth, OAuthAuth) and auth.refreshes == 1


def test_headless_option_2_copied_settings_file(sandbox: Sandbox, tmp_path: Path) -> None:
    made = tmp_path / "desktop" / "oauth.bin"
    browser = ConsentBrowser()
    build_auth(oauth_settings(sandbox, made), browser=browser, echo=lambda text: None)
    browser.join()
    copied = tmp_path / "server" / "copied.bin"
    copied.parent.mkdir()
    copied.write_bytes(made.read_bytes())
    settings = oauth_settings(sandbox, copied, InitiateOAuth="REFRESH")
    auth, base = build_auth(settings, browser=no_browser)
    assert me(settings, auth, base)["id"]


def test_off_uses_the_given_token_and_an_expired_one_names_the_procedure(
    sandbox: Sandbox, tmp_path: Path
) -> None:
    code = approved_code(sandbox)
    off = oauth_settings(
        sandbox, tmp_path / "o.oauth", InitiateOAuth="OFF", CallbackURL="http://localhost:33333"
    )
    [tokens] = procedure("GetOAuthAccessToken").call(off, {"AuthMode": "WEB", "Verifier": code})
    assert not (tmp_path / "o.oauth").exists()  # OFF never stores
    assert tokens["ApiDomain"] == sandbox.url and tokens["ExpiresIn"] > 0
    given = oauth_settings(
        sandbox,
        tmp_path / "o.oauth",
        InitiateOAuth="OFF",
        OAuthAccessToken=tokens["OAuthAccessToken"],
        BaseURL=sandbox.url,
    )
    auth, base = build_auth(given)
    assert base is None and me(given, auth, base)["id"]

    expired = oauth_settings(
        sandbox,
        tmp_path / "o.oauth",
        InitiateOAuth="OFF",
        OAuthAccessToken=tokens["OAuthAccessToken"],
        OAuthExpiresIn=3600,
        OAuthTokenTimestamp=1_600_000_000_000,
        BaseURL=sandbox.url,
    )
    auth, base = build_auth(expired)
    with pytest.raises(AuthenticationError, match="RefreshOAuthAccessToken"):
        me(expired, auth, base)
    [renewed] = procedure("RefreshOAuthAccessToken").call(
        expired, {"OAuthRefreshToken": tokens["OAuthRefreshToken"]}
    )
    assert renewed["OAuthAccessToken"] != tokens["OAuthAccessToken"]
    fresh = oauth_settings(
        sandbox,
        tmp_path / "o.oauth",
        InitiateOAuth="OFF",
        OAuthAccessToken=renewed["OAuthAccessToken"],
        BaseURL=sandbox.url,
    )
    auth, base = build_auth(fresh)
    assert me(fresh, auth, base)["id"]


def test_refresh_from_tokens_given_as_properties(sandbox: Sandbox, tmp_path: Path) -> None:
    code = approved_code(sandbox)
    off = oauth_settings(sandbox, tmp_path / "x", InitiateOAuth="OFF", CallbackURL="http://localhost:33333")
    [tokens] = procedure("GetOAuthAccessToken").call(off, {"AuthMode": "WEB", "Verifier": code})
    settings = oauth_settings(
        sandbox, "memory://props-test", InitiateOAuth="REFRESH", OAuthRefreshToken=tokens["OAuthRefreshToken"]
    )
    auth, base = build_auth(settings, browser=no_browser)
    assert base == sandbox.url  # a refresh token alone is refreshed at once, which names the API domain
    assert me(settings, auth, base)["id"]


def test_settings_file_of_another_client_secret_is_a_clear_error(sandbox: Sandbox, tmp_path: Path) -> None:
    location = tmp_path / "s.oauth"
    browser = ConsentBrowser()
    build_auth(oauth_settings(sandbox, location), browser=browser, echo=lambda text: None)
    browser.join()
    before = location.read_bytes()
    wrong = oauth_settings(sandbox, location, OAuthClientSecret="not-the-real-secret")
    with pytest.raises(ConfigurationError, match="cannot be decrypted with this OAuthClientSecret") as caught:
        build_auth(wrong, browser=no_browser)  # never a silent new sign-in
    assert "not-the-real-secret" not in str(caught.value)
    assert location.read_bytes() == before


def test_wrong_client_secret_at_the_token_endpoint_is_a_clear_error(sandbox: Sandbox, tmp_path: Path) -> None:
    code = approved_code(sandbox)
    wrong = oauth_settings(
        sandbox,
        "memory://wrong-secret",
        InitiateOAuth="REFRESH",
        OAuthVerifier=code,
        CallbackURL="http://localhost:33333",
        OAuthClientSecret="not-the-real-secret",
    )
    with pytest.raises(OAuthError, match="refused the app credentials") as caught:
        build_auth(wrong)
    assert "OAuthClientSecret" in str(caught.value) and caught.value.error == "invalid_client"
    assert "not-the-real-secret" not in str(caught.value)


def test_getandrefresh_with_a_verifier_needs_no_browser(sandbox: Sandbox, tmp_path: Path) -> None:
    settings = oauth_settings(
        sandbox,
        tmp_path / "v.oauth",
        OAuthVerifier=approved_code(sandbox),
        CallbackURL="http://localhost:33333",
    )
    auth, base = build_auth(settings, browser=no_browser)
    assert me(settings, auth, base)["id"]
    again, base = build_auth(settings, browser=no_browser)  # the spent code is not sent again
    assert me(settings, again, base)["id"]
