"""Parallel scans: several cursors over one v2 collection at once, every record exactly once.

A v2 list read by one cursor runs at one request per round trip, far below what the burst limit allows.
A parallel scan splits the collection by ``update_time`` and reads the pieces concurrently:

1. A probe (``sort_by=update_time``, ``limit=1``) finds the oldest ``update_time``; its ``Date`` header gives
   the server's clock. The scan point is ``T0 = Date - SAFETY``.
2. ``[oldest, T0)`` is cut into one slice per worker. Each worker pages through its slice with
   ``updated_since``/``updated_until`` and ``sort_by=update_time`` (so it knows how far through its slice it
   is). A worker that runs out of slices takes the unread tail of the slice with the most records left
   (estimated from what that slice has read so far): the owner stops at the split point, the thief starts
   there. Slices never overlap, so no record is read twice.
3. When every slice is done, a catch-up pass reads ``updated_since = T0 - CATCH_UP_MARGIN``: everything created
   or changed since the scan began (the margin covers writes that were in flight at ``T0``).
4. Records are yielded as their pages arrive; the scan remembers only each yielded id and its ``update_time``,
   and never yields an id twice.

What the caller gets, with others writing during the scan:
- a record that did not change during the scan: exactly once, as it is;
- a record created or changed during the scan: exactly once. If its slice was read before the change, the
  version read there (its state at ``T0``); otherwise, having moved past ``T0``, its newest version from the
  catch-up. It cannot be lost: a change moves a record's ``update_time`` forward, out of every slice still to
  be read and into the catch-up, which runs after all slices;
- a record deleted during the scan: at most once (only if its slice was read before the deletion).
So every record that exists when the scan ends is present exactly once. Retracting what was already
yielded is impossible in a stream; a caller that needs the end state of records changed mid-scan can read
the ids whose ``update_time`` is at or after ``T0`` (``ParallelScan.t0``) again.

Lists that cannot be sliced (v1, or v2 without ``updated_since``), and reads that ask for an order
(``sort_by``), specific ids or a saved filter, are read with one cursor instead.
"""

from __future__ import annotations

import email.utils
import itertools
import queue
import threading
from collections import deque
from collections.abc import Generator, Iterator, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING, Any

from pipedrive_sql.api.costs import TIME_SLICEABLE
from pipedrive_sql.api.operations import normalize_path
from pipedrive_sql.api.paging import CursorPaginator

if TYPE_CHECKING:
    from pipedrive_sql.api.client import ApiClient

__all__ = ["ParallelScan", "ScanStats", "format_time", "parallel_scan", "parse_time"]

SAFETY = timedelta(seconds=1)  # T0 sits this far behind the server's clock (Date has whole seconds)
CATCH_UP_MARGIN = timedelta(seconds=2)  # the catch-up starts this far before T0: writes in flight at T0
MIN_SPLIT = timedelta(seconds=2)  # slice bounds are whole seconds; a split needs room for two of them
_SEQUENTIAL_PARAMS = ("sort_by", "sort_direction", "ids", "filter_id", "cursor")
_QUEUE_POLL = 0.1  # seconds a blocked worker waits before checking whether the scan was abandoned


def parse_time(value: Any) -> datetime | None:
    """An RFC 3339 timestamp (``2025-01-01T10:20:00Z``) as an aware UTC datetime, or None."""
    if not isinstance(value, str) or not value:
        return None
    try:
        parsed = datetime.fromisoformat(value.replace(" ", "T"))
    except ValueError:
        return None
    return parsed.replace(tzinfo=UTC) if parsed.tzinfo is None else parsed.astimezone(UTC)


def format_time(value: datetime) -> str:
    return value.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def _floor_second(value: datetime) -> datetime:
    return value.replace(microsecond=0)


@dataclass
class ScanStats:
    slices: int = 0  # slices read, splits included
    splits: int = 0  # tails taken over by idle workers
    records: int = 0  # records yielded
    duplicates: int = 0  # records read again and not yielded (catch-up overlap)
    changed_during_scan: int = 0  # of those, newer versions of records already yielded
    catch_up_records: int = 0  # records yielded by the catch-up pass
    sequential: bool = False  # read with one cursor (the list cannot be sliced)


@dataclass(eq=False)
class _Slice:
    since: datetime
    until: datetime  # moves back when an idle worker takes the tail
    position: datetime  # update_time of the last record read
    read: int = 0
    started: bool = False  # the first page has been answered
    done: bool = False  # its last page has been read (it may not have left ``active`` yet)

    def estimated_left(self) -> float:
        """Records still to read, assuming the density seen so far holds for the rest of the slice."""
        covered = (self.position - self.since).total_seconds()
        left = (self.until - self.position).total_seconds()
        if covered <= 0:
            return float("inf") if self.read else 0.0
        return self.read / covered * left


