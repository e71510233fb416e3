"""Column names: the API's snake_case and users' field names, in PascalCase."""

from __future__ import annotations

import re
from collections.abc import Iterable

__all__ = ["pascal_case", "unique_names"]

_WORDS = re.compile(r"[^\W_]+", re.UNICODE)


def pascal_case(text: str) -> str:
    """``owner_id`` -> ``OwnerId``; ``Deal source (2)`` -> ``DealSource2``; ``ARR`` stays ``ARR``.

    Words keep their inner capitals (``iPhone model`` -> ``IPhoneModel``); a name that would start with a
    digit gets a leading underscore so it stays a plain identifier.
    """
    words = _WORDS.findall(text)
    name = "".join(w[0].upper() + w[1:] for w in words)
    if name and name[0].isdigit():
        name = "_" + name
    return name


def unique_names(wanted: Iterable[tuple[str, str, tuple[str, ...]]], taken: Iterable[str]) -> dict[str, str]:
    """Resolve collisions deterministically. ``wanted`` holds ``(key, base, suffixes)``: a field's key, the
    name it wants, and the suffixes of the columns it makes (``("",)``, or ``("", "Currency")`` for money).
    ``taken`` are the built-in column names. Returns ``{key: base}``.

    A field whose names collide (case-insensitively) with a built-in column or with another field's names
    gets the first 8 characters of its key appended to its base name, and so does every other field in the
    collision: the result does not depend on the order fields are listed in, and adding a field never
    renames an unrelated one.
    """
    items = [(key, base or "Field", suffixes) for key, base, suffixes in wanted]
    reserved = {t.lower() for t in taken}
    owners: dict[str, set[str]] = {}
    for key, base, suffixes in items:
        for suffix in suffixes:
            owners.setdefault((base + suffix).lower(), set()).add(key)
    out: dict[str, str] = {}
    for key, base, suffixes in items:
        names = [(base + suffix).lower() for suffix in suffixes]
        clash = any(n in reserved or len(owners[n]) > 1 for n in names)
        out[key] = f"{base}_{_key_suffix(key)}" if clash else base
    return out


def _key_suffix(key: str) -> str:
    return "".join(ch for ch in key if ch.isalnum())[:8] or "x"
