"""Parallel scans against an in-process fake collection: slicing, splitting, catch-up, exactly once."""

from __future__ import annotations

import os
import tempfile
import threading
from collections import Counter
from datetime import UTC, datetime, timedelta
from types import SimpleNamespace
from typing import Any

import httpx
import pytest
from tests.shared_helpers import scan_threads

from pipedrive_sql import errors
from pipedrive_sql.api import ParallelScan

from .fakes import FakeCollection, envelope, mock_client, parse, stamp

START = datetime(2021, 1, 1, tzinfo=UTC)


def scan_ids(pages: Any) -> list[int]:
    return [record["id"] for page in pages for record in page]


@pytest.mark.parametrize("skew", [1.0, 6.0])
def test_every_record_exactly_once(skew: float) -> None:
    fake = FakeCollection.spread(5000, START, timedelta(days=1500), skew=skew)
    with mock_client(fake, Pagesize=100, MaxConcurrency=4) as client:
        scan = client.parallel_scan("/api/v2/deals")
        ids = scan_ids(scan)
    assert sorted(ids) == sorted(fake.visible())
    assert isinstance(scan, ParallelScan) and not scan.stats.sequential
    assert scan.stats.splits > 0  # idle workers took over the tails of the busy slices
    # Slices are disjoint: nothing is read twice apart from the catch-up's few (here: none).
    assert scan.stats.duplicates == 0


def test_filters_and_time_bounds_are_kept() -> None:
    fake = FakeCollection.spread(2000, START, timedelta(days=100))
    since, until = "2021-02-01T00:00:00Z", "2021-03-01T00:00:00Z"
    with mock_client(fake, Pagesize=50) as client:
        ids = scan_ids(
            client.parallel_scan("/api/v2/deals", {"updated_since": since, "updated_until": until})
        )
    expected = [r["id"] for r in fake.visible().values() if since <= r["update_time"] < until]
    assert sorted(ids) == sorted(expected) and expected
    # The caller's window ends long before the scan started: no catch-up pass is needed.
    assert all(
        p["updated_since"] >= since and p["updated_until"] <= until
        for p in fake.requests
        if "updated_since" in p
    )


def is_catch_up(params: dict[str, str]) -> bool:
    """The catch-up pass's request: ``updated_since`` alone (slices sort, the change feed asks a status)."""
    return "updated_since" in params and "sort_by" not in params and "status" not in params


@pytest.mark.parametrize("torn_reads", [False, True], ids=["atomic-pages", "torn-reads"])
def test_writes_during_the_scan_give_the_state_as_of_the_catch_up(torn_reads: bool) -> None:
    fake = FakeCollection.spread(3000, START, timedelta(days=1000), skew=2.0)
    fake.torn_reads = torn_reads
    deleted: set[int] = set()
    late: set[int] = set()  # ids written once the catch-up's first request had gone out
    catching_up = threading.Event()
    calls = Counter[str]()

    def write_while_scanning(collection: FakeCollection) -> None:
        calls["n"] += 1
        n = calls["n"]
        if n < 3 or n > 60:
            return
        with collection.lock:
            written = {collection.add(collection.now().strftime("%Y-%m-%dT%H:%M:%SZ"))["id"]}
            for record_id in (n * 37 % 3000 + 1, n * 53 % 3000 + 1):
                if record_id not in deleted:
                    collection.touch(record_id, title=f"changed {n}")
                    written.add(record_id)
            victim = n * 71 % 3000 + 1
            if victim not in deleted:
                collection.delete(victim)
                deleted.add(victim)
                written.add(victim)
            if catching_up.is_set():
                late.update(written)

    def handler(request: httpx.Request) -> httpx.Response:
        if is_catch_up(dict(request.url.params)):
            catching_up.set()
        return fake(request)

    fake.before_request = write_while_scanning
    fake.between_select_and_read = write_while_scanning
    with mock_client(handler, Pagesize=100, MaxConcurrency=4) as client:
        scan = client.parallel_scan("/api/v2/deals")
        assert isinstance(scan, ParallelScan)
        pages = list(scan)
    after = fake.visible()  # the state as of the catch-up, apart from the late ids
    got: dict[int, dict[str, Any]] = {}
    for page in pages:
        for record in page:
            assert record["id"] not in got, f"deal {record['id']} was yielded twice"
            got[record["id"]] = record
    assert catching_up.is_set() and len(deleted - late) > 10
    missing = set(after) - set(got) - late
    assert not missing, f"live records missing: {sorted(missing)[:10]}"
    resurrected = set(got) - set(after) - late
    assert not resurrected, f"deleted records returned: {sorted(resurrected)[:10]}"
    stale = [i for i, record in got.items() if i not in late and record != after[i]]
    assert not stale, f"records not in their version as of the catch-up: {stale[:10]}"
    # The scan really had to take back what it had read: spilled versions replaced, spilled deletions dropped.
    assert scan.stats.changed_during_scan > 0 and scan.stats.removed_during_scan > 0
    assert scan.stats.catch_up_records > 0 and scan.stats.records == len(got)


