"""The planner's decisions, read as data: no HTTP involved."""

from __future__ import annotations

from typing import Any

import pytest

from pipedrive_sql.catalog import Catalog
from pipedrive_sql.engine.params import bind
from pipedrive_sql.engine.parse import parse
from pipedrive_sql.engine.plan import QueryPlan, ScanPlan, plan_query
from pipedrive_sql.engine.pushdown import MAX_PARTS
from pipedrive_sql.errors import ProgrammingError

CATALOG = Catalog()


def plan(sql: str, params: Any = None, **kw: Any) -> QueryPlan:
    statement = parse(sql)
    bind(statement.tree, params, statement.qmarks)
    return plan_query(statement.tree, CATALOG, system_tables=["sys_tables"], **kw)


def scan(sql: str, params: Any = None, **kw: Any) -> ScanPlan:
    (only,) = plan(sql, params, **kw).scans
    return only


def calls(s: ScanPlan) -> list[tuple[str, dict[str, str], int | None]]:
    """Each call's path, max_records and parameters, less those every read of the table sends to reveal the
    rows the API hides by default (Deals: status=open,won,lost,deleted; see test_table_meaning.py)."""
    return [(c.path, _without_reveal(s, c.params), c.max_records) for c in s.calls]


def _without_reveal(s: ScanPlan, params: Any) -> dict[str, str]:
    return {k: v for k, v in params.items() if s.table.reveal.get(k) != v}


def test_limit_on_a_bare_table() -> None:
    s = scan("SELECT * FROM Deals LIMIT 10")
    assert calls(s) == [("/api/v2/deals", {}, 10)]
    assert s.exact and s.limit == 10 and s.estimated_requests() == 1


def test_one_id_is_a_get_by_id() -> None:
    s = scan("SELECT Title FROM Deals WHERE Id = 5")
    assert [(c.path, c.single) for c in s.calls] == [("/api/v2/deals/5", True)]
    assert s.visible is not None and not s.visible({"is_archived": True}) and s.visible({"is_deleted": True})


def test_ids_batch_by_100() -> None:
    ids = ", ".join(map(str, range(1, 151)))
    s = scan(f"SELECT Id FROM Deals WHERE Id IN ({ids})")
    assert [c.params["ids"].count(",") + 1 for c in s.calls] == [100, 50]
    assert [c.max_records for c in s.calls] == [100, 50]
    assert s.estimated_requests() == 2


def test_ids_intersect_and_contradict() -> None:
    assert calls(scan("SELECT * FROM Deals WHERE Id IN (1, 2, 3) AND Id IN (2, 3, 4)")) == [
        ("/api/v2/deals", {"ids": "2,3"}, 2)
    ]
    empty = scan("SELECT * FROM Deals WHERE Id = 1 AND Id = 2")
    assert empty.empty and empty.calls == () and empty.estimated_requests() == 0


def test_other_conditions_turn_a_get_into_a_filtered_list() -> None:
    assert calls(scan("SELECT * FROM Deals WHERE Id = 5 AND Status = 'won'")) == [
        ("/api/v2/deals", {"status": "won", "ids": "5"}, 1)
    ]


def test_fan_out_and_batched_values() -> None:
    s = scan("SELECT * FROM Deals WHERE OwnerId IN (1, 2) AND Status IN ('open', 'won')")
    assert sorted(calls(s), key=lambda c: c[1]["owner_id"]) == [
        ("/api/v2/deals", {"owner_id": "1", "status": "open,won"}, None),
        ("/api/v2/deals", {"owner_id": "2", "status": "open,won"}, None),
    ]


def test_fan_out_is_capped() -> None:
    owners = ", ".join(map(str, range(1, MAX_PARTS + 5)))
    s = scan(f"SELECT * FROM Deals WHERE OwnerId IN ({owners})")
    assert calls(s) == [("/api/v2/deals", {}, None)]
    assert s.residual and not s.pushed and not s.exact


def test_unpushable_values_stay_with_the_engine() -> None:
    s = scan("SELECT * FROM Deals WHERE Status = 'Open' AND OwnerId = 'abc' LIMIT 3")
    assert calls(s) == [("/api/v2/deals", {}, None)]
    assert not s.exact and s.limit is None


