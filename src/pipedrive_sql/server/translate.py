"""Rewriting client catalog queries (PostgreSQL SQL) onto the emulated catalog (DuckDB SQL).

The rewrite works on sqlglot's syntax tree, never on text, except for two lexical forms sqlglot cannot
parse (`OPERATOR(pg_catalog.~)` and `COLLATE pg_catalog.default`). What it does, and why:

- `pg_catalog.x`, bare `pg_x` and `information_schema.x` tables move to the `pgc` / `pgi` schemas,
  because DuckDB has its own (partial) pg_catalog that must not answer.
- System functions become `pgx_*` macros; session functions (`current_schema()`, `current_user`,
  `current_setting('x')`) become literals of this session.
- `::regclass` of a literal becomes the relation's oid (psql compares oids with it); of a column, the
  relation's name (psql prints it). `::oid`, `::name`, `::regproc` become plain types.
- `int2vector` subscripts are 0-based in PostgreSQL, DuckDB lists 1-based.
- Regex matches on names ignore case: psql lower-cases `\\d Deals` to `^(deals)$`, the driver's tables
  are `Deals`, and a BI user means the table either way.
- Set-returning functions in a select list (`generate_series`, `_pg_expandarray`) are unnested.
- Output columns get PostgreSQL's names (unquoted aliases lower-cased, `?column?`), which clients read.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping

import sqlglot
from sqlglot import expressions as exp

from . import sqltext
from .config import check_setting
from .operands import ParameterKinds, type_operands
from .pgcatalog import VERSION_STRING
from .pgcatalog_sql import MACRO_NAMES, TABLE_MACRO_NAMES
from .pgnames import ClientPostgres, name_outputs

_OPERATOR = re.compile(r"OPERATOR\s*\(\s*pg_catalog\s*\.\s*([~!<>=*@#%^&|`?+\-/]+)\s*\)", re.I)
# `has_table_privilege(...) AS select` (Metabase): PostgreSQL takes any keyword after AS as a name
_RESERVED_ALIAS = re.compile(
    r"(\bAS\s+)(select|insert|update|delete|references|trigger|truncate|table|from|where|order|group|user)"
    r"(?=\s*(?:,|\)|$|\bFROM\b))",
    re.I,
)
_COLLATE = re.compile(r"\s+COLLATE\s+(?:pg_catalog\s*\.\s*)?(?:\"?default\"?|\"C\"|\"POSIX\")", re.I)

_CATALOG_HINT = re.compile(
    r"\bpg_[a-z_]+|\binformation_schema\b|\bcurrent_schemas?\b|\bcurrent_database\b|\bcurrent_user\b"
    r"|\bsession_user\b|\bversion\s*\(|\bcurrent_setting\b|\bhas_[a-z_]+_privilege\b|\bobj_description\b"
    r"|\bcol_description\b|\bformat_type\b|::\s*regclass|::\s*regtype|::\s*oid\b|\bset_config\b",
    re.I,
)

# regproc columns: oids that print as function names
_REGPROC_COLUMNS = {"typinput", "typoutput", "typreceive", "typsend", "typmodin", "typmodout", "typanalyze"}

_VECTOR_COLUMNS = {"indkey", "indoption", "indclass", "indcollation", "proargtypes", "stxkeys"}

_TYPE_REWRITES = {
    "NAME": "VARCHAR",
    "OID": "UINTEGER",
    "CHAR": "VARCHAR",
    "XID": "UINTEGER",
    "INT2VECTOR": "SMALLINT[]",
    "OIDVECTOR": "UINTEGER[]",
    "TEXT": "VARCHAR",
    "ACLITEM": "VARCHAR",
}


# DuckDB keywords that cannot be aliased with their own names: the same values as calls
_KEYWORD_FUNCTIONS: dict[type[exp.Expr], str] = {
    exp.CurrentTimestamp: "get_current_timestamp",
    exp.CurrentDate: "today",
    exp.CurrentTime: "get_current_time",
    exp.Localtimestamp: "current_localtimestamp",
    exp.Localtime: "current_localtime",
}


# PostgreSQL functions DuckDB has under another name
_RENAMED_FUNCTIONS = {"json_build_object": "json_object", "jsonb_build_object": "json_object"}


class TranslationError(Exception):
    """The query is not something the emulated catalog can answer."""


def looks_like_catalog_query(sql: str) -> bool:
    return bool(_CATALOG_HINT.search(sql))


def has_no_tables(sql: str) -> bool:
    """`SELECT 1`, `SELECT $1::text || 'x'`: answered locally, never by the driver."""
    try:
        tree = sqlglot.parse_one(sqltext.pad_placeholders(sql), read="postgres")
    except Exception:
        return False
    if not isinstance(tree, exp.Select):
        return False
    # functions in FROM (`select * from string_to_array('a,b', ',')`) are not tables
    return all(not isinstance(table.this, exp.Identifier) for table in tree.find_all(exp.Table))


def preprocess(sql: str) -> str:
    return _RESERVED_ALIAS.sub(r'\1"\2"', _COLLATE.sub("", _OPERATOR.sub(r"\1", sql)))


class Translator:
    """Translates one session's catalog queries; knows its user, database and settings."""

    def __init__(
        self,
        oid_of: Callable[[str], int | None],
        *,
        proc_oid_of: Callable[[str], int | None] = lambda _name: None,
        user: str,
        database: str,
        settings: Mapping[str, str],
    ) -> None:
        self.oid_of = oid_of
        self.proc_oid_of = proc_oid_of
        self.user = user
        self.database = database
        self.settings = settings

    def translate(self, sql: str, params: ParameterKinds | None = None) -> str:
        try:
            tree = sqlglot.parse_one(preprocess(sqltext.pad_placeholders(sql)), read=ClientPostgres)
        except Exception as exc:
            raise TranslationError(str(exc)) from exc
        if tree is None:
            raise TranslationError("empty statement")
        # names first: PostgreSQL names a column after what the client wrote, not after our rewrite
        name_outputs(tree)
        # the catalog's own columns keep DuckDB's types: integer literals, casts and parameters decide here
        type_operands(tree, {}, params)
        tree = self._post_order(tree)
        return tree.sql(dialect="duckdb")

    # ---- node rewrites --------------------------------------------------------------------------

    def _post_order(self, node: exp.Expr) -> exp.Expr:
        """Rewrite children before parents, so a rewrite sees (and keeps) already-rewritten children."""
        for key, value in list(node.args.items()):
            if isinstance(value, exp.Expr):
                new = self._post_order(value)
                if new is not value:
                    node.set(key, new)
            elif isinstance(value, list):
                node.set(key, [self._post_order(v) if isinstance(v, exp.Expr) else v for v in value])
        return self._rewrite(node)

    def _rewrite(self, node: exp.Expr) -> exp.Expr:
        if isinstance(node, exp.Table):
            return self._table(node)
        if (
            isinstance(node, exp.Dot)
            and isinstance(node.this, exp.Identifier)
            and node.this.name.lower() in ("pg_catalog", "information_schema")
            and not isinstance(node.expression, (exp.Identifier, exp.Column, exp.Star))
        ):
            # pg_catalog.version() (rewritten already, perhaps into a literal)
            return node.expression
        if isinstance(node, exp.Column) and node.args.get("db") is not None:
            # three-part pg_catalog.pg_class.relname: the table is in FROM under its own name
            if node.args["db"].name.lower() in ("pg_catalog", "information_schema"):
                node.set("db", None)
                node.set("catalog", None)
            return node
        if type(node) in _KEYWORD_FUNCTIONS:
            return exp.Anonymous(this=_KEYWORD_FUNCTIONS[type(node)], expressions=[])
        if isinstance(node, exp.Cast):
            return self._cast(node)
        if isinstance(node, exp.Bracket):
            return self._bracket(node)
        if isinstance(node, exp.RegexpLike):
            return exp.RegexpILike(this=node.this, expression=node.expression)
        if isinstance(node, exp.CurrentUser) or (
            isinstance(node, exp.Column)
            and node.name.lower() in ("current_user", "session_user", "user")
            and not node.table
        ):
            return exp.Literal.string(self.user)
        if isinstance(node, (exp.CurrentSchema,)):
            return exp.Literal.string("public")
        if isinstance(node, exp.Column) and not node.table and node.name.lower() == "current_catalog":
            return exp.Literal.string(self.database)
        if isinstance(node, exp.Func):
            return self._function(node)
        return node

    def _table(self, node: exp.Table) -> exp.Expr:
        db = node.db.lower() if node.db else ""
        if not isinstance(node.this, exp.Identifier):
            # a table function such as pg_catalog.generate_series(1, 32): DuckDB knows it unqualified
            if db in ("pg_catalog", "information_schema"):
                node.set("db", None)
                node.set("catalog", None)
            return _scalar_function_in_from(node)
        name = node.name.lower()
        if db == "pg_catalog" or (not db and name.startswith("pg_")):
            node.set("db", exp.to_identifier("pgc"))
            node.set("this", exp.to_identifier(name))
            node.set("catalog", None)
        elif db == "information_schema":
            node.set("db", exp.to_identifier("pgi"))
            node.set("this", exp.to_identifier(name))
            node.set("catalog", None)
        return node

    def _function(self, node: exp.Func) -> exp.Expr:
        name = _function_name(node)
        args = _function_args(node)
        if name == "current_schema":
            return exp.Literal.string("public")
        if name == "current_schemas":
            include_implicit = not (args and isinstance(args[0], exp.Boolean) and not args[0].this)
            names = ["pg_catalog", "public"] if include_implicit else ["public"]
            return exp.Array(expressions=[exp.Literal.string(n) for n in names])
        if name in ("version", "current_version"):
            return exp.Literal.string(VERSION_STRING)
        if name in ("current_database",):
            return exp.Literal.string(self.database)
        if name in ("current_user", "session_user", "user"):
            return exp.Literal.string(self.user)
        if name == "current_setting" and args and isinstance(args[0], exp.Literal):
            value = self.settings.get(args[0].name.lower())
            return exp.Literal.string(value) if value is not None else exp.Null()
        if name == "current_setting" and args:
            return exp.Anonymous(this="pgx_current_setting", expressions=args)
        if name == "set_config" and len(args) >= 2:
            # set_config('search_path', 'public', false) sets the session's value, as SET does
            if isinstance(self.settings, dict) and all(isinstance(a, exp.Literal) for a in args[:2]):
                name = args[0].name.lower()
                self.settings[name] = check_setting(name, args[1].name)
            return args[1]
        if name in _RENAMED_FUNCTIONS:
            return exp.Anonymous(this=_RENAMED_FUNCTIONS[name], expressions=args)
        if name == "format" and args and isinstance(args[0], exp.Literal) and args[0].is_string:
            return _format(args[0].name, args[1:])
        if name in TABLE_MACRO_NAMES and not _in_projection(node):
            return exp.Anonymous(this=f"pgx_tf_{name}", expressions=args)
        if name == "generate_series" and _in_projection(node):
            return exp.Unnest(expressions=[_as_list_function(node)])
        if name in MACRO_NAMES:
            call = exp.Anonymous(this=f"pgx_{name}", expressions=args)
            if name == "_pg_expandarray":
                return exp.Unnest(expressions=[call])
            return call
        return node

    def _cast(self, node: exp.Cast) -> exp.Expr:
        target = _type_name(node.to)
        inner = node.this
        if target in ("REGCLASS", "REGTYPE") and isinstance(inner, exp.Literal) and _prints(node):
            # `select 'int4'::regtype` prints the name, as PostgreSQL's regtype output function does
            if target == "REGTYPE":
                return exp.Anonymous(
                    this="pgx_format_type",
                    expressions=[exp.Literal.number(_type_oid(inner.name)), exp.Literal.number(-1)],
                )
            return exp.Anonymous(
                this="pgx_regclass_name", expressions=[self._cast(exp.Cast(this=inner, to=node.to))]
            )
        if target == "REGCLASS":
            if isinstance(inner, exp.Literal):
                text = inner.name
                if text.isdigit():
                    return exp.Literal.number(int(text))
                oid = self.oid_of(text)
                return exp.Literal.number(oid if oid is not None else 0)
            if _prints(node):
                return exp.Anonymous(this="pgx_regclass_name", expressions=[inner])
            # compared or cast on (`format('%I.%I', s, t)::regclass::oid`): an oid, from a number or a name
            return exp.Anonymous(this="pgx_regclass_oid", expressions=[inner])
        if target == "REGTYPE":
            if isinstance(inner, exp.Literal) and not inner.is_number:
                return exp.Literal.number(_type_oid(inner.name))
            type_oid = exp.Anonymous(this="pgx_regtype_oid", expressions=[inner])
            if _prints(node):
                return exp.Anonymous(this="pgx_format_type", expressions=[type_oid, exp.Literal.number(-1)])
            return type_oid
        if target == "REGNAMESPACE":
            return exp.Anonymous(this="pgx_regnamespace_name", expressions=[inner])
        if target == "REGROLE":
            return exp.Literal.string("pipedrive")
        if target == "REGPROC":
            if isinstance(inner, exp.Literal):
                return exp.Literal.number(self.proc_oid_of(inner.name) or 0)
            return inner
        if (
            target in ("TEXT", "VARCHAR", "NAME")
            and isinstance(inner, exp.Column)
            and inner.name.lower() in _REGPROC_COLUMNS
        ):
            return exp.Anonymous(this="pgx_regproc_name", expressions=[inner])
        if (
            target.endswith("[]")
            and isinstance(inner, exp.Literal)
            and inner.is_string
            and inner.name.startswith("{")
        ):
            # PostgreSQL's array literal '{a,b}' is a list in DuckDB
            elements = [
                exp.Literal.string(e) if e is not None else exp.Null() for e in _pg_array_items(inner.name)
            ]
            element_type = _TYPE_REWRITES.get(target[:-2], target[:-2])
            return exp.Cast(this=exp.Array(expressions=elements), to=exp.DataType.build(element_type + "[]"))
        if target in _TYPE_REWRITES:
            return exp.Cast(this=inner, to=exp.DataType.build(_TYPE_REWRITES[target], dialect="duckdb"))
        if target.endswith("[]") and target[:-2] in ("INT2", "SMALLINT"):
            return exp.Cast(this=inner, to=exp.DataType.build("SMALLINT[]"))
        return node

    def _bracket(self, node: exp.Bracket) -> exp.Expr:
        base = node.this
        if isinstance(base, exp.Column) and base.name.lower() in _VECTOR_COLUMNS and node.expressions:
            index = node.expressions[0]
            node.set("expressions", [exp.Add(this=exp.Paren(this=index), expression=exp.Literal.number(1))])
        return node


