"""The rate-limit governor, on short windows so that tests take milliseconds."""

from __future__ import annotations

import threading
import time
from typing import Any

import httpx
import pytest

import pipedrive_sql
from pipedrive_sql.api import RateGovernor, RequestCounters
from pipedrive_sql.errors import ConfigurationError, RequestTimeout


def headers(limit: int, remaining: int | None = None, reset: int = 1) -> httpx.Headers:
    values = {"x-ratelimit-limit": str(limit), "x-ratelimit-reset": str(reset)}
    if remaining is not None:
        values["x-ratelimit-remaining"] = str(remaining)
    return httpx.Headers(values)


def test_the_first_request_probes_alone_until_its_answer_tells_the_limit() -> None:
    governor = RateGovernor(window=0.2)
    governor.acquire()
    admitted = threading.Event()

    def second() -> None:
        governor.acquire()
        admitted.set()

    thread = threading.Thread(target=second)
    thread.start()
    assert not admitted.wait(0.05)  # held: nobody knows the limit yet
    governor.observe(headers(10, 9))
    governor.finish()
    assert admitted.wait(5)
    thread.join()
    assert governor.limit == 10 and governor.allowance == 9


def test_no_window_ever_holds_more_than_the_allowance() -> None:
    window = 0.2
    seen = threading.local()

    def clock() -> float:
        # The governor stamps a send with the last time it read: keep it per thread, to check exactly that.
        seen.now = time.monotonic()
        return seen.now

    governor = RateGovernor(window=window, clock=clock)
    governor.acquire()
    governor.observe(headers(6, 5))
    governor.finish()
    sent: list[float] = []
    lock = threading.Lock()

    def worker() -> None:
        for _ in range(6):
            governor.acquire()
            with lock:
                sent.append(seen.now)
            governor.finish()  # answered at once: the slot is held for a window from now

    threads = [threading.Thread(target=worker) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    sent.sort()
    allowance = 5  # limit 6 less the reserved slot
    sent.append(0.0)  # the probe, long before
    sent.sort()
    for i, start in enumerate(sent):
        in_window = [s for s in sent[i:] if s < start + window]
        assert len(in_window) <= allowance


def test_a_429_stops_everyone_and_halves_the_allowance() -> None:
    governor = RateGovernor(window=0.2)
    governor.acquire()
    governor.observe(headers(20, 19))
    governor.finish()
    assert governor.allowance == 19
    governor.throttled(0.05)
    assert governor.allowance == 9
    waited = governor.acquire()
    assert waited > 0  # held until the pause ended


def test_remaining_zero_from_someone_else_pauses_until_reset() -> None:
    governor = RateGovernor(window=0.2)
    governor.acquire()
    governor.observe(headers(40, 0, reset=1))
    governor.finish()
    assert governor.acquire() > 0


def test_counters_snapshot_and_difference() -> None:
    counters = RequestCounters()
    counters.count_request("GET /api/v2/deals", 10)
    before = counters.snapshot()
    threads = [
        threading.Thread(
            target=lambda: [counters.count_request("GET /api/v2/deals/{id}", 1) for _ in range(100)]
        )
        for _ in range(4)
    ]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    delta = counters.snapshot() - before
    assert delta.requests == 400 and delta.tokens == 400
    assert dict(delta.by_operation) == {"GET /api/v2/deals/{id}": 400}
    assert before.requests == 1  # the snapshot is frozen


def test_search_answers_do_not_teach_the_main_governor() -> None:
    from .fakes import envelope, mock_client

    def handler(request: httpx.Request) -> httpx.Response:
        searching = request.url.path.endswith(("/search", "/itemSearch"))
        limit = "10" if searching else "100"
        return envelope([], headers={"x-ratelimit-limit": limit, "x-ratelimit-remaining": "5"})

    with mock_client(handler) as client:
        client.get("/api/v2/deals", {"limit": 1})
        client.get("/api/v2/deals/search", {"term": "x"})
        client.get("/api/v2/itemSearch", {"term": "x"})
        assert client.governor.limit == 100 and client.governor.allowance == 99
        assert client.search_governor.limit == 10


def test_a_server_that_admits_late_still_never_sees_more_than_the_allowance() -> None:
    # The server counts a request when it gets round to it, anywhere between our send and its answer:
    # take the worst case, admission at the moment of the answer, after uneven delays.
    import random

    window = 0.2
    governor = RateGovernor(window=window)
    governor.acquire()
    governor.observe(headers(6, 5))
    governor.finish()
    admitted: list[float] = []
    lock = threading.Lock()
    rng = random.Random(7)
    delays = [rng.uniform(0.0, 0.08) for _ in range(32)]

    def worker(mine: list[float]) -> None:
        for delay in mine:
            governor.acquire()
            time.sleep(delay)  # the round trip: this is the request being served, not a test waiting
            with lock:
                admitted.append(time.monotonic())
                governor.finish()

    threads = [threading.Thread(target=worker, args=(delays[i::4],)) for i in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    admitted.sort()
    for i, start in enumerate(admitted):
        assert len([a for a in admitted[i:] if a < start + window]) <= 5


def test_a_share_of_the_limit_caps_the_allowance() -> None:
    governor = RateGovernor(window=0.2, share=0.25)
    governor.acquire()
    governor.observe(headers(40, 39))
    governor.finish()
    assert governor.limit == 40
    assert governor.allowance == 9  # a quarter of 40, less the slot kept in reserve


def test_rate_limit_share_is_a_connection_property(sandbox: Any) -> None:
    with pipedrive_sql.connect(
        BaseURL=sandbox.url, APIToken=sandbox.api_token, RateLimitShare=0.5
    ) as connection:
        assert connection.client.governor._share == 0.5
    for bad in ("0", "1.5", "nan", "-1"):
        with pytest.raises(ConfigurationError, match="RateLimitShare"):
            pipedrive_sql.connect(BaseURL=sandbox.url, APIToken=sandbox.api_token, RateLimitShare=bad)


def test_a_new_connection_counts_what_others_spent_of_the_window() -> None:
    governor = RateGovernor(window=0.5)
    governor.acquire()
    governor.observe(headers(10, 2))  # 8 of the window's 10 gone: our probe and (at least) 6 of others'
    governor.finish()
    governor.acquire(deadline=time.monotonic() + 0.05)
    governor.acquire(deadline=time.monotonic() + 0.05)
    with pytest.raises(RequestTimeout):  # the allowance (10 less the reserve) is reached
        governor.acquire(deadline=time.monotonic() + 0.05)


class _SlowBody(httpx.SyncByteStream):
    """A page whose body arrives only when ``released`` is set (a large page over a slow link)."""

    def __init__(self, body: bytes) -> None:
        self.body = body
        self.started = threading.Event()
        self.released = threading.Event()

    def __iter__(self):  # type: ignore[no-untyped-def]
        self.started.set()
        yield self.body[:10]
        assert self.released.wait(10)
        yield self.body[10:]


def test_a_slot_is_handed_back_when_the_headers_arrive_not_after_the_body() -> None:
    from .fakes import mock_client

    stream = _SlowBody(b'{"success": true, "data": [{"id": 1}]}')

    def handler(request: httpx.Request) -> httpx.Response:
        limits = {
            "x-ratelimit-limit": "40",
            "x-ratelimit-remaining": "39",
            "content-type": "application/json",
        }
        return httpx.Response(200, headers=limits, stream=stream)

    with mock_client(handler) as client:
        got: list[Any] = []
        reader = threading.Thread(target=lambda: got.append(client.get("/api/v2/deals")))
        reader.start()
        assert stream.started.wait(10)
        # the server has answered (its headers are in): the request's 2-second hold runs from here
        deadline = time.monotonic() + 10
        while client.governor._in_flight and time.monotonic() < deadline:
            time.sleep(0.005)
        assert client.governor._in_flight == 0 and len(client.governor._expiries) == 1
        assert not got  # while the body is still on its way
        stream.released.set()
        reader.join(10)
    assert got and got[0].data == [{"id": 1}]