@pytest.mark.parametrize(
    ("where", "params", "exact"),
    [
        ("UpdateTime >= '2024-01-01'", {"updated_since": "2024-01-01T00:00:00Z"}, True),
        ("UpdateTime > '2024-01-01'", {"updated_since": "2024-01-01T00:00:00Z"}, False),
        ("UpdateTime < '2024-01-01T10:00:00Z'", {"updated_until": "2024-01-01T10:00:00Z"}, True),
        ("UpdateTime <= '2024-01-01 10:00:00'", {"updated_until": "2024-01-01T10:00:01Z"}, False),
        ("UpdateTime >= '2024-01-01 00:00:00.5'", {"updated_since": "2024-01-01T00:00:00Z"}, False),
        ("UpdateTime < '2024-01-01 00:00:00.5'", {"updated_until": "2024-01-01T00:00:01Z"}, False),
        ("UpdateTime >= '2024-01-01T02:00:00+02:00'", {"updated_since": "2024-01-01T00:00:00Z"}, True),
        (
            "UpdateTime BETWEEN '2024-01-01' AND '2024-02-01'",
            {"updated_since": "2024-01-01T00:00:00Z", "updated_until": "2024-02-01T00:00:01Z"},
            False,
        ),
        (
            "UpdateTime = '2024-01-01 10:00:00'",
            {"updated_since": "2024-01-01T10:00:00Z", "updated_until": "2024-01-01T10:00:01Z"},
            False,
        ),
        (
            "UpdateTime >= '2024-01-01' AND UpdateTime > '2023-01-01'",
            {"updated_since": "2024-01-01T00:00:00Z"},
            True,
        ),
        ("UpdateTime >= 'not a time'", {}, False),
    ],
)
def test_update_time_ranges(where: str, params: dict[str, str], exact: bool) -> None:
    s = scan(f"SELECT Id FROM Deals WHERE {where}")
    assert _without_reveal(s, s.calls[0].params) == params
    assert s.exact is exact


def test_limit_and_order_only_when_safe() -> None:
    pushed = scan("SELECT Id FROM Deals WHERE Status = 'open' ORDER BY UpdateTime DESC LIMIT 5 OFFSET 2")
    assert calls(pushed) == [
        ("/api/v2/deals", {"status": "open", "sort_by": "update_time", "sort_direction": "desc"}, 7)
    ]
    assert pushed.order == "UpdateTime DESC"
    for sql in [
        "SELECT Id FROM Deals ORDER BY Title LIMIT 5",  # not sortable
        "SELECT Id FROM Deals ORDER BY UpdateTime, Id LIMIT 5",  # two keys
        "SELECT DISTINCT OwnerId FROM Deals LIMIT 5",
        "SELECT OwnerId, count(*) FROM Deals GROUP BY OwnerId LIMIT 5",
        "SELECT count(*) FROM Deals LIMIT 5",
        "SELECT Id, row_number() OVER () FROM Deals LIMIT 5",
        "SELECT Id FROM Deals WHERE Title LIKE 'a%' LIMIT 5",
        "SELECT TOP 5 PERCENT Id FROM Deals",
    ]:
        assert scan(sql).limit is None, sql


def test_v1_sort_style() -> None:
    s = scan("SELECT Id FROM Notes ORDER BY Id DESC LIMIT 2")
    assert calls(s) == [("/api/v1/notes", {"sort": "id DESC"}, 2)]


def test_projection_is_what_the_query_mentions() -> None:
    s = scan("SELECT Title FROM Deals WHERE OwnerId = 1 ORDER BY Value")
    assert [c.name for c in s.columns] == ["Title", "OwnerId", "Value"]
    assert len(scan("SELECT * FROM Deals").columns) == len(CATALOG.table("Deals").columns)
    assert [c.name for c in scan("SELECT count(*) FROM Deals").columns] == ["Id"]
    two = plan("SELECT d.*, p.Name FROM Deals d JOIN Persons p ON p.Id = d.PersonId").scans
    assert len(two[0].columns) == len(CATALOG.table("Deals").columns)
    assert [c.name for c in two[1].columns] == ["Id", "Name"]


