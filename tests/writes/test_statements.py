"""The statement forms: multi-row VALUES, INSERT ... SELECT, UPDATE and DELETE with any predicate (pushed to
the API or not, joins, subqueries), row-dependent SET values, parameters, executemany, the WHERE guard, the
requests a write costs, RETURNING and lastrowid. State is checked through the API afterwards."""

from __future__ import annotations

from collections.abc import Iterator

import httpx
import pytest

import pipedrive_sql
from pipedrive_sandbox.server import Sandbox
from pipedrive_sql import errors
from pipedrive_sql.dbapi import Connection

from .helpers import get, run, writes


def deal(api: httpx.Client, deal_id: int) -> dict:
    found = get(api, f"/api/v2/deals/{deal_id}")
    assert found is not None
    return found


def titled(conn: Connection, prefix: str) -> list[int]:
    _, rows = run(conn, "SELECT Id FROM Deals WHERE Title LIKE ? ORDER BY Id", [prefix + "%"])
    return [r[0] for r in rows]


# ---- INSERT -------------------------------------------------------------------------------------------


def test_multi_row_values_insert_every_row(conn: Connection, api: httpx.Client, wsb: Sandbox) -> None:
    wsb.reset_stats()
    cur, _ = run(
        conn,
        "INSERT INTO Deals (Title, Value, Currency) VALUES ('Multi A', 1, 'USD'), ('Multi B', 2.5, 'EUR'), "
        "('Multi C', NULL, 'GBP')",
    )
    assert cur.rowcount == 3
    assert cur.lastrowid is None  # only a single-row insert names its record
    assert writes(wsb) == {"POST /api/v2/deals": 3}
    ids = titled(conn, "Multi ")
    assert [(deal(api, i)["title"], deal(api, i)["currency"]) for i in ids] == [
        ("Multi A", "USD"),
        ("Multi B", "EUR"),
        ("Multi C", "GBP"),
    ]
    assert deal(api, ids[1])["value"] == 2.5


def test_insert_select_copies_rows_from_a_query(conn: Connection, api: httpx.Client) -> None:
    _, persons = run(conn, "SELECT Id, Name FROM Persons WHERE Id <= 3 ORDER BY Id")
    cur, rows = run(
        conn,
        "INSERT INTO Deals (Title, PersonId, Value) "
        "SELECT 'Copied ' || Name, Id, Id * 10 FROM Persons WHERE Id <= 3 ORDER BY Id RETURNING Id, PersonId",
    )
    assert cur.rowcount == 3
    assert [r[1] for r in rows] == [p[0] for p in persons]
    for (deal_id, person_id), (_, name) in zip(rows, persons, strict=True):
        record = deal(api, deal_id)
        assert (record["title"], record["person_id"], record["value"]) == (
            f"Copied {name}",
            person_id,
            person_id * 10,
        )


def test_insert_select_without_a_column_list_matches_names(conn: Connection, api: httpx.Client) -> None:
    cur, _ = run(
        conn, "INSERT INTO Deals SELECT 'By name ' || Name AS Title, 7 AS Value FROM Persons WHERE Id = 1"
    )
    assert cur.rowcount == 1
    record = deal(api, cur.lastrowid)
    assert record["title"].startswith("By name ") and record["value"] == 7


def test_values_may_be_expressions_and_parameters(conn: Connection, api: httpx.Client) -> None:
    cur, _ = run(
        conn,
        "INSERT INTO Deals (Title, Value, ExpectedCloseDate) VALUES (upper(?), 2 * 21, CAST(? AS DATE) + 1)",
        ["expr deal", "2025-01-31"],
    )
    record = deal(api, cur.lastrowid)
    assert (record["title"], record["value"], record["expected_close_date"]) == (
        "EXPR DEAL",
        42,
        "2025-02-01",
    )


def test_named_parameters_and_executemany(conn: Connection, api: httpx.Client) -> None:
    cur = conn.cursor()
    cur.executemany(
        "INSERT INTO Notes (Content, DealId) VALUES (:content, :deal)",
        [{"content": "many 1", "deal": 4}, {"content": "many 2", "deal": 4}],
    )
    assert cur.rowcount == 2
    contents = {n["content"] for n in get(api, "/api/v1/notes", deal_id=4)}
    assert {"many 1", "many 2"} <= contents


def test_lastrowid_and_returning_of_a_single_insert(conn: Connection, api: httpx.Client) -> None:
    cur, rows = run(conn, "INSERT INTO Persons (Name) VALUES ('Returned Person') RETURNING *")
    assert cur.rowcount == 1
    names = [d[0] for d in cur.description]
    assert names == [c.name for c in conn.catalog.table("Persons").columns]
    row = dict(zip(names, rows[0], strict=True))
    assert row["Id"] == cur.lastrowid and row["Name"] == "Returned Person" and row["AddTime"] is not None
    assert get(api, f"/api/v2/persons/{cur.lastrowid}")["name"] == "Returned Person"


