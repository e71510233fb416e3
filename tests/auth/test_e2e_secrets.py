"""No secret in clear: a Verbosity 5 log of every flow, the settings file's bytes, reprs, command output."""

from __future__ import annotations

import logging
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from pipedrive_sandbox.server import Sandbox
from pipedrive_sql.api import ApiClient
from pipedrive_sql.auth import ApiTokenAuth, OAuthAuth, build_auth, commands
from pipedrive_sql.auth.build import open_store
from pipedrive_sql.errors import AuthenticationError
from pipedrive_sql.settings import build_settings

from .helpers import ConsentBrowser, code_from, no_browser, oauth_settings


@pytest.fixture
def quiet_logger() -> Iterator[None]:
    """Leave the driver's logger as found: tests elsewhere must not inherit our Logfile handler or level."""
    logger = logging.getLogger("pipedrive_sql")
    handlers, level = list(logger.handlers), logger.level
    yield
    for handler in logger.handlers:
        if handler not in handlers:
            logger.removeHandler(handler)
            handler.close()
    logger.setLevel(level)


def test_no_secret_in_a_verbosity_5_log_or_the_settings_file(
    sandbox: Sandbox, tmp_path: Path, quiet_logger: None
) -> None:
    log = tmp_path / "driver.log"
    location = tmp_path / "tokens.oauth"
    settings = oauth_settings(sandbox, location, Logfile=str(log), Verbosity=5, Pagesize=5)
    secrets: set[str] = {sandbox.oauth_client_secret, sandbox.api_token}
    printed: list[str] = []

    def remember() -> None:
        tokens = open_store(settings).load()
        assert tokens is not None and tokens.refresh_token
        secrets.update({tokens.access_token, tokens.refresh_token})

    # the desktop sign-in
    browser = ConsentBrowser()
    auth, base = build_auth(settings, browser=browser, echo=printed.append)
    browser.join()
    secrets.add(code_from(browser.locations[0]))
    remember()
    assert isinstance(auth, OAuthAuth)
    with ApiClient(settings, auth, base_url=base) as client:
        client.get("/api/v1/users/me")
        next(iter(client.pages("/api/v2/deals")))
        # a refresh by expiry...
        store = open_store(settings)
        tokens = store.load()
        assert tokens is not None and tokens.timestamp is not None
        store.save(tokens.replace(timestamp=tokens.timestamp - 7_200_000))
        client.get("/api/v1/users/me")
        remember()
        # ...and one by a 401 (the access token revoked at the server)
        current = store.load()
        assert current is not None
        httpx.post(
            sandbox.url + "/oauth/revoke",
            data={"token": current.access_token, "token_type_hint": "access_token"},
            auth=(sandbox.oauth_client_id, sandbox.oauth_client_secret),
        )
        client.get("/api/v1/users/me")
        remember()
    assert auth.refreshes == 2
    # Basic, and a refused API token (an error logged with Pipedrive's answer)
    basic = build_settings(
        {"APIToken": sandbox.api_token, "BaseURL": sandbox.url, "Logfile": str(log), "Verbosity": 5}
    )
    with ApiClient(basic, ApiTokenAuth(sandbox.api_token)) as client:
        client.get("/api/v1/users/me")
    wrong_token = "0123456789abcdef0123456789abcdef01234567"
    secrets.add(wrong_token)
    wrong = build_settings(
        {"APIToken": wrong_token, "BaseURL": sandbox.url, "Logfile": str(log), "Verbosity": 5}
    )
    with ApiClient(wrong, ApiTokenAuth(wrong_token)) as client, pytest.raises(AuthenticationError) as refused:
        client.get("/api/v1/users/me")
    # the command line's status
    printed.append(commands.oauth_status(settings))

    for handler in logging.getLogger("pipedrive_sql").handlers:
        handler.flush()
    text = log.read_text()
    assert "GET" in text and "users/me" in text and "refreshed" in text  # the log did record the work
    file_bytes = location.read_bytes()
    shown = "\n".join([*printed, str(refused.value), repr(auth), repr(settings)])
    assert len(secrets) >= 8
    for secret in secrets:
        assert secret not in text, "a secret is in the log"
        assert secret.encode() not in file_bytes, "a secret is in the settings file"
        assert secret not in shown, "a secret is in what the user is shown"


def test_status_says_who_and_until_when_but_never_a_token(sandbox: Sandbox, tmp_path: Path) -> None:
    settings = oauth_settings(sandbox, tmp_path / "s.oauth")
    browser = ConsentBrowser()
    said = commands.oauth_login(settings, browser=browser, echo=lambda text: None)
    browser.join()
    assert "Signed in" in said and str(tmp_path / "s.oauth") in said
    tokens = open_store(settings).load()
    assert tokens is not None
    status = commands.oauth_status(settings)
    assert "Signed in as:" in status and "@" in status and "Expires:" in status and sandbox.url in status
    assert tokens.access_token not in status and tokens.refresh_token not in status  # type: ignore[operator]
    auth, _ = build_auth(settings, browser=no_browser)
    assert isinstance(auth, OAuthAuth)
