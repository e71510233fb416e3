"""Latency and fault injection, reproducible from the seed.

Every API request draws from one RNG seeded with ``config.seed``, in arrival order, the same two numbers
whatever the outcome: so a client that sends the same requests in the same order meets the same faults
on every run, and changing the fault rate does not shift the sequence. ``reseed()`` (on
``POST /__sandbox/reset`` and on a fault-settings change) starts the sequence over.

Kinds (``config.faults``), chosen uniformly among the configured ones when a request draws a fault:

- ``429``: a rate-limit refusal, as Pipedrive's (``Request over limit``, ``Retry-After: 1``);
- ``500``: Pipedrive's JSON ``Internal Server Error`` envelope;
- ``502``: Cloudflare's HTML ``Bad Gateway`` page (the origin failed behind the CDN);
- ``503``: Pipedrive's JSON ``Service Unavailable`` envelope with ``Retry-After``;
- ``reset``: the request runs, then the connection is dropped after part of the body was sent;
- ``slow``: the request is held ``config.slow_ms`` before it runs.
"""

from __future__ import annotations

import random
from dataclasses import dataclass

from starlette.responses import Response

from pipedrive_sandbox import pages
from pipedrive_sandbox.config import FAULT_KINDS, SandboxConfig
from pipedrive_sandbox.responses import error

SHORT_CIRCUIT = ("429", "500", "502", "503")  # kinds answered without running the handler


@dataclass(frozen=True)
class Fault:
    kind: str

    @property
    def short_circuits(self) -> bool:
        return self.kind in SHORT_CIRCUIT


class FaultInjector:
    def __init__(self, config: SandboxConfig) -> None:
        self.config = config
        self.reseed()

    def reseed(self) -> None:
        self._rng = random.Random(f"faults:{self.config.seed}")

    def draw(self) -> Fault | None:
        """This request's fault, if any; always consumes the same amount of randomness."""
        hit, pick = self._rng.random(), self._rng.random()
        kinds = [k for k in self.config.faults if k in FAULT_KINDS]
        if not kinds or hit >= self.config.fault_rate:
            return None
        return Fault(kinds[min(int(pick * len(kinds)), len(kinds) - 1)])

    @property
    def latency_seconds(self) -> float:
        return max(self.config.latency_ms, 0) / 1000

    @property
    def slow_seconds(self) -> float:
        return max(self.config.slow_ms, 0) / 1000


def fault_response(fault: Fault, host: str) -> Response:
    """The answer for a short-circuiting fault, shaped like what Pipedrive or its CDN sends."""
    if fault.kind == "429":
        headers = {"retry-after": "1", "x-ratelimit-remaining": "0", "x-ratelimit-reset": "1"}
        return error(429, "Request over limit", headers=headers, errorCode=429)
    if fault.kind == "500":
        return error(500, "Internal Server Error", errorCode=500)
    if fault.kind == "502":
        return pages.cloudflare_5xx(502, "Bad gateway", host)
    if fault.kind == "503":
        return error(
            503,
            "Service Unavailable",
            "Pipedrive is temporarily unavailable; please retry later. "
            "Please check developers.pipedrive.com for more information about Pipedrive API.",
            headers={"retry-after": "1"},
            errorCode=503,
        )
    raise ValueError(f"fault {fault.kind!r} has no short-circuit response")