def _pg_array_items(text: str) -> list[str | None]:
    """Items of a one-dimensional PostgreSQL array literal such as {a,"b c",NULL}."""
    body = text.strip()[1:-1]
    items: list[str | None] = []
    current: list[str] = []
    quoted = was_quoted = False
    i = 0
    while i < len(body):
        ch = body[i]
        if quoted:
            if ch == "\\" and i + 1 < len(body):
                i += 1
                current.append(body[i])
            elif ch == '"':
                quoted = False
            else:
                current.append(ch)
        elif ch == '"':
            quoted = was_quoted = True
        elif ch == ",":
            value = "".join(current).strip()
            items.append(None if value.upper() == "NULL" and not was_quoted else value)
            current, was_quoted = [], False
        else:
            current.append(ch)
        i += 1
    value = "".join(current).strip()
    if body.strip():
        items.append(None if value.upper() == "NULL" and not was_quoted else value)
    return items


def _function_name(node: exp.Func) -> str:
    """The PostgreSQL name of a call (sqlglot's own class name for some: `generate_series` in FROM is
    parsed as ExplodingGenerateSeries)."""
    if isinstance(node, exp.Anonymous):
        return str(node.this).lower()
    name = node.sql_name().lower()
    return _PG_FUNCTION_NAMES.get(name, name)


