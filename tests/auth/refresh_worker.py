"""The body of one of the processes of test_e2e_refresh.py's eight-process test.

Connects with InitiateOAuth=REFRESH (the stored access token has expired), waits at the barrier so that all
processes use the expired token at the same moment, calls the API, and reports ``{"ok", "refreshes",
"token", "error"}`` where ``token`` is a digest of the access token it ended with, never the token.
"""

from __future__ import annotations

import hashlib
from typing import Any

from pipedrive_sql.api import ApiClient
from pipedrive_sql.auth import OAuthAuth, build_auth
from pipedrive_sql.settings import build_settings


def run_worker(props: dict[str, Any], barrier: Any, results: Any) -> None:
    report: dict[str, Any] = {"ok": False, "refreshes": 0, "token": "", "error": None}
    try:
        settings = build_settings(props)
        auth, base = build_auth(settings)
        assert isinstance(auth, OAuthAuth)
        barrier.wait(timeout=60)
        with ApiClient(settings, auth, base_url=base) as client:
            report["ok"] = bool(client.get("/api/v1/users/me").data)
        token = auth.tokens.access_token if auth.tokens else ""
        report.update(refreshes=auth.refreshes, token=hashlib.sha256(token.encode()).hexdigest()[:16])
    except Exception as exc:
        report["error"] = f"{type(exc).__name__}: {exc}"
    results.put(report)
