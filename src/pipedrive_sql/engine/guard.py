"""What SQL may do: the engine's DuckDB sealed, and an allowlist checked on every statement before it runs.

SQL sees Pipedrive and nothing else: no host files, no network, no process environment, no engine settings.
Two layers hold that line, so that a gap in one is covered by the other:

1. ``seal(duck)``: the engine's DuckDB runs with external access off (no file or URL reads or writes, no
   ATTACH, no COPY), extension auto-install and auto-load off, community extensions and extension
   repositories refused, no spilling to a temp directory, Python replacement scans off; then its
   configuration is locked, so no statement can turn any of that back on.
2. ``check_text`` / ``check_tree``: an allowlist on the parsed statement, so that what is refused is refused
   with a ProgrammingError that says what is not allowed and why (instead of a DuckDB permission error, or a
   Pipedrive request made before DuckDB notices):

   - statements: SELECT / WITH / VALUES and set operations, EXPLAIN, EXEC, INSERT/UPDATE/DELETE (into
     Pipedrive tables or temp tables), CREATE TEMP TABLE [AS], CREATE TEMP VIEW, DROP and TRUNCATE of temp
     tables and views. Everything else (COPY, ATTACH, DETACH, INSTALL, LOAD, PRAGMA, SET, RESET, CALL,
     EXPORT/IMPORT DATABASE, CREATE SECRET/MACRO/FUNCTION/SCHEMA/SEQUENCE/INDEX/TYPE, CREATE TABLE without
     TEMP, SELECT ... INTO, ...) is refused.
   - table sources: catalog tables, sys_ tables, CTEs, derived tables, temp tables and views (the planner
     resolves the names; anything else is "no such table"), and the table functions in TABLE_FUNCTIONS,
     which only compute (range, generate_series, unnest, ...). DuckDB's own catalog (information_schema,
     pg_catalog, duckdb_* functions) is not a source: sys_tables and friends describe the tables.
   - functions: ``allowed_functions()`` = every scalar, aggregate, window and macro function that DuckDB's
     ``duckdb_functions()`` lists, minus OUTSIDE (those that read the engine's settings or variables, the
     environment, or run SQL text the check cannot see). A call whose name is not in the list is refused
     (with the closest allowed names), so a function added by a future DuckDB or an extension is refused
     until it is reviewed and found to only compute.

The depth limit lives here too: SQL nested deeper than MAX_DEPTH levels is refused before sqlglot's
recursive parser can hit Python's recursion limit.
"""

from __future__ import annotations

import difflib
import re
import threading
from collections.abc import Iterable

import duckdb
from sqlglot import exp
from sqlglot.errors import ParseError, TokenError
from sqlglot.tokens import Token, TokenType

from pipedrive_sql.errors import ProgrammingError

__all__ = [
    "MAX_DEPTH",
    "OUTSIDE",
    "TABLE_FUNCTIONS",
    "allowed_functions",
    "check_depth",
    "check_text",
    "check_tree",
    "seal",
]

MAX_DEPTH = (
    32  # nesting levels of ( [ { CASE: far beyond hand-written and generated SQL, within the parser's reach
)

# Table functions that compute rows from their arguments alone.
TABLE_FUNCTIONS = frozenset(
    {"range", "generate_series", "unnest", "repeat", "repeat_row", "json_each", "json_tree"}
)

# Functions DuckDB lists that are not allowed, and why (the rest of duckdb_functions() only computes).
OUTSIDE: dict[str, str] = {
    "current_setting": "reads the engine's settings",
    "getvariable": "reads the engine's variables",
    "getenv": "reads the process environment",
    "json_execute_serialized_sql": "runs SQL text that this check cannot see",
    "json_deserialize_sql": "turns text into SQL that this check cannot see",
    "query": "runs SQL text that this check cannot see",
    "query_table": "reads tables named in text that this check cannot see",
    "sleep_ms": "only waits, holding the connection",
    "pg_sleep": "only waits, holding the connection",
    "parse_duckdb_log_message": "reads the engine's log",
    "current_query": "reads the engine's state",
}

