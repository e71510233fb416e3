"""Where the command writes: results to stdout, everything else (messages, prompts, progress) to stderr."""

from __future__ import annotations

import os
import sys
import warnings
from typing import Any, TextIO

from rich.console import Console
from rich.text import Text

# Results only: a pipe receives nothing but data.
out = Console(highlight=False)
# Messages, warnings, prompts and progress.
err = Console(stderr=True, highlight=False)


class State:
    """Process-wide switches set by the top-level options."""

    debug: bool = os.environ.get("PIPEDRIVE_SQL_DEBUG", "").lower() in ("1", "true", "yes", "on")


def stdin_is_terminal() -> bool:
    return _isatty(sys.stdin)


def stdout_is_terminal() -> bool:
    return _isatty(sys.stdout)


def stderr_is_terminal() -> bool:
    return _isatty(sys.stderr)


def _isatty(stream: TextIO | None) -> bool:
    try:
        return stream is not None and stream.isatty()
    except (ValueError, OSError):  # closed or detached
        return False


def can_prompt() -> bool:
    """Whether a person is there to answer questions: both ends of the conversation are a terminal."""
    return stdin_is_terminal() and stderr_is_terminal()


def error(message: str) -> None:
    # Text, not markup: messages quote user input such as "[Acme]" that rich would eat as a tag.
    err.print(Text.assemble(("Error: ", "bold red"), message), soft_wrap=True)


def warning(message: str) -> None:
    err.print(Text.assemble(("Warning: ", "bold yellow"), message), soft_wrap=True)


def note(message: str) -> None:
    err.print(Text(message, style="dim"), soft_wrap=True)


def success(message: str) -> None:
    err.print(Text(message, style="green"), soft_wrap=True)


def install_warning_printer() -> None:
    """Show Python warnings (e.g. a DSN file others can read) as one 'Warning:' line each."""

    def show(
        message: Warning | str,
        category: type[Warning],
        filename: str,
        lineno: int,
        file: Any = None,
        line: str | None = None,
    ) -> None:
        warning(str(message))

    warnings.showwarning = show
