"""Stage 2: a bound query -> a plan: one scan spec per table reference, and the SQL DuckDB runs over them.

For each table reference the planner decides, from the table's declarations alone:
- which conditions the API evaluates (ids, owner/person/org/... ids, status, update-time ranges), as API
  parameters, batched (ids: 100 per request) or fanned out (one request per value) within MAX_PARTS;
- which columns the scan converts (every column the query can touch; DuckDB cannot push projection);
- ORDER BY and LIMIT/OFFSET, only when provably safe: one table, every WHERE conjunct evaluated exactly by
  the API, no grouping, aggregates, DISTINCT or windows, and an ORDER BY (if any) on one sortable column.
Every condition stays in the SQL DuckDB runs as well, so a pushed condition only ever narrows what is read.

The plan is data (ScanPlan, Call): tests read it without HTTP, EXPLAIN prints it, ``scan`` executes it.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import itertools
import math
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from sqlglot import exp

from pipedrive_sql.catalog.catalog import Catalog
from pipedrive_sql.catalog.spec import Column, Pushdown, TableSpec
from pipedrive_sql.catalog.system import CATALOG_NAME, SCHEMA_NAME
from pipedrive_sql.engine.derived import push_into_derived
from pipedrive_sql.engine.predicates import NO_VALUE, Comparison, comparisons, conjuncts, parse_timestamp
from pipedrive_sql.engine.ranges import RangeBounds, Stop
from pipedrive_sql.errors import ProgrammingError, did_you_mean

__all__ = ["Call", "KeyFeed", "QueryPlan", "ScanPlan", "SystemRef", "plan_query"]

MAX_PARTS = 20  # request sequences one scan may fan out into before a filter is left to the engine
_PASS_THROUGH_SCHEMAS = {"information_schema", "pg_catalog"}


@dataclass(frozen=True)
class Call:
    """One request sequence: a GET of one record (``single``), or a paged list read."""

    path: str
    params: Mapping[str, str] = field(default_factory=dict)
    single: bool = False
    max_records: int | None = None
    parent_id: Any = None  # stamped on each record as ``_parent_id`` (rows of /deals/{id}/participants)
    template: str = ""  # the path template (/api/v2/deals/{id}) for display and cost
    stop: Stop | None = None  # paging (in the API's sort order) ends at the first record past this bound

    @property
    def operation(self) -> str:
        return f"GET {self.template or self.path}"


@dataclass(frozen=True)
class KeyFeed:
    """Ids learnt at run time that narrow a scan to ``param`` requests (``ids``: ``batch`` a request), from
    the other side of a join (``source``'s records, field ``source_key``) or from a search (``search``'s
    items). The scan's own ``calls`` stay the fallback when there are more than ``max_keys``.
    See ``engine/joinkeys.py`` and ``engine/search.py``."""

    param: str
    batch: int
    max_keys: int
    source: ScanPlan | None = None
    source_key: str = ""
    search: Call | None = None
    note: str = ""  # for EXPLAIN: where the ids come from


@dataclass
class ScanPlan:
    """How one table reference is read. ``calls`` are known in advance; with ``parent`` set, the calls
    are made from the ids the parent scan yields (``DealProducts`` without a DealId condition)."""

    name: str  # the name the reader is registered under in DuckDB
    table: TableSpec
    alias: str
    columns: tuple[Column, ...]
    calls: tuple[Call, ...] = ()
    parent: ScanPlan | None = None
    explode: str = ""  # list key whose elements are this table's rows (PersonEmails: "emails")
    pushed: tuple[str, ...] = ()
    residual: tuple[str, ...] = ()
    limit: int | None = None  # records per call when a LIMIT is pushed
    order: str = ""  # "UpdateTime DESC" when ORDER BY is pushed
    exact: bool = False  # the API evaluates every WHERE conjunct of the reference's SELECT exactly
    empty: bool = False  # the conditions contradict each other: no request at all
    page_size: int = 500
    visible: Callable[[Mapping[str, Any]], bool] | None = None  # re-applied to records read by GET
    keys: KeyFeed | None = None  # ids learnt at run time (join keys, a search) that replace ``calls``

    @property
    def bounded(self) -> bool:
        """True when the number of requests is known before running (no unbounded paging)."""
        if self.empty:
            return True
        if self.parent is not None or self.keys is not None:
            return False
        return all(c.single or c.max_records is not None or not self.table.paged for c in self.calls)

    def estimated_requests(self) -> int | None:
        """Requests this scan makes at least (exact when ``bounded``); None when it depends on the data."""
        if self.empty:
            return 0
        if self.parent is not None or self.keys is not None:
            return None
        total = 0
        for call in self.calls:
            if call.single or not self.table.paged:
                total += 1
            elif call.max_records is not None:
                total += max(1, math.ceil(call.max_records / self.page_size)) if call.max_records else 0
            else:
                return None
        return total

    def minimum_requests(self) -> int:
        if self.empty:
            return 0
        known = self.estimated_requests()
        if known is not None:
            return known
        return len(self.calls) if self.calls else 1

    def describe_calls(self) -> list[str]:
        described = [
            f"{c.operation}{_query_text(c.params)}{f' ({c.stop.describe()})' if c.stop else ''}"
            for c in self.calls
        ]
        if self.keys is not None:
            return [f"{self.keys.note}; otherwise:", *described]
        return described


@dataclass
class SystemRef:
    name: str
    table: str


@dataclass
class QueryPlan:
    tree: exp.Expression  # rewritten: table references renamed to the registered scans
    scans: list[ScanPlan]
    system: list[SystemRef]

    @property
    def sql(self) -> str:
        return self.tree.sql(dialect="duckdb")


def _query_text(params: Mapping[str, str]) -> str:
    if not params:
        return ""
    return "?" + "&".join(f"{k}={v}" for k, v in params.items())


# ---- entry point --------------------------------------------------------------------------------------


def plan_query(
    tree: exp.Expression,
    catalog: Catalog,
    *,
    system_tables: Iterable[str] = (),
    page_size: int = 500,
    max_rows: int = -1,
    prefix: str = "__pd",
    pushdown: bool = True,
    local_tables: Iterable[str] = (),
) -> QueryPlan:
    """Plan ``tree`` (changed in place: table references are renamed, MaxRows becomes a LIMIT).

    ``pushdown=False`` plans what a driver without pushdown would do: read every record of every table
    (children through their parents) and leave all the work to DuckDB. Benchmarks and tests compare with it.
    """
    if max_rows is not None and max_rows > 0:
        _cap_rows(tree, max_rows)
    if pushdown:
        push_into_derived(tree)
    system_names = {s.lower(): s for s in system_tables}
    refs = _table_refs(tree, catalog, system_names, {t.lower() for t in local_tables})
    _unqualify_columns(tree)
    projection = _Projection(tree)
    scans: list[ScanPlan] = []
    system: list[SystemRef] = []
    for index, (node, spec_name) in enumerate(refs):
        name = f"{prefix}_{index}_{spec_name.lower()}"
        if spec_name.lower() in system_names:
            system.append(SystemRef(name, system_names[spec_name.lower()]))
        else:
            spec = catalog.table(spec_name)
            planner = _ScanPlanner(node, spec, catalog, projection, name, page_size, pushdown=pushdown)
            scans.append(planner.plan())
        _rename(node, name)
    return QueryPlan(tree, scans, system)


def _cap_rows(tree: exp.Expression, max_rows: int) -> None:
    """MaxRows as the statement's LIMIT (the smaller of the two), so that it pushes down like one."""
    if not isinstance(tree, exp.Select | exp.SetOperation):
        return
    current = _limit_number(tree)
    if current is not None and current <= max_rows:
        return
    if current is None and tree.args.get("limit") is not None:
        return  # a LIMIT we cannot read (percent, expression): the cursor caps rows instead
    tree.set("limit", exp.Limit(expression=exp.Literal.number(max_rows)))