# Names sqlglot generates for special forms that duckdb_functions() does not list as functions.
_SPECIAL_FORMS = frozenset(
    {
        "cast",
        "try_cast",
        "coalesce",
        "extract",
        "exists",
        "if",
        "ifnull",
        "nullif",
        "interval",
        "struct_pack",
        "row",
        "list_value",
        "map",
        "columns",
        "unnest",
        "grouping",
        "grouping_id",
        "lambda",
        "array",
        "struct",
        "current_date",
        "current_timestamp",
        "current_time",
        "localtime",
        "localtimestamp",
    }
)

# Leading words of statements refused outright, and why (checked on tokens, so that statements sqlglot
# cannot parse, like EXPORT DATABASE or CREATE SECRET, get this message rather than a syntax error).
_REFUSED_VERBS: dict[str, str] = {
    "COPY": "COPY reads and writes files on this machine",
    "ATTACH": "ATTACH opens database files or URLs",
    "DETACH": "DETACH changes the databases the engine sees",
    "INSTALL": "INSTALL downloads engine extensions",
    "FORCE": "FORCE INSTALL downloads engine extensions",
    "LOAD": "LOAD loads engine extensions",
    "PRAGMA": "PRAGMA reads and changes the engine's settings",
    "SET": "SET changes the engine's settings, which the driver fixes (use connection properties)",
    "RESET": "RESET changes the engine's settings, which the driver fixes (use connection properties)",
    "EXPORT": "EXPORT DATABASE writes files on this machine",
    "IMPORT": "IMPORT DATABASE reads files on this machine",
    "CALL": "CALL runs the engine's own table functions, which describe or reach outside Pipedrive",
    "USE": "USE switches the engine's database",
    "CHECKPOINT": "CHECKPOINT writes the engine's database files",
    "FORCE_CHECKPOINT": "CHECKPOINT writes the engine's database files",
    "VACUUM": "VACUUM works on the engine's database files",
    "ALTER": "ALTER changes the engine's catalog (temp tables are changed with INSERT, UPDATE and DELETE)",
    "UPDATE_EXTENSIONS": "UPDATE EXTENSIONS downloads engine extensions",
}
_CREATE_REASONS: dict[str, str] = {
    "SECRET": "secrets hand the engine credentials for remote storage",
    "MACRO": "macros would hide function calls from the allowlist check",
    "FUNCTION": "functions would hide calls from the allowlist check",
    "SCHEMA": "only temp tables and temp views can be created",
    "SEQUENCE": "only temp tables and temp views can be created",
    "INDEX": "only temp tables and temp views can be created",
    "TYPE": "only temp tables and temp views can be created",
    "TABLE": "tables live in this connection's memory only: write CREATE TEMP TABLE",
    "VIEW": "views live in this connection's memory only: write CREATE TEMP VIEW",
}
_FOREIGN_SCHEMAS = {"information_schema", "pg_catalog"}
_OPEN = {TokenType.L_PAREN, TokenType.L_BRACKET, TokenType.L_BRACE, TokenType.CASE}
_CLOSE = {TokenType.R_PAREN, TokenType.R_BRACKET, TokenType.R_BRACE, TokenType.END}
_CALL_NAME = re.compile(r"^\s*([A-Za-z_][\w$]*)\s*\(")

_FUNCTIONS: frozenset[str] | None = None
_FUNCTIONS_LOCK = threading.Lock()


# ---- the seal -----------------------------------------------------------------------------------------


def seal(duck: duckdb.DuckDBPyConnection) -> None:
    """Close the engine's DuckDB to the outside and lock its configuration. Call it once the driver has
    set up what it needs (threads, time zone; files the driver itself opens must be attached before)."""
    # temp_directory first: with external access off DuckDB refuses to change it.
    duck.execute("SET temp_directory = ''")  # no spilling to disk: the data stays in this process
    duck.execute("SET python_enable_replacements = false")  # no Python variables as tables
    duck.execute("SET enable_external_access = false")
    duck.execute("SET autoinstall_known_extensions = false")
    duck.execute("SET autoload_known_extensions = false")
    duck.execute("SET allow_community_extensions = false")
    duck.execute("SET allow_extension_repositories = 'forbidden'")
    duck.execute("SET lock_configuration = true")


# ---- the allowlist ------------------------------------------------------------------------------------


