"""Parallel scans: several cursors over one v2 collection at once, every record exactly once.

A v2 list read by one cursor runs at one request per round trip, far below what the burst limit allows.
A parallel scan splits the collection by ``update_time``, reads the pieces concurrently, and returns the
collection as it was at one point: when its catch-up pass began.

1. A probe (``sort_by=update_time``, ``limit=1``) finds the oldest ``update_time``; its ``Date`` header gives
   the server's clock. The scan point is ``T0 = Date - SAFETY``.
2. ``[oldest, T0)`` is cut into one slice per worker. Each worker pages through its slice with
   ``updated_since``/``updated_until`` and ``sort_by=update_time`` (so it knows how far through its slice it
   is). A worker that runs out of slices takes the unread tail of the slice with the most records left
   (estimated from what that slice has read so far): the owner stops at the split point, the thief starts
   there. Slices never overlap. The workers' pages go through a bounded queue to the consumer, which
   SPILLS them to a temporary file (orjson lines) instead of yielding them: in memory stays only each
   spilled id with its ``update_time``. A record seen at or past ``T0`` (changed while its page was being
   written out) is left to the catch-up.
3. The catch-up pass reads ``updated_since = T0 - CATCH_UP_MARGIN`` with the caller's filters: every
   record created or changed since the scan began that still matches (the margin covers writes in flight at
   ``T0``). It is held in memory: it is only what changed during the scan. Then a change feed lists every
   id changed since the same moment whatever its state now, deleted or moved out of the caller's filters
   included: for deals, ``/api/v2/deals`` and ``/api/v2/deals/archived`` with
   ``status=open,won,lost,deleted`` (v2 lists of other kinds never show deleted records); for persons,
   organizations and activities, ``/api/v1/recents`` (which reports deletions).
4. The spill file is streamed back in pages: a record whose id the catch-up or the change feed names is
   skipped (superseded by a newer version, or deleted or no longer matching); of an id spilled twice, only
   the newest version is kept. Then the catch-up's records are yielded.

What the caller gets, with others writing during the scan: every record that exists and matches when the
catch-up's first request goes out, exactly once, in its state at that moment; no record deleted (or moved
out of the caller's filters) before then. Writes that land after the catch-up's first request may or may
not show. Nothing is yielded until the slices and the catch-up are read (the first ``next()`` does all
the reading); the spill file is deleted when the scan is exhausted, fails, or is closed (``close()``, or
the iterator being garbage-collected), and closing stops the workers.

**Streaming** (``snapshot=False``, what SQL scans use): the same slices, but each page reaches the caller
as soon as a worker has read it, while the other workers go on; a worker asks for a page only when it
holds a credit (one per worker, plus two, given back as the caller takes each page), so memory stays
bounded and a consumer that stops pulling stops the workers within a page each. Every record is yielded
once: the ids already yielded are kept in ``IdSet`` (a bitmap for the integer ids Pipedrive hands out, 1
bit each), and the catch-up yields only ids not yielded yet. So while others write, a record changed
during the scan shows in the version read first, one created during it shows, and one deleted after its
slice was read is not taken back (there is no change feed and no spill).

With an **opening** (``opening=n``, what SQL scans use) there is no probe: ``n`` pages are read in
``update_time`` order with one cursor and streamed (a collection of ``n`` pages costs what one cursor
costs); the next page is read together with the newest page (descending). The first answer's ``Date``
gives T0 and its headers the limit; the slices cover only the time between the opening's last record and
the newest page's oldest, cut where an estimate of the density (from both ends) puts as many records in
each, with as many workers as that estimate needs when it fits in the free burst window. When the newest
page lies within one second (a bulk update: more than a page in that second, which no split can share
out), its own cursor reads on through that second, newest first, from the start and alongside the slices,
which end where that second begins.

When the caller's own ``updated_until`` ends before ``T0 - CATCH_UP_MARGIN`` there is no catch-up and no
change feed (the window is in the past): a record that changed during the scan is returned as its slice
read it. Lists that cannot be sliced (v1, or v2 without ``updated_since``), and reads that ask for an
order (``sort_by``), specific ids or a saved filter, are read with one cursor and streamed as they come.
"""

