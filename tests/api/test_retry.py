"""Retries and error mapping, with failures scripted through httpx.MockTransport."""

from __future__ import annotations

import httpx
import pytest

from pipedrive_sql import errors

from .fakes import Script, envelope, mock_client, no_wait_policy, pipedrive_error

OK = envelope({"id": 1})
BLOCK_PAGE = httpx.Response(
    403,
    content=b"<html><title>Attention Required! | Cloudflare</title>blocked</html>",
    headers={"content-type": "text/html"},
)
GATEWAY_PAGE = httpx.Response(502, content=b"<html>Bad gateway</html>", headers={"content-type": "text/html"})


def refused(request: httpx.Request) -> httpx.Response:
    raise httpx.ConnectError("connection refused", request=request)


def reset(request: httpx.Request) -> httpx.Response:
    raise httpx.RemoteProtocolError(
        "peer closed connection without sending complete message body", request=request
    )


def read_timeout(request: httpx.Request) -> httpx.Response:
    raise httpx.ReadTimeout("timed out", request=request)


@pytest.mark.parametrize(
    "failure",
    [
        pipedrive_error(500, "Internal Server Error"),
        GATEWAY_PAGE,
        pipedrive_error(503, "Service Unavailable"),
        pipedrive_error(429, "Request over limit", {"retry-after": "0"}),
        reset,
        read_timeout,
        refused,
    ],
    ids=["500", "502", "503", "429", "reset", "read-timeout", "refused"],
)
def test_reads_are_retried_until_they_succeed(failure: object) -> None:
    script = Script([failure, failure, OK])
    with mock_client(script) as client:
        response = client.get("/api/v2/deals/1")
        assert response.data == {"id": 1}
        assert len(script.requests) == 3
        assert client.counters.snapshot().retries == 2


def test_a_read_that_keeps_failing_stops_at_the_attempt_cap() -> None:
    script = Script([pipedrive_error(503, "Service Unavailable")])
    with (
        mock_client(script, policy=no_wait_policy(max_attempts=3)) as client,
        pytest.raises(errors.ServiceUnavailable, match="Service Unavailable"),
    ):
        client.get("/api/v2/deals")
    assert len(script.requests) == 3


def test_network_failure_that_survives_retries_is_connection_failed() -> None:
    with (
        mock_client(Script([refused]), policy=no_wait_policy(max_attempts=2)) as client,
        pytest.raises(errors.ConnectionFailed, match="Could not reach"),
    ):
        client.get("/api/v2/deals")


def test_timeouts_that_survive_retries_are_request_timeout() -> None:
    with (
        mock_client(Script([read_timeout]), policy=no_wait_policy(max_attempts=2)) as client,
        pytest.raises(errors.RequestTimeout),
    ):
        client.get("/api/v2/deals")


def test_the_timeout_bounds_retries_as_well_as_attempts() -> None:
    # Backoff of a full second against a Timeout of one second: the first backoff already does not fit.
    policy = no_wait_policy(backoff_base=1.0)
    policy = type(policy)(random=lambda: 1.0, backoff_base=1.5)
    script = Script([pipedrive_error(500, "Internal Server Error")])
    with mock_client(script, policy=policy, Timeout=1) as client, pytest.raises(errors.ServiceUnavailable):
        client.get("/api/v2/deals")
    assert len(script.requests) == 1


@pytest.mark.parametrize("method", ["POST", "PATCH", "PUT", "DELETE"])
@pytest.mark.parametrize(
    "failure",
    [refused, pipedrive_error(429, "Request over limit", {"retry-after": "0"})],
    ids=["refused", "429"],
)
def test_writes_are_retried_only_when_surely_not_applied(method: str, failure: object) -> None:
    script = Script([failure, OK])
    with mock_client(script) as client:
        assert client.request(method, "/api/v2/deals/7", json={"title": "x"}).data == {"id": 1}
    assert len(script.requests) == 2


@pytest.mark.parametrize(
    "failure",
    [
        pipedrive_error(500, "Internal Server Error"),
        GATEWAY_PAGE,
        pipedrive_error(503, "Service Unavailable"),
        reset,
        read_timeout,
    ],
    ids=["500", "502", "503", "reset", "read-timeout"],
)
def test_ambiguous_write_failures_are_reported_and_not_retried(failure: object) -> None:
    script = Script([failure])
    with mock_client(script) as client:
        with pytest.raises(errors.AmbiguousWrite) as caught:
            client.request("PATCH", "/api/v2/deals/7", json={"title": "x"})
        with pytest.raises(errors.AmbiguousWrite) as created:
            client.request("POST", "/api/v2/deals", json={"title": "Big deal"})
    assert len(script.requests) == 2  # one each, no retry
    assert caught.value.method == "PATCH" and caught.value.path == "/api/v2/deals/7"
    assert "deals 7" in str(caught.value) and "may or may not" in str(caught.value)
    assert "title='Big deal'" in str(created.value)


@pytest.mark.parametrize(
    ("response", "method", "error", "text"),
    [
        (pipedrive_error(401, "unauthorized access"), "GET", errors.AuthenticationError, "APIToken"),
        (
            pipedrive_error(403, "Scope and URL mismatch"),
            "GET",
            errors.AuthorizationError,
            "Scope and URL mismatch",
        ),
        (BLOCK_PAGE, "GET", errors.Blocked, "blocked"),
        (pipedrive_error(404, "Deal not found"), "GET", errors.NotFoundError, "Deal not found"),
        (pipedrive_error(400, "Title is required"), "POST", errors.IntegrityError, "Title is required"),
        (pipedrive_error(400, "Invalid sort_by"), "GET", errors.ProgrammingError, "Invalid sort_by"),
        (pipedrive_error(402, "Feature not in plan"), "GET", errors.NotSupportedError, "plan"),
    ],
)
def test_answers_map_to_the_error_hierarchy(
    response: httpx.Response, method: str, error: type[Exception], text: str
) -> None:
    script = Script([response])
    with mock_client(script) as client, pytest.raises(error, match=text):
        client.request(method, "/api/v2/deals", json={} if method != "GET" else None)
    assert len(script.requests) == 1  # none of these is worth repeating


def test_the_daily_budget_is_not_retried_and_says_when_it_resets() -> None:
    spent = pipedrive_error(
        429,
        "Daily API token budget exhausted",
        {"x-daily-ratelimit-token-remaining": "0", "retry-after": "3600"},
    )
    script = Script([spent])
    with (
        mock_client(script) as client,
        pytest.raises(errors.RateLimited, match=r"daily API token budget.*resets at") as caught,
    ):
        client.get("/api/v2/deals")
    assert caught.value.daily and caught.value.retry_after is not None
    assert len(script.requests) == 1


def test_a_2xx_cut_short_is_read_again() -> None:
    broken = httpx.Response(
        200, content=b'{"success": true, "data": [', headers={"content-type": "application/json"}
    )
    script = Script([broken, OK])
    with mock_client(script) as client:
        assert client.get("/api/v2/deals/1").data == {"id": 1}


def test_a_closed_client_refuses_requests() -> None:
    client = mock_client(Script([OK]))
    client.close()
    with pytest.raises(errors.InterfaceError):
        client.get("/api/v2/deals")


def test_a_503_waits_at_least_what_retry_after_asks() -> None:
    slept: list[float] = []
    script = Script([pipedrive_error(503, "Service Unavailable", {"retry-after": "0.05"}), OK])
    with mock_client(script) as client:
        client._closed.wait = lambda delay: slept.append(delay) or False  # type: ignore[method-assign]
        assert client.get("/api/v2/deals/1").data == {"id": 1}
    assert slept == [0.05]
