"""Pipedrive's rate limits: a burst limit per token and a daily token budget per company.

What Pipedrive documents (developers.pipedrive.com, "Rate limiting"), and what this module does:

- Burst: a rolling 2-second window per token. API tokens may make 20/40/100/120 requests per window on
  Lite/Growth/Premium/Ultimate, OAuth access tokens 80/160/400/480. Search endpoints (``.../search``,
  ``itemSearch``) have their own limit of 10 per window for every plan and auth type.
- Daily budget: 30,000 tokens x plan multiplier (1/2/5/7) x seats, shared by the whole company and reset
  at midnight (UTC here). Every call spends its operation's ``x-token-cost``. ``config.daily_budget``
  overrides the formula. A call is refused when the budget left is smaller than its cost.
- Headers on every API response: ``x-ratelimit-limit``, ``x-ratelimit-remaining``, ``x-ratelimit-reset``
  (whole seconds until the window frees a slot), the daily ``x-daily-ratelimit-token-limit`` and
  ``x-daily-ratelimit-token-remaining`` (the names the live API sends for the token budget), and the
  documented ``x-daily-requests-left`` on POST/PUT calls made with an API token (its value here: the
  daily tokens left).
- Over the burst limit: 429 ``{"success": false, "error": "Request over limit", "errorCode": 429, ...}``
  with ``Retry-After``. Over the daily budget: 429 whose ``error`` says the daily budget is exhausted,
  ``x-daily-ratelimit-token-remaining: 0`` and ``Retry-After`` = seconds until midnight UTC.
- An API token that keeps sending after 429s (``config.block_after`` 429s in a row, with no admitted
  call between) gets Cloudflare's 403 HTML page for ``config.block_seconds``; OAuth traffic is never
  blocked, as Pipedrive documents.

Rejected calls spend no tokens and take no slot in the window.
"""

from __future__ import annotations

import math
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Literal

from pipedrive_sandbox.clock import Clock
from pipedrive_sandbox.config import BURST_LIMITS, SandboxConfig
from pipedrive_sandbox.responses import JSON, error

WINDOW_SECONDS = 2.0
SEARCH_BURST_LIMIT = 10
DAILY_BASE_TOKENS = 30_000
PLAN_MULTIPLIERS = {"lite": 1, "growth": 2, "premium": 5, "ultimate": 7}
SECONDS_PER_DAY = 86_400

AuthKind = Literal["api_token", "oauth"]
Verdict = Literal["admitted", "burst", "daily", "blocked"]


@dataclass(frozen=True)
class Caller:
    """Who is calling: the credential (each token has its own window) and how it was presented."""

    token: str
    kind: AuthKind


@dataclass
class Decision:
    verdict: Verdict
    cost: int  # tokens this call spends (0 unless admitted)
    headers: dict[str, str] = field(default_factory=dict)
    retry_after: int = 0

    @property
    def admitted(self) -> bool:
        return self.verdict == "admitted"


@dataclass
class _TokenState:
    consecutive_429: int = 0
    blocked_until: float = 0.0


def is_search(template: str) -> bool:
    last = template.rstrip("/").rsplit("/", 2)
    return last[-1] == "search" or "itemSearch" in last


def daily_budget_for(plan: str, seats: int) -> int:
    return DAILY_BASE_TOKENS * PLAN_MULTIPLIERS[plan] * max(seats, 1)


