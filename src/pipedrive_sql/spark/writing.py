"""Writes: a DataFrame appended to a Pipedrive table, or upserted on a key, through the driver's own writes.

Each Spark task writes its rows with the driver's INSERT and UPDATE statements, so they get the same checks
before any request (types, allowed values, columns that cannot be set), the same rate-limit pacing and the
same partial-failure report (which records were written, which failed and why, which were not tried).

Pipedrive has no transactions: a record is written when its request is answered. A task that fails part way
leaves what it wrote, and its error lists it; Spark's ``abort`` cannot take writes back, it logs what the
finished tasks wrote. Spark retries failed tasks (``spark.task.maxFailures``); with ``append`` a retry writes
the task's records again, so for retried jobs use ``upsertOn`` (a retry then updates instead of duplicating).
"""

from __future__ import annotations

import logging
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from typing import Any

from pyspark.sql import Row
from pyspark.sql.datasource import DataSourceWriter, WriterCommitMessage
from pyspark.sql.types import StructType

from pipedrive_sql import errors
from pipedrive_sql.spark.options import SourceOptions
from pipedrive_sql.spark.reading import connect_company, naming
from pipedrive_sql.spark.schema import quote

__all__ = ["PipedriveWriter", "WriteReport"]

log = logging.getLogger("pipedrive_sql.spark")


@dataclass
class WriteReport(WriterCommitMessage):
    inserted: int = 0
    updated: int = 0
    ids: list[Any] = field(default_factory=list)


class PipedriveWriter(DataSourceWriter):
    def __init__(self, options: SourceOptions, schema: StructType, overwrite: bool) -> None:
        if overwrite:
            raise errors.NotSupportedError(
                "mode('overwrite') is not supported: Pipedrive's records cannot be replaced wholesale. "
                "Use mode('append') to create records, with option upsertOn (e.g. Id) to update existing ones."
            )
        if options.table is None:
            raise errors.ProgrammingError(
                "Writes go to a table: save('Deals') or option table, not option query."
            )
        if len(options.companies) != 1:
            raise errors.ProgrammingError(
                f"A write goes to one company; {len(options.companies)} are named (dsns/connections)."
            )
        self.options = options
        self.columns = [f.name for f in schema.fields]
        key = options.upsert_on
        if key is not None and key not in self.columns:
            raise errors.ProgrammingError(
                f"upsertOn={key!r} is not a column of the DataFrame (columns: {', '.join(self.columns)})."
            )

    def write(self, iterator: Iterator[Row]) -> WriteReport:
        company = self.options.companies[0]
        report = WriteReport()
        with connect_company(company) as connection:
            cursor = connection.cursor()
            batch: list[Row] = []
            try:
                for row in iterator:
                    batch.append(row)
                    if len(batch) >= self.options.batch_size:
                        self._write_batch(cursor, batch, report)
                        batch = []
                if batch:
                    self._write_batch(cursor, batch, report)
            except errors.PartialWriteError as exc:
                written = report.ids + list(exc.written)
                raise errors.PartialWriteError(
                    f"Pipedrive company {company.name!r}, {self.options.table}: {exc} "
                    f"(this task wrote {len(written)} records before: ids {written[:20]}"
                    f"{' ...' if len(written) > 20 else ''})",
                    written=written,
                    failed=exc.failed,
                    not_attempted=exc.not_attempted,
                ) from exc
            except errors.Error as exc:
                raise naming(company, exc) from exc
        return report

    def _write_batch(self, cursor: Any, rows: list[Row], report: WriteReport) -> None:
        key = self.options.upsert_on
        if key is None:
            self._insert(cursor, self.columns, [tuple(row) for row in rows], report)
            return
        keyed = [row for row in rows if row[key] is not None]
        fresh = [row for row in rows if row[key] is None]
        targets = self._targets(cursor, key, keyed)
        others = [c for c in self.columns if c != key]
        for row in keyed:
            record = targets.get(row[key])
            if record is None:
                fresh.append(row)
                continue
            if others:
                values = [row[c] for c in others]
                cursor.execute(
                    f"UPDATE {self.options.table} SET {', '.join(f'{quote(c)} = ?' for c in others)} "
                    'WHERE "Id" = ?',
                    [*values, record],
                )
                report.updated += max(cursor.rowcount, 0)
            report.ids.append(record)
        if fresh:
            # a new record cannot take an id of our choosing: the key column is left out when it is Id
            columns = [c for c in self.columns if not (key == "Id" and c == key)]
            self._insert(cursor, columns, [tuple(row[c] for c in columns) for row in fresh], report)

    def _targets(self, cursor: Any, key: str, rows: Sequence[Row]) -> dict[Any, Any]:
        """Key value -> the Id of the one record that has it (``upsertOn=Id``: the ids that exist)."""
        wanted = list(dict.fromkeys(row[key] for row in rows))
        if not wanted:
            return {}
        marks = ", ".join("?" for _ in wanted)
        cursor.execute(
            f'SELECT "Id", {quote(key)} FROM {self.options.table} WHERE {quote(key)} IN ({marks})', wanted
        )
        found: dict[Any, Any] = {}
        for record_id, value in cursor.fetchall():
            if value in found and found[value] != record_id:
                raise errors.IntegrityError(
                    f"upsertOn={key!r}: {value!r} matches more than one record of {self.options.table} "
                    f"(ids {found[value]} and {record_id}); choose a key that is unique."
                )
            found[value] = record_id
        return found

    def _insert(
        self, cursor: Any, columns: Sequence[str], rows: list[tuple[Any, ...]], report: WriteReport
    ) -> None:
        if not rows:
            return
        marks = "(" + ", ".join("?" for _ in columns) + ")"
        cursor.execute(
            f"INSERT INTO {self.options.table} ({', '.join(quote(c) for c in columns)}) "
            f'VALUES {", ".join(marks for _ in rows)} RETURNING "Id"',
            [value for row in rows for value in row],
        )
        ids = [record[0] for record in cursor.fetchall()]
        report.inserted += len(ids)
        report.ids.extend(ids)

    def commit(self, messages: list[WriterCommitMessage | None]) -> None:
        done = [m for m in messages if isinstance(m, WriteReport)]
        log.info(
            "%s: %d records created, %d updated in %s",
            self.options.companies[0].name,
            sum(m.inserted for m in done),
            sum(m.updated for m in done),
            self.options.table,
        )

    def abort(self, messages: list[WriterCommitMessage | None]) -> None:
        done = [m for m in messages if isinstance(m, WriteReport)]
        log.error(
            "%s: the write to %s failed; finished tasks had written %d records (Pipedrive has no rollback): %s",
            self.options.companies[0].name,
            self.options.table,
            sum(len(m.ids) for m in done),
            [record for m in done for record in m.ids][:100],
        )
