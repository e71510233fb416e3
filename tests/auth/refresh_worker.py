"""A separate process for test_e2e_processes.py: connect with InitiateOAuth=REFRESH, wait for GO, call the API.

Run as ``python refresh_worker.py '<json settings>'``. Prints ``READY`` once connected, reads one line
from stdin (the start signal, so that all workers hit the expired token together), then prints one JSON
line: ``{"ok", "refreshes", "token"}`` where ``token`` is a digest of the access token used (never the
token itself).
"""

from __future__ import annotations

import hashlib
import json
import sys

from pipedrive_sql.api import ApiClient
from pipedrive_sql.auth import OAuthAuth, build_auth
from pipedrive_sql.settings import build_settings


def main() -> None:
    settings = build_settings(json.loads(sys.argv[1]))
    auth, base = build_auth(settings)
    assert isinstance(auth, OAuthAuth)
    print("READY", flush=True)
    sys.stdin.readline()
    try:
        with ApiClient(settings, auth, base_url=base) as client:
            ok = bool(client.get("/api/v1/users/me").data)
        error = None
    except Exception as exc:
        ok, error = False, f"{type(exc).__name__}: {exc}"
    token = auth.tokens.access_token if auth.tokens else ""
    digest = hashlib.sha256(token.encode()).hexdigest()[:16]
    print(json.dumps({"ok": ok, "refreshes": auth.refreshes, "token": digest, "error": error}), flush=True)


if __name__ == "__main__":
    main()
