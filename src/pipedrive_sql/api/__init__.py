"""The HTTP layer: every call the driver makes to Pipedrive goes through ``ApiClient``.

Public surface (the SQL engine codes against exactly this)::

    client = ApiClient(settings, auth, base_url=None)   # one per connection; share it across threads
    client.request(method, path, *, params=None, json=None, data=None) -> ApiResponse
    client.get(path, params=None) -> ApiResponse
    client.pages(path, params=None, *, max_records=None) -> Iterator[list[dict]]   # v2 cursor / v1 offset
    client.parallel_scan(path, params=None, *, concurrency=None, snapshot=True, seen=None) -> ParallelScan
                                         # snapshot=False streams each page as it arrives (api/scan.py)
    client.counters: RequestCounters     # .snapshot() -> CounterSnapshot; later - earlier = one query's cost
    client.close()  /  with ApiClient(...) as client: ...
    token_cost(method, path) -> int      # the operation's x-token-cost

Errors are those of ``pipedrive_sql.errors``: AuthenticationError (401), AuthorizationError (403),
Blocked (403 block page), NotFoundError (404), IntegrityError (a refused write), RateLimited (429 after
retries, or the daily budget: ``.daily``), ServiceUnavailable (5xx after retries), ConnectionFailed,
RequestTimeout (Timeout spent), AmbiguousWrite (a write that may or may not have been applied).
"""

from __future__ import annotations

from pipedrive_sql.api.client import ApiClient
from pipedrive_sql.api.governor import RateGovernor
from pipedrive_sql.api.logs import LOGGER_NAME, redact
from pipedrive_sql.api.models import ApiResponse, CounterSnapshot, RequestCounters
from pipedrive_sql.api.operations import Operation, operation, token_cost
from pipedrive_sql.api.paging import CursorPaginator, OffsetPaginator, Paginator
from pipedrive_sql.api.retry import RetryPolicy
from pipedrive_sql.api.scan import ParallelScan, ScanStats

__all__ = [
    "LOGGER_NAME",
    "ApiClient",
    "ApiResponse",
    "CounterSnapshot",
    "CursorPaginator",
    "OffsetPaginator",
    "Operation",
    "Paginator",
    "ParallelScan",
    "RateGovernor",
    "RequestCounters",
    "RetryPolicy",
    "ScanStats",
    "operation",
    "redact",
    "token_cost",
]
