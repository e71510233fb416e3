"""Random queries over the catalog, and the check that pushdown never changes a result.

``Domain`` holds, per table, its columns and real values sampled from the sandbox (read once, with pushdown
off); ``queries(domain)`` is a Hypothesis strategy of SQL strings over it: predicates over every column type
combined with AND/OR/NOT, NULL tests, IN lists, LIKE, ranges on dates, timestamps and money, functions
around columns, ORDER BY with a total order and LIMIT/OFFSET, joins along the catalog's references,
aggregates, IN subqueries and custom fields. ``compare(pushed, baseline, sql)`` runs one query on both
connections and returns a message when the rows differ.

Used by tests/engine/test_differential.py (a bounded number of examples in CI, and the kept regressions of
differential_cases.yaml) and bench/differential.py (as many as asked for).
"""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from hypothesis import strategies as st

from pipedrive_sql.catalog.spec import Column, TableSpec
from pipedrive_sql.dbapi import Connection

# The tables the generator reads (DealParticipants needs a DealId condition: it gets one).
TABLES = (
    "Deals",
    "ArchivedDeals",
    "Persons",
    "Organizations",
    "Activities",
    "Products",
    "Pipelines",
    "Stages",
    "Leads",
    "ArchivedLeads",
    "Notes",
    "Users",
    "Files",
    "Filters",
    "ActivityTypes",
    "Currencies",
    "DealProducts",
    "PersonEmails",
    "PersonPhones",
    "DealParticipants",
    "DealFields",
)
_SCALAR = ("int", "float", "str", "bool", "date", "time", "timestamp")


@dataclass(repr=False)
class TableDomain:
    spec: TableSpec
    columns: list[Column]  # scalar columns (the ones predicates and ORDER BY use)
    nested: list[Column]  # list and struct columns (IS NULL, len())
    values: dict[str, list[Any]] = field(default_factory=dict)  # column -> sampled non-null values
    key: str = ""  # a unique column ("Id"), or "" when the table has none
    pushable: list[Column] = field(default_factory=list)  # columns the planner may push (where bugs live)


@dataclass(repr=False)
class Domain:
    tables: dict[str, TableDomain]
    parent_ids: list[int]  # deal ids for DealParticipants


def load_domain(baseline: Connection) -> Domain:
    """The tables with values sampled from the data (read through ``baseline``, a push-nothing connection)."""
    tables: dict[str, TableDomain] = {}
    parent_ids: list[int] = []
    for name in TABLES:
        spec = baseline.catalog.table(name)
        scalar = [c for c in spec.columns if c.type.kind in _SCALAR]
        nested = [c for c in spec.columns if c.type.kind in ("list", "struct")]
        key = spec.key_column.name if spec.key_column is not None and spec.source is None else ""
        if name == "DealProducts":
            key = "Id"
        names = {p.column.lower(): p for p in spec.pushdowns}
        if spec.key_column is not None:
            names.setdefault(spec.key_column.name.lower(), None)  # type: ignore[arg-type]
        if spec.source is not None:
            names.setdefault(spec.source.column.lower(), None)  # type: ignore[arg-type]
        pushable = [c for c in scalar if c.name.lower() in names]
        domain = TableDomain(spec, scalar, nested, key=key, pushable=pushable)
        where = ""
        if name == "DealParticipants":
            parent_ids = _deal_ids(baseline)
            where = f" WHERE DealId IN ({', '.join(map(str, parent_ids[:12]))})"
        with baseline.cursor() as cur:
            cur.execute(f"SELECT {', '.join(_quote(c.name) for c in scalar)} FROM {name}{where}")
            rows = cur.fetchall()
        for index, column in enumerate(scalar):
            seen = sorted({row[index] for row in rows if row[index] is not None}, key=repr)[:40]
            for pushdown in spec.pushdowns_for(column.name):  # values the API knows, found in the data or not
                seen += [choice for choice in pushdown.choices if choice not in seen]
            domain.values[column.name] = seen
        tables[name] = domain
    return Domain(tables, parent_ids)


def _deal_ids(conn: Connection) -> list[int]:
    with conn.cursor() as cur:
        cur.execute("SELECT Id FROM Deals UNION ALL SELECT Id FROM ArchivedDeals ORDER BY 1")
        return [row[0] for row in cur.fetchall()]


def _quote(name: str) -> str:
    return f'"{name}"'


