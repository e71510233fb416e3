"""Node's `pg` client from npm, installed once into a cache folder (CI has the npm registry)."""

from __future__ import annotations

import json
import os
import shutil
from pathlib import Path
from typing import Any

import pytest

from .conftest import Running, require, run

CLIENT = Path(__file__).parent / "node" / "client.js"


@pytest.fixture(scope="session")
def node_pg() -> Path:
    """A folder whose node_modules holds `pg` 8 (npm install on first use; skipped when npm cannot reach
    its registry). PIPEDRIVE_SQL_TEST_CACHE moves the cache."""
    require("node")
    npm = require("npm")
    cache = Path(os.environ.get("PIPEDRIVE_SQL_TEST_CACHE", Path.home() / ".cache" / "pipedrive-sql-tests"))
    folder = cache / "node-pg"
    if not (folder / "node_modules" / "pg" / "package.json").exists():
        folder.mkdir(parents=True, exist_ok=True)
        installed = run(
            [npm, "install", "--prefix", str(folder), "--no-audit", "--no-fund", "pg@8"], timeout=300
        )
        if installed.returncode != 0:
            pytest.skip(f"npm could not install pg: {installed.stderr.strip()[-300:]}")
    shutil.copy(CLIENT, folder / "client.js")
    return folder


def test_node_pg_browses_previews_and_binds(driver_server: Running, driver_dbapi: Any, node_pg: Path) -> None:
    result = run(
        [
            "node",
            str(node_pg / "client.js"),
            driver_server.host,
            str(driver_server.port),
            driver_server.database,
        ],
        timeout=120,
    )
    assert result.returncode == 0, result.stderr
    out = json.loads(result.stdout.strip().splitlines()[-1])
    assert out["version"].startswith("PostgreSQL 15")
    assert "Deals" in out["tables"]
    assert "AddTime:timestamp with time zone" in out["columns"]
    cursor = driver_dbapi.cursor()
    cursor.execute("SELECT COUNT(*) FROM Deals")
    assert out["preview"] == min(1000, cursor.fetchone()[0])
    assert out["fields"] == ["Id", "Title", "CreatorUserId"]
    cursor.execute("SELECT COUNT(*) FROM Deals WHERE \"Status\" = 'won'")
    assert out["won"] == out["wonAgain"] == cursor.fetchone()[0]
    assert out["any"] == out["ids"]
