"""The ``httpx.Client`` a connection talks through: base URL, proxy, TLS trust and connection pool."""

from __future__ import annotations

import re
import ssl
import warnings
from importlib import metadata
from typing import Any

import httpx

from pipedrive_sql.api.logs import logger
from pipedrive_sql.errors import ConfigurationError
from pipedrive_sql.settings import Settings, max_concurrency

__all__ = ["base_url_for", "build_http_client", "proxy_for", "verify_for"]

_LABEL = re.compile(r"[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?")  # one DNS label, ASCII


def base_url_for(settings: Settings, override: str | None = None) -> str:
    """``override``, else BaseURL, else ``https://{CompanyDomain}.pipedrive.com`` (no trailing slash)."""
    url = override or settings["BaseURL"]
    if not url:
        domain = (settings["CompanyDomain"] or "").strip()
        if not domain:
            raise ConfigurationError(
                "CompanyDomain is missing: set CompanyDomain (acme for acme.pipedrive.com) or BaseURL.",
                property="CompanyDomain",
            )
        if "." in domain or "/" in domain:
            # Users paste "acme.pipedrive.com" or a URL; take the subdomain they meant.
            domain = domain.split("//")[-1].split(".")[0].split("/")[0]
        if not _LABEL.fullmatch(domain):
            raise ConfigurationError(
                f"CompanyDomain {domain!r} is not a Pipedrive company name: use the first part of your "
                "Pipedrive address (acme for acme.pipedrive.com): letters, digits and hyphens.",
                property="CompanyDomain",
            )
        url = f"https://{domain}.pipedrive.com"
    return str(url).rstrip("/")


def proxy_for(settings: Settings) -> httpx.Proxy | None:
    server = (settings["ProxyServer"] or "").strip()
    if not server:
        return None
    url = server if "://" in server else f"http://{server}"
    parsed = httpx.URL(url)
    if parsed.port is None:
        url = str(parsed.copy_with(port=int(settings["ProxyPort"])))
    user = settings["ProxyUser"]
    auth = (str(user), str(settings["ProxyPassword"] or "")) if user else None
    return httpx.Proxy(url, auth=auth)


def verify_for(settings: Settings) -> ssl.SSLContext | bool:
    """True (the system's and certifi's trust), a context trusting SSLServerCert, or False for ``*``."""
    cert = (settings["SSLServerCert"] or "").strip()
    if not cert:
        return True
    if cert == "*":
        message = "SSLServerCert=* accepts any TLS certificate: the connection can be intercepted."
        warnings.warn(message, stacklevel=3)
        logger.warning(message)
        return False
    try:
        if cert.startswith("-----BEGIN"):
            return ssl.create_default_context(cadata=cert)
        return ssl.create_default_context(cafile=cert)
    except (OSError, ssl.SSLError) as exc:
        raise ConfigurationError(
            f"SSLServerCert could not be read as a PEM CA bundle ({exc}): give the path of a PEM file, "
            "or * to accept any certificate.",
            property="SSLServerCert",
        ) from None


def _user_agent() -> str:
    try:
        version = metadata.version("pipedrive-sql")
    except metadata.PackageNotFoundError:
        version = "0"
    return f"pipedrive-sql/{version} httpx/{httpx.__version__}"


def build_http_client(
    settings: Settings,
    auth: httpx.Auth,
    base_url: str,
    *,
    transport: httpx.BaseTransport | None = None,
) -> httpx.Client:
    """One client per connection; httpx's pool is thread-safe, so every scan thread shares it."""
    concurrency = max_concurrency(settings)
    options: dict[str, Any] = {
        "base_url": base_url,
        "auth": auth,
        "headers": {"user-agent": _user_agent(), "accept": "application/json"},
        "limits": httpx.Limits(
            max_connections=max(10, 2 * concurrency), max_keepalive_connections=max(10, concurrency)
        ),
        "follow_redirects": False,
        "verify": verify_for(settings),
    }
    proxy = proxy_for(settings)
    if proxy is not None:
        options["proxy"] = proxy
        options["trust_env"] = False  # an explicit ProxyServer wins over HTTP(S)_PROXY
    if transport is not None:
        options["transport"] = transport
    return httpx.Client(**options)
