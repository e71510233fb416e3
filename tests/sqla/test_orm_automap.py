"""automap over the reflected catalog, and ORM queries whose loads become single API requests."""

from __future__ import annotations

from typing import Any

import pytest
from sqlalchemy import event, func, inspect, select
from sqlalchemy.engine import Engine
from sqlalchemy.ext.automap import AutomapBase, automap_base
from sqlalchemy.orm import Session, selectinload

from pipedrive_sql.sqlalchemy import AUTOMAP_NAMING

from .conftest import requests


@pytest.fixture(scope="module")
def base(engine: Engine) -> AutomapBase:
    mapped = automap_base()
    mapped.prepare(autoload_with=engine, **AUTOMAP_NAMING)
    return mapped


def test_every_table_with_a_key_is_mapped(base: AutomapBase, engine: Engine) -> None:
    tables = inspect(engine).get_table_names()
    assert sorted(base.classes.keys()) == sorted(tables)  # every table has a key; views are not mapped


def test_relationships_are_named_after_their_columns(base: AutomapBase) -> None:
    deals = inspect(base.classes.Deals).relationships
    assert {"Person", "Owner", "CreatorUser", "Stage", "Pipeline", "Org"} <= set(deals.keys())
    assert deals["Person"].mapper.class_ is base.classes.Persons
    users = inspect(base.classes.Users).relationships
    assert {"DealsByOwner", "DealsByCreatorUser"} <= set(users.keys())
    # two foreign keys of Deals point at Persons (PersonId and the custom person field TechnicalContact)
    persons = inspect(base.classes.Persons).relationships
    assert persons["DealsByPerson"].mapper.class_ is base.classes.Deals
    assert persons["DealsByTechnicalContact"].mapper.class_ is base.classes.Deals
    assert "AccountManager" in {c.name for c in deals["AccountManagerRef"].local_columns}
    # Activities.Type points at ActivityTypes.KeyString; the column keeps its name
    assert "TypeRef" in inspect(base.classes.Activities).relationships


def test_get_by_id_and_lazy_loads_are_single_requests(
    base: AutomapBase, engine: Engine, sandbox: Any
) -> None:
    Deals = base.classes.Deals
    with Session(engine) as session:
        some = session.scalars(select(Deals).where(Deals.PersonId.is_not(None)).limit(1)).one()
        session.expunge_all()
        sandbox.reset_stats()
        deal = session.get(Deals, some.Id)
        assert deal is not None and deal.Title == some.Title
        assert requests(sandbox) == {"GET /api/v2/deals/{id}": 1}
        sandbox.reset_stats()
        person, owner = deal.Person, deal.Owner
        assert person.Id == deal.PersonId and owner.Id == deal.OwnerId
        assert requests(sandbox) == {"GET /api/v2/persons/{id}": 1, "GET /api/v1/users/{id}": 1}


def test_an_orm_query_with_eager_loading(base: AutomapBase, engine: Engine, sandbox: Any) -> None:
    Deals, Persons = base.classes.Deals, base.classes.Persons
    statement = (
        select(Deals)
        .where(Deals.Status == "open")
        .options(selectinload(Deals.Person))
        .order_by(Deals.Id)
        .limit(10)
    )
    with Session(engine) as session:
        sandbox.reset_stats()
        deals = session.scalars(statement).all()
        assert len(deals) == 10 and all(d.Status == "open" for d in deals)
        assert [d.Id for d in deals] == sorted(d.Id for d in deals)
        named = {d.PersonId: d.Person.Name for d in deals if d.Person is not None}
        # one page of deals, one request for all their persons (ids=...)
        assert requests(sandbox) == {"GET /api/v2/deals": 1, "GET /api/v2/persons": 1}
        for person_id, name in named.items():
            assert session.get(Persons, person_id).Name == name


def test_orm_aggregates_over_a_relationship(base: AutomapBase, engine: Engine) -> None:
    Deals, Stages = base.classes.Deals, base.classes.Stages
    statement = (
        select(Stages.Name, func.count(Deals.Id))
        .join(Deals.Stage)
        .group_by(Stages.Name)
        .order_by(func.count(Deals.Id).desc())
    )
    with Session(engine) as session:
        counts = session.execute(statement).all()
        total = session.scalar(select(func.count()).select_from(Deals))
    assert sum(n for _, n in counts) == total
    assert [n for _, n in counts] == sorted((n for _, n in counts), reverse=True)


class _Stop(Exception):
    pass


def test_orm_inserts_leave_out_what_pipedrive_sets(base: AutomapBase, engine: Engine) -> None:
    """Read-only columns (AddTime, CreatorUserId, ...) are computed columns: never in INSERT or UPDATE.
    The statement is caught before it reaches the driver, so nothing is written."""
    Deals = base.classes.Deals
    deals = Deals.__table__
    assert deals.c.AddTime.computed is not None and deals.c.CreatorUserId.computed is not None
    assert deals.c.Title.computed is None and deals.c.Id.computed is None
    sent: list[str] = []

    def capture(conn: Any, cursor: Any, statement: str, *args: Any) -> None:
        sent.append(statement)
        raise _Stop

    event.listen(engine, "before_cursor_execute", capture)
    try:
        with Session(engine) as session, pytest.raises(_Stop):
            session.add(Deals(Title="New deal", Value=100.0))
            session.flush()
    finally:
        event.remove(engine, "before_cursor_execute", capture)
    (insert,) = sent
    assert insert.startswith('INSERT INTO "Deals" ("Title",')
    for read_only in ("AddTime", "UpdateTime", "CreatorUserId", "Id", "Arr"):
        assert f'"{read_only}"' not in insert
