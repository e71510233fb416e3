"""Batch reads: Spark's filters turned into the driver's SQL, partitions per company and time slice.

Every partition is one connection to one company running one SELECT through the driver, so Spark's filters
reach the Pipedrive API exactly as the driver's planner pushes them (ids, owners, statuses, update-time
ranges...), and whatever the API cannot evaluate is evaluated by the driver's engine, not left to Spark.

Rate limits: all partitions of one company share that company's burst limit. Each partition's connection
gets ``RateLimitShare = 1 / (partitions of its company)``, so that however Spark schedules them (all at once,
on several machines) they stay inside the limit together; the driver's governor paces each one.
"""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from typing import Any

import pyarrow as pa
from pyspark.sql.datasource import (
    DataSourceReader,
    EqualNullSafe,
    EqualTo,
    Filter,
    GreaterThan,
    GreaterThanOrEqual,
    In,
    InputPartition,
    IsNotNull,
    IsNull,
    LessThan,
    LessThanOrEqual,
    Not,
    StringContains,
    StringEndsWith,
    StringStartsWith,
)
from pyspark.sql.types import StructType

import pipedrive_sql
from pipedrive_sql import errors
from pipedrive_sql.spark.options import Company, SourceOptions
from pipedrive_sql.spark.schema import conform_batch, quote

__all__ = [
    "FilteringReader",
    "PipedriveReader",
    "Slice",
    "company_arrow_schema",
    "connect_company",
    "filter_sql",
    "select_sql",
]

log = logging.getLogger("pipedrive_sql.spark")

ROWS_PER_BATCH = 10_000
_COMPARISONS = {
    EqualTo: "=",
    GreaterThan: ">",
    GreaterThanOrEqual: ">=",
    LessThan: "<",
    LessThanOrEqual: "<=",
    EqualNullSafe: "IS NOT DISTINCT FROM",
}


@dataclass(frozen=True)
class Slice(InputPartition):
    """One partition: a company (by its index in the options) and a range of UpdateTime (ISO text)."""

    company: int
    since: str | None = None  # UpdateTime >= since
    until: str | None = None  # UpdateTime < until
    share: float = 1.0  # of the company's burst limit
    nulls: bool = True  # this slice also takes rows whose UpdateTime is NULL


def connect_company(company: Company, *, share: float = 1.0) -> pipedrive_sql.Connection:
    """A connection to ``company`` that uses at most ``share`` of its burst limit; errors name the company."""
    extra: dict[str, Any] = {}
    if share < 1.0:
        base = float(company.properties.get("RateLimitShare", 1.0))
        extra["RateLimitShare"] = base * share
    try:
        return pipedrive_sql.connect(**company.connect_arguments(extra))
    except errors.Error as exc:
        raise naming(company, exc) from exc


def naming(company: Company, exc: BaseException) -> errors.Error:
    """``exc`` again, its message starting with the company it happened in (same class where possible)."""
    message = f"Pipedrive company {company.name!r}: {exc}"
    kind = type(exc) if isinstance(exc, errors.Error) else errors.OperationalError
    try:
        return kind(message)
    except TypeError:  # a class whose constructor wants more than a message
        return errors.OperationalError(message)


def company_arrow_schema(company: Company, options: SourceOptions) -> pa.Schema:
    """The Arrow schema of what ``options`` reads from ``company`` (no rows are fetched)."""
    with connect_company(company) as connection:
        cursor = connection.cursor()
        try:
            cursor.execute(f"SELECT * FROM {options.source_sql} LIMIT 0")
            return cursor.fetch_arrow_table().schema
        except errors.Error as exc:
            raise naming(company, exc) from exc


def filter_sql(spark_filter: Filter) -> tuple[str, list[Any]] | None:
    """``spark_filter`` as a SQL condition with ``?`` parameters, or None if it cannot be expressed."""
    if isinstance(spark_filter, Not):
        inner = filter_sql(spark_filter.child)
        return None if inner is None else (f"NOT ({inner[0]})", inner[1])
    attribute = getattr(spark_filter, "attribute", None)
    if not isinstance(attribute, tuple) or len(attribute) != 1:
        return None  # nested fields (a.b.c) are left to Spark
    column = quote(attribute[0])
    if isinstance(spark_filter, IsNull):
        return f"{column} IS NULL", []
    if isinstance(spark_filter, IsNotNull):
        return f"{column} IS NOT NULL", []
    if isinstance(spark_filter, In):
        values = [_value(v) for v in spark_filter.value]
        if not values:
            return "FALSE", []
        return f"{column} IN ({', '.join('?' for _ in values)})", values
    if isinstance(spark_filter, StringStartsWith):
        return f"starts_with({column}, ?)", [spark_filter.value]
    if isinstance(spark_filter, StringEndsWith):
        return f"ends_with({column}, ?)", [spark_filter.value]
    if isinstance(spark_filter, StringContains):
        return f"contains({column}, ?)", [spark_filter.value]
    operator = _COMPARISONS.get(type(spark_filter))
    if operator is None:
        return None
    value = _value(getattr(spark_filter, "value", None))
    if value is None:  # comparing with NULL is never true (and NULL <=> NULL is IS NULL)
        return (f"{column} IS NULL", []) if isinstance(spark_filter, EqualNullSafe) else ("FALSE", [])
    return f"{column} {operator} ?", [value]


def _value(value: Any) -> Any:
    """A Spark literal as a driver parameter: naive datetimes are local time, as PySpark makes them."""
    if isinstance(value, dt.datetime) and value.tzinfo is None:
        return value.astimezone(dt.UTC)
    if isinstance(value, list | tuple):
        return [_value(v) for v in value]
    return value


