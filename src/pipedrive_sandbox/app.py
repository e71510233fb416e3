"""The ASGI application: the API routes wrapped in what every Pipedrive call goes through.

For each API request (``/api/...`` and ``/v1/...``) ``SandboxMiddleware`` does, in order:

1. finds the route and its path template (``GET /api/v2/deals/{id}``) and counts the request;
2. waits ``latency_ms``;
3. draws this request's fault (reproducible from the seed; see ``faults``) and answers it if the fault
   is a 429/500/502/503, or holds the request if it is ``slow``;
4. authenticates: ``x-api-token`` header, ``api_token`` query parameter, or ``Authorization: Bearer``
   with an OAuth access token; otherwise 401 ``unauthorized access`` (Pipedrive's body, also for an
   unknown path, as the live API does);
5. answers 404 ``Unknown method .`` (or 405) when no route matches, and 403 ``Scope and URL
   mismatch`` when an OAuth token has none of the operation's documented scopes;
6. applies the rate limits and charges the operation's ``x-token-cost`` (see ``limits``);
7. runs the handler with ``request.state.user_id`` set, adding the rate-limit headers to its answer,
   and for a ``reset`` fault drops the connection after part of the body.

``/oauth/*`` and ``/__sandbox/*`` are neither rate limited nor faulted. The observation endpoints:

- ``GET /__sandbox/stats``: ``{"total", "by_operation": {"GET /api/v2/deals": n}, "by_status",
  "tokens_spent", "rate_limited" (429s sent), "blocked" (403s), "unauthorized" (401s),
  "faults": {"500": n, ...}, "oauth_requests", "limits": {...}, "config": {...}, "clock_offset"}``;
- ``POST /__sandbox/reset``: zero the counters, forget rate-limit windows, blocks and the day's
  spending, and restart the fault sequence from the seed;
- ``GET|POST /__sandbox/config``: read or change (JSON object) ``latency_ms``, ``fault_rate``,
  ``faults``, ``slow_ms``, ``rate_limit``, ``plan``, ``daily_budget``, ``token_lifetime``,
  ``auto_approve``, ``block_after``, ``block_seconds``;
- ``POST /__sandbox/clock`` ``{"advance": seconds}``: move the sandbox's clock forward (token and code
  expiry, rate-limit windows, the budget's day) instead of sleeping.
"""

from __future__ import annotations

import asyncio
import dataclasses
import email.utils
import importlib
import logging
import time
from collections import Counter
from collections.abc import Callable, Coroutine, Sequence
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import parse_qsl

import orjson
from starlette.applications import Starlette
from starlette.exceptions import HTTPException
from starlette.middleware import Middleware
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import BaseRoute, Match, Mount, Route
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from pipedrive_sandbox import spec
from pipedrive_sandbox.clock import Clock
from pipedrive_sandbox.config import FAULT_KINDS, PLANS, SandboxConfig
from pipedrive_sandbox.faults import FaultInjector, fault_response
from pipedrive_sandbox.limits import Caller, Decision, RateLimiter, too_many_requests
from pipedrive_sandbox.oauth import OAuthServer
from pipedrive_sandbox.pages import cloudflare_blocked
from pipedrive_sandbox.responses import JSON, error

API_PREFIXES = ("/api/", "/v1/")


class ConnectionDropped(Exception):
    """Raised after a partial body so the server closes the socket (the ``reset`` fault)."""


class _DropConnectionNoise(logging.Filter):
    """Keep the server's log quiet about connections the sandbox drops on purpose."""

    def filter(self, record: logging.LogRecord) -> bool:
        return not (record.exc_info and isinstance(record.exc_info[1], ConnectionDropped))


# ---- counters ---------------------------------------------------------------------------------------


