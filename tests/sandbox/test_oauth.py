"""The sandbox's OAuth server, driven over HTTP the way a browser and an app would drive Pipedrive's."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from html.parser import HTMLParser
from typing import Any
from urllib.parse import parse_qs, urlencode, urljoin, urlsplit

import httpx
import pytest

from pipedrive_sandbox.server import Sandbox

REDIRECT_URI = "http://127.0.0.1:8719/callback"
FORM = {"content-type": "application/x-www-form-urlencoded"}


@dataclass
class Form:
    action: str = ""
    method: str = "get"
    fields: dict[str, str] = field(default_factory=dict)
    buttons: dict[str, tuple[str, str]] = field(default_factory=dict)  # label -> (name, value)


class FormParser(HTMLParser):
    """The forms of a page: hidden inputs and submit buttons, as a browser would submit them."""

    def __init__(self) -> None:
        super().__init__()
        self.forms: list[Form] = []
        self._button: tuple[str, str] | None = None
        self._label = ""

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = {k: v or "" for k, v in attrs}
        if tag == "form":
            self.forms.append(Form(a.get("action", ""), a.get("method", "get").lower()))
        elif tag == "input" and self.forms and a.get("name"):
            self.forms[-1].fields[a["name"]] = a.get("value", "")
        elif tag == "button" and self.forms:
            self._button, self._label = (a.get("name", ""), a.get("value", "")), ""

    def handle_data(self, data: str) -> None:
        if self._button is not None:
            self._label += data

    def handle_endtag(self, tag: str) -> None:
        if tag == "button" and self._button is not None and self.forms:
            self.forms[-1].buttons[self._label.strip()] = self._button
            self._button = None


def consent_form(page: str) -> Form:
    parser = FormParser()
    parser.feed(page)
    assert len(parser.forms) == 1, "the consent page has one form"
    return parser.forms[0]


def query(location: str) -> dict[str, str]:
    return {k: v[0] for k, v in parse_qs(urlsplit(location).query).items()}


@pytest.fixture(scope="module")
def oauth_sandbox() -> Iterator[Sandbox]:
    with Sandbox(scale=30, rate_limit=False, token_lifetime=600) as running:
        yield running


@pytest.fixture
def sb(oauth_sandbox: Sandbox) -> Sandbox:
    oauth_sandbox.reset_stats()
    return oauth_sandbox


@pytest.fixture(scope="module")
def client() -> Iterator[httpx.Client]:
    with httpx.Client(timeout=10, verify=False) as c:  # plain HTTP: no CA bundle to load
        yield c


def click(
    client: httpx.Client, sb: Sandbox, label: str, state: str = "st-1", scope: str | None = None
) -> str:
    """Open the consent page, press the button labelled ``label``; the redirect's Location."""
    page = client.get(sb.authorize_url(REDIRECT_URI, state=state, scope=scope))
    assert page.status_code == 200
    assert page.headers["content-type"].startswith("text/html")
    form = consent_form(page.text)
    name, value = form.buttons[label]
    answer = client.request(
        form.method, urljoin(str(page.url), form.action), data={**form.fields, name: value}
    )
    assert answer.status_code == 302
    return answer.headers["location"]


def approve(client: httpx.Client, sb: Sandbox, state: str = "st-1", scope: str | None = None) -> str:
    location = click(client, sb, "Allow and install", state, scope)
    assert location.startswith(REDIRECT_URI + "?")
    return query(location)["code"]


def token_request(
    client: httpx.Client, sb: Sandbox, secret: str | None = None, **form: str
) -> httpx.Response:
    auth = (sb.oauth_client_id, secret if secret is not None else sb.oauth_client_secret)
    # Explicitly form-encoded, even when empty (httpx sends no content type for an empty form).
    return client.post(f"{sb.url}/oauth/token", content=urlencode(form), headers=FORM, auth=auth)


def exchange(client: httpx.Client, sb: Sandbox, code: str) -> dict[str, Any]:
    answer = token_request(client, sb, grant_type="authorization_code", code=code, redirect_uri=REDIRECT_URI)
    assert answer.status_code == 200, answer.text
    body: dict[str, Any] = answer.json()
    return body


def me(client: httpx.Client, sb: Sandbox, access_token: str) -> httpx.Response:
    return client.get(f"{sb.url}/api/v1/users/me", headers={"Authorization": f"Bearer {access_token}"})


