"""The loopback listener of the desktop sign-in, with the browser and the OAuth server played in-process.

The same flow against the sandbox's real consent page is in test_e2e_flows.py.
"""

from __future__ import annotations

import socket
import threading
from collections.abc import Callable
from urllib.parse import parse_qs, urlencode, urlsplit

import httpx
import pytest

from pipedrive_sql.auth import OAuthEndpoints, run_desktop_flow
from pipedrive_sql.auth.desktop import CallbackListener
from pipedrive_sql.errors import ConfigurationError, OAuthError

from .fakes import CLIENT_ID, CLIENT_SECRET, SERVER, FakeOAuth

ENDPOINTS = OAuthEndpoints(SERVER, CLIENT_ID, CLIENT_SECRET)


class Browser:
    """Plays the browser and the authorization server: answers the authorization URL with a redirect."""

    def __init__(self, answer: Callable[[dict[str, str]], dict[str, str]]) -> None:
        self.answer = answer
        self.pages: list[httpx.Response] = []
        self.opened: list[str] = []
        self._threads: list[threading.Thread] = []

    def __call__(self, url: str) -> bool:
        self.opened.append(url)
        query = {k: v[0] for k, v in parse_qs(urlsplit(url).query).items()}
        target = query["redirect_uri"] + "?" + urlencode(self.answer(query))
        thread = threading.Thread(target=lambda: self.pages.append(httpx.get(target, timeout=10)))
        thread.start()
        self._threads.append(thread)
        return True

    def join(self) -> None:
        for t in self._threads:
            t.join(timeout=10)


def approve(query: dict[str, str]) -> dict[str, str]:
    return {"code": "code-1", "state": query["state"]}


def run(browser: Browser, fake: FakeOAuth | None = None, **kw: object):
    with (fake or FakeOAuth()).client() as http:
        try:
            return run_desktop_flow(
                ENDPOINTS, http, callback_url="http://127.0.0.1:0/callback", browser=browser, **kw
            )
        finally:
            browser.join()


def test_approved_sign_in_exchanges_the_code_and_tells_the_browser() -> None:
    fake = FakeOAuth()
    browser = Browser(approve)
    tokens = run(browser, fake)
    assert tokens.access_token.startswith("access-") and tokens.api_domain
    assert fake.token_calls[0]["grant_type"] == "authorization_code"
    assert fake.token_calls[0]["redirect_uri"].startswith("http://127.0.0.1:")
    page = browser.pages[0]
    assert page.status_code == 200 and "Sign-in complete" in page.text and "close this window" in page.text
    assert "code-1" not in page.text


def test_state_is_random_and_long() -> None:
    states = []
    for _ in range(2):
        b = Browser(approve)
        run(b)
        states.append(parse_qs(urlsplit(b.opened[0]).query)["state"][0])
    assert states[0] != states[1] and len(states[0]) >= 32


def test_denied_sign_in_is_a_clear_error_and_an_error_page() -> None:
    browser = Browser(lambda q: {"error": "user_denied", "state": q["state"]})
    with pytest.raises(OAuthError, match="not approved") as caught:
        run(browser)
    assert caught.value.error == "user_denied"
    assert browser.pages[0].status_code == 400 and "Sign-in failed" in browser.pages[0].text


def test_redirect_with_another_state_is_refused() -> None:
    fake = FakeOAuth()
    browser = Browser(lambda q: {"code": "code-1", "state": "forged"})
    with pytest.raises(OAuthError, match="different state") as caught:
        run(browser, fake)
    assert caught.value.error == "state_mismatch"
    assert fake.token_calls == []  # the code was never exchanged
    assert "Sign-in failed" in browser.pages[0].text


def test_refused_code_shows_an_error_page() -> None:
    browser = Browser(lambda q: {"code": "unknown-code", "state": q["state"]})
    with pytest.raises(OAuthError, match="authorization code was refused"):
        run(browser)
    assert "Sign-in failed" in browser.pages[0].text


def test_no_answer_times_out_with_a_clear_error() -> None:
    with (
        pytest.raises(OAuthError, match="No answer from the browser within 0 s") as caught,
        FakeOAuth().client() as http,
    ):
        run_desktop_flow(
            ENDPOINTS, http, callback_url="http://127.0.0.1:0/cb", browser=lambda url: True, timeout=0.2
        )
    assert caught.value.error == "timeout"


def test_without_a_browser_the_url_is_printed() -> None:
    said: list[str] = []
    with pytest.raises(OAuthError), FakeOAuth().client() as http:
        run_desktop_flow(
            ENDPOINTS,
            http,
            callback_url="http://127.0.0.1:0/cb",
            browser=lambda url: False,
            echo=said.append,
            timeout=0.1,
        )
    assert "Open this URL" in said[0] and f"{SERVER}/oauth/authorize?client_id={CLIENT_ID}" in said[0]


def test_only_one_redirect_is_accepted_and_other_paths_are_ignored() -> None:
    with CallbackListener("http://127.0.0.1:0/cb", "s" * 43) as listener:
        base = listener.redirect_uri
        assert httpx.get(base.replace("/cb", "/favicon.ico")).status_code == 404
        assert httpx.get(base).status_code == 400  # no code, no error: not an answer
        first = threading.Thread(target=lambda: httpx.get(base + "?code=c&state=" + "s" * 43, timeout=10))
        first.start()
        assert listener.wait(5) == "c"
        second = httpx.get(base + "?code=d&state=" + "s" * 43, timeout=10)
        assert second.status_code == 409
        listener.finish(True, "done")
        first.join(5)


def test_busy_port_is_a_clear_error_naming_callback_url() -> None:
    with socket.socket() as busy:
        busy.bind(("127.0.0.1", 0))
        busy.listen()
        port = busy.getsockname()[1]
        with pytest.raises(ConfigurationError, match="another program uses that port") as caught:
            CallbackListener(f"http://localhost:{port}", "s")
    assert caught.value.property == "CallbackURL"


@pytest.mark.parametrize("url", ["https://localhost:33333", "http://example.com:33333", "http://10.0.0.1:80"])
def test_callback_url_must_be_loopback_http(url: str) -> None:
    with pytest.raises(ConfigurationError, match="loopback"):
        CallbackListener(url, "s")


def test_ipv6_loopback_callback() -> None:
    try:
        listener = CallbackListener("http://[::1]:0/cb", "s" * 43)
    except ConfigurationError:
        pytest.skip("this machine has no IPv6 loopback")
    with listener:
        assert listener.redirect_uri.startswith("http://[::1]:")
        assert httpx.get(listener.redirect_uri.replace("/cb", "/other")).status_code == 404
