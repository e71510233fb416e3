"""``sync`` into DuckDB, PostgreSQL (a real server) and Parquet: equal to the source table by table, after a
first full sync and after incremental ones that carry writes, deletes, merges and archivings."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from tests.cache.helpers import api, mutate, source_table

import pipedrive_sql
from pipedrive_sandbox.server import Sandbox
from pipedrive_sql.sync import open_target, sync_tables

from .helpers import TABLES, assert_equal_to_source, target_rows

WRITES = [
    ("create", "deal", 1),
    ("update", "deal", 2),
    ("delete", "deal", 3),
    ("archive", "deal", 4),
    ("update", "person", 5),
    ("delete", "person", 6),
    ("merge", "person", 7),
    ("merge", "organization", 8),
    ("create", "activity", 9),
    ("delete", "product", 10),
]


def where_for(kind: str, tmp_path: Path, postgres: str | None) -> str:
    if kind == "duckdb":
        return str(tmp_path / "replica.duckdb")
    if kind == "parquet":
        return str(tmp_path / "replica")
    assert postgres is not None
    return postgres


@pytest.fixture
def connection_factory() -> Any:
    opened: list[Any] = []

    def make(sb: Any) -> Any:
        conn = pipedrive_sql.connect(BaseURL=sb.url, APIToken=sb.api_token, MaxConcurrency=1)
        opened.append(conn)
        return conn

    yield make
    for conn in opened:
        conn.close()


@pytest.fixture
def connection(source: Any) -> Any:
    with pipedrive_sql.connect(BaseURL=source.url, APIToken=source.api_token, MaxConcurrency=1) as conn:
        yield conn


@pytest.mark.parametrize("kind", ["duckdb", "parquet", "postgresql"])
def test_sync_equals_the_source_table_by_table(
    kind: str, source: Any, connection: Any, tmp_path: Path, request: pytest.FixtureRequest
) -> None:
    postgres = request.getfixturevalue("postgres_url") if kind == "postgresql" else None
    where = where_for(kind, tmp_path, postgres)
    with open_target(where) as target:
        first = sync_tables(connection, target, TABLES, full=True)
    assert all(not r.error for r in first), [r.error for r in first if r.error]
    assert {r.mode for r in first} == {"full"}
    assert_equal_to_source(connection, kind, where)
    with api(source) as http:
        for op, what, pick in WRITES:
            mutate(source, http, op, what, pick)
    deleted_before = deleted_rows(kind, where)
    before = source.stats()["total"]
    with open_target(where) as target:
        second = sync_tables(connection, target, TABLES)
    assert all(not r.error for r in second)
    by_table = {r.table: r for r in second}
    # A deleted deal is a row (Status 'deleted'), not a delete; the archived one left Deals.
    assert by_table["Deals"].mode == "incremental" and by_table["Deals"].deleted >= 1
    assert deleted_rows(kind, where) > deleted_before
    assert by_table["Persons"].mode == "incremental" and by_table["Persons"].deleted >= 2  # deleted + merged
    assert source.stats()["total"] - before == sum(r.requests for r in second)
    assert_equal_to_source(connection, kind, where)


def deleted_rows(kind: str, where: str) -> int:
    """Rows of deleted deals in the target (the deal deleted may be an archived one)."""
    tables = ("Deals", "ArchivedDeals")
    return sum(1 for t in tables for r in target_rows(kind, where, t) if r["Status"] == "deleted")


@pytest.mark.parametrize("kind", ["duckdb", "parquet", "postgresql"])
@pytest.mark.parametrize("soft", [False, True])
def test_deleted_deals_leave_the_target_when_the_lists_forget_them(
    kind: str, soft: bool, connection_factory: Any, tmp_path: Path, request: pytest.FixtureRequest
) -> None:
    postgres = request.getfixturevalue("postgres_url") if kind == "postgresql" else None
    where = where_for(kind, tmp_path, postgres)
    with Sandbox(seed=12, scale=20, rate_limit=False, fault_rate=0.0, deleted_deal_days=30) as sb:
        conn = connection_factory(sb)

        def sync(**options: Any) -> Any:
            with open_target(where) as target:
                return sync_tables(conn, target, ["Deals"], soft_delete=soft, **options)[0]

        with api(sb) as http:
            deal = http.post("/api/v2/deals", json={"title": "Deleted soon"}).json()["data"]["id"]
            sync(full=True)
            http.delete(f"/api/v2/deals/{deal}")
        sync()
        rows = {r["Id"]: r for r in target_rows(kind, where, "Deals")}
        assert rows[deal]["Status"] == "deleted" and rows[deal]["IsDeleted"] is True
        sb.advance_clock(86_400 * 31)  # Pipedrive lists deleted deals for 30 days
        report = sync()
        assert report.mode == "incremental" and report.deleted == 1
        rows = {r["Id"]: r for r in target_rows(kind, where, "Deals")}
        if soft:  # a record gone from Pipedrive is kept with the flag
            assert rows[deal]["_deleted"] is True
            rows = {i: r for i, r in rows.items() if not r["_deleted"]}
        else:
            assert deal not in rows
        expected = source_table(conn, "Deals")
        assert sorted(rows) == sorted(expected.column("Id").to_pylist())


def test_soft_deletes_keep_the_rows_with_a_flag(source: Any, connection: Any, tmp_path: Path) -> None:
    where = str(tmp_path / "soft.duckdb")
    with open_target(where) as target:
        sync_tables(connection, target, ["Persons"], soft_delete=True)
    with api(source) as http:
        victim = http.post("/api/v2/persons", json={"name": "Soon gone"}).json()["data"]["id"]
    with open_target(where) as target:
        sync_tables(connection, target, ["Persons"], soft_delete=True)
        with api(source) as http:
            http.delete(f"/api/v2/persons/{victim}")
        report = sync_tables(connection, target, ["Persons"], soft_delete=True)[0]
    assert report.mode == "incremental" and report.deleted >= 1
    rows = {r["Id"]: r for r in target_rows("duckdb", where, "Persons")}
    assert rows[victim]["_deleted"] is True
    live = [r for r in rows.values() if not r["_deleted"]]
    assert len(live) == len(source_ids(source, "person"))


def source_ids(sb: Any, kind: str) -> list[Any]:
    return [i for i, r in sb.store.tables[kind].items() if not r.get("is_deleted")]


def test_parquet_folder_has_a_manifest_and_reads_with_duckdb(connection: Any, tmp_path: Path) -> None:
    import duckdb

    where = tmp_path / "lake"
    with open_target(str(where)) as target:
        sync_tables(connection, target, ["Deals", "Persons"])
        sync_tables(connection, target, ["Deals", "Persons"])
    manifest = (where / "_manifest.json").read_text()
    assert '"primary_key": "Id"' in manifest and '"references": "Id"' in manifest
    versions = sorted(p.name for p in (where / "Deals").iterdir())
    assert versions == ["v000002"]  # the old version is gone once the manifest names the new one
    count = duckdb.sql(f"SELECT count(*) FROM read_parquet('{where}/Deals/v000002/*.parquet')").fetchall()
    assert count[0][0] == len(target_rows("parquet", str(where), "Deals"))


def test_views_and_per_parent_tables_are_refused(connection: Any, tmp_path: Path) -> None:
    with (
        open_target(str(tmp_path / "x.duckdb")) as target,
        pytest.raises(pipedrive_sql.ProgrammingError, match="sync its parent table"),
    ):
        sync_tables(connection, target, ["PersonEmails"])