_PG_FUNCTION_NAMES = {"exploding_generate_series": "generate_series"}


def _function_args(node: exp.Func) -> list[exp.Expr]:
    if isinstance(node, exp.Anonymous):
        return list(node.expressions)
    args: list[exp.Expr] = []
    for key in node.arg_types:
        value = node.args.get(key)
        if isinstance(value, list):
            args.extend(value)
        elif isinstance(value, exp.Expr):
            args.append(value)
    return args


def _as_list_function(node: exp.Func) -> exp.Expr:
    args = _function_args(node)
    return exp.Anonymous(this="generate_series", expressions=args)


def _in_projection(node: exp.Expr) -> bool:
    """True if the node sits in a SELECT list rather than in FROM."""
    parent = node.parent
    while parent is not None:
        if isinstance(parent, (exp.From, exp.Join, exp.Table)):
            return False
        if isinstance(parent, exp.Select):
            return True
        parent = parent.parent
    return False


def _type_name(data_type: exp.Expr) -> str:
    if isinstance(data_type, exp.DataType):
        if data_type.this == exp.DataType.Type.USERDEFINED:
            kind = data_type.args.get("kind")
            name = kind.name if isinstance(kind, (exp.Dot, exp.Identifier)) else str(kind)
            if isinstance(kind, exp.Dot):
                name = kind.expression.name
            return name.upper()
        if data_type.this == exp.DataType.Type.ARRAY and data_type.expressions:
            return _type_name(data_type.expressions[0]) + "[]"
        return str(getattr(data_type.this, "value", data_type.this)).upper()
    if isinstance(data_type, exp.ObjectIdentifier):
        return data_type.name.upper()
    return data_type.sql().upper()