def test_lists_that_cannot_be_sliced_are_read_with_one_cursor() -> None:
    fake = FakeCollection.spread(120, START, timedelta(days=10))
    with mock_client(fake, Pagesize=50) as client:
        scan = client.parallel_scan("/api/v2/deals", {"sort_by": "update_time"})
        assert isinstance(scan, ParallelScan)
        assert len(scan_ids(scan)) == 120 and scan.stats.sequential
        scan = client.parallel_scan("/api/v2/pipelines")
        assert isinstance(scan, ParallelScan)
        assert len(scan_ids(scan)) == 120 and scan.stats.sequential


def test_an_empty_collection_costs_one_request() -> None:
    fake = FakeCollection()
    with mock_client(fake) as client:
        assert list(client.parallel_scan("/api/v2/deals")) == []
    assert len(fake.requests) == 1


def test_abandoning_a_scan_while_it_reads_stops_its_workers_and_deletes_the_spill() -> None:
    # The first next() reads every slice before yielding: a consumer abandons it from another thread.
    fake = FakeCollection.spread(5000, START, timedelta(days=1000))
    started = threading.Event()

    def handler(request: httpx.Request) -> httpx.Response:
        if len(fake.requests) >= 10:
            started.set()
        return fake(request)

    outcome: list[BaseException | None] = []
    with mock_client(handler, Pagesize=50, MaxConcurrency=4) as client:
        scan = client.parallel_scan("/api/v2/deals")
        assert isinstance(scan, ParallelScan)

        def consume() -> None:
            try:
                list(scan)
                outcome.append(None)
            except BaseException as exc:
                outcome.append(exc)

        consumer = threading.Thread(target=consume)
        consumer.start()
        assert started.wait(10)
        spill = scan.spill_path
        assert spill is not None and os.path.exists(spill)
        scan.close()
        consumer.join(10)
        assert not consumer.is_alive()
    assert isinstance(outcome[0], errors.OperationalError)  # never a silently partial result
    assert not scan_threads()
    assert len(fake.requests) < 100
    assert not os.path.exists(spill) and scan.spill_path is None


def test_closing_after_the_first_page_deletes_the_spill_and_reads_no_more() -> None:
    fake = FakeCollection.spread(2000, START, timedelta(days=1000))
    with mock_client(fake, Pagesize=50, MaxConcurrency=4) as client:
        scan = client.parallel_scan("/api/v2/deals")
        assert isinstance(scan, ParallelScan)
        assert len(next(scan)) == 50
        spill = scan.spill_path
        assert spill is not None and os.path.exists(spill) and os.path.getsize(spill) > 0
        requests = len(fake.requests)
        scan.close()
        assert not os.path.exists(spill) and scan.spill_path is None
        with pytest.raises(StopIteration):
            next(scan)
    assert len(fake.requests) == requests and not scan_threads()


