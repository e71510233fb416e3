"""``ApiClient``: every request of a connection goes through here.

One ``httpx.Client`` and one rate-limit governor per connection, shared by all threads. A request is a loop
of attempts: wait for the governor, send, then let the retry policy decide between handing back the answer,
trying again, or raising the mapped error. Reads are retried on 429, 5xx, dropped connections and timeouts;
writes only when the failure proves they were not applied (see ``retry.py``).
"""

from __future__ import annotations

import copy
import threading
import time
from collections.abc import Iterator, Mapping
from typing import Any

import httpx
import orjson

from pipedrive_sql.api.bodies import decode_json, read_body
from pipedrive_sql.api.errormap import (
    describe_record,
    error_for_response,
    error_for_transport,
    is_block_page,
    is_daily_budget,
)
from pipedrive_sql.api.governor import WINDOW_SECONDS, RateGovernor
from pipedrive_sql.api.logs import ClientLog, attach_logfile, detach_logfile, install_redaction, log_fields
from pipedrive_sql.api.models import ApiResponse, RequestCounters
from pipedrive_sql.api.operations import Operation, operation
from pipedrive_sql.api.paging import paginator_for
from pipedrive_sql.api.retry import Decision, RetryPolicy, retry_after_seconds
from pipedrive_sql.api.scan import IdSet, ParallelScan, parallel_scan
from pipedrive_sql.api.transport import base_url_for, build_http_client
from pipedrive_sql.errors import (
    AmbiguousWrite,
    ConfigurationError,
    InterfaceError,
    OperationalError,
    QueryCanceled,
    RequestTimeout,
)
from pipedrive_sql.settings import PROPERTIES, Settings, max_concurrency

__all__ = ["ApiClient"]

_SECRET_PROPERTIES = tuple(p.name for p in PROPERTIES if p.secret)
_MAX_PAGE = 500  # Pipedrive's largest page


class _Deadline:
    """The end of the Timeout budget on the monotonic clock (None = no limit)."""

    def __init__(self, seconds: float) -> None:
        self.at = time.monotonic() + seconds if seconds > 0 else None

    def remaining(self) -> float | None:
        return None if self.at is None else self.at - time.monotonic()

    def allows(self, wait: float) -> bool:
        return self.at is None or time.monotonic() + wait < self.at


