"""The sandbox as a server: authentication, errors, the observation endpoints, ``Sandbox`` and the CLI."""

from __future__ import annotations

import queue
import signal
import subprocess
import sys
import threading
from collections.abc import Callable, Iterator
from typing import Any
from urllib.parse import parse_qs, urlsplit

import httpx
import pytest

from pipedrive_sandbox import spec
from pipedrive_sandbox.__main__ import build_parser, config_from_args
from pipedrive_sandbox.config import FAULT_KINDS
from pipedrive_sandbox.oauth import client_credentials
from pipedrive_sandbox.server import Sandbox, SandboxError, base_url

ME = "/api/v1/users/me"
UNAUTHORIZED = {
    "success": False,
    "error": "unauthorized access",
    "errorCode": 401,
    "error_info": "Please check developers.pipedrive.com",
    "data": None,
    "additional_data": None,
}


@pytest.fixture(scope="module")
def own() -> Iterator[Sandbox]:
    """A sandbox for this module's tests that must not disturb the session's (nor need a fresh one)."""
    with Sandbox(scale=10) as running:
        yield running


@pytest.fixture(scope="module")
def client() -> Iterator[httpx.Client]:
    with httpx.Client(timeout=10, verify=False) as c:  # plain HTTP: no CA bundle to load
        yield c


def bearer_token(client: httpx.Client, sb: Sandbox) -> str:
    """An OAuth access token from a sandbox started with ``auto_approve``."""
    redirect_uri = "http://127.0.0.1:9/cb"
    location = client.get(sb.authorize_url(redirect_uri)).headers["location"]
    code = parse_qs(urlsplit(location).query)["code"][0]
    form = {"grant_type": "authorization_code", "code": code, "redirect_uri": redirect_uri}
    answer = client.post(
        f"{sb.url}/oauth/token", data=form, auth=(sb.oauth_client_id, sb.oauth_client_secret)
    )
    token: str = answer.json()["access_token"]
    return token


# ---- authentication ----------------------------------------------------------------------------------


def test_the_api_token_header_authenticates(sandbox: Sandbox, client: httpx.Client) -> None:
    answer = client.get(sandbox.url + ME, headers={"x-api-token": sandbox.api_token})
    assert answer.status_code == 200
    assert answer.json()["data"]["id"] == sandbox.store.main_user_id


def test_the_api_token_query_parameter_authenticates(sandbox: Sandbox, client: httpx.Client) -> None:
    answer = client.get(sandbox.url + ME, params={"api_token": sandbox.api_token})
    assert answer.status_code == 200
    assert answer.json()["data"]["id"] == sandbox.store.main_user_id


def test_v1_paths_answer_under_both_prefixes(sandbox: Sandbox, client: httpx.Client) -> None:
    answer = client.get(sandbox.url + "/v1/users/me", headers={"x-api-token": sandbox.api_token})
    assert answer.status_code == 200


def test_a_bearer_token_authenticates_as_the_approving_user(
    make_sandbox: Callable[..., Sandbox], client: httpx.Client
) -> None:
    sb = make_sandbox(scale=10, auto_approve=True)
    answer = client.get(sb.url + ME, headers={"Authorization": f"Bearer {bearer_token(client, sb)}"})
    assert answer.status_code == 200
    assert answer.json()["data"]["id"] == sb.store.main_user_id


def test_each_user_has_a_token_of_their_own(sandbox: Sandbox, client: httpx.Client) -> None:
    others = [
        u for uid, u in sandbox.store.users.items() if uid != sandbox.store.main_user_id and u["active_flag"]
    ]
    assert others, "the generated company has more than one active user"
    answer = client.get(sandbox.url + ME, headers={"x-api-token": others[0]["api_token"]})
    assert answer.json()["data"]["id"] == others[0]["id"]


@pytest.mark.parametrize(
    "headers",
    [
        {},
        {"x-api-token": "0" * 40},
        {"Authorization": "Bearer v1u:not-a-token"},
        {"Authorization": "Basic dXNlcjpwYXNz"},
    ],
    ids=["none", "unknown api token", "unknown bearer", "not bearer"],
)
def test_missing_or_bad_credentials_get_pipedrives_401(
    sandbox: Sandbox, client: httpx.Client, headers: dict[str, str]
) -> None:
    answer = client.get(sandbox.url + ME, headers=headers)
    assert answer.status_code == 401
    assert answer.json() == UNAUTHORIZED