def test_the_spill_is_deleted_when_the_scan_ends_or_fails() -> None:
    fake = FakeCollection.spread(500, START, timedelta(days=100))
    with mock_client(fake, Pagesize=50, MaxConcurrency=4) as client:
        scan = client.parallel_scan("/api/v2/deals")
        assert isinstance(scan, ParallelScan)
        spills: set[str] = set()
        for _page in scan:
            spills.add(str(scan.spill_path))
        assert len(spills) == 1 and not os.path.exists(spills.pop()) and scan.stats.spilled == 500
    failing_after = Counter[str]()

    def catch_up_fails(request: httpx.Request) -> httpx.Response:
        if is_catch_up(dict(request.url.params)):
            failing_after["n"] += 1
            return envelope(None, status=404)
        return fake(request)

    before = set(os.listdir(tempfile.gettempdir()))
    with mock_client(catch_up_fails, Pagesize=50) as client, pytest.raises(errors.NotFoundError):
        list(client.parallel_scan("/api/v2/deals"))
    assert failing_after["n"] == 1
    left = {n for n in set(os.listdir(tempfile.gettempdir())) - before if n.startswith("pipedrive-scan-")}
    assert not left


def test_a_failing_slice_fails_the_scan() -> None:
    fake = FakeCollection.spread(3000, START, timedelta(days=1000))
    calls = Counter[str]()

    def handler(request: httpx.Request) -> httpx.Response:
        calls["n"] += 1
        if calls["n"] == 6:
            return envelope(None, status=404)
        return fake(request)

    with mock_client(handler, Pagesize=50, MaxConcurrency=4) as client, pytest.raises(errors.NotFoundError):
        list(client.parallel_scan("/api/v2/deals"))
    assert not scan_threads()


@pytest.mark.parametrize(
    ("opening", "bulk"), [(0, 0), (2, 0), (2, 450)], ids=["probe", "opening", "opening-dense-newest-second"]
)
@pytest.mark.parametrize("torn_reads", [False, True], ids=["atomic-pages", "torn-reads"])
def test_a_streaming_scan_yields_every_live_record_once_while_others_write(
    torn_reads: bool, opening: int, bulk: int
) -> None:
    fake = FakeCollection.spread(3000, START, timedelta(days=1000), skew=2.0)
    for _ in range(bulk):  # a bulk update's second at the newest end: its own cursor reads it (newest first)
        fake.add(stamp(START + timedelta(days=1001)))
    total = len(fake.records)
    fake.torn_reads = torn_reads
    late: set[int] = set()  # ids written once the catch-up's first request had gone out
    touched: set[int] = set()
    catching_up = threading.Event()
    calls = Counter[str]()

    def write_while_scanning(collection: FakeCollection) -> None:
        calls["n"] += 1
        n = calls["n"]
        if n < 3 or n > 60 or (bulk and len(collection.requests) < 5):  # bulk: after the newest page
            return
        with collection.lock:
            written = {collection.add(collection.now().strftime("%Y-%m-%dT%H:%M:%SZ"))["id"]}
            for record_id in (n * 37 % total + 1, n * 53 % total + 1, total - n):
                if record_id not in touched:
                    collection.touch(record_id, title=f"changed {n}")
                    written.add(record_id)
            touched.update(written)
            if catching_up.is_set():
                late.update(written)

    def handler(request: httpx.Request) -> httpx.Response:
        if is_catch_up(dict(request.url.params)):
            catching_up.set()
        return fake(request)

    fake.before_request = write_while_scanning
    fake.between_select_and_read = write_while_scanning
    with mock_client(handler, Pagesize=100, MaxConcurrency=4) as client:
        scan = client.parallel_scan("/api/v2/deals", snapshot=False, opening=opening)
        first = next(scan)
        # The first page arrives after the probe and one slice's first page; meanwhile each of the 4 workers
        # has at most its first page, two queued and one in flight. With an opening: after one request.
        assert first and len(fake.requests) <= (1 if opening else 1 + 4 * (1 + 3))
        pages = [first, *scan]
    got: dict[int, dict[str, Any]] = {}
    for page in pages:
        for record in page:
            assert record["id"] not in got, f"deal {record['id']} was yielded twice"
            got[record["id"]] = record
    missing = set(fake.visible()) - set(got) - late
    assert catching_up.is_set() and not missing, f"live records missing: {sorted(missing)[:10]}"
    assert scan.stats.catch_up_records > 0 and scan.stats.records == len(got)
    assert scan.spill_path is None  # nothing is spilled
    descending = [p for p in fake.requests if p.get("sort_direction") == "desc" and "cursor" in p]
    assert bool(descending) == bool(bulk)  # the newest page's cursor read on only through a dense second


