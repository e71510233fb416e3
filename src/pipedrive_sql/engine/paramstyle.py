"""The other DB-API parameter styles, recognised: ``%s`` (format) and ``%(name)s`` (pyformat).

The driver's paramstyle is ``qmark`` (``?``); ``:name`` and ``@name`` take a mapping. Code written for
psycopg or MySQL drivers uses ``%s`` and ``%(name)s``: those markers are read as ``?`` and ``:name``, so such
code runs unchanged. As in those drivers, once a statement uses them a literal ``%`` outside strings is
written ``%%``. Markers inside string literals, quoted names and comments are text, never parameters; a
``%`` followed by anything else stays the modulo operator.
"""

from __future__ import annotations

import re

from pipedrive_sql.errors import ProgrammingError

__all__ = ["STYLES", "as_qmark"]

STYLES = (
    "? (qmark, by position: the driver's paramstyle), :name or @name (named, from a mapping), "
    "%s (format, by position) and %(name)s (pyformat, from a mapping)"
)

_MARKER = re.compile(r"%\(([A-Za-z_][A-Za-z0-9_]*)\)s|%s|%%|\?")


def as_qmark(text: str) -> str:
    """``text`` with ``%s`` as ``?`` and ``%(name)s`` as ``:name`` (and ``%%`` as ``%`` when it has either);
    unchanged when it has neither. Mixing styles in one statement is a ProgrammingError naming them."""
    pieces = _split(text)
    found: set[str] = set()
    for quoted, piece in pieces:
        if quoted:
            continue
        for match in _MARKER.finditer(piece):
            token = match.group(0)
            if token == "?":
                found.add("qmark")
            elif token == "%s":
                found.add("format")
            elif token != "%%":
                found.add("pyformat")
    if not found & {"format", "pyformat"}:
        return text
    if len(found) > 1:
        raise ProgrammingError(f"Use one parameter style per statement; the driver accepts {STYLES}.")
    out: list[str] = []
    for quoted, piece in pieces:
        out.append(piece if quoted else _MARKER.sub(_replacement, piece))
    return "".join(out)


def _replacement(match: re.Match[str]) -> str:
    token = match.group(0)
    if token == "%s":
        return "?"
    if token == "%%":
        return "%"
    if token == "?":
        return token
    return f":{match.group(1)}"


def _split(text: str) -> list[tuple[bool, str]]:
    """``text`` cut into (quoted, piece): string literals, quoted names and comments are quoted pieces."""
    pieces: list[tuple[bool, str]] = []
    start = index = 0
    length = len(text)
    while index < length:
        char = text[index]
        end = -1
        if char in "'\"[`":
            close = {"'": "'", '"': '"', "[": "]", "`": "`"}[char]
            end = index + 1
            while end < length:
                if text[end] == close:
                    if close in "'\"" and end + 1 < length and text[end + 1] == close:
                        end += 2  # a doubled quote inside the literal
                        continue
                    break
                end += 1
            end = min(end + 1, length)
        elif text.startswith("--", index):
            newline = text.find("\n", index)
            end = length if newline < 0 else newline
        elif text.startswith("/*", index):
            close_at = text.find("*/", index + 2)
            end = length if close_at < 0 else close_at + 2
        if end < 0:
            index += 1
            continue
        if start < index:
            pieces.append((False, text[start:index]))
        pieces.append((True, text[index:end]))
        start = index = end
    if start < length:
        pieces.append((False, text[start:]))
    return pieces