def assert_oauth_error(answer: httpx.Response, error: str, message: str) -> None:
    assert answer.status_code == 400
    assert answer.json() == {
        "success": False,
        "error": error,
        "message": message,
        "error_description": message,
    }


# ---- authorize -------------------------------------------------------------------------------------


def test_approving_on_the_consent_page_gives_tokens_that_work(client: httpx.Client, sb: Sandbox) -> None:
    page = client.get(sb.authorize_url(REDIRECT_URI, state="xyz"))
    assert "Allow and install" in page.text and "deals:full" in page.text
    code = approve(client, sb, state="xyz")
    tokens = exchange(client, sb, code)

    assert set(tokens) == {"access_token", "token_type", "refresh_token", "scope", "expires_in", "api_domain"}
    assert tokens["token_type"] == "Bearer"
    assert tokens["expires_in"] == 600
    assert tokens["api_domain"] == sb.url
    assert tokens["scope"].startswith("base,")
    answer = me(client, sb, tokens["access_token"])
    assert answer.status_code == 200
    assert answer.json()["data"]["id"] == sb.store.main_user_id


def test_the_redirect_carries_state_and_keeps_the_callbacks_own_query(
    client: httpx.Client, sb: Sandbox
) -> None:
    url = sb.authorize_url(REDIRECT_URI + "?tenant=7", state="s p&ce")
    form = consent_form(client.get(url).text)
    answer = client.post(urljoin(sb.url, form.action), data={**form.fields, "decision": "approve"})
    params = query(answer.headers["location"])
    assert params["tenant"] == "7" and params["state"] == "s p&ce" and params["code"]


def test_requested_scopes_are_granted_with_base(client: httpx.Client, sb: Sandbox) -> None:
    tokens = exchange(client, sb, approve(client, sb, scope="deals:read contacts:read"))
    assert tokens["scope"] == "base,deals:read,contacts:read"


def test_cancel_redirects_with_user_denied(client: httpx.Client, sb: Sandbox) -> None:
    location = click(client, sb, "Cancel", state="abc")
    assert query(location) == {"error": "user_denied", "state": "abc"}


def test_a_consent_page_answers_once(client: httpx.Client, sb: Sandbox) -> None:
    form = consent_form(client.get(sb.authorize_url(REDIRECT_URI)).text)
    first = client.post(urljoin(sb.url, form.action), data={**form.fields, "decision": "approve"})
    again = client.post(urljoin(sb.url, form.action), data={**form.fields, "decision": "approve"})
    assert first.status_code == 302
    assert again.status_code == 400


@pytest.mark.parametrize(
    ("params", "title"),
    [
        ({"client_id": "not-our-app", "redirect_uri": REDIRECT_URI}, "App cannot be installed"),
        ({"redirect_uri": REDIRECT_URI}, "App cannot be installed"),
        ({"client_id": "OURS", "redirect_uri": "not a uri"}, "Invalid request"),
        ({"client_id": "OURS"}, "Invalid request"),
    ],
)
def test_authorize_errors_are_pages_not_redirects(
    client: httpx.Client, sb: Sandbox, params: dict[str, str], title: str
) -> None:
    params = {k: sb.oauth_client_id if v == "OURS" else v for k, v in params.items()}
    answer = client.get(f"{sb.url}/oauth/authorize", params=params)
    assert answer.status_code == 400
    assert "location" not in answer.headers
    assert title in answer.text


def test_auto_approve_redirects_at_once(make_sandbox: Callable[..., Sandbox], client: httpx.Client) -> None:
    sb = make_sandbox(scale=10, auto_approve=True)
    answer = client.get(sb.authorize_url(REDIRECT_URI, state="q"))
    assert answer.status_code == 302
    params = query(answer.headers["location"])
    assert params["state"] == "q"
    assert me(client, sb, exchange(client, sb, params["code"])["access_token"]).status_code == 200


# ---- the token endpoint ----------------------------------------------------------------------------


def test_client_credentials_in_the_body_work_too(client: httpx.Client, sb: Sandbox) -> None:
    form = {
        "grant_type": "authorization_code",
        "code": approve(client, sb),
        "redirect_uri": REDIRECT_URI,
        "client_id": sb.oauth_client_id,
        "client_secret": sb.oauth_client_secret,
    }
    assert client.post(f"{sb.url}/oauth/token", data=form).status_code == 200