def _pick(draw: Any, items: Sequence[Any]) -> Any:
    """One of ``items``, drawn by index (Hypothesis would print a sampled_from over columns at length)."""
    return items[draw(st.integers(0, len(items) - 1))]


def _columns_of(table: TableDomain, most: int) -> st.SearchStrategy[list[Column]]:
    indexes = st.lists(st.integers(0, len(table.columns) - 1), min_size=1, max_size=most, unique=True)
    return indexes.map(lambda found: [table.columns[i] for i in found])


# ---- literals --------------------------------------------------------------------------------------------


def literal(value: Any) -> str:
    if value is None:
        return "NULL"
    if isinstance(value, bool):
        return "TRUE" if value else "FALSE"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):
        return repr(value) if math.isfinite(value) else "0"
    if isinstance(value, dt.datetime):
        return f"TIMESTAMPTZ '{value.astimezone(dt.UTC).isoformat()}'"
    if isinstance(value, dt.date):
        return f"DATE '{value.isoformat()}'"
    if isinstance(value, dt.time):
        return f"TIME '{value.isoformat()}'"
    return "'" + str(value).replace("'", "''") + "'"


def _text_literal(value: Any) -> str:
    """A timestamp or date written as a plain string, as users (and the planner's pushdown) see them."""
    if isinstance(value, dt.datetime):
        return "'" + value.astimezone(dt.UTC).strftime("%Y-%m-%d %H:%M:%S") + "'"
    if isinstance(value, dt.date):
        return f"'{value.isoformat()}'"
    return literal(value)


@st.composite
def _value(draw: Any, table: TableDomain, column: Column) -> Any:
    """A value of ``column``'s type: usually one from the data, sometimes a made-up one."""
    seen = table.values.get(column.name) or []
    if seen and draw(st.integers(0, 4)) > 0:
        return draw(st.sampled_from(seen))
    kind = column.type.kind
    if kind == "int":
        return draw(st.integers(-2, 10_000_100))
    if kind == "float":
        return draw(st.sampled_from([0.0, -1.0, 0.5, 100.0, 1_000.0, 25_000.0, 1e9]))
    if kind == "bool":
        return draw(st.booleans())
    if kind == "str":
        return draw(st.sampled_from(["", "a", "open", "won", "lost", "deleted", "EUR", "x'y", "Deal"]))
    if kind == "timestamp":
        day = draw(st.integers(0, 6 * 365))
        seconds = draw(st.sampled_from([0, 1, 43_199, 86_399]))
        return dt.datetime(2020, 6, 1, tzinfo=dt.UTC) + dt.timedelta(days=day, seconds=seconds)
    if kind == "date":
        return dt.date(2020, 6, 1) + dt.timedelta(days=draw(st.integers(0, 6 * 365)))
    return dt.time(draw(st.integers(0, 23)), draw(st.sampled_from([0, 15, 30])))


# ---- predicates ----------------------------------------------------------------------------------------------


