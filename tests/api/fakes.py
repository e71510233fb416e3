"""Small in-process stand-ins for Pipedrive, served through ``httpx.MockTransport``.

For faults and shapes the sandbox cannot produce on demand (a given sequence of failures, a refused
connection, a precise header), and for scan tests that need thousands of timestamps spread over years.
"""

from __future__ import annotations

import email.utils
import threading
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
import orjson

from pipedrive_sql.api import ApiClient
from pipedrive_sql.api.retry import RetryPolicy
from pipedrive_sql.settings import build_settings

Handler = Callable[[httpx.Request], httpx.Response]


def envelope(
    data: Any, additional_data: Any = None, status: int = 200, headers: dict[str, str] | None = None
) -> httpx.Response:
    body: dict[str, Any] = {"success": status < 400, "data": data}
    if additional_data is not None:
        body["additional_data"] = additional_data
    # A generous limit: unit tests are about other things than pacing (which has its own tests).
    base = {"content-type": "application/json", "x-ratelimit-limit": "10000", "x-ratelimit-remaining": "9999"}
    return httpx.Response(status, content=orjson.dumps(body), headers={**base, **(headers or {})})


def pipedrive_error(status: int, message: str, headers: dict[str, str] | None = None) -> httpx.Response:
    body = {
        "success": False,
        "error": message,
        "error_info": "Please check developers.pipedrive.com",
        "data": None,
    }
    return httpx.Response(
        status, content=orjson.dumps(body), headers={"content-type": "application/json", **(headers or {})}
    )


class NoAuth(httpx.Auth):
    def auth_flow(self, request: httpx.Request):  # type: ignore[no-untyped-def]
        request.headers["x-api-token"] = "test-token-0123456789"
        yield request


def no_wait_policy(**changes: Any) -> RetryPolicy:
    """The default policy with backoff sleeps of zero: unit tests never wait for a backoff."""
    return RetryPolicy(random=lambda: 0.0, **changes)


def mock_client(handler: Handler, *, policy: RetryPolicy | None = None, **settings: Any) -> ApiClient:
    return ApiClient(
        build_settings({"CompanyDomain": "acme", **settings}),
        NoAuth(),
        base_url="https://acme.example",
        transport=httpx.MockTransport(handler),
        policy=policy or no_wait_policy(),
    )


class Script:
    """A handler that answers from a list of outcomes in order (a Response, or an exception to raise)."""

    def __init__(self, outcomes: Iterable[httpx.Response | Exception | Handler]) -> None:
        self.outcomes = list(outcomes)
        self.requests: list[httpx.Request] = []
        self._lock = threading.Lock()

    def __call__(self, request: httpx.Request) -> httpx.Response:
        with self._lock:
            self.requests.append(request)
            outcome = self.outcomes.pop(0) if len(self.outcomes) > 1 else self.outcomes[0]
        if isinstance(outcome, Exception):
            raise outcome
        if callable(outcome) and not isinstance(outcome, httpx.Response):
            return outcome(request)
        return outcome


def stamp(value: datetime) -> str:
    return value.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def parse(value: str) -> datetime:
    return datetime.fromisoformat(value)


