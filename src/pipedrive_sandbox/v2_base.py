"""What every API v2 route shares: the error envelope and the handler wrapper, query parameters,
cursors and time formats."""

from __future__ import annotations

import base64
import binascii
import functools
import re
import time
from collections.abc import Awaitable, Callable, Iterable
from dataclasses import dataclass
from datetime import datetime
from typing import Any
from urllib.parse import parse_qsl

import orjson
from starlette.requests import Request
from starlette.responses import Response

from pipedrive_sandbox.responses import error, json_fragment, ok
from pipedrive_sandbox.store import MEMO_LIMIT, STRING_SORT_KEYS, Store
from pipedrive_sandbox.store_writes import StoreError

Record = dict[str, Any]
Handler = Callable[[Request], Awaitable[Response]]

MAX_LIMIT = 500
DEFAULT_LIMIT = 100
VALIDATION_CODE = "ERR_SCHEMA_VALIDATION_FAILED"

# ---------------------------------------------------------------------------------------------------------
# Errors and the handler wrapper


class ApiError(Exception):
    """An error response: raised anywhere below a handler, rendered by ``endpoint``."""

    def __init__(self, status: int, message: str, error_info: str | None = None, **extra: Any) -> None:
        super().__init__(message)
        self.status = status
        self.message = message
        self.error_info = error_info
        self.extra = extra

    def response(self) -> Response:
        return error(self.status, self.message, self.error_info, **self.extra)


def invalid(param: str, what: str) -> ApiError:
    """A v2 validation error for ``param``."""
    return ApiError(400, f"Validation failed: {param}: {what}", code=VALIDATION_CODE)


def not_found(label: str) -> ApiError:
    return ApiError(404, f"{label} not found")


def endpoint(func: Callable[[Request], Awaitable[Response]]) -> Handler:
    """Wrap a handler so ``ApiError`` and ``StoreError`` become Pipedrive's error envelope."""

    @functools.wraps(func)
    async def wrapper(request: Request) -> Response:
        try:
            return await func(request)
        except ApiError as exc:
            return exc.response()
        except StoreError as exc:
            return error(exc.status, exc.message)

    return wrapper


def store_of(request: Request) -> Store:
    """The company's store: ``app.state.store``, or the app's ``SandboxState`` (``app.state.sandbox``)."""
    state = request.app.state
    store = getattr(state, "store", None)
    if store is None:
        store = state.sandbox.store
    return store


def user_of(request: Request) -> int:
    user_id = getattr(request.state, "user_id", None)
    return int(user_id) if user_id is not None else store_of(request).main_user_id


async def json_body(request: Request) -> Record:
    """The request's JSON object; url-encoded form bodies are accepted too, as Pipedrive does for v1."""
    raw = await request.body()
    content_type = request.headers.get("content-type", "")
    if "application/x-www-form-urlencoded" in content_type:
        # Parsed here rather than by request.form(), which needs python-multipart.
        try:
            return dict(parse_qsl(raw.decode(), keep_blank_values=True))
        except UnicodeDecodeError as exc:
            raise ApiError(400, "Invalid form body", code=VALIDATION_CODE) from exc
    if "multipart/form-data" in content_type:
        raise ApiError(415, "multipart/form-data bodies are not supported here; send JSON")
    if not raw.strip():
        return {}
    try:
        body = orjson.loads(raw)
    except orjson.JSONDecodeError as exc:
        raise ApiError(400, "Invalid JSON in request body", code=VALIDATION_CODE) from exc
    if not isinstance(body, dict):
        raise ApiError(400, "Validation failed: body: Expected object", code=VALIDATION_CODE)
    return body


# ---------------------------------------------------------------------------------------------------------
# Query parameters


def q_int(request: Request, name: str, *, minimum: int | None = None) -> int | None:
    raw = request.query_params.get(name)
    if raw is None or raw == "":
        return None
    try:
        value = int(raw)
    except ValueError as exc:
        raise invalid(name, "Expected number, received string") from exc
    if minimum is not None and value < minimum:
        raise invalid(name, f"Number must be greater than or equal to {minimum}")
    return check_int_range(value, name)


INT_MAX = 2**63 - 1  # what a JSON number from Pipedrive can hold (and what orjson can write back)


def check_int_range(value: int, name: str) -> int:
    if not -INT_MAX <= value <= INT_MAX:
        raise invalid(name, f"Number must be less than or equal to {INT_MAX}")
    return value