@st.composite
def comparison(draw: Any, table: TableDomain, alias: str) -> str:
    """One condition on one column of ``table`` (written with ``alias.``)."""
    if table.nested and draw(st.integers(0, 9)) == 0:
        column = _pick(draw, table.nested)
        ref = f"{alias}.{_quote(column.name)}"
        return draw(st.sampled_from([f"{ref} IS NULL", f"{ref} IS NOT NULL", f"len({ref}) > 0"]))
    pushable = table.pushable
    column = _pick(draw, pushable if pushable and draw(st.booleans()) else table.columns)
    ref = f"{alias}.{_quote(column.name)}"
    kind = column.type.kind
    value = draw(_value(table, column))
    shape = draw(st.integers(0, 9))
    if shape == 0:
        return f"{ref} IS {draw(st.sampled_from(['', 'NOT ']))}NULL"
    if kind == "bool":
        return draw(
            st.sampled_from(
                [
                    ref,
                    f"NOT {ref}",
                    f"{ref} = {literal(value)}",
                    f"{ref} IS NOT DISTINCT FROM {literal(value)}",
                    f"coalesce({ref}, FALSE) = {literal(value)}",
                ]
            )
        )
    if shape in (1, 2):
        values = [value, *draw(st.lists(_value(table, column), min_size=1, max_size=4))]
        if kind in ("timestamp", "date"):
            listed = ", ".join(_text_literal(v) for v in values)
        else:
            listed = ", ".join(literal(v) for v in values)
        negate = "NOT " if shape == 2 and draw(st.booleans()) else ""
        return f"{ref} {negate}IN ({listed})"
    choices = [c for p in table.spec.pushdowns_for(column.name) for c in p.choices]
    if choices and draw(st.booleans()):
        picked = draw(st.lists(st.sampled_from(choices), min_size=1, max_size=3, unique=True))
        return (
            f"{ref} = {literal(picked[0])}"
            if len(picked) == 1
            else f"{ref} IN ({', '.join(map(literal, picked))})"
        )
    if kind == "str":
        text = str(value)
        return draw(
            st.sampled_from(
                [
                    f"{ref} = {literal(text)}",
                    f"{ref} <> {literal(text)}",
                    f"lower({ref}) = {literal(text.lower())}",
                    f"{ref} LIKE {literal(text[:3] + '%')}",
                    f"{ref} LIKE {literal('%' + text[-2:] + '%')}",
                    f"upper({ref}) NOT LIKE {literal(text[:1].upper() + '%')}",
                    f"coalesce({ref}, '') = ''",
                    f"{ref} >= {literal(text)}",
                    f"length({ref}) > {draw(st.integers(0, 12))}",
                ]
            )
        )
    if kind in ("timestamp", "date"):
        other = draw(_value(table, column))
        low, high = sorted([value, other], key=repr) if type(value) is type(other) else (value, value)
        cast = "::DATE" if kind == "date" else "::TIMESTAMPTZ"
        return draw(
            st.sampled_from(
                [
                    f"{ref} >= {_text_literal(value)}",
                    f"{ref} > {_text_literal(value)}",
                    f"{ref} < {_text_literal(value)}",
                    f"{ref} <= {_text_literal(value)}",
                    f"{ref} = {_text_literal(value)}",
                    f"{ref} BETWEEN {_text_literal(low)} AND {_text_literal(high)}",
                    f"{ref} >= {literal(value)}",
                    f"{ref} < {_text_literal(value)}{cast}",
                    f"date_trunc('month', {ref}) = date_trunc('month', {literal(value)})",
                    f"year({ref}) = {getattr(value, 'year', 2024)}",
                ]
            )
        )
    if kind == "time":
        return f"{ref} {draw(st.sampled_from(['<', '>=', '=']))} {literal(value)}"
    number = literal(value)
    return draw(
        st.sampled_from(
            [
                f"{ref} = {number}",
                f"{ref} <> {number}",
                f"{ref} > {number}",
                f"{ref} <= {number}",
                f"{ref} BETWEEN {number} AND {number} + 1000",
                f"abs({ref}) >= {number}",
                f"{ref} + 0 = {number}",
                f"coalesce({ref}, -1) = {number}",
                f"CAST({ref} AS VARCHAR) = '{value}'",
            ]
        )
    )


@st.composite
def where_clause(draw: Any, table: TableDomain, alias: str, depth: int = 2) -> str:
    """A conjunction of one to three conditions, each a plain comparison (what the planner pushes) or a tree."""
    options = [comparison(table, alias), predicate(table, alias, depth)]
    if table.pushable:
        options.append(pushable_comparison(table, alias))
    parts = draw(st.lists(st.one_of(options), min_size=1, max_size=3, unique=True))
    return " AND ".join(parts)


@st.composite
def pushable_comparison(draw: Any, table: TableDomain, alias: str, name: str | None = None) -> str:
    """A condition of the shapes the planner pushes (=, IN, ranges) on a column it may push."""
    column = _pick(draw, table.pushable) if name is None else table.spec.column(name)
    ref = f"{alias}.{_quote(column.name)}"
    values = draw(st.lists(_value(table, column), min_size=1, max_size=4, unique_by=repr))
    written = [_text_literal(v) for v in values]
    if len(values) > 1:
        return f"{ref} IN ({', '.join(written)})"
    operator = draw(st.sampled_from(["=", "=", ">=", ">", "<", "<="]))
    return f"{ref} {operator} {written[0]}"


@st.composite
def predicate(draw: Any, table: TableDomain, alias: str, depth: int = 2) -> str:
    if depth == 0 or draw(st.integers(0, 2)) == 0:
        return draw(comparison(table, alias))
    operator = draw(st.sampled_from(["AND", "OR", "NOT"]))
    if operator == "NOT":
        return f"NOT ({draw(predicate(table, alias, depth - 1))})"
    parts = draw(st.lists(predicate(table, alias, depth - 1), min_size=2, max_size=3, unique=True))
    return "(" + f" {operator} ".join(parts) + ")"


