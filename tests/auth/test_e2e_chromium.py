"""The desktop sign-in with a real browser: Debian's headless Chromium driven by Playwright.

It opens the URL the driver gives, clicks the approve button on the sandbox's consent page, and the
driver's loopback listener receives the redirect and shows "Sign-in complete ... close this window".
Needs ``apt-get install chromium`` and ``pip install playwright`` (no ``playwright install``: the system
Chromium is used through ``executable_path``).
"""

from __future__ import annotations

import threading
from pathlib import Path

import pytest

from pipedrive_sandbox.server import Sandbox
from pipedrive_sql.api import ApiClient
from pipedrive_sql.auth import build_auth

from .helpers import oauth_settings

CHROMIUM = Path("/usr/bin/chromium")
ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]

pytestmark = [
    pytest.mark.browser,
    pytest.mark.skipif(
        not CHROMIUM.exists(), reason="Debian's chromium is not installed (/usr/bin/chromium)"
    ),
]


class Chromium:
    """The default browser, as far as the driver knows: a callable that opens a URL."""

    def __init__(self) -> None:
        self.final_url = ""
        self.heading = ""
        self.text = ""
        self.error: BaseException | None = None
        self._thread: threading.Thread | None = None

    def __call__(self, url: str) -> bool:
        # Playwright's sync API stays on the thread that started it; the driver waits on its own thread.
        self._thread = threading.Thread(target=self._run, args=(url,), daemon=True)
        self._thread.start()
        return True

    def _run(self, url: str) -> None:
        from playwright.sync_api import sync_playwright

        try:
            with sync_playwright() as pw:
                browser = pw.chromium.launch(executable_path=str(CHROMIUM), args=ARGS, headless=True)
                try:
                    page = browser.new_page()
                    page.goto(url)
                    page.click("button[name=decision][value=approve]")
                    page.wait_for_selector("text=Sign-in complete", timeout=30_000)
                    self.final_url = page.url
                    self.heading = page.inner_text("h1")
                    self.text = page.inner_text("body")
                finally:
                    browser.close()
        except BaseException as exc:
            self.error = exc

    def join(self) -> None:
        assert self._thread is not None, "the driver never opened the browser"
        self._thread.join(timeout=60)
        if self.error is not None:
            raise self.error


def test_desktop_sign_in_with_headless_chromium(sandbox: Sandbox, tmp_path: Path) -> None:
    settings = oauth_settings(sandbox, tmp_path / "chromium.oauth", CallbackURL="http://localhost:0/callback")
    chromium = Chromium()
    auth, base = build_auth(settings, browser=chromium, echo=lambda text: None, sign_in_timeout=60)
    chromium.join()
    assert chromium.final_url.startswith("http://localhost:") and "/callback?code=" in chromium.final_url
    assert chromium.heading == "Sign-in complete"
    assert "You can close this window" in chromium.text
    with ApiClient(settings, auth, base_url=base) as client:
        assert client.get("/api/v1/users/me").data
