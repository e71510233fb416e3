"""Core select() statements: the SQL the dialect writes, and the requests the sandbox receives for it.

Every result is checked against the same question answered in Python over all deals read once, so a
pushed-down filter can only make a query cheaper, never different.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

import pytest
from sqlalchemy import MetaData, Table, bindparam, exc, func, literal, select, text, types
from sqlalchemy.engine import Connection, Engine

from .conftest import PAGE_SIZE, requests


@pytest.fixture(scope="module")
def tables(engine: Engine) -> MetaData:
    metadata = MetaData()
    metadata.reflect(engine, only=["Deals", "Stages", "Persons", "Users"])
    return metadata


@pytest.fixture(scope="module")
def deals(tables: MetaData) -> Table:
    return tables.tables["Deals"]


@pytest.fixture(scope="module")
def all_deals(engine: Engine, deals: Table) -> list[dict[str, Any]]:
    with engine.connect() as connection:
        return [dict(row._mapping) for row in connection.execute(select(deals))]


@pytest.fixture
def connection(engine: Engine, sandbox: Any) -> Any:
    with engine.connect() as opened:
        sandbox.reset_stats()
        yield opened


def sql_of(statement: Any, engine: Engine) -> str:
    return " ".join(str(statement.compile(engine)).split())


def planned_calls(connection: Connection, statement: Any) -> tuple[list[Any], list[Any]]:
    """The rows, and the API calls the driver planned for the statement's one table (``Call``: path,
    params, max_records), read from the DB-API cursor."""
    result = connection.execute(statement)
    plan = result.cursor.plan  # type: ignore[union-attr]
    rows = result.all()
    (scan,) = plan.scans
    return rows, list(scan.calls)


def pages(records: int) -> int:
    return max(1, -(-records // PAGE_SIZE))


def test_statements_compile_to_sql_the_planner_reads(engine: Engine, deals: Table) -> None:
    statement = (
        select(deals.c.Id, deals.c.Title)
        .where(deals.c.Status == "open", deals.c.OwnerId.in_([1, 2]))
        .order_by(deals.c.UpdateTime.desc())
        .limit(10)
        .offset(20)
    )
    assert sql_of(statement, engine) == (
        'SELECT "Deals"."Id", "Deals"."Title" FROM "Deals" WHERE "Deals"."Status" = ? '
        'AND "Deals"."OwnerId" IN (__[POSTCOMPILE_OwnerId_1]) ORDER BY "Deals"."UpdateTime" DESC '
        "LIMIT ? OFFSET ?"
    )
    assert sql_of(select(deals.c.Id).offset(5), engine) == 'SELECT "Deals"."Id" FROM "Deals" OFFSET ?'
    assert "ILIKE" in sql_of(select(deals.c.Id).where(deals.c.Title.icontains("crm")), engine)
    assert "regexp_matches(" in sql_of(select(deals.c.Id).where(deals.c.Title.regexp_match("^A")), engine)
    rendered = select(deals.c.Id).where(deals.c.Title == "O'Hara", deals.c.IsDeleted.is_(False))
    literal_sql = " ".join(str(rendered.compile(engine, compile_kwargs={"literal_binds": True})).split())
    assert literal_sql == (
        'SELECT "Deals"."Id" FROM "Deals" WHERE "Deals"."Title" = \'O\'\'Hara\' AND "Deals"."IsDeleted" IS false'
    )


def test_limit_costs_one_request(connection: Connection, sandbox: Any, deals: Table) -> None:
    rows = connection.execute(select(deals.c.Id, deals.c.Title).limit(10)).all()
    assert len(rows) == 10
    assert requests(sandbox) == {"GET /api/v2/deals": 1}


def test_an_id_costs_one_get(
    connection: Connection, sandbox: Any, deals: Table, all_deals: list[Any]
) -> None:
    wanted = all_deals[3]["Id"]
    row = connection.execute(select(deals).where(deals.c.Id == wanted)).one()
    assert row._mapping == all_deals[3]
    assert requests(sandbox) == {"GET /api/v2/deals/{id}": 1}


def test_ids_go_to_the_ids_parameter_in_batches_of_100(
    connection: Connection, sandbox: Any, deals: Table, all_deals: list[Any]
) -> None:
    wanted = list(range(1, 151))
    statement = select(deals.c.Id).where(deals.c.Id.in_(wanted)).order_by(deals.c.Id)
    rows, calls = planned_calls(connection, statement)
    found = sorted(d["Id"] for d in all_deals if d["Id"] in wanted)
    assert [r.Id for r in rows] == found
    assert [c.params["ids"] for c in calls] == [
        ",".join(str(i) for i in range(1, 101)),
        ",".join(str(i) for i in range(101, 151)),
    ]
    # each batch is one request per page of 50 (one request each at the default page size of 500)
    first = sum(i <= 100 for i in found)
    assert requests(sandbox) == {"GET /api/v2/deals": pages(first) + pages(len(found) - first)}


def test_owner_and_status_filters_are_api_parameters(
    connection: Connection, sandbox: Any, deals: Table, all_deals: list[Any]
) -> None:
    owner = all_deals[0]["OwnerId"]
    statement = select(deals.c.Id).where(deals.c.OwnerId == owner, deals.c.Status == "won")
    rows, (call,) = planned_calls(connection, statement)
    expected = [d["Id"] for d in all_deals if d["OwnerId"] == owner and d["Status"] == "won"]
    assert sorted(r.Id for r in rows) == sorted(expected)
    assert call.params["owner_id"] == str(owner) and call.params["status"] == "won"
    assert requests(sandbox) == {"GET /api/v2/deals": pages(len(expected))}
    assert pages(len(expected)) < pages(len(all_deals))


def test_order_by_and_limit_are_pushed(
    connection: Connection, sandbox: Any, deals: Table, all_deals: list[Any]
) -> None:
    statement = select(deals.c.Id, deals.c.UpdateTime).order_by(deals.c.UpdateTime.desc()).limit(5)
    rows, (call,) = planned_calls(connection, statement)
    newest = sorted(all_deals, key=lambda d: d["UpdateTime"], reverse=True)[:5]
    assert [r.UpdateTime for r in rows] == [d["UpdateTime"] for d in newest]
    assert call.params["sort_by"] == "update_time" and call.params["sort_direction"] == "desc"
    assert call.max_records == 5
    assert requests(sandbox) == {"GET /api/v2/deals": 1}


def test_an_update_time_range_is_pushed(
    connection: Connection, sandbox: Any, deals: Table, all_deals: list[Any]
) -> None:
    since = sorted(d["UpdateTime"] for d in all_deals)[-30]
    statement = select(deals.c.Id).where(deals.c.UpdateTime >= since)
    rows, (call,) = planned_calls(connection, statement)
    assert sorted(r.Id for r in rows) == sorted(d["Id"] for d in all_deals if d["UpdateTime"] >= since)
    assert call.params["updated_since"] == since.astimezone(dt.UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
    assert requests(sandbox) == {"GET /api/v2/deals": 1}


def test_an_empty_in_list_makes_no_request(connection: Connection, sandbox: Any, deals: Table) -> None:
    assert connection.execute(select(deals.c.Id).where(deals.c.Id.in_([]))).all() == []
    assert requests(sandbox) == {}


def test_what_the_api_cannot_evaluate_runs_locally(
    connection: Connection, deals: Table, all_deals: list[Any]
) -> None:
    statement = select(deals.c.Id).where(deals.c.Title.icontains("crm"), deals.c.Value > 1000)
    expected = [d["Id"] for d in all_deals if "crm" in d["Title"].lower() and (d["Value"] or 0) > 1000]
    assert sorted(connection.scalars(statement)) == sorted(expected)
    starts = select(deals.c.Id).where(deals.c.Title.regexp_match("^[A-C]"))
    assert sorted(connection.scalars(starts)) == sorted(d["Id"] for d in all_deals if d["Title"][:1] in "ABC")


def test_joins_and_aggregates(
    connection: Connection, sandbox: Any, tables: MetaData, all_deals: list[Any]
) -> None:
    deals, stages = tables.tables["Deals"], tables.tables["Stages"]
    total = func.sum(deals.c.Value).label("total")
    statement = (
        select(stages.c.Name, total, func.count().label("deals"))
        .join_from(deals, stages, deals.c.StageId == stages.c.Id)
        .group_by(stages.c.Name)
        .order_by(total.desc())
    )
    rows = connection.execute(statement).all()
    names = {row.Id: row.Name for row in connection.execute(select(stages.c.Id, stages.c.Name))}
    expected: dict[str, Decimal] = {}
    for d in all_deals:
        expected[names[d["StageId"]]] = expected.get(names[d["StageId"]], Decimal(0)) + (d["Value"] or 0)
    assert {r.Name: pytest.approx(r.total) for r in rows} == expected
    assert [r.total for r in rows] == sorted((r.total for r in rows), reverse=True)
    assert sum(r.deals for r in rows) == len(all_deals)
    # one scan of each table, not a request per row
    assert requests(sandbox) == {
        "GET /api/v2/deals": pages(len(all_deals)),
        "GET /api/v2/stages": 2,  # the join's scan, and the names read above
    }


def test_counts_subqueries_and_offsets(connection: Connection, deals: Table, all_deals: list[Any]) -> None:
    assert connection.scalar(select(func.count()).select_from(deals)) == len(all_deals)
    inner = select(deals.c.Id).where(deals.c.Status == "open").subquery()
    assert connection.scalar(select(func.count()).select_from(inner)) == sum(
        d["Status"] == "open" for d in all_deals
    )
    ids = sorted(d["Id"] for d in all_deals)
    assert list(connection.scalars(select(deals.c.Id).order_by(deals.c.Id).offset(180))) == ids[180:]
    assert list(connection.scalars(select(deals.c.Id).order_by(deals.c.Id).limit(3).offset(5))) == ids[5:8]
    assert connection.scalar(select(literal(7) / literal(2))) == 3.5  # DuckDB divides exactly
    assert connection.scalar(select(literal(7) // literal(2))) == 3


def test_text_with_named_parameters_pushes_down(
    connection: Connection, sandbox: Any, all_deals: list[Any]
) -> None:
    statement = text('SELECT "Title" FROM "Deals" WHERE "Id" = :id')
    assert connection.scalar(statement, {"id": all_deals[0]["Id"]}) == all_deals[0]["Title"]
    expanding = text('SELECT "Id" FROM "Deals" WHERE "Id" IN :ids').bindparams(
        bindparam("ids", expanding=True)
    )
    assert sorted(connection.scalars(expanding, {"ids": [1, 2, 3]})) == sorted(
        d["Id"] for d in all_deals if d["Id"] in (1, 2, 3)
    )
    assert requests(sandbox) == {"GET /api/v2/deals/{id}": 1, "GET /api/v2/deals": 1}


def test_results_stream_in_partitions(engine: Engine, deals: Table, all_deals: list[Any]) -> None:
    with engine.connect() as connection:
        result = connection.execution_options(stream_results=True, yield_per=40).execute(
            select(deals.c.Id).order_by(deals.c.Id)
        )
        sizes = [len(part) for part in result.partitions()]
    assert sizes == [40, 40, 40, 40, len(all_deals) - 160]


def test_there_are_no_transactions_and_nothing_to_roll_back(engine: Engine, deals: Table) -> None:
    with engine.begin() as connection:
        assert connection.scalar(select(deals.c.Id).limit(1)) is not None
    with engine.connect() as connection:
        connection.scalar(select(deals.c.Id).limit(1))
        connection.rollback()  # a no-op: the pool does the same whenever a connection is returned
        connection.commit()
        assert connection.get_isolation_level() == "AUTOCOMMIT"
        assert connection.execution_options(isolation_level="AUTOCOMMIT").scalar(select(literal(1))) == 1
    with pytest.raises(exc.ArgumentError, match="AUTOCOMMIT"), engine.connect() as connection:
        connection.execution_options(isolation_level="SERIALIZABLE").scalar(select(literal(1)))
    assert engine.dialect.default_isolation_level == "AUTOCOMMIT"


def test_sql_errors_arrive_as_sqlalchemy_errors_with_the_driver_s_message(engine: Engine) -> None:
    with engine.connect() as connection, pytest.raises(exc.ProgrammingError, match="Deals") as raised:
        connection.execute(text('SELECT "Nope" FROM "Deals"'))
    assert raised.value.orig is not None


def test_lists_and_structs_are_indexed_in_sql(connection: Connection, tables: MetaData) -> None:
    persons, deals = tables.tables["Persons"], tables.tables["Deals"]
    emails = persons.c.Emails
    statement = select(persons.c.Id, emails, emails[1]["value"].label("first"), emails[2:3].label("rest"))
    sql = sql_of(statement, connection.engine)
    assert "struct_extract(list_extract(" in sql and "list_slice(" in sql  # never x[i]: T-SQL reads an alias
    rows = connection.execute(statement.order_by(persons.c.Id).limit(20)).all()
    for row in rows:
        assert row.first == (row.Emails[0]["value"] if row.Emails else None)
        assert row.rest == (row.Emails[1:3] if row.Emails else None)
    assert isinstance(emails[1]["primary"].type, types.BOOLEAN)
    with pytest.raises(KeyError, match="not a field"):
        emails[1]["nope"]
    interest = deals.c.ProductInterest
    picked = connection.execute(
        select(interest, interest[1].label("first")).where(interest.is_not(None)).limit(10)
    ).all()
    assert picked and all(r.first == r.ProductInterest[0] for r in picked if r.ProductInterest)