def test_joins_push_each_side_and_respect_outer_joins() -> None:
    deals, persons = plan(
        "SELECT d.Id FROM Deals d JOIN Persons p ON p.Id = d.PersonId AND p.OwnerId = 3 WHERE d.StageId = 2"
    ).scans
    assert _without_reveal(deals, deals.calls[0].params) == {"stage_id": "2"}
    assert _without_reveal(persons, persons.calls[0].params) == {"owner_id": "3"}
    assert deals.exact and deals.limit is None  # the API applies its WHERE, but a join keeps LIMIT

    left, right = plan(
        "SELECT * FROM Persons p LEFT JOIN Deals d ON d.PersonId = p.Id AND p.OwnerId = 3"
    ).scans
    assert (
        _without_reveal(left, left.calls[0].params) == {}
    )  # an ON condition never filters the preserved side
    left, right = plan(
        "SELECT * FROM Persons p LEFT JOIN Deals d ON d.PersonId = p.Id AND d.Status = 'won'"
    ).scans
    assert _without_reveal(right, right.calls[0].params) == {"status": "won"}


def test_unqualified_columns_in_joins_push_only_when_unambiguous() -> None:
    deals, stages = plan(
        "SELECT * FROM Deals d JOIN Stages s ON s.Id = d.StageId WHERE Status = 'open'"
    ).scans
    assert _without_reveal(deals, deals.calls[0].params) == {"status": "open"}
    deals, stages = plan("SELECT * FROM Deals d JOIN Stages s ON s.Id = d.StageId WHERE PipelineId = 1").scans
    assert (
        _without_reveal(deals, deals.calls[0].params) == {}
        and _without_reveal(stages, stages.calls[0].params) == {}
    )


def test_ctes_are_not_tables_and_subqueries_plan_separately() -> None:
    p = plan("WITH Deals AS (SELECT Id FROM Persons WHERE OwnerId = 2) SELECT * FROM Deals")
    assert [s.table.name for s in p.scans] == ["Persons"]
    p = plan("SELECT * FROM Deals WHERE PersonId IN (SELECT Id FROM Persons WHERE OrgId = 3)")
    assert [(s.table.name, _without_reveal(s, s.calls[0].params)) for s in p.scans] == [
        ("Deals", {}),
        ("Persons", {"org_id": "3"}),
    ]


def test_rewrite_names_registered_scans_and_keeps_aliases() -> None:
    p = plan("SELECT Deals.Title FROM Deals JOIN sys_tables ON 1 = 1", prefix="__x")
    assert p.sql == (
        'SELECT Deals.Title FROM "__x_0_deals" AS "Deals" JOIN "__x_1_sys_tables" AS "sys_tables" ON 1 = 1'
    )
    assert [r.table for r in p.system] == ["sys_tables"]


def test_unknown_table_suggests() -> None:
    with pytest.raises(ProgrammingError, match="Did you mean Persons"):
        plan("SELECT * FROM Persns")


def test_max_rows_becomes_a_limit() -> None:
    assert scan("SELECT * FROM Deals", max_rows=7).limit == 7
    assert scan("SELECT * FROM Deals LIMIT 3", max_rows=7).limit == 3
    assert scan("SELECT * FROM Deals LIMIT 30", max_rows=7).limit == 7


def test_children() -> None:
    emails = scan("SELECT * FROM PersonEmails WHERE PersonId IN (1, 2)")
    assert calls(emails) == [("/api/v2/persons", {"ids": "1,2"}, 2)] and emails.explode == "emails"
    products = scan("SELECT * FROM DealProducts WHERE DealId IN (1, 2)")
    assert calls(products) == [("/api/v2/deals/products", {"deal_ids": "1,2"}, None)]
    everything = scan("SELECT * FROM DealProducts")
    assert everything.parent is not None and everything.parent.table.name == "Deals"
    participants = scan("SELECT * FROM DealParticipants WHERE DealId IN (1, 2)")
    assert [(c.path, c.parent_id) for c in participants.calls] == [
        ("/api/v1/deals/1/participants", 1),
        ("/api/v1/deals/2/participants", 2),
    ]
    # Without a DealId condition the deals are scanned first, one participants request per deal.
    all_participants = scan("SELECT * FROM DealParticipants")
    assert all_participants.parent is not None and all_participants.parent.table.name == "Deals"


