"""Lexical work on SQL text that must respect quotes and comments: splitting a simple-query message
into statements, finding `$n` placeholders, and naming a statement's command for CommandComplete.

A tiny scanner is used instead of a parser because clients send SQL that no one parser accepts
(psqlODBC's `BEGIN;select ...`, pgjdbc's `$1::text`, T-SQL brackets meant for the driver).
"""

from __future__ import annotations

import re
from collections.abc import Iterator

_DOLLAR_TAG = re.compile(r"\$([A-Za-z_][A-Za-z0-9_]*)?\$")


def tokens(sql: str) -> Iterator[tuple[str, int, int]]:
    """Yield (kind, start, end) for quoted/comment regions and single significant characters."""
    i, n = 0, len(sql)
    while i < n:
        c = sql[i]
        if c == "'" or c == '"':
            j = i + 1
            while j < n:
                if sql[j] == c:
                    if j + 1 < n and sql[j + 1] == c:
                        j += 2
                        continue
                    break
                if c == "'" and sql[j] == "\\" and i > 0 and sql[i - 1] in "eE":
                    j += 2
                    continue
                j += 1
            yield ("quoted", i, j + 1)
            i = j + 1
        elif c == "-" and sql.startswith("--", i):
            j = sql.find("\n", i)
            j = n if j < 0 else j
            yield ("comment", i, j)
            i = j
        elif c == "/" and sql.startswith("/*", i):
            j = sql.find("*/", i + 2)
            j = n if j < 0 else j + 2
            yield ("comment", i, j)
            i = j
        elif c == "$":
            m = _DOLLAR_TAG.match(sql, i)
            if m and not (i > 0 and (sql[i - 1].isalnum() or sql[i - 1] == "_")):
                end = sql.find(m.group(0), m.end())
                end = n if end < 0 else end + len(m.group(0))
                yield ("quoted", i, end)
                i = end
            else:
                j = i + 1
                while j < n and sql[j].isdigit():
                    j += 1
                yield ("param" if j > i + 1 else "char", i, j if j > i + 1 else i + 1)
                i = j if j > i + 1 else i + 1
        elif c == "[":
            j = sql.find("]", i)
            j = n if j < 0 else j + 1
            yield ("quoted", i, j)
            i = j
        else:
            yield ("char", i, i + 1)
            i += 1


def split_statements(sql: str) -> list[str]:
    """Split on top-level semicolons; empty statements are dropped."""
    parts: list[str] = []
    start = 0
    for kind, s, _e in tokens(sql):
        if kind == "char" and sql[s] == ";":
            parts.append(sql[start:s])
            start = s + 1
    parts.append(sql[start:])
    return [p for p in (x.strip() for x in parts) if p and not is_only_comments(p)]


def is_only_comments(sql: str) -> bool:
    return all(kind == "comment" or sql[s:e].isspace() for kind, s, e in tokens(sql))


def strip_comments(sql: str) -> str:
    out: list[str] = []
    last = 0
    for kind, s, e in tokens(sql):
        if kind == "comment":
            out.append(sql[last:s])
            out.append(" ")
            last = e
    out.append(sql[last:])
    return "".join(out).strip()


def placeholders(sql: str) -> list[int]:
    """The `$n` numbers in order of appearance (outside quotes and comments)."""
    return [int(sql[s + 1 : e]) for kind, s, e in tokens(sql) if kind == "param"]


def replace_placeholders(sql: str, style: str) -> tuple[str, list[int]]:
    """Rewrite `$n` into a DB-API paramstyle; return the new SQL and, per marker, which `$n` it takes."""
    out: list[str] = []
    order: list[int] = []
    last = 0
    for kind, s, e in tokens(sql):
        if kind != "param":
            continue
        number = int(sql[s + 1 : e])
        out.append(sql[last:s])
        if style == "qmark":
            out.append("?")
        elif style == "numeric":
            out.append(f":{number}")
        elif style == "named":
            out.append(f":p{number}")
        elif style == "format":
            out.append("%s")
        elif style == "pyformat":
            out.append(f"%(p{number})s")
        else:  # "dollar": keep
            out.append(sql[s:e])
        order.append(number)
        last = e
    out.append(sql[last:])
    return "".join(out), order


def pad_placeholders(sql: str) -> str:
    """Spaces around each `$n` that touches an operator: sqlglot reads `$1/$2` as the start of a
    dollar-quoted string and `/$2` as an unfinished division, PostgreSQL as two parameters."""
    out: list[str] = []
    last = 0
    for kind, s, e in tokens(sql):
        if kind != "param":
            continue
        before = " " if s > 0 and not sql[s - 1].isspace() and sql[s - 1] not in "(," else ""
        after = " " if e < len(sql) and not sql[e].isspace() and sql[e] not in "),:;" else ""
        out.append(sql[last:s] + before + sql[s:e] + after)
        last = e
    out.append(sql[last:])
    return "".join(out)


def qmarks_to_dollars(sql: str) -> str:
    """psqlODBC never does this, but ad-hoc tools may send `?` markers: number them as `$n`."""
    out: list[str] = []
    last, count = 0, 0
    for kind, s, _e in tokens(sql):
        if kind == "char" and sql[s] == "?":
            count += 1
            out.append(sql[last:s])
            out.append(f"${count}")
            last = s + 1
    out.append(sql[last:])
    return "".join(out)


_WORD = re.compile(r"[A-Za-z_]+")


def first_words(sql: str, count: int = 2) -> list[str]:
    """The leading keywords, upper-cased (comments and opening parentheses skipped)."""
    text = strip_comments(sql).lstrip("( \t\r\n")
    words: list[str] = []
    for m in _WORD.finditer(text):
        words.append(m.group(0).upper())
        if len(words) >= count:
            break
    return words


def command_tag(sql: str, rowcount: int) -> str:
    """The CommandComplete tag clients parse for affected-row counts."""
    words = first_words(sql, 2)
    head = words[0] if words else ""
    rows = max(rowcount, 0)
    if head in ("SELECT", "WITH", "VALUES", "TABLE", "SHOW", "EXPLAIN", "EXEC", "EXECUTE", "CALL"):
        return f"SELECT {rows}"
    if head == "INSERT":
        return f"INSERT 0 {rows}"
    if head in ("UPDATE", "DELETE", "MERGE", "FETCH", "MOVE", "COPY"):
        return f"{head} {rows}"
    if head == "START":
        return "START TRANSACTION"
    if head in ("CREATE", "DROP", "ALTER") and len(words) > 1:
        return f"{head} {words[1]}"
    return head or "SELECT 0"


def substitute_placeholders(sql: str, values: list[str]) -> str:
    """Put SQL text in place of each `$n` (outside quotes and comments): SQL-level EXECUTE."""
    out: list[str] = []
    last = 0
    for kind, s, e in tokens(sql):
        if kind != "param":
            continue
        number = int(sql[s + 1 : e])
        if not 1 <= number <= len(values):
            raise ValueError(f"there is no parameter ${number}")
        out.append(sql[last:s])
        out.append(values[number - 1])
        last = e
    out.append(sql[last:])
    return "".join(out)
