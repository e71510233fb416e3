"""Writes from SQLAlchemy's ORM: an INSERT that names every column (NULL for those Pipedrive sets or does not
take), an UPDATE by primary key, a DELETE; checked through the API."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import httpx
import pytest
from sqlalchemy import URL, create_engine, text
from sqlalchemy.dialects import registry
from sqlalchemy.engine import Engine
from sqlalchemy.ext.automap import automap_base
from sqlalchemy.orm import Session

from pipedrive_sandbox.server import Sandbox
from pipedrive_sql import errors
from pipedrive_sql.dbapi import Connection

from .helpers import get, run

registry.register("pipedrive", "pipedrive_sql.sqlalchemy", "PipedriveDialect")


@pytest.fixture(scope="module")
def engine(wsb: Sandbox) -> Iterator[Engine]:
    url = URL.create("pipedrive", query={"BaseURL": wsb.url, "APIToken": wsb.api_token})
    made = create_engine(url, pool_size=1, max_overflow=0)
    yield made
    made.dispose()


@pytest.fixture(scope="module")
def classes(engine: Engine) -> Any:
    base = automap_base()
    base.prepare(autoload_with=engine, reflection_options={"only": ["Deals", "Notes"]})
    return base.classes


def test_orm_insert_update_delete(engine: Engine, classes: Any, api: httpx.Client) -> None:
    Deals = classes.Deals
    with Session(engine) as session:
        deal = Deals(Title="ORM deal", Value=250.0, Currency="EUR")
        session.add(deal)
        session.commit()
        deal_id = session.execute(text("SELECT max(Id) FROM Deals WHERE Title = 'ORM deal'")).scalar_one()
        record = get(api, f"/api/v2/deals/{deal_id}")
        assert (record["title"], record["value"], record["currency"]) == ("ORM deal", 250.0, "EUR")

        loaded = session.get(Deals, deal_id)
        assert loaded is not None
        loaded.Title = "ORM deal, renamed"
        session.commit()
        assert get(api, f"/api/v2/deals/{deal_id}")["title"] == "ORM deal, renamed"

        session.delete(loaded)
        session.commit()
        assert get(api, f"/api/v2/deals/{deal_id}")["is_deleted"] is True


def test_an_insert_may_name_columns_it_cannot_set_when_it_gives_them_null(conn: Connection) -> None:
    cur, _ = run(
        conn, "INSERT INTO Deals (Id, Title, AddTime, Origin) VALUES (NULL, 'Nulls are fine', NULL, NULL)"
    )
    assert cur.rowcount == 1
    with pytest.raises(errors.ProgrammingError, match=r"Deals\.Origin cannot be written.*\(row 2\)"):
        run(conn, "INSERT INTO Deals (Title, Origin) VALUES ('a', NULL), ('b', 'API')")
