"""Pipedrive as an Apache Spark data source (PySpark's Python Data Source API, pyspark >= 4.1).

    spark.read.format("pipedrive").option("dsn", "Pipedrive").load("Deals")
    spark.read.format("pipedrive").option("dsns", "acme,globex").load("Deals")        # many companies
    spark.read.format("pipedrive").option("APIToken", "...").option("CompanyDomain", "acme").load("Persons")
    spark.read.format("pipedrive").option("dsn", "Pipedrive").option("query", "SELECT ...").load()
    spark.readStream.format("pipedrive").option("dsn", "Pipedrive").load("Deals")      # changes as they come
    df.write.format("pipedrive").option("dsn", "Pipedrive").option("upsertOn", "Id").mode("append").save("Deals")

Installed with the ``spark`` extra, the source registers itself (the top-level package ``pyspark_pipedrive``
is found by Spark's data source lookup); ``register(spark)`` does the same by hand. docs/spark.md has the rest.
"""

from __future__ import annotations

import json
from dataclasses import replace
from typing import Any

from pyspark.sql.datasource import DataSource
from pyspark.sql.types import StructType

from pipedrive_sql import errors
from pipedrive_sql.spark.options import SourceOptions, parse_options
from pipedrive_sql.spark.reading import FilteringReader, PipedriveReader, company_arrow_schema, log
from pipedrive_sql.spark.schema import spark_schema, union_schemas
from pipedrive_sql.spark.streaming import PipedriveStreamReader
from pipedrive_sql.spark.writing import PipedriveWriter

__all__ = ["PipedriveDataSource", "connections_option", "register"]


class PipedriveDataSource(DataSource):
    """``format("pipedrive")``: tables of one or many Pipedrive companies, read, streamed and written."""

    def __init__(self, options: dict[str, str]) -> None:
        super().__init__(options)
        self.parsed: SourceOptions = parse_options(options)

    @classmethod
    def name(cls) -> str:
        return "pipedrive"

    def schema(self) -> StructType:
        options = self.parsed
        if options.table is None and options.query is None:
            raise errors.ProgrammingError(
                "Name what to read: load('Deals') (or option table), or option query with a SELECT."
            )
        named = []
        failures = []
        for company in options.companies:
            try:
                named.append((company.name, company_arrow_schema(company, options)))
            except errors.Error as exc:
                if options.on_error != "skip":
                    raise
                failures.append(company.name)
                log.warning("skipping %s (onError=skip)", exc)
        if not named:
            raise errors.OperationalError(f"No company could be read (all failed: {', '.join(failures)}).")
        if failures:
            kept = tuple(c for c in options.companies if c.name not in failures)
            self.parsed = _with_companies(options, kept)
        return spark_schema(union_schemas(named), self.parsed.company_column, time_type=self.parsed.time_type)

    def reader(self, schema: StructType) -> PipedriveReader:
        if self.parsed.push_filters:
            return FilteringReader(self.parsed, schema)
        return PipedriveReader(self.parsed, schema)

    def streamReader(self, schema: StructType) -> PipedriveStreamReader:
        return PipedriveStreamReader(self.parsed, schema)

    def writer(self, schema: StructType, overwrite: bool) -> PipedriveWriter:
        return PipedriveWriter(self.parsed, schema, overwrite)


def _with_companies(options: SourceOptions, companies: tuple[Any, ...]) -> SourceOptions:
    return replace(options, companies=companies)


def register(spark: Any) -> None:
    """Register ``format("pipedrive")`` with ``spark`` (needed only where the package is not installed)."""
    spark.dataSource.register(PipedriveDataSource)


def connections_option(frame: Any) -> str:
    """The ``connections`` option for a DataFrame (or list of dicts) of connection properties, one row per
    company: columns are property names (APIToken, CompanyDomain, ...), plus ``name`` for its label or ``dsn``."""
    rows = frame.collect() if hasattr(frame, "collect") else list(frame)
    return json.dumps([row.asDict() if hasattr(row, "asDict") else dict(row) for row in rows])
