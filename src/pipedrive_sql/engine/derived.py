"""Copy WHERE conditions on a derived table or CTE into its body, so that they push like the flat query.

BI tools wrap tables: ``SELECT * FROM (SELECT * FROM Deals) t WHERE t.Id = 5`` or
``WITH d AS (SELECT * FROM Deals) SELECT * FROM d WHERE d.OwnerId = 1``. When the body is a plain projection
and filter of one source (no joins, grouping, aggregates, DISTINCT, windows, LIMIT/OFFSET), a row of the
body is a row of its source, so a condition on the outer rows may also be applied inside: the planner then
reads it from the body's WHERE like any other. The condition stays in the outer query as well.

Only conditions of the shapes the planner can push (``column op literal``, IN lists, BETWEEN, ORs on one
column) are copied: they are false for NULL, so copying them is safe on either side of an outer join. A CTE
is filled only when it is referenced once (two references may filter differently).
"""

from __future__ import annotations

from sqlglot import exp

from pipedrive_sql.engine.predicates import comparisons, conjuncts
from pipedrive_sql.engine.projection import sources_of

__all__ = ["push_into_derived"]

_MAX_ROUNDS = 8


def push_into_derived(tree: exp.Expression) -> int:
    """Copy conditions into simple derived tables and CTEs of ``tree`` (in place); how many were copied."""
    copied: set[tuple[int, str]] = set()
    total = 0
    for _ in range(_MAX_ROUNDS):
        added = 0
        for select in list(tree.find_all(exp.Select)):
            added += _push_from(select, tree, copied)
        total += added
        if not added:
            break
    return total


def _push_from(select: exp.Select, tree: exp.Expression, copied: set[tuple[int, str]]) -> int:
    where = select.args.get("where")
    if not isinstance(where, exp.Where):
        return 0
    sources = sources_of(select)
    added = 0
    for source in sources:
        found = _body(source, tree)
        if found is None:
            continue
        alias, body = found
        mapping = _output_columns(body)
        if mapping is None:
            continue
        for condition in conjuncts(where.this):
            if not comparisons(condition):
                continue
            inner = _translate(condition, alias, len(sources) == 1, mapping)
            if inner is None:
                continue
            key = (id(body), inner.sql(dialect="duckdb"))
            if key in copied:
                continue
            copied.add(key)
            body.where(inner, append=True, copy=False)
            added += 1
    return added


def _body(source: exp.Expression, tree: exp.Expression) -> tuple[str, exp.Select] | None:
    """(alias, body) of a derived table or a once-referenced CTE whose body is simple, else None."""
    if isinstance(source, exp.Subquery):
        body = source.this
        alias = source.alias
        if not alias or not isinstance(body, exp.Select):
            return None
    elif isinstance(source, exp.Table) and isinstance(source.this, exp.Identifier) and not source.db:
        cte = _cte_for(source)
        if cte is None or not isinstance(cte.this, exp.Select):
            return None
        if _references(cte, tree) != 1:
            return None
        body = cte.this
        alias = source.alias or source.name
    else:
        return None
    return (alias, body) if _simple(body) else None


def _cte_for(node: exp.Table) -> exp.CTE | None:
    name = node.name.lower()
    parent = node.parent
    while parent is not None:
        with_ = parent.args.get("with_")
        if isinstance(with_, exp.With):
            if with_.args.get("recursive"):
                return None
            for cte in with_.expressions:
                if cte.alias.lower() == name and cte is not _enclosing_cte(node):
                    return cte
        parent = parent.parent
    return None


def _enclosing_cte(node: exp.Expression) -> exp.CTE | None:
    found = node.find_ancestor(exp.CTE)
    return found if isinstance(found, exp.CTE) else None


def _references(cte: exp.CTE, tree: exp.Expression) -> int:
    name = cte.alias.lower()
    return sum(
        1
        for table in tree.find_all(exp.Table)
        if not table.db and table.name.lower() == name and _cte_for(table) is cte
    )


def _simple(body: exp.Select) -> bool:
    """One source, and every output row is one row of it (so a filter on outputs is a filter on inputs)."""
    if body.args.get("joins") or body.args.get("laterals") or body.args.get("pivots"):
        return False
    for arg in ("distinct", "group", "having", "qualify", "limit", "offset", "windows", "with_"):
        if body.args.get(arg):
            return False
    from_ = body.args.get("from_")
    if not isinstance(from_, exp.From) or not isinstance(from_.this, exp.Table | exp.Subquery):
        return False
    for expression in body.expressions:
        if expression.find(exp.AggFunc, exp.Window, exp.Explode, exp.Unnest) is not None:
            return False
    return True


def _output_columns(body: exp.Select) -> dict[str, exp.Column] | None:
    """Output name -> the source column it is; ``{"*": ...}`` stands for every other name (``SELECT *``)."""
    mapping: dict[str, exp.Column] = {}
    star = False
    for expression in body.expressions:
        target = expression.this if isinstance(expression, exp.Alias) else expression
        if isinstance(target, exp.Star) or (
            isinstance(target, exp.Column) and isinstance(target.this, exp.Star)
        ):
            star_node = target if isinstance(target, exp.Star) else target.this
            if star_node.args.get("replace") or star_node.args.get("rename"):
                return None
            star = True
            continue
        if isinstance(target, exp.Column) and isinstance(target.this, exp.Identifier):
            name = expression.alias_or_name.lower()
            if name in mapping:
                return None  # the same output name twice: ambiguous outside
            mapping[name] = target
    if star:
        mapping["*"] = exp.column("*")
    return mapping


def _translate(
    condition: exp.Expression, alias: str, only_source: bool, mapping: dict[str, exp.Column]
) -> exp.Expression | None:
    """``condition`` over the body's source columns, or None when a column does not map."""
    columns = list(condition.find_all(exp.Column))
    if not columns or condition.find(exp.Subquery, exp.Select) is not None:
        return None
    replacements: dict[int, exp.Column] = {}
    for column in columns:
        if column.args.get("db") is not None:
            return None
        if column.table and column.table.lower() != alias.lower():
            return None
        if not column.table and not only_source:
            return None
        inner = mapping.get(column.name.lower())
        if inner is None:
            if "*" not in mapping:
                return None
            inner = exp.column(column.name, quoted=True)
        replacements[id(column)] = inner
    copy = condition.copy()
    for original, twin in zip(columns, list(copy.find_all(exp.Column)), strict=True):
        replaced = twin.replace(replacements[id(original)].copy())
        if twin is copy:
            copy = replaced  # a bare boolean column (``WHERE d.Done``) is the whole condition
    return copy