# ---- table references ---------------------------------------------------------------------------------


def _table_refs(
    tree: exp.Expression,
    catalog: Catalog,
    system_names: Mapping[str, str],
    local_tables: set[str] | frozenset[str] = frozenset(),
) -> list[tuple[exp.Table, str]]:
    refs: list[tuple[exp.Table, str]] = []
    for node in list(tree.find_all(exp.Table)):
        if not isinstance(node.this, exp.Identifier):
            continue  # table functions: range(5), read_csv(...)
        if node.db and node.db.lower() in _PASS_THROUGH_SCHEMAS:
            continue
        if not node.db and _is_cte_name(node):
            continue
        if not node.db and not node.catalog and node.name.lower() in local_tables:
            continue  # a temp table of the connection (engine/local.py): DuckDB has it
        _check_qualifiers(node)
        name = node.name
        if name.lower() in system_names:
            refs.append((node, system_names[name.lower()]))
        elif catalog.has_table(name):
            refs.append((node, catalog.builtin(name).name))
        else:
            hint = did_you_mean(name, [*catalog.table_names(), *system_names.values()])
            raise ProgrammingError(f"There is no table {name!r}.{hint} SELECT * FROM sys_tables lists them.")
    return refs


def _check_qualifiers(node: exp.Table) -> None:
    """``Pipedrive.Deals`` and ``Pipedrive.Pipedrive.Deals`` name Deals (sys_tables' CatalogName and
    SchemaName); any other schema or catalog is an error that names the valid one."""
    schema, catalog = node.db, node.catalog
    if (not schema or schema.lower() == SCHEMA_NAME.lower()) and (
        not catalog or catalog.lower() == CATALOG_NAME.lower()
    ):
        return
    written = ".".join(part for part in (catalog, schema, node.name) if part)
    wrong = f"catalog {catalog!r}" if schema.lower() == SCHEMA_NAME.lower() else f"schema {schema!r}"
    raise ProgrammingError(
        f"There is no {wrong} in {written!r}: the tables are in schema {SCHEMA_NAME!r} of catalog "
        f"{CATALOG_NAME!r}, so write {SCHEMA_NAME}.{node.name}, {CATALOG_NAME}.{SCHEMA_NAME}.{node.name} or "
        f"just {node.name}."
    )