def _type_oid(name: str) -> int:
    from .types import BY_NAME

    key = name.split(".")[-1].strip('"').lower()
    aliases = {
        "integer": "int4",
        "bigint": "int8",
        "smallint": "int2",
        "boolean": "bool",
        "character varying": "varchar",
        "double precision": "float8",
        "real": "float4",
    }
    t = BY_NAME.get(aliases.get(key, key))
    return t.oid if t else 0


# Functions that DuckDB reads as table functions in FROM; any other function there returns one value.
_SET_RETURNING = {"generate_series", "explodinggenerateseries", "unnest", "range", "explode"}


def _scalar_function_in_from(node: exp.Table) -> exp.Expr:
    """A function in FROM that returns one value (`FROM string_to_array('a,b', ',') AS s`,
    `pg_partition_ancestors(oid)`: a table is its own only ancestor here) is a one-row table in
    PostgreSQL, whose column is named after the alias or the function. DuckDB wants a derived table."""
    func = node.this
    if not isinstance(func, exp.Func):
        return node
    name = _function_name(func)
    if name in _SET_RETURNING or name.startswith("pgx_tf_"):
        return node
    alias = node.args.get("alias")
    columns = list(alias.columns) if isinstance(alias, exp.TableAlias) else []
    table_name = alias.name if isinstance(alias, exp.TableAlias) and alias.name else name.removeprefix("pgx_")
    value_name = columns[0].name if columns else table_name
    projections = [exp.alias_(func, value_name, quoted=True)]
    if node.args.get("ordinality"):
        ordinal = columns[1].name if len(columns) > 1 else "ordinality"
        projections.append(exp.alias_(exp.Literal.number(1), ordinal, quoted=True))
    return exp.Subquery(
        this=exp.Select(expressions=projections),
        alias=exp.TableAlias(this=exp.to_identifier(table_name, quoted=True)),
    )