def q_bool(request: Request, name: str) -> bool | None:
    raw = request.query_params.get(name)
    if raw is None or raw == "":
        return None
    lowered = raw.lower()
    if lowered in ("true", "1"):
        return True
    if lowered in ("false", "0"):
        return False
    raise invalid(name, "Expected boolean, received string")


def q_enum(request: Request, name: str, allowed: Iterable[str], default: str | None = None) -> str | None:
    raw = request.query_params.get(name)
    if raw is None or raw == "":
        return default
    allowed = tuple(allowed)
    if raw not in allowed:
        options = " | ".join(f"'{a}'" for a in allowed)
        raise invalid(name, f"Invalid enum value. Expected {options}, received '{raw}'")
    return raw


def q_csv(
    request: Request, name: str, allowed: Iterable[str] | None = None, maximum: int | None = None
) -> list[str]:
    raw = request.query_params.get(name)
    if raw is None or raw.strip() == "":
        return []
    values = [part.strip() for part in raw.split(",") if part.strip()]
    if allowed is not None:
        allowed = set(allowed)
        for value in values:
            if value not in allowed:
                raise invalid(name, f"Invalid value '{value}'")
    if maximum is not None and len(values) > maximum:
        raise invalid(name, f"Array must contain at most {maximum} element(s)")
    return values


def q_ids(request: Request, name: str, maximum: int = 100) -> list[int] | None:
    values = q_csv(request, name, maximum=maximum)
    if not values:
        return None
    try:
        return [int(value) for value in values]
    except ValueError as exc:
        raise invalid(name, "Expected an array of numbers") from exc


_RFC3339 = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(Z|[+-]\d\d:\d\d)$")


def parse_rfc3339(value: str, name: str) -> int:
    """Epoch seconds of an RFC 3339 time stamp with whole seconds, as v2's time filters demand."""
    if not _RFC3339.match(value):
        raise invalid(name, "Invalid datetime, expected RFC3339 format like 2025-01-01T10:20:00Z")
    try:
        return int(datetime.fromisoformat(value.replace("Z", "+00:00")).timestamp())
    except ValueError as exc:
        raise invalid(name, "Invalid datetime") from exc


def q_time(request: Request, name: str) -> int | None:
    raw = request.query_params.get(name)
    if raw is None or raw == "":
        return None
    return parse_rfc3339(raw, name)


def q_limit(request: Request, maximum: int = MAX_LIMIT) -> int:
    limit = q_int(request, "limit")
    if limit is None:
        return DEFAULT_LIMIT
    if limit < 1:
        raise invalid("limit", "Number must be greater than or equal to 1")
    if limit > maximum:
        raise invalid("limit", f"Number must be less than or equal to {maximum}")
    return limit


# ---------------------------------------------------------------------------------------------------------
# Cursors


def encode_cursor(sort_by: str, value: Any, direction: str, record_id: Any) -> str:
    payload = {"field": sort_by, "fieldValue": value, "sortDirection": direction, "id": record_id}
    return base64.b64encode(orjson.dumps(payload)).decode().rstrip("=")


def decode_cursor(raw: str) -> Record:
    try:
        payload = orjson.loads(base64.b64decode(raw + "=" * (-len(raw) % 4), validate=False))
    except (binascii.Error, orjson.JSONDecodeError, ValueError) as exc:
        raise invalid("cursor", "Invalid cursor") from exc
    if not isinstance(payload, dict) or "id" not in payload or "field" not in payload:
        raise invalid("cursor", "Invalid cursor")
    return payload


def cursor_value(value: Any, sort_by: str) -> Any:
    """A cursor's sort value, checked to compare with the index it positions in (a 400, not a 500)."""
    if sort_by in STRING_SORT_KEYS:
        if not isinstance(value, str):
            raise invalid("cursor", "Invalid cursor")
        return value
    if isinstance(value, bool) or not isinstance(value, int):
        raise invalid("cursor", "Invalid cursor")
    return value


@dataclass
class Paging:
    sort_by: str
    descending: bool
    after: tuple[Any, Any] | None
    limit: int

    def next_cursor(self, page: list[Record], more: bool, store: Store) -> str | None:
        if not more or not page:
            return None
        last = page[-1]
        return encode_cursor(
            self.sort_by,
            store.sort_value(last, self.sort_by),
            "desc" if self.descending else "asc",
            last["id"],
        )


