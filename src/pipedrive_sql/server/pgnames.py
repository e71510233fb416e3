"""PostgreSQL's rules for names, applied to the SQL clients send: which table a name means, and what a
result column is called.

- Tables: PostgreSQL clients qualify the tables they were shown (`"public"."Deals"`,
  `"crm"."public"."Deals"`); the driver knows them unqualified. Unquoted names fold to lower case in
  PostgreSQL, so `select * from deals` is what psql users type: an unquoted name finds the table whatever
  its case; a quoted name must match exactly, as in PostgreSQL.
- Result columns: PostgreSQL names an unaliased select-list item after what the client wrote (`count`,
  `sum`, `now`, `?column?`; an unquoted alias folds to lower case); clients look columns up by those
  names, DuckDB would say `count_star()`.

`DataQueryRewriter` turns a client's data query into the SQL the driver reads (DuckDB's dialect, which the
driver accepts as written); `name_outputs` is shared with the catalog translator.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

import sqlglot
from sqlglot import expressions as exp
from sqlglot.dialects.postgres import Postgres
from sqlglot.parsers.postgres import PostgresParser
from sqlglot.tokens import TokenType

from pipedrive_sql.engine.dialect import WholeIntervals

from . import errors as pgerr
from . import sqltext
from .errors import PgError
from .operands import WRITTEN_NAME, ColumnKinds, ParameterKinds, parameter_number, type_operands
from .paramtypes import ColumnOids, infer_parameter_oids

_EXPLAIN = re.compile(r"^\s*EXPLAIN\s+(?:ANALYZE\s+)?", re.I)


class _ClientParser(WholeIntervals, PostgresParser):
    """PostgreSQL's parser that remembers how each call was spelled: sqlglot folds spellings into one node
    (`date_part(...)` and `EXTRACT(...)`, `substr` and `substring`, `ceiling` and `ceil`), PostgreSQL
    names a result column after the spelling."""

    def _parse_function_call(self, *args: Any, **kwargs: Any) -> exp.Expr | None:
        token, call = self._curr, self._next is not None and self._next.token_type == TokenType.L_PAREN
        result = super()._parse_function_call(*args, **kwargs)
        # a call, or a keyword PostgreSQL reads as one (CURRENT_TIMESTAMP); `mod(5, 2)` parses as an operator
        if (
            result is not None
            and token is not None
            and (isinstance(result, exp.Func) or call)
            and WRITTEN_NAME not in result.meta
        ):
            result.meta[WRITTEN_NAME] = token.text
        return result


class ClientPostgres(Postgres):
    """PostgreSQL as clients send it, read with `_ClientParser`; parse client SQL with this dialect."""

    Parser = _ClientParser


# What DuckDB spells as keywords that cannot be aliased with their own name (`current_date AS
# "current_date"` is an error there): the same values as function calls.
_KEYWORD_FUNCTIONS = {
    exp.CurrentTimestamp: "get_current_timestamp",
    exp.CurrentDate: "today",
    exp.CurrentTime: "get_current_time",
    exp.Localtimestamp: "current_localtimestamp",
    exp.Localtime: "current_localtime",
}


@dataclass(frozen=True)
class Rewritten:
    sql: str
    #: `$n` numbers used as `= ANY($n)`: an untyped `{a,b}` bound there is an array, not a string
    array_parameters: frozenset[int] = frozenset()


def _array_parameters(tree: exp.Expr) -> frozenset[int]:
    numbers: set[int] = set()
    for node in tree.find_all(exp.Any, exp.All):
        inner = node.this
        while isinstance(inner, (exp.Paren, exp.Cast)):
            inner = inner.this
        number = parameter_number(inner)
        if number is not None:
            numbers.add(number)
    return frozenset(numbers)


def _client_tree(sql: str) -> exp.Expr | None:
    """A client's one statement read as PostgreSQL, or None (not PostgreSQL that sqlglot reads, or several
    statements)."""
    try:
        trees = [
            t for t in sqlglot.parse(sqltext.pad_placeholders(sql), read=ClientPostgres) if t is not None
        ]
    except Exception:
        return None
    return trees[0] if len(trees) == 1 else None


class DataQueryRewriter:
    """Rewrites one database's data queries; knows the tables the catalog shows and their schemas."""

    def __init__(
        self,
        database: str,
        tables: Iterable[tuple[str, str]],
        column_kinds: ColumnKinds | None = None,
        column_oids: ColumnOids | None = None,
    ) -> None:
        """`tables`: (schema, name) of every table the emulated catalog lists; `column_kinds`: which of
        their columns are integers, numerics or doubles (PostgreSQL types arithmetic with them so);
        `column_oids`: every column's PostgreSQL type (what a parameter compared with it is)."""
        self.database = database
        self.column_kinds: ColumnKinds = column_kinds or {}
        self.column_oids: ColumnOids = column_oids or {}
        self.exact: dict[str, str] = {}
        self.folded: dict[str, list[str]] = {}
        self.schemas = {"public"}
        for schema, name in tables:
            self.exact[name] = name
            self.folded.setdefault(name.lower(), []).append(name)
            self.schemas.add(schema)

    def rewrite(self, sql: str, params: ParameterKinds | None = None) -> Rewritten | None:
        """The driver's SQL for a client's query, or None when the text is not PostgreSQL that sqlglot reads
        (the driver then reads it as written: T-SQL brackets, `TOP n`, `EXEC`). ``params``: how the bound
        parameters are typed (``parameter_kinds``)."""
        explain = _EXPLAIN.match(sql)
        if explain:
            # EXPLAIN shows the API requests of the query as the client wrote it
            inner = self.rewrite(sql[explain.end() :], params)
            return Rewritten(explain.group(0) + inner.sql, inner.array_parameters) if inner else None
        if _has_bracket_names(sql):
            return None
        tree = _client_tree(sql)
        if not isinstance(tree, (exp.Query, exp.Values)):
            return None
        name_outputs(tree)
        self.resolve_tables(tree)
        type_operands(tree, self.column_kinds, params)
        for node in list(tree.find_all(*_KEYWORD_FUNCTIONS)):
            node.replace(exp.Anonymous(this=_KEYWORD_FUNCTIONS[type(node)], expressions=[]))
        return Rewritten(tree.sql(dialect="duckdb"), _array_parameters(tree))

    def parameter_oids(self, sql: str, count: int) -> list[int]:
        """The types PostgreSQL would infer for the untyped `$1`..`$count` of a client's query (0 where
        nothing says; all 0 for text sqlglot does not read as PostgreSQL): see server/paramtypes.py."""
        tree = _client_tree(sql)
        if tree is None:
            return [0] * count
        self.resolve_tables(tree)
        return infer_parameter_oids(tree, count, self.column_oids)

    def resolve_tables(self, tree: exp.Expr) -> None:
        ctes = {cte.alias_or_name.lower() for cte in tree.find_all(exp.CTE)}
        for table in list(tree.find_all(exp.Table)):
            if not isinstance(table.this, exp.Identifier):
                continue  # a table function
            if not self._ours(table):
                continue
            if not table.db and table.name.lower() in ctes:
                continue
            found = self._find(table.this)
            # qualifiers of this database go either way; a name the catalog does not list (sys_* tables, a
            # typo) goes to the driver as written, which knows its system tables and says what exists
            table.set("db", None)
            table.set("catalog", None)
            if found is not None:
                table.set("this", exp.to_identifier(found, quoted=True))
        # `public."Deals"."Id"`: a column qualified with the schema (and database) as well as the table
        for column in tree.find_all(exp.Column):
            db = column.args.get("db")
            if isinstance(db, exp.Identifier) and db.name.lower() in {s.lower() for s in self.schemas}:
                catalog = column.args.get("catalog")
                if catalog is None or catalog.name.lower() == self.database.lower():
                    column.set("db", None)
                    column.set("catalog", None)

    def _ours(self, table: exp.Table) -> bool:
        """True if the qualifiers name this database's schema as the catalog shows it (or are absent)."""
        schema, catalog = table.args.get("db"), table.args.get("catalog")
        if schema is not None and not _matches(schema, self.schemas):
            return False
        return catalog is None or _matches(catalog, {self.database})

    def _find(self, name: exp.Identifier) -> str | None:
        if name.quoted:
            if name.name in self.exact:
                return name.name
            near = self.folded.get(name.name.lower())
            if near:
                raise PgError(
                    pgerr.UNDEFINED_TABLE,
                    f'relation "{name.name}" does not exist',
                    hint=f'quoted names match exactly: write "{near[0]}" (or {name.name} without quotes)',
                )
            return None
        if name.name in self.exact:
            return name.name
        candidates = self.folded.get(name.name.lower(), [])
        return candidates[0] if len(candidates) == 1 else None