@dataclass
class FakeCollection:
    """A v2 list endpoint over records with ``id`` and ``update_time``: the filters a parallel scan uses.

    ``updated_since`` (>=), ``updated_until`` (<), ``status`` (default: not deleted; a comma separated
    list, where ``deleted`` means the deleted ones; ``/archived`` paths are empty), ``sort_by`` id or
    update_time with a keyset cursor (value, id) as Pipedrive's, ``limit``. ``before_request`` runs before
    each list request (a test uses it to write while a scan is running).
    """

    records: dict[int, dict[str, Any]] = field(default_factory=dict)
    lock: threading.RLock = field(default_factory=threading.RLock)
    requests: list[dict[str, str]] = field(default_factory=list)
    before_request: Callable[[FakeCollection], None] | None = None
    torn_reads: bool = False
    between_select_and_read: Callable[[FakeCollection], None] | None = None
    next_id: int = 1

    @classmethod
    def spread(cls, count: int, start: datetime, span: timedelta, *, skew: float = 1.0) -> FakeCollection:
        """``count`` records with update times over ``[start, start + span)``; skew > 1 bunches them late."""
        fake = cls()
        for i in range(count):
            fraction = (i / count) ** (1 / skew)
            fake.add(stamp(start + span * fraction))
        return fake

    def add(self, update_time: str, **fields: Any) -> dict[str, Any]:
        with self.lock:
            record = {
                "id": self.next_id,
                "update_time": update_time,
                "title": f"deal {self.next_id}",
                "is_deleted": False,
                **fields,
            }
            self.records[self.next_id] = record
            self.next_id += 1
            return record

    def now(self) -> datetime:
        return datetime.now(UTC)

    def touch(self, record_id: int, **changes: Any) -> None:
        with self.lock:
            self.records[record_id].update(changes, update_time=stamp(self.now()))

    def delete(self, record_id: int) -> None:
        self.touch(record_id, is_deleted=True)

    def visible(self) -> dict[int, dict[str, Any]]:
        with self.lock:
            return {k: dict(v) for k, v in self.records.items() if not v["is_deleted"]}

    def __call__(self, request: httpx.Request) -> httpx.Response:
        if self.before_request is not None:
            self.before_request(self)
        params = dict(request.url.params)
        with self.lock:
            self.requests.append(params)
            # One collection answers every path; the archived deals are a list of none.
            rows = [] if request.url.path.endswith("/archived") else self._select(params)
            page, cursor = self._page(rows, params)
            if not self.torn_reads:
                page = [dict(r) for r in page]
        if self.torn_reads:
            # Select ids first, read the records later, as a search index in front of a database does:
            # a record written in between comes out newer than the filter that matched it.
            if self.between_select_and_read is not None:
                self.between_select_and_read(self)
            with self.lock:
                page = [dict(r) for r in page]
        headers = {"date": email.utils.format_datetime(self.now(), usegmt=True)}
        return envelope(page, {"next_cursor": cursor}, headers=headers)

    def _select(self, params: dict[str, str]) -> list[dict[str, Any]]:
        statuses = set(params.get("status", "").split(",")) - {""}
        # No status: the records not deleted; a list: those with a listed status ("deleted" for deleted ones).
        wanted = (
            {False}
            if not statuses
            else ({True} if "deleted" in statuses else set()) | ({False} if statuses - {"deleted"} else set())
        )
        since = parse(params["updated_since"]) if "updated_since" in params else None
        until = parse(params["updated_until"]) if "updated_until" in params else None
        rows = []
        for record in self.records.values():
            t = parse(record["update_time"])
            if record["is_deleted"] not in wanted or (since and t < since) or (until and t >= until):
                continue
            rows.append(record)
        key = params.get("sort_by", "id")
        rows.sort(key=lambda r: (r[key], r["id"]))
        if params.get("sort_direction") == "desc":
            rows.reverse()
        return rows

    def _page(
        self, rows: list[dict[str, Any]], params: dict[str, str]
    ) -> tuple[list[dict[str, Any]], str | None]:
        key = params.get("sort_by", "id")
        desc = params.get("sort_direction") == "desc"
        if "cursor" in params:
            value, last_id = orjson.loads(params["cursor"])
            after = (
                (lambda r: (r[key], r["id"]) < (value, last_id))
                if desc
                else (lambda r: (r[key], r["id"]) > (value, last_id))
            )
            rows = [r for r in rows if after(r)]
        limit = int(params.get("limit", 100))
        page = rows[:limit]
        cursor = orjson.dumps([page[-1][key], page[-1]["id"]]).decode() if len(rows) > limit else None
        return page, cursor