class ApiClient:
    """The HTTP layer of one connection. Safe to share across threads; close it (or use ``with``)."""

    def __init__(
        self,
        settings: Settings,
        auth: httpx.Auth,
        *,
        base_url: str | None = None,
        transport: httpx.BaseTransport | None = None,
        policy: RetryPolicy | None = None,
        governor: RateGovernor | None = None,
    ) -> None:
        self.settings = settings
        self.base_url = base_url_for(settings, base_url)
        self.policy = policy or RetryPolicy()
        self.governor = governor or RateGovernor(share=_rate_limit_share(settings))
        # Search endpoints count against a window of their own as well (10 requests per 2 s), and their
        # answers report that window's headers: a separate governor keeps them from teaching the main one.
        self.search_governor = RateGovernor()
        self.counters = RequestCounters()
        self.page_size = min(_MAX_PAGE, int(settings["Pagesize"]))
        self.max_concurrency = max_concurrency(settings)
        self._timeout = float(settings["Timeout"])
        self._verbosity = int(settings["Verbosity"])
        self._closed = threading.Event()
        self._stop: threading.Event | None = None  # set in a statement's view (see ``cancellable``)
        install_redaction(settings[name] for name in _SECRET_PROPERTIES)
        self._logfile = attach_logfile(settings["Logfile"], self._verbosity) if settings["Logfile"] else None
        self._logs = ClientLog(self._verbosity, self._logfile)
        self._http = build_http_client(settings, auth, self.base_url, transport=transport)

    # -- the public surface -------------------------------------------------------------------------------

    def request(
        self,
        method: str,
        path: str,
        *,
        params: Mapping[str, Any] | None = None,
        json: Any = None,
        data: Mapping[str, Any] | None = None,
    ) -> ApiResponse:
        """Send ``method path`` (``/api/v2/deals/5``), retrying as the policy allows; raise the mapped error."""
        if self._closed.is_set():
            raise InterfaceError("The API client is closed: open a new connection.")
        method = method.upper()
        op = operation(method, path)
        content, headers = _encode_body(json)
        request = self._http.build_request(
            method, path, params=_clean_params(params), content=content, data=data, headers=headers
        )
        return self._send_with_retries(request, op, json if json is not None else data)

    def get(self, path: str, params: Mapping[str, Any] | None = None) -> ApiResponse:
        return self.request("GET", path, params=params)

    def pages(
        self, path: str, params: Mapping[str, Any] | None = None, *, max_records: int | None = None
    ) -> Iterator[list[dict[str, Any]]]:
        """The records of a list endpoint, page by page, cursor (v2) or offset (v1) paging.

        Pages hold ``Pagesize`` records (fewer when ``max_records`` needs fewer); no page is asked for beyond
        what ``max_records`` needs. A ``limit`` in ``params`` caps the page size too.
        """
        query = dict(params or {})
        page_size = min(self.page_size, int(query.pop("limit", self.page_size) or self.page_size))
        remaining = max_records
        paginator = paginator_for(path)
        while remaining is None or remaining > 0:
            query["limit"] = page_size if remaining is None else min(page_size, remaining)
            paginator.update_request(query)
            response = self.get(path, query)
            records = _records(response.data)
            if remaining is not None:
                records = records[:remaining]
                remaining -= len(records)
            paginator.update_state(response)
            self._log(4, "page", path=path, records=len(records), more=paginator.has_next_page)
            if records:
                yield records
            if not paginator.has_next_page:
                return

    def parallel_scan(
        self,
        path: str,
        params: Mapping[str, Any] | None = None,
        *,
        concurrency: int | None = None,
        snapshot: bool = True,
        seen: IdSet | None = None,
        opening: int = 0,
    ) -> ParallelScan:
        """Every record of a v2 collection exactly once, read by several time-sliced cursors at once.

        See ``pipedrive_sql.api.scan`` for the consistency it gives while others write during the scan:
        ``snapshot=True`` holds the rows back until they are consistent as of one moment; ``False``
        streams each page as it arrives (``seen``: ids already handed over, skipped). Lists that cannot
        be sliced by ``update_time`` (and sorted or id-filtered reads) are read sequentially.
        """
        return parallel_scan(
            self,
            path,
            params,
            concurrency=concurrency or self.max_concurrency,
            snapshot=snapshot,
            seen=seen,
            opening=opening,
        )

    def cancellable(self, stop: threading.Event) -> ApiClient:
        """This client as one statement sees it: the same HTTP connections, governors, counters and logs,
        but once ``stop`` is set no further request starts (nor retries, nor waits out a retry delay) and
        each raises QueryCanceled. A request already on the wire finishes; its page is the last one read.
        The view is never closed on its own: closing the connection's client ends it too."""
        view = copy.copy(self)
        view._stop = stop
        return view

    def close(self) -> None:
        if self._stop is not None:
            return  # a statement's view: the connection closes the client they share
        if self._closed.is_set():
            return
        self._closed.set()
        self._http.close()
        if self._logfile is not None:
            detach_logfile(self._logfile)

    def __enter__(self) -> ApiClient:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def __repr__(self) -> str:
        return f"ApiClient(base_url={self.base_url!r}, {self.counters!r})"

    # -- one request, many attempts -----------------------------------------------------------------------

    def _send_with_retries(self, request: httpx.Request, op: Operation, body: Any) -> ApiResponse:
        deadline = _Deadline(self._timeout)
        attempt = 0
        while True:
            attempt += 1
            self._wait_for_governors(op, deadline)
            started = time.monotonic()
            try:
                response, content = self._send_once(request, op, deadline)
            except httpx.TransportError as exc:
                delay = self._after_transport_error(exc, request, op, body, attempt, deadline)
            else:
                self._log_exchange(request, response, content, op, started)
                decision = self.policy.on_status(request.method, response.status_code)
                if decision is Decision.SUCCEED:
                    try:
                        answer = _api_response(response, content)
                    except _MalformedBody as exc:
                        delay = self._after_malformed(exc, request, op, attempt, deadline)
                    else:
                        if isinstance(answer.data, list):
                            self.counters.count_records(len(answer.data))
                        return answer
                else:
                    delay = self._after_error_status(response, request, op, body, decision, attempt, deadline)
            self.counters.count_retry()
            if delay > 0:
                self._pause(delay)

    def _check_stop(self) -> None:
        if self._stop is not None and self._stop.is_set():
            raise QueryCanceled(
                "The statement was cancelled; no further request was sent to Pipedrive. Run it again to "
                "read its rows."
            )

    def _pause(self, seconds: float) -> None:
        """Wait out a retry delay, ended early by the client's closing or the statement's cancelling."""
        if self._stop is None:
            self._closed.wait(seconds)
            return
        end = time.monotonic() + seconds
        while (left := end - time.monotonic()) > 0 and not self._closed.is_set():
            if self._stop.wait(min(left, 0.05)):
                return

    def _governors(self, op: Operation) -> tuple[RateGovernor, ...]:
        """The governors a request passes, the one whose window its answer's headers describe first."""
        return (self.search_governor, self.governor) if op.is_search else (self.governor,)

    def _wait_for_governors(self, op: Operation, deadline: _Deadline) -> None:
        remaining = deadline.remaining()
        until = None if remaining is None else time.monotonic() + remaining
        waited, passed = 0.0, []
        self._check_stop()  # a cancelled statement's next request (or retry) never waits for a slot
        try:
            for governor in self._governors(op):
                waited += governor.acquire(until)
                passed.append(governor)
            self._check_stop()  # cancelled while it waited for the window: not sent after all
        except BaseException:
            for governor in passed:
                governor.finish(sent=False)  # this request will not be sent: hand its slot back
            raise
        if waited > 0.001:
            self.counters.count_wait(waited)
            self._log(4, "rate-limit wait", seconds=f"{waited:.3f}")

    def _send_once(
        self, request: httpx.Request, op: Operation, deadline: _Deadline
    ) -> tuple[httpx.Response, bytes]:
        """One attempt: the answer and its body. A successful answer's body is read apart from the response
        (``bodies.read_body``: large ones are joined on the body thread), so its ``content`` is not set;
        an error answer's is read into the response, where the error mapping reads it."""
        governors = self._governors(op)
        try:
            request.extensions["timeout"] = self._attempt_timeout(request.method, deadline).as_dict()
            self._log_request(request)
            response = self._http.send(request, stream=True)
        except BaseException as exc:
            sent = isinstance(exc, httpx.TransportError) and not isinstance(exc, self.policy.not_sent_errors)
            for governor in governors:
                governor.finish(sent=sent)
            if sent:
                self.counters.count_request(op.key, op.cost)  # it may have reached Pipedrive: charged
            raise
        # The headers are in: the request reached Pipedrive before now, so its slot's 2-second hold starts
        # here, not once the body has arrived (a page of 500 deals is ~0.7 MB: a while on a slow link).
        self.counters.count_request(op.key, op.cost)
        governors[0].observe(response.headers)  # the headers describe this governor's window
        for governor in governors:
            governor.finish(sent=True)
        try:
            return response, read_body(response) if response.is_success else response.read()
        except BaseException:
            response.close()
            raise

    def _attempt_timeout(self, method: str, deadline: _Deadline) -> httpx.Timeout:
        remaining = deadline.remaining()
        if remaining is not None and remaining <= 0:
            raise RequestTimeout(
                f"{method} did not finish within Timeout={self._timeout:g} s; raise Timeout."
            )
        per_attempt = remaining
        if self.policy.is_safe(method):
            cap = self.policy.read_attempt_timeout
            per_attempt = cap if per_attempt is None else min(per_attempt, cap)
        return httpx.Timeout(per_attempt)

    def _after_transport_error(
        self,
        exc: httpx.TransportError,
        request: httpx.Request,
        op: Operation,
        body: Any,
        attempt: int,
        deadline: _Deadline,
    ) -> float:
        """Seconds to wait before the next attempt, or raise."""
        path = request.url.path
        decision = self.policy.on_error(request.method, exc)
        if decision is Decision.AMBIGUOUS:
            raise self._ambiguous(
                request, body, f"the connection failed after sending ({type(exc).__name__})"
            )
        delay = self.policy.backoff(attempt)
        if decision is Decision.RETRY and attempt < self.policy.max_attempts and deadline.allows(delay):
            self._log(
                2, "retrying after a network error", op=op.key, error=type(exc).__name__, attempt=attempt
            )
            return delay
        error = error_for_transport(exc, request.method, path, self.base_url)
        self._logs.emit(1, "%s %s failed: %s", request.method, path, error)
        raise error from exc

    def _after_malformed(
        self, exc: _MalformedBody, request: httpx.Request, op: Operation, attempt: int, deadline: _Deadline
    ) -> float:
        """A 2xx whose JSON does not parse (cut short on the way): repeat a read, report anything else."""
        delay = self.policy.backoff(attempt)
        if (
            self.policy.is_safe(request.method)
            and attempt < self.policy.max_attempts
            and deadline.allows(delay)
        ):
            self._log(2, "retrying after a malformed answer", op=op.key, attempt=attempt)
            return delay
        error = OperationalError(
            f"Pipedrive sent malformed JSON for {request.method} {request.url.path}: {exc}"
        )
        self._logs.emit(1, "%s", error)
        raise error

    def _after_error_status(
        self,
        response: httpx.Response,
        request: httpx.Request,
        op: Operation,
        body: Any,
        decision: Decision,
        attempt: int,
        deadline: _Deadline,
    ) -> float:
        """Seconds to wait before the next attempt, or raise."""
        status = response.status_code
        retry_after = None
        if status in (429, 503):
            retry_after = retry_after_seconds(response.headers, rate_limit_reset=status == 429)
        if status == 429:
            self.counters.count_throttled()
            if is_daily_budget(response):
                decision = Decision.FAIL
        if status == 403 and is_block_page(response):
            decision = Decision.FAIL  # going on is what got us blocked
        if decision is Decision.AMBIGUOUS:
            raise self._ambiguous(request, body, f"Pipedrive answered {status}")
        if decision is Decision.RETRY and attempt < self.policy.max_attempts:
            delay = self._retry_delay(op, status, retry_after, attempt)
            if deadline.allows(delay):
                self._log(2, "retrying", op=op.key, status=status, attempt=attempt, wait=f"{delay:.2f}")
                return delay
        error = error_for_response(response, request.method, request.url.path, retry_after=retry_after)
        self._logs.emit(1, "%s %s failed: %s", request.method, request.url.path, error)
        raise error

    def _retry_delay(self, op: Operation, status: int, retry_after: float | None, attempt: int) -> float:
        if status != 429:
            # A 503 may say when the service expects to be back; wait at least that (within the cap).
            asked = min(retry_after, self.policy.backoff_cap) if retry_after is not None else 0.0
            return max(self.policy.backoff(attempt), asked)
        # The governor holds every thread until the window resets; this attempt then queues behind it.
        self._governors(op)[0].throttled(retry_after if retry_after is not None else WINDOW_SECONDS)
        return 0.0

    def _ambiguous(self, request: httpx.Request, body: Any, why: str) -> AmbiguousWrite:
        record = describe_record(request.method, request.url.path, body)
        error = AmbiguousWrite(
            f"{request.method} {request.url.path} ({record}) may or may not have been applied: {why}. "
            "It was not retried. Read the record to see whether the change is there before trying again.",
            method=request.method,
            path=request.url.path,
        )
        self._logs.emit(1, "%s", error)
        return error

    # -- logging ------------------------------------------------------------------------------------------

    def _log(self, verbosity: int, message: str, **fields: Any) -> None:
        if self._logs.wants(verbosity):
            self._logs.emit(verbosity, "%s %s", message, log_fields(**fields))

    def _log_request(self, request: httpx.Request) -> None:
        if self._logs.wants(3):
            self._logs.emit(3, "request %s %s headers=%s", request.method, request.url, dict(request.headers))
        if self._logs.wants(5) and request.content:
            self._logs.emit(5, "request body %s", request.content.decode("utf-8", "replace"))

    def _log_exchange(
        self, request: httpx.Request, response: httpx.Response, content: bytes, op: Operation, started: float
    ) -> None:
        if self._logs.wants(2):
            ms = (time.monotonic() - started) * 1000
            line = f"{request.method} {request.url} -> {response.status_code}"
            self._log(2, line, ms=f"{ms:.0f}", tokens=op.cost)
        if self._logs.wants(3):
            # The request as sent, after the auth flow added its headers: redaction must catch them.
            self._logs.emit(3, "sent headers=%s", dict(response.request.headers))
            self._logs.emit(3, "response headers=%s", dict(response.headers))
        if self._logs.wants(5):
            self._logs.emit(5, "response body %s", content.decode("utf-8", "replace"))


