"""The sandbox's time source: real time plus an offset that tests can advance.

Rate-limit windows, daily budgets, OAuth code and token expiry all read this clock, so a test can
make an access token expire or a burst window free up by advancing it, instead of sleeping.
"""

from __future__ import annotations

import time


class Clock:
    def __init__(self) -> None:
        self._offset = 0.0

    def monotonic(self) -> float:
        """Seconds on a monotonic scale (for windows and durations)."""
        return time.monotonic() + self._offset

    def time(self) -> float:
        """Seconds since the epoch (for expiry stamps and the UTC day of the daily budget)."""
        return time.time() + self._offset

    def advance(self, seconds: float) -> None:
        """Move the sandbox's time forward; a float assignment, safe from another thread."""
        if seconds < 0:
            raise ValueError("the sandbox clock only moves forward")
        self._offset += seconds

    @property
    def offset(self) -> float:
        return self._offset