def _unqualify_columns(tree: exp.Expression) -> None:
    """``Pipedrive.Deals.Id`` as ``Deals.Id``: the scans are registered without a schema."""
    for column in tree.find_all(exp.Column):
        schema, catalog = column.args.get("db"), column.args.get("catalog")
        if schema is None or not column.table or schema.name.lower() != SCHEMA_NAME.lower():
            continue
        if catalog is not None and catalog.name.lower() != CATALOG_NAME.lower():
            continue
        column.set("db", None)
        column.set("catalog", None)


def _is_cte_name(node: exp.Table) -> bool:
    name = node.name.lower()
    parent = node.parent
    while parent is not None:
        with_ = parent.args.get("with_") if isinstance(parent, exp.Expression) else None
        if isinstance(with_, exp.With) and any(cte.alias.lower() == name for cte in with_.expressions):
            return True
        parent = parent.parent
    return False


def _rename(node: exp.Table, name: str) -> None:
    alias = node.args.get("alias")
    if alias is None:
        alias = exp.TableAlias(this=exp.to_identifier(node.name, quoted=True))
    node.replace(exp.Table(this=exp.to_identifier(name, quoted=True), alias=alias))


def _alias_of(node: exp.Table) -> str:
    return node.alias or node.name


def _owning_select(node: exp.Table) -> tuple[exp.Select | None, exp.Join | None]:
    parent = node.parent
    if isinstance(parent, exp.From) and isinstance(parent.parent, exp.Select):
        return parent.parent, None
    if isinstance(parent, exp.Join) and isinstance(parent.parent, exp.Select):
        return parent.parent, parent
    return None, None


def _sources(select: exp.Select) -> list[exp.Expression]:
    found: list[exp.Expression] = []
    from_ = select.args.get("from_")
    if isinstance(from_, exp.From):
        found.append(from_.this)
    for join in select.args.get("joins") or ():
        found.append(join.this)
    return found


# ---- projection ---------------------------------------------------------------------------------------


class _Projection:
    """Which columns a reference must read: every column whose name the query mentions anywhere (a safe
    superset), or all of them under ``*`` / ``alias.*`` / a whole-row reference."""

    def __init__(self, tree: exp.Expression) -> None:
        self.names: set[str] = set()
        for node in tree.walk():
            if isinstance(node, exp.Identifier | exp.Var):
                self.names.add(str(node.this).lower())
        self.all_columns: set[int] = set()  # id() of Table nodes that need every column
        for select in tree.find_all(exp.Select):
            self._stars(select)

    def _stars(self, select: exp.Select) -> None:
        tables = [s for s in _sources(select) if isinstance(s, exp.Table)]
        by_alias = {_alias_of(t).lower(): t for t in tables}
        for expression in select.expressions:
            for node in expression.walk():
                if isinstance(node, exp.Star) and not isinstance(node.parent, exp.Column | exp.AggFunc):
                    self.all_columns.update(id(t) for t in tables)
                elif isinstance(node, exp.Column) and isinstance(node.this, exp.Star):
                    target = by_alias.get(node.table.lower())
                    self.all_columns.update(id(t) for t in ([target] if target is not None else tables))
                elif isinstance(node, exp.Column) and not node.table and node.name.lower() in by_alias:
                    self.all_columns.add(id(by_alias[node.name.lower()]))  # SELECT d FROM Deals d

    def columns(self, node: exp.Table, spec: TableSpec) -> tuple[Column, ...]:
        if id(node) in self.all_columns:
            return spec.columns
        chosen = tuple(c for c in spec.columns if c.name.lower() in self.names)
        if chosen:
            return chosen
        key = spec.key_column or spec.columns[0]
        return (key,)


# ---- one scan -----------------------------------------------------------------------------------------


@dataclass
class _Conjunct:
    sql: str
    keys: set[str] = field(default_factory=set)
    exact: bool = False
    in_where: bool = True
    concerns: bool = False  # mentions a column of this reference


@dataclass
class _Range:
    pushdown: Pushdown
    bounds: list[tuple[str, dt.datetime]] = field(default_factory=list)  # (op, value)