_SUBSCRIPTED = {TokenType.VAR, TokenType.IDENTIFIER, TokenType.R_PAREN, TokenType.R_BRACKET, TokenType.STRING}


def _has_bracket_names(sql: str) -> bool:
    """True if the text uses T-SQL's [bracketed] names, which PostgreSQL's reader would take for arrays: a
    bracket that is neither ARRAY[...] nor a subscript right after a value (`"LabelIds"[1]`)."""
    if "[" not in sql:
        return False
    try:
        tokens = Postgres().tokenize(sql)
    except Exception:
        return True
    for i, token in enumerate(tokens):
        if token.token_type != TokenType.L_BRACKET:
            continue
        previous = tokens[i - 1] if i else None
        if previous is None:
            return True
        if previous.token_type == TokenType.ARRAY or previous.text.upper() == "ARRAY":
            continue
        if previous.token_type in _SUBSCRIPTED and previous.end + 1 == token.start:
            continue
        return True
    return False


def _matches(identifier: exp.Identifier, names: Iterable[str]) -> bool:
    if identifier.quoted:
        return identifier.name in names
    return identifier.name.lower() in {n.lower() for n in names}


# ---- result column names ----------------------------------------------------------------------------


def name_outputs(tree: exp.Expr) -> None:
    """Give every select-list item of the statement (and of its derived tables) PostgreSQL's name."""
    for select in _named_selects(tree):
        for projection in list(select.expressions):
            if isinstance(projection, exp.Star) or (
                isinstance(projection, exp.Column) and isinstance(projection.this, exp.Star)
            ):
                continue
            if isinstance(projection, exp.Alias):
                alias = projection.args.get("alias")
                if isinstance(alias, exp.Identifier) and not alias.quoted:
                    projection.set("alias", exp.to_identifier(alias.name.lower(), quoted=True))
                elif isinstance(alias, exp.Identifier):
                    alias.set("quoted", True)
                continue
            name = pg_output_name(projection)
            if isinstance(projection, exp.Column) and projection.name == name:
                # DuckDB names it so already; `x AS "x"` would turn a missing column into a riddle
                continue
            projection.replace(exp.alias_(projection.copy(), name, quoted=True))


