"""The pushdown cases of ``pushdown_cases.yaml``: SQL in, the exact requests the sandbox receives, rows out.

Every case also runs through a plan that pushes nothing, and the rows must agree (see ``compare``): pushdown
may only change what is read, never what a query returns.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
import yaml

from .helpers import connection_for, run_counted

CASES_FILE = Path(__file__).with_name("pushdown_cases.yaml")
CASES: list[dict[str, Any]] = yaml.safe_load(CASES_FILE.read_text())


def test_the_case_file_is_well_formed() -> None:
    names = [c["name"] for c in CASES]
    assert len(names) >= 40
    assert len(set(names)) == len(names), "case names must be unique"
    for case in CASES:
        assert set(case) <= {"name", "sql", "params", "properties", "why", "requests", "rows", "compare"}
        assert isinstance(case["requests"], dict) and isinstance(case["rows"], int)
        assert case.get("compare", "rows") in ("rows", "count", "none")


@pytest.mark.parametrize("case", CASES, ids=[c["name"] for c in CASES])
def test_pushdown_case(case: dict[str, Any], connections: Any, sandbox: Any) -> None:
    properties = case.get("properties", {})
    conn = connection_for(connections, sandbox, **properties)
    rows, requests = run_counted(sandbox, conn, case["sql"], case.get("params"))
    assert requests == case["requests"], f"{case['name']}: {case['why']}"
    assert len(rows) == case["rows"]

    compare = case.get("compare", "rows")
    if compare == "none":
        return
    baseline = connection_for(connections, sandbox, pushdown=False, **properties)
    expected, _ = run_counted(sandbox, baseline, case["sql"], case.get("params"))
    if compare == "count":
        assert len(rows) == len(expected)
    else:
        assert sorted(map(repr, rows)) == sorted(map(repr, expected))