def paging(request: Request, sort_fields: Iterable[str] = ("id",), maximum: int = MAX_LIMIT) -> Paging:
    """Sorting and the position after the cursor; a cursor carries its own sort, as Pipedrive's do."""
    sort_fields = tuple(sort_fields)
    sort_by = q_enum(request, "sort_by", sort_fields, "id") or "id"
    direction = q_enum(request, "sort_direction", ("asc", "desc"), "asc")
    limit = q_limit(request, maximum)
    raw = request.query_params.get("cursor")
    after = None
    if raw:
        cursor = decode_cursor(raw)
        if cursor["field"] not in sort_fields:
            raise invalid("cursor", "Invalid cursor")
        sort_by = cursor["field"]
        direction = cursor.get("sortDirection", direction)
        if direction not in ("asc", "desc"):
            raise invalid("cursor", "Invalid cursor")
        after = (cursor_value(cursor.get("fieldValue"), sort_by), cursor_value(cursor["id"], "id"))
    return Paging(sort_by, direction == "desc", after, limit)


def list_response(
    store: Store, page: list[Record], more: bool, pg: Paging, render: Callable[[Record], Any]
) -> Response:
    return ok([render(record) for record in page], {"next_cursor": pg.next_cursor(page, more, store)})


def remembered(render: Callable[[Record], Record], memo: dict[Any, Any]) -> Callable[[Record], Any]:
    """``render`` whose answers are kept in ``memo`` (a ``Store.memo``) as JSON, by record id: a record
    read again costs a dict lookup, and its JSON is copied into the page as it is."""

    def fragment(record: Record) -> Any:
        found = memo.get(record["id"])
        if found is None:
            found = json_fragment(render(record))
            if len(memo) < MEMO_LIMIT:
                memo[record["id"]] = found
        return found

    return fragment


# ---------------------------------------------------------------------------------------------------------
# Time formats


# iso() writes a time stamp as its day and its time of day, each formatted once and then looked up: a list
# page writes several stamps per record, and strftime costs more than the rest of a record's rendering.
_DAYS: dict[int, str] = {}
_TIMES_OF_DAY: dict[int, str] = {}
_FAST_ISO_END = 253_402_300_800  # 10000-01-01: four-digit years only


def iso(ts: int | None) -> str | None:
    """v2 time stamps: RFC 3339, UTC, whole seconds."""
    if ts is None:
        return None
    if type(ts) is int and 0 <= ts < _FAST_ISO_END:
        day = ts // 86_400
        try:
            return _DAYS[day] + _TIMES_OF_DAY[ts - day * 86_400]
        except KeyError:
            return _iso_learning(day, ts - day * 86_400)
    return time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(ts))


def _iso_learning(day: int, second: int) -> str:
    """``iso`` of a day or time of day not formatted before: format, and keep for the next time."""
    date = _DAYS.get(day)
    if date is None:
        date = _DAYS[day] = time.strftime("%Y-%m-%dT", time.gmtime(day * 86_400))
    clock = _TIMES_OF_DAY.get(second)
    if clock is None:
        clock = _TIMES_OF_DAY[second] = time.strftime("%H:%M:%SZ", time.gmtime(second))
    return date + clock


def v1_time(ts: int | None) -> str | None:
    """v1 time stamps: ``2019-02-04 13:58:03`` (UTC)."""
    if ts is None:
        return None
    return time.strftime("%Y-%m-%d %H:%M:%S", time.gmtime(ts))


_DATE = re.compile(r"^\d{4}-\d\d-\d\d$")
_TIME = re.compile(r"^([01]\d|2[0-3]):[0-5]\d(:[0-5]\d)?$")


def check_date(value: Any, name: str) -> str:
    if not isinstance(value, str) or not _DATE.match(value):
        raise invalid(name, "Invalid date, expected YYYY-MM-DD")
    try:
        datetime.strptime(value, "%Y-%m-%d")
    except ValueError as exc:
        raise invalid(name, "Invalid date") from exc
    return value


def check_time(value: Any, name: str) -> str:
    if not isinstance(value, str) or not _TIME.match(value):
        raise invalid(name, "Invalid time, expected HH:MM or HH:MM:SS")
    return value if len(value) == 8 else value + ":00"


@dataclass
class View:
    """Per-request rendering options."""

    custom_keys: set[str] | None = None  # custom_fields=...: only these keys
    option_labels: bool = False  # include_option_labels=true
    include: tuple[str, ...] = ()  # include_fields=...
    labels: bool = False  # include_labels=true
