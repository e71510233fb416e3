"""Stored procedures: ``EXEC Name Param='x', ...`` and ``cursor.callproc(name, params)``.

A procedure is any object with this shape (``pipedrive_sql.auth.procedures.Procedure`` has it, and so does
``Procedure`` below)::

    name: str; description: str
    parameters: sequence of objects with name, type, description, required, default
    columns: sequence of objects with name, type, description       (the result set)
    call(settings, arguments: Mapping[str, Any], **context) -> list[dict]   (rows keyed by column name)

How procedures get here:
- ``register(procedure)`` adds one to the process-wide registry (modules of the engine layer and above);
- modules of lower layers, which must not import the engine, expose ``PROCEDURES`` (a list, or a dict by
  name) and are named in ``PROVIDERS``; the registry imports them the first time it is used (``pipedrive_sql.auth.procedures``).

``context`` offers what a procedure may need beyond its arguments: ``client`` (the ApiClient), ``catalog``,
``connection`` (the DB-API connection) and ``dsn_name``; a procedure receives only the context names its
function accepts (all of them when it takes ``**kwargs``).
"""

from __future__ import annotations

import importlib
import inspect
import threading
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Protocol

from pipedrive_sql.errors import ProgrammingError, did_you_mean

__all__ = [
    "PROVIDERS",
    "REGISTRY",
    "Procedure",
    "ProcedureColumn",
    "ProcedureLike",
    "ProcedureParameter",
    "ProcedureRegistry",
    "register",
]

# Modules (below the engine in the layering) whose ``PROCEDURES`` list is registered on first use.
PROVIDERS: tuple[str, ...] = ("pipedrive_sql.auth.procedures", "pipedrive_sql.engine.writes")

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


class ProcedureRegistry:
    """Procedures by name (case-insensitive)."""

    def __init__(self, providers: Iterable[str] = PROVIDERS) -> None:
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
        return procedure, list(rows or [])

    def _load_providers(self) -> None:
        if self._loaded:
            return
        with self._lock:
            if self._loaded:
                return
            self._loaded = True
            providers = self._providers
        for module_name in providers:
            try:
                module = importlib.import_module(module_name)
            except ImportError as exc:
                if exc.name and module_name.startswith(exc.name):
                    continue  # that part of the product is not installed (yet)
                raise
            provided = getattr(module, "PROCEDURES", ())
            if isinstance(provided, Mapping):
                provided = provided.values()
            for procedure in provided:
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
