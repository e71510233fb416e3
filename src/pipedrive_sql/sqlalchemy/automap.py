"""Relationship names for ``sqlalchemy.ext.automap`` that fit Pipedrive's tables.

automap's default names come from the referred class: Deals points at Users twice (OwnerId, CreatorUserId),
so both relationships would be called ``users`` and the backrefs ``deals_collection`` would collide. Here
names come from the foreign-key column instead:

    Deals.PersonId      -> Deals.Person          and Persons.Deals
    Deals.OwnerId       -> Deals.Owner           and Users.DealsByOwner
    Deals.CreatorUserId -> Deals.CreatorUser     and Users.DealsByCreatorUser
    Activities.Type     -> Activities.TypeRef    (the column itself is Type) and ActivityTypes.Activities

    Base = automap_base()
    Base.prepare(autoload_with=engine, **pipedrive_sql.sqlalchemy.AUTOMAP_NAMING)
"""

from __future__ import annotations

from typing import Any

from sqlalchemy.sql.schema import ForeignKeyConstraint, Table

__all__ = ["AUTOMAP_NAMING", "name_for_collection_relationship", "name_for_scalar_relationship"]


def _column_stem(constraint: ForeignKeyConstraint) -> str:
    column = constraint.column_keys[0] if constraint.column_keys else constraint.referred_table.name
    if column.endswith("Id") and len(column) > 2:
        return column[:-2]
    return column


def _taken(table: Table, name: str) -> bool:
    return name in table.c or name.lower() in {c.lower() for c in table.c.keys()}  # noqa: SIM118 (a ColumnCollection iterates columns)


def name_for_scalar_relationship(
    base: Any, local_cls: type, referred_cls: type, constraint: ForeignKeyConstraint
) -> str:
    """``Deals.PersonId`` -> ``Person``; ``Ref`` is appended when that is a column's name already."""
    table = constraint.table
    name = _column_stem(constraint)
    while _taken(table, name):
        name += "Ref"
    return name


def name_for_collection_relationship(
    base: Any, local_cls: type, referred_cls: type, constraint: ForeignKeyConstraint
) -> str:
    """On the referred class: ``Deals`` when one foreign key of Deals points at it, otherwise
    ``DealsBy<Column>`` (``DealsByOwner``, ``DealsByCreatorUser``)."""
    local = constraint.table
    referred = constraint.referred_table
    siblings = [fk for fk in local.foreign_key_constraints if fk.referred_table is referred]
    name = local.name if len(siblings) <= 1 else f"{local.name}By{_column_stem(constraint)}"
    while _taken(referred, name):
        name += "Ref"
    return name


AUTOMAP_NAMING: dict[str, Any] = {
    "name_for_scalar_relationship": name_for_scalar_relationship,
    "name_for_collection_relationship": name_for_collection_relationship,
}
