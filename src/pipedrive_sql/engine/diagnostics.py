"""DuckDB's errors in the driver's words.

DuckDB reports problems as ``"Binder Error: Referenced column "Titel" not found in FROM clause!"`` with
its own candidates, a ``LINE 1:`` excerpt of the SQL it ran (our rewrite, with registered scan names such
as ``__pd3_0_deals``) and hints about its own functions. None of that is what the user wrote. Here each
DuckDB error becomes one of our error classes (errors.py) with a message in our words: no DuckDB prefixes,
no excerpt of the rewritten SQL, and suggestions ("did you mean") computed from our catalog (the columns of
the tables the query reads, custom fields included) rather than DuckDB's.

``translate_duckdb_error(exc, catalog, plan)`` is called where the engine runs DuckDB, so the DB-API, the
CLI and the server all report the same errors.
"""

from __future__ import annotations

import difflib
import logging
import re
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

import duckdb
from sqlglot import exp

from pipedrive_sql.errors import (
    DatabaseError,
    DataError,
    Error,
    IntegrityError,
    NotSupportedError,
    OperationalError,
    ProgrammingError,
)

if TYPE_CHECKING:
    from pipedrive_sql.catalog.catalog import Catalog
    from pipedrive_sql.engine.plan_model import QueryPlan

__all__ = ["Scope", "suggest", "suggestion", "translate_duckdb_error"]

_log = logging.getLogger(__name__)

# "Binder Error: ", "Conversion Error: ", "Out of Range Error: ", "Not implemented Error: " ...
_PREFIX = re.compile(r"^\s*[A-Z][A-Za-z]*(?: [A-Za-z]+)* Error: ")
# Registered scan names: "__pd3_0_deals", "__pd3_result"
_REGISTERED = re.compile(r'"?(__pd\d+(?:_\d+)?_(\w+?))"?(?=\W|$)')
# DuckDB's physical type names, as SQL users know them.
_TYPE_NAMES = {
    "INT8": "TINYINT",
    "INT16": "SMALLINT",
    "INT32": "INTEGER",
    "INT64": "BIGINT",
    "INT128": "HUGEINT",
    "UINT8": "UTINYINT",
    "UINT16": "USMALLINT",
    "UINT32": "UINTEGER",
    "UINT64": "UBIGINT",
    "UINT128": "UHUGEINT",
    "STRING_LITERAL": "a text literal",
    "INTEGER_LITERAL": "an integer literal",
    "STRING": "VARCHAR",
}
_SQL_TYPES = (
    "BIGINT",
    "BLOB",
    "BOOLEAN",
    "DATE",
    "DECIMAL",
    "DOUBLE",
    "FLOAT",
    "HUGEINT",
    "INTEGER",
    "INTERVAL",
    "JSON",
    "NUMERIC",
    "REAL",
    "SMALLINT",
    "TEXT",
    "TIME",
    "TIMESTAMP",
    "TIMESTAMPTZ",
    "TINYINT",
    "UUID",
    "VARCHAR",
)


# ---- what the query could see ------------------------------------------------------------------------


@dataclass
class Scope:
    """The tables a failed statement read: registered name -> (what the user called it, its columns)."""

    tables: list[tuple[str, str, list[str]]] = field(default_factory=list)  # (alias, table name, columns)
    registered: dict[str, str] = field(default_factory=dict)  # "__pd3_0_deals" -> "Deals"
    table_names: list[str] = field(default_factory=list)  # every table of the catalog
    # Names written in double quotes where a value is expected (WHERE Status = "won"): text meant as text.
    quoted: set[str] = field(default_factory=set)

    @classmethod
    def of(cls, catalog: Catalog | None, plan: QueryPlan | None) -> Scope:
        scope = cls()
        if catalog is not None:
            scope.table_names = list(catalog.table_names())
        if plan is None:
            return scope
        for column in plan.tree.find_all(exp.Column):
            identifier = column.this
            if isinstance(identifier, exp.Identifier) and identifier.quoted and _in_value_place(column):
                scope.quoted.add(identifier.name)
        seen: set[tuple[str, str]] = set()
        for scan in plan.scans:
            scope.registered[scan.name] = scan.alias or scan.table.name
            key = (scan.alias.lower(), scan.table.name.lower())
            if key in seen:
                continue
            seen.add(key)
            scope.tables.append((scan.alias, scan.table.name, [c.name for c in scan.table.columns]))
        for ref in plan.system:
            scope.registered[ref.name] = ref.table
            scope.tables.append((ref.table, ref.table, []))
        return scope

    def by_alias(self, alias: str) -> tuple[str, str, list[str]] | None:
        low = alias.lower()
        return next((t for t in self.tables if t[0].lower() == low or t[1].lower() == low), None)

    def clean(self, text: str) -> str:
        """``text`` with registered scan names replaced by what the user called the tables."""

        def name(match: re.Match[str]) -> str:
            return self.registered.get(match.group(1), match.group(2))

        return _REGISTERED.sub(name, text)


