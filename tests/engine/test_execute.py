"""Execution over HTTP: laziness, EXPLAIN, metadata tables, parallel scans, errors raised inside scans."""

from __future__ import annotations

import math
from typing import Any

import pytest

from pipedrive_sql import errors
from pipedrive_sql.dbapi import Connection

from .helpers import connection_for, open_connection, run_counted


@pytest.fixture
def conn(connections: Any, sandbox: Any) -> Connection:
    return connection_for(connections, sandbox)


def test_request_counters_match_the_server(conn: Connection, sandbox: Any) -> None:
    sandbox.reset_stats()
    cur = conn.cursor()
    cur.execute("SELECT * FROM Activities")  # about 300 activities, 50 per page
    count = len(cur.fetchall())
    assert count == cur.rowcount and count > 50
    pages = sandbox.stats()["by_operation"]["GET /api/v2/activities"]
    assert pages == math.ceil(count / 50)
    assert (cur.api_requests, cur.api_tokens) == (pages, 10 * pages)


def test_duckdb_stops_pulling_pages_it_does_not_need(conn: Connection, sandbox: Any) -> None:
    # The LIMIT cannot be pushed (the condition runs in DuckDB), yet one page holds enough rows.
    sandbox.reset_stats()
    cur = conn.cursor()
    cur.execute("SELECT Id FROM Activities WHERE Subject IS NOT NULL LIMIT 3")
    assert len(cur.fetchall()) == 3
    assert sandbox.stats()["by_operation"] == {"GET /api/v2/activities": 1}


def test_an_abandoned_result_stops_reading(conn: Connection, sandbox: Any) -> None:
    cur = conn.cursor()
    cur.execute("SELECT * FROM Activities")
    cur.fetchone()
    sandbox.reset_stats()
    cur.execute("SELECT Id FROM Pipelines")
    assert len(cur.fetchall()) == 3
    assert sandbox.stats()["by_operation"] == {"GET /api/v2/pipelines": 1}


def test_explain_returns_the_api_plan(conn: Connection, sandbox: Any) -> None:
    sandbox.reset_stats()
    cur = conn.cursor()
    cur.execute(
        "EXPLAIN SELECT d.Title, p.Name FROM Deals d JOIN Persons p ON p.Id = d.PersonId "
        "WHERE d.Id IN (1, 2, 3) AND d.Title LIKE '%a%'"
    )
    names = [c[0] for c in cur.description or []]
    rows = [dict(zip(names, row, strict=True)) for row in cur.fetchall()]
    assert sandbox.stats()["total"] == 0  # EXPLAIN reads nothing
    deals, persons = rows
    assert deals["TableName"] == "Deals" and deals["Alias"] == "d"
    assert deals["Requests"] == ["GET /api/v2/deals?status=open,won,lost,deleted&ids=1,2,3"]
    assert deals["PushedPredicates"] == ["d.Id IN (1, 2, 3)"]
    assert deals["EnginePredicates"] == ["d.Title LIKE '%a%'"]
    assert (deals["EstimatedRequests"], deals["EstimatedTokens"]) == (1, 10)
    assert persons["Requests"] == ["ids from d.PersonId; otherwise:", "GET /api/v2/persons"]
    assert persons["EstimatedRequests"] is None and "per 50 records" in persons["Notes"]
    assert '"__pd' in deals["EngineSQL"]


def test_explain_of_a_get_and_a_limit(conn: Connection) -> None:
    cur = conn.cursor()
    cur.execute("EXPLAIN SELECT * FROM Deals WHERE Id = 5")
    row = dict(zip([c[0] for c in cur.description or []], cur.fetchone() or (), strict=True))
    assert row["Requests"] == ["GET /api/v2/deals/{id}"] or row["Requests"] == ["GET /api/v2/deals/5"]
    assert (row["EstimatedRequests"], row["EstimatedTokens"]) == (1, 1)
    cur.execute("EXPLAIN SELECT * FROM Deals ORDER BY UpdateTime DESC LIMIT 120")
    row = dict(zip([c[0] for c in cur.description or []], cur.fetchone() or (), strict=True))
    assert row["OrderBy"] == "UpdateTime DESC" and row["RecordLimit"] == 120
    assert (row["EstimatedRequests"], row["EstimatedTokens"]) == (3, 30)


def test_metadata_tables_through_sql(conn: Connection, sandbox: Any) -> None:
    sandbox.reset_stats()
    cur = conn.cursor()
    cur.execute(
        "SELECT ColumnName, DataTypeName, FieldKey FROM sys_tablecolumns "
        "WHERE TableName = 'Deals' AND IsCustomField ORDER BY ColumnName"
    )
    custom = {name: (kind, key) for name, kind, key in cur.fetchall()}
    assert custom["ContractValue"][0] == "DECIMAL(18,4)" and custom["ContractValueCurrency"][0] == "VARCHAR"
    assert custom["ProductInterest"][0] == "VARCHAR[]"
    assert len(custom["DealSource"][1]) == 40
    cur.execute("SELECT Value FROM sys_connection_props WHERE Name = 'APIToken'")
    assert cur.fetchone() == ("********",)
    cur.execute(
        "SELECT ColumnName FROM sys_foreignkeys WHERE TableName = 'Deals' AND ReferencedTableName = 'Persons'"
    )
    assert sorted(cur.fetchall()) == [("PersonId",), ("TechnicalContact",)]  # the custom person field too
    cur.execute(
        "SELECT ReferencedTableName FROM sys_foreignkeys WHERE TableName = 'Deals' AND ColumnName = ?",
        ["AccountManager"],
    )
    assert cur.fetchall() == [("Users",)]
    assert sandbox.stats()["total"] == 0  # the catalog was loaded already


