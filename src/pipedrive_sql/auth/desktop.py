"""The desktop sign-in: a loopback listener on CallbackURL, the browser, one redirect, one code exchange.

1. Listen on CallbackURL's loopback host and port (before opening the browser, so a busy port is reported
   rather than a redirect lost).
2. Open the authorization URL, with a fresh random ``state``, in the default browser; where there is none,
   print the URL for the user to open anywhere that can reach this machine's loopback (or use the headless
   flow instead).
3. Accept exactly one redirect to CallbackURL's path whose ``state`` matches (compared in constant time).
   A redirect with another state ends the sign-in with an error: it is not the answer to this request.
4. Exchange the code, then answer the browser: "sign-in complete, you can close this window", or what failed.
"""

from __future__ import annotations

import hmac
import html
import queue
import secrets
import socket
import sys
import threading
import webbrowser
from collections.abc import Callable
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, urlsplit

import httpx

from pipedrive_sql.auth.endpoints import OAuthEndpoints
from pipedrive_sql.auth.tokens import TokenSet
from pipedrive_sql.errors import ConfigurationError, OAuthError

__all__ = ["CallbackListener", "open_browser", "run_desktop_flow"]

DEFAULT_TIMEOUT = 300.0  # Pipedrive's codes live 5 minutes; waiting longer cannot succeed
_LOOPBACK_NAMES = {"localhost": "127.0.0.1", "127.0.0.1": "127.0.0.1", "::1": "::1", "[::1]": "::1"}


def open_browser(url: str) -> bool:
    """Open ``url`` in the default browser; False when there is none. Tests replace this function."""
    try:
        return webbrowser.open(url, new=1, autoraise=True)
    except webbrowser.Error:
        return False


@dataclass
class _Redirect:
    code: str | None
    error: str | None


class _Server(ThreadingHTTPServer):
    daemon_threads = True  # a browser's idle preconnect socket must not keep the process alive
    listener: CallbackListener


class _Server6(_Server):
    address_family = socket.AF_INET6


class _Handler(BaseHTTPRequestHandler):
    server: _Server
    timeout = 30

    def do_GET(self) -> None:
        self.server.listener.handle(self)

    def log_message(self, format: str, *args: Any) -> None:
        pass  # the query string holds the code: never let http.server print it


