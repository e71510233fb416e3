"""Sending a statement's requests one record at a time, and telling exactly what happened when one fails.

Pipedrive has no transactions and no batch writes for these endpoints, so a statement is a sequence of
single-record requests. They go out in order; the first failure stops the sequence (a failure is often not
about one record: a rate limit, an expired token, an outage) and raises ``PartialWriteError`` with the
records written (their ids), the one that failed and why, and those not attempted. Nothing is retried here:
the API client already repeats a write only when Pipedrive surely did not apply it, and a failure that
leaves that unknown (``AmbiguousWrite``) is reported as such. A statement of one record raises the
request's own error instead.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from pipedrive_sql.api.models import ApiResponse
from pipedrive_sql.errors import AmbiguousWrite, PartialWriteError

__all__ = ["WriteRequest", "send_all"]

_SHOWN = 20  # ids listed in a message; the error's attributes hold them all


@dataclass(frozen=True)
class WriteRequest:
    method: str
    path: str
    body: dict[str, Any] | None
    label: Any  # the record's id (UPDATE, DELETE) or its 1-based row number (INSERT)
    params: Mapping[str, Any] = field(default_factory=dict)  # path parameters besides the id (deal_id)


def send_all(
    client: Any,
    requests: Sequence[WriteRequest],
    *,
    statement: str,
    written_id: Callable[[WriteRequest, ApiResponse], Any],
) -> list[ApiResponse]:
    """Send every request in order; on the first failure raise (see the module docstring)."""
    responses: list[ApiResponse] = []
    for index, request in enumerate(requests):
        try:
            responses.append(client.request(request.method, request.path, json=request.body))
        except Exception as exc:
            if len(requests) == 1:
                raise
            written = [written_id(r, resp) for r, resp in zip(requests, responses, strict=False)]
            raise _partial(statement, requests, index, written, exc) from exc
    return responses


def _partial(
    statement: str, requests: Sequence[WriteRequest], index: int, written: list[Any], exc: Exception
) -> PartialWriteError:
    failed = requests[index]
    rest = [r.label for r in requests[index + 1 :]]
    reason = _reason(exc)
    unit = "row" if statement.startswith("INSERT") else "record"
    message = (
        f"{statement} stopped at {unit} {index + 1} of {len(requests)}: "
        f"{len(written)} written{_listed(written, 'ids')}; "
        f"failed: {failed.label} ({reason}); "
        f"{len(rest)} not attempted{_listed(rest, unit + 's' if unit == 'row' else 'ids')}. "
        "Nothing was rolled back (Pipedrive has no transactions): fix the cause, then run the statement again "
        "for the records not written."
    )
    return PartialWriteError(message, written=written, failed=[(failed.label, reason)], not_attempted=rest)


def _reason(exc: Exception) -> str:
    text = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
    if isinstance(exc, AmbiguousWrite):
        return text  # it already says that the write may or may not have been applied
    return f"{type(exc).__name__}: {text}"


def _listed(values: Sequence[Any], what: str) -> str:
    if not values:
        return ""
    shown = ", ".join(str(v) for v in values[:_SHOWN])
    more = f", ... ({len(values) - _SHOWN} more)" if len(values) > _SHOWN else ""
    return f" ({what} {shown}{more})"
