"""The local cache: one DuckDB file per company, incremental refreshes, offline answers (docs/cache.md).

Between the catalog and the engine: it imports ``api`` and ``catalog``, never ``engine`` or ``dbapi``.
``changes_since`` is the incremental machinery ``pipedrive-sql sync`` shares.
"""

from __future__ import annotations

from pipedrive_sql.cache.cache import Decision, TableCache, cache_file
from pipedrive_sql.cache.changes import Changes, cacheable, changes_since, feed_of, full_read
from pipedrive_sql.cache.store import CacheStore, TableState

__all__ = [
    "CacheStore",
    "Changes",
    "Decision",
    "TableCache",
    "TableState",
    "cache_file",
    "cacheable",
    "changes_since",
    "feed_of",
    "full_read",
]
