"""Which columns each table reference reads, and the SELECT around a reference.

DuckDB does not push projection into a reader, so the planner chooses the columns a scan converts.
"""

from __future__ import annotations

from sqlglot import exp

from pipedrive_sql.catalog.spec import Column, TableSpec


def alias_of(node: exp.Table) -> str:
    return node.alias or node.name


def owning_select(node: exp.Table) -> tuple[exp.Select | None, exp.Join | None]:
    parent = node.parent
    if isinstance(parent, exp.From) and isinstance(parent.parent, exp.Select):
        return parent.parent, None
    if isinstance(parent, exp.Join) and isinstance(parent.parent, exp.Select):
        return parent.parent, parent
    return None, None


def sources_of(select: exp.Select) -> list[exp.Expression]:
    """The FROM source and the JOIN sources of ``select``, in order."""
    found: list[exp.Expression] = []
    from_ = select.args.get("from_")
    if isinstance(from_, exp.From):
        found.append(from_.this)
    for join in select.args.get("joins") or ():
        found.append(join.this)
    return found


class Projection:
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
        tables = [s for s in sources_of(select) if isinstance(s, exp.Table)]
        by_alias = {alias_of(t).lower(): t for t in tables}
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
