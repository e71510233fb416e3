"""Streaming reads (Structured Streaming): the changes to a table since the last offset, company by company.

An offset is, per company, the update time up to which changes have been delivered (ISO text, or null for
"nothing yet"). A micro-batch reads ``UpdateTime > start AND UpdateTime <= end``, which the driver pushes to
the API as ``updated_since``/``updated_until``, so a batch costs about one request per page of changes.

The end of a batch must not cut a second in two: Pipedrive's update times have whole seconds, and a record
changed later in the same second as the newest change seen would land at or before ``end`` after the batch was
read, and be missed. So ``end`` is the newest change only once that second is over by ``settleSeconds``
(default 2 s), else the second before it; the changes of the newest second come with the next batch.

Deletions arrive as rows like any change, for tables that keep deleted records (a deal deleted in Pipedrive is
a row of Deals with Status 'deleted' and IsDeleted true); write the stream with an upsert by Id.
"""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from typing import Any

import pyarrow as pa
from pyspark.sql.datasource import DataSourceStreamReader, InputPartition
from pyspark.sql.types import StructType

from pipedrive_sql import errors
from pipedrive_sql.spark.options import Company, SourceOptions
from pipedrive_sql.spark.reading import connect_company, naming
from pipedrive_sql.spark.schema import conform_batch, quote

__all__ = ["ChangeRange", "PipedriveStreamReader"]

log = logging.getLogger("pipedrive_sql.spark")


@dataclass(frozen=True)
class ChangeRange(InputPartition):
    company: int
    after: str | None  # UpdateTime > after (None: from the beginning)
    upto: str  # UpdateTime <= upto


class PipedriveStreamReader(DataSourceStreamReader):
    def __init__(self, options: SourceOptions, schema: StructType) -> None:
        if options.query is not None:
            raise errors.ProgrammingError("Streaming reads take a table (load('Deals')), not option query.")
        if "UpdateTime" not in schema.names:
            raise errors.ProgrammingError(
                f"{options.table} has no UpdateTime column, so its changes cannot be followed: "
                "stream a table that records update times (Deals, Persons, Organizations, Activities, ...)."
            )
        self.options = options
        self.schema = schema

    def initialOffset(self) -> dict[str, str | None]:
        start = self.options.starting_from
        if start.lower() == "earliest":
            return {company.name: None for company in self.options.companies}
        if start.lower() == "latest":
            return self._newest()
        try:
            when = dt.datetime.fromisoformat(start)
        except ValueError:
            raise errors.ProgrammingError(
                f"startingFrom={start!r} is not valid: use earliest, latest or an ISO time (2026-01-31T00:00:00Z)."
            ) from None
        if when.tzinfo is None:
            when = when.replace(tzinfo=dt.UTC)
        return {company.name: when.isoformat() for company in self.options.companies}

    def latestOffset(self, start: dict[str, Any] | None = None, limit: Any = None) -> dict[str, str | None]:
        """Every change there is (no read limit: a batch of changes is what the API answers in one scan)."""
        return self._newest()

    def _newest(self) -> dict[str, str | None]:
        """Per company, the newest update time that is safe to read up to (see the module's docstring)."""
        now = dt.datetime.now(dt.UTC)
        offsets: dict[str, str | None] = {}
        for company in self.options.companies:
            newest = _newest_change(company, self.options)
            if newest is None:
                offsets[company.name] = None
                continue
            if newest > now - dt.timedelta(seconds=self.options.settle_seconds):
                newest = newest.replace(microsecond=0) - dt.timedelta(microseconds=1)
            offsets[company.name] = newest.isoformat()
        return offsets

    def partitions(
        self, start: dict[str, str | None], end: dict[str, str | None]
    ) -> Sequence[InputPartition]:
        parts = []
        for index, company in enumerate(self.options.companies):
            upto = end.get(company.name)
            after = start.get(company.name)
            if upto is None or (after is not None and dt.datetime.fromisoformat(upto) <= _at(after)):
                continue
            parts.append(ChangeRange(company=index, after=after, upto=upto))
        return parts

    def read(self, partition: InputPartition) -> Iterator[pa.RecordBatch]:
        assert isinstance(partition, ChangeRange)
        company = self.options.companies[partition.company]
        columns = [f.name for f in self.schema.fields if f.name != self.options.company_column]
        text = f"SELECT {', '.join(quote(c) for c in columns)} FROM {self.options.source_sql} WHERE "
        params: list[object] = []
        if partition.after is not None:
            text += '"UpdateTime" > ? AND '
            params.append(_at(partition.after))
        text += '"UpdateTime" <= ?'
        params.append(_at(partition.upto))
        with connect_company(company) as connection:
            cursor = connection.cursor()
            try:
                cursor.execute(text, params)
                for batch in cursor.fetch_record_batch(10_000):
                    yield conform_batch(batch, self.schema, self.options.company_column, company.name)
            except errors.Error as exc:
                raise naming(company, exc) from exc

    def commit(self, end: dict[str, str | None]) -> None:
        log.info("pipedrive stream committed up to %s", end)


def _at(text: str) -> dt.datetime:
    return dt.datetime.fromisoformat(text)


def _newest_change(company: Company, options: SourceOptions) -> dt.datetime | None:
    """The newest UpdateTime of the table in ``company`` (one request: the API sorts by update time)."""
    with connect_company(company) as connection:
        cursor = connection.cursor()
        try:
            cursor.execute(
                f'SELECT max("UpdateTime") FROM (SELECT "UpdateTime" FROM {options.source_sql} '
                'WHERE "UpdateTime" IS NOT NULL ORDER BY "UpdateTime" DESC LIMIT 1) AS newest'
            )
            row = cursor.fetchone()
        except errors.Error as exc:
            raise naming(company, exc) from exc
    value = None if row is None else row[0]
    if value is None:
        return None
    return value if value.tzinfo is not None else value.replace(tzinfo=dt.UTC)
