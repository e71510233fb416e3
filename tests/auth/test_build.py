"""build_auth: Basic and OAuth, the errors that name the missing property, and InitiateOAuth offline."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import httpx
import pytest

from pipedrive_sql.auth import ApiTokenAuth, OAuthAuth, build_auth
from pipedrive_sql.auth.build import property_tokens
from pipedrive_sql.errors import ConfigurationError
from pipedrive_sql.settings import build_settings


def settings(**props: Any):
    return build_settings(props)


def test_basic_is_the_default_and_leaves_the_host_to_the_caller() -> None:
    auth, base = build_auth(settings(APIToken="abc123", CompanyDomain="acme"))
    assert isinstance(auth, ApiTokenAuth) and base is None
    request = httpx.Request("GET", "https://acme.pipedrive.com/api/v2/deals")
    assert next(auth.auth_flow(request)).headers["x-api-token"] == "abc123"


def test_missing_api_token_names_it_and_where_to_find_it() -> None:
    with pytest.raises(ConfigurationError) as caught:
        build_auth(settings(CompanyDomain="acme"))
    assert caught.value.property == "APIToken"
    assert "Settings > Personal preferences > API" in str(caught.value)
    assert "AuthScheme=OAuth" in str(caught.value)


def test_api_token_with_spaces_is_refused_without_showing_it() -> None:
    with pytest.raises(ConfigurationError) as caught:
        build_auth(settings(APIToken="abc 123", CompanyDomain="acme"))
    assert caught.value.property == "APIToken" and "abc 123" not in str(caught.value)


def test_missing_company_domain_is_named_unless_base_url_or_sandbox() -> None:
    with pytest.raises(ConfigurationError) as caught:
        build_auth(settings(APIToken="t"))
    assert caught.value.property == "CompanyDomain"
    build_auth(settings(APIToken="t", BaseURL="http://127.0.0.1:1"))
    build_auth(settings(APIToken="t", Sandbox=True))


@pytest.mark.parametrize("value", ["acme corp", "acme.example.com", "https://acme.pipedrive.com/deals"])
def test_a_company_domain_that_is_no_subdomain_is_refused(value: str) -> None:
    with pytest.raises(ConfigurationError, match=r"only the name before \.pipedrive\.com") as caught:
        build_auth(settings(APIToken="t", CompanyDomain=value))
    assert caught.value.property == "CompanyDomain"


@pytest.mark.parametrize("value", ["acme", "acme.pipedrive.com", "https://acme.pipedrive.com/"])
def test_a_pasted_pipedrive_host_is_accepted_like_the_api_client_does(value: str) -> None:
    build_auth(settings(APIToken="t", CompanyDomain=value))


@pytest.mark.parametrize("missing", ["OAuthClientId", "OAuthClientSecret"])
def test_oauth_names_missing_client_credentials(missing: str, tmp_path: Path) -> None:
    props = {
        "AuthScheme": "OAuth",
        "InitiateOAuth": "REFRESH",
        "OAuthClientId": "cid",
        "OAuthClientSecret": "sec",
        "OAuthSettingsLocation": str(tmp_path / "t"),
    }
    del props[missing]
    with pytest.raises(ConfigurationError) as caught:
        build_auth(settings(**props))
    assert caught.value.property == missing and "Developer Hub" in str(caught.value)


def test_refresh_without_any_tokens_explains_the_ways_to_get_them(tmp_path: Path) -> None:
    with pytest.raises(ConfigurationError) as caught:
        build_auth(
            settings(
                AuthScheme="OAuth",
                InitiateOAuth="REFRESH",
                OAuthClientId="cid",
                OAuthClientSecret="sec",
                OAuthSettingsLocation=str(tmp_path / "none.oauth"),
            )
        )
    text = str(caught.value)
    assert caught.value.property == "OAuthSettingsLocation"
    assert "OAuthVerifier" in text and "GetOAuthAuthorizationURL" in text and "never opens a browser" in text
    assert not (tmp_path / "none.oauth").exists()


def test_off_connects_without_a_token_so_procedures_can_run() -> None:
    auth, base = build_auth(settings(AuthScheme="OAuth", InitiateOAuth="OFF"))
    assert isinstance(auth, OAuthAuth) and not auth.refreshing
    assert base == "https://api.pipedrive.com"  # no host known: Pipedrive's company-neutral one


def test_oauth_host_is_base_url_then_api_domain_then_company_domain() -> None:
    from pipedrive_sql.auth.build import api_base_url

    assert api_base_url(settings(BaseURL="http://proxy"), "https://acme.pipedrive.com") is None
    assert (
        api_base_url(settings(CompanyDomain="acme"), "https://acme.pipedrive.com")
        == "https://acme.pipedrive.com"
    )
    assert api_base_url(settings(CompanyDomain="acme"), None) is None
    assert api_base_url(settings(), None) == "https://api.pipedrive.com"


def test_off_uses_the_given_token_with_its_expiry() -> None:
    auth, _ = build_auth(
        settings(
            AuthScheme="OAuth",
            InitiateOAuth="OFF",
            OAuthAccessToken="tok",
            OAuthExpiresIn=3600,
            OAuthTokenTimestamp=1_000,
        )
    )
    assert isinstance(auth, OAuthAuth)
    assert auth.tokens is not None and auth.tokens.is_expired()  # issued in 1970


def test_a_refresh_token_alone_counts_as_expired() -> None:
    tokens = property_tokens(settings(OAuthRefreshToken="r"))
    assert tokens is not None and tokens.is_expired() and tokens.refresh_token == "r"
    assert property_tokens(settings()) is None