class _ScanPlanner:
    def __init__(
        self,
        node: exp.Table,
        spec: TableSpec,
        catalog: Catalog,
        projection: _Projection,
        name: str,
        page_size: int,
        *,
        pushdown: bool = True,
    ) -> None:
        self.node = node
        self.spec = spec
        self.catalog = catalog
        self.name = name
        self.pushdown = pushdown
        self.alias = _alias_of(node)
        self.columns = projection.columns(node, spec) if pushdown else spec.columns
        self.select, self.join = _owning_select(node)
        self.sources = _sources(self.select) if self.select is not None else [node]
        source = spec.source
        # The collection the API calls read: the parent's for exploded views (PersonEmails reads persons).
        self.fetch = catalog.builtin(source.table) if source is not None and source.explode else spec
        self.page_size = min(page_size, self.fetch.max_page_size)
        self.id_column = (
            source.column
            if source is not None and source.explode
            else (spec.key_column.name if spec.key_column else "")
        ).lower()
        self.parent_column = source.column.lower() if source is not None and not source.explode else ""
        self.ids: set[Any] | None = None
        self.parent_ids: set[Any] | None = None
        self.eq: dict[str, tuple[Pushdown, set[str]]] = {}
        self.ranges: dict[str, _Range] = {}
        self.sorted_ranges = RangeBounds(spec)  # ranges the API can only sort by (engine/ranges.py)
        self.conjuncts: list[_Conjunct] = []

    # -- analysis --------------------------------------------------------------------------------------

    def plan(self) -> ScanPlan:
        for node, in_where in self._candidate_conditions():
            self._take(node, in_where)
        used, calls, parent, empty = self._calls()
        exact = self.select is not None and all(
            c.exact and c.keys <= used for c in self.conjuncts if c.in_where
        )
        pushed = tuple(c.sql for c in self.conjuncts if c.keys and c.keys <= used)
        residual = tuple(c.sql for c in self.conjuncts if c.concerns and not (c.keys and c.keys <= used))
        plan = ScanPlan(
            name=self.name,
            table=self.spec,
            alias=self.alias,
            columns=self.columns,
            calls=tuple(calls),
            parent=parent,
            explode=self.spec.source.explode if self.spec.source is not None else self.spec.unwrap,
            pushed=pushed,
            residual=residual,
            exact=exact or empty,
            empty=empty,
            page_size=self.page_size,
            visible=self.fetch.visible,
        )
        if not empty and self.pushdown:
            self._stop_at_sorted_range(plan)
            self._push_order_and_limit(plan)
        return plan

    def _stop_at_sorted_range(self, plan: ScanPlan) -> None:
        """Read in the order of a bounded column and stop at the bound (engine/ranges.py)."""
        if self.ids is not None or plan.parent is not None or plan.explode or not plan.calls:
            return
        if any(c.single or c.max_records is not None or "sort_by" in c.params for c in plan.calls):
            return
        choice = self.sorted_ranges.choose()
        if choice is not None:
            sort, stop = choice
            plan.calls = tuple(
                Call(c.path, {**c.params, **sort}, c.single, c.max_records, c.parent_id, c.template, stop)
                for c in plan.calls
            )

    def _candidate_conditions(self) -> list[tuple[exp.Expression, bool]]:
        if self.select is None or not self.pushdown:
            return []
        found = [
            (c, True) for c in conjuncts(self.select.args.get("where") and self.select.args["where"].this)
        ]
        if self.join is not None and self._on_is_pushable(self.join):
            found += [(c, False) for c in conjuncts(self.join.args.get("on"))]
        for join in self.select.args.get("joins") or ():
            # ON conditions of later inner joins may restrict this table too (FROM Deals d JOIN ... ON d.X = 1)
            if join is not self.join and not join.side and join.kind.upper() in ("", "INNER"):
                found += [(c, False) for c in conjuncts(join.args.get("on"))]
        return found + [(c, False) for c in self._through_joins(found)]

    def _through_joins(self, conditions: list[tuple[exp.Expression, bool]]) -> list[exp.Expression]:
        """Conditions implied through equi-joins: ``a.DealId = d.Id AND d.Id IN (1, 2)`` implies
        ``a.DealId IN (1, 2)``, so Activities is read for two deals instead of in full.

        The values come from WHERE only (never from an outer join's ON), the equalities from WHERE and
        from the ON of inner and left joins. Either way a row of this table outside the values could only
        pair with rows that the WHERE removes, so reading fewer of them changes nothing.
        """
        candidates = [node for node, _ in conditions]
        for join in self.select.args.get("joins") or () if self.select is not None else ():
            if (join.side or "").upper() in ("", "LEFT") and (join.kind or "").upper() in (
                "",
                "INNER",
                "OUTER",
            ):
                candidates += conjuncts(join.args.get("on"))
        unique = {id(node): node for node in candidates}.values()
        equalities = [
            (node.this, node.expression)
            for node in unique
            if isinstance(node, exp.EQ)
            and isinstance(node.this, exp.Column)
            and isinstance(node.expression, exp.Column)
        ]
        values = [
            (comp.column, comp.value if comp.op == "in" else (comp.value,))
            for node, in_where in conditions
            if in_where
            for comp in comparisons(node)
            if comp.op in ("=", "in") and not isinstance(comp.value, bool)
        ]
        implied: list[exp.Expression] = []
        for left, right in equalities:
            for mine, other in ((left, right), (right, left)):
                if not self._belongs(mine):
                    continue
                source = self._source_of(other)
                if source is None or source is self.node:
                    continue
                for column, found in values:
                    if column.name.lower() == other.name.lower() and self._source_of(column) is source:
                        implied.append(exp.In(this=mine.copy(), expressions=[_literal(v) for v in found]))
        return implied

    def _source_of(self, column: exp.Column) -> exp.Expression | None:
        """The FROM/JOIN source a column of this SELECT refers to, or None when that is not certain."""
        tables = [s for s in self.sources if isinstance(s, exp.Table) and isinstance(s.this, exp.Identifier)]
        if column.table:
            return next((t for t in tables if _alias_of(t).lower() == column.table.lower()), None)
        if len(tables) != len(self.sources):
            return None
        owners = [
            t
            for t in tables
            if self.catalog.has_table(t.name) and self.catalog.table(t.name).find_column(column.name)
        ]
        return owners[0] if len(owners) == 1 else None

    def _on_is_pushable(self, join: exp.Join) -> bool:
        side = (join.side or "").upper()
        kind = (join.kind or "").upper()
        if side == "LEFT":
            return True  # this table is the right side: ON restricts which of its rows join
        return side == "" and kind in ("", "INNER")

    def _take(self, node: exp.Expression, in_where: bool) -> None:
        conjunct = _Conjunct(node.sql(dialect="duckdb"), in_where=in_where)
        comps = comparisons(node)
        concerns_this_table = bool(comps) and all(self._belongs(c.column) for c in comps)
        if not in_where and not concerns_this_table:
            return  # ON conditions are only worth taking when they concern this table
        conjunct.concerns = any(self._belongs(c) for c in node.find_all(exp.Column))
        self.conjuncts.append(conjunct)
        if not concerns_this_table:
            return
        staged: list[tuple[str, Any]] = []
        exact = True
        steps = [self._target(comp) for comp in comps]  # every comparison is seen (BETWEEN: both bounds)
        for step in steps:
            if step is None:
                return
            staged.extend(step[0])
            exact = exact and step[1]
        for key, apply in staged:
            apply()
            conjunct.keys.add(key)
        conjunct.exact = exact

    def _belongs(self, column: exp.Column) -> bool:
        if column.table:
            return column.table.lower() == self.alias.lower()
        if self.spec.find_column(column.name) is None:
            return False
        for other in self.sources:
            if other is self.node:
                continue
            if not isinstance(other, exp.Table) or not isinstance(other.this, exp.Identifier):
                return False  # a derived table or function: its columns are unknown here
            if not self.catalog.has_table(other.name):
                return False
            if self.catalog.table(other.name).find_column(column.name) is not None:
                return False
        return True

    def _target(self, comp: Comparison) -> tuple[list[tuple[str, Any]], bool] | None:
        """How to apply a comparison: [(key, apply)], and whether the API evaluates it exactly."""
        name = comp.column.name.lower()
        if comp.op in ("=", "in") and name in (self.id_column, self.parent_column) and name:
            return self._id_target(comp, name == self.parent_column)
        pushdowns = self.spec.pushdowns_for(comp.column.name) if self.fetch is self.spec else ()
        if comp.op in ("=", "in"):
            eq = next((p for p in pushdowns if p.kind == "eq"), None)
            if eq is not None:
                return self._eq_target(comp, eq)
            lower = next((p for p in pushdowns if p.kind == "lower"), None)
            upper = next((p for p in pushdowns if p.kind == "upper"), None)
            if comp.op == "=" and lower is not None and upper is not None:
                low = self._range_target(Comparison(comp.column, ">=", comp.value), lower)
                high = self._range_target(Comparison(comp.column, "<=", comp.value), upper)
                if low is None or high is None:
                    return None
                return low[0] + high[0], False
            return None
        kind = "lower" if comp.op in (">", ">=") else "upper"
        chosen = next((p for p in pushdowns if p.kind == kind), None)
        if chosen is None and self.fetch is self.spec and self.pushdown:
            column = self.spec.find_column(comp.column.name)
            if column is not None:
                self.sorted_ranges.offer(column, comp.op, comp.value)
        return None if chosen is None else self._range_target(comp, chosen)

    def _id_target(self, comp: Comparison, parent: bool) -> tuple[list[tuple[str, Any]], bool] | None:
        column = self.spec.find_column(comp.column.name)
        values = comp.value if comp.op == "in" else (comp.value,)
        kind = column.type.kind if column is not None else "int"
        normalized = [_normalize(v, "int" if kind == "int" else "str") for v in values]
        if any(v is None for v in normalized):
            return None
        wanted = {v for v in normalized if not _impossible_id(v)}

        def apply() -> None:
            if parent:
                self.parent_ids = wanted if self.parent_ids is None else self.parent_ids & wanted
            else:
                self.ids = wanted if self.ids is None else self.ids & wanted

        return [("parent_ids" if parent else "ids", apply)], True

    def _eq_target(self, comp: Comparison, pushdown: Pushdown) -> tuple[list[tuple[str, Any]], bool] | None:
        values = comp.value if comp.op == "in" else (comp.value,)
        rendered = [_render(v, pushdown) for v in values]
        if any(r is None for r in rendered):
            return None
        wanted = {
            r for r in rendered if r is not None and not (pushdown.value == "int" and _impossible_id(int(r)))
        }
        revealed = self.fetch.reveal.get(pushdown.param)
        if revealed is not None:
            wanted &= set(revealed.split(","))  # other values name rows the table does not hold

        def apply() -> None:
            current = self.eq.get(pushdown.param)
            self.eq[pushdown.param] = (pushdown, wanted if current is None else current[1] & wanted)

        return [(f"param:{pushdown.param}", apply)], True

    def _range_target(
        self, comp: Comparison, pushdown: Pushdown
    ) -> tuple[list[tuple[str, Any]], bool] | None:
        moment = parse_timestamp(comp.value)
        if moment is None:
            return None

        def apply() -> None:
            self.ranges.setdefault(pushdown.param, _Range(pushdown)).bounds.append((comp.op, moment))

        return [(f"param:{pushdown.param}", apply)], True

    # -- requests --------------------------------------------------------------------------------------

    def _calls(self) -> tuple[set[str], list[Call], ScanPlan | None, bool]:
        """(keys pushed, calls, parent scan, empty)."""
        used: set[str] = set()
        base = self.fetch.list_params()
        if self.fetch.paged and self.fetch.max_page_size < 500:
            base["limit"] = str(self.page_size)
        for param, rng in self.ranges.items():
            value, exact = _range_value(rng)
            base[param] = value
            used.add(f"param:{param}")
            if not exact:
                self._mark_inexact(f"param:{param}")
        contradiction = (
            self.ids == set() or self.parent_ids == set() or any(not v for _, v in self.eq.values())
        )
        if contradiction:
            return {"ids", "parent_ids", *(f"param:{p}" for p in self.eq), *used}, [], None, True
        single = self._single_gets(used)
        if single is not None:
            return {"ids"}, single, None, False
        groups = self._eq_groups(used)
        id_groups, parent = self._id_groups(used)
        self._move_to_parent(base, parent)
        calls: list[Call] = []
        for combo in itertools.product(*groups, id_groups):
            params = dict(base)
            path, template, parent_id, most = self.fetch.endpoint, "", None, None
            for part in combo:
                if "__path_id__" in part:
                    parent_id = part["__path_id__"]
                    template = self.fetch.endpoint
                    path = self.fetch.endpoint.replace("{id}", str(parent_id))
                elif "__max__" in part:
                    # ids are unique: a batch of n ids returns at most n records, so paging stops there
                    most = part["__max__"]
                    params.update({k: v for k, v in part.items() if k != "__max__"})
                else:
                    params.update(part)
            calls.append(Call(path, params, parent_id=parent_id, template=template, max_records=most))
        return used, calls, parent, False

    def _move_to_parent(self, base: dict[str, str], parent: ScanPlan | None) -> None:
        """Parameters the source declares as the parent's (``Source.parent_params``) leave the child's
        requests; when the parents are scanned, they narrow that scan (a superset: the engine re-checks)."""
        source = self.spec.source
        if source is None or not source.parent_params:
            return
        for param in source.parent_params:
            if param not in base:
                continue
            value = base.pop(param)
            self._mark_inexact(f"param:{param}")
            if parent is not None and parent.calls:
                first = parent.calls[0]
                parent.calls = (dataclasses.replace(first, params={**first.params, param: value}),)

    def _mark_inexact(self, key: str) -> None:
        for conjunct in self.conjuncts:
            if key in conjunct.keys:
                conjunct.exact = False

    def _single_gets(self, used: set[str]) -> list[Call] | None:
        """GET by id when few ids are asked for and nothing else is pushed (a GET ignores other filters)."""
        fetch = self.fetch
        if self.ids is None or not fetch.get_path or self.eq or self.ranges:
            return None
        limit = 1 if fetch.ids_param else fetch.get_by_id_max
        if len(self.ids) > limit:
            return None
        return [
            Call(fetch.get_path.replace("{id}", str(i)), {}, single=True, template=fetch.get_path)
            for i in sorted(self.ids, key=str)
        ]

    def _eq_groups(self, used: set[str]) -> list[list[dict[str, str]]]:
        """One list of alternative parameter sets per pushed ``=``/``IN`` parameter (fan-out or batches)."""
        sized: list[tuple[str, list[dict[str, str]]]] = []
        for param, (pushdown, values) in self.eq.items():
            ordered = sorted(values, key=_sort_key)
            chunks = [ordered[i : i + pushdown.batch] for i in range(0, len(ordered), pushdown.batch)]
            if len(chunks) > pushdown.max_fanout:
                continue
            sized.append((param, [{param: ",".join(chunk)} for chunk in chunks]))
        id_parts = self._id_part_count()
        while sized and math.prod(len(g) for _, g in sized) * id_parts > MAX_PARTS:
            sized.remove(max(sized, key=lambda item: len(item[1])))
        for param, _ in sized:
            used.add(f"param:{param}")
        return [groups for _, groups in sized]

    def _id_part_count(self) -> int:
        if self.ids is not None and self.fetch.ids_param:
            return math.ceil(len(self.ids) / self.fetch.ids_batch)
        if self.parent_ids is not None and self.spec.source is not None:
            return math.ceil(len(self.parent_ids) / max(self.spec.source.batch, 1))
        return 1

    def _id_groups(self, used: set[str]) -> tuple[list[dict[str, Any]], ScanPlan | None]:
        source = self.spec.source
        if self.ids is not None and self.fetch.ids_param:
            used.add("ids")
            ordered = sorted(self.ids, key=_sort_key)
            size = self.fetch.ids_batch
            return [
                {
                    self.fetch.ids_param: ",".join(str(i) for i in ordered[k : k + size]),
                    "__max__": len(ordered[k : k + size]),
                }
                for k in range(0, len(ordered), size)
            ], None
        if source is None or source.explode:
            return [{}], None
        if self.parent_ids is not None:
            used.add("parent_ids")
            ordered = sorted(self.parent_ids, key=_sort_key)
            if not source.param:
                return [{"__path_id__": i} for i in ordered], None
            size = source.batch
            return [
                {source.param: ",".join(str(i) for i in ordered[k : k + size])}
                for k in range(0, len(ordered), size)
            ], None
        if source.required and self.pushdown:
            raise ProgrammingError(
                f"{self.spec.name} is read one request per {source.table[:-1].lower()}: add a condition on "
                f"{source.column} (WHERE {source.column} = 5, or {source.column} IN (...), or join on it "
                f"and filter with {source.column} IN (SELECT ...) after reading the ids)."
            )
        parent_spec = self.catalog.builtin(source.table)
        key = parent_spec.key_column or parent_spec.columns[0]
        parents = [parent_spec, *(self.catalog.builtin(name) for name in source.more_parents)]
        parent = ScanPlan(
            name=f"{self.name}_parent",
            table=parent_spec,
            alias=source.table,
            columns=(key,),
            # one stream per parent table
            calls=tuple(Call(p.endpoint, {**p.list_params(), **source.parent_reveal}) for p in parents),
            page_size=self.page_size,
        )
        return [{}], parent

    # -- ORDER BY and LIMIT ----------------------------------------------------------------------------

    def _push_order_and_limit(self, plan: ScanPlan) -> None:
        select = self.select
        if select is None or not plan.exact or not self.spec.limit_pushable or not self.fetch.paged:
            return
        if plan.parent is not None or plan.explode or any(c.single for c in plan.calls):
            return
        if not self._single_simple_source(select):
            return
        limit = _limit_number(select)
        offset = _offset_number(select)
        if limit is None or offset is None:
            return
        order = self._pushable_order(select)
        if order is None:
            return
        sort_params = self._sort_params(order)
        plan.limit = limit + offset
        plan.order = f"{order[0].name} {'DESC' if order[1] else 'ASC'}" if order[0] is not None else ""
        plan.calls = tuple(
            Call(
                c.path,
                {**c.params, **sort_params},
                c.single,
                limit + offset if c.max_records is None else min(c.max_records, limit + offset),
                c.parent_id,
                c.template,
            )
            for c in plan.calls
        )

    def _single_simple_source(self, select: exp.Select) -> bool:
        if select.args.get("joins") or len(self.sources) != 1 or self.sources[0] is not self.node:
            return False
        for arg in ("distinct", "group", "having", "qualify"):
            if select.args.get(arg):
                return False
        for expression in [*select.expressions, select.args.get("order")]:
            if expression is not None and expression.find(exp.AggFunc, exp.Window) is not None:
                return False
        return True

    def _pushable_order(self, select: exp.Select) -> tuple[Column | None, bool] | None:
        """(column, descending) to push; (None, False) when there is no ORDER BY; None when not pushable."""
        order = select.args.get("order")
        if order is None or not order.expressions:
            return None, False
        if len(order.expressions) != 1 or not self.spec.sort_style:
            return None
        ordered = order.expressions[0]
        key = ordered.this
        if not isinstance(key, exp.Column) or not self._belongs(key):
            return None
        column = self.spec.find_column(key.name)
        if column is None or column.name not in self.spec.sortable:
            return None
        return column, bool(ordered.args.get("desc"))

    def _sort_params(self, order: tuple[Column | None, bool]) -> dict[str, str]:
        column, desc = order
        if column is None:
            return {}
        key = self.spec.sortable[column.name]
        if self.spec.sort_style == "v1":
            return {"sort": f"{key} {'DESC' if desc else 'ASC'}"}
        return {"sort_by": key, "sort_direction": "desc" if desc else "asc"}


