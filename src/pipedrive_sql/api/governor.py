"""The rate-limit governor: one per connection, shared by every thread that sends requests through it.

Pipedrive allows ``x-ratelimit-limit`` requests per token in a rolling 2-second window, counted when a
request *arrives*, and answers 429 past that (and blocks clients that keep going). The governor holds a
request back until the window surely has room, so a well-behaved scan never sees a 429:

- A request takes a slot when it is sent and keeps it until 2 s after its answer's headers came back
  (the body may take a while longer; the request had arrived before the headers left). Arrival lies
  somewhere between sending and answering, so whatever the network and the server's queue do to the
  timing, no 2-second window at the server can hold more requests than the governor allows. (Counting
  from the send alone fails exactly when it matters: a busy server admits a backlog in a burst.)
- Until the first answer tells it the limit, it lets one request through and holds the rest: a parallel
  scan must not open with a burst it cannot know is allowed.
- It keeps a slot in reserve for the rounding of the server's clock. The reserve is not what keeps a
  lone scan from 429s (holding each slot from send to answer + 2 s already does: every request the
  server counts in one window held its slot at the moment the last of them was sent, so the server never
  counts more than the allowance), and it costs 1/limit of a long scan's pace (2.5 % on the growth
  plan). It buys certainty instead: with it, this connection alone never brings the server's count to
  the limit, so an answer with no requests remaining proves someone else spends the token, and the
  pause below is never taken for our own traffic. Without it, a slot that expired between a request's
  arrival and its answer makes our own full window look like a stranger's, and the pause (a whole reset
  period) would cost more than the slot gains.
- When an answer shows no requests remaining although this connection kept a slot in reserve, someone
  else is using the token: the governor takes that as the truth and waits for the window to reset.
- After a 429 it stops everybody until the reset the server named (``Retry-After``/``x-ratelimit-reset``),
  and halves its own allowance, growing it back one request per quiet window (AIMD, as TCP does).
- A new connection counts what others spent of the current window (``limit - remaining`` at its first
  answer) as taken until that window resets.
- ``share`` (the RateLimitShare property) caps it at that fraction of the server's limit, so that several
  connections on one token (Spark partitions, programs on several machines) stay under the limit together.
- Answers without rate-limit headers (a server or proxy that does not send them) leave nothing to pace by:
  requests go out freely, and 429s are still waited out.
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
_FOREVER = float("inf")


class RateGovernor:
    def __init__(
        self,
        *,
        window: float = WINDOW_SECONDS,
        reserve: int = 1,
        share: float = 1.0,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self._window = window
        self._reserve = reserve
        if not 0 < share <= 1:
            raise ValueError(f"share must be in (0, 1], not {share!r}")
        self._share = share
        self._clock = clock
        self._cond = threading.Condition()
        self._in_flight = 0
        self._expiries: deque[float] = deque()  # answered requests: when each frees its slot (sorted)
        self._limit: int | None = None  # the server's x-ratelimit-limit, once seen
        self._allowance: float | None = None  # what we let ourselves use of it (AIMD)
        self._answered = False  # some answer has arrived (with or without rate-limit headers)
        self._paused_until = 0.0
        self._last_change = 0.0  # the last 429, or the last additive increase

    @property
    def limit(self) -> int | None:
        return self._limit

    @property
    def allowance(self) -> int | None:
        with self._cond:
            return None if self._allowance is None else int(self._allowance)

    def available(self) -> int:
        """Requests that could be sent right now without waiting (0 until the limit is known)."""
        with self._cond:
            now = self._clock()
            if self._allowance is None or now < self._paused_until:
                return 0
            while self._expiries and self._expiries[0] <= now:
                self._expiries.popleft()
            return max(0, int(self._allowance) - self._in_flight - len(self._expiries))

    def acquire(self, deadline: float | None = None) -> float:
        """Block until a request may be sent, and take a slot for it; returns the seconds waited.

        Every ``acquire`` must be followed by one ``finish``. ``deadline`` is on ``clock``.
        """
        start = self._clock()
        with self._cond:
            while True:
                now = self._clock()
                wait = self._wait_needed(now)
                if wait <= 0:
                    self._in_flight += 1
                    return now - start
                if deadline is not None and (now >= deadline or (wait != _FOREVER and now + wait > deadline)):
                    raise RequestTimeout(
                        "Timed out waiting for Pipedrive's rate limit to allow the request; "
                        "raise Timeout, or lower MaxConcurrency so fewer requests compete."
                    )
                # An infinite wait ends when a request in flight is answered: finish() notifies.
                limit = None if deadline is None else deadline - now
                self._cond.wait(limit if wait == _FOREVER else wait)

    def _wait_needed(self, now: float) -> float:
        """Seconds until a send is allowed (0 = now); ``_FOREVER`` = until a request in flight finishes."""
        if now < self._paused_until:
            return self._paused_until - now
        while self._expiries and self._expiries[0] <= now:
            self._expiries.popleft()
        if self._allowance is None:
            if self._answered:
                return 0.0  # no rate-limit headers: nothing to pace by
            return _FOREVER if self._in_flight else 0.0  # one probe at a time until the limit is known
        if self._in_flight + len(self._expiries) < max(1, int(self._allowance)):
            return 0.0
        return self._expiries[0] - now if self._expiries else _FOREVER

    def finish(self, *, sent: bool = True) -> None:
        """The request that took a slot is over: answered or failed (``sent``), or never sent at all."""
        with self._cond:
            self._in_flight = max(0, self._in_flight - 1)
            if sent:
                self._expiries.append(self._clock() + self._window)
            self._cond.notify_all()

    def observe(self, headers: httpx.Headers) -> None:
        """Learn from an answer's rate-limit headers (every answer, success or not)."""
        limit = _int_header(headers, "x-ratelimit-limit")
        remaining = _int_header(headers, "x-ratelimit-remaining")
        reset = _float_header(headers, "x-ratelimit-reset")
        with self._cond:
            now = self._clock()
            self._answered = True
            if limit is not None and limit > 0:
                first = self._limit is None
                self._learn_limit(limit, now)
                if first and remaining is not None:
                    # A new connection on a token others use (another program, the previous Spark partition of
                    # the same company): what they spent in this window counts against us until it expires.
                    others = max(0, limit - remaining - 1 - self._in_flight - len(self._expiries))
                    until = now + min(reset, self._window) if reset else now + self._window
                    self._expiries.extend([until] * others)
                    self._expiries = deque(sorted(self._expiries))
            if remaining is not None and remaining <= 0 and reset:
                self._paused_until = max(self._paused_until, now + min(reset, self._window))
            self._cond.notify_all()

    def _learn_limit(self, limit: int, now: float) -> None:
        ceiling = max(1, int(limit * self._share) - self._reserve)
        if self._limit != limit or self._allowance is None:
            self._limit = limit
            self._allowance = float(ceiling)
            return
        # Additive increase: one more request per quiet window since the last change, up to the ceiling.
        if self._allowance < ceiling and now - self._last_change >= self._window:
            self._allowance = min(float(ceiling), self._allowance + 1.0)
            self._last_change = now

    def throttled(self, wait: float) -> None:
        """A 429 arrived: stop every thread for ``wait`` seconds and halve the allowance."""
        with self._cond:
            now = self._clock()
            self._paused_until = max(self._paused_until, now + wait)
            if self._allowance is not None:
                self._allowance = max(1.0, self._allowance / 2)
            self._last_change = now
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
