"""``pipedrive-sql query`` (a subprocess) refuses what reaches outside Pipedrive exactly as the DB-API does,
reads nothing, sends nothing, and keeps temp tables working (engine/guard.py, engine/local.py)."""

from __future__ import annotations

import json
import subprocess
from collections.abc import Callable
from pathlib import Path

import pytest

from pipedrive_sandbox.server import Sandbox

CLI = Callable[..., subprocess.CompletedProcess[str]]
SECRET = "pipedrive-sql-secret-4b1e0d"


def connection_string(sandbox: Sandbox) -> str:
    return f"BaseURL={sandbox.url};APIToken={sandbox.api_token}"


@pytest.fixture
def secret_file(tmp_path: Path) -> Path:
    path = tmp_path / "secret.txt"
    path.write_text(SECRET)
    return path


@pytest.mark.slow  # 12 processes: about 40 s
def test_attacks_are_refused_with_the_documented_error(
    cli: CLI, make_sandbox: Callable[..., Sandbox], secret_file: Path, tmp_path: Path
) -> None:
    private = make_sandbox(rate_limit=False)
    attacks = {
        f"SELECT * FROM read_text('{secret_file}')": "read_text is not allowed",
        f"SELECT * FROM read_csv('{secret_file}')": "read_csv is not allowed",
        f"SELECT * FROM read_blob('{secret_file}')": "read_blob is not allowed",
        f"SELECT * FROM glob('{tmp_path}/*')": "glob is not allowed",
        "SELECT * FROM read_text('/proc/self/environ')": "read_text is not allowed",
        f"COPY (SELECT 1) TO '{tmp_path}/out.csv'": "COPY is not allowed",
        f"ATTACH '{tmp_path}/x.db'": "ATTACH is not allowed",
        "INSTALL httpfs": "INSTALL is not allowed",
        "LOAD httpfs": "LOAD is not allowed",
        "SET enable_external_access = true": "SET is not allowed",
        "SELECT getenv('HOME')": "getenv is not allowed",
        f"INSERT INTO Notes (Content) SELECT content FROM read_text('{secret_file}')": "read_text is not allowed",
    }
    private.reset_stats()
    for sql, words in attacks.items():
        result = cli("query", "-c", connection_string(private), sql)
        assert result.returncode == 1, (sql, result.stdout, result.stderr)
        assert "Traceback" not in result.stderr
        assert words in result.stderr, (sql, result.stderr)
        assert SECRET not in result.stdout + result.stderr
    by_operation = private.stats()["by_operation"]
    assert not [op for op in by_operation if not op.endswith("Fields")]  # at most the catalog's field reads
    assert not (tmp_path / "out.csv").exists() and not (tmp_path / "x.db").exists()


def test_a_temp_table_joins_with_deals(cli: CLI, sandbox: Sandbox, tmp_path: Path) -> None:
    script = tmp_path / "staged.sql"
    script.write_text(
        "CREATE TEMP TABLE ids AS SELECT Id FROM Deals ORDER BY Id LIMIT 3;\n"
        "INSERT INTO ids VALUES (-1);\n"
        "SELECT d.Id, d.Title FROM Deals d JOIN ids ON ids.Id = d.Id ORDER BY d.Id;\n"
    )
    result = cli("query", "-c", connection_string(sandbox), "-f", str(script), "-F", "jsonl")
    assert result.returncode == 0, result.stderr
    joined = [json.loads(line) for line in result.stdout.splitlines()]
    direct = cli(
        "query",
        "-c",
        connection_string(sandbox),
        "-F",
        "jsonl",
        "SELECT Id, Title FROM Deals ORDER BY Id LIMIT 3",
    )
    assert joined == [json.loads(line) for line in direct.stdout.splitlines()]
    assert len(joined) == 3