# ---- values -------------------------------------------------------------------------------------------


def _limit_number(select: exp.Expression) -> int | None:
    limit = select.args.get("limit")
    if limit is None:
        return None
    if isinstance(limit, exp.Limit):
        options = limit.args.get("limit_options")
        if options is not None and (options.args.get("percent") or options.args.get("with_ties")):
            return None
        value = _int_literal(limit.expression)
    elif isinstance(limit, exp.Fetch):
        options = limit.args.get("limit_options")
        if options is not None and (options.args.get("percent") or options.args.get("with_ties")):
            return None
        value = _int_literal(limit.args.get("count"))
    else:
        return None
    return value if value is not None and value >= 0 else None


def _offset_number(select: exp.Select) -> int | None:
    offset = select.args.get("offset")
    if offset is None:
        return 0
    value = _int_literal(offset.expression if isinstance(offset, exp.Offset) else offset)
    return value if value is not None and value >= 0 else None


def _int_literal(node: exp.Expression | None) -> int | None:
    if isinstance(node, exp.Literal) and not node.is_string:
        try:
            return int(node.this)
        except ValueError:
            return None
    return None


def _literal(value: Any) -> exp.Expression:
    if isinstance(value, bool):
        return exp.Boolean(this=value)
    if isinstance(value, int | float):
        return exp.Literal.number(value)
    return exp.Literal.string(str(value))