class CallbackListener:
    """Listens on CallbackURL for the one redirect of one sign-in. Use as a context manager."""

    def __init__(self, callback_url: str, state: str) -> None:
        parts = urlsplit(callback_url)
        host = (parts.hostname or "").lower()
        bind = _LOOPBACK_NAMES.get(host) or (host if host.startswith("127.") else None)
        if parts.scheme != "http" or bind is None:
            raise ConfigurationError(
                f"CallbackURL={callback_url!r} cannot receive the desktop sign-in: it must be an http:// URL on "
                "this machine's loopback (localhost, 127.0.0.1 or [::1]), e.g. http://localhost:33333, and be "
                "registered as the callback URL of your app. On a machine without a browser use the headless "
                "flow (InitiateOAuth=REFRESH with OAuthVerifier).",
                property="CallbackURL",
            )
        self._state = state
        self._path = parts.path or "/"
        self._results: queue.Queue[_Redirect] = queue.Queue()
        self._outcome = threading.Event()
        self._outcome_page: tuple[int, str] = (500, "")
        self._accepted = False
        self._answered = threading.Event()
        self._accept_lock = threading.Lock()
        self._server = self._bind(bind, 80 if parts.port is None else parts.port, callback_url)
        self._server.listener = self
        port = self._server.server_address[1]
        # Port 0 asks for any free port: the redirect URI then names the one we got.
        netloc = f"[{host.strip('[]')}]" if ":" in host else host
        self.redirect_uri = f"http://{netloc}:{port}{parts.path}" if parts.port == 0 else callback_url
        self._thread = threading.Thread(
            # a short poll interval: shutdown() waits up to one interval for the loop to notice
            target=self._server.serve_forever,
            kwargs={"poll_interval": 0.05},
            name="oauth-callback",
            daemon=True,
        )

    @staticmethod
    def _bind(host: str, port: int, callback_url: str) -> _Server:
        server_class = _Server6 if ":" in host else _Server
        try:
            return server_class((host, port), _Handler)
        except OSError as exc:
            raise ConfigurationError(
                f"Cannot listen on {callback_url} for the sign-in ({exc.strerror or exc}): another program "
                "uses that port. Close it, or choose another CallbackURL (and register it in your app).",
                property="CallbackURL",
            ) from None

    def __enter__(self) -> CallbackListener:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.finish(False, "The sign-in was abandoned. Close this window and try again.")
        if self._accepted:  # let the browser get its page before the listener goes away
            self._answered.wait(timeout=5)
        self._server.shutdown()
        self._server.server_close()

    # --- the handler side (server threads) -----------------------------------------------------------------

    def handle(self, handler: _Handler) -> None:
        parts = urlsplit(handler.path)
        if parts.path != self._path:
            _answer(handler, 404, "Not found", "This is pipedrive-sql's sign-in listener.")
            return
        query = parse_qs(parts.query)
        code = _first(query, "code")
        error = _first(query, "error")
        state = _first(query, "state")
        if code is None and error is None:
            _answer(handler, 400, "Nothing to do", "This address only receives the answer of a sign-in.")
            return
        with self._accept_lock:
            if self._accepted:
                _answer(handler, 409, "Sign-in already answered", "This sign-in has already been answered.")
                return
            self._accepted = True
        if state is None and error is not None:
            self._results.put(_Redirect(None, error))  # a denial that did not echo the state
        elif state is None or not hmac.compare_digest(state.encode(), self._state.encode()):
            self._results.put(_Redirect(None, "state_mismatch"))
        else:
            self._results.put(_Redirect(code, error))
        # Answer once the driver knows whether the code exchange worked, so the page tells the truth.
        self._outcome.wait(timeout=60)
        status, body = self._outcome_page
        handler.send_response(status)
        handler.send_header("Content-Type", "text/html; charset=utf-8")
        handler.send_header("Cache-Control", "no-store")
        handler.send_header("Content-Length", str(len(body.encode())))
        handler.end_headers()
        try:
            handler.wfile.write(body.encode())
        finally:
            self._answered.set()

    # --- the driver side -------------------------------------------------------------------------------------

    def wait(self, timeout: float) -> str:
        """The code of the accepted redirect; an OAuthError for a denial, another state or no answer."""
        try:
            result = self._results.get(timeout=timeout)
        except queue.Empty:
            raise OAuthError(
                f"No answer from the browser within {timeout:.0f} s, so the sign-in was not completed. Run it "
                "again and approve the access in the browser; on a machine without a browser use the "
                "headless flow (InitiateOAuth=REFRESH with OAuthVerifier).",
                error="timeout",
            ) from None
        if result.error == "state_mismatch":
            self.finish(
                False, "This answer does not belong to the sign-in that is waiting, so it was refused."
            )
            raise OAuthError(
                "The sign-in redirect carried a different state than this sign-in sent, so it was refused (it "
                "is not the answer to this request). Start the sign-in again.",
                error="state_mismatch",
            )
        if result.error is not None or not result.code:
            self.finish(False, "Access was not granted. You can close this window.")
            raise OAuthError(
                f"The sign-in was not approved in the browser ({result.error or 'no code'}). Run it again and "
                "choose Approve (Allow) on Pipedrive's consent page.",
                error=result.error or "no_code",
            )
        return result.code

    def finish(self, ok: bool, message: str) -> None:
        """Release the waiting browser request with the page for this outcome (first call wins)."""
        if self._outcome.is_set():
            return
        title = "Sign-in complete" if ok else "Sign-in failed"
        self._outcome_page = (200 if ok else 400, _page(title, message))
        self._outcome.set()


def run_desktop_flow(
    endpoints: OAuthEndpoints,
    http: httpx.Client,
    *,
    callback_url: str,
    scope: str | None = None,
    browser: Callable[[str], bool] | None = None,
    timeout: float = DEFAULT_TIMEOUT,
    echo: Callable[[str], object] | None = None,
) -> TokenSet:
    """Sign in with the browser and return the new tokens (not yet saved anywhere)."""
    state = secrets.token_urlsafe(32)
    say = echo or _stderr
    with CallbackListener(callback_url, state) as listener:
        url = endpoints.authorization_url(listener.redirect_uri, state=state, scope=scope)
        opener = browser or open_browser
        if opener(url):
            say("A browser window was opened to sign in to Pipedrive; waiting for the approval...")
        else:
            say(f"Open this URL in a browser on this machine to sign in to Pipedrive:\n\n    {url}\n")
        code = listener.wait(timeout)
        try:
            tokens = endpoints.exchange_code(http, code, listener.redirect_uri)
        except OAuthError:
            listener.finish(False, "Pipedrive did not accept the sign-in. See the program for details.")
            raise
        listener.finish(True, "Sign-in complete. You can close this window and return to the program.")
        return tokens


def _stderr(text: str) -> None:
    print(text, file=sys.stderr, flush=True)


def _first(query: dict[str, list[str]], name: str) -> str | None:
    values = query.get(name)
    return values[0] if values else None


def _page(title: str, message: str) -> str:
    return (
        "<!doctype html><html lang='en'><head><meta charset='utf-8'>"
        f"<title>pipedrive-sql: {html.escape(title)}</title>"
        "<style>body{font-family:system-ui,sans-serif;margin:4em auto;max-width:32em;color:#222}</style>"
        f"</head><body><h1>{html.escape(title)}</h1><p>{html.escape(message)}</p></body></html>"
    )


def _answer(handler: _Handler, status: int, title: str, message: str) -> None:
    body = _page(title, message).encode()
    handler.send_response(status)
    handler.send_header("Content-Type", "text/html; charset=utf-8")
    handler.send_header("Content-Length", str(len(body)))
    handler.end_headers()
    handler.wfile.write(body)
