"""A tiny in-process OAuth server + API for offline tests of the auth package (httpx.MockTransport).

It exists for what the sandbox cannot easily produce (counting exactly which requests an auth flow sends,
a token endpoint that fails on cue); the end-to-end tests use the real sandbox over HTTP.
"""

from __future__ import annotations

import base64
import itertools
import threading
from dataclasses import dataclass, field
from urllib.parse import parse_qs

import httpx
import orjson

CLIENT_ID = "client-abc"
CLIENT_SECRET = "s3cret-client-secret-value"
SERVER = "https://oauth.example.test"
API = "https://acme.example.test"


@dataclass
class FakeOAuth:
    lifetime: int = 3600
    valid_access: set[str] = field(default_factory=set)
    valid_refresh: set[str] = field(default_factory=lambda: {"refresh-1"})
    codes: set[str] = field(default_factory=lambda: {"code-1"})
    token_calls: list[dict[str, str]] = field(default_factory=list)
    api_calls: list[dict[str, str | bytes]] = field(default_factory=list)
    fail_token_with: tuple[int, dict[str, str]] | None = None
    _n: itertools.count = field(default_factory=lambda: itertools.count(1))
    _lock: threading.Lock = field(default_factory=threading.Lock)

    def transport(self) -> httpx.MockTransport:
        return httpx.MockTransport(self.handle)

    def client(self) -> httpx.Client:
        return httpx.Client(transport=self.transport())

    def handle(self, request: httpx.Request) -> httpx.Response:
        if request.url.path == "/oauth/token":
            return self._token(request)
        with self._lock:
            # a snapshot: the auth flow mutates and re-sends the same Request object
            self.api_calls.append(
                {"authorization": request.headers.get("authorization", ""), "content": request.content}
            )
        auth = request.headers.get("authorization", "")
        if not auth.startswith("Bearer ") or auth[7:] not in self.valid_access:
            return httpx.Response(401, json={"success": False, "error": "unauthorized access"})
        return httpx.Response(200, json={"success": True, "data": {"name": "Ann", "email": "ann@x.test"}})

    def _token(self, request: httpx.Request) -> httpx.Response:
        form = {k: v[0] for k, v in parse_qs(request.content.decode()).items()}
        with self._lock:
            self.token_calls.append(form)
        expected = base64.b64encode(f"{CLIENT_ID}:{CLIENT_SECRET}".encode()).decode()
        if request.headers.get("authorization") != f"Basic {expected}":
            return _err(401, "invalid_client", "Invalid client: client is invalid")
        if self.fail_token_with:
            status, body = self.fail_token_with
            return httpx.Response(status, json=body)
        grant = form.get("grant_type")
        with self._lock:
            if grant == "authorization_code":
                if form.get("code") not in self.codes:
                    return _err(400, "invalid_grant", "Invalid grant: authorization code is invalid")
                self.codes.discard(form["code"])
                refresh = f"refresh-{next(self._n) + 100}"
                self.valid_refresh.add(refresh)
            elif grant == "refresh_token":
                refresh = form.get("refresh_token", "")
                if refresh not in self.valid_refresh:
                    return _err(400, "invalid_grant", "Invalid grant: refresh token is invalid")
            else:
                return _err(400, "unsupported_grant_type", "Unsupported grant type")
            access = f"access-{next(self._n)}"
            self.valid_access.add(access)
        return httpx.Response(
            200,
            json={
                "access_token": access,
                "token_type": "Bearer",
                "refresh_token": refresh,
                "scope": "base,deals:read",
                "expires_in": self.lifetime,
                "api_domain": API,
            },
        )

    @property
    def refreshes(self) -> int:
        return sum(1 for c in self.token_calls if c.get("grant_type") == "refresh_token")


def _err(status: int, error: str, message: str) -> httpx.Response:
    return httpx.Response(
        status, content=orjson.dumps({"success": False, "error": error, "message": message})
    )
