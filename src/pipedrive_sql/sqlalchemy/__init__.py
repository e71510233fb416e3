"""SQLAlchemy 2.x, pandas and Arrow over pipedrive_sql: the ``pipedrive://`` dialect and its helpers.

    from sqlalchemy import create_engine, inspect, select, MetaData, Table
    engine = create_engine("pipedrive:///?Sandbox=true")            # or pipedrive://@MyDSN
    deals = Table("Deals", MetaData(), autoload_with=engine)
    with engine.connect() as conn:
        rows = conn.execute(select(deals.c.Title).where(deals.c.Status == "open").limit(10)).all()

Modules:
    dialect     PipedriveDialect: URLs, the DB-API module, no transactions, reflection entry points
    compiler    statement and type compilers, identifier quoting (what SQL the driver receives)
    types       DuckDB type names -> SQLAlchemy types (ARRAY, STRUCT, TIMESTAMP WITH TIME ZONE ...)
    reflection  one snapshot of sys_tables / sys_tablecolumns / sys_foreignkeys per reflection
    arrow       read_arrow / read_dataframe: results typed by the driver, without Python rows
    automap     relationship names for automap that do not collide (Deals.Owner, Users.DealsByOwner)
"""

from __future__ import annotations

from pipedrive_sql.sqlalchemy.arrow import read_arrow, read_dataframe
from pipedrive_sql.sqlalchemy.automap import (
    AUTOMAP_NAMING,
    name_for_collection_relationship,
    name_for_scalar_relationship,
)
from pipedrive_sql.sqlalchemy.dialect import PipedriveDialect
from pipedrive_sql.sqlalchemy.types import STRUCT, type_from_name

dialect = PipedriveDialect  # SQLAlchemy's registry also finds a module-level ``dialect``

__all__ = [
    "AUTOMAP_NAMING",
    "STRUCT",
    "PipedriveDialect",
    "dialect",
    "name_for_collection_relationship",
    "name_for_scalar_relationship",
    "read_arrow",
    "read_dataframe",
    "type_from_name",
]
