"""The body of the processes of test_refresh_crash.py: refresh OAuth tokens in a loop until killed.

``auto`` workers call the API with InitiateOAuth=REFRESH and a token that lives one second, so they refresh
automatically (by expiry, under the store's lock); ``exec`` workers run ``EXEC RefreshOAuthAccessToken``
through the DB-API. Each counts what it did in its own slots of a shared array (no lock: a worker killed
while holding one would block the test) and appends any error text to ``errors-SLOT.txt``.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pipedrive_sql
from pipedrive_sql.api import ApiClient
from pipedrive_sql.auth import OAuthAuth, build_auth
from pipedrive_sql.settings import build_settings

REFRESHES, CALLS, ERRORS = 0, 1, 2  # the slots of one worker: counts[3 * slot + X]


def run(mode: str, props: dict[str, Any], counts: Any, slot: int, folder: str) -> None:
    errors = Path(folder) / f"errors-{slot}.txt"
    while True:
        try:
            if mode == "auto":
                _auto(props, counts, slot)
            else:
                _exec(props, counts, slot)
        except Exception as exc:
            counts[3 * slot + ERRORS] += 1
            with errors.open("a") as f:
                f.write(f"{mode}: {type(exc).__name__}: {exc}\n")


def _auto(props: dict[str, Any], counts: Any, slot: int) -> None:
    settings = build_settings(props)
    auth, base = build_auth(settings)
    assert isinstance(auth, OAuthAuth)
    with ApiClient(settings, auth, base_url=base) as client:
        for _ in range(20):
            before = auth.refreshes
            client.get("/api/v1/users/me")
            counts[3 * slot + CALLS] += 1
            counts[3 * slot + REFRESHES] += auth.refreshes - before


def _exec(props: dict[str, Any], counts: Any, slot: int) -> None:
    with pipedrive_sql.connect(**props) as conn:
        cursor = conn.cursor()
        for _ in range(20):
            cursor.execute("EXEC RefreshOAuthAccessToken")
            assert cursor.fetchall()
            counts[3 * slot + REFRESHES] += 1
            counts[3 * slot + CALLS] += 1
