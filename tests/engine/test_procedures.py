"""The procedure registry offline: providers, binding, context."""

from __future__ import annotations

import types
from typing import Any

import pytest

from pipedrive_sql.engine.procedures import Procedure, ProcedureColumn, ProcedureParameter, ProcedureRegistry
from pipedrive_sql.errors import ProgrammingError


def make(name: str = "Greet", function: Any = None) -> Procedure:
    return Procedure(
        name,
        "Says hello.",
        (ProcedureParameter("Name", required=True), ProcedureParameter("Punctuation", default="!")),
        (ProcedureColumn("Greeting"),),
        function or (lambda settings, Name, Punctuation="!": [{"Greeting": f"Hello {Name}{Punctuation}"}]),
    )


def test_providers_are_lists_or_dicts_of_procedures() -> None:
    registry = ProcedureRegistry(providers=([make("One")], {"Two": make("Two")}))
    assert [p.name for p in registry.all()] == ["One", "Two"]
    assert registry.get("two").name == "Two"


def test_the_default_providers_are_imported_plainly() -> None:
    """The auth procedures and the merges are always there: no module is looked up by name."""
    names = {p.name for p in ProcedureRegistry().all()}
    assert {"GetOAuthAuthorizationURL", "MergeDeals", "MergePersons", "MergeOrganizations"} <= names


def test_call_binds_by_name_or_position() -> None:
    registry = ProcedureRegistry(providers=())
    registry.register(make())
    _, rows = registry.call("greet", {"@name": "Ada"}, None, {})
    assert rows == [{"Greeting": "Hello Ada!"}]
    _, rows = registry.call("Greet", ["Ada", "?"], None, {})
    assert rows == [{"Greeting": "Hello Ada?"}]
    with pytest.raises(ProgrammingError, match="at most 2"):
        registry.call("Greet", ["a", "b", "c"], None, {})
    with pytest.raises(ProgrammingError, match="needs Name"):
        registry.call("Greet", {}, None, {})


def test_context_is_offered_only_where_accepted() -> None:
    got: dict[str, Any] = {}

    def wants_client(settings: Any, *, Name: str, Punctuation: str = "!", client: Any = None) -> list[Any]:
        got["client"] = client
        return []

    def takes_anything(settings: Any, **kwargs: Any) -> list[Any]:
        got["kwargs"] = kwargs
        return []

    registry = ProcedureRegistry(providers=())
    registry.register(make("A", wants_client))
    registry.register(make("B", takes_anything))
    context = {"client": "C", "catalog": "K", "Name": "shadowed"}
    registry.call("A", {"Name": "x"}, None, context)
    registry.call("B", {"Name": "x"}, None, context)
    assert got["client"] == "C"
    assert got["kwargs"] == {"Name": "x", "client": "C", "catalog": "K"}


def test_register_checks_the_shape() -> None:
    with pytest.raises(TypeError, match="needs 'call'"):
        ProcedureRegistry(providers=()).register(types.SimpleNamespace(name="x", parameters=(), columns=()))  # type: ignore[arg-type]
