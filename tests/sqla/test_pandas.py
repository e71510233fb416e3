"""pandas over the engine: read_sql and read_sql_table, with the dtypes each column must arrive as."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

import pandas as pd
import pytest
from pandas.api import types as ptypes
from sqlalchemy import MetaData, Table, func, select, text
from sqlalchemy.engine import Engine

from pipedrive_sql.sqlalchemy import read_dataframe

from .conftest import PAGE_SIZE, requests

COLUMNS = ["Id", "Title", "Value", "AddTime", "IsDeleted", "ExpectedCloseDate", "LabelIds", "ProductInterest"]


@pytest.fixture(scope="module")
def deals(engine: Engine) -> Table:
    return Table("Deals", MetaData(), autoload_with=engine)


def is_utc(dtype: Any) -> bool:
    return isinstance(dtype, pd.DatetimeTZDtype) and str(dtype.tz) == "UTC"


def assert_deal_dtypes(frame: pd.DataFrame) -> None:
    assert ptypes.is_integer_dtype(frame["Id"])
    assert ptypes.is_string_dtype(frame["Title"])
    assert ptypes.is_float_dtype(frame["Value"])
    assert is_utc(frame["AddTime"].dtype)
    assert ptypes.is_bool_dtype(frame["IsDeleted"])


def test_read_sql_of_a_core_select(engine: Engine, deals: Table) -> None:
    statement = (
        select(*(deals.c[name] for name in COLUMNS)).where(deals.c.Status == "open").order_by(deals.c.Id)
    )
    frame = pd.read_sql(statement, engine)
    assert list(frame.columns) == COLUMNS
    assert_deal_dtypes(frame)
    assert len(frame) > 10
    assert frame["Id"].is_monotonic_increasing
    assert frame["AddTime"].min() > pd.Timestamp("2000-01-01", tz="UTC")
    dates = frame["ExpectedCloseDate"].dropna()
    assert len(dates) and all(isinstance(v, dt.date) for v in dates)
    labels = frame["LabelIds"].dropna()
    assert all(isinstance(v, list) and all(isinstance(i, int) for i in v) for v in labels)
    interest = frame["ProductInterest"].dropna()
    assert len(interest) and all(isinstance(v, list) and all(isinstance(s, str) for s in v) for v in interest)
    # a custom set field arrives as its option labels
    assert {s for v in interest for s in v} <= {
        "CRM",
        "Analytics",
        "Support",
        "Training",
        "Consulting",
        "Integrations",
    }


def test_read_sql_and_the_arrow_path_agree(engine: Engine, deals: Table) -> None:
    statement = select(*(deals.c[name] for name in COLUMNS)).order_by(deals.c.Id).limit(40)
    via_rows = pd.read_sql(statement, engine)
    via_arrow = read_dataframe(engine, statement)
    assert via_rows["Id"].tolist() == via_arrow["Id"].tolist()
    assert via_rows["Title"].tolist() == via_arrow["Title"].tolist()
    # read_sql turns Decimals into floats (coerce_float); the Arrow path keeps the exact amounts
    assert [None if v != v else Decimal(str(v)) for v in via_rows["Value"]] == via_arrow["Value"].tolist()
    assert (via_rows["AddTime"] == via_arrow["AddTime"]).all()
    assert [list(v) if v is not None else None for v in via_arrow["LabelIds"]] == via_rows[
        "LabelIds"
    ].tolist()


def test_read_sql_table_reads_every_column(engine: Engine, deals: Table) -> None:
    frame = pd.read_sql_table("Deals", engine)
    assert list(frame.columns) == [c.name for c in deals.columns]
    assert_deal_dtypes(frame)
    with engine.connect() as connection:
        assert len(frame) == connection.scalar(select(func.count()).select_from(deals))
    assert is_utc(frame["UpdateTime"].dtype)
    assert ptypes.is_float_dtype(frame["ContractValue"])  # a custom monetary field
    assert ptypes.is_string_dtype(frame["ContractValueCurrency"])
    assert ptypes.is_string_dtype(frame["DealSource"])  # a custom enum field, as its labels
    # pandas turns DATE columns into datetimes when it reads a whole table
    assert ptypes.is_datetime64_any_dtype(frame["RenewalDate"])


def test_read_sql_table_of_views_and_metadata_tables(engine: Engine) -> None:
    emails = pd.read_sql_table("PersonEmails", engine)
    assert {"PersonId", "Value", "Primary"} <= set(emails.columns)
    assert ptypes.is_integer_dtype(emails["PersonId"]) and ptypes.is_bool_dtype(emails["Primary"])
    assert emails["Value"].str.contains("@").all()
    tables = pd.read_sql_table("sys_tables", engine)
    assert "Deals" in set(tables["TableName"])


def test_parameters_push_down_from_pandas(engine: Engine, sandbox: Any) -> None:
    sandbox.reset_stats()
    named = pd.read_sql(
        text('SELECT "Id", "Status" FROM "Deals" WHERE "Status" = :status'), engine, params={"status": "won"}
    )
    qmark = pd.read_sql('SELECT "Id", "Status" FROM "Deals" WHERE "Status" = ?', engine, params=("won",))
    assert len(named) == len(qmark) > 0
    assert set(named["Status"]) == {"won"}
    assert sorted(named["Id"]) == sorted(qmark["Id"])
    assert set(requests(sandbox)) == {"GET /api/v2/deals"}
    # the status filter went to the API: each query read only the won deals' pages (a full read is 4)
    assert requests(sandbox)["GET /api/v2/deals"] == 2 * -(-len(named) // PAGE_SIZE) < 8


def test_chunks(engine: Engine, deals: Table) -> None:
    chunks = list(pd.read_sql(select(deals.c.Id).order_by(deals.c.Id), engine, chunksize=60))
    assert [len(c) for c in chunks[:-1]] == [60] * (len(chunks) - 1)
    assert pd.concat(chunks)["Id"].is_monotonic_increasing


def test_the_notebook_of_the_docs(engine: Engine) -> None:
    """docs/python-ecosystem.md's deal values by stage, without the plot (matplotlib is not a dependency)."""
    metadata = MetaData()
    metadata.reflect(engine, only=["Deals", "Stages", "Pipelines"])
    deals, stages, pipelines = (metadata.tables[n] for n in ("Deals", "Stages", "Pipelines"))
    by_stage = pd.read_sql(
        select(
            pipelines.c.Name.label("Pipeline"),
            stages.c.Name.label("Stage"),
            func.count(deals.c.Id).label("Deals"),
            func.sum(deals.c.Value).label("Value"),
        )
        .join_from(deals, stages, deals.c.StageId == stages.c.Id)
        .join(pipelines, stages.c.PipelineId == pipelines.c.Id)
        .where(deals.c.Status == "open", deals.c.Currency == "EUR")
        .group_by(pipelines.c.Name, stages.c.Name, stages.c.PipelineId, stages.c.OrderNr)
        .order_by(stages.c.PipelineId, stages.c.OrderNr),
        engine,
    )
    assert list(by_stage.columns) == ["Pipeline", "Stage", "Deals", "Value"]
    assert len(by_stage) > 3 and (by_stage["Value"] >= 0).all()
    assert ptypes.is_integer_dtype(by_stage["Deals"]) and ptypes.is_float_dtype(by_stage["Value"])
    with engine.connect() as connection:
        eur_open = connection.scalar(
            select(func.count()).where(
                deals.c.Status == "open", deals.c.Currency == "EUR", deals.c.StageId.is_not(None)
            )
        )
    assert by_stage["Deals"].sum() == eur_open
    series = by_stage.set_index(["Pipeline", "Stage"])["Value"]  # what the plot draws
    assert series.index.is_unique