def allowed_functions(sealed: duckdb.DuckDBPyConnection | None = None) -> frozenset[str]:
    """Every scalar, aggregate, window and macro function of DuckDB (as ``duckdb_functions()`` lists them
    in a fresh sealed database), minus OUTSIDE. Read once per process.

    ``sealed`` is a database the caller has just sealed and made nothing in yet (the engine's own, at
    connect): the list is read from it. Otherwise a database is opened for it, which costs its own memory
    (DuckDB's ``connect()`` alone is some 24 MB of peak RSS, and it counts against the driver's footprint).
    """
    global _FUNCTIONS
    with _FUNCTIONS_LOCK:
        if _FUNCTIONS is None:
            duck = sealed if sealed is not None else duckdb.connect(":memory:")
            try:
                if sealed is None:
                    seal(duck)
                rows = duck.execute(
                    "SELECT DISTINCT lower(function_name) FROM duckdb_functions() "
                    "WHERE function_type IN ('scalar', 'aggregate', 'window', 'macro')"
                ).fetchall()
            finally:
                if sealed is None:
                    duck.close()
            _FUNCTIONS = frozenset(r[0] for r in rows) - set(OUTSIDE)
        return _FUNCTIONS


def check_depth(tokens: Iterable[Token]) -> None:
    """Refuse SQL nested deeper than MAX_DEPTH (parentheses, brackets, braces, CASE ... END)."""
    depth = 0
    for token in tokens:
        if token.token_type in _OPEN:
            depth += 1
            if depth > MAX_DEPTH:
                raise ProgrammingError(
                    f"The statement is nested more than {MAX_DEPTH} levels deep (parentheses, brackets or "
                    f"CASE) at line {token.line}, column {token.col}: simplify it, e.g. with a WITH clause "
                    "or IN (...) instead of nested conditions.",
                    line=token.line,
                    col=token.col,
                )
        elif token.token_type in _CLOSE:
            depth = max(depth - 1, 0)


def check_text(tokens: list[Token]) -> None:
    """Refuse statements by their leading words (COPY, ATTACH, SET, CREATE SECRET, ...)."""
    words = [t.text.upper() for t in tokens[:6] if t.token_type != TokenType.SEMICOLON]
    if not words:
        return
    verb = words[0]
    if verb == "UPDATE" and len(words) > 1 and words[1] == "EXTENSIONS":
        verb = "UPDATE_EXTENSIONS"
    if verb in _REFUSED_VERBS:
        raise _refused(verb if verb != "UPDATE_EXTENSIONS" else "UPDATE EXTENSIONS", _REFUSED_VERBS[verb])
    if verb == "CREATE":
        rest = words[1:]
        if rest[:2] == ["OR", "REPLACE"]:
            rest = rest[2:]
        temp = bool(rest) and rest[0] in ("TEMP", "TEMPORARY")
        if rest and rest[0] in ("TEMP", "TEMPORARY", "PERSISTENT"):
            rest = rest[1:]
        kind = rest[0] if rest else ""
        if temp and kind in ("TABLE", "VIEW"):
            return
        if kind in _CREATE_REASONS:
            raise _refused(f"CREATE {kind}", _CREATE_REASONS[kind])
        raise _refused(f"CREATE {kind}".strip(), "only temp tables and temp views can be created")


def check_tree(tree: exp.Expression) -> None:
    """Walk a parsed statement: refuse sources and functions outside the allowlist, SELECT ... INTO, and
    DDL that is not about temp tables and views."""
    if isinstance(tree, exp.Create):
        _check_create(tree)
    functions = allowed_functions()
    for node in tree.walk():
        if isinstance(node, exp.Select) and node.args.get("into") is not None:
            raise _refused(
                "SELECT ... INTO",
                "it creates tables: write CREATE TEMP TABLE name AS SELECT ... instead",
            )
        if isinstance(node, exp.Table):
            _check_source(node)
        elif isinstance(node, exp.Func) and not _is_table_function(node):
            _check_function(node, functions)
        elif isinstance(node, exp.Pragma | exp.Set | exp.Copy) or (
            isinstance(node, exp.Command) and node is not tree  # a whole unknown statement: parse says so
        ):
            raise _refused(_verb(node), "it is not a query, a write or a temp table statement")