@dataclass
class _Scheduler:
    """Hands slices to workers and splits the busiest one when there is nothing else to hand out."""

    page_size: int
    pending: deque[_Slice] = field(default_factory=deque)
    active: set[_Slice] = field(default_factory=set)
    stopped: bool = False
    stats: ScanStats = field(default_factory=ScanStats)
    cond: threading.Condition = field(default_factory=threading.Condition)

    def next_slice(self) -> _Slice | None:
        with self.cond:
            while not self.stopped:
                if self.pending:
                    return self._activate(self.pending.popleft())
                tail = self._split_busiest()
                if tail is not None:
                    return self._activate(tail)
                if not any(not s.started for s in self.active):
                    return None
                # A slice has not answered yet: its size is unknown until it does.
                self.cond.wait()
            return None

    def _activate(self, piece: _Slice) -> _Slice:
        self.active.add(piece)
        self.stats.slices += 1
        return piece

    def _split_busiest(self) -> _Slice | None:
        candidates = [
            s
            for s in self.active
            if s.started and not s.done and s.until - s.position >= MIN_SPLIT + timedelta(seconds=1)
        ]
        if not candidates:
            return None
        victim = max(candidates, key=_Slice.estimated_left)
        # Worth a split only when the tail holds more than a page for each half.
        if victim.estimated_left() < 2 * self.page_size:
            return None
        middle = _floor_second(victim.position + (victim.until - victim.position) / 2)
        if not victim.position < middle < victim.until:
            return None
        tail = _Slice(since=middle, until=victim.until, position=middle)
        victim.until = middle
        self.stats.splits += 1
        return tail

    def keep(
        self, piece: _Slice, records: list[dict[str, Any]], more: bool, asked_until: datetime
    ) -> tuple[list[dict[str, Any]], bool]:
        """The records of a page that are still this slice's, and whether the slice is finished.

        A record at or past ``piece.until`` but before ``asked_until`` belongs to the slice an idle worker
        took over: the page is sorted, so this slice is done. A record at or past ``asked_until`` matched the
        query but changed before the server wrote it out (a torn read): it is dropped here, and the catch-up
        pass, which reads everything changed since T0, yields it.
        """
        times = [parse_time(r.get("update_time")) for r in records]
        with self.cond:
            until = piece.until
            kept = [r for r, t in zip(records, times, strict=True) if t is None or t < until]
            handed_over = any(t is not None and until <= t < asked_until for t in times)
            last = max((t for t in times if t is not None and t < until), default=None)
            if last is not None:
                piece.position = max(piece.position, last)
            piece.read += len(kept)
            piece.started = True
            piece.done = handed_over or not more
            self.cond.notify_all()
            return kept, piece.done

    def finish(self, piece: _Slice) -> None:
        with self.cond:
            self.active.discard(piece)
            self.cond.notify_all()

    def stop(self) -> None:
        with self.cond:
            self.stopped = True
            self.cond.notify_all()


class _Done:
    pass


@dataclass
class _Failed:
    error: BaseException


