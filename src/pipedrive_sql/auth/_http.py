"""A short-lived HTTP client for sign-in exchanges, honouring the connection's proxy, TLS and timeout."""

from __future__ import annotations

import ssl
import threading
import warnings
from collections.abc import Mapping
from typing import Any
from urllib.parse import quote, urlsplit

import httpx

from pipedrive_sql.errors import ConfigurationError

__all__ = ["http_client"]

_DEFAULT_CONTEXT: ssl.SSLContext | None = None
_DEFAULT_LOCK = threading.Lock()


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
        return _default_context()
    if cert.strip() == "*":
        warnings.warn(
            "SSLServerCert=* accepts any certificate: the connection is not authenticated.", stacklevel=3
        )
        return False
    try:
        if cert.strip().startswith("-----BEGIN"):
            return ssl.create_default_context(cadata=cert)
        return ssl.create_default_context(cafile=cert)
    except (OSError, ssl.SSLError, ValueError) as exc:
        raise ConfigurationError(
            f"SSLServerCert could not be read as a PEM CA bundle ({exc}): give the path of a PEM file, "
            "or * to accept any certificate.",
            property="SSLServerCert",
        ) from None


def _default_context() -> ssl.SSLContext:
    """The system's and certifi's trust, loaded once per process (loading it costs ~0.1 s per exchange)."""
    global _DEFAULT_CONTEXT
    with _DEFAULT_LOCK:
        if _DEFAULT_CONTEXT is None:
            _DEFAULT_CONTEXT = httpx.create_ssl_context()
        return _DEFAULT_CONTEXT


def _proxy(settings: Mapping[str, Any]) -> str | None:
    host = (settings["ProxyServer"] or "").strip()
    if not host:
        return None
    parts = urlsplit(host if "://" in host else f"http://{host}")
    user, password = settings["ProxyUser"], settings["ProxyPassword"]
    credentials = ""
    if user:
        credentials = quote(user, safe="") + (":" + quote(password, safe="") if password else "") + "@"
    netloc = parts.netloc.rsplit("@", 1)[-1]
    port = "" if parts.port is not None else f":{settings['ProxyPort']}"
    return f"{parts.scheme or 'http'}://{credentials}{netloc}{port}"
