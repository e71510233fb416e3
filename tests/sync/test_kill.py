"""kill -9 in the middle of ``pipedrive-sql sync``, then a rerun: the target equals the source, with no
duplicate and no lost row (each table's batch and its mark commit together)."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from tests.cache.helpers import api, mutate

import pipedrive_sql

from .helpers import assert_equal_to_source

COMMAND = [sys.executable, "-m", "pipedrive_sql.cli", "sync"]
TABLES = ("Deals", "Persons", "Organizations", "Activities", "Stages")


def sync_args(source: Any, where: str, *extra: str) -> list[str]:
    props = f"BaseURL={source.url};APIToken={source.api_token};Pagesize=10;MaxConcurrency=1"
    return [*COMMAND, "--to", where, "-c", props, "-T", ",".join(TABLES), *extra]


def environment() -> dict[str, str]:
    src = str(Path(pipedrive_sql.__file__).resolve().parents[1])
    return {**os.environ, "PYTHONPATH": src + os.pathsep + os.environ.get("PYTHONPATH", "")}


@pytest.mark.slow
@pytest.mark.parametrize("kind", ["duckdb", "parquet", "postgresql"])
def test_kill_9_in_the_middle_then_rerun(
    kind: str, source: Any, tmp_path: Path, request: pytest.FixtureRequest
) -> None:
    if kind == "postgresql":
        where = request.getfixturevalue("postgres_url")
        import psycopg

        with psycopg.connect(where, autocommit=True) as con:  # a database of its own
            con.execute("DROP DATABASE IF EXISTS killed")
            con.execute("CREATE DATABASE killed")
        where = where.rsplit("/", 1)[0] + "/killed"
    else:
        where = str(tmp_path / ("replica.duckdb" if kind == "duckdb" else "replica"))
    source.configure(latency_ms=15)
    try:
        process = subprocess.Popen(
            sync_args(source, where),
            stderr=subprocess.PIPE,
            stdout=subprocess.DEVNULL,
            text=True,
            env=environment(),
        )
        assert process.stderr is not None
        for line in process.stderr:
            if line.startswith("Deals: full"):  # Deals is committed; Persons is being read
                break
        else:
            pytest.fail(f"the sync ended before Deals was committed (exit {process.wait()})")
        os.kill(process.pid, signal.SIGKILL)
        assert process.wait() == -signal.SIGKILL
    finally:
        source.configure(latency_ms=0)
    with api(source) as http:  # the source moves on meanwhile
        for op, kind_, pick in [("update", "deal", 21), ("delete", "deal", 22), ("merge", "person", 23)]:
            mutate(source, http, op, kind_, pick)
    rerun = subprocess.run(
        sync_args(source, where, "--json"), capture_output=True, text=True, env=environment()
    )
    assert rerun.returncode == 0, rerun.stderr
    summary = json.loads(rerun.stdout)
    modes = {t["table"]: t["mode"] for t in summary["tables"]}
    assert modes["Deals"] == "incremental"  # resumed from its committed mark
    assert modes["Persons"] == "full"  # never committed: read from the start
    with pipedrive_sql.connect(BaseURL=source.url, APIToken=source.api_token, MaxConcurrency=1) as conn:
        assert_equal_to_source(conn, kind, where, TABLES)


@pytest.mark.slow
def test_exit_codes_and_json_summary(source: Any, tmp_path: Path) -> None:
    where = str(tmp_path / "codes.duckdb")
    ok = subprocess.run(sync_args(source, where, "--json"), capture_output=True, text=True, env=environment())
    assert ok.returncode == 0, ok.stderr
    summary = json.loads(ok.stdout)
    assert summary["exit_code"] == 0 and summary["synced"] == len(TABLES) and summary["requests"] > 0
    assert {"rows", "requests", "tokens", "rate_limit_waits", "mode"} <= set(summary["tables"][0])
    bad = subprocess.run(
        [*COMMAND, "--to", where, "-c", f"BaseURL={source.url};APIToken=wrong-token", "-T", "Stages"],
        capture_output=True,
        text=True,
        env=environment(),
    )
    assert bad.returncode == 1 and "Stages: failed" in bad.stderr
