"""kill -9 at random instants while several processes refresh OAuth tokens, automatically and by EXEC, against
an OAuth server that rotates refresh tokens: the token left on disk still works, without a new consent.

Every refresh (automatic, ``EXEC RefreshOAuthAccessToken``, ``pipedrive-sql oauth refresh``) holds the token
store's cross-process lock and stores the answer durably (fsync, atomic rename, fsync of the folder) before
using or returning it. The sandbox's ``refresh_rotation`` answers each refresh with a new refresh token and
keeps the old one working until the new one is first used: so a process killed before storing the answer
leaves a working token behind, and two refreshes racing outside the lock would leave a dead one (the bug of
issue 13, which this test catches as invalid_grant errors or a final token that no longer refreshes).
"""

from __future__ import annotations

import multiprocessing
import random
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

import pipedrive_sql
from pipedrive_sandbox.server import Sandbox
from pipedrive_sql import errors
from pipedrive_sql.auth import build_auth
from pipedrive_sql.auth.build import open_store

from .crash_worker import REFRESHES, run
from .helpers import approved_code, no_browser, oauth_settings

CALLBACK = "http://localhost:33333"
KILLS = 100
MODES = ("auto", "auto", "exec", "exec")


@pytest.fixture(scope="module")
def rotating() -> Iterator[Sandbox]:
    with Sandbox(scale=20, rate_limit=False, token_lifetime=1, refresh_rotation=True) as running:
        yield running


def test_the_rotating_sandbox_retires_a_refresh_token_once_its_successor_is_used(
    rotating: Sandbox, tmp_path: Path
) -> None:
    settings = oauth_settings(
        rotating,
        tmp_path / "t.oauth",
        InitiateOAuth="REFRESH",
        OAuthVerifier=approved_code(rotating, CALLBACK),
        CallbackURL=CALLBACK,
    )
    build_auth(settings, browser=no_browser)
    props = _props(rotating, tmp_path / "t.oauth")
    with pipedrive_sql.connect(**props) as conn:
        first = open_store(settings).load()
        assert first is not None
        row = conn.cursor().execute("EXEC RefreshOAuthAccessToken").fetchall()[0]
        second = open_store(settings).load()
        assert second is not None and second.refresh_token != first.refresh_token  # rotated, and stored
        assert second.refresh_token in row
        conn.cursor().execute("EXEC RefreshOAuthAccessToken").fetchall()  # uses the successor
        with pytest.raises(errors.OAuthError, match="invalid"):
            conn.cursor().execute(f"EXEC RefreshOAuthAccessToken OAuthRefreshToken='{first.refresh_token}'")


def _props(sb: Sandbox, location: Path) -> dict[str, Any]:
    return {
        "AuthScheme": "OAuth",
        "InitiateOAuth": "REFRESH",
        "OAuthClientId": sb.oauth_client_id,
        "OAuthClientSecret": sb.oauth_client_secret,
        "OAuthServerURL": sb.url,
        "OAuthSettingsLocation": str(location),
        "Timeout": 30,
    }


@pytest.mark.slow
def test_a_hundred_kills_during_refreshes_leave_a_working_token(rotating: Sandbox, tmp_path: Path) -> None:
    location = tmp_path / "shared.oauth"
    settings = oauth_settings(
        rotating,
        location,
        InitiateOAuth="REFRESH",
        OAuthVerifier=approved_code(rotating, CALLBACK),
        CallbackURL=CALLBACK,
    )
    build_auth(settings, browser=no_browser)  # signs in once; no consent after this
    props = _props(rotating, location)
    rotating.reset_stats()
    ctx = multiprocessing.get_context("forkserver")
    ctx.set_forkserver_preload(["pipedrive_sql.dbapi", "pipedrive_sql.auth", "tests.auth.crash_worker"])
    counts = ctx.Array("q", 3 * len(MODES), lock=False)
    workers: list[Any] = [None] * len(MODES)

    def start(slot: int) -> None:
        workers[slot] = ctx.Process(
            target=run, args=(MODES[slot], props, counts, slot, str(tmp_path)), daemon=True
        )
        workers[slot].start()

    chance = random.Random(13)
    try:
        for slot in range(len(MODES)):
            start(slot)
        _wait_for(lambda: sum(counts[3 * s + REFRESHES] for s in range(len(MODES))) >= 5, tmp_path)
        for _ in range(KILLS):
            before = sum(counts[3 * s + REFRESHES] for s in range(len(MODES)))
            # at a random instant once the workers are refreshing again (polling their counters, not timing)
            _wait_for(
                lambda before=before: sum(counts[3 * s + REFRESHES] for s in range(len(MODES))) > before,
                tmp_path,
            )
            time.sleep(chance.uniform(0, 0.05))  # the random instant itself, not a wait for anything
            slot = chance.randrange(len(MODES))
            workers[slot].kill()
            workers[slot].join(timeout=10)
            start(slot)
    finally:
        for worker in workers:
            if worker is not None and worker.is_alive():
                worker.kill()
                worker.join(timeout=10)
    refreshes = sum(counts[3 * s + REFRESHES] for s in range(len(MODES)))
    failures = "".join(p.read_text() for p in sorted(tmp_path.glob("errors-*.txt")))
    print(
        f"{refreshes} refreshes completed, {rotating.stats()['oauth_requests']} token requests, {KILLS} kills"
    )
    assert rotating.stats()["oauth_requests"] >= KILLS
    assert "invalid" not in failures.lower(), failures
    # The token on disk still works, and still refreshes, without any new consent.
    with pipedrive_sql.connect(**props) as conn:
        cursor = conn.cursor()
        assert cursor.execute("SELECT Id FROM Users LIMIT 1").fetchall()
        assert cursor.execute("EXEC RefreshOAuthAccessToken").fetchall()
        assert cursor.execute("SELECT Id FROM Users LIMIT 1").fetchall()


def _wait_for(condition: Any, folder: Path, timeout: float = 60.0) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            failures = "".join(p.read_text() for p in sorted(folder.glob("errors-*.txt")))
            raise AssertionError(f"the workers stopped refreshing; their errors:\n{failures[-3000:]}")
        time.sleep(0.005)
