"""When to try a request again, as data.

A read can always be repeated. A write (POST, PATCH, PUT, DELETE) is repeated only when the failure proves
that Pipedrive did not act on it: a 429 (refused before any work) or a connection that was never made (so
the request was never sent). Any other failure of a write after it may have left this machine is
*ambiguous*: the caller is told so and nothing is repeated blindly.
"""

from __future__ import annotations

import email.utils
import enum
import random
import time
from collections.abc import Callable
from dataclasses import dataclass, field

import httpx

__all__ = ["Decision", "RetryPolicy"]


class Decision(enum.Enum):
    SUCCEED = "succeed"  # a 2xx/3xx answer: hand it back
    RETRY = "retry"  # repeat after a backoff (or the rate-limit wait for a 429)
    AMBIGUOUS = "ambiguous"  # a write that may have happened: stop, and say so
    FAIL = "fail"  # a definite failure: map it to an error


# Failures that happen before a single byte of the request is sent: safe to repeat for any method.
NOT_SENT_ERRORS: tuple[type[Exception], ...] = (httpx.ConnectError, httpx.ConnectTimeout, httpx.PoolTimeout)


@dataclass(frozen=True)
class RetryPolicy:
    max_attempts: int = 8  # attempts per request, the first included
    backoff_base: float = 0.2  # seconds; the n-th retry waits up to base * 2**(n-1), full jitter
    backoff_cap: float = 8.0
    # A read's attempt is abandoned after this long and tried again (Timeout still bounds the whole);
    # writes are given the whole Timeout, since abandoning one makes it ambiguous.
    read_attempt_timeout: float = 30.0
    retry_statuses: frozenset[int] = frozenset({429, 500, 502, 503, 504})
    safe_methods: frozenset[str] = frozenset({"GET", "HEAD", "OPTIONS"})
    # Statuses that prove a write was not applied.
    write_not_applied_statuses: frozenset[int] = frozenset({429})
    not_sent_errors: tuple[type[Exception], ...] = NOT_SENT_ERRORS
    random: Callable[[], float] = field(default=random.random, compare=False, repr=False)

    def is_safe(self, method: str) -> bool:
        return method.upper() in self.safe_methods

    def on_status(self, method: str, status: int) -> Decision:
        if status < 400:
            return Decision.SUCCEED
        if status not in self.retry_statuses:
            return Decision.FAIL
        if self.is_safe(method) or status in self.write_not_applied_statuses:
            return Decision.RETRY
        return Decision.AMBIGUOUS

    def on_error(self, method: str, error: Exception) -> Decision:
        if isinstance(error, self.not_sent_errors):
            return Decision.RETRY
        if not isinstance(error, httpx.TransportError):
            return Decision.FAIL
        return Decision.RETRY if self.is_safe(method) else Decision.AMBIGUOUS

    def backoff(self, retry: int) -> float:
        """Seconds to wait before retry number ``retry`` (1-based): exponential with full jitter."""
        ceiling = min(self.backoff_cap, self.backoff_base * (2 ** max(0, retry - 1)))
        return ceiling * self.random()


def retry_after_seconds(
    headers: httpx.Headers, now: float | None = None, *, rate_limit_reset: bool = True
) -> float | None:
    """``Retry-After`` in seconds (delta-seconds or an HTTP date), else (for 429s) ``x-ratelimit-reset``."""
    value = headers.get("retry-after")
    if value:
        value = value.strip()
        try:
            return max(0.0, float(value))
        except ValueError:
            pass
        try:
            when = email.utils.parsedate_to_datetime(value)
        except (TypeError, ValueError):
            when = None
        if when is not None:
            return max(0.0, when.timestamp() - (time.time() if now is None else now))
    reset = headers.get("x-ratelimit-reset") if rate_limit_reset else None
    if reset:
        try:
            return max(0.0, float(reset))
        except ValueError:
            return None
    return None