from __future__ import annotations

import email.utils
import itertools
import math
import queue
import tempfile
import threading
import time
from collections.abc import Callable, Generator, Iterator, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import IO, Any, Protocol

import orjson

from pipedrive_sql.api.costs import TIME_SLICEABLE
from pipedrive_sql.api.operations import normalize_path
from pipedrive_sql.api.paging import CursorPaginator
from pipedrive_sql.api.slices import (
    QUEUE_POLL,
    IdSet,
    ScanStats,
    Scheduler,
    Slice,
    cuts,
    floor_second,
    format_time,
    parse_time,
)
from pipedrive_sql.errors import OperationalError

__all__ = ["IdSet", "PageSource", "ParallelScan", "ScanStats", "format_time", "parallel_scan", "parse_time"]


class PageSource(Protocol):
    """What a scan needs from ``pipedrive_sql.api.client.ApiClient`` (which builds on this module)."""

    page_size: int

    def get(self, path: str, params: Mapping[str, Any] | None = None) -> Any: ...

    def pages(
        self, path: str, params: Mapping[str, Any] | None = None, *, max_records: int | None = None
    ) -> Iterator[list[dict[str, Any]]]: ...

    def _log(self, verbosity: int, message: str, **fields: Any) -> None: ...


WINDOW_SECONDS = 2.0  # Pipedrive's burst window
SAFETY = timedelta(seconds=1)  # T0 sits this far behind the server's clock (Date has whole seconds)
CATCH_UP_MARGIN = timedelta(seconds=2)  # the catch-up starts this far before T0: writes in flight at T0
_SEQUENTIAL_PARAMS = ("sort_by", "sort_direction", "ids", "filter_id", "cursor")
_SPARE_CREDITS = 2  # pages in memory beyond one per worker
_DEAL_LISTS = ("/api/v2/deals", "/api/v2/deals/archived")
_ALL_DEAL_STATUSES = "open,won,lost,deleted"
# v2 lists that never show deleted records, and the /v1/recents item that reports their changes.
_RECENT_ITEMS = {
    "/api/v2/persons": "person",
    "/api/v2/organizations": "organization",
    "/api/v2/activities": "activity",
}


class _Done:
    pass


@dataclass
class _Failed:
    error: BaseException


class _Spill:
    """The slices' records in a temporary file (orjson lines), deleted on close; in memory only id -> stamp."""

    def __init__(self) -> None:
        self._file: IO[bytes] = tempfile.NamedTemporaryFile(  # noqa: SIM115 - closed by close()
            prefix="pipedrive-scan-", suffix=".jsonl", delete=True
        )
        self.path = self._file.name
        self.newest: dict[Any, str] = {}  # id -> update_time of its newest spilled version
        self.duplicates = 0

    def write(self, records: list[dict[str, Any]]) -> None:
        for record in records:
            key = record.get("id")
            stamp = str(record.get("update_time") or "")
            previous = self.newest.get(key)
            if previous is not None:
                self.duplicates += 1
            if previous is None or stamp >= previous:
                self.newest[key] = stamp
        self._file.write(b"".join(orjson.dumps(record) + b"\n" for record in records))

    def read(self) -> Iterator[dict[str, Any]]:
        self._file.flush()
        self._file.seek(0)
        for line in self._file:
            yield orjson.loads(line)

    def close(self) -> None:
        self._file.close()


