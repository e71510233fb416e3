"""``pipedrive-sql serve --sandbox`` with the sandbox's own options (scale, seed, latency, plan), checked
through a real PostgreSQL client against what the same sandbox gives in-process; the engine's errors reach
that client in our words."""

from __future__ import annotations

import re
import signal
import subprocess
from collections.abc import Callable
from typing import Any

import pytest
from tests.cli.helpers import COMMAND, default_sigint

import pipedrive_sql

CLI = Callable[..., subprocess.CompletedProcess[str]]


def _listening_port(proc: subprocess.Popen[str]) -> int:
    assert proc.stderr is not None
    seen = []
    for line in proc.stderr:  # the server announces itself on stderr, then logs there
        seen.append(line)
        match = re.search(r"^Listening on 127\.0\.0\.1:(\d+)", line)
        if match:
            return int(match.group(1))
    raise AssertionError(f"the server did not say it listens: {''.join(seen)}")


def test_serve_sandbox_takes_scale_seed_latency_and_plan(env: dict[str, str]) -> None:
    psycopg = pytest.importorskip("psycopg")
    options = [
        "--sandbox-scale",
        "30",
        "--sandbox-seed",
        "7",
        "--sandbox-latency-ms",
        "1",
        "--sandbox-plan",
        "lite",
    ]
    proc = subprocess.Popen(
        [*COMMAND, "serve", "--sandbox", *options, "--trust", "--port", "0", "--log-level", "WARNING"],
        env=env, stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True,
        preexec_fn=default_sigint,
    )  # fmt: skip
    try:
        port = _listening_port(proc)
        with psycopg.connect(f"host=127.0.0.1 port={port} dbname=sandbox connect_timeout=10") as conn:
            props: dict[str, Any] = dict(
                conn.execute(
                    """SELECT "Name", "Value" FROM sys_connection_props WHERE "Name" LIKE 'Sandbox%'"""
                ).fetchall()
            )
            served = conn.execute('SELECT "Id", "Title" FROM "Deals" ORDER BY "Id"').fetchall()
        with psycopg.connect(f"host=127.0.0.1 port={port} dbname=sandbox connect_timeout=10") as conn:
            # the engine's errors reach a PostgreSQL client in the same words, with PostgreSQL's code
            with pytest.raises(psycopg.errors.UndefinedColumn) as caught:
                conn.execute('SELECT "Titel" FROM "Deals"')
            assert caught.value.diag.message_primary == (
                'column "Titel" does not exist in Deals; did you mean "Title"?'
            )
        proc.send_signal(signal.SIGINT)
        assert proc.wait(timeout=30) == 0
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
    assert props["SandboxScale"] == "30" and props["SandboxSeed"] == "7"
    assert props["SandboxLatency"] == "1" and props["SandboxPlan"] == "lite"
    with pipedrive_sql.connect(Sandbox=True, SandboxScale=30, SandboxSeed=7) as local:
        cursor = local.cursor()
        cursor.execute("SELECT Id, Title FROM Deals ORDER BY Id")
        expected = cursor.fetchall()
    assert [tuple(row) for row in served] == expected and 0 < len(expected) <= 30


def test_sandbox_options_need_sandbox(cli: CLI) -> None:
    result = cli("serve", "--sandbox-scale", "5", "--sandbox-plan", "lite", "--port", "0")
    assert result.returncode == 2
    assert "add --sandbox" in result.stderr and "--sandbox-scale" in result.stderr
    bad = cli("serve", "--sandbox", "--sandbox-plan", "gold", "--port", "0")
    assert bad.returncode == 2 and "gold" in bad.stderr
