"""The SQL dialect users write: T-SQL as the commercial drivers read it, close enough to DuckDB's SQL.

Based on sqlglot's T-SQL reader, for ``[Bracketed]`` names, ``TOP n``, ``EXEC Proc Name='x'`` and
``@params``, with changes so that plain SQL means what it means in DuckDB (which runs the query):
``"double quotes"`` are identifiers, ``TIMESTAMP '...'`` is a timestamp (T-SQL's TIMESTAMP is ROWVERSION),
NULLs sort last in ascending order, and square brackets that cannot be names are DuckDB's:

- a subscript: ``[`` right after an expression (no whitespace) holding an integer, a parameter marker or a
  slice (``"LabelIds"[1]``, ``"LabelIds"[?]``, ``"LabelIds"[1:2]``); lists are indexed from 1 as in DuckDB;
- a list literal: ``ARRAY[1, 2]``, or ``[1, 2]`` / ``[]`` where a value is expected, holding literals or
  parameter markers separated by commas.

Everything else in brackets stays a T-SQL name: ``col [Alias]``, ``[Deals]``, ``[Name With Spaces]``.
Nested list literals cannot be told from names reliably, so they are refused with a pointer to
``list_value(...)``.
"""

from __future__ import annotations

import re

from sqlglot import exp
from sqlglot.dialects.duckdb import DuckDB
from sqlglot.dialects.tsql import TSQL
from sqlglot.tokens import Token, TokenType

from pipedrive_sql.errors import ProgrammingError

__all__ = ["DuckDBAsWritten", "PipedriveSQL", "subscripts_as_written"]

# Tokens after which a bracket with no whitespace before it is a subscript.
_SUBSCRIPTABLE = {
    TokenType.IDENTIFIER,
    TokenType.VAR,
    TokenType.R_PAREN,
    TokenType.R_BRACKET,
    TokenType.STRING,
    TokenType.PLACEHOLDER,
    TokenType.PARAMETER,
}
# Tokens after which a bracket starts a value (so a bracketed list there is a list literal, not a name).
_VALUE_EXPECTED = {
    TokenType.SELECT,
    TokenType.COMMA,
    TokenType.L_PAREN,
    TokenType.L_BRACKET,
    TokenType.EQ,
    TokenType.NEQ,
    TokenType.IN,
    TokenType.DPIPE,
    TokenType.PLUS,
    TokenType.DASH,
    TokenType.THEN,
    TokenType.ELSE,
    TokenType.WHEN,
    TokenType.VALUES,
    TokenType.COLON,
    TokenType.L_BRACE,
    TokenType.GT,
    TokenType.GTE,
    TokenType.LT,
    TokenType.LTE,
}
_MARKER = r"(?:-?\d+|\?|[@:][A-Za-z_]\w*)"
_SUBSCRIPT = re.compile(rf"^\s*(?:{_MARKER}|{_MARKER}?\s*:\s*{_MARKER}?)\s*$")
_LITERAL = r"(?:-?\d+(?:\.\d+)?|'(?:[^']|'')*'|\?|[@:][A-Za-z_]\w*|NULL|TRUE|FALSE)"
_LIST = re.compile(rf"^\s*(?:{_LITERAL}(?:\s*,\s*{_LITERAL})*)?\s*$", re.IGNORECASE)


class PipedriveSQL(TSQL):
    NULL_ORDERING = "nulls_are_last"

    class Tokenizer(TSQL.Tokenizer):
        QUOTES = ["'"]
        KEYWORDS = {**TSQL.Tokenizer.KEYWORDS, "TIMESTAMP": TokenType.TIMESTAMP}

        def tokenize(self, sql: str) -> list[Token]:
            tokens = super().tokenize(sql)
            if "[" not in sql:
                return tokens
            return _brackets(self, sql, tokens)


class DuckDBAsWritten(DuckDB):
    """DuckDB's SQL, read without sqlglot's list-index normalization (see ``subscripts_as_written``)."""

    INDEX_OFFSET = 0


def subscripts_as_written(tree: exp.Expression) -> exp.Expression:
    """Mark every subscript of a tree read by PipedriveSQL or DuckDBAsWritten as DuckDB's (1-based), so that
    DuckDB receives the index as the user wrote it. sqlglot would otherwise shift integer literals at parse
    time but not parameter markers bound later (``"LabelIds"[?]`` bound to 2 would read element 3)."""
    for bracket in tree.find_all(exp.Bracket):
        if not bracket.args.get("json_access"):
            bracket.set("offset", 1)
    return tree


def _brackets(tokenizer: TSQL.Tokenizer, sql: str, tokens: list[Token]) -> list[Token]:
    """Turn bracketed "names" that are subscripts or list literals back into bracket tokens."""
    out: list[Token] = []
    for index, token in enumerate(tokens):
        if token.token_type != TokenType.IDENTIFIER or sql[token.start : token.start + 1] != "[":
            out.append(token)
            continue
        content = sql[token.start + 1 : token.end]
        previous = tokens[index - 1] if index else None
        adjacent = previous is not None and previous.end + 1 == token.start
        if adjacent and previous is not None and previous.token_type == TokenType.ARRAY:
            kind = "list"
        elif adjacent and previous is not None and previous.token_type in _SUBSCRIPTABLE:
            kind = "subscript" if _SUBSCRIPT.match(content) else ""
        elif previous is None or previous.token_type in _VALUE_EXPECTED:
            kind = "list" if "," in content or not content.strip() else ""
        else:
            kind = ""
        if kind and content.lstrip().startswith("["):
            raise ProgrammingError(
                f"Nested list literals like {sql[token.start : token.end + 1]}... cannot be read here: write "
                "list_value(list_value(1, 2), list_value(3)) instead."
            )
        if kind == "list" and not _LIST.match(content):
            raise ProgrammingError(
                f"Cannot read the list {sql[token.start : token.end + 1]!r}: a bracketed list may hold only "
                "literals and parameter markers; write list_value(a, b, ...) for lists of expressions."
            )
        if not kind:
            out.append(token)
            continue
        out.append(Token(TokenType.L_BRACKET, "[", token.line, token.col, token.start, token.start))
        for inner in tokenizer.__class__(dialect=tokenizer.dialect).tokenize(content):
            shift = token.start + 1
            out.append(
                Token(
                    inner.token_type,
                    inner.text,
                    token.line,
                    token.col + 1 + inner.start,
                    inner.start + shift,
                    inner.end + shift,
                    inner.comments,
                )
            )
        out.append(Token(TokenType.R_BRACKET, "]", token.line, token.col, token.end, token.end))
    return out
