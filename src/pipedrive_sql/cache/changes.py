"""What changed in a table since a mark: ``changes_since(client, spec, mark) -> Changes``.

The incremental machinery the cache, ``pipedrive-sql sync`` (and later a streaming Spark source) share. A
mark is the server's clock (the ``Date`` header of the first answer of a read, less ``SAFETY``); the next
read asks for everything updated since ``mark - OVERLAP`` (Pipedrive stamps ``update_time`` in whole
seconds, and a write may land in the second the previous read ended), so a record is read again rather than
missed, and upserts by id make the repeat harmless.

How each table's changes are found (``feed_of``):

``deal_status``  Deals and ArchivedDeals: ``/api/v2/deals`` and ``/api/v2/deals/archived`` with
                 ``status=open,won,lost,deleted`` and ``updated_since`` list every deal changed since the
                 mark, deleted and archived ones included, in full. Both tables hold deals of every status
                 (docs/tables.md): a deal of the table's own list that the table shows (its ``visible``
                 rule) is an upsert, a deal just deleted included (``status`` 'deleted'); a deal found in
                 the other list moved there and is gone from this table. Pipedrive keeps deleted deals
                 for 30 days, then lists them no more, without any change a feed could show: the kept
                 deleted deals older than ``HORIZON`` (``held``) are asked for by id with the table's list
                 parameters, and those the list no longer returns are gone (``_expired``).
``recents``      Persons, Organizations, Activities: ``/api/v1/recents`` names every id changed since the
                 mark (deletions and the losing side of a merge included); it is read first, then the
                 list with ``updated_since``. An id the feed names that the list no longer shows is gone.
                 A merge moves the loser's deals, activities... to the winner, which updates them: they
                 come back through their own tables' feeds.
``recents_ids``  Products: ``/api/v1/recents`` names the changed ids, the list's ``ids`` parameter reads
                 them (100 per request); an id the list does not return is gone.
``""``           every other table: no change feed exists, so a refresh reads the table again (these are
                 small: users, stages, pipelines, labels, currencies...; leads and notes can be larger).

A mark older than ``HORIZON`` (what the feeds still answer for) or a table without a feed gives a full
read: ``Changes.full`` is then true and ``upserts`` is the whole table. A full read sends the table's
``list_params()`` (its ``reveal`` included): it reads what a query without conditions reads.
"""

from __future__ import annotations

import email.utils
from collections.abc import Callable, Generator, Iterable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

from pipedrive_sql.api.costs import TIME_SLICEABLE
from pipedrive_sql.api.paging import paginator_for
from pipedrive_sql.api.scan import parse_time
from pipedrive_sql.catalog.spec import TableSpec

__all__ = [
    "HORIZON",
    "OVERLAP",
    "Changes",
    "Held",
    "cacheable",
    "changes_since",
    "expires",
    "feed_of",
    "full_read",
    "is_deleted_record",
    "record_key",
]

SAFETY = timedelta(seconds=1)  # the mark sits this far behind the server's Date (whole seconds)
OVERLAP = timedelta(seconds=2)  # the next read starts this far before the mark
HORIZON = timedelta(days=29)  # deleted deals and /v1/recents answer for 30 days; keep a day in hand
IDS_BATCH = 100
_ALL_DEAL_STATUSES = "open,won,lost,deleted"
_DEAL_LISTS = ("/api/v2/deals", "/api/v2/deals/archived")
_RECENT_ITEMS = {
    "/api/v2/persons": "person",
    "/api/v2/organizations": "organization",
    "/api/v2/activities": "activity",
    "/api/v2/products": "product",
}
_RECENTS_LIST = frozenset({"/api/v2/persons", "/api/v2/organizations", "/api/v2/activities"})

Record = dict[str, Any]
# The ids of the deleted records a cache or target keeps whose ``update_time`` is before a time (the
# candidates for having passed Pipedrive's 30 days): ``held(cutoff) -> ids``.
Held = Callable[[datetime], Iterable[Any]]


@dataclass
class Changes:
    """What a read found. ``full``: ``upserts`` is the whole table (anything else kept is gone)."""

    table: str
    upserts: list[Record]
    deleted_ids: set[Any]
    new_mark: datetime
    full: bool = False
    feed: str = ""
    requests: int = 0
    tokens: int = 0
    notes: list[str] = field(default_factory=list)


def record_key(value: Any) -> str:
    """A record id as the text key the cache and the targets' state use (ids are ints or uuids)."""
    return str(value)


def cacheable(spec: TableSpec) -> bool:
    """Tables kept whole in a cache or a target: a plain list endpoint with a key column."""
    return (
        spec.source is None
        and "{" not in spec.endpoint
        and spec.key_column is not None
        and spec.kind == "TABLE"
    )


def shape_of(spec: TableSpec) -> str:
    """What a whole read of ``spec`` asks the API for (endpoint and parameters): a copy kept by a version
    of the driver that read the table differently (before Deals held deleted deals, say) is not the table
    this version means, and is read whole again rather than refreshed."""
    params = "&".join(f"{k}={v}" for k, v in sorted(spec.list_params().items()))
    return f"{spec.endpoint}?{params}"


