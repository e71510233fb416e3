"""Stage 3: a scan plan -> a lazily pulled Arrow ``RecordBatchReader`` over the API's pages.

Nothing is requested until DuckDB asks for the first batch, and each later request only when it asks for
the next one: with ``threads=1`` a ``LIMIT 10`` stops after the first page (notes/engine.md).

A full read of a v2 collection is the client's streaming parallel scan with an opening: two pages with one
cursor (so a small table costs what a sequential read costs), then the third with the newest page, then
time slices read by as many cursors as the burst limit and the latency call for (at most MaxConcurrency).
"""

from __future__ import annotations

from collections import Counter, deque
from collections.abc import Callable, Iterable, Iterator, Mapping
from typing import Any, Protocol

import pyarrow as pa

from pipedrive_sql.api.scan import IdSet
from pipedrive_sql.catalog.arrow import RowConverter
from pipedrive_sql.engine.joinkeys import MAX_DRIVER_PAGES, key_value
from pipedrive_sql.engine.plan import Call, KeyFeed, ScanPlan
from pipedrive_sql.errors import NotFoundError

__all__ = ["ApiReader", "SharedPages", "open_scan", "scan_records"]

Record = dict[str, Any]
Page = list[Record]

# Full pages read with one cursor before a scan turns parallel (the third is read with the newest page).
SEQUENTIAL_PAGES = 2


class ApiReader(Protocol):
    """What a scan needs from ``pipedrive_sql.api.client.ApiClient``."""

    max_concurrency: int
    page_size: int

    def get(self, path: str, params: Mapping[str, Any] | None = None) -> Any: ...

    def pages(
        self, path: str, params: Mapping[str, Any] | None = None, *, max_records: int | None = None
    ) -> Iterator[Page]: ...

    def parallel_scan(
        self,
        path: str,
        params: Mapping[str, Any] | None = None,
        *,
        concurrency: int | None = None,
        snapshot: bool = True,
        seen: IdSet | None = None,
        opening: int = 0,
    ) -> Iterator[Page]: ...


class SharedPages:
    """One read of a request sequence that several scans of one statement need (``Persons p JOIN
    PersonEmails e``: both read /api/v2/persons with the same parameters).

    Built from the statement's scans before any is read: a call that only one scan makes is read directly;
    one that several make is read once, each page handed to every scan still reading (a scan that DuckDB
    has not pulled yet keeps the pages the others pulled, in order). Requests still happen only as some
    scan asks for the next page, so a LIMIT stays lazy; a scan that is closed early stops receiving pages.
    """

    def __init__(self, plans: Iterable[ScanPlan] = ()) -> None:
        self._wanted: Counter[tuple[Any, ...]] = Counter()
        for plan in plans:
            self._count(plan)
        self._entries: dict[tuple[Any, ...], _SharedEntry] = {}

    def _count(self, plan: ScanPlan) -> None:
        if plan.keys is not None and plan.keys.source is not None:
            self._count(plan.keys.source)  # the driving side's records are read once more, for its keys
        if plan.empty:
            return
        if plan.parent is not None:
            self._count(plan.parent)
            return
        for call in plan.calls:
            self._wanted[_call_key(call, plan)] += 1

    def pages(self, call: Call, plan: ScanPlan, read: Callable[[], Iterator[Page]]) -> Iterator[Page]:
        key = _call_key(call, plan)
        wanted = self._wanted.get(key, 0)
        if wanted < 2:
            yield from read()
            return
        entry = self._entries.get(key)
        if entry is None:
            entry = self._entries[key] = _SharedEntry(read, wanted)
        yield from entry.consume()