# ---- queries ---------------------------------------------------------------------------------------------------


def _focuses(domain: Domain) -> list[tuple[str, str | None]]:
    """(table, column) for every column the planner may push, and (table, None) for every table: each
    query of ``select_query`` puts one of them at the centre, so every pushdown is tried in every run."""
    found: list[tuple[str, str | None]] = []
    for name in sorted(domain.tables):
        found.append((name, None))
        found += [(name, column.name) for column in domain.tables[name].pushable]
    return found


def _participants_condition(domain: Domain, alias: str, draw: Any) -> str:
    ids = draw(st.lists(st.sampled_from(domain.parent_ids), min_size=1, max_size=4, unique=True))
    return f'{alias}."DealId" IN ({", ".join(map(str, ids))})'


def _where(parts: Sequence[str]) -> str:
    parts = [p for p in parts if p]
    return f" WHERE {' AND '.join(parts)}" if parts else ""


@st.composite
def select_query(draw: Any, domain: Domain) -> str:
    """SELECT columns FROM one table WHERE ..., maybe ORDER BY a total order with LIMIT/OFFSET."""
    name, focus = draw(st.sampled_from(_focuses(domain)))
    table = domain.tables[name]
    alias = "t"
    conditions = []
    if focus is not None and draw(st.integers(0, 3)) > 0:
        conditions.append(draw(pushable_comparison(table, alias, focus)))
    if draw(st.integers(0, 3)) > 0:
        conditions.append(draw(where_clause(table, alias)))
    if name == "DealParticipants":
        conditions.append(_participants_condition(domain, alias, draw))
    picked = draw(_columns_of(table, 5))
    if table.key and all(c.name != table.key for c in picked):
        picked.insert(0, table.spec.column(table.key))
    select = ", ".join(f"{alias}.{_quote(c.name)}" for c in picked)
    if draw(st.integers(0, 6)) == 0:
        select = "*"
    sql = f"SELECT {select} FROM {name} {alias}{_where(conditions)}"
    if draw(st.booleans()):
        if table.key:
            order = f"{alias}.{_quote(table.key)} {draw(st.sampled_from(['ASC', 'DESC']))}"
        else:  # no unique column: every selected column (ties are then identical rows)
            order = ", ".join(f"{alias}.{_quote(c.name)}" for c in table.columns)
        sql += f" ORDER BY {order}"
        if draw(st.booleans()):
            sql += f" LIMIT {draw(st.integers(0, 30))}"
            if draw(st.booleans()):
                sql += f" OFFSET {draw(st.integers(0, 40))}"
    return sql


@st.composite
def aggregate_query(draw: Any, domain: Domain) -> str:
    name = draw(st.sampled_from(sorted(n for n in domain.tables if n != "DealParticipants")))
    table = domain.tables[name]
    groupable = [c for c in table.columns if c.type.kind in ("int", "str", "bool", "date")]
    group = _pick(draw, groupable) if groupable and draw(st.booleans()) else None
    measured = [c for c in table.columns if c.type.kind in ("int", "float")]
    measures = ["count(*)"]
    if measured:
        column = _pick(draw, measured)
        function = draw(st.sampled_from(["sum", "min", "max", "count", "avg"]))
        measures.append(f"{function}(t.{_quote(column.name)})")
    where = _where([draw(where_clause(table, "t"))] if draw(st.booleans()) else [])
    if group is None:
        return f"SELECT {', '.join(measures)} FROM {name} t{where}"
    key = f"t.{_quote(group.name)}"
    having = " HAVING count(*) > 1" if draw(st.integers(0, 3)) == 0 else ""
    return f"SELECT {key}, {', '.join(measures)} FROM {name} t{where} GROUP BY {key}{having}"


def _references(domain: Domain) -> list[tuple[str, str, str, str]]:
    """(table, column, referenced table, referenced column) among the generator's tables."""
    found = []
    for name, table in domain.tables.items():
        for column in table.spec.columns:
            ref = column.references
            if ref is not None and ref[0] in domain.tables and name != "DealParticipants":
                found.append((name, column.name, ref[0], ref[1]))
    return sorted(found)


