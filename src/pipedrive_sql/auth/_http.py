"""A short-lived HTTP client for sign-in exchanges, honouring the connection's proxy, TLS and timeout."""

from __future__ import annotations

import ssl
import warnings
from collections.abc import Mapping
from typing import Any
from urllib.parse import quote

import httpx

__all__ = ["http_client"]


def http_client(settings: Mapping[str, Any]) -> httpx.Client:
    timeout = settings["Timeout"] or None  # 0 means wait forever
    return httpx.Client(
        timeout=timeout,
        verify=_verify(settings["SSLServerCert"]),
        proxy=_proxy(settings),
        follow_redirects=False,
    )


def _verify(cert: str | None) -> ssl.SSLContext | bool:
    if not cert:
        return True
    if cert.strip() == "*":
        warnings.warn(
            "SSLServerCert=* accepts any certificate: the connection is not authenticated.", stacklevel=3
        )
        return False
    return ssl.create_default_context(cafile=cert)


def _proxy(settings: Mapping[str, Any]) -> str | None:
    host = settings["ProxyServer"]
    if not host:
        return None
    user, password = settings["ProxyUser"], settings["ProxyPassword"]
    credentials = ""
    if user:
        credentials = quote(user, safe="") + (":" + quote(password, safe="") if password else "") + "@"
    return f"http://{credentials}{host}:{settings['ProxyPort']}"
