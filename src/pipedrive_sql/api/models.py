"""What a request returns (``ApiResponse``) and what a connection has spent (``RequestCounters``)."""

from __future__ import annotations

import threading
from collections import Counter
from dataclasses import dataclass, field
from types import MappingProxyType
from typing import Any

import httpx

__all__ = ["ApiResponse", "CounterSnapshot", "RequestCounters"]


@dataclass
class ApiResponse:
    """A successful answer: Pipedrive's envelope taken apart. ``raw`` is the whole decoded body."""

    status: int
    data: Any
    additional_data: Any
    headers: httpx.Headers
    raw: dict[str, Any]


@dataclass(frozen=True)
class CounterSnapshot:
    """A frozen copy of the counters; ``later - earlier`` gives what one query spent."""

    requests: int = 0
    tokens: int = 0
    retries: int = 0
    rate_limit_waits: int = 0  # times a request waited for the rate limit (pacing ahead, or after a 429)
    seconds_waited: float = 0.0  # seconds spent in those waits
    throttled: int = 0  # 429 answers received
    records: int = 0  # records received in list answers (what a scan or a sync has read so far)
    by_operation: MappingProxyType[str, int] = field(default_factory=lambda: MappingProxyType({}))

    def __sub__(self, earlier: CounterSnapshot) -> CounterSnapshot:
        ops = Counter(dict(self.by_operation))
        ops.subtract(dict(earlier.by_operation))
        return CounterSnapshot(
            requests=self.requests - earlier.requests,
            tokens=self.tokens - earlier.tokens,
            retries=self.retries - earlier.retries,
            rate_limit_waits=self.rate_limit_waits - earlier.rate_limit_waits,
            seconds_waited=self.seconds_waited - earlier.seconds_waited,
            throttled=self.throttled - earlier.throttled,
            records=self.records - earlier.records,
            by_operation=MappingProxyType({k: v for k, v in ops.items() if v}),
        )


class RequestCounters:
    """Requests and tokens spent by one client, from any number of threads.

    Every attempt that reaches the network is a request and is charged its token cost (Pipedrive charges
    attempts, including those answered with an error), so retries show up in ``tokens`` too.
    """

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self.requests = 0
        self.tokens = 0
        self.retries = 0
        self.rate_limit_waits = 0
        self.seconds_waited = 0.0
        self.throttled = 0
        self.records = 0
        self.by_operation: Counter[str] = Counter()

    def count_request(self, operation_key: str, cost: int) -> None:
        with self._lock:
            self.requests += 1
            self.tokens += cost
            self.by_operation[operation_key] += 1

    def count_retry(self) -> None:
        with self._lock:
            self.retries += 1

    def count_wait(self, seconds: float) -> None:
        with self._lock:
            self.seconds_waited += seconds
            self.rate_limit_waits += 1

    def count_records(self, count: int) -> None:
        with self._lock:
            self.records += count

    def count_throttled(self) -> None:
        with self._lock:
            self.throttled += 1

    def snapshot(self) -> CounterSnapshot:
        with self._lock:
            return CounterSnapshot(
                requests=self.requests,
                tokens=self.tokens,
                retries=self.retries,
                rate_limit_waits=self.rate_limit_waits,
                seconds_waited=self.seconds_waited,
                throttled=self.throttled,
                records=self.records,
                by_operation=MappingProxyType(dict(self.by_operation)),
            )

    def __repr__(self) -> str:
        snap = self.snapshot()
        return f"RequestCounters(requests={snap.requests}, tokens={snap.tokens}, retries={snap.retries})"