def test_unknown_api_paths_are_401_without_a_token_and_404_with_one(
    sandbox: Sandbox, client: httpx.Client
) -> None:
    assert client.get(sandbox.url + "/api/v2/nothing-here").json() == UNAUTHORIZED
    answer = client.get(sandbox.url + "/api/v2/nothing-here", headers={"x-api-token": sandbox.api_token})
    assert answer.status_code == 404
    assert answer.json()["success"] is False and answer.json()["error"] == "Unknown method ."
    other = client.get(sandbox.url + "/favicon.ico")
    assert other.status_code == 404 and other.json()["success"] is False


# ---- observation endpoints ---------------------------------------------------------------------------


def test_stats_count_requests_per_operation_and_tokens(
    make_sandbox: Callable[..., Sandbox], client: httpx.Client
) -> None:
    sb = make_sandbox(rate_limit=False)
    headers = {"x-api-token": sb.api_token}
    client.get(sb.url + ME, headers=headers)
    client.get(sb.url + ME, headers=headers)
    client.get(sb.url + "/v1/users/me", headers=headers)
    client.get(sb.url + ME)  # 401: counted, not charged
    stats = sb.stats()
    assert stats["total"] == 4
    assert stats["by_operation"] == {"GET /api/v1/users/me": 3, "GET /v1/users/me": 1}
    assert stats["by_status"] == {"200": 3, "401": 1}
    assert stats["unauthorized"] == 1
    assert stats["tokens_spent"] == 3 * spec.token_cost("GET", ME)
    assert stats["rate_limited"] == 0
    assert stats["config"]["rate_limit"] is False
    assert "oauth_client_secret" not in stats["config"]


def test_reset_zeroes_the_counters(make_sandbox: Callable[..., Sandbox], client: httpx.Client) -> None:
    sb = make_sandbox()
    client.get(sb.url + ME, headers={"x-api-token": sb.api_token})
    zeroed = sb.reset_stats()
    assert zeroed["total"] == 0 and zeroed["by_operation"] == {} and zeroed["tokens_spent"] == 0
    assert sb.stats()["total"] == 0


def test_config_changes_at_run_time(make_sandbox: Callable[..., Sandbox], client: httpx.Client) -> None:
    sb = make_sandbox()
    now = sb.configure(latency_ms=5, fault_rate=0.5, faults="500,reset", plan="lite", token_lifetime=30)
    assert now["latency_ms"] == 5 and now["fault_rate"] == 0.5 and now["faults"] == ["500", "reset"]
    assert now["plan"] == "lite" and now["token_lifetime"] == 30
    assert sb.config.plan == "lite"
    assert client.get(sb.url + "/__sandbox/config").json() == now


@pytest.mark.parametrize(
    "change",
    [{"plan": "platinum"}, {"fault_rate": 2}, {"latency_ms": -1}, {"seed": 3}, {"rate_limit": "yes"}],
)
def test_bad_config_changes_are_refused_whole(
    own: Sandbox, client: httpx.Client, change: dict[str, Any]
) -> None:
    sb = own
    before = sb.stats()["config"]
    answer = client.post(sb.url + "/__sandbox/config", json={"latency_ms": 7, **change})
    assert answer.status_code == 400
    assert answer.json()["success"] is False
    assert sb.stats()["config"] == before
    with pytest.raises(SandboxError):
        sb.configure(**change)


def test_the_clock_moves_forward_only(own: Sandbox, client: httpx.Client) -> None:
    sb = own
    before = sb.stats()["clock_offset"]
    sb.advance_clock(90)
    assert sb.stats()["clock_offset"] == before + 90
    assert client.post(sb.url + "/__sandbox/clock", json={"advance": -5}).status_code == 400


# ---- the Sandbox object ------------------------------------------------------------------------------


def test_the_sandbox_binds_loopback_on_a_free_port(sandbox: Sandbox) -> None:
    assert sandbox.url == f"http://127.0.0.1:{sandbox.port}"
    assert sandbox.port > 0