def test_closing_a_streaming_scan_stops_its_workers() -> None:
    fake = FakeCollection.spread(5000, START, timedelta(days=1000))
    with mock_client(fake, Pagesize=50, MaxConcurrency=4) as client:
        scan = client.parallel_scan("/api/v2/deals", snapshot=False)
        assert len(next(scan)) == 50
        scan.close()
        requests = len(fake.requests)
        with pytest.raises(StopIteration):
            next(scan)
    assert len(fake.requests) == requests < 100 and not scan_threads()


@pytest.mark.parametrize(
    ("limit", "latency", "concurrency", "workers"),
    [(40, 0.3, 16, 7), (40, 0.01, 16, 2), (120, 0.3, 8, 8), (480, 0.1, 32, 25), (None, 0.3, 4, 4)],
)
def test_workers_fill_the_burst_window_and_no_more(
    limit: int | None, latency: float, concurrency: int, workers: int
) -> None:
    scan = _sized_scan(limit, latency, concurrency)
    assert scan.workers() == workers


@pytest.mark.parametrize(
    ("limit", "latency", "estimate", "available", "workers"),
    [
        (40, 0.1, 8000, 37, 17),  # 16 pages left fit in the free window: one worker per page, one round
        (40, 0.1, 30000, 37, 3),  # 60 pages do not: Little's law (20/s x 0.1 s + 1)
        (120, 0.1, 30000, 115, 32),  # a larger plan: the window holds them, up to the automatic cap
        (120, 0.3, 90000, 115, 19),  # past the window: 60/s x 0.3 s + 1
        (40, 0.1, 8000, 5, 3),  # the window is nearly spent (another program uses the token)
    ],
)
def test_workers_from_the_estimate_when_it_fits_in_the_free_window(
    limit: int, latency: float, estimate: float, available: int, workers: int
) -> None:
    scan = _sized_scan(limit, latency, 32, available=lambda: available)
    scan._estimate = estimate
    assert scan.workers() == workers


def _sized_scan(
    limit: int | None, latency: float, concurrency: int, *, available: Any = None
) -> ParallelScan:
    """A scan over a client that only reports a burst limit (and what the window has free), with the
    latency its opening measured: what ``workers()`` decides from."""
    governor = SimpleNamespace(limit=limit, **({"available": available} if available else {}))
    client = SimpleNamespace(page_size=500, governor=governor)
    scan = ParallelScan(client, "/api/v2/deals", None, concurrency)  # type: ignore[arg-type]
    scan._latency = latency  # what the opening measured
    return scan


def test_id_sets_remember_ids_in_a_bitmap_and_anything_else_in_a_set() -> None:
    from pipedrive_sql.api.scan import IdSet

    seen = IdSet()
    assert seen.add(5) and not seen.add(5) and 5 in seen and 6 not in seen
    assert seen.add(1_000_000) and 1_000_000 in seen and 999_999 not in seen
    assert seen.add("855a3f8f-uuid") and not seen.add("855a3f8f-uuid")
    assert seen.add(IdSet.BITMAP_LIMIT) and IdSet.BITMAP_LIMIT in seen and seen.add(-1) and -1 in seen
    assert seen.count == 5
    records = [{"id": 5}, {"id": 7}, {"id": 7}, {"name": "no id"}, {"name": "no id either"}]
    assert seen.fresh(records) == [{"id": 7}, {"name": "no id"}, {"name": "no id either"}]