def _in_value_place(column: exp.Column) -> bool:
    """Whether ``column`` stands where a value usually does: the right side of a comparison or LIKE, or an
    item of an IN list."""
    parent = column.parent
    if isinstance(parent, exp.In):
        return any(item is column for item in parent.expressions)
    comparisons = (exp.EQ, exp.NEQ, exp.GT, exp.GTE, exp.LT, exp.LTE, exp.Like, exp.ILike)
    return isinstance(parent, comparisons) and parent.expression is column


# ---- suggestions -------------------------------------------------------------------------------------


def suggest(name: str, choices: Iterable[str], *, limit: int = 3) -> list[str]:
    """The choices closest to ``name`` (case-insensitive): those about as close as the best one."""
    by_lower: dict[str, str] = {}
    for choice in choices:
        by_lower.setdefault(choice.lower(), choice)
    target = name.lower()
    scored = []
    for low, choice in by_lower.items():
        if low == target:
            continue
        ratio = difflib.SequenceMatcher(None, target, low).ratio()
        if ratio >= 0.6 or (len(target) >= 3 and (low.startswith(target) or target.startswith(low))):
            scored.append((ratio, choice))
    if not scored:
        return []
    scored.sort(key=lambda item: (-item[0], item[1]))
    best = scored[0][0]
    return [choice for ratio, choice in scored if ratio >= best - 0.1][:limit]


def suggestion(name: str, choices: Iterable[str]) -> str:
    """'; did you mean "Title"?' for the choices closest to ``name``, or ''."""
    return _did_you_mean(suggest(name, choices))


def _did_you_mean(names: Sequence[str], *, quote: str = '"', suffix: str = "") -> str:
    if not names:
        return ""
    shown = [f"{quote}{n}{suffix}{quote}" for n in names]
    if len(shown) == 1:
        return f"; did you mean {shown[0]}?"
    return f"; did you mean {', '.join(shown[:-1])} or {shown[-1]}?"


def _listing(names: Sequence[str]) -> str:
    if len(names) <= 1:
        return "".join(names)
    return f"{', '.join(names[:-1])} or {names[-1]}"


# ---- the translation ---------------------------------------------------------------------------------


def translate_duckdb_error(
    exc: BaseException, catalog: Catalog | None = None, plan: QueryPlan | None = None
) -> Error:
    """The driver's error for a DuckDB failure of a statement planned as ``plan`` over ``catalog``."""
    head, details = _split(str(exc))
    try:
        scope = Scope.of(catalog, plan)
        head = scope.clean(head)
        details = [scope.clean(d) for d in details]
        for pattern, build in _RULES:
            match = pattern.search(head)
            if match is not None:
                return build(match, scope, details)
    except Exception:  # a translation must never hide the error it translates
        _log.debug("could not translate %s", type(exc).__name__, exc_info=True)
    return _fallback(exc, Scope().clean(head))


def _split(message: str) -> tuple[str, list[str]]:
    """DuckDB's message -> (its first statement without the prefix, the lines after it). The ``LINE n:``
    excerpt quotes the rewritten SQL, not the user's, and is dropped with everything after it."""
    lines = message.splitlines()
    kept: list[str] = []
    for line in lines:
        if line.startswith("LINE "):
            break
        kept.append(line)
    head = _PREFIX.sub("", kept[0] if kept else message, count=1).strip()
    return head, [line.strip() for line in kept[1:] if line.strip()]