class ParallelScan(Iterator[list[dict[str, Any]]]):
    """The iterator ``ApiClient.parallel_scan`` returns; ``stats`` and ``t0`` describe the scan."""

    def __init__(
        self,
        client: PageSource,
        path: str,
        params: Mapping[str, Any] | None,
        concurrency: int,
        *,
        snapshot: bool = True,
        seen: IdSet | None = None,
        opening: int = 0,
    ) -> None:
        self.client = client
        self.snapshot = snapshot
        self.opening = max(0, opening)  # streaming: pages read with one cursor before slicing
        self.seen = seen if seen is not None else IdSet()  # streaming: ids yielded (or yielded before)
        self.path = path
        self.params = {
            k: v for k, v in (params or {}).items() if v is not None and k not in ("limit", "cursor")
        }
        self.concurrency = max(1, concurrency)
        self.stats = ScanStats()
        self.t0: datetime | None = None
        self.spill_path: str | None = None  # the spill file while it exists (for tests and logs)
        self._closed = threading.Event()
        self._latency: float | None = None  # seconds the probe (or the opening's last page) took
        self._estimate: float | None = None  # records the slices will read, estimated by the opening
        self._density: tuple[float, float] | None = None  # records per second at the slices' two ends
        self._descending: Slice | None = None  # the newest page's cursor read on through a dense second
        self._iterator: Generator[list[dict[str, Any]], None, None] = self._run()

    def __next__(self) -> list[dict[str, Any]]:
        return next(self._iterator)

    def close(self) -> None:
        """Stop the workers and delete the spill file (also done when the iterator is garbage-collected).

        From another thread while the first ``next()`` is reading the slices, the workers stop and that
        ``next()`` raises ``OperationalError`` (it never returns a partial result).
        """
        self._closed.set()
        try:
            self._iterator.close()
        except ValueError:  # running in another thread: it sees ``_closed`` within QUEUE_POLL
            pass

    def workers(self) -> int:
        """Workers that keep the burst window full, at most ``concurrency``: by Little's law, the requests
        per second the limit allows times the seconds one request takes (the latency last measured), plus
        one so that no slot waits on a worker. When the opening estimated what is left and all of it fits
        in what the burst window still has free (a cold start: Pipedrive allows ``limit`` requests at
        once), one worker per page of it, so that it is read in one round trip. A table larger than the
        window gains nothing from more: past the burst the limit sets the pace, and every slice ends in
        a partial page that costs one more request."""
        governor = getattr(self.client, "governor", None)
        limit = getattr(governor, "limit", None)
        if not limit or self._latency is None:
            return self.concurrency
        needed = math.ceil(limit / WINDOW_SECONDS * self._latency) + 1
        available = getattr(governor, "available", None)
        if self._estimate is not None and callable(available):
            pages = math.ceil(self._estimate / max(1, self.client.page_size)) + 1
            if pages <= int(available()):
                needed = max(needed, pages)
        self.stats.workers = max(2, min(self.concurrency, needed))
        return self.stats.workers

    def sliceable(self) -> bool:
        if self.concurrency < 2 or normalize_path(self.path) not in TIME_SLICEABLE:
            return False
        if any(self.params.get(name) not in (None, "") for name in _SEQUENTIAL_PARAMS):
            return False
        return all(
            self.params.get(name) in (None, "") or parse_time(self.params[name]) is not None
            for name in ("updated_since", "updated_until")
        )

    # -- the phases ---------------------------------------------------------------------------------------

    def _run(self) -> Generator[list[dict[str, Any]], None, None]:
        if not self.sliceable():
            self.stats.sequential = True
            for page in self.client.pages(self.path, self.params):
                fresh = self._fresh(page)
                if fresh:
                    yield fresh
            return
        if not self.snapshot:
            yield from self._stream()
            return
        bounds = self._probe()
        if bounds is None:
            return
        oldest, t0 = bounds
        since, until = self._user_bounds()
        low, high = max(oldest, since or oldest), min(t0, until or t0)
        spill = _Spill()
        self.spill_path = spill.path
        try:
            if low < high:
                self._scan_slices(low, high, spill)
            caught: dict[Any, dict[str, Any]] = {}
            changed: set[Any] = set()
            if until is None or until > t0 - CATCH_UP_MARGIN:
                caught = self._catch_up(t0, since, until)
                changed = self._changed_ids(t0)
            if self._closed.is_set():
                raise OperationalError("The scan was closed while it was reading.")
            yield from self._merge(spill, caught, changed)
        finally:
            spill.close()
            self.spill_path = None
        self.client._log(4, "scan done", path=self.path, t0=format_time(t0), **vars(self.stats))

    def _stream(self) -> Generator[list[dict[str, Any]], None, None]:
        """Streaming: the opening's pages (or a probe), the slices' pages as they arrive, then the
        catch-up's records not yielded yet."""
        since, until = self._user_bounds()
        if self.opening:
            opened = yield from self._open()
            if opened is None:
                return
            start, end = opened
            t0 = self.t0
            assert t0 is not None
        else:
            bounds = self._probe()
            if bounds is None:
                return
            start, t0 = bounds
            end = t0
        low, high = max(start, since or start), min(end, t0, until or t0)
        if low < high or self._descending is not None:
            for page in self._slice_pages(low, high):
                yield from self._yield_fresh(page)
        if until is None or until > t0 - CATCH_UP_MARGIN:
            begin = t0 - CATCH_UP_MARGIN
            query = {**self.params, "updated_since": format_time(max(begin, since) if since else begin)}
            if until is not None:
                query["updated_until"] = format_time(until)
            for page in self.client.pages(self.path, query):
                for fresh in self._yield_fresh(page):
                    self.stats.catch_up_records += len(fresh)
                    yield fresh
        self.client._log(4, "scan done", path=self.path, t0=format_time(t0), **vars(self.stats))

    def _yield_fresh(self, page: list[dict[str, Any]]) -> Iterator[list[dict[str, Any]]]:
        fresh = self.seen.fresh(page)
        self.stats.duplicates += len(page) - len(fresh)
        if fresh:
            self.stats.records += len(fresh)
            yield fresh

    def _open(self) -> Generator[list[dict[str, Any]], None, tuple[datetime, datetime] | None]:
        """The opening: ``opening`` pages in ``update_time`` order with one cursor, streamed as they come,
        then one more page of that cursor read together with the newest page (the same sort, descending).
        No probe: the first answer's ``Date`` header gives T0 and the limit, the pages' ``update_time``s
        how dense the collection is at both ends. Returns ``(start, end)``: the slices read ``[start, end)``,
        between the opening's last record and the newest page's oldest; or None when the opening read
        everything (a table of one or two pages costs what one cursor costs).

        Nothing is lost past ``end``: the newest page held every record updated after it when it was read,
        and a record updated later has an ``update_time`` past T0 (which lies before the first answer), so
        the catch-up reads it.
        """
        page_size = max(1, self.client.page_size)
        query = {**self.params, "sort_by": "update_time", "sort_direction": "asc", "limit": page_size}
        paginator = CursorPaginator()
        newest: _Background | None = None
        try:
            for count in itertools.count(1):
                if count > self.opening and newest is None:
                    desc_query = {k: v for k, v in query.items() if k != "cursor"}
                    newest = _Background(self.client.get, self.path, {**desc_query, "sort_direction": "desc"})
                paginator.update_request(query)
                started = time.monotonic()
                response = self.client.get(self.path, query)
                self._latency = time.monotonic() - started
                if self.t0 is None:
                    self.t0 = floor_second(_server_time(response.headers) - SAFETY)
                records = response.data if isinstance(response.data, list) else []
                paginator.update_state(response)
                yield from self._yield_fresh(records)
                stamps = [parse_time(r.get("update_time")) for r in (records[:1] + records[-1:])]
                if not paginator.has_next_page or not records or None in stamps:
                    break  # the end; or no update_time to slice by: the cursor reads on, below
                if newest is None:
                    continue
                desc = newest.result()
                newest = None
                desc_records = desc.data if isinstance(desc.data, list) else []
                yield from self._yield_fresh(desc_records)
                if not _has_next_cursor(desc):
                    return None  # the newest page held every record
                ends = [parse_time(r.get("update_time")) for r in (desc_records[:1] + desc_records[-1:])]
                if not desc_records or None in ends:
                    break
                return self._plan_slices(records, desc_records, _next_cursor(desc))
            else:  # pragma: no cover - itertools.count never ends
                return None
            if paginator.has_next_page:
                for page in self._rest_of(paginator, query):
                    yield from self._yield_fresh(page)
            return None
        finally:
            if newest is not None:
                newest.join()

    def _rest_of(self, paginator: CursorPaginator, query: dict[str, Any]) -> Iterator[list[dict[str, Any]]]:
        while paginator.has_next_page:
            paginator.update_request(query)
            response = self.client.get(self.path, query)
            paginator.update_state(response)
            records = response.data if isinstance(response.data, list) else []
            if records:
                yield records

    def _plan_slices(
        self, oldest_page: list[dict[str, Any]], newest_page: list[dict[str, Any]], cursor: str | None = None
    ) -> tuple[datetime, datetime]:
        """(start, end) for the slices, and the estimate of what they will read: the density of the
        opening's last page and of the newest page, over the time between them.

        When the newest page lies within one second (a bulk update: that second holds more than a page),
        no split could share that second out, and a slice ending after it would read it last, one page
        after another, and read the newest page's records again. So the newest page's own cursor
        (``cursor``) reads on from the start, as one more piece of work, until it passes below that second;
        the slices end where that second begins."""
        first_old, last_old = (parse_time(oldest_page[i].get("update_time")) for i in (0, -1))
        oldest_new, newest_new = (parse_time(newest_page[i].get("update_time")) for i in (-1, 0))
        assert first_old and last_old and oldest_new and newest_new
        start = floor_second(last_old)  # >=: the records of that second come again, skipped by id
        dense_until = floor_second(oldest_new) + timedelta(seconds=1)
        old_density = len(oldest_page) / max(1.0, (last_old - first_old).total_seconds())
        new_density = len(newest_page) / max(1.0, (newest_new - oldest_new).total_seconds())
        self._density = (old_density, new_density)
        second = floor_second(oldest_new)
        if cursor and floor_second(newest_new) == second and start < second:
            self._descending = Slice(since=second, until=dense_until, position=second, cursor=cursor)
            dense_until = second
        span = max(0.0, (dense_until - start).total_seconds())
        # The geometric mean, the lowest of the usual means: CRM records crowd at the recent end, and an
        # estimate past what the burst window holds makes the scan narrow rather than wide.
        self._estimate = math.sqrt(old_density * new_density) * span
        return start, max(start, dense_until)

    def _user_bounds(self) -> tuple[datetime | None, datetime | None]:
        return parse_time(self.params.get("updated_since")), parse_time(self.params.get("updated_until"))

    def _probe(self) -> tuple[datetime, datetime] | None:
        """(oldest update_time, T0) of the matching records, or None when there are none."""
        query = {**self.params, "sort_by": "update_time", "sort_direction": "asc", "limit": 1}
        started = time.monotonic()
        response = self.client.get(self.path, query)
        self._latency = time.monotonic() - started
        self.t0 = t0 = floor_second(_server_time(response.headers) - SAFETY)
        records = response.data if isinstance(response.data, list) else []
        if not records:
            return None
        oldest = parse_time(records[0].get("update_time")) or t0
        return floor_second(oldest), t0

    def _scan_slices(self, low: datetime, high: datetime, spill: _Spill) -> None:
        """Phase 1: the slices, read concurrently, into the spill file."""
        for item in self._slice_pages(low, high):
            spill.write(item)
            self.stats.spilled += len(item)

    def _slice_pages(self, low: datetime, high: datetime) -> Generator[list[dict[str, Any]], None, None]:
        """The slices' pages, read concurrently, in the order they arrive; closing it stops the workers."""
        scheduler = Scheduler(page_size=self.client.page_size, stats=self.stats)
        count = self.workers()
        descending = self._descending
        self._descending = None  # read once
        # The newest page's cursor reading on through a dense second: first, on a worker of its own
        # within MaxConcurrency (one slice fewer when the cap is reached).
        spread_over = count - 1 if descending is not None and count >= self.concurrency else count
        bounds = sorted({low, high} | set(cuts(low, high, spread_over, self._density))) if low < high else []
        for start, end in itertools.pairwise(bounds):
            if start < end:
                scheduler.pending.append(Slice(since=start, until=end, position=start))
        if descending is not None:
            scheduler.pending.appendleft(descending)
            count = spread_over + 1
        # Pages held in memory, in flight or queued, are bounded by credits: a worker takes one before it
        # asks for a page and the consumer gives it back when it takes the page (memory stays flat
        # however many workers fill the burst window and however slowly the caller pulls).
        scheduler.credits = threading.Semaphore(count + _SPARE_CREDITS)
        out: queue.Queue[list[dict[str, Any]] | _Done | _Failed] = queue.Queue()
        workers = [
            threading.Thread(
                target=self._work, args=(scheduler, out), name=f"pipedrive-scan-{i}", daemon=True
            )
            for i in range(count)
        ]
        for worker in workers:
            worker.start()
        try:
            running = len(workers)
            while running:
                try:
                    item = out.get(timeout=QUEUE_POLL)
                except queue.Empty:
                    item = None
                if self._closed.is_set():
                    raise OperationalError("The scan was closed while it was reading.")
                if item is None:
                    continue
                if isinstance(item, _Done):
                    running -= 1
                elif isinstance(item, _Failed):
                    raise item.error
                else:
                    scheduler.credits.release()
                    yield item
        finally:
            scheduler.stop()
            _drain_until_joined(out, workers)

    def _work(self, scheduler: Scheduler, out: queue.Queue[Any]) -> None:
        try:
            while (piece := scheduler.next_slice()) is not None:
                if piece.cursor is None:
                    self._read_slice(piece, scheduler, out)
                else:
                    self._read_descending(piece, scheduler, out)
                scheduler.finish(piece)
        except BaseException as exc:  # handed to the consumer, which raises it in its own thread
            scheduler.stop()
            _put(out, _Failed(exc), scheduler, force=True)
        finally:
            _put(out, _Done(), scheduler, force=True)

    def _read_slice(self, piece: Slice, scheduler: Scheduler, out: queue.Queue[Any]) -> None:
        query = {
            **self.params,
            "updated_since": format_time(piece.since),
            "updated_until": format_time(piece.until),
            "sort_by": "update_time",
            "sort_direction": "asc",
            "limit": self.client.page_size,
        }
        asked_until = piece.until

        def keep(records: list[dict[str, Any]], more: bool) -> tuple[list[dict[str, Any]], bool]:
            return scheduler.keep(piece, records, more, asked_until)

        self._read_pages(query, CursorPaginator(), keep, scheduler, out)

    def _read_descending(self, piece: Slice, scheduler: Scheduler, out: queue.Queue[Any]) -> None:
        """The newest page's query read on from its cursor (``piece.cursor``), newest first, until a page
        reaches below ``piece.since``: everything at or after ``piece.since`` (the slices end there). The
        records below it are the slices' and are dropped here. A record changed meanwhile moves past what
        this cursor has read and is the catch-up's, as in a slice."""
        query = {
            **self.params,
            "sort_by": "update_time",
            "sort_direction": "desc",
            "limit": self.client.page_size,
        }
        paginator = CursorPaginator()
        paginator.cursor = piece.cursor

        def keep(records: list[dict[str, Any]], more: bool) -> tuple[list[dict[str, Any]], bool]:
            times = [parse_time(r.get("update_time")) for r in records]
            kept = [r for r, t in zip(records, times, strict=True) if t is None or t >= piece.since]
            finished = len(kept) < len(records) or not records or not more
            scheduler.record_page(piece, len(kept), finished)
            return kept, finished

        self._read_pages(query, paginator, keep, scheduler, out)

    def _read_pages(
        self,
        query: dict[str, Any],
        paginator: CursorPaginator,
        keep: Callable[[list[dict[str, Any]], bool], tuple[list[dict[str, Any]], bool]],
        scheduler: Scheduler,
        out: queue.Queue[Any],
    ) -> None:
        """One worker's cursor: a page per credit, ``keep`` saying what of it is this piece's and whether
        the piece is finished; a page with nothing kept hands its credit back at once."""
        while scheduler.take_credit():
            paginator.update_request(query)
            try:
                response = self.client.get(self.path, query)
                records = response.data if isinstance(response.data, list) else []
                paginator.update_state(response)
                kept, finished = keep(records, paginator.has_next_page)
            except BaseException:
                scheduler.credits.release()
                raise
            if not kept:
                scheduler.credits.release()
            elif not _put(out, kept, scheduler):
                return
            if finished:
                return

    def _catch_up(
        self, t0: datetime, since: datetime | None, until: datetime | None
    ) -> dict[Any, dict[str, Any]]:
        """Phase 2a: what was created or changed since the scan began and matches, newest version per id."""
        start = t0 - CATCH_UP_MARGIN
        query = {**self.params, "updated_since": format_time(max(start, since) if since else start)}
        if until is not None:
            query["updated_until"] = format_time(until)
        caught: dict[Any, dict[str, Any]] = {}
        for page in self.client.pages(self.path, query):
            for record in page:
                key = record.get("id")
                previous = caught.get(key)
                if previous is not None:
                    self.stats.duplicates += 1
                    if str(record.get("update_time") or "") < str(previous.get("update_time") or ""):
                        continue
                caught[key] = record
        return caught

    def _changed_ids(self, t0: datetime) -> set[Any]:
        """Phase 2b, after the catch-up: every id changed since the scan began, deleted or moved out too."""
        start = t0 - CATCH_UP_MARGIN
        path = normalize_path(self.path)
        changed: set[Any] = set()
        if path in _DEAL_LISTS:
            query = {"updated_since": format_time(start), "status": _ALL_DEAL_STATUSES}
            for deals in _DEAL_LISTS:  # archiving moves a deal from one list to the other
                for page in self.client.pages(deals, query):
                    changed.update(record.get("id") for record in page)
        elif path in _RECENT_ITEMS:
            query = {"since_timestamp": start.strftime("%Y-%m-%d %H:%M:%S"), "items": _RECENT_ITEMS[path]}
            for page in self.client.pages("/api/v1/recents", query):
                for entry in page:
                    if entry.get("item") == _RECENT_ITEMS[path]:
                        changed.add(entry.get("id"))
        self.stats.changed_ids = len(changed)
        return changed

    def _merge(
        self, spill: _Spill, caught: dict[Any, dict[str, Any]], changed: set[Any]
    ) -> Iterator[list[dict[str, Any]]]:
        """Phase 3: the spilled records nobody superseded, then the catch-up's, in pages."""
        newest = spill.newest
        self.stats.duplicates += spill.duplicates
        for key, record in caught.items():
            if key in newest:
                self.stats.duplicates += 1
                if str(record.get("update_time") or "") != newest[key]:
                    self.stats.changed_during_scan += 1
        self.stats.removed_during_scan = sum(1 for key in changed if key in newest and key not in caught)
        page_size = max(1, self.client.page_size)
        batch: list[dict[str, Any]] = []
        for record in spill.read():
            key = record.get("id")
            if key in caught or key in changed or newest.get(key) != str(record.get("update_time") or ""):
                continue
            del newest[key]  # an identical second copy is skipped too
            batch.append(record)
            if len(batch) >= page_size:
                self.stats.records += len(batch)
                yield batch
                batch = []
        if batch:
            self.stats.records += len(batch)
            yield batch
        records = list(caught.values())
        for i in range(0, len(records), page_size):
            page = records[i : i + page_size]
            self.stats.records += len(page)
            self.stats.catch_up_records += len(page)
            yield page

    def _fresh(self, records: list[dict[str, Any]]) -> list[dict[str, Any]]:
        """The records whose id has not been yielded yet (sequential reads); remembers them."""
        out = self.seen.fresh(records)
        self.stats.duplicates += len(records) - len(out)
        self.stats.records += len(out)
        return out


