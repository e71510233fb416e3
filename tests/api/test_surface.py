"""The public surface the SQL engine codes against, and the generated cost table."""

from __future__ import annotations

import inspect
import sys
from pathlib import Path

import pipedrive_sql.api as api
from pipedrive_sql.api import ApiClient, ApiResponse, costs, token_cost
from pipedrive_sql.api.operations import operation

ROOT = Path(__file__).resolve().parents[2]


def test_all_names_exist_and_the_required_ones_are_there() -> None:
    for name in api.__all__:
        assert hasattr(api, name), name
    assert {"ApiClient", "ApiResponse", "RequestCounters", "token_cost"} <= set(api.__all__)


def test_client_signatures() -> None:
    init = inspect.signature(ApiClient.__init__)
    assert list(init.parameters)[:3] == ["self", "settings", "auth"]
    assert init.parameters["base_url"].kind is inspect.Parameter.KEYWORD_ONLY
    request = inspect.signature(ApiClient.request)
    assert [
        p for p in request.parameters if request.parameters[p].kind is inspect.Parameter.KEYWORD_ONLY
    ] == [
        "params",
        "json",
        "data",
    ]
    assert "max_records" in inspect.signature(ApiClient.pages).parameters
    assert "concurrency" in inspect.signature(ApiClient.parallel_scan).parameters
    for name in ("get", "close", "__enter__", "__exit__"):
        assert callable(getattr(ApiClient, name))
    assert [f for f in ApiResponse.__dataclass_fields__] == [
        "status",
        "data",
        "additional_data",
        "headers",
        "raw",
    ]


def test_token_cost_matches_templates_against_concrete_paths() -> None:
    assert token_cost("GET", "/api/v2/deals") == 10
    assert token_cost("GET", "/api/v2/deals/5") == 1
    assert token_cost("patch", "/api/v2/deals/5") == 5
    assert token_cost("DELETE", "/api/v2/deals/5") == 3
    assert token_cost("GET", "/api/v2/deals/search?term=x") == 20  # the literal segment beats {id}
    assert token_cost("GET", "/api/v1/leads") == 20
    assert token_cost("GET", "/v1/leads") == 20  # v1 answers under both prefixes
    assert (
        token_cost("GET", "/api/v1/deals/7/participants")
        == operation("GET", "/api/v1/deals/{id}/participants").cost
    )
    assert operation("GET", "/api/v2/deals/5").key == "GET /api/v2/deals/{id}"


def test_unknown_operations_get_a_conservative_guess() -> None:
    unknown = operation("GET", "/api/v9/nothing")
    assert not unknown.known and unknown.cost == 20


def test_the_committed_cost_table_is_what_the_generator_makes() -> None:
    # Without parsing 5 MB of YAML: the inputs are those the module was generated from, and its tables
    # are as generated. (``python tools/gen_costs.py --check`` regenerates and compares in full.)
    sys.path.insert(0, str(ROOT / "tools"))
    try:
        import gen_costs
    finally:
        sys.path.remove(str(ROOT / "tools"))
    assert gen_costs.source_digests() == costs.GENERATED_FROM, "run python tools/gen_costs.py"
    assert gen_costs.table_digest(costs.COSTS, costs.TIME_SLICEABLE) == costs.TABLE_SHA256, (
        "costs.py was edited"
    )
