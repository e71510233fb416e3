"""``RETURNING`` (and T-SQL's ``OUTPUT INSERTED.x``): the written records as a result set.

INSERT and UPDATE return the records as Pipedrive answered the writes (ids, defaults and all); DELETE returns
the records as they were before. The expressions are evaluated by DuckDB over those records, and checked
against the table's columns before anything is written, so a typo in RETURNING costs no write.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import duckdb
import pyarrow as pa
from sqlglot import exp

from pipedrive_sql.catalog.arrow import RowConverter
from pipedrive_sql.catalog.spec import TableSpec
from pipedrive_sql.errors import ProgrammingError

__all__ = ["Returning"]

_NAME = "returned"


class Returning:
    """The RETURNING clause of one statement over the columns of ``spec``."""

    def __init__(self, node: exp.Expression | None, spec: TableSpec) -> None:
        self.spec = spec
        self.expressions = [_unqualified(e) for e in (node.expressions if node is not None else [])]

    def __bool__(self) -> bool:
        return bool(self.expressions)

    def check(self) -> None:
        """Evaluate over no rows: unknown columns and bad expressions fail now, before any write."""
        if self.expressions:
            self.project(RowConverter(self.spec.columns).schema.empty_table())

    def from_records(self, records: Sequence[Mapping[str, Any]]) -> pa.Table:
        converter = RowConverter(self.spec.columns)
        if not records:
            return self.project(converter.schema.empty_table())
        return self.project(pa.Table.from_batches([converter.batch(records)]))

    def project(self, table: pa.Table) -> pa.Table:
        sql = exp.select(*[e.copy() for e in self.expressions]).from_(_NAME).sql("duckdb")
        con = duckdb.connect(":memory:")
        try:
            con.execute("SET TimeZone='UTC'")
            con.register(_NAME, table)
            return con.sql(sql).to_arrow_table()
        except duckdb.Error as exc:
            message = str(exc).splitlines()[0].replace(f'"{_NAME}"', self.spec.name)
            raise ProgrammingError(f"RETURNING: {message}") from None
        finally:
            con.close()


def _unqualified(node: exp.Expression) -> exp.Expression:
    """``INSERTED.Id``, ``d.Id``, ``Deals.*`` -> ``Id``, ``*``: there is one table to return from."""
    node = node.copy()
    for column in list(node.find_all(exp.Column)):
        column.set("table", None)
        column.set("db", None)
        column.set("catalog", None)
    if isinstance(node, exp.Column) and isinstance(node.this, exp.Star):
        return exp.Star()
    return node
