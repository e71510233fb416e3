"""Arrow results: the driver's cursor.fetch_arrow_table()/fetch_df() through the engine's connections, and
read_arrow/read_dataframe, with the types the catalog declares (no Python rows in between)."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import pandas as pd
import pyarrow as pa
import pytest
from pandas.api import types as ptypes
from sqlalchemy import MetaData, Table, select
from sqlalchemy.engine import Engine

from pipedrive_sql.catalog import Catalog
from pipedrive_sql.sqlalchemy import read_arrow, read_dataframe

from .conftest import requests


def is_utc_timestamp(arrow_type: pa.DataType) -> bool:
    return pa.types.is_timestamp(arrow_type) and arrow_type.tz == "UTC"


@pytest.fixture(scope="module")
def catalog(engine: Engine) -> Catalog:
    with engine.connect() as connection:
        found: Catalog = connection.connection.dbapi_connection.catalog
    return found


def _raw_arrow(engine: Engine, sql: str) -> pa.Table:
    connection = engine.raw_connection()  # the pool's proxy of a pipedrive_sql.Connection
    try:
        cursor = connection.cursor()
        cursor.execute(sql)
        table: pa.Table = cursor.fetch_arrow_table()
        cursor.close()
        return table
    finally:
        connection.close()


@pytest.mark.parametrize("name", ["Deals", "Persons", "Organizations", "Activities", "Leads", "Products"])
def test_fetch_arrow_table_types_every_column_as_the_catalog_does(
    engine: Engine, catalog: Catalog, name: str
) -> None:
    table = _raw_arrow(engine, f'SELECT * FROM "{name}" LIMIT 25')
    declared = catalog.table(name).columns
    assert table.column_names == [c.name for c in declared]
    for column in declared:
        got = table.schema.field(column.name).type
        if column.type.kind == "timestamp":
            assert is_utc_timestamp(got), (column.name, got)
        else:
            # list item names differ (DuckDB calls them "l"); compare the shapes
            assert got.equals(column.type.arrow, check_metadata=False) or str(got).replace(
                "<l:", "<item:"
            ) == str(column.type.arrow), (column.name, got, column.type.arrow)


def test_timestamps_lists_structs_and_custom_fields(engine: Engine) -> None:
    deals = _raw_arrow(engine, 'SELECT * FROM "Deals" ORDER BY "Id" LIMIT 50')
    schema = deals.schema
    assert is_utc_timestamp(schema.field("AddTime").type)
    assert schema.field("LabelIds").type.value_type == pa.int64()
    assert schema.field("ProductInterest").type.value_type == pa.string()  # custom "set" field: labels
    assert schema.field("ContractValue").type == pa.decimal128(18, 4)  # custom "monetary" field: amount...
    assert schema.field("ContractValueCurrency").type == pa.string()  # ...and currency
    assert schema.field("RenewalDate").type == pa.date32()  # custom "date"
    assert schema.field("KickOffCall").type == pa.time64("us")  # custom "time"
    assert schema.field("DealSource").type == pa.string()  # custom "enum": its label
    interests = [v for v in deals.column("ProductInterest").to_pylist() if v]
    assert interests and all(isinstance(v, list) for v in interests)
    persons = _raw_arrow(engine, 'SELECT "Emails", "PostalAddress" FROM "Persons" LIMIT 20')
    emails = persons.schema.field("Emails").type
    assert pa.types.is_list(emails) and pa.types.is_struct(emails.value_type)
    assert [emails.value_type.field(i).name for i in range(emails.value_type.num_fields)] == [
        "value",
        "primary",
        "label",
    ]
    assert pa.types.is_struct(persons.schema.field("PostalAddress").type)
    first = next(v for v in persons.column("Emails").to_pylist() if v)
    assert "@" in first[0]["value"] and isinstance(first[0]["primary"], bool)


def test_fetch_df_keeps_time_zones_and_lists(engine: Engine) -> None:
    connection = engine.raw_connection()
    try:
        cursor = connection.cursor()
        cursor.execute('SELECT "Id", "AddTime", "Value", "LabelIds", "IsDeleted" FROM "Deals" LIMIT 30')
        frame = cursor.fetch_df()
    finally:
        connection.close()
    assert isinstance(frame["AddTime"].dtype, pd.DatetimeTZDtype)
    assert ptypes.is_integer_dtype(frame["Id"]) and frame["Value"].dtype == object  # exact Decimals
    assert all(isinstance(v, Decimal) for v in frame["Value"] if v is not None)
    assert ptypes.is_bool_dtype(frame["IsDeleted"])
    assert frame["LabelIds"].dtype == object


def test_read_arrow_runs_a_core_select_through_the_pool(engine: Engine, sandbox: Any) -> None:
    deals = Table("Deals", MetaData(), autoload_with=engine)
    statement = select(deals.c.Id, deals.c.UpdateTime, deals.c.ProductInterest).where(deals.c.Status == "won")
    sandbox.reset_stats()
    table = read_arrow(engine, statement.limit(5))
    assert table.num_rows == 5
    assert is_utc_timestamp(table.schema.field("UpdateTime").type)
    assert pa.types.is_list(table.schema.field("ProductInterest").type)
    assert requests(sandbox) == {"GET /api/v2/deals": 1}
    with engine.connect() as connection:
        same = read_arrow(
            connection, 'SELECT "Id" FROM "Deals" WHERE "Id" = :id', {"id": table["Id"][0].as_py()}
        )
    assert same.column("Id").to_pylist() == [table["Id"][0].as_py()]


def test_read_dataframe_keeps_types_pandas_read_sql_would_lose(engine: Engine) -> None:
    deals = Table("Deals", MetaData(), autoload_with=engine)
    statement = select(deals.c.Id, deals.c.Arr, deals.c.ProductInterest, deals.c.RenewalDate).limit(20)
    numpy_frame = read_dataframe(engine, statement)
    # a DECIMAL column holds exact Decimals (object), NULL as None
    assert numpy_frame["Arr"].dtype == object
    arrow_frame = read_dataframe(engine, statement, dtype_backend="pyarrow")
    assert isinstance(arrow_frame["ProductInterest"].dtype, pd.ArrowDtype)
    assert pa.types.is_list(arrow_frame["ProductInterest"].dtype.pyarrow_dtype)
    assert arrow_frame["RenewalDate"].dtype.pyarrow_dtype == pa.date32()
    with pytest.raises(ValueError, match="dtype_backend"):
        read_dataframe(engine, statement, dtype_backend="polars")