def select_sql(
    options: SourceOptions, columns: Sequence[str], conditions: Sequence[tuple[str, list[Any]]], part: Slice
) -> tuple[str, list[Any]]:
    """The SELECT one partition runs, and its parameters."""
    where = [condition for condition, _ in conditions]
    params: list[Any] = [value for _, values in conditions for value in values]
    bounds = []
    if part.since is not None:
        bounds.append('"UpdateTime" >= ?')
        params.append(dt.datetime.fromisoformat(part.since))
    if part.until is not None:
        bounds.append('"UpdateTime" < ?')
        params.append(dt.datetime.fromisoformat(part.until))
    if bounds:
        sliced = " AND ".join(bounds)
        where.append(f'({sliced} OR "UpdateTime" IS NULL)' if part.nulls else sliced)
    projection = ", ".join(quote(c) for c in columns) if columns else "1 AS pipedrive_no_columns"
    text = f"SELECT {projection} FROM {options.source_sql}"
    if where:
        text += " WHERE " + " AND ".join(f"({w})" for w in where)
    return text, params


class PipedriveReader(DataSourceReader):
    """Reads one table (or query) of one or many companies. Spark's filters stay with Spark (see
    FilteringReader for why pushing them is opt-in)."""

    def __init__(self, options: SourceOptions, schema: StructType) -> None:
        self.options = options
        self.schema = schema
        self.conditions: list[tuple[str, list[Any]]] = []

    def partitions(self) -> Sequence[InputPartition]:
        slices = self.options.time_slices
        parts: list[Slice] = []
        for index, company in enumerate(self.options.companies):
            if slices == 1:
                parts.append(Slice(company=index))
                continue
            try:
                parts.extend(_time_slices(index, company, self.options))
            except errors.Error as exc:
                if self.options.on_error != "skip":
                    raise
                log.warning("skipping %s", exc)
        return parts

    def read(self, partition: InputPartition) -> Iterator[pa.RecordBatch]:
        assert isinstance(partition, Slice)
        company = self.options.companies[partition.company]
        columns = [f.name for f in self.schema.fields if f.name != self.options.company_column]
        text, params = select_sql(self.options, columns, self.conditions, partition)
        started = False
        try:
            with connect_company(company, share=partition.share) as connection:
                cursor = connection.cursor()
                try:
                    cursor.execute(text, params)
                    for batch in cursor.fetch_record_batch(ROWS_PER_BATCH):
                        started = True
                        yield conform_batch(batch, self.schema, self.options.company_column, company.name)
                except errors.Error as exc:
                    raise naming(company, exc) from exc
                log.info(
                    "%s: %s read with %d API requests", company.name, self.options.what, cursor.api_requests
                )
        except errors.Error as exc:
            if self.options.on_error == "skip" and not started:
                log.warning("skipping company %r (onError=skip): %s", company.name, exc)
                return
            raise


def _time_slices(index: int, company: Company, options: SourceOptions) -> list[Slice]:
    """``options.time_slices`` partitions of equal UpdateTime span between the oldest and newest change."""
    if options.query is not None:
        raise errors.ProgrammingError("Option timeSlices works with a table, not with option query.")
    with connect_company(company) as connection:
        cursor = connection.cursor()
        ends = []
        try:
            for direction in ("ASC", "DESC"):
                cursor.execute(
                    f'SELECT "UpdateTime" FROM {options.source_sql} WHERE "UpdateTime" IS NOT NULL '
                    f'ORDER BY "UpdateTime" {direction} LIMIT 1'
                )
                row = cursor.fetchone()
                ends.append(None if row is None else row[0])
        except errors.Error as exc:
            raise naming(company, exc) from exc
    share = 1.0 / options.time_slices
    first, last = ends
    if first is None or last is None or first >= last:
        return [Slice(company=index, share=1.0)]
    step = (last - first) / options.time_slices
    cuts = [(first + step * i).isoformat() for i in range(1, options.time_slices)]
    bounds = [None, *cuts, None]
    return [
        Slice(company=index, since=bounds[i], until=bounds[i + 1], share=share, nulls=(i == 0))
        for i in range(options.time_slices)
    ]


class FilteringReader(PipedriveReader):
    """A reader that takes Spark's filters (option ``pushFilters=true`` with Spark's
    ``spark.sql.python.filterPushdown.enabled``): every filter the driver can evaluate goes to it (the API
    where it can, its engine otherwise); only filters on nested fields stay with Spark.

    Opt-in because of a flaw in Spark up to 4.3: the read planned for a filtered query is kept on the
    DataFrame's relation, and a later query on the same DataFrame with no filter at all reuses it, so
    ``df.filter("Status = 'won'").count()`` followed by ``df.count()`` counts only won deals. With this
    reader, build a new DataFrame (``spark.read...load()``) for each query."""

    def pushFilters(self, filters: list[Filter]) -> Iterator[Filter]:
        for spark_filter in filters:
            condition = filter_sql(spark_filter)
            if condition is None or not self._names_real_column(spark_filter):
                yield spark_filter
            else:
                self.conditions.append(condition)

    def _names_real_column(self, spark_filter: Filter) -> bool:
        column = self.options.company_column
        while isinstance(spark_filter, Not):
            spark_filter = spark_filter.child
        attribute = getattr(spark_filter, "attribute", ("",))
        return column is None or attribute[0] != column