@dataclass
class Stats:
    total: int = 0
    by_operation: Counter[str] = field(default_factory=Counter)
    by_status: Counter[int] = field(default_factory=Counter)
    tokens_spent: int = 0
    rate_limited: int = 0
    blocked: int = 0
    unauthorized: int = 0
    faults: Counter[str] = field(default_factory=Counter)
    oauth_requests: int = 0
    since: float = field(default_factory=time.time)

    def reset(self) -> None:
        fresh = Stats()
        for f in dataclasses.fields(self):
            setattr(self, f.name, getattr(fresh, f.name))

    def record_status(self, status: int) -> None:
        self.by_status[status] += 1
        if status == 429:
            self.rate_limited += 1
        elif status == 401:
            self.unauthorized += 1

    def snapshot(self) -> dict[str, Any]:
        return {
            "total": self.total,
            "by_operation": dict(self.by_operation),
            "by_status": {str(k): v for k, v in sorted(self.by_status.items())},
            "tokens_spent": self.tokens_spent,
            "rate_limited": self.rate_limited,
            "blocked": self.blocked,
            "unauthorized": self.unauthorized,
            "faults": dict(self.faults),
            "oauth_requests": self.oauth_requests,
            "since": self.since,
        }


@dataclass
class SandboxState:
    """Everything the middleware and the observation endpoints share (``app.state.sandbox``)."""

    config: SandboxConfig
    store: Any
    clock: Clock
    limiter: RateLimiter
    faults: FaultInjector
    oauth: OAuthServer
    stats: Stats
    last_api_call: float = 0.0  # time.monotonic() when the last API request came in
    # Work for the server's idle time, started on the first API request (``warmer.warm_lists``)
    background: Callable[[SandboxState], Coroutine[Any, Any, None]] | None = None
    background_task: asyncio.Task[None] | None = None


# ---- route matching ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class RouteMatch:
    template: str | None  # the matched path template, convertors stripped; None if nothing matched
    full: bool  # False: the path exists but not for this method (405)


def route_template(path: str) -> str:
    """``/api/v2/deals/{id:int}`` -> ``/api/v2/deals/{id}``: how Pipedrive's documents spell templates."""
    out, depth, skipping = [], 0, False
    for ch in path:
        if ch == "{":
            depth, skipping = depth + 1, False
        elif ch == "}":
            depth, skipping = depth - 1, False
        elif ch == ":" and depth:
            skipping = True
            continue
        if not skipping:
            out.append(ch)
    return "".join(out)


def match_route(routes: Sequence[BaseRoute], scope: Scope, prefix: str = "") -> RouteMatch:
    partial: RouteMatch | None = None
    for route in routes:
        matched, child = route.matches(scope)
        if matched == Match.NONE:
            continue
        if isinstance(route, Mount):
            inner = match_route(route.routes, {**scope, **child}, prefix + route.path)
            if inner.template is not None and inner.full:
                return inner
            partial = partial or (inner if inner.template else None)
            continue
        template = route_template(prefix + getattr(route, "path", ""))
        if matched == Match.FULL:
            return RouteMatch(template, True)
        partial = partial or RouteMatch(template, False)
    return partial or RouteMatch(None, False)


def route_operations(routes: Sequence[BaseRoute], prefix: str = "") -> list[tuple[str, str]]:
    """Every ``(METHOD, template)`` the routes serve (HEAD aside)."""
    found: list[tuple[str, str]] = []
    for route in routes:
        if isinstance(route, Mount):
            found += route_operations(route.routes, prefix + route.path)
        elif isinstance(route, Route):
            template = route_template(prefix + route.path)
            found += [(m, template) for m in sorted(route.methods or ()) if m != "HEAD"]
    return found


def is_api_path(path: str) -> bool:
    return path.startswith(API_PREFIXES)


# ---- authentication ---------------------------------------------------------------------------------


def _header(scope: Scope, name: bytes) -> str | None:
    for key, value in scope["headers"]:
        if key == name:
            return str(value.decode("latin-1"))
    return None


def _query_param(scope: Scope, name: str) -> str | None:
    for key, value in parse_qsl(scope.get("query_string", b"").decode("latin-1")):
        if key == name:
            return value
    return None


@dataclass(frozen=True)
class Identity:
    caller: Caller
    user_id: int
    scopes: frozenset[str] | None  # OAuth scopes granted; None for an API token (which may do anything)


def authenticate(scope: Scope, state: SandboxState) -> Identity | None:
    """Who is calling, or None when no credential is valid."""
    api_token = _header(scope, b"x-api-token") or _query_param(scope, "api_token")
    if api_token:
        user_id = state.store.user_for_api_token(api_token)
        return Identity(Caller(api_token, "api_token"), user_id, None) if user_id is not None else None
    scheme, _, token = (_header(scope, b"authorization") or "").partition(" ")
    token = token.strip()
    if scheme.lower() == "bearer" and token:
        grant = state.oauth.grant_for_access_token(token)
        return Identity(Caller(token, "oauth"), *grant) if grant is not None else None
    return None


