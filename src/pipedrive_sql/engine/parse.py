"""Stage 1: SQL text -> a classified statement (query, EXPLAIN, EXEC, write) as a sqlglot tree.

Text is read with ``PipedriveSQL`` (T-SQL as the commercial drivers read it); what that cannot read is tried
as DuckDB SQL, so DuckDB-only syntax still works. A syntax error is a ProgrammingError that shows the line,
the column and the offending text.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

import sqlglot
from sqlglot import exp
from sqlglot.errors import ParseError, TokenError
from sqlglot.tokens import TokenType

from pipedrive_sql.engine import guard
from pipedrive_sql.engine.dialect import DuckDBAsWritten, PipedriveSQL, subscripts_as_written
from pipedrive_sql.engine.paramstyle import as_qmark
from pipedrive_sql.errors import NotSupportedError, ProgrammingError

__all__ = ["CacheCommand", "Statement", "parse", "too_deep"]

QUERY = "query"
EXPLAIN = "explain"
EXEC = "exec"
WRITE = "write"
LOCAL = "local"  # CREATE TEMP TABLE/VIEW, DROP, TRUNCATE: the connection's own temp objects
CACHE = "cache"  # CACHE and REPLICATE (docs/cache.md)

_EXPLAIN = re.compile(r"^\s*EXPLAIN\b(\s+ANALYZE\b)?", re.IGNORECASE)
_SURROGATE = re.compile("[\ud800-\udfff]")  # what errors="surrogateescape" leaves of bytes that are not UTF-8
_QUERY_TYPES = (exp.Select, exp.SetOperation, exp.Subquery, exp.Values)
_WRITE_TYPES = (exp.Insert, exp.Update, exp.Delete)
_LOCAL_TYPES = (exp.Create, exp.Drop, exp.TruncateTable)


@dataclass
class Statement:
    """One parsed statement. ``tree`` is the sqlglot expression (for EXPLAIN: the explained statement)."""

    kind: str  # query, explain, exec, write, local
    tree: exp.Expression
    sql: str
    qmarks: int = 0  # ``?`` markers, renamed to :__p0, :__p1, ... in text order
    command: CacheCommand | None = None  # CACHE / REPLICATE

    def copy(self) -> Statement:
        return Statement(self.kind, self.tree.copy(), self.sql, self.qmarks, self.command)


@dataclass(frozen=True)
class CacheCommand:
    """``CACHE|REPLICATE [table] [WITH TRUNCATE|WITH DROP EXISTING] [SELECT * FROM table]``."""

    verb: str  # CACHE or REPLICATE
    tables: tuple[str, ...]  # empty: every table already cached (REPLICATE)
    truncate: bool = False
    drop_existing: bool = False


def parse(sql: str) -> Statement:
    """Parse one statement; raise ProgrammingError on a syntax error or more than one statement."""
    if not isinstance(sql, str):
        raise ProgrammingError(f"The operation must be a SQL string, not {type(sql).__name__}.")
    text = sql.strip().rstrip(";").strip()
    if not text:
        raise ProgrammingError("The SQL statement is empty.")
    if "\x00" in text:
        raise ProgrammingError(
            f"The SQL statement holds a NUL character (at offset {text.index(chr(0))}): remove it."
        )
    surrogate = _SURROGATE.search(text)
    if surrogate is not None:
        raise ProgrammingError(
            f"The SQL statement is not valid Unicode: a lone surrogate ({surrogate.group()!r}) at offset "
            f"{surrogate.start()} (what decoding bytes that are not UTF-8 with errors='surrogateescape' "
            "leaves): decode the SQL with its real encoding first."
        )
    if _CACHE.match(text):
        return _parse_cache(text)
    explain = _EXPLAIN.match(text)
    body = text[explain.end() :] if explain else text
    body = as_qmark(body)
    tokens = guard.tokens_or_none(body, PipedriveSQL().tokenize)
    if tokens is not None:
        guard.check_depth(tokens)
        guard.check_text(tokens)
    body, qmarks = _name_qmarks(body)
    try:
        tree = _parse_one(body, offset_text=text[: explain.end()] if explain else "")
        guard.check_tree(tree)
    except RecursionError:
        raise too_deep() from None
    kind = _classify(tree)
    if explain:
        if kind != QUERY:
            raise NotSupportedError("EXPLAIN shows the API plan of a query (SELECT ...).")
        kind = EXPLAIN
    return Statement(kind, tree, text, qmarks)


QMARK_PREFIX = "__p"
_CACHE = re.compile(r"^\s*(CACHE|REPLICATE)\b", re.IGNORECASE)
_CACHE_HEAD = re.compile(
    r"^\s*(?P<verb>CACHE|REPLICATE)"
    r"(?:\s+(?!WITH\b|SELECT\b)(?P<table>\[[^\]]+\]|\"[^\"]+\"|[A-Za-z_][\w.]*))?"
    r"(?:\s+WITH\s+(?P<option>TRUNCATE|DROP\s+EXISTING))?"
    r"\s*(?P<select>SELECT\b.*)?$",
    re.IGNORECASE | re.DOTALL,
)


def _parse_cache(text: str) -> Statement:
    """CACHE/REPLICATE as CData's drivers write them. The cache keeps whole tables under their own names
    (so that later queries can be answered from it): the SELECT, when given, names the table and nothing
    narrower."""
    match = _CACHE_HEAD.match(text)
    verb = text.split(None, 1)[0].upper()
    if match is None:
        raise ProgrammingError(
            f"Cannot read this {verb} statement: write {verb} [Table] [WITH TRUNCATE | WITH DROP EXISTING] "
            "[SELECT * FROM Table]."
        )
    name = (match.group("table") or "").strip('[]"')
    option = re.sub(r"\s+", " ", (match.group("option") or "").upper())
    tables: tuple[str, ...] = (name.split(".")[-1],) if name else ()
    select_text = match.group("select")
    tree: exp.Expression = exp.Select()
    if select_text:
        tree = _parse_one(select_text)
        source = _whole_table(tree, verb)
        if tables and tables[0].lower() != source.lower():
            raise NotSupportedError(
                f"{verb} {tables[0]} SELECT ... FROM {source}: the cache keeps each table under its own name; "
                f"write {verb} {source}."
            )
        tables = (source,)
    if verb == "CACHE" and not tables:
        raise ProgrammingError("CACHE needs a table: CACHE Deals (or CACHE SELECT * FROM Deals).")
    command = CacheCommand(verb, tables, option == "TRUNCATE", option == "DROP EXISTING")
    return Statement(CACHE, tree, text, 0, command)


def _whole_table(tree: exp.Expression, verb: str) -> str:
    """The one table a CACHE/REPLICATE SELECT reads, refusing anything that reads less than all of it."""
    if not isinstance(tree, exp.Select):
        raise NotSupportedError(f"{verb} takes SELECT ... FROM one table.")
    tables = list(tree.find_all(exp.Table))
    narrowing = [
        k for k in ("where", "joins", "group", "having", "limit", "offset", "distinct") if tree.args.get(k)
    ]
    if len(tables) != 1 or narrowing:
        what = ", ".join(k.upper() for k in narrowing) or "more than one table"
        raise NotSupportedError(
            f"{verb} keeps whole tables (so that later queries can be answered from them), so its SELECT "
            f"cannot have {what}: write {verb} TableName, and filter when you query."
        )
    return tables[0].name


def _name_qmarks(text: str) -> tuple[str, int]:
    """Rename each ``?`` marker to ``:__pN`` so binding follows text order (the tree's order differs for
    OFFSET .. FETCH); markers inside strings, comments and quoted names are left alone."""
    try:
        tokens = PipedriveSQL().tokenize(text)
    except (TokenError, ParseError):
        return text, 0
    marks = [t for t in tokens if t.token_type == TokenType.PLACEHOLDER and t.text == "?"]
    if not marks:
        return text, 0
    out: list[str] = []
    last = 0
    for index, token in enumerate(marks):
        out.append(text[last : token.start])
        space = " " if out[-1].endswith(":") else ""  # a slice [:?] must not read as ::
        out.append(f"{space}:{QMARK_PREFIX}{index}")
        last = token.end + 1
    out.append(text[last:])
    return "".join(out), len(marks)


def too_deep() -> ProgrammingError:
    """The error for a statement too deeply nested to handle (whatever construct nests)."""
    return ProgrammingError(
        f"The statement is nested too deeply to read: keep nesting under {guard.MAX_DEPTH} levels, e.g. "
        "with a WITH clause or IN (...) instead of nested conditions."
    )


def _classify(tree: exp.Expression) -> str:
    if isinstance(tree, exp.Execute):
        return EXEC
    if isinstance(tree, _LOCAL_TYPES):
        return LOCAL
    if isinstance(tree, _WRITE_TYPES):
        return WRITE
    if isinstance(tree, _QUERY_TYPES):
        return QUERY
    if isinstance(tree, exp.Command):
        verb = str(tree.this).upper()
        if verb in ("EXEC", "EXECUTE"):
            raise ProgrammingError(
                f"Cannot read the procedure call {_first_line(str(tree.sql()))!r}: "
                "write EXEC ProcedureName Param='value', Param2='value'."
            )
        raise NotSupportedError(
            f"{verb} statements are not supported: use SELECT (queries over the tables), EXPLAIN SELECT, "
            "EXEC (stored procedures) or INSERT/UPDATE/DELETE."
        )
    raise NotSupportedError(
        f"{type(tree).__name__.upper()} statements are not supported: use SELECT, EXPLAIN, EXEC or "
        "INSERT/UPDATE/DELETE."
    )


def _parse_one(text: str, offset_text: str = "") -> exp.Expression:
    try:
        trees = _parse_all(text, PipedriveSQL)
    except (ParseError, TokenError) as first:
        try:
            trees = _parse_all(text, DuckDBAsWritten)
        except (ParseError, TokenError):
            raise _syntax_error(first, offset_text + text, len(offset_text)) from None
    found = [t for t in trees if t is not None]
    if len(found) != 1:
        raise ProgrammingError(
            f"Found {len(found)} statements: execute one statement at a time (or use executemany for one "
            "statement with many parameter sets)."
        )
    return subscripts_as_written(found[0])


def _parse_all(text: str, dialect: object) -> list[exp.Expression | None]:
    import logging

    # sqlglot logs a warning when it falls back to an opaque Command; that is ours to report, not its.
    log = logging.getLogger("sqlglot")
    level = log.level
    log.setLevel(logging.ERROR)
    try:
        return list(sqlglot.parse(text, read=dialect))  # type: ignore[arg-type]
    finally:
        log.setLevel(level)


def _syntax_error(error: ParseError | TokenError, text: str, shift: int) -> ProgrammingError:
    details = error.errors[0] if isinstance(error, ParseError) and error.errors else {}
    line = int(details.get("line") or 1)
    col = int(details.get("col") or 1)
    if line == 1:
        col += shift
    highlight = str(details.get("highlight") or "").strip()
    description = str(details.get("description") or str(error).splitlines()[0])
    source_line = text.splitlines()[line - 1] if 0 < line <= len(text.splitlines()) else text
    caret_at = max(col - len(highlight), 0) if highlight else max(col - 1, 0)
    pointer = " " * caret_at + "^" * max(len(highlight), 1)
    near = f" near {highlight!r}" if highlight else ""
    message = (
        f"Syntax error at line {line}, column {col}{near}: {_plain(description)}\n"
        f"  {source_line}\n  {pointer}"
    )
    return ProgrammingError(message, line=line, col=col)


def _plain(description: str) -> str:
    # sqlglot describes tokens as "<Token token_type: ...>": keep the words a user can act on.
    description = re.sub(r"<Token token_type: TokenType\.(\w+), text: ([^,]*),[^>]*>", r"\2", description)
    return re.sub(r"<class 'sqlglot\.expressions\.[\w.]*?(\w+)'>", r"\1", description)


def _first_line(text: str) -> str:
    return text.splitlines()[0] if text else text
