"""OAuthAuth against an in-process fake: bearer header, refresh on expiry and on 401, OFF, threads."""

from __future__ import annotations

import threading
import time
from pathlib import Path

import httpx
import pytest

from pipedrive_sql.auth import FileTokenStore, MemoryTokenStore, OAuthAuth, OAuthEndpoints, TokenSet
from pipedrive_sql.auth.tokens import now_ms
from pipedrive_sql.errors import AuthenticationError, ConfigurationError, OAuthError

from .fakes import API, CLIENT_ID, CLIENT_SECRET, SERVER, FakeOAuth

ENDPOINTS = OAuthEndpoints(SERVER, CLIENT_ID, CLIENT_SECRET)


def fresh(
    access: str, *, age_s: float = 0, lifetime: int = 3600, refresh: str | None = "refresh-1"
) -> TokenSet:
    return TokenSet(
        access_token=access,
        refresh_token=refresh,
        expires_in=lifetime,
        timestamp=now_ms() - int(age_s * 1000),
        api_domain=API,
    )


def test_sends_the_bearer_token() -> None:
    fake = FakeOAuth(valid_access={"access-0"})
    auth = OAuthAuth(fresh("access-0"), endpoints=ENDPOINTS, store=MemoryTokenStore("t1"))
    with fake.client() as http:
        assert http.get(API + "/api/v1/users/me", auth=auth).status_code == 200
    assert fake.api_calls[0]["authorization"] == "Bearer access-0"
    assert fake.token_calls == []


def test_refreshes_before_sending_a_token_known_to_be_expired() -> None:
    fake = FakeOAuth()  # access-0 is not valid any more
    store = MemoryTokenStore("t2")
    auth = OAuthAuth(fresh("access-0", age_s=3599), endpoints=ENDPOINTS, store=store)
    with fake.client() as http:
        assert http.get(API + "/x", auth=auth).status_code == 200
    assert fake.refreshes == 1
    assert len(fake.api_calls) == 1  # the expired token never left
    saved = store.load()
    assert saved is not None and saved.access_token == "access-1" and saved.refresh_token == "refresh-1"
    assert saved.api_domain == API and auth.refreshes == 1


def test_a_401_refreshes_once_and_retries_once() -> None:
    fake = FakeOAuth()
    auth = OAuthAuth(fresh("revoked-token"), endpoints=ENDPOINTS, store=MemoryTokenStore("t3"))
    with fake.client() as http:
        response = http.get(API + "/x", auth=auth)
    assert response.status_code == 200
    assert fake.refreshes == 1
    assert [r["authorization"] for r in fake.api_calls] == ["Bearer revoked-token", "Bearer access-1"]


def test_a_second_401_is_returned_not_looped() -> None:
    fake = FakeOAuth()
    fake.valid_access = set()

    def handler(request: httpx.Request) -> httpx.Response:
        if request.url.path == "/oauth/token":
            return fake.handle(request)
        fake.api_calls.append({"authorization": request.headers["authorization"]})
        return httpx.Response(401, json={"success": False})

    auth = OAuthAuth(fresh("a"), endpoints=ENDPOINTS, store=MemoryTokenStore("t4"))
    with httpx.Client(transport=httpx.MockTransport(handler)) as http:
        assert http.get(API + "/x", auth=auth).status_code == 401
    assert fake.refreshes == 1 and len(fake.api_calls) == 2


def test_a_post_body_is_sent_again_after_the_refresh() -> None:
    fake = FakeOAuth()
    auth = OAuthAuth(fresh("stale"), endpoints=ENDPOINTS, store=MemoryTokenStore("t5"))
    with fake.client() as http:
        http.post(API + "/x", json={"title": "Deal"}, auth=auth)
    assert [r["content"] for r in fake.api_calls] == [b'{"title":"Deal"}'] * 2


def test_refresh_request_is_a_form_with_basic_client_credentials() -> None:
    request = ENDPOINTS.refresh_request("refresh-1")
    assert request.url == SERVER + "/oauth/token"
    assert request.headers["content-type"] == "application/x-www-form-urlencoded"
    assert request.headers["authorization"].startswith("Basic ")
    assert request.content == b"grant_type=refresh_token&refresh_token=refresh-1"
    assert CLIENT_SECRET.encode() not in request.content


def test_revoked_refresh_token_is_a_clear_error() -> None:
    fake = FakeOAuth(valid_refresh=set())
    auth = OAuthAuth(fresh("a", age_s=4000), endpoints=ENDPOINTS, store=MemoryTokenStore("t6"))
    with fake.client() as http, pytest.raises(OAuthError) as caught:
        http.get(API + "/x", auth=auth)
    message = str(caught.value)
    assert "refresh token was refused" in message and "Sign in again" in message
    assert "refresh-1" not in message and caught.value.error == "invalid_grant"


def test_wrong_client_secret_is_a_clear_error() -> None:
    fake = FakeOAuth()
    wrong = OAuthEndpoints(SERVER, CLIENT_ID, "not-the-secret")
    auth = OAuthAuth(fresh("a", age_s=4000), endpoints=wrong, store=MemoryTokenStore("t7"))
    with fake.client() as http, pytest.raises(OAuthError) as caught:
        http.get(API + "/x", auth=auth)
    assert "OAuthClientSecret" in str(caught.value) and "not-the-secret" not in str(caught.value)


