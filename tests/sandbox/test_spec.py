"""``pipedrive_sandbox.spec``: the operations, costs and schemas the sandbox reads from Pipedrive's documents."""

from __future__ import annotations

from pathlib import Path

import jsonschema
import pytest
import yaml

from pipedrive_sandbox import spec


@pytest.mark.parametrize(
    ("method", "template", "cost"),
    [
        ("GET", "/api/v2/deals", 10),
        ("GET", "/api/v2/deals/{id}", 1),
        ("GET", "/api/v2/deals/{id:int}", 1),  # Starlette convertors do not matter
        ("PATCH", "/api/v2/deals/{deal_id}", 5),  # nor parameter names
        ("GET", "/api/v1/users/me", 2),
        ("GET", "/v1/users/me", 2),  # v1 answers under both prefixes
        ("GET", "/api/v1/leads", 20),
    ],
)
def test_token_costs_come_from_x_token_cost(method: str, template: str, cost: int) -> None:
    assert spec.token_cost(method, template) == cost
    op = spec.operation(method, template)
    assert op is not None and op.token_cost == cost


def test_removed_v1_endpoints_come_from_the_older_document() -> None:
    op = spec.operation("GET", "/v1/deals")
    assert op is not None
    assert op.document == "v1-2026-01-14" and op.deprecated


def test_undocumented_operations_cost_pipedrives_published_defaults() -> None:
    assert spec.operation("GET", "/api/v2/nowhere") is None
    assert spec.token_cost("GET", "/api/v2/nowhere") == 20
    assert spec.token_cost("GET", "/api/v2/nowhere/{id}") == 2
    assert spec.token_cost("POST", "/api/v2/nowhere") == 10
    assert spec.token_cost("DELETE", "/api/v2/nowhere/{id}") == 6


def test_oauth_operations_keep_their_own_paths() -> None:
    op = spec.operation("POST", "/oauth/token")
    assert op is not None and op.token_cost == 0
    schema = op.response_schema(200)
    assert schema is not None
    assert {"access_token", "refresh_token", "api_domain", "expires_in"} <= set(schema["properties"])


def test_every_operation_is_indexed_under_its_prefixes() -> None:
    keys = {op.key for op in spec.operations()}
    assert "GET /api/v2/deals" in keys
    assert {"GET /api/v1/leads", "GET /v1/leads"} <= keys
    assert "GET /v1/deals" not in keys
    assert "GET /v1/deals" in {op.key for op in spec.operations(include_deprecated=True)}


def test_response_schemas_validate_as_json_schema() -> None:
    schema = spec.response_schema("GET", "/api/v2/deals/{id}", 200)
    assert schema is not None
    validator = jsonschema.Draft4Validator(spec.json_schema(schema))
    validator.validate({"success": True, "data": {"id": 1, "title": "A deal", "value": 10}})
    with pytest.raises(jsonschema.ValidationError):
        validator.validate({"success": "yes"})


def test_nullable_becomes_a_null_alternative() -> None:
    converted = spec.json_schema(
        {
            "type": "object",
            "properties": {
                "a": {"type": "string", "nullable": True},
                "b": {"type": "string", "enum": ["x"], "nullable": True},
                "c": {"allOf": [{"type": "integer"}], "nullable": True},
                "d": {"type": "integer"},
            },
        }
    )
    validator = jsonschema.Draft4Validator(converted)
    validator.validate({"a": None, "b": None, "c": None})
    with pytest.raises(jsonschema.ValidationError):
        validator.validate({"d": None})


def test_oauth_scopes_come_from_the_security_scheme() -> None:
    scopes = spec.oauth_scopes()
    assert {"base", "deals:read", "deals:full", "contacts:full", "admin"} <= set(scopes)
    assert all(isinstance(text, str) and text for text in scopes.values())


def test_the_parsed_document_cache_matches_the_yaml(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setattr(spec.platformdirs, "user_cache_dir", lambda *_: str(tmp_path))
    spec.document.cache_clear()
    try:
        parsed = spec.document("v2")  # parses the YAML and writes the cache
        assert len(list(tmp_path.glob("openapi-v2-*.marshal"))) == 1
        spec.document.cache_clear()
        assert spec.document("v2") == parsed  # read back from the cache
        with (spec.OPENAPI_DIR / spec.DOCUMENTS["v2"]).open("rb") as f:
            assert parsed == yaml.load(f, Loader=yaml.CSafeLoader)
    finally:
        spec.document.cache_clear()


def test_a_broken_cache_file_is_ignored(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setattr(spec.platformdirs, "user_cache_dir", lambda *_: str(tmp_path))
    spec.document.cache_clear()
    try:
        raw = (spec.OPENAPI_DIR / spec.DOCUMENTS["v2"]).read_bytes()
        spec._cache_file("v2", raw).write_bytes(b"\x00garbage")
        assert spec.document("v2")["info"]["title"] == "Pipedrive API v2"
    finally:
        spec.document.cache_clear()