def test_custom_fields_can_be_hidden(sandbox: Any) -> None:
    hidden = open_connection(sandbox, IncludeCustomFields=False)
    try:
        sandbox.reset_stats()
        cur = hidden.cursor()
        cur.execute("SELECT * FROM Deals LIMIT 1")
        names = [c[0] for c in cur.description or []]
        assert "DealSource" not in names and "Title" in names
        assert "GET /api/v2/dealFields" not in sandbox.stats()["by_operation"]
        with pytest.raises(errors.ProgrammingError, match="DealSource"):
            cur.execute("SELECT DealSource FROM Deals")
    finally:
        hidden.close()


def test_parallel_scan_reads_the_same_rows(sandbox: Any, connections: Any) -> None:
    # 20 records per page: after 2 + MaxConcurrency full pages the scan turns parallel (time slices).
    sequential = connection_for(connections, sandbox, Pagesize=20)
    parallel = open_connection(sandbox, MaxConcurrency=3, Pagesize=20)
    try:
        query = "SELECT * FROM Activities ORDER BY Id"
        expected, plain = run_counted(sandbox, sequential, query)
        rows, requests = run_counted(sandbox, parallel, query)
        assert rows == expected
        assert plain == {"GET /api/v2/activities": math.ceil(len(rows) / 20)}
        assert requests["GET /api/v2/activities"] > plain["GET /api/v2/activities"]  # probe, slices, catch-up
    finally:
        parallel.close()


def test_duckdb_sql_over_tables(conn: Connection) -> None:
    cur = conn.cursor()
    cur.execute(
        """
        WITH won AS (SELECT OwnerId, sum(Value) AS total FROM Deals WHERE Status = 'won' GROUP BY ALL)
        SELECT u.Name, w.total, rank() OVER (ORDER BY w.total DESC) AS place
        FROM won w JOIN Users u ON u.Id = w.OwnerId
        QUALIFY place <= 3
        ORDER BY place
        """
    )
    rows = cur.fetchall()
    assert len(rows) == 3 and [r[2] for r in rows] == [1, 2, 3]
    # DuckDB syntax that T-SQL cannot read ([1] indexing) falls back to DuckDB's own parser
    cur.execute("SELECT Name, Emails[1].value FROM Persons WHERE Id = 1")
    name, email = cur.fetchone() or (None, None)
    assert isinstance(name, str) and (email is None or "@" in email)


def test_a_failing_scan_raises_the_api_error(sandbox: Any) -> None:
    conn = open_connection(sandbox)
    try:
        cur = conn.cursor()
        cur.execute("SELECT * FROM Deals WHERE Id = 999999")  # GET by id of a missing record: no rows
        assert cur.fetchall() == []
        conn.client.close()
        with pytest.raises(errors.InterfaceError, match="closed"):
            cur.execute("SELECT * FROM Deals").fetchall()
    finally:
        conn.close()


def test_list_subscripts_return_elements_not_lists(conn: Connection) -> None:
    cur = conn.cursor()
    cur.execute(
        'SELECT Id, "LabelIds", "LabelIds"[1] FROM "Persons" WHERE array_length("LabelIds") >= 1 ORDER BY Id LIMIT 3'
    )
    rows = cur.fetchall()
    assert rows and all(isinstance(labels, list) and first == labels[0] for _, labels, first in rows)
    assert cur.description is not None and cur.description[2][0] != "1"
    cur.execute('SELECT "LabelIds"[?], "LabelIds"[1:1] FROM "Persons" WHERE Id = ?', [1, rows[0][0]])
    assert cur.fetchall() == [(rows[0][2], [rows[0][2]])]
    cur.execute("SELECT ARRAY[1, 2], [?, 4][2]", [3])
    assert cur.fetchall() == [([1, 2], 4)]


def test_schema_qualified_names(conn: Connection) -> None:
    cur = conn.cursor()
    cur.execute("SELECT CatalogName, SchemaName FROM sys_tables WHERE TableName = 'Deals'")
    assert cur.fetchall() == [("Pipedrive", "Pipedrive")]
    cur.execute("SELECT count(*) FROM Deals")
    expected = cur.fetchall()
    for sql in (
        'SELECT count(*) FROM "Pipedrive"."Deals"',
        "SELECT count(*) FROM Pipedrive.Deals",
        "SELECT count(*) FROM [Pipedrive].[Pipedrive].[Deals]",
        "SELECT count(Pipedrive.Deals.Id) FROM pipedrive.Deals",
    ):
        cur.execute(sql)
        assert cur.fetchall() == expected, sql
    cur.execute("SELECT count(*) FROM Pipedrive.sys_tables WHERE TableName = 'Deals'")
    assert cur.fetchall() == [(1,)]
    with pytest.raises(errors.ProgrammingError, match=r"no schema 'Other'.*schema 'Pipedrive'"):
        cur.execute("SELECT * FROM Other.Deals")
    with pytest.raises(errors.ProgrammingError, match=r"no catalog 'x'.*catalog 'Pipedrive'"):
        cur.execute("SELECT * FROM x.Pipedrive.Deals")
