"""Base URL, proxy and TLS settings turned into the httpx client's options."""

from __future__ import annotations

import ssl
from pathlib import Path

import certifi
import pytest

from pipedrive_sql.api.transport import base_url_for, proxy_for, verify_for
from pipedrive_sql.errors import ConfigurationError
from pipedrive_sql.settings import build_settings


@pytest.mark.parametrize(
    ("values", "override", "expected"),
    [
        ({"CompanyDomain": "acme"}, None, "https://acme.pipedrive.com"),
        ({"CompanyDomain": "acme.pipedrive.com"}, None, "https://acme.pipedrive.com"),
        ({"CompanyDomain": "https://acme.pipedrive.com/"}, None, "https://acme.pipedrive.com"),
        ({"CompanyDomain": "acme", "BaseURL": "http://127.0.0.1:8765/"}, None, "http://127.0.0.1:8765"),
        ({"CompanyDomain": "acme"}, "https://api-eu.example/", "https://api-eu.example"),  # OAuth api_domain
    ],
)
def test_base_url(values: dict[str, str], override: str | None, expected: str) -> None:
    assert base_url_for(build_settings(values), override) == expected


def test_a_missing_company_domain_says_what_to_set() -> None:
    with pytest.raises(ConfigurationError, match="CompanyDomain is missing"):
        base_url_for(build_settings({}))


def test_proxy_with_port_and_credentials() -> None:
    settings = build_settings(
        {"ProxyServer": "proxy.local", "ProxyPort": 3128, "ProxyUser": "u", "ProxyPassword": "p"}
    )
    proxy = proxy_for(settings)
    assert proxy is not None
    assert str(proxy.url) == "http://proxy.local:3128" and proxy.auth == ("u", "p")
    assert proxy_for(build_settings({})) is None
    explicit = proxy_for(build_settings({"ProxyServer": "https://proxy.local:8443"}))
    assert explicit is not None and str(explicit.url) == "https://proxy.local:8443"


def test_tls_trust_from_sslservercert(tmp_path: Path) -> None:
    assert verify_for(build_settings({})) is True
    assert isinstance(verify_for(build_settings({"SSLServerCert": certifi.where()})), ssl.SSLContext)
    with pytest.warns(UserWarning, match="accepts any TLS certificate"):
        assert verify_for(build_settings({"SSLServerCert": "*"})) is False
    with pytest.raises(ConfigurationError, match="SSLServerCert"):
        verify_for(build_settings({"SSLServerCert": str(tmp_path / "missing.pem")}))
