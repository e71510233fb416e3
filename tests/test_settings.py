from __future__ import annotations

from pathlib import Path

import pytest

from pipedrive_sql.errors import ConfigurationError
from pipedrive_sql.settings import PROPERTIES, build_settings, parse_connection_string, properties_markdown

ROOT = Path(__file__).resolve().parents[1]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        (
            "AuthScheme=Basic;APIToken=abc;CompanyDomain=acme",
            {"AuthScheme": "Basic", "APIToken": "abc", "CompanyDomain": "acme"},
        ),
        ("  APIToken = abc ; ;CompanyDomain=acme;", {"APIToken": "abc", "CompanyDomain": "acme"}),
        ("APIToken='a;b';Logfile=\"c:\\x;y\"", {"APIToken": "a;b", "Logfile": "c:\\x;y"}),
        ("APIToken={a;b}}c}", {"APIToken": "a;b}c"}),
        ("APIToken='it''s'", {"APIToken": "it's"}),
        ("", {}),
    ],
)
def test_parse_connection_string(text: str, expected: dict[str, str]) -> None:
    assert parse_connection_string(text) == expected


@pytest.mark.parametrize("text", ["APIToken", "APIToken='abc", "=abc", "APIToken='a' b"])
def test_malformed_connection_strings_are_configuration_errors(text: str) -> None:
    with pytest.raises(ConfigurationError):
        parse_connection_string(text)


def test_layers_override_in_order_and_names_are_case_insensitive() -> None:
    s = build_settings({"apitoken": "dsn", "Timeout": "5"}, {"APITOKEN": "string"}, {"timeout": 9})
    assert s["APIToken"] == "string"
    assert s["timeout"] == 9
    assert s.is_set("Timeout") and not s.is_set("Pagesize")
    assert s["Pagesize"] == 500  # default


def test_values_are_typed_and_checked() -> None:
    s = build_settings({"IncludeCustomFields": "no", "AuthScheme": "oauth", "MaxRows": "10"})
    assert s["IncludeCustomFields"] is False
    assert s["AuthScheme"] == "OAuth"
    assert s["MaxRows"] == 10
    for bad, name in [
        ({"Pagesize": "900"}, "Pagesize"),
        ({"Timeout": "soon"}, "Timeout"),
        ({"AuthScheme": "Token"}, "AuthScheme"),
        ({"Sandbox": "perhaps"}, "Sandbox"),
    ]:
        with pytest.raises(ConfigurationError) as info:
            build_settings(bad)
        assert info.value.property == name
        assert name in str(info.value)


def test_unknown_property_suggests_the_close_match() -> None:
    with pytest.raises(
        ConfigurationError, match=r"Unknown connection property 'APITokn'\. Did you mean APIToken\?"
    ):
        build_settings({"APITokn": "x"})


def test_secrets_are_masked_in_repr_and_masked() -> None:
    s = build_settings({"APIToken": "tok-secret-123", "OAuthClientSecret": "cs-999", "CompanyDomain": "acme"})
    assert "tok-secret-123" not in repr(s)
    masked = s.masked()
    assert masked["APIToken"] == "********" and masked["OAuthClientSecret"] == "********"
    assert masked["CompanyDomain"] == "acme"
    assert all(
        p.secret
        for p in PROPERTIES
        if p.name
        in {
            "APIToken",
            "OAuthClientSecret",
            "OAuthAccessToken",
            "OAuthRefreshToken",
            "OAuthVerifier",
            "ProxyPassword",
        }
    )


def test_reference_doc_is_generated_from_the_table() -> None:
    doc = (ROOT / "docs" / "connection-properties.md").read_text()
    assert doc == properties_markdown(), (
        "regenerate: python -m pipedrive_sql.settings > docs/connection-properties.md"
    )