def test_no_refresh_token_says_sign_in_again() -> None:
    auth = OAuthAuth(fresh("a", age_s=4000, refresh=None), endpoints=ENDPOINTS, store=MemoryTokenStore("t8"))
    with FakeOAuth().client() as http, pytest.raises(AuthenticationError, match="sign in again"):
        http.get(API + "/x", auth=auth)


# --- InitiateOAuth=OFF ----------------------------------------------------------------------------------


def test_off_uses_the_token_as_given_and_never_refreshes() -> None:
    fake = FakeOAuth(valid_access={"given"})
    auth = OAuthAuth(fresh("given"))
    with fake.client() as http:
        assert http.get(API + "/x", auth=auth).status_code == 200
    assert not auth.refreshing and fake.token_calls == []


def test_off_with_an_expired_token_names_refresh_procedure() -> None:
    auth = OAuthAuth(fresh("given", age_s=3700))
    fake = FakeOAuth(valid_access={"given"})
    with fake.client() as http, pytest.raises(AuthenticationError) as caught:
        http.get(API + "/x", auth=auth)
    assert "RefreshOAuthAccessToken" in str(caught.value)
    assert fake.api_calls == [] and fake.token_calls == []


def test_off_with_a_rejected_token_names_refresh_procedure() -> None:
    with FakeOAuth().client() as http, pytest.raises(AuthenticationError, match="RefreshOAuthAccessToken"):
        http.get(API + "/x", auth=OAuthAuth(TokenSet("unknown")))


def test_off_without_a_token_fails_at_the_first_request_naming_the_property() -> None:
    auth = OAuthAuth(None)
    with FakeOAuth().client() as http, pytest.raises(ConfigurationError) as caught:
        http.get(API + "/x", auth=auth)
    assert caught.value.property == "OAuthAccessToken"


# --- concurrency ----------------------------------------------------------------------------------------


def test_many_threads_finding_the_token_expired_refresh_once(tmp_path: Path) -> None:
    fake = FakeOAuth()
    store = FileTokenStore(tmp_path / "t.oauth", CLIENT_ID, CLIENT_SECRET)
    store.save(fresh("old", age_s=4000))
    auth = OAuthAuth(store.load(), endpoints=ENDPOINTS, store=store)
    barrier = threading.Barrier(16)
    results: list[int] = []

    def work() -> None:
        barrier.wait()
        with fake.client() as http:
            results.append(http.get(API + "/x", auth=auth).status_code)

    threads = [threading.Thread(target=work) for _ in range(16)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert results == [200] * 16
    assert fake.refreshes == 1


def test_tokens_refreshed_by_another_process_are_picked_up_without_a_refresh(tmp_path: Path) -> None:
    fake = FakeOAuth(valid_access={"theirs"})
    path = tmp_path / "t.oauth"
    mine = FileTokenStore(path, CLIENT_ID, CLIENT_SECRET)
    mine.save(fresh("old", age_s=4000))
    auth = OAuthAuth(mine.load(), endpoints=ENDPOINTS, store=mine)
    time.sleep(0.01)  # distinct mtime for the other writer on coarse-timestamp filesystems
    FileTokenStore(path, CLIENT_ID, CLIENT_SECRET).save(fresh("theirs"))  # "another process"
    with fake.client() as http:
        assert http.get(API + "/x", auth=auth).status_code == 200
    assert fake.token_calls == []
    assert fake.api_calls[0]["authorization"] == "Bearer theirs"


def test_a_client_that_gives_up_mid_refresh_releases_the_lock(tmp_path: Path) -> None:
    def handler(request: httpx.Request) -> httpx.Response:
        raise httpx.ConnectError("down", request=request)

    store = FileTokenStore(tmp_path / "t.oauth", CLIENT_ID, CLIENT_SECRET, lock_timeout=2)
    store.save(fresh("old", age_s=4000))
    auth = OAuthAuth(store.load(), endpoints=ENDPOINTS, store=store)
    with httpx.Client(transport=httpx.MockTransport(handler)) as http, pytest.raises(httpx.ConnectError):
        http.get(API + "/x", auth=auth)
    acquired = threading.Event()

    def other_thread() -> None:
        with store.locked():
            acquired.set()

    t = threading.Thread(target=other_thread)
    t.start()
    t.join(timeout=5)
    assert acquired.is_set()


def test_api_responses_are_not_read_eagerly() -> None:
    # Only token-endpoint answers are read by the auth flow; API responses can still stream.
    def handler(request: httpx.Request) -> httpx.Response:
        return httpx.Response(200, stream=httpx.ByteStream(b"[1,2,3]"))

    auth = OAuthAuth(fresh("a"), endpoints=ENDPOINTS, store=MemoryTokenStore("t9"))
    with (
        httpx.Client(transport=httpx.MockTransport(handler)) as http,
        http.stream("GET", API, auth=auth) as r,
    ):
        assert not r.is_stream_consumed
        assert r.read() == b"[1,2,3]"


def test_repr_shows_no_token() -> None:
    auth = OAuthAuth(fresh("access-secret-xyz", refresh="refresh-secret-xyz"), endpoints=ENDPOINTS)
    text = repr(auth) + repr(auth.tokens) + repr(ENDPOINTS)
    assert "secret-xyz" not in text and CLIENT_SECRET not in text