def test_credentials_come_from_the_seed_unless_given(
    make_sandbox: Callable[..., Sandbox], client: httpx.Client
) -> None:
    sb = make_sandbox(scale=10, seed=7, api_token="my-token", oauth_client_id="cid", oauth_client_secret="cs")
    assert (sb.api_token, sb.oauth_client_id, sb.oauth_client_secret) == ("my-token", "cid", "cs")
    assert client.get(sb.url + ME, headers={"x-api-token": "my-token"}).status_code == 200
    derived = make_sandbox(scale=10, seed=7)
    assert (derived.oauth_client_id, derived.oauth_client_secret) == client_credentials(derived.config)
    assert len(derived.oauth_client_id) == 20 and len(derived.oauth_client_secret) == 40
    assert make_sandbox(scale=10, seed=8).oauth_client_id != derived.oauth_client_id


def test_a_stopped_sandbox_is_gone(client: httpx.Client) -> None:
    sb = Sandbox(scale=10)
    with sb:
        url = sb.url
        assert client.get(url + "/__sandbox/stats").status_code == 200
    with pytest.raises(httpx.ConnectError):
        httpx.get(url + "/__sandbox/stats", timeout=2)


def test_base_urls_name_a_reachable_host() -> None:
    assert base_url("127.0.0.1", 80) == "http://127.0.0.1:80"
    assert base_url("0.0.0.0", 81) == "http://127.0.0.1:81"
    assert base_url("::1", 82) == "http://[::1]:82"


# ---- the command line --------------------------------------------------------------------------------


def test_the_cli_has_the_documented_options() -> None:
    options = {o for action in build_parser()._actions for o in action.option_strings}
    assert options == {
        "-h",
        "--help",
        "--host",
        "--port",
        "--seed",
        "--scale",
        "--api-token",
        "--oauth-client-id",
        "--oauth-client-secret",
        "--token-lifetime",
        "--plan",
        "--latency-ms",
        "--fault-rate",
        "--faults",
        "--auto-approve",
        "--no-rate-limit",
    }
    config = config_from_args(
        build_parser().parse_args(["--faults", "500,reset", "--no-rate-limit", "--port", "0"])
    )
    assert config.faults == ("500", "reset") and config.rate_limit is False and config.port == 0
    defaults = config_from_args(build_parser().parse_args([]))
    assert defaults.host == "127.0.0.1" and defaults.port == 8765 and defaults.faults == FAULT_KINDS


@pytest.mark.parametrize("argv", [["--faults", "500,teapot"], ["--fault-rate", "1.5"], ["--plan", "gold"]])
def test_the_cli_refuses_bad_options(argv: list[str]) -> None:
    with pytest.raises(SystemExit) as exited:
        build_parser().parse_args(argv)
    assert exited.value.code == 2


def _lines(stream: Any, into: queue.Queue[str]) -> None:
    for line in stream:
        into.put(line)
    into.put("")


def test_serve_prints_its_url_and_credentials_then_serves(client: httpx.Client) -> None:
    argv = [
        sys.executable,
        "-m",
        "pipedrive_sandbox",
        "--port",
        "0",
        "--scale",
        "20",
        "--api-token",
        "cli-token",
        "--oauth-client-id",
        "cli-client",
        "--oauth-client-secret",
        "cli-secret",
        "--plan",
        "lite",
    ]
    proc = subprocess.Popen(argv, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    lines: queue.Queue[str] = queue.Queue()
    threading.Thread(target=_lines, args=(proc.stdout, lines), daemon=True).start()
    try:
        printed: dict[str, str] = {}
        before: list[str] = []  # stderr's progress line, or an error to show if it never starts
        while not (first := lines.get(timeout=60)).startswith("Pipedrive sandbox running at "):
            assert first, "".join(before)
            before.append(first)
        url = first.split(" at ", 1)[1].strip()
        assert url.startswith("http://127.0.0.1:")
        while (line := lines.get(timeout=10)) and not line.startswith("Press Ctrl+C"):
            key, _, value = line.strip().partition(":")
            printed[key] = value.strip()
        assert printed["API token"] == "cli-token"
        assert printed["OAuth client id"] == "cli-client"
        assert printed["OAuth client secret"] == "cli-secret"
        answer = client.get(url + ME, headers={"x-api-token": "cli-token"})
        assert answer.status_code == 200
        assert answer.headers["x-ratelimit-limit"] == "20"
    finally:
        proc.send_signal(signal.SIGINT)  # Ctrl+C: a graceful stop and a clean exit
        proc.wait(timeout=15)
    assert proc.returncode == 0
