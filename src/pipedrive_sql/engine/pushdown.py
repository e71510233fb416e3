"""Pushdown for one table reference: which conditions the API evaluates, the requests that read it, and
ORDER BY / LIMIT when pushing them is provably safe (see ``plan``'s docstring for the rules).

``ScanPlanner(node, spec, ...).plan()`` answers the reference's ``ScanPlan``.
"""

from __future__ import annotations

import dataclasses
import itertools
import math
from dataclasses import dataclass, field
from typing import Any

from sqlglot import exp

from pipedrive_sql.catalog.catalog import Catalog
from pipedrive_sql.catalog.spec import Column, Pushdown, TableSpec
from pipedrive_sql.engine.plan_model import Call, ScanPlan
from pipedrive_sql.engine.plan_values import (
    TimeBounds,
    impossible_id,
    limit_number,
    literal,
    normalize_id,
    offset_number,
    range_value,
    render_param,
    sort_key,
)
from pipedrive_sql.engine.predicates import Comparison, comparisons, conjuncts, parse_timestamp
from pipedrive_sql.engine.projection import Projection, alias_of, owning_select, sources_of
from pipedrive_sql.engine.ranges import RangeBounds
from pipedrive_sql.errors import ProgrammingError

MAX_PARTS = 20  # request sequences one scan may fan out into before a filter is left to the engine


@dataclass
class _Conjunct:
    sql: str
    keys: set[str] = field(default_factory=set)
    exact: bool = False
    in_where: bool = True
    concerns: bool = False  # mentions a column of this reference


class ScanPlanner:
    def __init__(
        self,
        node: exp.Table,
        spec: TableSpec,
        catalog: Catalog,
        projection: Projection,
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
        self.alias = alias_of(node)
        self.columns = projection.columns(node, spec) if pushdown else spec.columns
        self.select, self.join = owning_select(node)
        self.sources = sources_of(self.select) if self.select is not None else [node]
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
        self.ranges: dict[str, TimeBounds] = {}
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
                        implied.append(exp.In(this=mine.copy(), expressions=[literal(v) for v in found]))
        return implied

    def _source_of(self, column: exp.Column) -> exp.Expression | None:
        """The FROM/JOIN source a column of this SELECT refers to, or None when that is not certain."""
        tables = [s for s in self.sources if isinstance(s, exp.Table) and isinstance(s.this, exp.Identifier)]
        if column.table:
            return next((t for t in tables if alias_of(t).lower() == column.table.lower()), None)
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
        normalized = [normalize_id(v, "int" if kind == "int" else "str") for v in values]
        if any(v is None for v in normalized):
            return None
        wanted = {v for v in normalized if not impossible_id(v)}

        def apply() -> None:
            if parent:
                self.parent_ids = wanted if self.parent_ids is None else self.parent_ids & wanted
            else:
                self.ids = wanted if self.ids is None else self.ids & wanted

        return [("parent_ids" if parent else "ids", apply)], True

    def _eq_target(self, comp: Comparison, pushdown: Pushdown) -> tuple[list[tuple[str, Any]], bool] | None:
        values = comp.value if comp.op == "in" else (comp.value,)
        rendered = [render_param(v, pushdown) for v in values]
        if any(r is None for r in rendered):
            return None
        wanted = {
            r for r in rendered if r is not None and not (pushdown.value == "int" and impossible_id(int(r)))
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
            self.ranges.setdefault(pushdown.param, TimeBounds(pushdown)).bounds.append((comp.op, moment))

        return [(f"param:{pushdown.param}", apply)], True

    # -- requests --------------------------------------------------------------------------------------

    def _calls(self) -> tuple[set[str], list[Call], ScanPlan | None, bool]:
        """(keys pushed, calls, parent scan, empty)."""
        used: set[str] = set()
        base = self.fetch.list_params()
        if self.fetch.paged and self.fetch.max_page_size < 500:
            base["limit"] = str(self.page_size)
        for param, rng in self.ranges.items():
            value, exact = range_value(rng)
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
            ordered = sorted(values, key=sort_key)
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
            ordered = sorted(self.ids, key=sort_key)
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
            ordered = sorted(self.parent_ids, key=sort_key)
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
        limit = limit_number(select)
        offset = offset_number(select)
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
