"""What the sandbox's v1 and v2 HTTP tests share: a client on a sandbox, a writable sandbox of the
tests' own, and the ``data`` of a successful response."""

from __future__ import annotations

from typing import Any

import httpx

from pipedrive_sandbox.server import Sandbox


def client_for(sandbox: Sandbox) -> httpx.Client:
    """An HTTP client on ``sandbox`` that signs in with its API token."""
    return httpx.Client(base_url=sandbox.url, headers={"x-api-token": sandbox.api_token}, timeout=30)


def writable_sandbox(seed: int) -> Sandbox:
    """A small sandbox for a test module's writes: no rate limit, latency or faults."""
    return Sandbox(seed=seed, scale=80, rate_limit=False, latency_ms=0, fault_rate=0.0)


def data(response: httpx.Response, status: int = 200) -> Any:
    assert response.status_code == status, response.text
    body = response.json()
    assert body["success"] is True
    return body["data"]
