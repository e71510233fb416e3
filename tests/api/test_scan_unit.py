"""Parallel scans against an in-process fake collection: slicing, splitting, catch-up, exactly once."""

from __future__ import annotations

import threading
from collections import Counter
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
import pytest

from pipedrive_sql import errors
from pipedrive_sql.api import ParallelScan

from .fakes import FakeCollection, envelope, mock_client

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


@pytest.mark.parametrize("torn_reads", [False, True], ids=["atomic-pages", "torn-reads"])
def test_writes_during_the_scan_leave_every_record_exactly_once(torn_reads: bool) -> None:
    fake = FakeCollection.spread(3000, START, timedelta(days=1000), skew=2.0)
    fake.torn_reads = torn_reads
    before = fake.visible()
    mutated: set[int] = set()
    deleted: set[int] = set()
    created: list[int] = []
    calls = Counter[str]()

    def write_while_scanning(collection: FakeCollection) -> None:
        calls["n"] += 1
        n = calls["n"]
        if n < 3 or n > 40:
            return
        with collection.lock:
            created.append(collection.add(collection.now().strftime("%Y-%m-%dT%H:%M:%SZ"))["id"])
            for record_id in (n * 37 % 3000 + 1, n * 53 % 3000 + 1):
                if record_id not in deleted:
                    collection.touch(record_id, title=f"changed {n}")
                    mutated.add(record_id)
            victim = n * 71 % 3000 + 1
            if victim not in deleted:
                collection.delete(victim)
                deleted.add(victim)

    fake.before_request = write_while_scanning
    fake.between_select_and_read = write_while_scanning
    with mock_client(fake, Pagesize=100, MaxConcurrency=4) as client:
        scan = client.parallel_scan("/api/v2/deals")
        pages = list(scan)
    after = fake.visible()
    got = {r["id"]: r for page in pages for r in page}
    assert len(got) == sum(len(p) for p in pages), "an id was yielded twice"
    assert set(after) <= set(got), "a record that exists after the scan is missing"
    assert set(got) - set(after) <= deleted
    for record_id, record in got.items():
        if record_id in after and record_id not in mutated:
            assert record == after[record_id] or record == before.get(record_id)
        if record_id in mutated and record_id in after:
            assert record["update_time"] in (
                after[record_id]["update_time"],
                before[record_id]["update_time"],
            )
    assert set(created) <= set(got)
    assert scan.stats.catch_up_records > 0


def test_lists_that_cannot_be_sliced_are_read_with_one_cursor() -> None:
    fake = FakeCollection.spread(120, START, timedelta(days=10))
    with mock_client(fake, Pagesize=50) as client:
        scan = client.parallel_scan("/api/v2/deals", {"sort_by": "update_time"})
        assert len(scan_ids(scan)) == 120 and scan.stats.sequential
        scan = client.parallel_scan("/api/v2/pipelines")
        assert len(scan_ids(scan)) == 120 and scan.stats.sequential


def test_an_empty_collection_costs_one_request() -> None:
    fake = FakeCollection()
    with mock_client(fake) as client:
        assert list(client.parallel_scan("/api/v2/deals")) == []
    assert len(fake.requests) == 1


def test_abandoning_a_scan_stops_its_workers() -> None:
    fake = FakeCollection.spread(5000, START, timedelta(days=1000))
    with mock_client(fake, Pagesize=50, MaxConcurrency=4) as client:
        scan = client.parallel_scan("/api/v2/deals")
        next(scan)
        scan.close()
    assert not [t for t in threading.enumerate() if t.name.startswith("pipedrive-scan-")]
    assert len(fake.requests) < 100


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
    assert not [t for t in threading.enumerate() if t.name.startswith("pipedrive-scan-")]
