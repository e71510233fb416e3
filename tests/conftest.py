"""Fixtures every test package shares: the Pipedrive sandbox, started for real on a free loopback port.

``sandbox`` (session scope)
    One sandbox for the whole session (per xdist worker): seed 1, scale 200 (200 deals), no latency,
    no faults, and rate limits OFF, so that tests running in any order and at any speed never meet a
    429 they did not ask for. Rate limiting has its own sandboxes (``make_sandbox(rate_limit=True)``,
    the default there). Useful attributes: ``url`` (base URL, also OAuth's ``api_domain``),
    ``api_token`` (the main user's), ``oauth_client_id``, ``oauth_client_secret``, ``store``,
    ``authorize_url(redirect_uri, state=None, scope=None)``, ``stats()``, ``reset_stats()``,
    ``configure(**changes)``, ``advance_clock(seconds)``.
    It is shared: a test that reads counters calls ``reset_stats()`` first; a test that writes data
    or changes settings should use its own sandbox instead.

``make_sandbox(**config)`` (function scope)
    A factory for tests that need their own server: ``make_sandbox(token_lifetime=5)``,
    ``make_sandbox(fault_rate=1.0, faults=["reset"])``, ``make_sandbox(plan="lite")``... Keyword
    arguments are ``SandboxConfig`` fields; the default scale is 50 to keep start-up quick. Every
    sandbox it made is stopped when the test ends.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

import pytest

from pipedrive_sandbox.server import Sandbox

SESSION_SCALE = 200
FACTORY_SCALE = 50


@pytest.fixture(scope="session")
def sandbox() -> Iterator[Sandbox]:
    with Sandbox(seed=1, scale=SESSION_SCALE, rate_limit=False, latency_ms=0, fault_rate=0.0) as running:
        yield running


@pytest.fixture
def make_sandbox() -> Iterator[Callable[..., Sandbox]]:
    started: list[Sandbox] = []

    def make(**config: Any) -> Sandbox:
        config.setdefault("scale", FACTORY_SCALE)
        running = Sandbox(**config)
        running.start()
        started.append(running)
        return running

    yield make
    for running in reversed(started):
        running.stop()