def test_a_code_works_once_and_its_replay_revokes_the_tokens(client: httpx.Client, sb: Sandbox) -> None:
    code = approve(client, sb)
    tokens = exchange(client, sb, code)
    replay = token_request(client, sb, grant_type="authorization_code", code=code, redirect_uri=REDIRECT_URI)
    assert_oauth_error(replay, "invalid_grant", "Invalid grant: authorization code is invalid")
    assert me(client, sb, tokens["access_token"]).status_code == 401
    refresh = token_request(client, sb, grant_type="refresh_token", refresh_token=tokens["refresh_token"])
    assert_oauth_error(refresh, "invalid_grant", "Invalid grant: refresh token is invalid")


def test_a_code_expires_after_five_minutes(
    make_sandbox: Callable[..., Sandbox], client: httpx.Client
) -> None:
    sb = make_sandbox(scale=10)
    code = approve(client, sb)
    sb.advance_clock(301)
    answer = token_request(client, sb, grant_type="authorization_code", code=code, redirect_uri=REDIRECT_URI)
    assert_oauth_error(answer, "invalid_grant", "Invalid grant: authorization code has expired")


def test_a_code_is_bound_to_its_redirect_uri(client: httpx.Client, sb: Sandbox) -> None:
    code = approve(client, sb)
    other = token_request(
        client, sb, grant_type="authorization_code", code=code, redirect_uri="http://127.0.0.1:1/elsewhere"
    )
    assert_oauth_error(other, "invalid_request", "Invalid request: `redirect_uri` is invalid")
    missing = token_request(client, sb, grant_type="authorization_code", code=code)
    assert_oauth_error(missing, "invalid_request", "Invalid request: `redirect_uri` is not a valid URI")
    assert exchange(client, sb, code)["access_token"]  # the failed attempts did not use the code up


def test_an_unknown_code_is_invalid(client: httpx.Client, sb: Sandbox) -> None:
    answer = token_request(
        client, sb, grant_type="authorization_code", code="1.2.nope", redirect_uri=REDIRECT_URI
    )
    assert_oauth_error(answer, "invalid_grant", "Invalid grant: authorization code is invalid")


def test_a_wrong_client_secret_is_refused(client: httpx.Client, sb: Sandbox) -> None:
    code = approve(client, sb)
    answer = token_request(
        client, sb, "wrong-secret", grant_type="authorization_code", code=code, redirect_uri=REDIRECT_URI
    )
    assert_oauth_error(answer, "invalid_client", "Invalid client: client is invalid")


def test_missing_client_credentials_are_refused(client: httpx.Client, sb: Sandbox) -> None:
    answer = client.post(f"{sb.url}/oauth/token", data={"grant_type": "refresh_token", "refresh_token": "x"})
    assert_oauth_error(answer, "invalid_client", "Invalid client: cannot retrieve client credentials")


@pytest.mark.parametrize(
    ("form", "error", "message"),
    [
        ({}, "invalid_request", "Missing parameter: `grant_type`"),
        (
            {"grant_type": "password"},
            "unsupported_grant_type",
            "Unsupported grant type: `grant_type` is invalid",
        ),
        ({"grant_type": "authorization_code"}, "invalid_request", "Missing parameter: `code`"),
        ({"grant_type": "refresh_token"}, "invalid_request", "Missing parameter: `refresh_token`"),
    ],
)
def test_malformed_token_requests(
    client: httpx.Client, sb: Sandbox, form: dict[str, str], error: str, message: str
) -> None:
    assert_oauth_error(token_request(client, sb, **form), error, message)


def test_the_token_endpoint_wants_a_form(client: httpx.Client, sb: Sandbox) -> None:
    answer = client.post(
        f"{sb.url}/oauth/token",
        json={"grant_type": "refresh_token"},
        auth=(sb.oauth_client_id, sb.oauth_client_secret),
    )
    assert_oauth_error(
        answer, "invalid_request", "Invalid request: content must be application/x-www-form-urlencoded"
    )


# ---- refresh, expiry, revoke -----------------------------------------------------------------------


def test_refresh_gives_a_new_access_token_and_keeps_the_refresh_token(
    client: httpx.Client, sb: Sandbox
) -> None:
    tokens = exchange(client, sb, approve(client, sb))
    answer = token_request(client, sb, grant_type="refresh_token", refresh_token=tokens["refresh_token"])
    assert answer.status_code == 200
    fresh = answer.json()
    assert fresh["access_token"] != tokens["access_token"]
    assert fresh["refresh_token"] == tokens["refresh_token"]
    assert fresh["api_domain"] == sb.url
    assert me(client, sb, fresh["access_token"]).status_code == 200
    # also on the documented "/oauth/token/" spelling
    again = client.post(
        f"{sb.url}/oauth/token/",
        data={"grant_type": "refresh_token", "refresh_token": tokens["refresh_token"]},
        auth=(sb.oauth_client_id, sb.oauth_client_secret),
    )
    assert again.status_code == 200