_FORMAT_SPEC = re.compile(r"%(?:(\d+)\$)?([sIL%])")


def _format(template: str, args: list[exp.Expr]) -> exp.Expr:
    """PostgreSQL's format() with a constant template, as a concatenation: %s text (NULL as empty),
    %I a quoted identifier, %L a quoted literal (NULL as NULL), %% a percent sign; %n$ picks argument n."""
    parts: list[exp.Expr] = []
    last = 0
    position = 0
    for m in _FORMAT_SPEC.finditer(template):
        if m.start() > last:
            parts.append(exp.Literal.string(template[last : m.start()]))
        last = m.end()
        kind = m.group(2)
        if kind == "%":
            parts.append(exp.Literal.string("%"))
            continue
        index = int(m.group(1)) - 1 if m.group(1) else position
        position = index + 1
        if index >= len(args):
            raise TranslationError("too few arguments for format()")
        text = exp.Cast(this=args[index].copy(), to=exp.DataType.build("VARCHAR"))
        if kind == "s":
            parts.append(exp.Coalesce(this=text, expressions=[exp.Literal.string("")]))
        elif kind == "I":
            parts.append(exp.Anonymous(this="pgx_quote_ident", expressions=[text]))
        else:
            parts.append(exp.Anonymous(this="pgx_quote_nullable", expressions=[text]))
    if last < len(template):
        parts.append(exp.Literal.string(template[last:]))
    if not parts:
        return exp.Literal.string("")
    out = parts[0]
    for part in parts[1:]:
        out = exp.DPipe(this=out, expression=part, safe=True)
    return out


def _is_output(node: exp.Expr) -> bool:
    """True if the node is a whole select-list item (its value is what the client prints)."""
    parent = node.parent
    if isinstance(parent, exp.Alias):
        parent = parent.parent
    return (isinstance(parent, exp.Select) and node.arg_key == "expressions") or (
        isinstance(node.parent, exp.Alias) and isinstance(parent, exp.Select)
    )


def _prints(node: exp.Expr) -> bool:
    """True if a reg* cast's value is printed (a select-list item, or cast on to text) rather than compared."""
    parent = node.parent
    if isinstance(parent, exp.Cast):
        return _type_name(parent.to) in ("TEXT", "VARCHAR", "NAME", "CHAR")
    return _is_output(node)
