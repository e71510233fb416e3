"""Store.page with update_time bounds: the bisected walk answers exactly what a full walk answers."""

from __future__ import annotations

import itertools
from typing import Any

import pytest

from pipedrive_sandbox.config import SandboxConfig
from pipedrive_sandbox.store import Record, Store


@pytest.fixture(scope="module")
def store() -> Store:
    return Store(SandboxConfig(scale=400))


def walk(store: Store, low: int | None, high: int | None, **kwargs: Any) -> list[list[Any]]:
    """Every page of a bounded deal list, following the cursor as v2 does; ids only."""

    def pred(record: Record) -> bool:
        t = record.get("update_time", 0)
        return not record.get("is_deleted") and (low is None or t >= low) and (high is None or t < high)

    pages: list[list[Any]] = []
    after: tuple[Any, Any] | None = None
    sort_by = kwargs.get("sort_by", "id")
    while True:
        page, more = store.page("deal", pred, after=after, limit=7, **kwargs)
        pages.append([r["id"] for r in page])
        if not more:
            return pages
        after = (page[-1].get(sort_by), page[-1]["id"])


def test_bounds_jump_into_the_order_and_give_what_the_full_walk_gives(store: Store) -> None:
    times = sorted({r["update_time"] for r in store.tables["deal"].values()})
    points = [None, times[0], times[len(times) // 3], times[len(times) // 3] + 1, times[-1], times[-1] + 1]
    for since, until in itertools.product(points, points):
        for sort_by, descending in itertools.product(("update_time", "id", "add_time"), (False, True)):
            bounded = walk(
                store, since, until, sort_by=sort_by, descending=descending, since=since, until=until
            )
            full = walk(store, since, until, sort_by=sort_by, descending=descending)
            assert bounded == full, (since, until, sort_by, descending)
    assert any(walk(store, times[10], times[-10], sort_by="update_time", since=times[10], until=times[-10]))