def test_returning_expressions_and_tsql_output(conn: Connection) -> None:
    _, rows = run(
        conn, "INSERT INTO Deals (Title, Value) VALUES ('Ret', 5) RETURNING Id > 0 AS ok, Value * 2 AS v"
    )
    assert rows == [(True, 10.0)]
    cur, rows = run(conn, "INSERT INTO Deals (Title) OUTPUT INSERTED.Id VALUES ('Output clause')")
    assert rows == [(cur.lastrowid,)]


# ---- UPDATE -------------------------------------------------------------------------------------------


def test_update_by_id_costs_one_read_and_one_write(conn: Connection, api: httpx.Client, wsb: Sandbox) -> None:
    wsb.reset_stats()
    cur, _ = run(conn, "UPDATE Deals SET Title = 'Pushed' WHERE Id = 5")
    assert cur.rowcount == 1
    assert wsb.stats()["by_operation"] == {"GET /api/v2/deals/{id}": 1, "PATCH /api/v2/deals/{id}": 1}
    assert deal(api, 5)["title"] == "Pushed"


def test_update_with_a_pushed_predicate_reads_only_matching_records(conn: Connection, wsb: Sandbox) -> None:
    _, rows = run(conn, "SELECT COUNT(*) FROM Deals WHERE PipelineId = 2")
    wsb.reset_stats()
    cur, _ = run(conn, "UPDATE Deals SET Probability = 55 WHERE PipelineId = 2")
    assert cur.rowcount == rows[0][0] > 0
    stats = wsb.stats()["by_operation"]
    assert stats["GET /api/v2/deals"] == 1  # pipeline_id=2 went to the API: one page
    assert stats["PATCH /api/v2/deals/{id}"] == rows[0][0]


def test_update_with_a_predicate_the_api_cannot_evaluate(conn: Connection, api: httpx.Client) -> None:
    run(
        conn, "INSERT INTO Deals (Title, Value) VALUES ('Local pred 1', 1), ('Local pred 2', 2), ('Other', 3)"
    )
    cur, rows = run(
        conn,
        "UPDATE Deals SET Title = Title || ' (seen)' WHERE Title LIKE 'Local pred%' AND Value < 10 RETURNING Id, Title",
    )
    assert cur.rowcount == 2
    assert sorted(r[1] for r in rows) == ["Local pred 1 (seen)", "Local pred 2 (seen)"]
    assert all(deal(api, r[0])["title"].endswith("(seen)") for r in rows)


def test_set_values_computed_per_row(conn: Connection, api: httpx.Client) -> None:
    run(conn, "INSERT INTO Deals (Title, Value) VALUES ('Per row 1', 10), ('Per row 2', 20)")
    ids = titled(conn, "Per row ")
    cur, _ = run(
        conn,
        "UPDATE Deals SET Value = Value * 1.5 + Id - Id, Title = 'Per row x' WHERE Title LIKE 'Per row _'",
    )
    assert cur.rowcount == 2
    assert [(deal(api, i)["value"], deal(api, i)["title"]) for i in ids] == [
        (15, "Per row x"),
        (30, "Per row x"),
    ]


def test_update_with_a_subquery_predicate(conn: Connection, api: httpx.Client) -> None:
    cur, rows = run(
        conn,
        "UPDATE Deals SET LostReason = 'Org closed' "
        "WHERE OrgId IN (SELECT Id FROM Organizations WHERE Name = (SELECT Name FROM Organizations WHERE Id = 3)) RETURNING Id",
    )
    _, expected = run(conn, "SELECT Id FROM Deals WHERE OrgId = 3")
    assert cur.rowcount == len(expected) > 0
    assert {r[0] for r in rows} == {r[0] for r in expected}
    assert all(deal(api, r[0])["lost_reason"] == "Org closed" for r in rows)


def test_update_from_a_join_in_both_dialects(conn: Connection, api: httpx.Client) -> None:
    # T-SQL: UPDATE alias SET ... FROM table alias JOIN ...
    cur, _ = run(
        conn,
        "UPDATE d SET Title = 'Joined ' || p.Name FROM Deals d JOIN Persons p ON d.PersonId = p.Id WHERE p.Id = 5",
    )
    _, expected = run(conn, "SELECT Id FROM Deals WHERE PersonId = 5")
    assert cur.rowcount == len(expected) > 0
    name = get(api, "/api/v2/persons/5")["name"]
    assert {deal(api, r[0])["title"] for r in expected} == {f"Joined {name}"}
    # PostgreSQL: UPDATE table SET ... FROM other WHERE join condition
    cur, _ = run(
        conn,
        "UPDATE Deals SET Title = 'PG ' || p.Name FROM Persons p WHERE Deals.PersonId = p.Id AND p.Id = 5",
    )
    assert cur.rowcount == len(expected)
    assert {deal(api, r[0])["title"] for r in expected} == {f"PG {name}"}