def _encode_body(json: Any) -> tuple[bytes | None, dict[str, str] | None]:
    if json is None:
        return None, None
    return orjson.dumps(json, option=orjson.OPT_NON_STR_KEYS), {"content-type": "application/json"}


def _clean_params(params: Mapping[str, Any] | None) -> dict[str, Any] | None:
    """Drop None values and spell booleans as Pipedrive does (``true``/``false``)."""
    if not params:
        return None
    out: dict[str, Any] = {}
    for key, value in params.items():
        if value is None:
            continue
        if isinstance(value, bool):
            value = "true" if value else "false"
        elif isinstance(value, list | tuple | set | frozenset):
            value = ",".join(str(v) for v in value)
        out[key] = value
    return out


class _MalformedBody(Exception):
    pass


def _api_response(response: httpx.Response, content: bytes) -> ApiResponse:
    content_type = response.headers.get("content-type", "")
    if "json" not in content_type or not content:
        return ApiResponse(response.status_code, content, None, response.headers, {})
    try:
        body = decode_json(content)
    except orjson.JSONDecodeError as exc:
        raise _MalformedBody(str(exc)) from None
    if not isinstance(body, dict):
        return ApiResponse(response.status_code, body, None, response.headers, {"data": body})
    return ApiResponse(
        response.status_code, body.get("data"), body.get("additional_data"), response.headers, body
    )


def _records(data: Any) -> list[dict[str, Any]]:
    if data is None:
        return []
    if isinstance(data, list):
        return data
    return [data]


def _rate_limit_share(settings: Settings) -> float:
    share = float(settings["RateLimitShare"])
    if share <= 0:
        raise ConfigurationError(
            "RateLimitShare must be above 0 (a fraction of the burst limit, up to 1).",
            property="RateLimitShare",
        )
    return share
