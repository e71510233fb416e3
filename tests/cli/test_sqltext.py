"""Splitting scripts into statements, and telling when the shell's input is complete."""

from __future__ import annotations

import pytest

from pipedrive_sql.cli.sqltext import is_complete, split_statements


@pytest.mark.parametrize(
    ("text", "statements"),
    [
        ("SELECT 1", ["SELECT 1"]),
        ("SELECT 1; SELECT 2;", ["SELECT 1", "SELECT 2"]),
        ("SELECT 'a;b'; SELECT 2", ["SELECT 'a;b'", "SELECT 2"]),
        ("SELECT 'it''s;'", ["SELECT 'it''s;'"]),
        ('SELECT "x;y" FROM [a;b]', ['SELECT "x;y" FROM [a;b]']),
        ("SELECT 1 -- a; comment\n; SELECT 2", ["SELECT 1 -- a; comment", "SELECT 2"]),
        ("/* ; */ SELECT 1;;", ["/* ; */ SELECT 1"]),
        ("-- only a comment\n;  ;", []),
        ("", []),
    ],
)
def test_split_statements(text: str, statements: list[str]) -> None:
    assert split_statements(text) == statements


@pytest.mark.parametrize(
    ("text", "complete"),
    [
        ("SELECT 1;", True),
        ("SELECT 1;  -- trailing comment", True),
        ("SELECT 1", False),
        ("SELECT ';", False),
        ("SELECT 1\nFROM Deals\n;", True),
        ("SELECT 1; SELECT 2", False),
        ("SELECT [a;", False),
        ("SELECT 1 /* ; */", False),
    ],
)
def test_is_complete(text: str, complete: bool) -> None:
    assert is_complete(text) is complete
