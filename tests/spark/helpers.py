"""What the Spark tests share: rows of the DB-API and of Spark in one comparable form."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pipedrive_sql


def plain(value: Any) -> Any:
    """Spark hands back timestamps as naive datetimes of its session time zone (UTC here); the DB-API as
    aware ones. Compare them as naive UTC, and times as their text."""
    if isinstance(value, dt.datetime) and value.tzinfo is not None:
        return value.astimezone(dt.UTC).replace(tzinfo=None)
    if isinstance(value, dt.time):  # TIME columns are text in Spark (see pipedrive_sql.spark.schema)
        return value.isoformat()
    if isinstance(value, list):
        return [plain(v) for v in value]
    if hasattr(value, "asDict"):  # a Spark Row holds a struct: compare it as the DB-API's dict
        value = value.asDict()
    if isinstance(value, dict):
        return {k: plain(v) for k, v in value.items()}
    return value


def dbapi_rows(url: str, token: str, sql: str, params: list[Any] | None = None) -> list[tuple[Any, ...]]:
    with pipedrive_sql.connect(BaseURL=url, APIToken=token) as connection:
        return [tuple(plain(v) for v in row) for row in connection.cursor().execute(sql, params).fetchall()]


def spark_rows(frame: Any) -> list[tuple[Any, ...]]:
    return [tuple(plain(v) for v in row) for row in frame.collect()]


def source(spark: Any, sandbox: Any, **options: Any) -> Any:
    reader = (
        spark.read.format("pipedrive").option("BaseURL", sandbox.url).option("APIToken", sandbox.api_token)
    )
    for key, value in options.items():
        reader = reader.option(key, str(value))
    return reader


def columns(sandbox: Any, table: str) -> list[str]:
    """The DB-API's column names for ``table``."""
    with pipedrive_sql.connect(BaseURL=sandbox.url, APIToken=sandbox.api_token) as connection:
        cursor = connection.cursor().execute(f"SELECT * FROM {table} LIMIT 0")
        return [d[0] for d in cursor.description]