@st.composite
def join_query(draw: Any, domain: Domain) -> str:
    left, column, right, target = draw(st.sampled_from(_references(domain)))
    kind = draw(st.sampled_from(["JOIN", "LEFT JOIN"]))
    a, b = domain.tables[left], domain.tables[right]
    conditions = []
    if draw(st.integers(0, 3)) > 0:
        conditions.append(draw(where_clause(a, "a", depth=1)))
    if draw(st.booleans()):
        conditions.append(draw(where_clause(b, "b", depth=1)))
    if draw(st.integers(0, 3)) == 0:
        key = a.key or column
        values = draw(st.lists(_value(a, a.spec.column(key)), min_size=1, max_size=3))
        conditions.append(f"a.{_quote(key)} IN ({', '.join(literal(v) for v in values)})")
    extra_a = _pick(draw, a.columns)
    extra_b = _pick(draw, b.columns)
    select = f"a.{_quote(column)}, a.{_quote(extra_a.name)}, b.{_quote(target)}, b.{_quote(extra_b.name)}"
    return (
        f"SELECT {select} FROM {left} a {kind} {right} b ON a.{_quote(column)} = b.{_quote(target)}"
        f"{_where(conditions)}"
    )


@st.composite
def subquery_query(draw: Any, domain: Domain) -> str:
    """``WHERE x IN (SELECT ...)`` along a reference, and EXISTS."""
    left, column, right, target = draw(st.sampled_from(_references(domain)))
    a, b = domain.tables[left], domain.tables[right]
    inner = f"SELECT b.{_quote(target)} FROM {right} b{_where([draw(predicate(b, 'b', depth=1))])}"
    negate = draw(st.sampled_from(["", "NOT "]))
    key = a.key or column
    return f"SELECT a.{_quote(key)}, a.{_quote(column)} FROM {left} a WHERE a.{_quote(column)} {negate}IN ({inner})"


@st.composite
def derived_query(draw: Any, domain: Domain) -> str:
    """Conditions outside a CTE or derived table (the planner pushes them inside), UNION ALL, DISTINCT and
    window functions (with which a LIMIT must not be pushed)."""
    name, focus = draw(st.sampled_from(_focuses(domain)))
    if name == "DealParticipants":
        name, focus = "Deals", "Status"
    table = domain.tables[name]
    key = table.key or table.columns[0].name
    picked = draw(_columns_of(table, 3))
    columns = ", ".join(_quote(c.name) for c in picked if c.name != key)
    columns = f"{_quote(key)}, {columns}" if columns else _quote(key)
    inner_where = _where([draw(where_clause(table, "t", depth=1))] if draw(st.booleans()) else [])
    outer = (
        draw(where_clause(table, "d", depth=1))
        if focus is None
        else draw(pushable_comparison(table, "d", focus))
    )
    outer_columns = {c.name for c in picked} | {key}
    if any(f'd."{c.name}"' in outer for c in table.columns if c.name not in outer_columns):
        outer = f'd."{key}" IS NOT NULL'
    order = (
        f' ORDER BY d."{key}" LIMIT {draw(st.integers(0, 12))}' if table.key and draw(st.booleans()) else ""
    )
    shape = draw(st.integers(0, 4))
    inner = f"SELECT {columns} FROM {name} t{inner_where}"
    if shape == 0:
        return f"WITH d AS ({inner}) SELECT * FROM d WHERE {outer}{order}"
    if shape == 1:
        return f"SELECT * FROM ({inner}) d WHERE {outer}{order}"
    if shape == 2:
        return f"SELECT DISTINCT * FROM ({inner}) d WHERE {outer}"
    if shape == 3:
        order = order or f' ORDER BY d."{key}"'  # the rows in a known order (compare reads them in order)
        return (
            f'SELECT d."{key}", row_number() OVER (ORDER BY d."{key}") AS n FROM ({inner}) d WHERE {outer}'
            f"{order}"
        )
    other = f"SELECT {columns} FROM {name} t{_where([draw(predicate(table, 't', depth=1))])}"
    return f"SELECT * FROM ({inner} UNION ALL {other}) d WHERE {outer}"


def queries(domain: Domain) -> st.SearchStrategy[str]:
    return st.one_of(
        select_query(domain),
        select_query(domain),
        select_query(domain),
        aggregate_query(domain),
        join_query(domain),
        subquery_query(domain),
        derived_query(domain),
    )