class _SharedEntry:
    def __init__(self, read: Callable[[], Iterator[Page]], consumers: int) -> None:
        self._read = read
        self._source: Iterator[Page] | None = None
        self._buffers: list[deque[Page] | None] = [deque() for _ in range(consumers)]
        self._next = 0
        self._done = False
        self._error: BaseException | None = None

    def consume(self) -> Iterator[Page]:
        if self._next >= len(self._buffers):  # more readers than counted: read on its own
            yield from self._read()
            return
        index = self._next
        self._next += 1
        buffer = self._buffers[index]
        assert buffer is not None
        try:
            while True:
                if buffer:
                    yield buffer.popleft()
                    continue
                if self._error is not None:
                    raise self._error
                if self._done:
                    return
                self._pull()
        finally:
            self._buffers[index] = None
            if all(b is None for b in self._buffers) and self._source is not None:
                close = getattr(self._source, "close", None)
                if close is not None:
                    close()

    def _pull(self) -> None:
        if self._source is None:
            self._source = self._read()
        try:
            page = next(self._source)
        except StopIteration:
            self._done = True
            return
        except BaseException as exc:
            self._error = exc
            raise
        for buffer in self._buffers:
            if buffer is not None:
                buffer.append(page)


def _call_key(call: Call, plan: ScanPlan) -> tuple[Any, ...]:
    return (
        call.path,
        tuple(sorted(call.params.items())),
        call.single,
        call.max_records,
        call.parent_id,
        call.stop,
        id(plan.visible) if call.single else None,
    )


def open_scan(
    plan: ScanPlan, client: ApiReader, *, parallel: bool = True, shared: SharedPages | None = None
) -> pa.RecordBatchReader:
    """The reader DuckDB scans for ``plan``; requests happen as DuckDB pulls batches. Scans opened with
    the same ``shared`` read the requests they have in common once."""
    converter = RowConverter(plan.columns)
    return converter.reader(scan_records(plan, client, parallel=parallel, shared=shared))


def scan_records(
    plan: ScanPlan, client: ApiReader, *, parallel: bool = True, shared: SharedPages | None = None
) -> Iterator[Page]:
    """The plan's records, page by page (child views already exploded into their rows)."""
    if plan.empty:
        return
    keys = _learn_keys(plan.keys, client, shared) if plan.keys is not None else None
    if keys is not None:
        pages = _keyed(plan, sorted(keys, key=str), client)
    elif plan.parent is not None:
        pages = _parent_driven(plan, client, shared)
    else:
        pages = _planned(plan, client, parallel, shared)
    if plan.explode:
        pages = _explode(pages, plan.explode)
    if plan.table.reshape is not None:
        pages = _reshaped(pages, plan.table.reshape)
    yield from pages


def _planned(plan: ScanPlan, client: ApiReader, parallel: bool, shared: SharedPages | None) -> Iterator[Page]:
    for call in plan.calls:
        read = _reader(call, plan, client, parallel)
        yield from (shared.pages(call, plan, read) if shared is not None else read())


def _reader(call: Call, plan: ScanPlan, client: ApiReader, parallel: bool) -> Callable[[], Iterator[Page]]:
    if call.single:
        return lambda: _single(call, client, plan.visible)
    if parallel and _parallel_candidate(call, client):
        return lambda: _adaptive(call, client)
    if call.stop is not None:
        return lambda: _until_stop(client.pages(call.path, call.params, max_records=call.max_records), call)
    return lambda: _stamped(client.pages(call.path, call.params, max_records=call.max_records), call)


def _until_stop(pages: Iterator[Page], call: Call) -> Iterator[Page]:
    """Pages in the API's sort order up to the first record past the call's bound (engine/ranges.py)."""
    stop = call.stop
    assert stop is not None
    try:
        for page in pages:
            cut = next((i for i, record in enumerate(page) if stop.passed(record)), None)
            kept = page if cut is None else page[:cut]
            if kept:
                yield _stamp(kept, call)
            if cut is not None:
                return
    finally:
        close = getattr(pages, "close", None)
        if close is not None:
            close()


