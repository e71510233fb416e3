"""The procedure registry offline: providers, binding, context."""

from __future__ import annotations

import sys
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


def test_providers_are_loaded_lazily_as_lists_or_dicts(monkeypatch: pytest.MonkeyPatch) -> None:
    as_list = types.ModuleType("fake_provider_list")
    as_list.PROCEDURES = [make("One")]  # type: ignore[attr-defined]
    as_dict = types.ModuleType("fake_provider_dict")
    as_dict.PROCEDURES = {"Two": make("Two")}  # type: ignore[attr-defined]
    monkeypatch.setitem(sys.modules, "fake_provider_list", as_list)
    monkeypatch.setitem(sys.modules, "fake_provider_dict", as_dict)
    registry = ProcedureRegistry(
        providers=("fake_provider_list", "fake_provider_dict", "not_installed_module")
    )
    assert [p.name for p in registry.all()] == ["One", "Two"]
    assert registry.get("two").name == "Two"


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
