"""The rate-limit governor: one per connection, shared by every thread that sends requests through it.

Pipedrive allows ``x-ratelimit-limit`` requests per token in a rolling 2-second window and answers 429 past
that (and blocks clients that keep going). The governor keeps its own record of when this connection sent
requests and holds a request back until the window has room, so a well-behaved scan never sees a 429.

- Until the first answer tells it the limit, it lets one request through and holds the rest: a parallel
  scan must not open with a burst it cannot know is allowed.
- It keeps a slot in reserve and measures the window a little longer than 2 s, because the server counts
  arrivals and the network jitters between our clock and its.
- When an answer shows no requests remaining although this connection keeps a slot in reserve, someone
  else is using the token: the governor takes that as the truth and waits for the window to reset.
- Answers without rate-limit headers (a server or proxy that does not send them) leave nothing to pace by:
  requests go out freely, and 429s are still waited out.
- After a 429 it stops everybody until the reset the server named (``Retry-After``/``x-ratelimit-reset``),
  and halves its own allowance, growing it back one request per quiet window (AIMD, as TCP does).
"""

from __future__ import annotations

import threading
import time
from collections import deque
from collections.abc import Callable

import httpx

from pipedrive_sql.errors import RequestTimeout

__all__ = ["RateGovernor"]

WINDOW_SECONDS = 2.0


class RateGovernor:
    def __init__(
        self,
        *,
        window: float = WINDOW_SECONDS,
        headroom: float = 0.1,
        reserve: int = 1,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self._window = window + headroom
        self._reserve = reserve
        self._clock = clock
        self._cond = threading.Condition()
        self._sent: deque[float] = deque()
        self._limit: int | None = None  # the server's x-ratelimit-limit, once seen
        self._allowance: float | None = None  # what we let ourselves use of it (AIMD)
        self._probing = False
        self._answered = False  # some answer has arrived (with or without rate-limit headers)
        self._paused_until = 0.0
        self._last_throttle = 0.0

    @property
    def limit(self) -> int | None:
        return self._limit

    @property
    def allowance(self) -> int | None:
        with self._cond:
            return None if self._allowance is None else int(self._allowance)

    def acquire(self, deadline: float | None = None) -> float:
        """Block until a request may be sent; returns the seconds waited. ``deadline`` is on ``clock``."""
        start = self._clock()
        with self._cond:
            while True:
                now = self._clock()
                wait = self._wait_needed(now)
                if wait <= 0:
                    self._sent.append(now)
                    return now - start
                probe_pending = wait == float("inf")  # bounded by the probe's own timeout, not known here
                if deadline is not None and (
                    now >= deadline or (not probe_pending and now + wait > deadline)
                ):
                    raise RequestTimeout(
                        "Timed out waiting for Pipedrive's rate limit to allow the request; "
                        "raise Timeout, or lower MaxConcurrency so fewer requests compete."
                    )
                if probe_pending:
                    self._cond.wait(None if deadline is None else deadline - now)
                else:
                    self._cond.wait(wait)

    def _wait_needed(self, now: float) -> float:
        """Seconds until a send is allowed (0 = now); ``inf`` = until another thread's answer arrives."""
        if now < self._paused_until:
            return self._paused_until - now
        while self._sent and self._sent[0] <= now - self._window:
            self._sent.popleft()
        if self._allowance is None:
            if self._answered:
                return 0.0  # answers carry no rate-limit headers: nothing to pace by, 429s still count
            if self._probing:
                return float("inf")
            self._probing = True
            return 0.0
        if len(self._sent) < max(1, int(self._allowance)):
            return 0.0
        return self._sent[0] + self._window - now

    def observe(self, headers: httpx.Headers) -> None:
        """Learn from an answer's rate-limit headers (every answer, success or not)."""
        limit = _int_header(headers, "x-ratelimit-limit")
        remaining = _int_header(headers, "x-ratelimit-remaining")
        reset = _float_header(headers, "x-ratelimit-reset")
        with self._cond:
            now = self._clock()
            self._probing = False
            self._answered = True
            if limit is not None and limit > 0:
                self._learn_limit(limit, now)
            if remaining is not None and remaining <= 0 and reset:
                self._paused_until = max(self._paused_until, now + min(reset, self._window))
            self._cond.notify_all()

    def _learn_limit(self, limit: int, now: float) -> None:
        ceiling = max(1, limit - self._reserve)
        if self._limit != limit or self._allowance is None:
            self._limit = limit
            self._allowance = float(ceiling)
            return
        # Additive increase: one more request per window since the last 429, up to the ceiling.
        if self._allowance < ceiling and now - self._last_throttle >= self._window:
            self._allowance = min(float(ceiling), self._allowance + 1.0)
            self._last_throttle = now

    def throttled(self, wait: float) -> None:
        """A 429 arrived: stop every thread for ``wait`` seconds and halve the allowance."""
        with self._cond:
            now = self._clock()
            self._probing = False
            self._paused_until = max(self._paused_until, now + wait)
            if self._allowance is not None:
                self._allowance = max(1.0, self._allowance / 2)
            self._last_throttle = now
            self._cond.notify_all()

    def release_probe(self) -> None:
        """The probing request got no answer (a network error): let another thread try."""
        with self._cond:
            self._probing = False
            self._cond.notify_all()


def _int_header(headers: httpx.Headers, name: str) -> int | None:
    value = _float_header(headers, name)
    return None if value is None else int(value)


def _float_header(headers: httpx.Headers, name: str) -> float | None:
    raw = headers.get(name)
    if raw is None:
        return None
    try:
        return float(raw.strip())
    except ValueError:
        return None
