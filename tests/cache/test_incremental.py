"""The invariant of incremental refreshes: after any writes, deletes, merges, archivings and field changes
in the sandbox, an incremental refresh leaves each cached table equal to a fresh full scan.

One sandbox for all examples (its state carries over, as a real company's does); each example applies a
few random writes over HTTP, refreshes every checked table from its mark and compares it, column by column
with the field definitions of now, with a full read.
"""

from __future__ import annotations

from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from pipedrive_sandbox.server import Sandbox

from .helpers import api, as_table, diff, mutate, source_table

# Tables with a change feed; those without one are re-read whole, which needs no invariant of its own.
CHECKED = ("Deals", "ArchivedDeals", "Persons", "Organizations", "Activities", "Products")
KINDS = ("deal", "person", "organization", "activity", "product")
OPS = ("create", "update", "delete", "archive", "merge", "field")

writes = st.lists(
    st.tuples(st.sampled_from(OPS), st.sampled_from(KINDS), st.integers(0, 10_000)), min_size=1, max_size=6
)


@pytest.mark.slow
def test_incremental_refresh_equals_a_full_scan(open_conn: Any) -> None:
    with Sandbox(seed=5, scale=15, rate_limit=False, latency_ms=0, fault_rate=0.0) as small:
        check_invariant(small, open_conn(small))


def check_invariant(writable: Any, conn: Any) -> None:
    cache = conn.cache
    for name in CHECKED:
        cache.refresh(conn.catalog.table(name))
    http = api(writable)
    modes: set[bool] = set()

    @settings(max_examples=50, deadline=None, suppress_health_check=list(HealthCheck), derandomize=False)
    @given(writes)
    def check(operations: list[tuple[str, str, int]]) -> None:
        for op, kind, pick in operations:
            mutate(writable, http, op, kind, pick)
        if any(op == "field" for op, _, _ in operations):
            conn.catalog.refresh()  # field definitions as they are now
        for name in CHECKED:
            spec = conn.catalog.table(name)
            changes = cache.refresh(spec)
            modes.add(changes.full)
            cached = as_table(spec, (r for page in cache.store.records(name) for r in page))
            problem = diff(cached, source_table(conn, name))
            assert not problem, f"{name} after {operations}: {problem}"

    try:
        check()
    finally:
        http.close()
    assert modes == {False}  # every table here has a change feed: no refresh fell back to a full read
