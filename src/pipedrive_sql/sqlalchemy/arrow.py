"""Results as Arrow tables and DataFrames straight from the driver, without Python rows in between.

``pandas.read_sql`` builds a DataFrame from Python tuples. ``read_arrow`` runs the same statement through
SQLAlchemy (compilation, parameters, the pool) and then takes the rows from the driver's cursor as one
Arrow table, so columns keep their types: timestamps with their time zone, lists, structs, custom fields.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from sqlalchemy import text
from sqlalchemy.engine import Connection, Engine
from sqlalchemy.sql.base import Executable

if TYPE_CHECKING:
    import pandas
    import pyarrow as pa

__all__ = ["read_arrow", "read_dataframe"]

Parameters = Mapping[str, Any] | None


def read_arrow(
    bind: Engine | Connection, statement: Executable | str, parameters: Parameters = None
) -> pa.Table:
    """The rows of ``statement`` (a Core ``select()``, ORM ``select(Model)`` or SQL text with ``:name``
    parameters) as a pyarrow Table typed as the driver types them."""
    executable = text(statement) if isinstance(statement, str) else statement
    if isinstance(bind, Engine):
        with bind.connect() as connection:
            return _fetch(connection, executable, parameters)
    return _fetch(bind, executable, parameters)


def read_dataframe(
    bind: Engine | Connection,
    statement: Executable | str,
    parameters: Parameters = None,
    *,
    dtype_backend: str = "numpy",
) -> pandas.DataFrame:
    """``read_arrow(...)`` as a pandas DataFrame. ``dtype_backend="pyarrow"`` keeps Arrow's types as
    ``pd.ArrowDtype`` columns (lists and structs stay typed); the default gives pandas' own dtypes
    (``datetime64[us, UTC]``, ``int64``, ``float64``, ``bool``; lists and structs as Python objects)."""
    if dtype_backend not in ("numpy", "pyarrow"):
        raise ValueError(f"dtype_backend must be 'numpy' or 'pyarrow', not {dtype_backend!r}.")
    table = read_arrow(bind, statement, parameters)
    if dtype_backend == "pyarrow":
        import pandas as pd

        return table.to_pandas(types_mapper=pd.ArrowDtype)
    return table.to_pandas()


def _fetch(connection: Connection, executable: Executable, parameters: Parameters) -> pa.Table:
    result = connection.execute(executable, parameters)
    try:
        cursor = result.cursor
        if cursor is None or not hasattr(cursor, "fetch_arrow_table"):
            raise TypeError("read_arrow needs a pipedrive:// connection (its cursor fetches Arrow tables).")
        return cursor.fetch_arrow_table()
    finally:
        result.close()