def _normalize(value: Any, kind: str) -> Any:
    """A literal as an id of ``kind`` ("int" or "str"), or None when it cannot be one."""
    if value is None or value is NO_VALUE or isinstance(value, bool):
        return None
    if kind == "int":
        if isinstance(value, int):
            return value
        if isinstance(value, float):
            return int(value) if value.is_integer() else None
        text = str(value).strip()
        return int(text) if text.lstrip("-").isdigit() else None
    return value if isinstance(value, str) else None


def _impossible_id(value: Any) -> bool:
    """Pipedrive's numeric ids start at 1 (the API refuses 0 and negative ids): such a value matches nothing."""
    return isinstance(value, int) and value < 1


def _render(value: Any, pushdown: Pushdown) -> str | None:
    """A literal as the API parameter value of ``pushdown``, or None when it cannot be pushed exactly."""
    kind = pushdown.value
    if kind == "int":
        number = _normalize(value, "int")
        return None if number is None else str(number)
    if kind == "bool" or kind == "bit":
        if isinstance(value, bool):
            flag = value
        elif isinstance(value, int) and value in (0, 1):
            flag = bool(value)
        else:
            return None
        if kind == "bit":
            return "1" if flag else "0"
        return "true" if flag else "false"
    if kind == "timestamp":
        moment = parse_timestamp(value)
        return None if moment is None else _rfc3339(moment)
    if not isinstance(value, str) or not value.strip() or "," in value:
        # ``lead_id=`` is no filter at all to the API (every record comes back, once per value of a
        # fan-out), and a comma would split the value in two: such values stay with the engine.
        return None
    if pushdown.choices and value not in pushdown.choices:
        return None
    return value