def test_access_tokens_expire_after_the_token_lifetime(
    make_sandbox: Callable[..., Sandbox], client: httpx.Client
) -> None:
    sb = make_sandbox(scale=10, token_lifetime=60)
    tokens = exchange(client, sb, approve(client, sb))
    assert tokens["expires_in"] == 60
    sb.advance_clock(59)
    assert me(client, sb, tokens["access_token"]).status_code == 200
    sb.advance_clock(2)
    expired = me(client, sb, tokens["access_token"])
    assert expired.status_code == 401
    assert expired.json()["error"] == "unauthorized access"
    answer = token_request(client, sb, grant_type="refresh_token", refresh_token=tokens["refresh_token"])
    assert me(client, sb, answer.json()["access_token"]).status_code == 200


def test_revoking_a_refresh_token_revokes_its_access_tokens(client: httpx.Client, sb: Sandbox) -> None:
    tokens = exchange(client, sb, approve(client, sb))
    second = token_request(
        client, sb, grant_type="refresh_token", refresh_token=tokens["refresh_token"]
    ).json()
    answer = client.post(
        f"{sb.url}/oauth/revoke",
        data={"token": tokens["refresh_token"], "token_type_hint": "refresh_token"},
        auth=(sb.oauth_client_id, sb.oauth_client_secret),
    )
    assert answer.status_code == 200
    assert me(client, sb, tokens["access_token"]).status_code == 401
    assert me(client, sb, second["access_token"]).status_code == 401
    refresh = token_request(client, sb, grant_type="refresh_token", refresh_token=tokens["refresh_token"])
    assert_oauth_error(refresh, "invalid_grant", "Invalid grant: refresh token is invalid")


def test_revoking_an_access_token_leaves_the_refresh_token(client: httpx.Client, sb: Sandbox) -> None:
    tokens = exchange(client, sb, approve(client, sb))
    answer = client.post(
        f"{sb.url}/oauth/revoke",
        data={"token": tokens["access_token"]},
        auth=(sb.oauth_client_id, sb.oauth_client_secret),
    )
    assert answer.status_code == 200
    assert me(client, sb, tokens["access_token"]).status_code == 401
    fresh = token_request(client, sb, grant_type="refresh_token", refresh_token=tokens["refresh_token"])
    assert me(client, sb, fresh.json()["access_token"]).status_code == 200


def test_revoke_answers_200_for_unknown_tokens_and_checks_the_client(
    client: httpx.Client, sb: Sandbox
) -> None:
    ours = (sb.oauth_client_id, sb.oauth_client_secret)
    assert client.post(f"{sb.url}/oauth/revoke", data={"token": "never-issued"}, auth=ours).status_code == 200
    stranger = client.post(f"{sb.url}/oauth/revoke", data={"token": "x"}, auth=(sb.oauth_client_id, "bad"))
    assert_oauth_error(stranger, "invalid_client", "Invalid client: client is invalid")
    missing = client.post(f"{sb.url}/oauth/revoke", data={"token_type_hint": "access_token"}, auth=ours)
    assert_oauth_error(missing, "invalid_request", "Missing parameter: `token`")


def test_oauth_requests_are_counted_apart_and_not_rate_limited(client: httpx.Client, sb: Sandbox) -> None:
    sb.reset_stats()
    client.get(sb.authorize_url(REDIRECT_URI))
    stats = sb.stats()
    assert stats["oauth_requests"] == 1
    assert stats["total"] == 0


def test_a_token_only_reaches_the_operations_its_scopes_allow(client: httpx.Client, sb: Sandbox) -> None:
    tokens = exchange(client, sb, approve(client, sb, scope="leads:read"))
    headers = {"Authorization": f"Bearer {tokens['access_token']}"}
    assert client.get(f"{sb.url}/api/v1/leads", headers=headers).status_code == 200
    assert client.get(f"{sb.url}/api/v1/users/me", headers=headers).status_code == 200  # "base"
    refused = client.get(f"{sb.url}/api/v2/deals", headers=headers)
    assert refused.status_code == 403
    assert refused.json()["error"] == "Scope and URL mismatch"
    assert client.get(f"{sb.url}/api/v2/deals", headers={"x-api-token": sb.api_token}).status_code == 200
