"""SQL over Pipedrive, in stages (as sqlglot's modules map to compiler stages):

    parse      SQL text -> a classified statement (query, EXPLAIN, EXEC, write); syntax errors that locate
    params     ? / @name / :name markers -> literals
    plan       a query -> one scan plan per table reference (API parameters, projection, ORDER BY/LIMIT);
               plan_model (the plan as data), pushdown (one reference), projection, plan_values
    scan       a scan plan -> a lazily pulled Arrow RecordBatchReader over the API's pages
    execute    Engine (one DuckDB database per connection) and Session (one DuckDB cursor per cursor)
    diagnostics DuckDB's errors in the driver's words, with suggestions from the catalog
    explain    EXPLAIN: the API plan as rows
    procedures the stored-procedure registry (EXEC, cursor.callproc)

Extension points:
- Procedures: ``pipedrive_sql.engine.procedures.register(Procedure(...))`` from the engine layer or above;
  modules defining procedures expose ``PROCEDURES`` and ``procedures`` imports them (``PROVIDERS``).
- Writes: ``pipedrive_sql.engine.writes.execute_write(tree, session) -> WriteResult``
  (``write_result.WriteResult``: rowcount, optional RETURNING table, lastrowid). ``session.engine.catalog.table(name)``
  gives the table's spec (``spec.writes`` paths, columns with ``api_name``, ``read_only``, ``custom``),
  ``session.engine.client`` the API client, ``session.run_query(select_tree)`` runs a pushed-down SELECT
  (to find the ids an UPDATE/DELETE affects) and returns an Arrow table; ``catalog.refresh(entity)``
  after changing field definitions.
"""

from __future__ import annotations

from pipedrive_sql.engine.execute import Engine, Result, Session, WriteResult
from pipedrive_sql.engine.parse import Statement, parse
from pipedrive_sql.engine.plan import plan_query
from pipedrive_sql.engine.plan_model import Call, QueryPlan, ScanPlan
from pipedrive_sql.engine.procedures import REGISTRY, Procedure, ProcedureColumn, ProcedureParameter, register

__all__ = [
    "REGISTRY",
    "Call",
    "Engine",
    "Procedure",
    "ProcedureColumn",
    "ProcedureParameter",
    "QueryPlan",
    "Result",
    "ScanPlan",
    "Session",
    "Statement",
    "WriteResult",
    "parse",
    "plan_query",
    "register",
]
