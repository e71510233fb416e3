"""Paginators: how to ask for the next page, one small class per style (after dlt's REST client).

v2 lists page by an opaque cursor (``cursor`` in, ``additional_data.next_cursor`` out); v1 lists by offset
(``start`` in, ``additional_data.pagination.next_start`` and ``more_items_in_collection`` out). Both answer to
``update_request(params)`` (put the position into the next request), ``update_state(response)`` (read the next
position from an answer) and ``has_next_page``.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from typing import Any

from pipedrive_sql.api.models import ApiResponse
from pipedrive_sql.errors import InternalError

__all__ = ["CursorPaginator", "OffsetPaginator", "Paginator", "paginator_for"]


class Paginator(ABC):
    has_next_page: bool = True

    @abstractmethod
    def update_request(self, params: dict[str, Any]) -> None:
        """Set the position of the next page in ``params``."""

    @abstractmethod
    def update_state(self, response: ApiResponse) -> None:
        """Read where the next page starts from ``response``; clears ``has_next_page`` at the end."""


class CursorPaginator(Paginator):
    def __init__(self) -> None:
        self.cursor: str | None = None
        self._seen: set[str] = set()

    def update_request(self, params: dict[str, Any]) -> None:
        if self.cursor is None:
            params.pop("cursor", None)
        else:
            params["cursor"] = self.cursor

    def update_state(self, response: ApiResponse) -> None:
        extra = response.additional_data if isinstance(response.additional_data, dict) else {}
        cursor = extra.get("next_cursor")
        if not cursor:
            self.has_next_page = False
            return
        if not isinstance(cursor, str):
            raise InternalError(
                f"The API returned a page cursor that is not text ({type(cursor).__name__}); the rest of "
                "the list cannot be asked for. Try again; if it persists, report it to Pipedrive."
            )
        # A cursor handed out twice would loop forever; that is a server bug, not the end of the data.
        if cursor in self._seen:
            raise InternalError(f"The API returned the same page cursor twice ({cursor[:40]}...).")
        self._seen.add(cursor)
        self.cursor = cursor


class OffsetPaginator(Paginator):
    def __init__(self, start: int = 0) -> None:
        self.start = start

    def update_request(self, params: dict[str, Any]) -> None:
        params["start"] = self.start

    def update_state(self, response: ApiResponse) -> None:
        extra = response.additional_data if isinstance(response.additional_data, dict) else {}
        pagination = extra.get("pagination") if isinstance(extra.get("pagination"), dict) else {}
        if not pagination or not pagination.get("more_items_in_collection"):
            self.has_next_page = False
            return
        next_start = pagination.get("next_start")
        if not isinstance(next_start, int) or next_start <= self.start:
            raise InternalError(f"The API's next page start {next_start!r} does not move past {self.start}.")
        self.start = next_start


def paginator_for(path: str) -> Paginator:
    """Cursor paging for ``/api/v2/...`` and v1's change logs (``/v1/deals/{id}/changelog``: ``cursor`` in,
    ``additional_data.next_cursor`` out), offset paging for everything else (v1)."""
    bare = path.split("?", 1)[0]
    return CursorPaginator() if "/v2/" in bare or bare.endswith("/changelog") else OffsetPaginator()