class RateLimiter:
    def __init__(self, config: SandboxConfig, seats: Callable[[], int], clock: Clock) -> None:
        self.config = config
        self._seats = seats
        self.clock = clock
        self.reset()

    def reset(self) -> None:
        """Forget every window, block and the day's spending (``POST /__sandbox/reset``)."""
        self._windows: dict[tuple[str, str], deque[float]] = {}
        self._tokens: dict[str, _TokenState] = {}
        self._day = self._today()
        self._spent = 0

    # ---- the daily budget -------------------------------------------------------------------------

    @property
    def daily_budget(self) -> int:
        if self.config.daily_budget is not None:
            return self.config.daily_budget
        return daily_budget_for(self.config.plan, self._seats())

    @property
    def daily_remaining(self) -> int:
        self._roll_day()
        return max(self.daily_budget - self._spent, 0)

    def _today(self) -> int:
        return int(self.clock.time() // SECONDS_PER_DAY)

    def _roll_day(self) -> None:
        today = self._today()
        if today != self._day:
            self._day, self._spent = today, 0

    def _seconds_to_midnight(self) -> int:
        now = self.clock.time()
        return max(math.ceil((math.floor(now / SECONDS_PER_DAY) + 1) * SECONDS_PER_DAY - now), 1)

    # ---- the burst windows ------------------------------------------------------------------------

    def burst_limit(self, kind: AuthKind) -> int:
        return BURST_LIMITS[kind][self.config.plan]

    def _window(self, caller: Caller, bucket: str) -> deque[float]:
        window = self._windows.setdefault((caller.token, bucket), deque())
        horizon = self.clock.monotonic() - WINDOW_SECONDS
        while window and window[0] <= horizon:
            window.popleft()
        return window

    def _reset_seconds(self, window: deque[float]) -> int:
        if not window:
            return 0
        return max(math.ceil(window[0] + WINDOW_SECONDS - self.clock.monotonic()), 1)

    def _buckets(self, caller: Caller, template: str) -> list[tuple[deque[float], int]]:
        """The windows this call must fit in; the tightest one is reported in the headers."""
        buckets = [(self._window(caller, "all"), self.burst_limit(caller.kind))]
        if is_search(template):
            buckets.append((self._window(caller, "search"), SEARCH_BURST_LIMIT))
        return buckets

    # ---- the decision -----------------------------------------------------------------------------

    def admit(self, caller: Caller, method: str, template: str, cost: int) -> Decision:
        """Admit the call (recording it and spending its cost) or say why not, with the headers to send."""
        if not self.config.rate_limit:
            return Decision("admitted", cost)
        self._roll_day()
        state = self._tokens.setdefault(caller.token, _TokenState())
        now = self.clock.monotonic()
        if state.blocked_until > now:
            return Decision("blocked", 0, retry_after=math.ceil(state.blocked_until - now))
        if state.blocked_until:
            state.blocked_until, state.consecutive_429 = 0.0, 0

        buckets = self._buckets(caller, template)
        window, limit = min(buckets, key=lambda b: b[1] - len(b[0]))
        if any(len(w) >= lim for w, lim in buckets):
            full = max((w for w, lim in buckets if len(w) >= lim), key=self._reset_seconds)
            retry = self._reset_seconds(full)
            headers = self._burst_headers(limit, 0, retry) | self._daily_headers(caller, method)
            headers["retry-after"] = str(retry)
            return self._refuse(caller, state, Decision("burst", 0, headers, retry))

        if self.daily_remaining < cost:
            retry = self._seconds_to_midnight()
            headers = self._burst_headers(limit, limit - len(window), self._reset_seconds(window))
            headers |= self._daily_headers(caller, method)
            headers["retry-after"] = str(retry)
            return self._refuse(caller, state, Decision("daily", 0, headers, retry))

        for w, _ in buckets:
            w.append(now)
        self._spent += cost
        state.consecutive_429 = 0
        headers = self._burst_headers(limit, limit - len(window), self._reset_seconds(window))
        return Decision("admitted", cost, headers | self._daily_headers(caller, method))

    def _refuse(self, caller: Caller, state: _TokenState, decision: Decision) -> Decision:
        # Only API-token traffic is escalated to Cloudflare's block, as Pipedrive documents.
        if caller.kind == "api_token":
            state.consecutive_429 += 1
            if state.consecutive_429 >= self.config.block_after:
                state.blocked_until = self.clock.monotonic() + self.config.block_seconds
        return decision

    def _burst_headers(self, limit: int, remaining: int, reset: int) -> dict[str, str]:
        return {
            "x-ratelimit-limit": str(limit),
            "x-ratelimit-remaining": str(max(remaining, 0)),
            "x-ratelimit-reset": str(reset),
        }

    def _daily_headers(self, caller: Caller, method: str) -> dict[str, str]:
        remaining = str(self.daily_remaining)
        headers = {
            "x-daily-ratelimit-token-limit": str(self.daily_budget),
            "x-daily-ratelimit-token-remaining": remaining,
        }
        if caller.kind == "api_token" and method in ("POST", "PUT"):
            headers["x-daily-requests-left"] = remaining
        return headers

    def state(self) -> dict[str, object]:
        """What ``/__sandbox/stats`` reports about the limits."""
        return {
            "enabled": self.config.rate_limit,
            "plan": self.config.plan,
            "daily_budget": self.daily_budget,
            "daily_spent": self._spent,
            "daily_remaining": self.daily_remaining,
            "blocked_tokens": sum(
                1 for s in self._tokens.values() if s.blocked_until > self.clock.monotonic()
            ),
        }


def too_many_requests(decision: Decision, budget: int) -> JSON:
    """Pipedrive's 429 body; the daily variant says the budget is spent and when it comes back."""
    if decision.verdict == "daily":
        return error(
            429,
            "Daily API token budget exhausted",
            f"The company has spent its daily budget of {budget} API tokens. It resets at midnight UTC "
            f"(in {decision.retry_after} seconds). Please check developers.pipedrive.com for more "
            "information about Pipedrive API.",
            headers=decision.headers,
            errorCode=429,
        )
    return error(429, "Request over limit", headers=decision.headers, errorCode=429)
