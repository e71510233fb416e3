from __future__ import annotations

import pytest

from pipedrive_sql.catalog.naming import pascal_case, unique_names


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("owner_id", "OwnerId"),
        ("Deal source", "DealSource"),
        ("Kick-off call", "KickOffCall"),
        ("ARR", "ARR"),
        ("iPhone model", "IPhoneModel"),
        ("2nd phone", "_2ndPhone"),
        ("Größe (cm)", "GrößeCm"),
        ("  spaced   out  ", "SpacedOut"),
        ("!!!", ""),
    ],
)
def test_pascal_case(text: str, expected: str) -> None:
    assert pascal_case(text) == expected


def test_no_collision_keeps_names() -> None:
    wanted = [("k1", "Region", ("",)), ("k2", "Budget", ("", "Currency"))]
    assert unique_names(wanted, ["Id", "Title"]) == {"k1": "Region", "k2": "Budget"}


def test_collision_with_builtin_gets_key_suffix() -> None:
    assert unique_names([("abc123def456", "Title", ("",))], ["Id", "title"]) == {
        "abc123def456": "Title_abc123de"
    }


def test_collision_between_fields_suffixes_all_members_order_independent() -> None:
    wanted = [("aaaa1111zzzz", "Region", ("",)), ("bbbb2222zzzz", "Region", ("",)), ("cccc", "Other", ("",))]
    first = unique_names(wanted, [])
    second = unique_names(list(reversed(wanted)), [])
    assert (
        first
        == second
        == {"aaaa1111zzzz": "Region_aaaa1111", "bbbb2222zzzz": "Region_bbbb2222", "cccc": "Other"}
    )


def test_derived_names_collide_too() -> None:
    # A monetary field "Budget" makes BudgetCurrency, which a built-in column already uses.
    assert unique_names([("k9", "Budget", ("", "Currency"))], ["BudgetCurrency"]) == {"k9": "Budget_k9"}


def test_empty_name_falls_back() -> None:
    assert unique_names([("key", "", ("",))], []) == {"key": "Field"}
