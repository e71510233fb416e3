"""Pipedrive's rate limits in the sandbox: burst windows, the daily token budget, Cloudflare's block."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

import httpx
import pytest

from pipedrive_sandbox import spec
from pipedrive_sandbox.clock import Clock
from pipedrive_sandbox.config import BURST_LIMITS, SandboxConfig
from pipedrive_sandbox.limits import Caller, RateLimiter, daily_budget_for, is_search
from pipedrive_sandbox.server import Sandbox

ME = "/api/v1/users/me"
DEALS = "/api/v2/deals"


@pytest.fixture(scope="module")
def client() -> Iterator[httpx.Client]:
    with httpx.Client(timeout=10, verify=False) as c:  # plain HTTP: no CA bundle to load
        yield c


def get(client: httpx.Client, sb: Sandbox, path: str = ME, token: str | None = None) -> httpx.Response:
    return client.get(sb.url + path, headers={"x-api-token": token or sb.api_token})


# ---- the limiter on its own, with a clock the test moves ---------------------------------------------


def limiter(**config: Any) -> tuple[RateLimiter, Clock]:
    """A limiter for a company of 3 seats, with its own clock."""
    clock = Clock()
    return RateLimiter(SandboxConfig(**config), lambda: 3, clock), clock


def test_the_burst_window_rolls_over_two_seconds() -> None:
    rl, clock = limiter(plan="lite")
    caller = Caller("t", "api_token")
    first = [rl.admit(caller, "GET", DEALS, 10) for _ in range(20)]
    assert all(d.admitted for d in first)
    assert first[0].headers["x-ratelimit-remaining"] == "19"
    assert first[-1].headers["x-ratelimit-remaining"] == "0"
    refused = rl.admit(caller, "GET", DEALS, 10)
    assert refused.verdict == "burst"
    assert refused.headers["retry-after"] == "2" and refused.headers["x-ratelimit-reset"] == "2"
    clock.advance(1.0)
    assert rl.admit(caller, "GET", DEALS, 10).headers["retry-after"] == "1"
    clock.advance(1.01)
    assert rl.admit(caller, "GET", DEALS, 10).admitted


def test_each_token_has_its_own_window_and_oauth_gets_more() -> None:
    rl, _ = limiter(plan="growth")
    api, other, oauth = Caller("a", "api_token"), Caller("b", "api_token"), Caller("c", "oauth")
    assert (
        sum(rl.admit(api, "GET", DEALS, 1).admitted for _ in range(50)) == BURST_LIMITS["api_token"]["growth"]
    )
    assert rl.admit(other, "GET", DEALS, 1).admitted
    assert (
        sum(rl.admit(oauth, "GET", DEALS, 1).admitted for _ in range(200)) == BURST_LIMITS["oauth"]["growth"]
    )


@pytest.mark.parametrize(
    ("template", "searching"),
    [
        ("/api/v2/deals/search", True),
        ("/api/v2/itemSearch", True),
        ("/api/v2/itemSearch/field", True),
        ("/api/v1/leads/search", True),
        ("/api/v2/deals", False),
        ("/api/v2/deals/{id}", False),
    ],
)
def test_what_counts_as_search(template: str, searching: bool) -> None:
    assert is_search(template) is searching


def test_search_has_its_own_limit_of_ten() -> None:
    rl, _ = limiter(plan="ultimate")
    caller = Caller("t", "oauth")
    answers = [rl.admit(caller, "GET", "/api/v2/deals/search", 40) for _ in range(12)]
    assert [d.admitted for d in answers] == [True] * 10 + [False] * 2
    assert answers[0].headers["x-ratelimit-limit"] == "10"
    assert rl.admit(caller, "GET", DEALS, 10).admitted  # other endpoints are not held up


def test_the_daily_budget_follows_pipedrives_formula() -> None:
    assert daily_budget_for("lite", 1) == 30_000
    assert daily_budget_for("growth", 3) == 180_000
    assert daily_budget_for("premium", 2) == 300_000
    assert daily_budget_for("ultimate", 10) == 2_100_000
    rl, _ = limiter(plan="premium")
    assert rl.daily_budget == 30_000 * 5 * 3
    assert limiter(daily_budget=77)[0].daily_budget == 77


def test_the_daily_budget_runs_out_and_comes_back_at_midnight() -> None:
    rl, clock = limiter(daily_budget=25)
    caller = Caller("t", "api_token")
    assert rl.admit(caller, "GET", DEALS, 10).headers["x-daily-ratelimit-token-remaining"] == "15"
    assert rl.admit(caller, "GET", DEALS, 10).admitted
    refused = rl.admit(caller, "GET", DEALS, 10)
    assert refused.verdict == "daily"
    assert refused.headers["x-daily-ratelimit-token-remaining"] == "5"
    assert 0 < int(refused.headers["retry-after"]) <= 86_400
    assert rl.admit(caller, "GET", "/api/v2/deals/{id}", 1).admitted  # cheaper calls still fit
    clock.advance(int(refused.headers["retry-after"]))
    assert rl.admit(caller, "GET", DEALS, 10).headers["x-daily-ratelimit-token-remaining"] == "15"


def test_refused_calls_spend_nothing() -> None:
    rl, _ = limiter(plan="lite", daily_budget=1_000)
    caller = Caller("t", "api_token")
    for _ in range(30):
        rl.admit(caller, "GET", DEALS, 10)
    assert rl.daily_remaining == 1_000 - 20 * 10


def test_api_tokens_that_ignore_429s_are_blocked_but_oauth_is_not() -> None:
    rl, clock = limiter(plan="lite", block_after=3, block_seconds=30)
    api, oauth = Caller("t", "api_token"), Caller("o", "oauth")
    verdicts = [rl.admit(api, "GET", DEALS, 1).verdict for _ in range(25)]
    assert verdicts == ["admitted"] * 20 + ["burst"] * 3 + ["blocked"] * 2
    clock.advance(5)  # the window is free again, the block is not
    assert rl.admit(api, "GET", DEALS, 1).verdict == "blocked"
    clock.advance(25)
    assert rl.admit(api, "GET", DEALS, 1).admitted
    oauth_verdicts = {rl.admit(oauth, "GET", DEALS, 1).verdict for _ in range(200)}
    assert oauth_verdicts == {"admitted", "burst"}


def test_a_client_that_backs_off_is_never_blocked() -> None:
    rl, clock = limiter(plan="lite", block_after=3)
    caller = Caller("t", "api_token")
    for _ in range(10):  # each round: a full window, two 429s, then a pause as Retry-After asks
        verdicts = [rl.admit(caller, "GET", DEALS, 1).verdict for _ in range(22)]
        assert verdicts == ["admitted"] * 20 + ["burst"] * 2
        clock.advance(2)


# ---- over HTTP ---------------------------------------------------------------------------------------


def test_every_api_response_carries_the_rate_limit_headers(
    make_sandbox: Callable[..., Sandbox], client: httpx.Client
) -> None:
    sb = make_sandbox(plan="premium")
    answer = get(client, sb)
    assert answer.status_code == 200
    budget = 30_000 * 5 * len(sb.store.users)
    assert answer.headers["x-ratelimit-limit"] == "100"
    assert answer.headers["x-ratelimit-remaining"] == "99"
    assert answer.headers["x-ratelimit-reset"] == "2"
    assert answer.headers["x-daily-ratelimit-token-limit"] == str(budget)
    cost = spec.token_cost("GET", ME)
    assert answer.headers["x-daily-ratelimit-token-remaining"] == str(budget - cost)
    assert "x-daily-requests-left" not in answer.headers  # documented for POST/PUT only
    assert get(client, sb, "/api/v2/nowhere").status_code == 404


def test_post_calls_with_an_api_token_report_the_daily_requests_left(
    make_sandbox: Callable[..., Sandbox], client: httpx.Client
) -> None:
    sb = make_sandbox()
    answer = client.post(sb.url + "/api/v1/notes", json={}, headers={"x-api-token": sb.api_token})
    assert answer.status_code == 400  # refused by the handler, but admitted and charged
    assert int(answer.headers["x-daily-requests-left"]) == int(
        answer.headers["x-daily-ratelimit-token-remaining"]
    )


def test_a_burst_over_the_limit_gets_429_with_headers(
    make_sandbox: Callable[..., Sandbox], client: httpx.Client
) -> None:
    sb = make_sandbox(plan="lite")
    answers = [get(client, sb, DEALS) for _ in range(23)]
    assert [a.status_code for a in answers] == [200] * 20 + [429] * 3
    refused = answers[-1]
    assert refused.json() == {
        "success": False,
        "error": "Request over limit",
        "errorCode": 429,
        "error_info": "Please check developers.pipedrive.com for more information about Pipedrive API.",
        "data": None,
        "additional_data": None,
    }
    assert refused.headers["x-ratelimit-limit"] == "20"
    assert refused.headers["x-ratelimit-remaining"] == "0"
    assert int(refused.headers["retry-after"]) in (1, 2)
    assert refused.headers["x-ratelimit-reset"] == refused.headers["retry-after"]
    stats = sb.stats()
    assert stats["rate_limited"] == 3
    assert stats["tokens_spent"] == 20 * spec.token_cost("GET", DEALS)
    sb.advance_clock(2)
    assert get(client, sb, DEALS).status_code == 200


def test_the_daily_budget_429_says_so(make_sandbox: Callable[..., Sandbox], client: httpx.Client) -> None:
    cost = spec.token_cost("GET", DEALS)
    sb = make_sandbox(daily_budget=2 * cost)
    assert [get(client, sb, DEALS).status_code for _ in range(2)] == [200, 200]
    refused = get(client, sb, DEALS)
    assert refused.status_code == 429
    body = refused.json()
    assert body["success"] is False
    assert body["error"] == "Daily API token budget exhausted"
    assert "daily budget of" in body["error_info"]
    assert refused.headers["x-daily-ratelimit-token-remaining"] == "0"
    assert int(refused.headers["retry-after"]) > 0
    sb.advance_clock(int(refused.headers["retry-after"]))
    assert get(client, sb, DEALS).status_code == 200


def test_hammering_after_429s_gets_cloudflares_403_page(
    make_sandbox: Callable[..., Sandbox], client: httpx.Client
) -> None:
    sb = make_sandbox(plan="lite")
    sb.configure(block_after=5, block_seconds=60)
    statuses = [get(client, sb, DEALS).status_code for _ in range(30)]
    assert statuses == [200] * 20 + [429] * 5 + [403] * 5
    blocked = get(client, sb, DEALS)
    assert blocked.headers["content-type"].startswith("text/html")
    assert "Access denied" in blocked.text and "This error is produced by Cloudflare" in blocked.text
    assert sb.stats()["blocked"] == 6
    sb.advance_clock(61)
    assert get(client, sb, DEALS).status_code == 200


def test_no_rate_limit_means_no_limits_and_no_headers(
    make_sandbox: Callable[..., Sandbox], client: httpx.Client
) -> None:
    sb = make_sandbox(plan="lite", rate_limit=False, daily_budget=1)
    answers = [get(client, sb, DEALS) for _ in range(40)]
    assert {a.status_code for a in answers} == {200}
    assert not any(h.startswith("x-ratelimit") or h.startswith("x-daily") for h in answers[0].headers)
    assert sb.stats()["tokens_spent"] == 40 * spec.token_cost("GET", DEALS)  # still counted


def test_limits_can_be_changed_at_run_time(
    make_sandbox: Callable[..., Sandbox], client: httpx.Client
) -> None:
    sb = make_sandbox(rate_limit=False)
    assert "x-ratelimit-limit" not in get(client, sb).headers
    sb.configure(rate_limit=True, plan="ultimate")
    assert get(client, sb).headers["x-ratelimit-limit"] == "120"
    sb.configure(plan="lite")
    assert get(client, sb).headers["x-ratelimit-limit"] == "20"


def test_reset_forgets_windows_and_spending(
    make_sandbox: Callable[..., Sandbox], client: httpx.Client
) -> None:
    sb = make_sandbox(plan="lite")
    for _ in range(21):
        get(client, sb, DEALS)
    assert get(client, sb, DEALS).status_code == 429
    sb.reset_stats()
    answer = get(client, sb, DEALS)
    assert answer.status_code == 200
    assert answer.headers["x-ratelimit-remaining"] == "19"
    assert sb.stats()["limits"]["daily_spent"] == spec.token_cost("GET", DEALS)
