"""Running the sandbox: ``Sandbox`` (a background server for tests and benchmarks) and ``serve``.

    with Sandbox(scale=200) as sb:
        httpx.get(f"{sb.url}/api/v2/deals", headers={"x-api-token": sb.api_token})
        sb.stats()["by_operation"]            # {"GET /api/v2/deals": 1}
        sb.configure(fault_rate=0.1, faults=["500", "reset"])
        sb.advance_clock(3601)                # OAuth access tokens issued before now have expired

``Sandbox`` binds a free loopback port unless given ``port=``; it builds the store (which takes a while
at large scales) before starting, and ``__enter__`` returns once the server answers.
"""

from __future__ import annotations

import dataclasses
import socket
import sys
import threading
import time
from collections.abc import Sequence
from typing import Any
from urllib.parse import urlencode

import httpx
import uvicorn
from starlette.applications import Starlette
from starlette.routing import BaseRoute

from pipedrive_sandbox.app import SandboxState, build_app
from pipedrive_sandbox.config import SandboxConfig
from pipedrive_sandbox.warmer import warm_lists

STARTUP_TIMEOUT = 30.0  # seconds for the server to answer once the store is built


class SandboxError(RuntimeError):
    pass


class Sandbox:
    """The sandbox on a free port in a background thread; a context manager.

    ``Sandbox(config=None, *, store=None, api_routes=None, **changes)``: ``changes`` override fields of
    ``config`` (``Sandbox(scale=50, plan="lite", fault_rate=0.2)``). The port is 0 (any free port)
    unless ``port`` is among the changes.
    """

    def __init__(
        self,
        config: SandboxConfig | None = None,
        *,
        store: Any = None,
        api_routes: Sequence[BaseRoute] | None = None,
        **changes: Any,
    ) -> None:
        changes.setdefault("port", 0)
        if "faults" in changes and not isinstance(changes["faults"], tuple):
            changes["faults"] = tuple(changes["faults"])
        self._initial = dataclasses.replace(config or SandboxConfig(), **changes)
        self._store = store
        self._api_routes = api_routes
        self._app: Starlette | None = None
        self._server: uvicorn.Server | None = None
        self._thread: threading.Thread | None = None
        self._socket: socket.socket | None = None
        self._client: httpx.Client | None = None  # for the observation endpoints
        self.port = 0

    # ---- lifecycle --------------------------------------------------------------------------------

    def __enter__(self) -> Sandbox:
        self.start()
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.stop()

    def start(self) -> None:
        if self._thread is not None:
            raise SandboxError("this sandbox is already running")
        self._app = build_app(self._initial, store=self._store, api_routes=self._api_routes)
        with_background(self._app.state.sandbox, in_process=True)
        self._socket = bind_socket(self._initial.host, self._initial.port)
        self.port = self._socket.getsockname()[1]
        config = uvicorn.Config(
            self._app,
            log_config=None,  # leave the host process's logging (pytest's capture) alone
            log_level="warning",
            access_log=False,
            http="h11",
            loop="asyncio",
            lifespan="off",
            timeout_graceful_shutdown=1,
            server_header=False,  # Pipedrive does not answer "server: uvicorn"
            date_header=False,  # the app sends Date by the sandbox clock
        )
        self._server = uvicorn.Server(config)
        self._thread = threading.Thread(
            target=self._server.run,
            kwargs={"sockets": [self._socket]},
            name=f"sandbox:{self.port}",
            daemon=True,
        )
        self._thread.start()
        self._wait_until_answering()

    def _wait_until_answering(self) -> None:
        assert self._server is not None and self._thread is not None
        deadline = time.monotonic() + STARTUP_TIMEOUT
        while not self._server.started:
            if not self._thread.is_alive():
                raise SandboxError("the sandbox server stopped while starting; see the log")
            if time.monotonic() > deadline:
                self.stop()
                raise SandboxError(f"the sandbox did not start within {STARTUP_TIMEOUT} seconds")
            time.sleep(0.005)  # polling the server's started flag, not waiting for a guess
        self.stats()  # one real round trip: the server answers

    def stop(self) -> None:
        if self._client is not None:
            self._client.close()
            self._client = None
        if self._server is not None:
            self._server.should_exit = True
        if self._thread is not None:
            self._thread.join(timeout=10)
        if self._socket is not None:
            self._socket.close()
        self._server, self._thread, self._socket = None, None, None

    # ---- what tests need --------------------------------------------------------------------------

    @property
    def state(self) -> SandboxState:
        if self._app is None:
            raise SandboxError("the sandbox is not running: use it as a context manager or call start()")
        state: SandboxState = self._app.state.sandbox
        return state

    @property
    def url(self) -> str:
        """The base URL, e.g. ``http://127.0.0.1:54321`` (what OAuth's ``api_domain`` also says)."""
        return base_url(self._initial.host, self.port)

    @property
    def config(self) -> SandboxConfig:
        """The running configuration (``configure()`` changes it)."""
        return self.state.config

    @property
    def store(self) -> Any:
        return self.state.store

    @property
    def app(self) -> Starlette:
        assert self._app is not None
        return self._app

    @property
    def api_token(self) -> str:
        """The company's main user's API token."""
        return main_api_token(self.state.store, self.state.config)

    @property
    def oauth_client_id(self) -> str:
        return self.state.oauth.client_id

    @property
    def oauth_client_secret(self) -> str:
        return self.state.oauth.client_secret

    def authorize_url(self, redirect_uri: str, state: str | None = None, scope: str | None = None) -> str:
        """The consent page URL for the sandbox's OAuth client."""
        params = {
            "client_id": self.oauth_client_id,
            "redirect_uri": redirect_uri,
            "state": state,
            "scope": scope,
        }
        query = urlencode({k: v for k, v in params.items() if v is not None})
        return f"{self.url}/oauth/authorize?{query}"

    def stats(self) -> dict[str, Any]:
        """``GET /__sandbox/stats``."""
        return self._call("GET", "/__sandbox/stats")

    def reset_stats(self) -> dict[str, Any]:
        """``POST /__sandbox/reset``: counters, rate-limit state and the fault sequence start over."""
        return self._call("POST", "/__sandbox/reset")

    def configure(self, **changes: Any) -> dict[str, Any]:
        """``POST /__sandbox/config``; returns the configuration now in force."""
        if "faults" in changes and not isinstance(changes["faults"], str):
            changes["faults"] = list(changes["faults"])
        return self._call("POST", "/__sandbox/config", changes)

    def advance_clock(self, seconds: float) -> None:
        """Move the sandbox's clock forward (token and code expiry, rate-limit windows)."""
        self._call("POST", "/__sandbox/clock", {"advance": seconds})

    def _call(self, method: str, path: str, body: Any = None) -> dict[str, Any]:
        if self._client is None:
            # Plain HTTP on loopback: no TLS, so skip loading the CA bundle (~0.1 s per client).
            self._client = httpx.Client(verify=False, timeout=10)
        response = self._client.request(method, self.url + path, json=body)
        if response.status_code != 200:
            raise SandboxError(f"{method} {path}: {response.status_code} {response.text}")
        result: dict[str, Any] = response.json()
        return result