def feed_of(spec: TableSpec) -> str:
    """How changes of ``spec`` are found: "deal_status", "recents", "recents_ids" or "" (re-read)."""
    if spec.endpoint in _DEAL_LISTS and spec.visible is not None:
        return "deal_status"
    if spec.endpoint in _RECENTS_LIST and spec.endpoint in TIME_SLICEABLE:
        return "recents"
    if spec.endpoint in _RECENT_ITEMS and spec.ids_param:
        return "recents_ids"
    return ""


def expires(spec: TableSpec) -> bool:
    """Whether ``spec`` holds deleted records that the API lists for 30 days only (Deals, ArchivedDeals)."""
    return "deleted" in str(spec.reveal.get("status", "")).split(",")


def is_deleted_record(record: Mapping[str, Any]) -> bool:
    return bool(record.get("is_deleted")) or record.get("status") == "deleted"


def changes_since(
    client: Any,
    spec: TableSpec,
    mark: datetime | None,
    *,
    now: datetime | None = None,
    held: Held | None = None,
) -> Changes:
    """The changes of ``spec`` since ``mark`` (None: never read), as records to upsert and ids to delete.

    ``held``: the deleted records the caller keeps, older than a time (see ``Held``); for a table whose
    deleted records expire (``expires``), those the list no longer returns are deleted too. Without it,
    a deleted deal past Pipedrive's 30 days stays where the caller keeps it."""
    feed = feed_of(spec)
    current = now or datetime.now(UTC)
    if mark is None or not feed or current - mark > HORIZON:
        changes = full_read(client, spec)
        if mark is not None and feed:
            changes.notes.append("the mark is older than the change feeds answer for: read in full")
        return changes
    start = _counters(client)
    reader = _Reader(client)
    since = mark - OVERLAP
    if feed == "deal_status":
        upserts, deleted = _deal_status_changes(reader, spec, since)
        if held is not None and expires(spec):
            cutoff = (reader.mark or mark) - HORIZON
            deleted |= _expired(reader, spec, held(cutoff), {record_key(r.get("id")) for r in upserts})
    elif feed == "recents":
        upserts, deleted = _recents_changes(reader, spec, since)
    else:
        upserts, deleted = _recents_ids_changes(reader, spec, since)
    new_mark = reader.mark or mark
    requests, tokens = _spent(client, start)
    return Changes(spec.name, upserts, deleted, max(new_mark, mark), False, feed, requests, tokens)


def full_read(client: Any, spec: TableSpec) -> Changes:
    """Every record of ``spec`` (what a query without conditions reads), with the mark to continue from."""
    start = _counters(client)
    params = spec.list_params()  # what a query without conditions sends: deleted deals included
    records: list[Record] = []
    reader = _Reader(client, spec.max_page_size)
    parallel = int(getattr(client, "max_concurrency", 1) or 1) > 1 and hasattr(client, "parallel_scan")
    pages = reader.pages(spec.endpoint, params)
    for page in pages:
        records.extend(page)
        if parallel and spec.endpoint in TIME_SLICEABLE and set(params) <= set(spec.reveal) and reader.more:
            # A large collection: read it again with several time-sliced cursors (api.scan), which
            # returns it as it was when its catch-up began, after this reader's mark.
            pages.close()
            records = _parallel(client, spec.endpoint, params)
            break
    mark = reader.mark or datetime.now(UTC) - SAFETY
    if spec.visible is not None:
        records = [r for r in records if spec.visible(r)]
    requests, tokens = _spent(client, start)
    return Changes(spec.name, _newest(records), set(), mark, True, feed_of(spec), requests, tokens)


def _parallel(client: Any, path: str, params: Mapping[str, Any]) -> list[Record]:
    scan = client.parallel_scan(path, params)
    try:
        return [record for page in scan for record in page]
    finally:
        close = getattr(scan, "close", None)
        if close is not None:
            close()


# ---- the feeds -------------------------------------------------------------------------------------------


def _deal_status_changes(reader: _Reader, spec: TableSpec, since: datetime) -> tuple[list[Record], set[Any]]:
    query = {**spec.fixed_params, "updated_since": _rfc3339(since), "status": _ALL_DEAL_STATUSES}
    upserts: list[Record] = []
    gone: set[Any] = set()
    visible = spec.visible
    for path in _DEAL_LISTS:
        for page in reader.pages(path, query):
            for record in page:
                own = path == spec.endpoint and (visible is None or visible(record))
                if own:
                    upserts.append(record)
                else:
                    gone.add(record.get("id"))
    upserts = _newest(upserts)
    kept = {r.get("id") for r in upserts}
    return upserts, gone - kept


