"""A live line on stderr while a query runs: rows read from the API and API requests as they arrive (for
every query shape: an aggregate reads thousands of rows to return one), result rows written so far, waits
for rate limits.

Shown only when stderr is a terminal, the result is not being streamed to that same terminal, and the
query has run for half a second (quick queries should not flicker).
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from types import TracebackType
from typing import Any

from rich.live import Live
from rich.text import Text

from pipedrive_sql.cli import console

_DELAY_S = 0.5
_REFRESH_S = 0.2

StatsFn = Callable[[], dict[str, Any]]


def cursor_stats(cursor: Any) -> StatsFn:
    """What the cursor and its connection's API client can tell while a query runs (absent: not shown)."""
    counters = getattr(getattr(getattr(cursor, "connection", None), "client", None), "counters", None)
    start = _waits(counters)

    def stats() -> dict[str, Any]:
        out: dict[str, Any] = {}
        for name in ("api_rows", "api_requests", "api_tokens"):
            value = getattr(cursor, name, None)
            if isinstance(value, int | float):
                out[name] = value
        now = _waits(counters)
        if now is not None and start is not None and now[0] > start[0]:
            out["rate_limit_waits"] = now[0] - start[0]
            out["rate_limit_seconds"] = now[1] - start[1]
        return out

    return stats


def client_stats(client: Any) -> StatsFn:
    """What a connection's API client has read since now: records, requests, tokens, rate-limit waits
    (for work that reads through the client without a cursor, such as a sync of one table)."""
    counters = getattr(client, "counters", None)
    snapshot = getattr(counters, "snapshot", None)
    if snapshot is None:
        return dict
    start = snapshot()

    def stats() -> dict[str, Any]:
        spent = snapshot() - start
        out: dict[str, Any] = {
            "api_rows": spent.records,
            "api_requests": spent.requests,
            "api_tokens": spent.tokens,
        }
        if spent.rate_limit_waits:
            out["rate_limit_waits"] = spent.rate_limit_waits
            out["rate_limit_seconds"] = spent.seconds_waited
        return out

    return stats


def _waits(counters: Any) -> tuple[int, float] | None:
    snapshot = getattr(counters, "snapshot", None)
    if snapshot is None:
        return None
    snap = snapshot()
    return int(snap.rate_limit_waits), float(snap.seconds_waited)


class QueryProgress:
    """The live line, from ``stats`` (see ``cursor_stats``, ``client_stats``) every 0.2 s; ``label`` says
    what runs ("Running…", "Syncing Deals (2 of 9)…")."""

    def __init__(self, stats: StatsFn, *, enabled: bool, label: str = "Running…") -> None:
        self._stats = stats
        self._enabled = enabled
        self._label = label
        self._rows = 0
        self._started = time.monotonic()
        self._done = threading.Event()
        self._thread: threading.Thread | None = None

    def set_rows(self, rows: int) -> None:
        self._rows = rows

    def __enter__(self) -> QueryProgress:
        self._started = time.monotonic()
        if self._enabled:
            self._thread = threading.Thread(target=self._run, name="pipedrive-sql-progress", daemon=True)
            self._thread.start()
        return self

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self._done.set()
        if self._thread is not None:
            self._thread.join(timeout=2)

    def _run(self) -> None:
        if self._done.wait(_DELAY_S):
            return
        with Live(
            self._line(),
            console=console.err,
            transient=True,
            auto_refresh=False,
            redirect_stdout=False,
            redirect_stderr=False,
        ) as live:
            while not self._done.wait(_REFRESH_S):
                live.update(self._line(), refresh=True)

    def _line(self) -> Text:
        try:
            stats = self._stats()
        except Exception:  # the cursor may be mid-change on the other thread: skip this refresh
            stats = {}
        parts = []
        if "api_rows" in stats:
            parts.append(f"{stats['api_rows']:,} rows read")
        if "api_requests" in stats:
            count = stats["api_requests"]
            parts.append(f"{count:,} API request{'' if count == 1 else 's'}")
        if self._rows or not parts:
            parts.append(f"{self._rows:,} result row{'' if self._rows == 1 else 's'}")
        if stats.get("rate_limit_waits"):
            parts.append(
                f"{stats['rate_limit_waits']} waits for the rate limit ({stats['rate_limit_seconds']:.1f} s)"
            )
        parts.append(f"{time.monotonic() - self._started:.1f} s")
        return Text(f"{self._label} " + " · ".join(parts) + "  (Ctrl-C stops)", style="dim")