def _named_selects(tree: exp.Expr) -> list[exp.Select]:
    """The selects whose column names a client sees: the statement's own (the first branch of a set
    operation names the columns) and those of derived tables, which `SELECT *` passes on."""
    out: list[exp.Select] = []

    def visit(node: exp.Expr) -> None:
        while isinstance(node, exp.SetOperation):
            node = node.left
        if isinstance(node, exp.Subquery):
            node = node.this
            while isinstance(node, exp.SetOperation):
                node = node.left
        if isinstance(node, exp.Select):
            out.append(node)

    visit(tree)
    for subquery in tree.find_all(exp.Subquery):
        if isinstance(subquery.parent, (exp.From, exp.Join, exp.CTE)):
            visit(subquery)
    for cte in tree.find_all(exp.CTE):
        if (
            isinstance(cte.this, (exp.Select, exp.SetOperation))
            and not cte.args.get("alias", exp.TableAlias()).columns
        ):
            visit(cte.this)
    return out


def pg_output_name(node: exp.Expr) -> str:
    """The column name PostgreSQL gives an unaliased select-list expression (its FigureColname)."""
    if isinstance(node, exp.Column):
        return node.name if node.this.quoted else node.name.lower()
    written = _written_name(node)
    if written is not None:
        return written
    if isinstance(node, exp.Cast):
        # a cast keeps the name of a column or function under it; of a constant (or of another such
        # cast: 'x'::regclass::oid) it takes the type's name
        inner = node.this
        while isinstance(inner, exp.Cast):
            inner = inner.this
        name = pg_output_name(inner)
        if name != "?column?" and not isinstance(inner, (exp.Literal, exp.Null, exp.Boolean)):
            return pg_output_name(node.this)
        return _cast_type_name(node.to)
    if isinstance(node, exp.Case):
        default = node.args.get("default")
        name = pg_output_name(default) if isinstance(default, exp.Expr) else "?column?"
        return name if name != "?column?" else "case"
    if isinstance(node, exp.Dot) and isinstance(node.expression, exp.Func):
        return pg_output_name(node.expression)
    if isinstance(node, exp.Dot):
        return node.name.lower()
    if isinstance(node, exp.Subquery) and isinstance(node.this, exp.Select) and node.this.expressions:
        first = node.this.expressions[0]
        return first.alias_or_name if isinstance(first, exp.Alias) else pg_output_name(first)
    if isinstance(node, (exp.Paren, exp.Bracket, exp.Window, exp.WithinGroup)):
        # `rank() OVER (...)`, `percentile_cont(0.5) WITHIN GROUP (...)`: named after the function
        return pg_output_name(node.this)
    if isinstance(node, exp.AtTimeZone):
        return "timezone"  # PostgreSQL's grammar makes `x AT TIME ZONE z` a call of timezone(z, x)
    if isinstance(node, (exp.RegexpLike, exp.RegexpILike)):
        return "?column?"  # the `~` and `~*` operators (an operator names no column)
    if isinstance(node, exp.Array):
        return "array"
    if isinstance(node, exp.Exists):
        return "exists"
    if isinstance(node, exp.Anonymous):
        return str(node.this).lower().removeprefix("pgx_")
    if isinstance(node, (exp.Count,)):
        return "count"
    if isinstance(node, exp.CurrentTimestamp):
        # `now()` is a call (the parser saw a position for it); CURRENT_TIMESTAMP a bare keyword
        return "now" if node.meta.get("end") is not None else "current_timestamp"
    if isinstance(node, exp.CurrentDate):
        return "current_date"
    if isinstance(node, exp.CurrentVersion):
        return "version"
    if isinstance(node, exp.Coalesce):
        return "coalesce"
    if isinstance(node, (exp.Greatest, exp.Least)):
        return type(node).__name__.lower()
    if isinstance(node, exp.Collate):
        return pg_output_name(node.this)
    if isinstance(node, exp.Interval):
        return "interval"  # `interval '1 day'` is a typed constant
    if isinstance(node, _OPERATORS):
        return "?column?"  # `2 ^ 10`, `j -> 'a'`, `a @> b`: operators name no column
    if isinstance(node, exp.Func):
        return _function_sql_name(node)
    return "?column?"