def _quoted(details: Sequence[str], label: str) -> list[str]:
    """Names DuckDB lists after ``label`` ("Candidate bindings: "a", "t.b"")."""
    for line in details:
        if line.startswith(label):
            return re.findall(r'"([^"]+)"', line)
    return []


def _missing_column(match: re.Match[str], scope: Scope, details: list[str]) -> Error:
    column = match.group("column")
    if column in scope.quoted and not match.groupdict().get("alias"):
        # WHERE Status = "won": double quotes name a column; text goes in single quotes
        return ProgrammingError(
            f"column \"{column}\" does not exist; to compare with the text, write it in single quotes: '{column}'"
        )
    return _column_not_found(match, scope, details)


def _column_not_found(match: re.Match[str], scope: Scope, details: list[str]) -> Error:
    column = match.group("column")
    alias = match.groupdict().get("alias")
    if alias:
        found = scope.by_alias(alias)
        where = _table_label(found) if found else alias
        names = found[2] if found and found[2] else _bindings(details)
        hint = _did_you_mean(suggest(column, names))
        return ProgrammingError(f'column "{column}" does not exist in {where}{hint}')
    tables = [t for t in scope.tables if t[2]]
    if len(tables) == 1:
        names = [*tables[0][2], *_bindings(details)]
        hint = _did_you_mean(suggest(column, names))
        return ProgrammingError(f'column "{column}" does not exist in {_table_label(tables[0])}{hint}')
    qualified = [f"{t[0]}.{c}" for t in tables for c in t[2]]
    plain = {c.lower() for t in tables for c in t[2]}
    extra = [b for b in _bindings(details) if b.lower() not in plain]
    choices = suggest(column, [c for t in tables for c in t[2]] + extra)
    # Say which table a suggested column belongs to when several tables are read.
    shown = []
    for choice in choices:
        owners = [q for q in qualified if q.split(".", 1)[1].lower() == choice.lower()]
        shown.extend(owners[:2] if owners else [choice])
    labels = [_table_label(t) for t in tables or scope.tables]
    where = f" in {_listing(labels)}" if labels else ""
    return ProgrammingError(f'column "{column}" does not exist{where}{_did_you_mean(shown[:3])}')


def _bindings(details: Sequence[str]) -> list[str]:
    # Columns of subqueries and CTEs in scope: the names, not DuckDB's ranking of them.
    return [b.rsplit(".", 1)[-1] for b in _quoted(details, "Candidate bindings")]


def _table_label(table: tuple[str, str, list[str]]) -> str:
    alias, name, _ = table
    return name if not alias or alias.lower() == name.lower() else f"{name} (as {alias})"


def _missing_reference(match: re.Match[str], scope: Scope, details: list[str]) -> Error:
    name = match.group("name")
    aliases = [t[0] for t in scope.tables] + _quoted(details, "Candidate tables")
    hint = _did_you_mean(suggest(name, aliases) or (aliases[:1] if len(set(aliases)) == 1 else []))
    return ProgrammingError(f'table or alias "{name}" is not in the FROM clause{hint}')


def _missing_table(match: re.Match[str], scope: Scope, details: list[str]) -> Error:
    name = match.group("name").strip('"')
    hint = _did_you_mean(suggest(name, scope.table_names))
    return ProgrammingError(
        f'table "{name}" does not exist{hint}'
        + ("" if hint else "; SELECT * FROM sys_tables lists the tables")
    )


def _missing_function(match: re.Match[str], scope: Scope, details: list[str]) -> Error:
    name = match.group("name")
    hint = _did_you_mean(suggest(name, _function_names()), quote="", suffix="()")
    return ProgrammingError(f"function {name}() does not exist{hint}")