class _Background:
    """One call run on its own thread (the newest page, read while the opening's cursor reads on)."""

    def __init__(self, call: Any, *args: Any) -> None:
        self._value: Any = None
        self._error: BaseException | None = None
        self._thread = threading.Thread(target=self._run, args=(call, args), name="pipedrive-scan-newest")
        self._thread.daemon = True
        self._thread.start()

    def _run(self, call: Any, args: tuple[Any, ...]) -> None:
        try:
            self._value = call(*args)
        except BaseException as exc:  # raised in the caller's thread by result()
            self._error = exc

    def join(self) -> None:
        self._thread.join()

    def result(self) -> Any:
        self._thread.join()
        if self._error is not None:
            raise self._error
        return self._value


def _has_next_cursor(response: Any) -> bool:
    extra = response.additional_data if isinstance(response.additional_data, dict) else {}
    return bool(extra.get("next_cursor"))


def _next_cursor(response: Any) -> str | None:
    """The answer's cursor to read on from, when it is one (a damaged one is not handed on: the slices
    read that part instead, and a cursor that pages on reports the damage)."""
    extra = response.additional_data if isinstance(response.additional_data, dict) else {}
    cursor = extra.get("next_cursor")
    return cursor if isinstance(cursor, str) and cursor else None


def _server_time(headers: Any) -> datetime:
    value = headers.get("date")
    if value:
        try:
            return email.utils.parsedate_to_datetime(value).astimezone(UTC)
        except (TypeError, ValueError):
            pass
    return datetime.now(UTC)


