"""Replication of Pipedrive tables into a DuckDB file, a PostgreSQL database or a Parquet folder
(docs/replication.md). A face on top of the DB-API connection; the incremental reads are the cache's
``changes_since``.
"""

from __future__ import annotations

from pipedrive_sql.sync.base import Batch, Target, TargetState
from pipedrive_sql.sync.duckdb_target import DuckDBTarget
from pipedrive_sql.sync.parquet_target import ParquetTarget, read_manifest
from pipedrive_sql.sync.run import Progress, TableReport, default_tables, open_target, sync_tables

__all__ = [
    "Batch",
    "DuckDBTarget",
    "ParquetTarget",
    "Progress",
    "TableReport",
    "Target",
    "TargetState",
    "default_tables",
    "open_target",
    "read_manifest",
    "sync_tables",
]
