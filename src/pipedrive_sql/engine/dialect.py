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
from typing import Any

from sqlglot import exp
from sqlglot.dialects.duckdb import DuckDB
from sqlglot.dialects.tsql import TSQL
from sqlglot.parsers.duckdb import DuckDBParser
from sqlglot.parsers.tsql import TSQLParser
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


def whole_interval(interval: exp.Interval, this: exp.Expr) -> exp.Expr:
    """``INTERVAL 'text'`` as the whole text means, where sqlglot's parser (``_parse_interval_span``) gave
    ``interval`` for it: sqlglot takes a unit out of the string and keeps one ``n unit`` of it, so
    ``'1 day 12:00:00'`` became 1 day and ``'-1 day -02:00:00'`` lost its hours, and ``'-1 mon'`` became a
    unit DuckDB does not know. Such a string is given to DuckDB whole, cast (DuckDB reads PostgreSQL's
    interval syntax); a string of one ``n unit`` that DuckDB knows keeps sqlglot's form."""
    text = this.name if isinstance(this, exp.Literal) and this.is_string else None
    if text is None:
        return interval
    # `+02:00:00` is PostgreSQL's explicit sign of a field; DuckDB takes the field without it
    unsigned = _PLUS.sub(r"\1", text)
    unit = interval.args.get("unit")
    if interval.this is this or not isinstance(unit, exp.Var):  # the string kept whole (a unit apart)
        if unsigned != text:
            interval.set("this", exp.Literal.string(unsigned))
        return interval
    one = _ONE_INTERVAL_PART.fullmatch(text)
    if one is not None and one.group(1).upper() in _INTERVAL_UNITS:
        return interval
    return exp.Cast(this=exp.Literal.string(unsigned), to=exp.DataType.build("INTERVAL"))


_PLUS = re.compile(r"(^|\s)\+(?=\d)")
#: a string of one `n unit`, and the units that sqlglot's `INTERVAL 'n' UNIT` gives DuckDB as they are
_ONE_INTERVAL_PART = re.compile(r"\s*[+-]?\d+(?:\.\d+)?\s*([A-Za-z]+)\s*")
_INTERVAL_UNITS = {
    f"{unit}{plural}"
    for unit in ("YEAR", "MONTH", "WEEK", "DAY", "HOUR", "MINUTE", "SECOND", "MILLISECOND", "MICROSECOND")
    for plural in ("", "S")
}


class WholeIntervals:
    """A sqlglot parser's mixin: interval literals mean their whole text (``whole_interval``)."""

    def _parse_interval_span(self, this: exp.Expr, parse_function_unit: bool = True) -> Any:
        span = super()._parse_interval_span(this, parse_function_unit=parse_function_unit)  # type: ignore[misc]
        return whole_interval(span, this)


class PipedriveSQL(TSQL):
    NULL_ORDERING = "nulls_are_last"

    class Parser(WholeIntervals, TSQLParser):
        pass

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

    class Parser(WholeIntervals, DuckDBParser):
        pass


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