def _expired(reader: _Reader, spec: TableSpec, held: Iterable[Any], upserted: set[str]) -> set[Any]:
    """The held deleted records the table's list no longer returns (past Pipedrive's 30 days). Each is
    asked for by id with the table's own list parameters, as a full read would send them: a full read and
    an incremental refresh then agree on which deleted deals the table still holds."""
    candidates = {record_key(i): i for i in held if record_key(i) not in upserted}
    ordered = sorted(candidates)
    listed: set[str] = set()
    for i in range(0, len(ordered), IDS_BATCH):
        query = {**spec.list_params(), spec.ids_param or "ids": ",".join(ordered[i : i + IDS_BATCH])}
        for page in reader.pages(spec.endpoint, query):
            listed.update(record_key(r.get("id")) for r in page)
    return {candidates[k] for k in ordered if k not in listed}


def held_before(records: Iterable[Mapping[str, Any]], cutoff: datetime) -> list[Any]:
    """The ids of the deleted ``records`` (as the API returned them) last updated before ``cutoff``."""
    out = []
    for record in records:
        if is_deleted_record(record):
            stamp = parse_time(record.get("update_time"))
            if stamp is None or stamp < cutoff:
                out.append(record.get("id"))
    return out


def _recent_ids(reader: _Reader, path: str, since: datetime) -> set[Any]:
    item = _RECENT_ITEMS[path]
    query = {"since_timestamp": since.astimezone(UTC).strftime("%Y-%m-%d %H:%M:%S"), "items": item}
    changed: set[Any] = set()
    for page in reader.pages("/api/v1/recents", query):
        changed.update(entry.get("id") for entry in page if entry.get("item") == item)
    return changed


def _recents_changes(reader: _Reader, spec: TableSpec, since: datetime) -> tuple[list[Record], set[Any]]:
    changed = _recent_ids(reader, spec.endpoint, since)  # first: a change after it shows in the list
    query = {**spec.fixed_params, "updated_since": _rfc3339(since)}
    upserts = [r for page in reader.pages(spec.endpoint, query) for r in page]
    return _split_visible(spec, upserts, changed)


def _recents_ids_changes(reader: _Reader, spec: TableSpec, since: datetime) -> tuple[list[Record], set[Any]]:
    changed = _recent_ids(reader, spec.endpoint, since)
    ordered = sorted(changed, key=str)
    upserts: list[Record] = []
    for i in range(0, len(ordered), IDS_BATCH):
        batch = ordered[i : i + IDS_BATCH]
        query = {**spec.fixed_params, spec.ids_param: ",".join(str(v) for v in batch)}
        for page in reader.pages(spec.endpoint, query):
            upserts.extend(page)
    return _split_visible(spec, upserts, changed)


def _split_visible(
    spec: TableSpec, records: list[Record], changed: set[Any]
) -> tuple[list[Record], set[Any]]:
    visible = spec.visible
    upserts = _newest([r for r in records if visible is None or visible(r)])
    kept = {r.get("id") for r in upserts}
    hidden = {r.get("id") for r in records} - kept
    return upserts, (changed | hidden) - kept


def _newest(records: list[Record]) -> list[Record]:
    """One record per id, the newest by ``update_time`` (a record read twice during a read)."""
    by_id: dict[Any, Record] = {}
    for record in records:
        key = record.get("id")
        previous = by_id.get(key)
        if previous is None or str(record.get("update_time") or "") >= str(previous.get("update_time") or ""):
            by_id[key] = record
    return list(by_id.values())


# ---- reading pages while noting the server's clock -------------------------------------------------------


class _Reader:
    """Pages of list endpoints through ``client.get``; ``mark`` is the first answer's Date less SAFETY."""

    def __init__(self, client: Any, max_page_size: int = 500) -> None:
        self.client = client
        self.max_page_size = max_page_size
        self.mark: datetime | None = None
        self.more = False  # the last page read said there is a next one

    def pages(self, path: str, params: Mapping[str, Any]) -> Generator[list[Record], None, None]:
        query = dict(params)
        query["limit"] = min(self.max_page_size, int(getattr(self.client, "page_size", 500) or 500))
        paginator = paginator_for(path)
        while True:
            paginator.update_request(query)
            response = self.client.get(path, query)
            if self.mark is None:
                self.mark = _server_time(getattr(response, "headers", {})) - SAFETY
            data = response.data
            records = [r for r in data if isinstance(r, dict)] if isinstance(data, list) else []
            paginator.update_state(response)
            self.more = paginator.has_next_page
            if records:
                yield records
            if not paginator.has_next_page:
                return


def _server_time(headers: Any) -> datetime:
    value = headers.get("date") if headers is not None else None
    if value:
        try:
            return email.utils.parsedate_to_datetime(value).astimezone(UTC)
        except (TypeError, ValueError):
            pass
    return datetime.now(UTC).replace(microsecond=0)


def _rfc3339(value: datetime) -> str:
    return value.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def _counters(client: Any) -> Any:
    counters = getattr(client, "counters", None)
    return counters.snapshot() if counters is not None else None


def _spent(client: Any, start: Any) -> tuple[int, int]:
    end = _counters(client)
    if start is None or end is None:
        return 0, 0
    return end.requests - start.requests, end.tokens - start.tokens