class ParallelScan(Iterator[list[dict[str, Any]]]):
    """The iterator ``ApiClient.parallel_scan`` returns; ``stats`` and ``t0`` describe the scan."""

    def __init__(
        self, client: ApiClient, path: str, params: Mapping[str, Any] | None, concurrency: int
    ) -> None:
        self.client = client
        self.path = path
        self.params = {
            k: v for k, v in (params or {}).items() if v is not None and k not in ("limit", "cursor")
        }
        self.concurrency = max(1, concurrency)
        self.stats = ScanStats()
        self.t0: datetime | None = None
        self._seen: dict[Any, str] = {}  # id -> update_time of the version yielded
        self._iterator: Generator[list[dict[str, Any]], None, None] = self._run()

    def __next__(self) -> list[dict[str, Any]]:
        return next(self._iterator)

    def close(self) -> None:
        """Stop the workers (also done when the iterator is garbage-collected)."""
        self._iterator.close()

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
        bounds = self._probe()
        if bounds is None:
            return
        oldest, t0 = bounds
        since, until = self._user_bounds()
        low, high = max(oldest, since or oldest), min(t0, until or t0)
        if low < high:
            yield from self._scan_slices(low, high)
        if until is None or until > t0 - CATCH_UP_MARGIN:
            yield from self._catch_up(t0, since, until)
        self.client._log(4, "scan done", path=self.path, t0=format_time(t0), **vars(self.stats))

    def _user_bounds(self) -> tuple[datetime | None, datetime | None]:
        return parse_time(self.params.get("updated_since")), parse_time(self.params.get("updated_until"))

    def _probe(self) -> tuple[datetime, datetime] | None:
        """(oldest update_time, T0) of the matching records, or None when there are none."""
        query = {**self.params, "sort_by": "update_time", "sort_direction": "asc", "limit": 1}
        response = self.client.get(self.path, query)
        self.t0 = t0 = _floor_second(_server_time(response.headers) - SAFETY)
        records = response.data if isinstance(response.data, list) else []
        if not records:
            return None
        oldest = parse_time(records[0].get("update_time")) or t0
        return _floor_second(oldest), t0

    def _scan_slices(self, low: datetime, high: datetime) -> Iterator[list[dict[str, Any]]]:
        scheduler = _Scheduler(page_size=self.client.page_size, stats=self.stats)
        step = (high - low) / self.concurrency
        cuts = sorted({low, high} | {_floor_second(low + step * i) for i in range(1, self.concurrency)})
        for start, end in itertools.pairwise(cuts):
            if start < end:
                scheduler.pending.append(_Slice(since=start, until=end, position=start))
        out: queue.Queue[list[dict[str, Any]] | _Done | _Failed] = queue.Queue(maxsize=2 * self.concurrency)
        workers = [
            threading.Thread(
                target=self._work, args=(scheduler, out), name=f"pipedrive-scan-{i}", daemon=True
            )
            for i in range(self.concurrency)
        ]
        for worker in workers:
            worker.start()
        try:
            running = len(workers)
            while running:
                item = out.get()
                if isinstance(item, _Done):
                    running -= 1
                elif isinstance(item, _Failed):
                    raise item.error
                else:
                    fresh = self._fresh(item)
                    if fresh:
                        yield fresh
        finally:
            scheduler.stop()
            _drain_until_joined(out, workers)

    def _work(self, scheduler: _Scheduler, out: queue.Queue[Any]) -> None:
        try:
            while (piece := scheduler.next_slice()) is not None:
                self._read_slice(piece, scheduler, out)
                scheduler.finish(piece)
        except BaseException as exc:  # handed to the consumer, which raises it in its own thread
            scheduler.stop()
            _put(out, _Failed(exc), scheduler, force=True)
        finally:
            _put(out, _Done(), scheduler, force=True)

    def _read_slice(self, piece: _Slice, scheduler: _Scheduler, out: queue.Queue[Any]) -> None:
        query = {
            **self.params,
            "updated_since": format_time(piece.since),
            "updated_until": format_time(piece.until),
            "sort_by": "update_time",
            "sort_direction": "asc",
            "limit": self.client.page_size,
        }
        asked_until = piece.until
        paginator = CursorPaginator()
        while not scheduler.stopped:
            paginator.update_request(query)
            response = self.client.get(self.path, query)
            records = response.data if isinstance(response.data, list) else []
            paginator.update_state(response)
            kept, finished = scheduler.keep(piece, records, paginator.has_next_page, asked_until)
            if kept and not _put(out, kept, scheduler):
                return
            if finished:
                return

    def _catch_up(
        self, t0: datetime, since: datetime | None, until: datetime | None
    ) -> Iterator[list[dict[str, Any]]]:
        start = t0 - CATCH_UP_MARGIN
        query = {**self.params, "updated_since": format_time(max(start, since) if since else start)}
        if until is not None:
            query["updated_until"] = format_time(until)
        for page in self.client.pages(self.path, query):
            fresh = self._fresh(page)
            self.stats.catch_up_records += len(fresh)
            if fresh:
                yield fresh

    def _fresh(self, records: list[dict[str, Any]]) -> list[dict[str, Any]]:
        """The records whose id has not been yielded yet; remembers them."""
        out = []
        for record in records:
            key = record.get("id")
            stamp = str(record.get("update_time") or "")
            previous = self._seen.get(key)
            if previous is not None:
                self.stats.duplicates += 1
                if stamp > previous:
                    self.stats.changed_during_scan += 1
                continue
            self._seen[key] = stamp
            out.append(record)
        self.stats.records += len(out)
        return out


def _server_time(headers: Any) -> datetime:
    value = headers.get("date")
    if value:
        try:
            return email.utils.parsedate_to_datetime(value).astimezone(UTC)
        except (TypeError, ValueError):
            pass
    return datetime.now(UTC)


def _put(out: queue.Queue[Any], item: Any, scheduler: _Scheduler, *, force: bool = False) -> bool:
    """Put ``item`` unless the scan was abandoned meanwhile (``force``: keep trying, the consumer drains)."""
    while True:
        try:
            out.put(item, timeout=_QUEUE_POLL)
            return True
        except queue.Full:
            if scheduler.stopped and not force:
                return False


def _drain_until_joined(out: queue.Queue[Any], workers: list[threading.Thread]) -> None:
    """Empty the queue while the workers finish, so none stays blocked on a full queue."""
    while any(w.is_alive() for w in workers):
        try:
            out.get(timeout=_QUEUE_POLL)
        except queue.Empty:
            pass
    for worker in workers:
        worker.join()


def parallel_scan(
    client: ApiClient, path: str, params: Mapping[str, Any] | None = None, *, concurrency: int = 4
) -> ParallelScan:
    return ParallelScan(client, path, params, concurrency)
