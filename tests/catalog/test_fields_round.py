"""The catalog reads every entity's custom-field definitions in one concurrent round, once per connection."""

from __future__ import annotations

import threading
from typing import Any

import pytest

import pipedrive_sql
from pipedrive_sandbox.server import Sandbox
from pipedrive_sql.catalog import Catalog


def test_the_whole_catalog_reads_its_field_definitions_together_and_once() -> None:
    with Sandbox(seed=2, scale=50, rate_limit=False) as sandbox:
        conn = pipedrive_sql.connect(BaseURL=sandbox.url, APIToken=sandbox.api_token)
        try:
            client = conn.engine.client
            entities = sorted({t.custom_entity for t in conn.catalog.tables() if t.custom_entity})
            assert len(entities) >= 4
            # A loader that waits until every entity's request is under way: one after another, it
            # would wait forever (the barrier breaks after its timeout and the test fails).
            barrier = threading.Barrier(len(entities), timeout=30)
            calls: list[str] = []

            def load(entity: str) -> list[dict[str, Any]]:
                calls.append(entity)
                barrier.wait()
                return [r for page in client.pages(f"/api/v2/{entity}Fields") for r in page]

            catalog = Catalog(load)
            sandbox.reset_stats()
            tables = catalog.tables()
            assert sorted(calls) == entities
            assert sorted(catalog.loaded_entities()) == entities
            assert sandbox.stats()["total"] == len(entities)  # one request per entity
            deals = next(t for t in tables if t.name == "Deals")
            assert len(deals.columns) > len(catalog.builtin("Deals").columns)  # custom fields resolved
            catalog.tables()
            catalog.table("Persons")
            assert len(calls) == len(entities) and sandbox.stats()["total"] == len(entities)  # kept
        finally:
            conn.close()


def test_a_failing_definition_read_fails_the_catalog_with_its_error() -> None:
    def load(entity: str) -> list[dict[str, Any]]:
        if entity == "person":
            raise pipedrive_sql.OperationalError("personFields failed")
        return []

    with pytest.raises(pipedrive_sql.OperationalError, match="personFields failed"):
        Catalog(load).tables()
