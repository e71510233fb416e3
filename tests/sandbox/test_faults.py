"""Latency and faults: each kind looks like what Pipedrive or its CDN sends, and the seed replays them."""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator

import httpx
import pytest

from pipedrive_sandbox.config import FAULT_KINDS, SandboxConfig
from pipedrive_sandbox.faults import FaultInjector
from pipedrive_sandbox.server import Sandbox

ME = "/api/v1/users/me"


@pytest.fixture(scope="module")
def faulty() -> Iterator[Sandbox]:
    with Sandbox(scale=20, rate_limit=False) as running:
        yield running


@pytest.fixture
def sb(faulty: Sandbox) -> Iterator[Sandbox]:
    faulty.reset_stats()
    yield faulty
    faulty.configure(fault_rate=0.0, latency_ms=0, faults=list(FAULT_KINDS), slow_ms=5000)


@pytest.fixture(scope="module")
def client() -> Iterator[httpx.Client]:
    # One pool for the module: httpx drops a connection that failed (a "reset") and opens another.
    with httpx.Client(timeout=10, verify=False) as c:  # plain HTTP: no CA bundle to load
        yield c


def get(client: httpx.Client, sb: Sandbox, timeout: float = 10) -> httpx.Response:
    return client.get(sb.url + ME, headers={"x-api-token": sb.api_token}, timeout=timeout)


def outcome(client: httpx.Client, sb: Sandbox) -> str:
    try:
        return str(get(client, sb, timeout=5).status_code)
    except httpx.TransportError as exc:
        return type(exc).__name__


# ---- each kind ---------------------------------------------------------------------------------------


def test_429_fault_looks_like_pipedrives_rate_limit(client: httpx.Client, sb: Sandbox) -> None:
    sb.configure(fault_rate=1.0, faults=["429"])
    answer = get(client, sb)
    assert answer.status_code == 429
    assert answer.json()["error"] == "Request over limit"
    assert answer.headers["retry-after"] == "1"
    assert sb.stats()["faults"] == {"429": 1}
    assert sb.stats()["rate_limited"] == 1


def test_500_fault_is_pipedrives_json_envelope(client: httpx.Client, sb: Sandbox) -> None:
    sb.configure(fault_rate=1.0, faults=["500"])
    answer = get(client, sb)
    assert answer.status_code == 500
    assert answer.headers["content-type"] == "application/json"
    assert answer.json()["success"] is False and answer.json()["error"] == "Internal Server Error"


def test_502_fault_is_cloudflares_html_page(client: httpx.Client, sb: Sandbox) -> None:
    sb.configure(fault_rate=1.0, faults=["502"])
    answer = get(client, sb)
    assert answer.status_code == 502
    assert answer.headers["content-type"].startswith("text/html")
    assert "Bad gateway" in answer.text and "Cloudflare" in answer.text
    assert answer.headers["server"] == "cloudflare"


def test_503_fault_asks_to_retry_later(client: httpx.Client, sb: Sandbox) -> None:
    sb.configure(fault_rate=1.0, faults=["503"])
    answer = get(client, sb)
    assert answer.status_code == 503
    assert answer.json()["error"] == "Service Unavailable"
    assert answer.headers["retry-after"] == "1"


def test_reset_fault_drops_the_connection_mid_response(client: httpx.Client, sb: Sandbox) -> None:
    sb.configure(fault_rate=1.0, faults=["reset"])
    with client.stream("GET", sb.url + ME, headers={"x-api-token": sb.api_token}, timeout=5) as answer:
        assert answer.status_code == 200  # the head arrived...
        with pytest.raises(httpx.RemoteProtocolError):
            answer.read()  # ...but the body never completes
    sb.configure(fault_rate=0.0)
    assert get(client, sb).status_code == 200  # the server itself is fine


def test_slow_fault_holds_the_request(client: httpx.Client, sb: Sandbox) -> None:
    sb.configure(fault_rate=1.0, faults=["slow"], slow_ms=400)
    with pytest.raises(httpx.ReadTimeout):
        get(client, sb, timeout=0.05)
    started = time.monotonic()
    assert get(client, sb).status_code == 200  # slow, but it does answer
    assert time.monotonic() - started >= 0.4


def test_latency_delays_every_api_request(client: httpx.Client, sb: Sandbox) -> None:
    sb.configure(latency_ms=150)
    started = time.monotonic()
    assert get(client, sb).status_code == 200
    assert time.monotonic() - started >= 0.15


def test_faults_spare_the_oauth_and_observation_endpoints(client: httpx.Client, sb: Sandbox) -> None:
    sb.configure(fault_rate=1.0, faults=["500"])
    assert client.get(sb.url + "/oauth/authorize").status_code == 400  # the OAuth server's own answer
    assert sb.stats()["faults"] == {}


def test_a_fault_rate_hits_about_that_share_of_requests(client: httpx.Client, sb: Sandbox) -> None:
    sb.configure(fault_rate=0.25, faults=["500", "503"])
    outcomes = [outcome(client, sb) for _ in range(200)]
    failures = sum(o != "200" for o in outcomes)
    assert 25 <= failures <= 75
    assert set(outcomes) <= {"200", "500", "503"}
    assert sum(sb.stats()["faults"].values()) == failures


# ---- reproducibility ---------------------------------------------------------------------------------


def test_the_same_seed_replays_the_same_faults(client: httpx.Client, sb: Sandbox) -> None:
    sb.configure(fault_rate=0.4, faults=["429", "500", "502", "503", "reset"])
    first = [outcome(client, sb) for _ in range(40)]
    sb.reset_stats()
    second = [outcome(client, sb) for _ in range(40)]
    assert first == second
    assert len(set(first)) >= 4  # a mix, not a constant


def test_another_seed_draws_other_faults(
    make_sandbox: Callable[..., Sandbox], client: httpx.Client, sb: Sandbox
) -> None:
    kinds = ["429", "500", "502", "503"]
    sb.configure(fault_rate=0.5, faults=kinds)
    ours = [outcome(client, sb) for _ in range(40)]
    same = make_sandbox(scale=10, seed=1, rate_limit=False, fault_rate=0.5, faults=kinds)
    other = make_sandbox(scale=10, seed=2, rate_limit=False, fault_rate=0.5, faults=kinds)
    assert [outcome(client, same) for _ in range(40)] == ours
    assert [outcome(client, other) for _ in range(40)] != ours


def test_the_draws_do_not_depend_on_the_rate() -> None:
    """Raising the rate adds faults without moving the ones already there (two draws per request)."""
    low = FaultInjector(SandboxConfig(seed=5, fault_rate=0.1, faults=("500", "502")))
    high = FaultInjector(SandboxConfig(seed=5, fault_rate=0.3, faults=("500", "502")))
    pairs = [(low.draw(), high.draw()) for _ in range(500)]
    assert all(b == a for a, b in pairs if a is not None)
    assert sum(a is not None for a, _ in pairs) < sum(b is not None for _, b in pairs)


def test_unknown_fault_kinds_are_refused(client: httpx.Client, sb: Sandbox) -> None:
    with pytest.raises(Exception, match="unknown fault kinds"):
        sb.configure(faults=["500", "teapot"])
    assert sb.stats()["config"]["faults"] == list(FAULT_KINDS)
