"""``pipedrive-sql sandbox serve``: the options of issue 2, delegated to pipedrive_sandbox.server.serve."""

from __future__ import annotations

import re
import signal
import socket
import subprocess
from collections.abc import Callable, Iterator
from typing import Any

import httpx
import pytest
from tests.cli.helpers import COMMAND, default_sigint

CLI = Callable[..., subprocess.CompletedProcess[str]]


@pytest.fixture
def serve(env: dict[str, str]) -> Iterator[Callable[..., tuple[subprocess.Popen[str], dict[str, str]]]]:
    started: list[subprocess.Popen[str]] = []

    def start(*args: str) -> tuple[subprocess.Popen[str], dict[str, str]]:
        proc = subprocess.Popen(
            [*COMMAND, "sandbox", "serve", *args],
            env=env,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
            preexec_fn=default_sigint,
        )
        started.append(proc)
        return proc, read_banner(proc)

    yield start
    for proc in started:
        if proc.poll() is None:
            proc.kill()
            proc.wait()


def read_banner(proc: subprocess.Popen[str]) -> dict[str, str]:
    """The URL and credentials the sandbox prints before it serves."""
    assert proc.stdout is not None
    found: dict[str, str] = {}
    for line in proc.stdout:
        if match := re.search(r"running at (http://\S+)", line):
            found["url"] = match.group(1)
        elif ":" in line and found:
            key, _, value = line.strip().partition(":")
            found[key.strip()] = value.strip()
        if line.startswith("Press Ctrl+C"):
            return found
    raise AssertionError(f"no banner; stderr: {proc.stderr.read() if proc.stderr else ''}")


def test_serve_prints_its_url_and_credentials_and_stops_on_ctrl_c(serve: Any) -> None:
    proc, banner = serve(
        "--port", "0", "--scale", "20", "--seed", "7", "--api-token", "cli-token", "--no-rate-limit"
    )
    assert banner["url"].startswith("http://127.0.0.1:")
    assert banner["API token"] == "cli-token"
    assert banner["OAuth client id"] and banner["OAuth client secret"]
    response = httpx.get(f"{banner['url']}/api/v2/deals", headers={"x-api-token": "cli-token"}, timeout=10)
    assert response.status_code == 200 and response.json()["success"] is True
    assert "x-ratelimit-limit" not in response.headers  # --no-rate-limit reached the server
    proc.send_signal(signal.SIGINT)
    assert proc.wait(timeout=20) == 0


def test_serve_passes_plan_latency_faults_and_oauth_options(serve: Any) -> None:
    proc, banner = serve(
        "--port", "0", "--scale", "10", "--plan", "lite", "--latency-ms", "1",
        "--fault-rate", "0", "--faults", "500,reset", "--token-lifetime", "60",
        "--oauth-client-id", "my-client", "--oauth-client-secret", "my-secret", "--auto-approve",
    )  # fmt: skip
    assert banner["OAuth client id"] == "my-client"
    config = httpx.post(f"{banner['url']}/__sandbox/config", json={}, timeout=10).json()
    flat = str(config)
    assert "lite" in flat and "reset" in flat
    authorize = httpx.get(
        f"{banner['url']}/oauth/authorize",
        params={"client_id": "my-client", "redirect_uri": "http://localhost:1/cb", "state": "s"},
        timeout=10,
    )
    assert authorize.status_code == 302  # --auto-approve: no consent page
    proc.send_signal(signal.SIGINT)
    assert proc.wait(timeout=20) == 0


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--plan", "platinum"], "'platinum' is not one of lite, growth, premium, ultimate"),
        (["--faults", "500,meltdown"], "meltdown"),
        (["--fault-rate", "1.5"], "--fault-rate"),
        (["--port", "70000"], "--port"),
    ],
)
def test_bad_options_are_usage_errors(cli: CLI, args: list[str], message: str) -> None:
    result = cli("sandbox", "serve", *args)
    assert result.returncode == 2, result.stderr
    assert message in result.stderr and "Traceback" not in result.stderr


def test_a_port_in_use_is_a_clear_error(cli: CLI) -> None:
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        result = cli("sandbox", "serve", "--port", str(port), "--scale", "5")
    assert result.returncode == 1
    assert "The sandbox could not start" in result.stderr and "Traceback" not in result.stderr