def test_update_matching_nothing_writes_nothing(conn: Connection, wsb: Sandbox) -> None:
    wsb.reset_stats()
    cur, rows = run(conn, "UPDATE Deals SET Title = 'never' WHERE Title = 'no such deal' RETURNING Id")
    assert cur.rowcount == 0 and rows == []
    assert writes(wsb) == {}


def test_update_and_delete_need_a_where_clause(conn: Connection, wsb: Sandbox) -> None:
    wsb.reset_stats()
    for sql in ("UPDATE Deals SET Title = 'all'", "DELETE FROM Notes"):
        with pytest.raises(errors.ProgrammingError, match=r"no WHERE clause.*AllowUnboundedWrites=true"):
            run(conn, sql)
    assert wsb.stats()["total"] == 0


@pytest.fixture(scope="module")
def unbounded(wsb: Sandbox) -> Iterator[Connection]:
    connection = pipedrive_sql.connect(BaseURL=wsb.url, APIToken=wsb.api_token, AllowUnboundedWrites=True)
    yield connection
    connection.close()


def test_allow_unbounded_writes_lets_them_through(unbounded: Connection, api: httpx.Client) -> None:
    cur, _ = run(unbounded, "UPDATE LeadLabels SET Color = 'gray'")
    assert cur.rowcount == len(get(api, "/api/v1/leadLabels")) > 0
    assert {label["color"] for label in get(api, "/api/v1/leadLabels")} == {"gray"}


# ---- DELETE -------------------------------------------------------------------------------------------


def test_delete_with_any_predicate_and_returning(conn: Connection, api: httpx.Client, wsb: Sandbox) -> None:
    run(conn, "INSERT INTO Deals (Title, Value) VALUES ('Doomed 1', 1), ('Doomed 2', 2), ('Doomed 3', 300)")
    ids = titled(conn, "Doomed ")
    wsb.reset_stats()
    cur, rows = run(
        conn, "DELETE FROM Deals WHERE Title LIKE 'Doomed%' AND Value < 100 RETURNING Id, Title, Value"
    )
    assert cur.rowcount == 2
    assert sorted(rows) == [(ids[0], "Doomed 1", 1.0), (ids[1], "Doomed 2", 2.0)]  # as they were
    assert writes(wsb) == {"DELETE /api/v2/deals/{id}": 2}
    assert [deal(api, i)["is_deleted"] for i in ids] == [True, True, False]


def test_delete_using_a_join(conn: Connection, api: httpx.Client) -> None:
    run(conn, "INSERT INTO Notes (Content, PersonId) VALUES ('Using 1', 7), ('Using 2', 7)")
    cur, _ = run(
        conn,
        "DELETE FROM Notes USING Persons p WHERE Notes.PersonId = p.Id AND p.Id = 7 AND Notes.Content LIKE 'Using%'",
    )
    assert cur.rowcount == 2
    assert not [n for n in get(api, "/api/v1/notes", person_id=7) or [] if n["content"].startswith("Using")]
    run(conn, "INSERT INTO Notes (Content, PersonId) VALUES ('TSQL 1', 7)")
    cur, _ = run(
        conn,
        "DELETE n FROM Notes n JOIN Persons p ON n.PersonId = p.Id WHERE p.Id = 7 AND n.Content = 'TSQL 1'",
    )
    assert cur.rowcount == 1


def test_a_leads_value_and_currency_are_one_object_that_updates_keep_whole(
    conn: Connection, api: httpx.Client
) -> None:
    cur, _ = run(
        conn, "INSERT INTO Leads (Title, OrganizationId, Value, Currency) VALUES ('Whole', 2, 100, 'CHF')"
    )
    lead = cur.lastrowid
    run(conn, "UPDATE Leads SET Value = Value + 50 WHERE Id = ?", [lead])
    assert get(api, f"/api/v1/leads/{lead}")["value"] == {"amount": 150, "currency": "CHF"}
    run(conn, "UPDATE Leads SET Currency = 'EUR' WHERE Id = ?", [lead])
    assert get(api, f"/api/v1/leads/{lead}")["value"] == {"amount": 150, "currency": "EUR"}
    run(conn, "UPDATE Leads SET Value = NULL WHERE Id = ?", [lead])
    assert get(api, f"/api/v1/leads/{lead}")["value"] is None


def test_update_returning_star_gives_the_records_as_pipedrive_answered(conn: Connection) -> None:
    cur, rows = run(conn, "UPDATE Deals SET Title = 'Returned' WHERE Id = 6 RETURNING *")
    names = [d[0] for d in cur.description]
    assert names == [c.name for c in conn.catalog.table("Deals").columns]
    row = dict(zip(names, rows[0], strict=True))
    assert (row["Id"], row["Title"]) == (6, "Returned") and row["UpdateTime"] is not None
    assert cur.api_requests == 2  # GET /deals/6 to find it, PATCH to write it
