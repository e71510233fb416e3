"""What a write statement produced: ``writes.execute_write`` returns it, ``execute.Session`` serves it.

Kept below both so that the engine and the writes import it, and not each other.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import pyarrow as pa

__all__ = ["WriteResult"]


@dataclass
class WriteResult:
    """What ``pipedrive_sql.engine.writes.execute_write`` returns."""

    rowcount: int
    table: pa.Table | None = None  # RETURNING rows
    lastrowid: Any = None