#: operators sqlglot parses into function nodes
_OPERATORS = (
    exp.Pow,
    exp.JSONExtract,
    exp.JSONExtractScalar,
    exp.JSONBExtract,
    exp.JSONBExtractScalar,
    exp.JSONBContains,
    exp.JSONBContainsTopKey,
    exp.ArrayContains,
    exp.ArrayContainsAll,
    exp.ArrayContainedBy,
    exp.ArrayOverlaps,
)


def _written_name(node: exp.Expr) -> str | None:
    """The name of a call as the client spelled it (`ClientPostgres` keeps it), as PostgreSQL names the
    column: `date_part` and `extract`, `substr` and `substring`, `ceiling` and `ceil` stay apart. None for
    calls PostgreSQL names otherwise (CAST) or that were not parsed from a client's text."""
    if isinstance(node, (exp.Anonymous, exp.Case)):
        return None
    name = node.meta.get(WRITTEN_NAME)
    if not isinstance(name, str):
        return None
    name = name.lower()
    if name in ("cast", "try_cast"):
        return None  # named after the value or the type (below)
    if name == "trim":
        # PostgreSQL's grammar makes TRIM(...) a call of btrim, ltrim or rtrim
        position = str(node.args.get("position") or "").upper()
        return {"LEADING": "ltrim", "TRAILING": "rtrim"}.get(position, "btrim")
    return name


_NAMES_BY_CLASS = {
    "Avg": "avg",
    "Sum": "sum",
    "Min": "min",
    "Max": "max",
    "Lower": "lower",
    "Upper": "upper",
    "Length": "length",
    "Substring": "substring",
    "TimestampTrunc": "date_trunc",
    "DateTrunc": "date_trunc",
    "Extract": "extract",
    "ArrayAgg": "array_agg",
    "GroupConcat": "string_agg",
    "StringAgg": "string_agg",
    "Round": "round",
    "Abs": "abs",
    "Trim": "btrim",
    "Explode": "unnest",
    "ArraySize": "array_length",
    "StrPosition": "strpos",
    "DatePart": "date_part",
    "Unnest": "unnest",
    "ExplodingGenerateSeries": "generate_series",
    "GenerateSeries": "generate_series",
}


def _function_sql_name(node: exp.Func) -> str:
    name = _NAMES_BY_CLASS.get(type(node).__name__)
    if name:
        return name
    return node.sql_name().lower()


def _cast_type_name(to: exp.Expr) -> str:
    """`'x'::text` is named `text`, `1::int4` `int4`: PostgreSQL uses the type's name as written."""
    if isinstance(to, exp.DataType):
        if to.this == exp.DataType.Type.USERDEFINED:
            kind = to.args.get("kind")
            text = kind.name if isinstance(kind, (exp.Dot, exp.Identifier)) else str(kind)
            if isinstance(kind, exp.Dot):
                text = kind.expression.name
            return text.lower()
        names = {
            "VARCHAR": "varchar",
            "TEXT": "text",
            "INT": "int4",
            "BIGINT": "int8",
            "SMALLINT": "int2",
            "BOOLEAN": "bool",
            "DOUBLE": "float8",
            "FLOAT": "float4",
            "DECIMAL": "numeric",
            "TIMESTAMPTZ": "timestamptz",
            "TIMESTAMP": "timestamp",
            "DATE": "date",
            "UINT": "oid",
        }
        key = str(getattr(to.this, "value", to.this)).upper()
        return names.get(key, key.lower())
    if isinstance(to, exp.ObjectIdentifier):
        return to.name.lower()
    return "?column?"
