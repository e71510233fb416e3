"""Which documented operation a concrete request is, and what it costs in tokens.

``/api/v2/deals/5`` is the operation ``GET /api/v2/deals/{id}``; ``/v1/leads`` is ``/api/v1/leads`` (Pipedrive
answers v1 under both prefixes). A template with more literal segments wins, so ``/api/v2/deals/search`` is
the search operation and not ``/api/v2/deals/{id}``.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass

from pipedrive_sql.api.costs import COSTS

__all__ = ["Operation", "operation", "token_cost"]

# Costs for operations the documents do not list: Pipedrive's published defaults for a list read and a write.
UNKNOWN_READ_COST = 20
UNKNOWN_WRITE_COST = 10


@dataclass(frozen=True)
class Operation:
    method: str
    template: str  # the documented path template, or the concrete path when none matches
    cost: int
    known: bool

    @property
    def is_search(self) -> bool:
        """Search operations have a burst limit of their own, lower than the token's."""
        last = self.template.rstrip("/").rsplit("/", 1)[-1]
        return last == "search" or "itemSearch" in self.template

    @property
    def key(self) -> str:
        """``"GET /api/v2/deals/{id}"``: how counters and logs name the operation."""
        return f"{self.method} {self.template}"


def normalize_path(path: str) -> str:
    """The path without query string or trailing slash, with ``/v1/`` spelled ``/api/v1/``."""
    path = path.split("?", 1)[0]
    if len(path) > 1:
        path = path.rstrip("/")
    if path.startswith("/v1/") or path == "/v1":
        path = "/api" + path
    return path


@functools.cache
def _templates_by_length() -> dict[int, list[tuple[tuple[str, ...], str]]]:
    """Templates grouped by segment count, most literal segments first (so literals beat ``{id}``)."""
    table: dict[int, list[tuple[tuple[str, ...], str]]] = {}
    for template in COSTS:
        parts = tuple(template.strip("/").split("/"))
        table.setdefault(len(parts), []).append((parts, template))
    for entries in table.values():
        entries.sort(key=lambda entry: sum(part.startswith("{") for part in entry[0]))
    return table


def _matches(template: tuple[str, ...], parts: list[str]) -> bool:
    return all(
        t == p or (t.startswith("{") and t.endswith("}") and p) for t, p in zip(template, parts, strict=True)
    )


@functools.lru_cache(maxsize=4096)
def operation(method: str, path: str) -> Operation:
    """The documented operation ``method path`` is an instance of, with its token cost."""
    method = method.upper()
    path = normalize_path(path)
    exact = COSTS.get(path, {}).get(method)
    if exact is not None:
        return Operation(method, path, exact, True)
    parts = path.strip("/").split("/")
    for template_parts, template in _templates_by_length().get(len(parts), []):
        cost = COSTS[template].get(method)
        if cost is not None and _matches(template_parts, parts):
            return Operation(method, template, cost, True)
    fallback = UNKNOWN_READ_COST if method == "GET" else UNKNOWN_WRITE_COST
    return Operation(method, path, fallback, False)


def token_cost(method: str, path: str) -> int:
    """Tokens Pipedrive charges for ``method path`` (its ``x-token-cost``); a guess for undocumented ones."""
    return operation(method, path).cost
