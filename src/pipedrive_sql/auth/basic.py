"""AuthScheme=Basic: the personal API token, sent in the ``x-api-token`` header."""

from __future__ import annotations

from collections.abc import Generator

import httpx


class ApiTokenAuth(httpx.Auth):
    def __init__(self, token: str) -> None:
        self._token = token

    def auth_flow(self, request: httpx.Request) -> Generator[httpx.Request, httpx.Response, None]:
        request.headers["x-api-token"] = self._token
        yield request

    def __repr__(self) -> str:  # never show the token
        return "ApiTokenAuth(token='********')"