def test_without_pushdown_everything_is_read() -> None:
    s = scan("SELECT Title FROM Deals WHERE Id = 5 LIMIT 1", pushdown=False)
    assert calls(s) == [("/api/v2/deals", {}, None)]
    assert len(s.columns) == len(CATALOG.table("Deals").columns)
    assert scan("SELECT * FROM DealParticipants", pushdown=False).parent is not None


def test_files_pages_of_100() -> None:
    s = scan("SELECT * FROM Files")
    assert _without_reveal(s, s.calls[0].params) == {"limit": "100"} and s.page_size == 100


def test_values_flow_through_equi_joins() -> None:
    deals, activities = plan(
        "SELECT * FROM Deals d JOIN Activities a ON a.DealId = d.Id WHERE d.Id IN (5, 6)"
    ).scans
    assert (
        _without_reveal(activities, activities.calls[0].params) == {"deal_id": "5"}
        and len(activities.calls) == 2
    )
    assert activities.pushed == ("a.DealId IN (5, 6)",)
    persons, deals = plan(
        "SELECT * FROM Persons p LEFT JOIN Deals d ON d.PersonId = p.Id WHERE p.Id = 3"
    ).scans
    assert _without_reveal(deals, deals.calls[0].params) == {"person_id": "3"}
    # values stated in an outer join's ON never narrow the other side
    persons, deals = plan(
        "SELECT * FROM Persons p LEFT JOIN Deals d ON d.PersonId = p.Id AND d.PersonId = 3"
    ).scans
    assert _without_reveal(persons, persons.calls[0].params) == {}
    # nor do FULL joins carry them
    persons, deals = plan(
        "SELECT * FROM Persons p FULL JOIN Deals d ON d.PersonId = p.Id WHERE p.OwnerId = 3"
    ).scans
    assert _without_reveal(deals, deals.calls[0].params) == {}


@pytest.mark.parametrize(
    "sql",
    [
        "SELECT * FROM (SELECT * FROM Deals) t WHERE t.Id = 5",
        "SELECT * FROM (SELECT Id AS DealId FROM Deals) t WHERE DealId = 5",
        "WITH d AS (SELECT * FROM Deals) SELECT * FROM d WHERE d.Id = 5",
        "SELECT * FROM Persons p LEFT JOIN (SELECT * FROM Deals) t ON t.PersonId = p.Id WHERE t.Id = 5",
    ],
)
def test_conditions_push_into_plain_derived_tables_and_ctes(sql: str) -> None:
    (deals,) = [s for s in plan(sql).scans if s.table.name == "Deals"]
    assert calls(deals) == [("/api/v2/deals/5", {}, None)]


@pytest.mark.parametrize(
    "sql",
    [
        "SELECT * FROM (SELECT * FROM Deals LIMIT 5) t WHERE t.Id = 5",  # LIMIT picks rows first
        "SELECT * FROM (SELECT DISTINCT Id FROM Deals) t WHERE t.Id = 5",
        "SELECT * FROM (SELECT Id, row_number() OVER () AS r FROM Deals) t WHERE t.Id = 5",
        "SELECT * FROM (SELECT Id + 0 AS Id FROM Deals) t WHERE t.Id = 5",  # not a plain column
        "SELECT * FROM (SELECT Title AS Id FROM Deals) t WHERE t.Id = 5",  # the name maps to Title
        "SELECT * FROM Persons p LEFT JOIN (SELECT * FROM Deals) t ON t.PersonId = p.Id WHERE t.Id IS NULL",
        "SELECT * FROM (SELECT * FROM Deals) t WHERE t.Id = 5 OR t.Title = 'x'",
        "WITH d AS (SELECT * FROM Deals) SELECT * FROM d WHERE d.Id = 5 UNION ALL SELECT * FROM d",
    ],
)
def test_conditions_stay_out_of_derived_tables_that_are_not_plain(sql: str) -> None:
    for s in plan(sql).scans:
        if s.table.name == "Deals":
            assert all(c.path == "/api/v2/deals" and "ids" not in c.params for c in s.calls)
