"""Stored procedures MergeDeals, MergePersons and MergeOrganizations: ``EXEC MergeDeals Id=5, MergeWithId=7``.

Pipedrive merges record ``Id`` into record ``MergeWithId`` (``PUT /api/v1/{entity}/{Id}/merge``): the
record ``MergeWithId`` remains, keeps its values, takes the other's related items (activities, notes,
participants...), and record ``Id`` is deleted. Like every write, a merge is sent once: a failure that
leaves unknown whether it happened is reported as such (AmbiguousWrite), never repeated.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from pipedrive_sql.engine.procedure_defs import Procedure, ProcedureColumn, ProcedureParameter
from pipedrive_sql.engine.write_values import BadValue, to_int
from pipedrive_sql.errors import InterfaceError, ProgrammingError

__all__ = ["PROCEDURES"]

Row = dict[str, Any]


def _merge(entity: str, label: str) -> Callable[..., list[Row]]:
    def merge(settings: Any, Id: Any = None, MergeWithId: Any = None, client: Any = None) -> list[Row]:
        del settings
        source = _record_id(Id, "Id", label)
        survivor = _record_id(MergeWithId, "MergeWithId", label)
        if source == survivor:
            raise ProgrammingError(f"Cannot merge {label} {source} with itself: give two different ids.")
        if client is None:
            raise InterfaceError("This connection has no API client.")
        response = client.request("PUT", f"/api/v1/{entity}/{source}/merge", json={"merge_with_id": survivor})
        data = response.data if isinstance(response.data, dict) else {}
        return [{"Id": data.get("id", survivor), "MergedId": source}]

    return merge


def _record_id(value: Any, name: str, label: str) -> int:
    if value is None or value == "":
        raise ProgrammingError(f"Merge{label.capitalize()}s needs {name}, the id of {_a(label)}.")
    try:
        return to_int(value)
    except BadValue:
        raise ProgrammingError(
            f"{name} must be the id of {_a(label)} (a whole number), not {value!r}."
        ) from None


def _a(label: str) -> str:
    return f"an {label}" if label[0] in "aeiou" else f"a {label}"


def _procedure(name: str, entity: str, label: str) -> Procedure:
    return Procedure(
        name=name,
        description=(
            f"Merges {label} Id into {label} MergeWithId: MergeWithId remains (keeping its values and "
            f"taking the other's related items); Id is deleted."
        ),
        parameters=(
            ProcedureParameter("Id", "BIGINT", f"The {label} merged away (deleted).", required=True),
            ProcedureParameter("MergeWithId", "BIGINT", f"The {label} that remains.", required=True),
        ),
        columns=(
            ProcedureColumn("Id", "BIGINT", f"The {label} that remains."),
            ProcedureColumn("MergedId", "BIGINT", f"The {label} merged into it (now deleted)."),
        ),
        function=_merge(entity, label),
    )


PROCEDURES: list[Procedure] = [
    _procedure("MergeDeals", "deals", "deal"),
    _procedure("MergePersons", "persons", "person"),
    _procedure("MergeOrganizations", "organizations", "organization"),
]
