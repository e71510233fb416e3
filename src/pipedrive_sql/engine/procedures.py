"""Stored procedures: ``EXEC Name Param='x', ...`` and ``cursor.callproc(name, params)``.

A procedure is any object with this shape (``pipedrive_sql.auth.procedures.Procedure`` has it, and so does
``Procedure`` below)::

    name: str; description: str
    parameters: sequence of objects with name, type, description, required, default
    columns: sequence of objects with name, type, description       (the result set)
    call(settings, arguments: Mapping[str, Any], **context) -> list[dict]   (rows keyed by column name)
                                    or a ResultSets (several lists of rows: cursor.nextset() walks them)

How procedures get here:
- ``register(procedure)`` adds one to the process-wide registry (modules of the engine layer and above);
- modules that define procedures expose ``PROCEDURES`` (a list, or a dict by name) and are imported here by
  name, plainly, their lists in ``PROVIDERS`` (``pipedrive_sql.auth.procedures``, ``engine.merges``): a
  missing module is an ImportError when the driver is imported, never a procedure silently absent.
  The shape of a procedure lives in ``procedure_defs``, below both.

``context`` offers what a procedure may need beyond its arguments: ``client`` (the ApiClient), ``catalog``,
``connection`` (the DB-API connection) and ``dsn_name``; a procedure receives only the context names its
function accepts (all of them when it takes ``**kwargs``).
"""

from __future__ import annotations

import inspect
import threading
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

from pipedrive_sql.auth import procedures as auth_procedures
from pipedrive_sql.engine import merges
from pipedrive_sql.engine.procedure_defs import (
    Procedure,
    ProcedureColumn,
    ProcedureLike,
    ProcedureParameter,
    ResultSets,
    Row,
    bind_arguments,
)
from pipedrive_sql.errors import ProgrammingError, did_you_mean

__all__ = [
    "PROVIDERS",
    "REGISTRY",
    "Procedure",
    "ProcedureColumn",
    "ProcedureLike",
    "ProcedureParameter",
    "ProcedureRegistry",
    "ResultSets",
    "bind_arguments",
    "register",
]

# The procedures of the modules that define them (the auth layer's, the merges), registered on first use.
PROVIDERS: tuple[Iterable[Any] | Mapping[str, Any], ...] = (
    auth_procedures.PROCEDURES,
    merges.PROCEDURES,
)


class ProcedureRegistry:
    """Procedures by name (case-insensitive)."""

    def __init__(self, providers: Iterable[Iterable[Any] | Mapping[str, Any]] = PROVIDERS) -> None:
        self._procedures: dict[str, ProcedureLike] = {}
        self._providers = tuple(providers)
        self._loaded = False
        self._lock = threading.Lock()

    def register(self, procedure: ProcedureLike) -> ProcedureLike:
        """Add (or replace) ``procedure``; returns it, so it can decorate a module-level definition."""
        for attr in ("name", "parameters", "columns", "call"):
            if not hasattr(procedure, attr):
                raise TypeError(f"A procedure needs {attr!r}: {procedure!r}")
        with self._lock:
            self._procedures[procedure.name.lower()] = procedure
        return procedure

    def all(self) -> list[ProcedureLike]:
        self._load_providers()
        return sorted(self._procedures.values(), key=lambda p: p.name.lower())

    def get(self, name: str) -> ProcedureLike:
        self._load_providers()
        found = self._procedures.get(name.lower())
        if found is None:
            hint = did_you_mean(name, [p.name for p in self._procedures.values()])
            raise ProgrammingError(
                f"There is no stored procedure {name!r}.{hint} SELECT * FROM sys_procedures lists them."
            )
        return found

    def call(
        self,
        name: str,
        arguments: Mapping[str, Any] | Sequence[Any],
        settings: Any,
        context: Mapping[str, Any],
    ) -> tuple[ProcedureLike, list[Row]]:
        """Run procedure ``name``; positional ``arguments`` follow the declared parameter order."""
        procedure = self.get(name)
        if not isinstance(arguments, Mapping):
            arguments = _positional(procedure, arguments)
        rows = procedure.call(settings, arguments, **_accepted_context(procedure, context))
        return procedure, rows if isinstance(rows, ResultSets) else list(rows or [])

    def _load_providers(self) -> None:
        if self._loaded:
            return
        with self._lock:
            if self._loaded:
                return
            self._loaded = True
            providers = self._providers
        for provided in providers:
            procedures: Iterable[Any] = provided.values() if isinstance(provided, Mapping) else provided
            for procedure in procedures:
                with self._lock:
                    self._procedures.setdefault(procedure.name.lower(), procedure)


def _positional(procedure: ProcedureLike, values: Sequence[Any]) -> dict[str, Any]:
    params = list(procedure.parameters)
    if len(values) > len(params):
        raise ProgrammingError(
            f"{procedure.name} takes at most {len(params)} parameter(s), got {len(values)}."
        )
    return {param.name: value for param, value in zip(params, values, strict=False)}


def _accepted_context(procedure: ProcedureLike, context: Mapping[str, Any]) -> dict[str, Any]:
    function = getattr(procedure, "function", None)
    if function is None:
        return {}
    try:
        signature = inspect.signature(function)
    except (TypeError, ValueError):
        return {}
    arguments = {p.name.lower() for p in procedure.parameters}
    offered = {k: v for k, v in context.items() if k.lower() not in arguments}
    if any(p.kind is inspect.Parameter.VAR_KEYWORD for p in signature.parameters.values()):
        return offered
    return {k: v for k, v in offered.items() if k in signature.parameters}


REGISTRY = ProcedureRegistry()


def register(procedure: ProcedureLike) -> ProcedureLike:
    """Register ``procedure`` process-wide (see the module docstring)."""
    return REGISTRY.register(procedure)
