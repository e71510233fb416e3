"""Helpers for the end-to-end auth tests: a scripted browser for the sandbox's consent page, and settings."""

from __future__ import annotations

import re
import threading
from collections.abc import Callable
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urljoin, urlsplit

import httpx

from pipedrive_sandbox.server import Sandbox
from pipedrive_sql.settings import Settings, build_settings

_REQUEST_ID = re.compile(r'name="request_id" value="([^"]+)"')
_ACTION = re.compile(r'<form[^>]*action="([^"]+)"')


def consent(url: str, decision: str = "approve") -> str:
    """Play the user on the sandbox's consent page: the Location the decision redirects to."""
    with httpx.Client(timeout=10) as browser:
        page = browser.get(url)
        assert page.status_code == 200, page.text
        request_id = _REQUEST_ID.search(page.text)
        action = _ACTION.search(page.text)
        assert request_id and action, "no consent form on the page"
        answer = browser.post(
            urljoin(url, action.group(1)), data={"request_id": request_id.group(1), "decision": decision}
        )
        assert answer.status_code == 302, answer.text
        return answer.headers["location"]


def code_from(location: str) -> str:
    return parse_qs(urlsplit(location).query)["code"][0]


class ConsentBrowser:
    """A stand-in for the default browser: opens the URL, decides on the consent page, follows the redirect
    to the driver's listener (optionally tampered with), and keeps what the listener showed."""

    def __init__(self, decision: str = "approve", tamper: Callable[[str], str] | None = None) -> None:
        self.decision = decision
        self.tamper = tamper
        self.opened: list[str] = []
        self.locations: list[str] = []
        self.final: httpx.Response | None = None
        self.error: BaseException | None = None
        self._thread: threading.Thread | None = None

    def __call__(self, url: str) -> bool:
        self.opened.append(url)
        self._thread = threading.Thread(target=self._visit, args=(url,), daemon=True)
        self._thread.start()
        return True

    def _visit(self, url: str) -> None:
        try:
            location = consent(url, self.decision)
            self.locations.append(location)
            if self.tamper is not None:
                location = self.tamper(location)
            self.final = httpx.get(location, timeout=30)
        except BaseException as exc:  # reported by the test through .error
            self.error = exc

    def join(self) -> httpx.Response:
        assert self._thread is not None, "the browser was never opened"
        self._thread.join(timeout=30)
        if self.error is not None:
            raise self.error
        assert self.final is not None
        return self.final


def no_browser(url: str) -> bool:
    raise AssertionError(f"a browser was opened but none was expected: {url}")


def oauth_settings(sb: Sandbox, location: Path | str, **props: Any) -> Settings:
    """Settings for OAuth against the sandbox's OAuth server (the app's credentials from the sandbox)."""
    base: dict[str, Any] = {
        "AuthScheme": "OAuth",
        "OAuthClientId": sb.oauth_client_id,
        "OAuthClientSecret": sb.oauth_client_secret,
        "OAuthServerURL": sb.url,
        "CallbackURL": "http://127.0.0.1:0/callback",
        "OAuthSettingsLocation": str(location),
    }
    base.update(props)
    return build_settings({k: v for k, v in base.items() if v is not None})


def approved_code(sb: Sandbox, redirect_uri: str = "http://localhost:33333") -> str:
    """An authorization code as the user would note it from the redirect (no listener involved)."""
    return code_from(consent(sb.authorize_url(redirect_uri, state="s")))
