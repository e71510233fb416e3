"""Verbosity levels, the Logfile, and redaction of every secret at every level."""

from __future__ import annotations

import logging
from pathlib import Path

import httpx
import orjson
import pytest

from pipedrive_sql.api import logs, redact

from .fakes import envelope, mock_client

SECRETS = {
    "api_token": "apitoken-9f8e7d6c5b4a39281706",
    "access_token": "access-1a2b3c4d5e6f7a8b9c0d",
    "refresh_token": "refresh-0d9c8b7a6f5e4d3c2b1a",
    "client_secret": "clientsecret-5566778899aabb",
    "code": "authcode-0011223344556677",
}


@pytest.mark.parametrize(
    "text",
    [
        f"x-api-token: {SECRETS['api_token']}",
        f"{{'x-api-token': '{SECRETS['api_token']}', 'accept': 'json'}}",
        f"Authorization: Bearer {SECRETS['access_token']}",
        f"{{'authorization': 'Bearer {SECRETS['access_token']}'}}",
        f"GET https://acme.pipedrive.com/api/v1/leads?limit=5&api_token={SECRETS['api_token']}&start=0",
        f'{{"access_token": "{SECRETS["access_token"]}", "refresh_token": "{SECRETS["refresh_token"]}"}}',
        f"grant_type=authorization_code&code={SECRETS['code']}&client_secret={SECRETS['client_secret']}",
        f"redirect to http://localhost:33333/?code={SECRETS['code']}&state=xyz",
        f"token refresh failed for Bearer {SECRETS['access_token']}",
    ],
)
def test_patterns_redact_secrets_nobody_registered(text: str) -> None:
    cleaned = redact(text)
    assert not any(secret in cleaned for secret in SECRETS.values()), cleaned
    assert "[REDACTED]" in cleaned


def test_registered_secret_values_are_removed_wherever_they_appear(tmp_path: Path) -> None:
    token = "registered-secret-4242424242"

    def handler(request: httpx.Request) -> httpx.Response:
        return envelope({"echo": f"the token is {token} (said plainly)"})

    with mock_client(handler, APIToken=token, Verbosity=5, Logfile=str(tmp_path / "a.log")) as client:
        client.get("/api/v2/users/me")
    text = (tmp_path / "a.log").read_text()
    assert "said plainly" in text and token not in text


def test_verbosity_5_logs_bodies_and_headers_without_any_secret(tmp_path: Path) -> None:
    logfile = tmp_path / "driver.log"

    def handler(request: httpx.Request) -> httpx.Response:
        body = {
            "access_token": SECRETS["access_token"],
            "refresh_token": SECRETS["refresh_token"],
            "ok": "visible-body",
        }
        return envelope(body, headers={"set-cookie": "x=1"})

    class Bearer(httpx.Auth):
        def auth_flow(self, request: httpx.Request):  # type: ignore[no-untyped-def]
            request.headers["Authorization"] = f"Bearer {SECRETS['access_token']}"
            request.headers["x-api-token"] = SECRETS["api_token"]
            yield request

    with mock_client(
        handler, Verbosity=5, Logfile=str(logfile), OAuthClientSecret=SECRETS["client_secret"]
    ) as client:
        client._http.auth = Bearer()
        client.request(
            "POST", "/oauth/token", data={"code": SECRETS["code"], "client_secret": SECRETS["client_secret"]}
        )
        client.get("/api/v1/leads", {"api_token": SECRETS["api_token"]})
    text = logfile.read_text()
    assert "visible-body" in text and "response headers" in text and "request body" in text
    for name, secret in SECRETS.items():
        assert secret not in text, name


def test_verbosity_2_logs_one_line_per_request_and_no_bodies(tmp_path: Path) -> None:
    logfile = tmp_path / "v2.log"
    with mock_client(
        lambda r: envelope({"secretish": "body-text"}), Verbosity=2, Logfile=str(logfile)
    ) as client:
        client.get("/api/v2/deals/1")
    lines = logfile.read_text().splitlines()
    assert any("GET https://acme.example/api/v2/deals/1 -> 200" in line for line in lines)
    assert "body-text" not in logfile.read_text()


def test_errors_are_logged_at_verbosity_1(tmp_path: Path) -> None:
    logfile = tmp_path / "v1.log"
    body = orjson.dumps({"success": False, "error": "Deal not found"})
    with (
        mock_client(lambda r: httpx.Response(404, content=body), Verbosity=1, Logfile=str(logfile)) as client,
        pytest.raises(Exception, match="Deal not found"),
    ):
        client.get("/api/v2/deals/99")
    assert "Deal not found" in logfile.read_text()


def test_child_loggers_are_redacted_before_any_handler(caplog: pytest.LogCaptureFixture) -> None:
    child = logging.getLogger("pipedrive_sql.somewhere")
    with mock_client(lambda r: envelope({})):
        pass  # creating a client installs the filter on every pipedrive_sql.* logger
    with caplog.at_level(logging.INFO, logger="pipedrive_sql.somewhere"):
        child.info("sent Authorization: Bearer %s", SECRETS["access_token"])
    assert SECRETS["access_token"] not in caplog.text and "[REDACTED]" in caplog.text


def test_a_verbose_logfile_leaves_the_applications_handlers_as_quiet_as_configured(tmp_path: Path) -> None:
    seen: list[logging.LogRecord] = []

    class Keep(logging.Handler):
        def emit(self, record: logging.LogRecord) -> None:
            seen.append(record)

    root = logging.getLogger()
    app_handler, old_level = Keep(), root.level
    root.addHandler(app_handler)
    root.setLevel(logging.WARNING)
    driver = logging.getLogger("pipedrive_sql")
    try:
        logfile = tmp_path / "quiet.log"
        with mock_client(lambda r: envelope({"id": 1}), Verbosity=5, Logfile=str(logfile)) as client:
            client.get("/api/v2/deals/1")
            driver.info("token refreshed")  # another module of the driver, on the same logger
            driver.warning("something the application wants to see")
        text = logfile.read_text()
        assert "response body" in text and "token refreshed" in text
        assert [r.getMessage() for r in seen if r.name.startswith("pipedrive_sql")] == [
            "something the application wants to see"
        ]
        if not logs._logfiles:  # restored once no Logfile is open (another test's client may hold one)
            assert driver.propagate and driver.level == logging.NOTSET
    finally:
        root.removeHandler(app_handler)
        root.setLevel(old_level)