def _missing_type(match: re.Match[str], scope: Scope, details: list[str]) -> Error:
    name = match.group("name")
    hint = _did_you_mean(suggest(name, _SQL_TYPES), quote="")
    return ProgrammingError(f"type {name} does not exist{hint}")


def _not_grouped(match: re.Match[str], scope: Scope, details: list[str]) -> Error:
    column = match.group("column")
    return ProgrammingError(
        f'column "{column}" must appear in the GROUP BY clause or be used in an aggregate function '
        f"(any_value({column}) takes one value of each group)"
    )


# DuckDB's internal names of operators written as words in SQL
_OPERATORS = {"~~": "LIKE", "!~~": "NOT LIKE", "~~*": "ILIKE", "!~~*": "NOT ILIKE", "~~~": "GLOB"}


def _callable(name: str) -> str:
    """'function lower()' or 'operator LIKE'."""
    if name[:1].isalpha() or name[:1] == "_":
        return f"function {name}()"
    return f"operator {_OPERATORS.get(name, name)}"


def _no_function_match(match: re.Match[str], scope: Scope, details: list[str]) -> Error:
    signature = _type_names(match.group("signature"))
    name, _, arguments = signature.partition("(")
    return ProgrammingError(
        f"{_callable(name)} does not take ({arguments.rstrip(')')}): check the number and types of the "
        "arguments (CAST(x AS type) converts one)"
    )


def _ambiguous_call(match: re.Match[str], scope: Scope, details: list[str]) -> Error:
    signature = _type_names(match.group("signature"))
    name, _, arguments = signature.partition("(")
    what = _callable(name)
    return ProgrammingError(
        f"{what} cannot be applied to ({arguments.rstrip(')')}): add a CAST to say which types are meant"
    )


def _ambiguous_column(match: re.Match[str], scope: Scope, details: list[str]) -> Error:
    column = match.group("column")
    choices = re.findall(r"'([^']+)'", match.group("choices"))
    named = f", e.g. {_listing(choices)}" if choices else ""
    return ProgrammingError(f'column "{column}" is in more than one table: say which{named}')


def _set_operation_width(match: re.Match[str], scope: Scope, details: list[str]) -> Error:
    return ProgrammingError("each side of UNION, INTERSECT or EXCEPT must have the same number of columns")


def _syntax(match: re.Match[str], scope: Scope, details: list[str]) -> Error:
    near = match.group("near")
    where = f' near "{near}"' if near is not None else " at the end of the statement"
    return ProgrammingError(f"syntax error{where}")


def _conversion(match: re.Match[str], scope: Scope, details: list[str]) -> Error:
    value, target = match.group("value"), _type_names(match.group("type"))
    column = match.group("column")
    source = f" (column {column})" if column else ""
    return DataError(f"cannot convert {value} to {target}{source}")


def _impossible_cast(match: re.Match[str], scope: Scope, details: list[str]) -> Error:
    source, target, column = match.group("source"), match.group("target"), match.group("column")
    where = f" (column {column})" if column else ""
    return ProgrammingError(f"cannot convert {source} to {target}{where}: no such conversion exists")


def _overflow(match: re.Match[str], scope: Scope, details: list[str]) -> Error:
    operation, kind = match.group("operation"), _type_names(match.group("type"))
    return DataError(
        f"numeric overflow in {operation} of {kind} values: CAST to a wider type (HUGEINT, DECIMAL or DOUBLE)"
    )


def _divide_by_zero(match: re.Match[str], scope: Scope, details: list[str]) -> Error:
    return DataError("division by zero")