@pytest.mark.parametrize("count", [40, 100, 101, 150, 2000])
def test_an_opening_reads_small_collections_with_one_cursor_and_large_ones_once_each(count: int) -> None:
    """Pages of 50: one or two pages cost what one cursor costs; past that the third page and the newest
    are read together, then the slices between them; every record once, nothing read without need."""
    fake = FakeCollection.spread(count, START, timedelta(days=400), skew=3.0)
    with mock_client(fake, Pagesize=50, MaxConcurrency=8) as client:
        scan = client.parallel_scan("/api/v2/deals", snapshot=False, opening=2)
        ids = scan_ids(scan)
    assert sorted(ids) == sorted(fake.visible())
    pages = -(-count // 50)
    one_cursor = pages + (1 if count % 50 == 0 else 0)  # a full last page: one more, empty, request
    if pages <= 2:
        assert len(fake.requests) == min(one_cursor, pages) or len(fake.requests) == one_cursor
        assert scan.stats.workers == 0  # never turned parallel
    else:
        # the opening (three pages and the newest), a partial page per slice and split, the catch-up
        bound = pages + 1 + scan.stats.slices + 1
        assert len(fake.requests) <= bound, (len(fake.requests), bound, scan.stats)


def test_a_newest_page_within_one_second_is_read_on_by_its_cursor_alongside_the_slices() -> None:
    """A bulk update put 230 records in the newest second (pages of 50): no split can share one second
    out, so the newest page's cursor reads on through it from the start (newest first) instead of the
    last slice reading it at the end, page after page, and the newest page again."""
    fake = FakeCollection.spread(1000, START, timedelta(days=400), skew=3.0)
    bulk = START + timedelta(days=401)
    for _ in range(230):
        fake.add(stamp(bulk))
    with mock_client(fake, Pagesize=50, MaxConcurrency=8) as client:
        scan = client.parallel_scan("/api/v2/deals", snapshot=False, opening=2)
        ids = scan_ids(scan)
    assert sorted(ids) == sorted(fake.visible())
    assert len(ids) == len(set(ids))
    descending = [p for p in fake.requests if p.get("sort_direction") == "desc"]
    # the newest page, then 180 more of that second: four pages, the last one reaching below it
    assert len(descending) == 1 + 4 and all("updated_until" not in p for p in descending)
    slices = [p for p in fake.requests if "updated_until" in p]
    assert slices and all(parse(p["updated_until"]) <= bulk for p in slices)  # none reads that second
    # 1,230 records: 25 pages, the slices' partial pages, the catch-up
    assert len(fake.requests) <= 25 + 1 + scan.stats.slices + 1, (len(fake.requests), scan.stats)


def test_a_bulk_second_after_the_opening_is_read_by_the_newest_cursor_alone() -> None:
    """The opening's three pages, then 260 records of one second: the newest page's cursor reads that
    second (newest first) down to the opening's records; the slices between them find nothing new."""
    fake = FakeCollection.spread(150, START, timedelta(days=10))
    bulk = START + timedelta(days=20)
    for _ in range(260):
        fake.add(stamp(bulk))
    with mock_client(fake, Pagesize=50, MaxConcurrency=4) as client:
        scan = client.parallel_scan("/api/v2/deals", snapshot=False, opening=2)
        ids = scan_ids(scan)
    assert sorted(ids) == sorted(fake.visible()) and len(ids) == len(set(ids))
    descending = [p for p in fake.requests if p.get("sort_direction") == "desc"]
    assert len(descending) == 1 + 5  # the newest page, four more of that second, one reaching below it
    # the opening's three pages, those six, a request per slice in between (nothing to find), the catch-up
    assert len(fake.requests) == 3 + 6 + (scan.stats.slices - 1) + 1, fake.requests
    assert scan.stats.duplicates <= 1  # the opening's last record, read again by the first slice


def test_an_opening_over_records_of_one_second_reads_each_once() -> None:
    fake = FakeCollection.spread(300, START, timedelta(days=100))
    for record in fake.records.values():
        record["update_time"] = START.strftime("%Y-%m-%dT%H:%M:%SZ")  # one second: nothing to split
    with mock_client(fake, Pagesize=50, MaxConcurrency=4) as client:
        ids = scan_ids(client.parallel_scan("/api/v2/deals", snapshot=False, opening=2))
    assert sorted(ids) == sorted(fake.visible())
    # The opening's three pages and the newest; that second again as one slice (slice bounds are whole
    # seconds, so it cannot start mid-second): six pages; the catch-up.
    assert len(fake.requests) <= 4 + 6 + 1
