"""Just enough SQL lexing to split a script into statements and tell when the shell's input is complete.

Quotes ('...' with '' inside, "...", [...], `...`) and comments (-- to end of line, /* ... */) are skipped, so
a ';' inside them does not end a statement.
"""

from __future__ import annotations

from collections.abc import Iterator

_CLOSERS = {"'": "'", '"': '"', "[": "]", "`": "`"}


def split_statements(text: str) -> list[str]:
    """The statements of ``text`` without their ';' terminators, blank ones and pure comments dropped."""
    parts: list[str] = []
    start = 0
    for end in _terminators(text):
        parts.append(text[start:end])
        start = end + 1
    parts.append(text[start:])
    return [p.strip() for p in parts if _has_code(p)]


def is_complete(text: str) -> bool:
    """Whether the shell should run ``text``: its last code character is a ';' outside quotes and comments."""
    ends = _terminators(text)
    if not ends:
        return False
    return not _has_code(text[ends[-1] + 1 :])


def _has_code(text: str) -> bool:
    return any(not text[i].isspace() for i in _code(text))


def _skip_comment(text: str, i: int) -> int:
    """The index after a comment starting at ``i`` (an unterminated one runs to the end), or ``i``."""
    if text.startswith("--", i):
        newline = text.find("\n", i)
        return len(text) if newline < 0 else newline + 1
    if text.startswith("/*", i):
        close = text.find("*/", i + 2)
        return len(text) if close < 0 else close + 2
    return i


def _terminators(text: str) -> list[int]:
    """Indexes of the ';' that end statements."""
    return [i for i in _code(text) if text[i] == ";"]


def _code(text: str) -> Iterator[int]:
    """Indexes of the characters outside comments; a quoted run stands as its opening quote alone."""
    i, n = 0, len(text)
    while i < n:
        skipped = _skip_comment(text, i)
        if skipped != i:
            i = skipped
            continue
        yield i
        ch = text[i]
        i = _skip_quoted(text, i, _CLOSERS[ch]) if ch in _CLOSERS else i + 1


def _skip_quoted(text: str, i: int, close: str) -> int:
    j = i + 1
    while j < len(text):
        if text[j] == close:
            if j + 1 < len(text) and text[j + 1] == close:  # a doubled quote stands for itself
                j += 2
                continue
            return j + 1
        j += 1
    return len(text)  # unterminated: the statement is not complete yet
