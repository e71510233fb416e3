"""Fixtures for the command-line tests: a private environment per test, and a pty runner."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from tests.cli.helpers import Terminal, cli_env, run_cli


@pytest.fixture
def env(tmp_path: Path) -> dict[str, str]:
    return cli_env(tmp_path)


@pytest.fixture
def cli(env: dict[str, str]) -> Callable[..., Any]:
    def run(*args: str, **kwargs: Any) -> Any:
        return run_cli(args, kwargs.pop("env", env), **kwargs)

    return run


@pytest.fixture
def terminal(env: dict[str, str]) -> Iterator[Callable[..., Terminal]]:
    opened: list[Terminal] = []

    def open_terminal(*args: str, **kwargs: Any) -> Terminal:
        term = Terminal(args, kwargs.pop("env", env), **kwargs)
        opened.append(term)
        return term

    yield open_terminal
    for term in opened:
        term.close()