_Rule = Callable[[re.Match[str], Scope, list[str]], Error]
_RULES: list[tuple[re.Pattern[str], _Rule]] = [
    (re.compile(r'Referenced column "(?P<column>[^"]+)" not found'), _missing_column),
    (
        re.compile(
            r'(?:Values list|Table) "(?P<alias>[^"]+)" does not have a column named "(?P<column>[^"]+)"'
        ),
        _missing_column,
    ),
    (re.compile(r'Referenced table "(?P<name>[^"]+)" not found'), _missing_reference),
    (
        re.compile(r'Ambiguous reference to column name "(?P<column>[^"]+)"(?: \(use: (?P<choices>.*)\))?'),
        _ambiguous_column,
    ),
    (
        re.compile(r"Table with name (?P<name>\S+?) already exists"),
        lambda m, scope, details: ProgrammingError(f'table "{m.group("name")}" already exists'),
    ),
    (re.compile(r"Table with name (?P<name>\S+?) does not exist"), _missing_table),
    (
        re.compile(
            r"(?:Scalar|Aggregate|Table|Macro|Pragma)? ?Function with name (?P<name>\w+) does not exist"
        ),
        _missing_function,
    ),
    (re.compile(r"Type with name (?P<name>\S+?) does not exist"), _missing_type),
    (re.compile(r'column "(?P<column>[^"]+)" must appear in the GROUP BY clause'), _not_grouped),
    (
        re.compile(r"No function matches the given name and argument types '(?P<signature>[^']+)'"),
        _no_function_match,
    ),
    (
        re.compile(
            r'Could not choose a best candidate function for the function call "(?P<signature>[^"]+)"'
        ),
        _ambiguous_call,
    ),
    (re.compile(r"Set operations can only apply to expressions with the same number"), _set_operation_width),
    (re.compile(r'syntax error (?:at or near "(?P<near>[^"]*)"|at end of input)'), _syntax),
    (
        re.compile(
            r"Could not convert string (?P<value>'.*?') to (?P<type>[\w()]+)"
            r"(?: when casting from source column (?P<column>\w+))?"
        ),
        _conversion,
    ),
    (
        re.compile(
            r"Unimplemented type for cast \((?P<source>.+?) -> (?P<target>.+?)\)"
            r"(?: when casting from source column (?P<column>\w+))?"
        ),
        _impossible_cast,
    ),
    (re.compile(r"Overflow in (?P<operation>\w+) of (?P<type>\w+)"), _overflow),
    (re.compile(r"[Dd]ivision by zero"), _divide_by_zero),
]


def _fallback(exc: BaseException, head: str) -> Error:
    text = _sentence(_type_names(_without_duckdb_hints(head)))
    text = re.sub(r" when casting from source column (\w+)", r" (column \1)", text)
    if isinstance(exc, duckdb.InterruptException):
        return OperationalError("The query was interrupted.")
    if isinstance(exc, duckdb.ConstraintException):
        return IntegrityError(text)
    if isinstance(
        exc,
        duckdb.ConversionException
        | duckdb.OutOfRangeException
        | duckdb.InvalidTypeException
        | duckdb.InvalidInputException
        | duckdb.TypeMismatchException,
    ):
        return DataError(text)
    if isinstance(exc, duckdb.NotImplementedException):
        return NotSupportedError(text)
    if isinstance(
        exc,
        duckdb.BinderException
        | duckdb.ParserException
        | duckdb.CatalogException
        | duckdb.SyntaxException
        | duckdb.PermissionException
        | duckdb.DependencyException,
    ):
        return ProgrammingError(text)
    if isinstance(exc, duckdb.IOException | duckdb.HTTPException):
        return OperationalError(text)
    return DatabaseError(text)


def _without_duckdb_hints(text: str) -> str:
    # "... does not exist! Did you mean "floor"?": DuckDB's candidates, not ours
    return re.split(r"!?\s*Did you mean\b", text, maxsplit=1)[0].rstrip("!").strip()


def _sentence(text: str) -> str:
    return text.rstrip("!").strip() or "the statement failed"


def _type_names(text: str) -> str:
    return re.sub(r"\b[A-Z_]+[0-9]*\b", lambda m: _TYPE_NAMES.get(m.group(0), m.group(0)), text)


_FUNCTIONS: list[str] = []


def _function_names() -> list[str]:
    """Function names to suggest from: those sqlglot knows for DuckDB, in lower case."""
    if not _FUNCTIONS:
        from sqlglot.dialects.duckdb import DuckDB

        names = {n.lower() for n in DuckDB.Parser.FUNCTIONS if n.isidentifier() and not n.startswith("_")}
        _FUNCTIONS.extend(sorted(names))
    return _FUNCTIONS
