"""What a stored procedure is: its parameters, its result columns, and how arguments bind to it.

The shape every procedure has (``Procedure`` below, ``pipedrive_sql.auth.procedures.Procedure`` too), kept
apart from the registry so that the modules defining procedures (``merges``) and the registry that lists
them (``procedures``) both build on it without importing each other.

A procedure returns a list of rows (dicts keyed by column name): one result set. ``ResultSets`` returns
several, which ``cursor.nextset()`` walks through.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Protocol

from pipedrive_sql.errors import ProgrammingError, did_you_mean

__all__ = [
    "Procedure",
    "ProcedureColumn",
    "ProcedureLike",
    "ProcedureParameter",
    "ResultSets",
    "Row",
    "bind_arguments",
]

Row = dict[str, Any]


class ProcedureLike(Protocol):
    name: str
    description: str

    @property
    def parameters(self) -> Sequence[Any]: ...

    @property
    def columns(self) -> Sequence[Any]: ...

    def call(self, settings: Any, arguments: Mapping[str, Any], **context: Any) -> list[Row]: ...


@dataclass(frozen=True)
class ProcedureParameter:
    name: str
    type: str = "VARCHAR"
    description: str = ""
    required: bool = False
    default: str | None = None


@dataclass(frozen=True)
class ProcedureColumn:
    name: str
    type: str = "VARCHAR"
    description: str = ""


@dataclass(frozen=True)
class Procedure:
    """A procedure defined in the engine layer or above: ``function(settings, **arguments, **context)``."""

    name: str
    description: str
    parameters: tuple[ProcedureParameter, ...]
    columns: tuple[ProcedureColumn, ...]
    function: Callable[..., list[Row]] = field(repr=False)

    def call(self, settings: Any, arguments: Mapping[str, Any], **context: Any) -> list[Row]:
        return self.function(settings, **bind_arguments(self, arguments), **context)


def bind_arguments(procedure: Any, arguments: Mapping[str, Any]) -> dict[str, Any]:
    """``arguments`` keyed by canonical parameter names; unknown names and missing required ones are errors."""
    by_lower = {p.name.lower(): p for p in procedure.parameters}
    bound: dict[str, Any] = {}
    for raw, value in arguments.items():
        param = by_lower.get(str(raw).lstrip("@:").lower())
        if param is None:
            hint = did_you_mean(str(raw), [p.name for p in procedure.parameters])
            known = ", ".join(p.name for p in procedure.parameters) or "none"
            raise ProgrammingError(
                f"{procedure.name} has no parameter {raw!r}.{hint} Its parameters: {known}."
            )
        bound[param.name] = value
    for param in procedure.parameters:
        if getattr(param, "required", False) and bound.get(param.name) in (None, ""):
            raise ProgrammingError(
                f"{procedure.name} needs {param.name}: {getattr(param, 'description', '')}"
            )
    return bound


class ResultSets(list[list[Row]]):
    """What a procedure returns to produce several result sets, each a list of rows, in order."""
