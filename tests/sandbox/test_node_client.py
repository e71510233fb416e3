"""Pipedrive's official Node client (npm ``pipedrive``) against the sandbox: v1 users (find by name, the
current user) and v2 deals and persons (list, get, add), as a user of the client would call them.

The client is installed from the npm registry once into a cache folder outside the repository (as
tests/server/test_node.py installs ``pg``); the script that drives it, node/official_client.mjs, is kept
here. The test is skipped only when node or npm is not installed (CI installs both, scripts/setup.sh)."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
from collections.abc import Callable
from pathlib import Path
from typing import Any

import httpx
import pytest

from pipedrive_sandbox.server import Sandbox

SCRIPT = Path(__file__).parent / "node" / "official_client.mjs"
MAJOR = 33  # the client's current major version (npm view pipedrive version: 33.7.0)


def require(binary: str) -> str:
    path = shutil.which(binary)
    if path is None:
        pytest.skip(f"{binary} is not installed (CI installs nodejs and npm: scripts/setup.sh)")
    return path


@pytest.fixture(scope="session")
def node_pipedrive() -> Path:
    """A folder whose node_modules holds the official client, major version ``MAJOR`` (npm install on
    first use). PIPEDRIVE_SQL_TEST_CACHE moves the cache."""
    require("node")
    npm = require("npm")
    cache = Path(os.environ.get("PIPEDRIVE_SQL_TEST_CACHE", Path.home() / ".cache" / "pipedrive-sql-tests"))
    folder = cache / f"node-pipedrive-{MAJOR}"
    if not (folder / "node_modules" / "pipedrive" / "package.json").exists():
        folder.mkdir(parents=True, exist_ok=True)
        installed = subprocess.run(
            [npm, "install", "--prefix", str(folder), "--no-audit", "--no-fund", f"pipedrive@{MAJOR}"],
            capture_output=True,
            text=True,
            timeout=300,
        )
        assert installed.returncode == 0, (
            f"npm could not install pipedrive@{MAJOR}: {installed.stderr[-500:]}"
        )
    return folder


def test_official_node_client_reads_and_writes(
    make_sandbox: Callable[..., Sandbox], node_pipedrive: Path
) -> None:
    sandbox = make_sandbox(seed=5, rate_limit=False, latency_ms=0, fault_rate=0.0)
    store: Any = sandbox.store
    me = store.user_for_api_token(sandbox.api_token)
    # a piece of a user's name in other letter case: the search is by substring, case-insensitively
    name = next(user["name"] for user in store.users.values() if user["id"] != me)
    term = name.split()[-1][:4].upper()
    email = next(user["email"] for user in store.users.values() if user["id"] != me)
    email_term = email.split("@")[1]  # a domain: matches that user's email, never a name
    person_id = min(id_ for id_, person in store.tables["person"].items() if not person.get("is_deleted"))
    with httpx.Client(base_url=sandbox.url, headers={"x-api-token": sandbox.api_token}, timeout=30) as api:
        over_http = api.get("/api/v2/deals", params={"limit": 500, "sort_by": "id", "sort_direction": "asc"})
        assert over_http.status_code == 200, over_http.text
        person_over_http = api.get(f"/api/v2/persons/{person_id}").json()["data"]

        result = subprocess.run(
            [
                "node",
                str(SCRIPT),
                str(node_pipedrive),
                sandbox.url,
                sandbox.api_token,
                term,
                email_term,
                str(person_id),
            ],
            capture_output=True,
            text=True,
            timeout=60,
        )
        assert result.returncode == 0, result.stderr
        out = json.loads(result.stdout.strip().splitlines()[-1])
        assert out["version"].startswith(f"{MAJOR}.")

        # v1 UsersApi.findUsersByName: GET /api/v1/users/find?term=
        found = out["found"]
        assert found["success"] is True and found["data"]
        assert all(term.lower() in user["name"].lower() for user in found["data"])
        assert name in [user["name"] for user in found["data"]]
        assert sorted(user["id"] for user in found["data"]) == sorted(
            user["id"] for user in store.users.values() if term.lower() in user["name"].lower()
        )

        by_email = out["byEmail"]["data"]
        assert email in [user["email"] for user in by_email]
        assert all(email_term in user["email"].lower() for user in by_email)

        # v1 UsersApi.getCurrentUser: GET /api/v1/users/me
        assert out["me"]["success"] is True
        assert out["me"]["data"]["id"] == me
        assert out["me"]["data"]["company_id"] == store.company_id

        # v2 DealsApi.getDeals: the same page the sandbox answers over HTTP
        assert out["listed"] == over_http.json()
        assert out["listed"]["data"]

        # v2 PersonsApi.getPerson
        assert out["person"]["success"] is True
        assert out["person"]["data"] == person_over_http
        assert out["person"]["data"]["id"] == person_id

        # v2 DealsApi.addDeal, then read back by the client and over HTTP
        added = out["added"]["data"]
        assert out["added"]["success"] is True
        assert (added["title"], added["value"], added["currency"], added["person_id"]) == (
            "Node client deal",
            1234,
            "EUR",
            person_id,
        )
        assert out["reread"]["data"] == added
        assert api.get(f"/api/v2/deals/{added['id']}").json()["data"] == added
        assert added["id"] in store.tables["deal"]