def _range_value(rng: _Range) -> tuple[str, bool]:
    """The parameter value for a set of bounds, and whether it states them exactly.

    The API compares whole seconds: ``updated_since`` is ``>=``, ``updated_until`` is ``<``. A bound that
    does not map onto those exactly (``>``, ``<=``, fractions of a second) is widened to a superset.
    """
    text = _v1_time if rng.pushdown.value == "v1time" else _rfc3339
    if rng.pushdown.kind == "lower":
        sent = max(_floor_second(v) for _, v in rng.bounds)
        exact = all((op == ">=" and v <= sent) or (op == ">" and v < sent) for op, v in rng.bounds)
        return text(sent), exact
    candidates = [
        _ceil_second(v) if op == "<" else _floor_second(v) + dt.timedelta(seconds=1) for op, v in rng.bounds
    ]
    sent = min(candidates)
    exact = all(v >= sent for _, v in rng.bounds)
    return text(sent), exact


def _v1_time(moment: dt.datetime) -> str:
    """``YYYY-MM-DD HH:MM:SS`` in UTC: how v1 parameters such as ``since_timestamp`` spell a time."""
    return moment.astimezone(dt.UTC).strftime("%Y-%m-%d %H:%M:%S")


def _floor_second(value: dt.datetime) -> dt.datetime:
    return value.replace(microsecond=0)


def _ceil_second(value: dt.datetime) -> dt.datetime:
    floor = value.replace(microsecond=0)
    return floor if floor == value else floor + dt.timedelta(seconds=1)


def _rfc3339(value: dt.datetime) -> str:
    return value.astimezone(dt.UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def _sort_key(value: Any) -> tuple[int, Any]:
    return (0, value) if isinstance(value, int) else (1, str(value))
