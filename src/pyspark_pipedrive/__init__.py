"""Lets Spark find ``format("pipedrive")`` by itself: its data source lookup imports top-level packages named
``pyspark_*`` and registers their ``DefaultSource``."""

from pipedrive_sql.spark import PipedriveDataSource as DefaultSource

__all__ = ["DefaultSource"]
