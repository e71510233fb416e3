"""The differential property test: pushdown is an optimisation and may never change a result.

Hypothesis generates queries over the catalog (see ``differential``) and each runs twice against one
sandbox: through a connection that pushes what it can (25 records per page, so paging and LIMIT show), and
through one that pushes nothing (every table read in full, DuckDB doing all the work). The rows must be the
same, in the same order under ORDER BY. The sandbox has deleted, archived, merged and sparse records
(``SandboxConfig.oddities``). Failing examples found once are kept in ``differential_cases.yaml``.

``DIFFERENTIAL_EXAMPLES`` sets the number of generated queries (default 300); bench/differential.py runs
more.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import yaml
from hypothesis import HealthCheck, given, settings

from pipedrive_sandbox.server import Sandbox
from pipedrive_sql.dbapi import Connection

from .differential import Domain, compare, grid, load_domain, queries
from .helpers import Remembering, open_connection

EXAMPLES = int(os.environ.get("DIFFERENTIAL_EXAMPLES", "300"))
CASES: list[dict[str, Any]] = yaml.safe_load(Path(__file__).with_name("differential_cases.yaml").read_text())


@pytest.fixture(scope="module")
def odd_sandbox() -> Iterator[Sandbox]:
    with Sandbox(seed=5, scale=40, rate_limit=False, latency_ms=0, fault_rate=0.0, oddities=True) as running:
        yield running


@pytest.fixture(scope="module")
def pair(odd_sandbox: Sandbox) -> Iterator[tuple[Connection, Connection]]:
    # The sandbox does not change during the module: each distinct request is sent once, later the same
    # answer is reused (the pushed side still asks for exactly what its plans say, URL by URL).
    pushed = open_connection(odd_sandbox, Pagesize=25, transport=Remembering())
    baseline = open_connection(odd_sandbox, Pagesize=500, transport=Remembering())
    baseline.engine.pushdown = False
    yield pushed, baseline
    pushed.close()
    baseline.close()


@pytest.fixture(scope="module")
def domain(pair: tuple[Connection, Connection]) -> Domain:
    return load_domain(pair[1])


def test_the_sandbox_has_the_odd_records(pair: tuple[Connection, Connection], odd_sandbox: Sandbox) -> None:
    store = odd_sandbox.store.tables
    assert any(d.get("is_deleted") for d in store["deal"].values())
    assert any(d.get("is_archived") and d.get("is_deleted") for d in store["deal"].values())
    assert sum(p.get("is_deleted", False) for p in store["person"].values()) >= 3  # merged away
    assert any(str(d.get("title", "")).startswith("Sparse") for d in store["deal"].values())


@pytest.mark.parametrize("case", CASES, ids=[c["sql"][:60] for c in CASES])
def test_kept_regressions(case: dict[str, Any], pair: tuple[Connection, Connection]) -> None:
    difference = compare(*pair, case["sql"])
    assert not difference, f"{case['why']}\n{difference}"


@pytest.mark.slow
def test_every_pushdown_in_every_shape(pair: tuple[Connection, Connection], domain: Domain) -> None:
    queries = grid(domain)
    assert len(queries) >= 250
    differences = [d for d in (compare(*pair, sql) for sql in queries) if d]
    assert not differences, f"{len(differences)} of {len(queries)} queries differ:\n" + "\n".join(
        differences[:10]
    )


@pytest.mark.slow
def test_pushdown_never_changes_a_result(pair: tuple[Connection, Connection], domain: Domain) -> None:
    checked: list[str] = []

    @settings(
        max_examples=EXAMPLES,
        deadline=None,
        database=None,
        suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
    )
    @given(sql=queries(domain))
    def check(sql: str) -> None:
        checked.append(sql)
        difference = compare(*pair, sql)
        assert not difference, (
            "pushdown changed a result; keep the query in tests/engine/differential_cases.yaml once fixed:\n"
            + difference
        )

    check()
    assert len(checked) >= min(EXAMPLES, 300)