# ---- helpers shared with serve() --------------------------------------------------------------------


def bind_socket(host: str, port: int) -> socket.socket:
    """A listening socket; port 0 picks a free one (read it back with ``getsockname``)."""
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    # proto=IPPROTO_TCP matters: asyncio only sets TCP_NODELAY on sockets that say they are TCP, and
    # without it every response waits ~40 ms for a delayed ACK (Nagle) between its head and body.
    sock = socket.socket(family, socket.SOCK_STREAM, socket.IPPROTO_TCP)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
    try:
        sock.bind((host, port))
    except OSError as exc:
        sock.close()
        raise SandboxError(f"cannot listen on {host}:{port}: {exc.strerror}") from exc
    sock.listen(2048)  # listening before the banner is printed: early clients queue, not fail
    sock.set_inheritable(True)
    return sock


def with_background(state: SandboxState, in_process: bool) -> None:
    """What the server does in its idle time: warm the lists (``warmer``), unless configured otherwise;
    by default only in a process of its own."""
    warm = state.config.warm_lists
    if warm or (warm is None and not in_process):
        state.background = warm_lists


def base_url(host: str, port: int) -> str:
    if host in ("0.0.0.0", ""):
        host = "127.0.0.1"
    elif host == "::":
        host = "::1"
    return f"http://[{host}]:{port}" if ":" in host else f"http://{host}:{port}"


def main_api_token(store: Any, config: SandboxConfig) -> str:
    """The main user's API token, wherever the store keeps it."""
    if config.api_token:
        return config.api_token
    for attribute in ("api_token", "main_api_token"):
        token = getattr(store, attribute, None)
        if isinstance(token, str) and token:
            return token
    user = store.users.get(store.main_user_id, {})
    token = user.get("api_token")
    if not token:
        raise SandboxError("the store does not say what the main user's API token is")
    return str(token)


def banner(state: SandboxState, url: str) -> list[str]:
    """What ``serve`` prints first: the base URL and the credentials to use it with."""
    config = state.config
    limits = f"plan {config.plan}" if config.rate_limit else "no rate limits"
    return [
        f"Pipedrive sandbox running at {url}",
        f"  API token:           {main_api_token(state.store, config)}",
        f"  OAuth client id:     {state.oauth.client_id}",
        f"  OAuth client secret: {state.oauth.client_secret}",
        f"  OAuth authorize URL: {url}/oauth/authorize",
        f"  Company:             {state.store.company_domain} (seed {config.seed}, {config.scale} deals, {limits})",
        "Press Ctrl+C to stop.",
    ]


def serve(config: SandboxConfig) -> None:
    """Run the sandbox in the foreground until interrupted; print its URL and credentials first."""
    # Generating a large company takes a while: say so on stderr, keeping stdout's first line the URL.
    print(
        f"Generating the sandbox's data ({config.scale} deals, seed {config.seed})...",
        file=sys.stderr,
        flush=True,
    )
    app = build_app(config)
    state: SandboxState = app.state.sandbox
    with_background(state, in_process=False)
    sock = bind_socket(config.host, config.port)
    url = base_url(config.host, sock.getsockname()[1])
    for line in banner(state, url):
        print(line, flush=True)
    server = uvicorn.Server(
        uvicorn.Config(
            app,
            log_level="info",
            http="h11",
            loop="asyncio",
            lifespan="off",
            timeout_graceful_shutdown=2,
            server_header=False,
            date_header=False,
        )
    )
    try:
        server.run(sockets=[sock])
    finally:
        sock.close()