def unauthorized() -> JSON:
    # The body the live API sends for a missing, unknown or expired credential, on any path.
    return error(401, "unauthorized access", "Please check developers.pipedrive.com", errorCode=401)


# ---- the middleware ---------------------------------------------------------------------------------


class SandboxMiddleware:
    """Pure ASGI (not BaseHTTPMiddleware): it must be able to drop a connection mid-body."""

    def __init__(self, app: ASGIApp, api_routes: Sequence[BaseRoute]) -> None:
        self.app = app
        self.api_routes = list(api_routes)
        # Costs and scopes are looked up once, here: reading the OpenAPI documents takes a while.
        operations = route_operations(self.api_routes)
        self.costs = {op: spec.token_cost(*op) for op in operations}
        self.scopes = {
            op: documented.oauth_scopes for op in operations if (documented := spec.operation(*op))
        }
        spec.oauth_scopes()

    def cost(self, method: str, template: str) -> int:
        method = "GET" if method == "HEAD" else method
        cost = self.costs.get((method, template))
        return cost if cost is not None else spec.token_cost(method, template)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http":
            send = _dated(scope["app"].state.sandbox.clock, send)
        if scope["type"] != "http" or not is_api_path(scope["path"]):
            if scope["type"] == "http" and scope["path"].startswith("/oauth/"):
                scope["app"].state.sandbox.stats.oauth_requests += 1
            await self.app(scope, receive, send)
            return
        await self._api_call(scope["app"].state.sandbox, scope, receive, send)

    async def _api_call(self, state: SandboxState, scope: Scope, receive: Receive, send: Send) -> None:
        state.last_api_call = time.monotonic()
        if state.background is not None and state.background_task is None:
            state.background_task = asyncio.get_running_loop().create_task(state.background(state))
        method = scope["method"]
        found = match_route(self.api_routes, scope)
        state.stats.total += 1
        if found.template is not None:
            state.stats.by_operation[f"{method} {found.template}"] += 1
        send = self._recording(state, send)

        if state.faults.latency_seconds:
            await asyncio.sleep(state.faults.latency_seconds)
        fault = state.faults.draw()
        if fault is not None:
            state.stats.faults[fault.kind] += 1
            if fault.short_circuits:
                await fault_response(fault, _host(scope))(scope, receive, send)
                return
            if fault.kind == "slow":
                await asyncio.sleep(state.faults.slow_seconds)

        identity = authenticate(scope, state)
        if identity is None:
            await unauthorized()(scope, receive, send)
            return
        if found.template is None or not found.full:
            await _no_route(found)(scope, receive, send)
            return
        if not self._in_scope(identity, method, found.template):
            await _scope_mismatch()(scope, receive, send)
            return

        caller, user_id = identity.caller, identity.user_id
        decision = state.limiter.admit(caller, method, found.template, self.cost(method, found.template))
        if not decision.admitted:
            await _refusal(state, decision, scope)(scope, receive, send)
            return
        state.stats.tokens_spent += decision.cost
        request_state = scope.setdefault("state", {})
        request_state.update(user_id=user_id, auth_kind=caller.kind)
        send = _with_headers(send, decision.headers)
        if fault is not None and fault.kind == "reset":
            await self._run_then_drop(scope, receive, send)
        else:
            await self.app(scope, receive, send)

    def _in_scope(self, identity: Identity, method: str, template: str) -> bool:
        if identity.scopes is None:
            return True
        needed = self.scopes.get(("GET" if method == "HEAD" else method, template), ())
        return not needed or not identity.scopes.isdisjoint(needed)

    def _recording(self, state: SandboxState, send: Send) -> Send:
        async def recording_send(message: Message) -> None:
            if message["type"] == "http.response.start":
                state.stats.record_status(message["status"])
            await send(message)

        return recording_send

    async def _run_then_drop(self, scope: Scope, receive: Receive, send: Send) -> None:
        """Run the handler, send its headers and half its body, then kill the connection."""
        messages: list[Message] = []

        async def capture(message: Message) -> None:
            messages.append(message)

        await self.app(scope, receive, capture)
        start = messages[0]
        body = b"".join(m.get("body", b"") for m in messages[1:])
        await send(start)
        await send({"type": "http.response.body", "body": body[: len(body) // 2], "more_body": True})
        raise ConnectionDropped("reset fault: connection dropped mid-response")


def _dated(clock: Clock, send: Send) -> Send:
    """The ``Date`` header by the sandbox clock (uvicorn's own is off): a client that takes the server's
    time from it (the driver's incremental marks) sees the clock a test advanced."""

    async def send_dated(message: Message) -> None:
        if message["type"] == "http.response.start":
            date = email.utils.formatdate(clock.time(), usegmt=True).encode("latin-1")
            kept = [(k, v) for k, v in message.get("headers", []) if k.lower() != b"date"]
            message = {**message, "headers": [*kept, (b"date", date)]}
        await send(message)

    return send_dated


def _with_headers(send: Send, headers: dict[str, str]) -> Send:
    if not headers:
        return send
    extra = [(k.encode("latin-1"), v.encode("latin-1")) for k, v in headers.items()]

    async def send_with_headers(message: Message) -> None:
        if message["type"] == "http.response.start":
            message = {**message, "headers": [*message.get("headers", []), *extra]}
        await send(message)

    return send_with_headers


def _host(scope: Scope) -> str:
    return _header(scope, b"host") or "api.pipedrive.com"


def _scope_mismatch() -> JSON:
    return error(403, "Scope and URL mismatch", errorCode=403)


def _no_route(found: RouteMatch) -> JSON:
    if found.template is not None:
        return error(405, "Method not allowed", errorCode=405)
    return error(404, "Unknown method .", errorCode=404)


def _refusal(state: SandboxState, decision: Decision, scope: Scope) -> Response:
    if decision.verdict == "blocked":
        state.stats.blocked += 1
        client = scope.get("client") or ("127.0.0.1", 0)
        return cloudflare_blocked(_host(scope), str(client[0]))
    return too_many_requests(decision, state.limiter.daily_budget)


# ---- observation endpoints --------------------------------------------------------------------------

CONFIGURABLE = {
    "latency_ms": int,
    "fault_rate": float,
    "faults": tuple,
    "slow_ms": int,
    "rate_limit": bool,
    "plan": str,
    "daily_budget": int,
    "token_lifetime": int,
    "auto_approve": bool,
    "block_after": int,
    "block_seconds": float,
}


def _state(request: Request) -> SandboxState:
    state: SandboxState = request.app.state.sandbox
    return state


async def stats_endpoint(request: Request) -> JSON:
    state = _state(request)
    body = state.stats.snapshot()
    body.update(
        limits=state.limiter.state(),
        config=config_view(state.config),
        clock_offset=state.clock.offset,
    )
    return JSON(body)


async def reset_endpoint(request: Request) -> JSON:
    state = _state(request)
    state.stats.reset()
    state.limiter.reset()
    state.faults.reseed()
    return JSON(state.stats.snapshot())


async def config_endpoint(request: Request) -> JSON:
    state = _state(request)
    if request.method == "POST":
        try:
            changes = orjson.loads(await request.body() or b"{}")
            apply_config_changes(state, changes)
        except (ValueError, TypeError) as exc:
            return error(400, f"Invalid sandbox configuration: {exc}")
    return JSON(config_view(state.config))


async def clock_endpoint(request: Request) -> JSON:
    state = _state(request)
    try:
        body = orjson.loads(await request.body() or b"{}")
        state.clock.advance(float(body.get("advance", 0)))
    except (ValueError, TypeError, AttributeError) as exc:
        return error(400, f"Invalid clock change: {exc}")
    return JSON({"offset": state.clock.offset, "time": state.clock.time()})


def config_view(config: SandboxConfig) -> dict[str, Any]:
    view = dataclasses.asdict(config)
    view["faults"] = list(config.faults)
    view.pop("oauth_client_secret", None)
    return view


def _coerce(key: str, value: Any) -> Any:
    kind = CONFIGURABLE[key]
    if key == "daily_budget" and value is None:
        return None
    if kind is tuple:
        items = value.split(",") if isinstance(value, str) else list(value)
        kinds = tuple(str(k).strip() for k in items if str(k).strip())
        unknown = [k for k in kinds if k not in FAULT_KINDS]
        if unknown:
            raise ValueError(f"unknown fault kinds {unknown}; choose from {list(FAULT_KINDS)}")
        return kinds
    if kind is bool:
        if not isinstance(value, bool):
            raise TypeError(f"{key} must be true or false")
        return value
    if kind in (int, float) and (isinstance(value, bool) or not isinstance(value, int | float)):
        raise TypeError(f"{key} must be a number")
    coerced = kind(value)
    if key == "plan" and coerced not in PLANS:
        raise ValueError(f"plan must be one of {list(PLANS)}")
    if key == "fault_rate" and not 0 <= coerced <= 1:
        raise ValueError("fault_rate must be between 0 and 1")
    if kind in (int, float) and coerced < 0:
        raise ValueError(f"{key} must not be negative")
    return coerced


def apply_config_changes(state: SandboxState, changes: Any) -> None:
    """Validate every change first, then apply them all (a bad request changes nothing)."""
    if not isinstance(changes, dict):
        raise TypeError("send a JSON object of settings")
    unknown = sorted(set(changes) - set(CONFIGURABLE))
    if unknown:
        raise ValueError(f"cannot change {unknown}; changeable: {sorted(CONFIGURABLE)}")
    coerced = {key: _coerce(key, value) for key, value in changes.items()}
    for key, value in coerced.items():
        setattr(state.config, key, value)
    if {"faults", "fault_rate"} & set(coerced):
        state.faults.reseed()  # a new fault setup starts its sequence from the seed


def observation_routes() -> list[BaseRoute]:
    return [
        Route("/__sandbox/stats", stats_endpoint, methods=["GET"]),
        Route("/__sandbox/reset", reset_endpoint, methods=["POST"]),
        Route("/__sandbox/config", config_endpoint, methods=["GET", "POST"]),
        Route("/__sandbox/clock", clock_endpoint, methods=["POST"]),
    ]


# ---- error pages ------------------------------------------------------------------------------------


async def _http_error(request: Request, exc: Exception) -> Response:
    status = exc.status_code if isinstance(exc, HTTPException) else 500
    if status == 404:
        return error(404, "Unknown method .", errorCode=404)
    return error(status, str(getattr(exc, "detail", "")) or "Request failed", errorCode=status)


async def _server_error(request: Request, exc: Exception) -> Response:
    return error(500, "Internal Server Error", errorCode=500)


# ---- assembly ---------------------------------------------------------------------------------------


def default_api_routes() -> list[BaseRoute]:
    """The v2 routes, then the v1 ones (``pipedrive_sandbox.v2`` / ``.v1``: full path templates)."""
    routes: list[BaseRoute] = []
    for name in ("v2", "v1"):
        routes += importlib.import_module(f"pipedrive_sandbox.{name}").routes()
    return routes


def build_app(
    config: SandboxConfig,
    store: Any = None,
    api_routes: Sequence[BaseRoute] | None = None,
    clock: Clock | None = None,
) -> Starlette:
    """The sandbox as an ASGI app. ``config`` is copied: change the running app's settings through
    ``app.state.sandbox.config`` or ``POST /__sandbox/config``."""
    config = dataclasses.replace(config)
    clock = clock or Clock()
    if store is None:
        from pipedrive_sandbox.store import Store

        store = Store(config, clock)  # the store's "now" follows the sandbox clock too
    routes = list(api_routes) if api_routes is not None else default_api_routes()
    oauth = OAuthServer(config, store, clock)
    app = Starlette(
        routes=[*routes, *oauth.routes(), *observation_routes()],
        middleware=[Middleware(SandboxMiddleware, api_routes=routes)],
        exception_handlers={HTTPException: _http_error, Exception: _server_error},
    )
    app.state.store = store  # what the API handlers read
    app.state.sandbox = SandboxState(
        config=config,
        store=store,
        clock=clock,
        limiter=RateLimiter(config, lambda: len(store.users), clock),
        faults=FaultInjector(config),
        oauth=oauth,
        stats=Stats(),
    )
    # Build the middleware now rather than on the first request: it reads the OpenAPI documents.
    app.middleware_stack = app.build_middleware_stack()
    _quiet_dropped_connections()
    return app


def _quiet_dropped_connections() -> None:
    logger = logging.getLogger("uvicorn.error")
    if not any(isinstance(f, _DropConnectionNoise) for f in logger.filters):
        logger.addFilter(_DropConnectionNoise())