# ---- comparison -------------------------------------------------------------------------------------------------


def run(conn: Connection, sql: str) -> tuple[list[tuple[Any, ...]] | None, str]:
    """The rows, or None and the error's class and message."""
    try:
        with conn.cursor() as cur:
            cur.execute(sql)
            return cur.fetchall(), ""
    except Exception as exc:  # both sides must fail alike
        return None, f"{type(exc).__name__}: {exc}"


def _normal(value: Any) -> Any:
    if isinstance(value, float):
        return float(f"{value:.9g}") if math.isfinite(value) else repr(value)
    if isinstance(value, list | tuple):
        return tuple(_normal(v) for v in value)
    if isinstance(value, dict):
        return tuple(sorted((k, _normal(v)) for k, v in value.items()))
    return value


def _key(row: tuple[Any, ...]) -> str:
    return repr(tuple(_normal(v) for v in row))


def compare(pushed: Connection, baseline: Connection, sql: str) -> str:
    """ "" when ``sql`` gives the same rows (in the same order under ORDER BY) on both; else what differs."""
    got, got_error = run(pushed, sql)
    want, want_error = run(baseline, sql)
    if got is None or want is None:
        if got is None and want is None:
            return ""  # the query is wrong on both sides alike (a type mismatch the generator made)
        return f"{sql}\n  with pushdown: {got_error or f'{len(got or [])} rows'}\n  without: {want_error or len(want or [])}"
    ordered = " ORDER BY " in sql  # select_query orders by a total order
    left = [_key(r) for r in got]
    right = [_key(r) for r in want]
    if not ordered:
        left.sort()
        right.sort()
    if left == right:
        return ""
    missing = sorted(set(right) - set(left))[:5]
    extra = sorted(set(left) - set(right))[:5]
    return (
        f"{sql}\n  with pushdown {len(got)} rows, without {len(want)}"
        f"\n  missing with pushdown: {missing}\n  only with pushdown: {extra}"
    )


# ---- the grid: every pushable column in every shape ------------------------------------------------------------


def grid(domain: Domain) -> list[str]:
    """Deterministic companions of the random queries: for every column the planner may push, each shape of
    condition (=, IN, <>, NOT, OR, ranges, a function around the column) with values from the data and the
    API's own choices, alone and with ORDER BY + LIMIT. Small enough to run whole in every CI run."""
    found: list[str] = []
    for name in sorted(domain.tables):
        table = domain.tables[name]
        extra = ""
        if name == "DealParticipants":
            extra = f' AND t."DealId" IN ({", ".join(map(str, domain.parent_ids[:6]))})'
        for column in table.pushable:
            ref = f't."{column.name}"'
            seen = table.values.get(column.name) or []
            choices = [c for p in table.spec.pushdowns_for(column.name) for c in p.choices]
            odd = ["", "a,b"] if column.type.kind == "str" else [0] if column.type.kind == "int" else []
            values = list(
                dict.fromkeys([*seen[:1], *seen[len(seen) // 2 : len(seen) // 2 + 1], *choices, *odd])
            )
            if not values:
                continue
            texts = [_text_literal(v) for v in values]
            shapes = [f"{ref} = {t}" for t in texts[:1] + texts[2:]] + [
                f"{ref} IN ({', '.join(texts)})",
                f"({ref} = {texts[-1]} OR {ref} IS NULL)",
                f"lower(CAST({ref} AS VARCHAR)) <> lower(CAST({texts[0]} AS VARCHAR))",
            ]
            if column.type.kind in ("timestamp", "date"):
                shapes += [f"{ref} >= {texts[0]}", f"{ref} < {texts[-1]}", f"{ref} > {texts[0]}"]
            if name == "DealParticipants":
                shapes = shapes[:2]
            key = f't."{table.key}", ' if table.key and table.key != column.name else ""
            for shape in shapes:
                found.append(f"SELECT {key}{ref} FROM {name} t WHERE {shape}{extra}")
            if column is table.pushable[0]:  # and once per table every column, ordered and limited
                order = f' ORDER BY t."{table.key}" DESC LIMIT 3' if table.key else ""
                found.append(f"SELECT * FROM {name} t WHERE {shapes[0]}{extra}{order}")
        if not table.pushable:
            found.append(f"SELECT * FROM {name} t")
    return found