def _check_create(tree: exp.Create) -> None:
    kind = str(tree.args.get("kind") or "").upper()
    properties = tree.args.get("properties")
    temporary = properties is not None and any(
        isinstance(p, exp.TemporaryProperty) for p in properties.expressions
    )
    if kind not in ("TABLE", "VIEW"):
        raise _refused(f"CREATE {kind}".strip(), "only temp tables and temp views can be created")
    if not temporary:
        raise _refused(f"CREATE {kind}", _CREATE_REASONS[kind])


def _check_source(node: exp.Table) -> None:
    if isinstance(node.this, exp.Func):
        name = _call_name(node.this)
        if name not in TABLE_FUNCTIONS:
            raise _refused(f"the table function {name}", _reason(name, table=True))
        return
    schema = node.db.lower() if node.db else ""
    if schema in _FOREIGN_SCHEMAS or node.catalog.lower() in ("system", "temp", "memory"):
        written = ".".join(p for p in (node.catalog, node.db, node.name) if p)
        raise _refused(
            written,
            "it is the SQL engine's own catalog, not Pipedrive's: sys_tables, sys_tablecolumns and the other "
            "sys_ tables describe the tables",
        )


def _check_function(node: exp.Func, functions: frozenset[str]) -> None:
    name = _call_name(node)
    if not name or name in functions or name in _SPECIAL_FORMS:
        return
    if name in OUTSIDE or _outside_name(name):
        raise _refused(f"the function {name}", _reason(name, table=False))
    if isinstance(node, exp.Anonymous):
        close = difflib.get_close_matches(name, sorted(functions), n=1, cutoff=0.6)
        hint = f"; did you mean {close[0]}()?" if close else ""
        raise ProgrammingError(f"function {name}() does not exist{hint}")


def _is_table_function(node: exp.Func) -> bool:
    parent = node.parent
    return isinstance(parent, exp.Table) and parent.this is node


def _call_name(node: exp.Func) -> str:
    """The name of the function DuckDB will run for ``node`` (sqlglot may rename typed functions), or ''
    for special forms that are not calls (operators, CAST, CASE, ...)."""
    if isinstance(node, exp.Anonymous):
        return str(node.name).lower()
    try:
        text = node.sql(dialect="duckdb")
    except Exception:  # a generator gap: the name sqlglot knows the function by
        return node.sql_name().lower()
    match = _CALL_NAME.match(text)
    return match.group(1).lower() if match else ""


def outside_function(name: str) -> str | None:
    """Why the function ``name`` reaches outside Pipedrive (files, URLs, the environment, the engine's own
    state), or None when it only computes. For SQL run elsewhere than the engine (the server's catalog)."""
    name = name.lower()
    if name in OUTSIDE or _outside_name(name):
        return _reason(name, table=False)
    return None


def _outside_name(name: str) -> bool:
    return name.startswith(("read_", "duckdb_", "pragma_", "parquet_", "glob", "sniff_")) or name.endswith(
        "_scan"
    )


def _reason(name: str, *, table: bool) -> str:
    if name in OUTSIDE:
        return f"it {OUTSIDE[name]}"
    if name.startswith(("read_", "parquet_", "glob", "sniff_")) or name.endswith("_scan"):
        return "it reads files or URLs; SQL here sees Pipedrive and nothing else"
    if name.startswith(("duckdb_", "pragma_")) or name in ("which_secret",):
        return "it shows the SQL engine's own state, not Pipedrive's: the sys_ tables describe the tables"
    if table:
        allowed = ", ".join(sorted(TABLE_FUNCTIONS))
        return f"the table functions that may be used are {allowed}"
    return "it is not on the list of functions that only compute (docs/security.md)"


def _verb(node: exp.Expression) -> str:
    if isinstance(node, exp.Command):
        return str(node.this).upper()
    return type(node).__name__.upper()


def _refused(what: str, why: str) -> ProgrammingError:
    return ProgrammingError(f"{what[:1].upper()}{what[1:]} is not allowed: {why}.")


def tokens_or_none(text: str, tokenize: object) -> list[Token] | None:
    """``tokenize(text)``, or None when the text cannot be tokenized (the parser reports that)."""
    try:
        return list(tokenize(text))  # type: ignore[operator]
    except (TokenError, ParseError):
        return None