def _single(
    call: Call, client: ApiReader, visible: Callable[[Mapping[str, Any]], bool] | None
) -> Iterator[Page]:
    try:
        response = client.get(call.path)
    except NotFoundError:
        return
    data = response.data
    records = [data] if isinstance(data, dict) else [r for r in (data or []) if isinstance(r, dict)]
    if visible is not None:
        records = [r for r in records if visible(r)]
    if records:
        yield _stamp(records, call)


def _stamped(pages: Iterator[Page], call: Call) -> Iterator[Page]:
    if call.parent_id is None:
        yield from pages
        return
    try:
        for page in pages:
            yield _stamp(page, call)
    except NotFoundError:
        return  # a parent the API does not show (a deleted deal) has no child rows, as with a full read


def _stamp(records: Page, call: Call) -> Page:
    # Some child lists are plain values (a deal's permitted users: user ids): one {"value": v} row each.
    records = [r if isinstance(r, dict) else {"value": r} for r in records]
    if call.parent_id is None:
        return records
    for record in records:
        record["_parent_id"] = call.parent_id
    return records


def _parallel_candidate(call: Call, client: ApiReader) -> bool:
    # A child list of one parent (/api/v2/deals/5/followers) is small and its rows need the parent's id.
    if call.max_records is not None or "/api/v2/" not in call.path or call.parent_id is not None:
        return False
    if any(k in call.params for k in ("sort_by", "ids", "filter_id", "cursor")):
        return False
    return int(getattr(client, "max_concurrency", 1) or 1) > 1 and hasattr(client, "parallel_scan")


def _adaptive(call: Call, client: ApiReader) -> Iterator[Page]:
    """The client's streaming parallel scan with an opening: SEQUENTIAL_PAGES pages in ``update_time``
    order with one cursor (a table of one or two pages costs exactly what one cursor costs), then the
    rest by time slices, as many as the burst limit and the latency call for (api/scan.py). Every page
    reaches DuckDB as soon as it has been read; no record is yielded twice."""
    scan = client.parallel_scan(call.path, call.params, snapshot=False, opening=SEQUENTIAL_PAGES)
    try:
        yield from scan
    finally:
        close = getattr(scan, "close", None)
        if close is not None:
            close()


def _parent_driven(plan: ScanPlan, client: ApiReader, shared: SharedPages | None) -> Iterator[Page]:
    """Child rows for every parent the parent scan yields, ``source.batch`` parents per request."""
    assert plan.parent is not None and plan.table.source is not None
    source = plan.table.source
    batch: list[Any] = []
    for page in scan_records(plan.parent, client, parallel=True, shared=shared):
        for record in page:
            if record.get("id") is not None:
                batch.append(record["id"])
            if len(batch) >= source.batch:
                yield from _child_requests(plan, client, batch)
                batch = []
    if batch:
        yield from _child_requests(plan, client, batch)


def _child_requests(plan: ScanPlan, client: ApiReader, parent_ids: list[Any]) -> Iterator[Page]:
    source = plan.table.source
    assert source is not None
    base = dict(plan.calls[0].params) if plan.calls else {}
    if source.param:
        params = {**base, source.param: ",".join(str(i) for i in parent_ids)}
        yield from client.pages(plan.table.endpoint, params)
        return
    for parent_id in parent_ids:
        call = Call(plan.table.endpoint.replace("{id}", str(parent_id)), base, parent_id=parent_id)
        yield from _stamped(client.pages(call.path, call.params), call)


def _learn_keys(feed: KeyFeed, client: ApiReader, shared: SharedPages | None) -> set[Any] | None:
    """The ids ``feed`` names, or None when there are more than it may use (the scan keeps its own plan)."""
    keys: set[Any] = set()
    if feed.search is not None:
        found = _search_ids(feed.search, client, feed.max_keys + 1)
        return None if len(found) > feed.max_keys else found
    assert feed.source is not None
    pages = scan_records(feed.source, client, parallel=True, shared=shared)
    try:
        for count, page in enumerate(pages, start=1):
            for record in page:
                key = key_value(record.get(feed.source_key))
                if key is not None:
                    keys.add(key)
            if len(keys) > feed.max_keys or count >= MAX_DRIVER_PAGES:
                return None
    finally:
        close = getattr(pages, "close", None)
        if close is not None:
            close()
    return keys


