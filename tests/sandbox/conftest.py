"""Fixtures of the sandbox's HTTP tests: ``api``, a client on the session's shared sandbox, and
``wapi``, a client on the ``own`` sandbox the requesting module defines for its writes."""

from __future__ import annotations

from collections.abc import Iterator

import httpx
import pytest

from pipedrive_sandbox.server import Sandbox


def client_for(sandbox: Sandbox) -> httpx.Client:
    """An HTTP client on ``sandbox`` that signs in with its API token."""
    return httpx.Client(base_url=sandbox.url, headers={"x-api-token": sandbox.api_token}, timeout=30)


@pytest.fixture(scope="module")
def api(sandbox: Sandbox) -> Iterator[httpx.Client]:
    with client_for(sandbox) as client:
        yield client


@pytest.fixture(scope="module")
def wapi(own: Sandbox) -> Iterator[httpx.Client]:
    with client_for(own) as client:
        yield client