def _put(out: queue.Queue[Any], item: Any, scheduler: Scheduler, *, force: bool = False) -> bool:
    """Put ``item`` unless the scan was abandoned meanwhile (``force``: keep trying, the consumer drains)."""
    while True:
        try:
            out.put(item, timeout=QUEUE_POLL)
            return True
        except queue.Full:
            if scheduler.stopped and not force:
                return False


def _drain_until_joined(out: queue.Queue[Any], workers: list[threading.Thread]) -> None:
    """Wait for the workers to end, emptying the queue meanwhile (pages nobody will take). Waits on the
    threads, not on the queue: once the last worker has said it is done this returns at once (waiting on
    an empty queue held the catch-up back by up to QUEUE_POLL at the end of every scan)."""
    for worker in workers:
        while worker.is_alive():
            worker.join(QUEUE_POLL)
            _empty(out)
    _empty(out)


def _empty(out: queue.Queue[Any]) -> None:
    while True:
        try:
            out.get_nowait()
        except queue.Empty:
            return


def parallel_scan(
    client: PageSource,
    path: str,
    params: Mapping[str, Any] | None = None,
    *,
    concurrency: int = 4,
    snapshot: bool = True,
    seen: IdSet | None = None,
    opening: int = 0,
) -> ParallelScan:
    """A parallel scan: the snapshot kind (spilled, consistent as of the catch-up) or, with
    ``snapshot=False``, the streaming kind; ``seen`` names ids already handed over (skipped), ``opening``
    how many pages one cursor reads (and streams) before the scan turns parallel (0: a probe instead)."""
    return ParallelScan(client, path, params, concurrency, snapshot=snapshot, seen=seen, opening=opening)