def _search_ids(search: Call, client: ApiReader, most: int) -> set[Any]:
    """The ids of a v2 search's items (``data.items[].item.id``), up to ``most``, paging by cursor."""
    found: set[Any] = set()
    params = dict(search.params)
    while len(found) < most:
        response = client.get(search.path, params)
        data = response.data if isinstance(response.data, dict) else {}
        for entry in data.get("items") or ():
            item = entry.get("item") if isinstance(entry, dict) else None
            if isinstance(item, dict) and item.get("id") is not None:
                found.add(item["id"])
        extra = getattr(response, "additional_data", None)
        cursor = extra.get("next_cursor") if isinstance(extra, dict) else None
        if not cursor:
            break
        params["cursor"] = cursor
    return found


def _keyed(plan: ScanPlan, keys: list[Any], client: ApiReader) -> Iterator[Page]:
    """The scan narrowed to ``keys``: ids batched into its list call, one request per key for an id
    parameter that takes one value, parent ids for a child table, or one GET per id."""
    feed = plan.keys
    assert feed is not None
    if plan.parent is not None:
        source = plan.table.source
        assert source is not None
        batch = max(source.batch, 1)
        for i in range(0, len(keys), batch):
            yield from _child_requests(plan, client, keys[i : i + batch])
        return
    spec = plan.table
    if not feed.param:
        for key in keys:
            call = Call(spec.get_path.replace("{id}", str(key)), {}, single=True, template=spec.get_path)
            yield from _single(call, client, plan.visible)
        return
    base = {k: v for k, v in plan.calls[0].params.items() if k not in ("sort_by", "sort_direction")}
    seen = IdSet()
    for i in range(0, len(keys), feed.batch):
        chunk = keys[i : i + feed.batch]
        params = {**base, feed.param: ",".join(str(k) for k in chunk)}
        # ids are unique: a batch of n ids returns at most n records, so paging stops there
        most = len(chunk) if feed.param == spec.ids_param else None
        for page in client.pages(spec.endpoint, params, max_records=most):
            fresh = seen.fresh(page) if feed.also is not None else page
            if fresh:
                yield fresh
    if feed.also is not None:
        for page in client.pages(feed.also.path, feed.also.params):
            fresh = seen.fresh(page)  # deleted since the search found it: already read
            if fresh:
                yield fresh


def _reshaped(pages: Iterator[Page], reshape: Callable[[Page], Page]) -> Iterator[Page]:
    """``reshape`` applied to all the records of each parent (consecutive records with one ``_parent_id``)."""
    group: Page = []
    for page in pages:
        for record in page:
            if group and record.get("_parent_id") != group[0].get("_parent_id"):
                yield from _reshape_group(group, reshape)
                group = []
            group.append(record)
    if group:
        yield from _reshape_group(group, reshape)


def _reshape_group(group: Page, reshape: Callable[[Page], Page]) -> Iterator[Page]:
    parent_id = group[0].get("_parent_id")
    rows = reshape(group)
    for row in rows:
        row["_parent_id"] = parent_id
    if rows:
        yield rows


def _explode(pages: Iterator[Page], key: str) -> Iterator[Page]:
    """One row per element of each record's ``key`` list, with the record's id as ``_parent_id``."""
    for page in pages:
        rows: Page = []
        for record in page:
            items = record.get(key)
            if not isinstance(items, list):
                continue
            parent_id = record.get("id")
            for item in items:
                row = dict(item) if isinstance(item, dict) else {"value": item}
                row["_parent_id"] = parent_id
                rows.append(row)
        if rows:
            yield rows
