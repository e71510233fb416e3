"""What the sandbox's v1 and v2 HTTP tests share besides the fixtures in conftest.py: a writable
sandbox of the module's own, and the ``data`` of a successful response."""

from __future__ import annotations

from typing import Any

import httpx

from pipedrive_sandbox.server import Sandbox


def writable_sandbox(seed: int) -> Sandbox:
    """A small sandbox for a test module's writes: no rate limit, latency or faults."""
    return Sandbox(seed=seed, scale=80, rate_limit=False, latency_ms=0, fault_rate=0.0)


def data(response: httpx.Response, status: int = 200) -> Any:
    assert response.status_code == status, response.text
    body = response.json()
    assert body["success"] is True
    return body["data"]
