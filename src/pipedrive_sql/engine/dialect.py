"""The SQL dialect users write: T-SQL as the commercial drivers read it, close enough to DuckDB's SQL.

Based on sqlglot's T-SQL reader, for ``[Bracketed]`` names, ``TOP n``, ``EXEC Proc Name='x'`` and
``@params``, with three changes so that plain SQL means what it means in DuckDB (which runs the query):
``"double quotes"`` are identifiers, ``TIMESTAMP '...'`` is a timestamp (T-SQL's TIMESTAMP is ROWVERSION),
and NULLs sort last in ascending order.
"""

from __future__ import annotations

from sqlglot.dialects.tsql import TSQL
from sqlglot.tokens import TokenType

__all__ = ["PipedriveSQL"]


class PipedriveSQL(TSQL):
    NULL_ORDERING = "nulls_are_last"

    class Tokenizer(TSQL.Tokenizer):
        QUOTES = ["'"]
        KEYWORDS = {**TSQL.Tokenizer.KEYWORDS, "TIMESTAMP": TokenType.TIMESTAMP}
