"""The pieces a parallel scan (``pipedrive_sql.api.scan``) is cut into: ``update_time`` slices, the
scheduler that hands them to workers and splits the busiest, where to cut, and the ids already yielded.
"""

from __future__ import annotations

import math
import threading
from collections import deque
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

__all__ = [
    "MIN_SPLIT",
    "QUEUE_POLL",
    "IdSet",
    "ScanStats",
    "Scheduler",
    "Slice",
    "cuts",
    "floor_second",
    "format_time",
    "parse_time",
]

MIN_SPLIT = timedelta(seconds=2)  # slice bounds are whole seconds; a split needs room for two of them
QUEUE_POLL = 0.1  # seconds a blocked worker waits before checking whether the scan was abandoned


class IdSet:
    """The ids a scan has yielded: non-negative integers below ``BITMAP_LIMIT`` in a bitmap (one bit
    each: 1M deals cost 125 kB), anything else in a set."""

    BITMAP_LIMIT = 1 << 28  # 32 MB at most, and only if ids are that large

    def __init__(self) -> None:
        self._bits = bytearray()
        self._other: set[Any] = set()
        self.count = 0

    def add(self, key: Any) -> bool:
        """Remember ``key``; False when it was already there."""
        if type(key) is int and 0 <= key < self.BITMAP_LIMIT:
            byte, bit = key >> 3, 1 << (key & 7)
            bits = self._bits
            if byte >= len(bits):
                bits.extend(bytes(max(byte + 1 - len(bits), len(bits))))
            if bits[byte] & bit:
                return False
            bits[byte] |= bit
        else:
            if key in self._other:
                return False
            self._other.add(key)
        self.count += 1
        return True

    def __contains__(self, key: Any) -> bool:
        if type(key) is int and 0 <= key < self.BITMAP_LIMIT:
            byte = key >> 3
            return byte < len(self._bits) and bool(self._bits[byte] & (1 << (key & 7)))
        return key in self._other

    def fresh(self, records: list[dict[str, Any]]) -> list[dict[str, Any]]:
        """The records whose id was not seen yet (remembered now); records without an id pass."""
        add = self.add
        return [r for r in records if add(r.get("id")) or r.get("id") is None]


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


def floor_second(value: datetime) -> datetime:
    return value.replace(microsecond=0)


@dataclass
class ScanStats:
    slices: int = 0  # slices read, splits included
    splits: int = 0  # tails taken over by idle workers
    records: int = 0  # records yielded
    spilled: int = 0  # records the slices wrote to the spill file
    duplicates: int = 0  # records read more than once (an id spilled twice, or spilled and caught up)
    changed_during_scan: int = 0  # spilled records replaced by the catch-up's newer version
    removed_during_scan: int = 0  # spilled records dropped: deleted or no longer matching at the catch-up
    changed_ids: int = 0  # ids the change feed named
    catch_up_records: int = 0  # records yielded by the catch-up pass
    sequential: bool = False  # read with one cursor (the list cannot be sliced)
    workers: int = 0  # workers the scan ran (0: the concurrency asked for)


@dataclass(eq=False)
class Slice:
    since: datetime
    until: datetime  # moves back when an idle worker takes the tail
    position: datetime  # update_time of the last record read
    read: int = 0
    started: bool = False  # the first page has been answered
    done: bool = False  # its last page has been read (it may not have left ``active`` yet)
    cursor: str | None = None  # read newest first from this cursor (never split): see ParallelScan

    def estimated_left(self) -> float:
        """Records still to read, assuming the density seen so far holds for the rest of the slice."""
        covered = (self.position - self.since).total_seconds()
        left = (self.until - self.position).total_seconds()
        if covered <= 0:
            return float("inf") if self.read else 0.0
        return self.read / covered * left


@dataclass
class Scheduler:
    """Hands slices to workers and splits the busiest one when there is nothing else to hand out."""

    page_size: int
    pending: deque[Slice] = field(default_factory=deque)
    active: set[Slice] = field(default_factory=set)
    stopped: bool = False
    stats: ScanStats = field(default_factory=ScanStats)
    cond: threading.Condition = field(default_factory=threading.Condition)
    credits: threading.Semaphore = field(default_factory=lambda: threading.Semaphore(1 << 30))

    def take_credit(self) -> bool:
        """Wait for room for one more page in memory; False once the scan stopped."""
        while not self.stopped:
            if self.credits.acquire(timeout=QUEUE_POLL):
                if not self.stopped:
                    return True
                self.credits.release()
        return False

    def next_slice(self) -> Slice | None:
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

    def _activate(self, piece: Slice) -> Slice:
        self.active.add(piece)
        self.stats.slices += 1
        return piece

    def _split_busiest(self) -> Slice | None:
        candidates = [
            s
            for s in self.active
            if s.started
            and not s.done
            and s.cursor is None
            and s.until - s.position >= MIN_SPLIT + timedelta(seconds=1)
        ]
        if not candidates:
            return None
        victim = max(candidates, key=Slice.estimated_left)
        # Worth a split only when the tail holds more than a page for each half.
        if victim.estimated_left() < 2 * self.page_size:
            return None
        middle = floor_second(victim.position + (victim.until - victim.position) / 2)
        if not victim.position < middle < victim.until:
            return None
        tail = Slice(since=middle, until=victim.until, position=middle)
        victim.until = middle
        self.stats.splits += 1
        return tail

    def keep(
        self, piece: Slice, records: list[dict[str, Any]], more: bool, asked_until: datetime
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

    def record_page(self, piece: Slice, read: int, done: bool) -> None:
        """A page of a piece read by its own rule (``Slice.cursor``): what idle workers wait for."""
        with self.cond:
            piece.read += read
            piece.started = True
            piece.done = done
            self.cond.notify_all()

    def finish(self, piece: Slice) -> None:
        with self.cond:
            self.active.discard(piece)
            self.cond.notify_all()

    def stop(self) -> None:
        with self.cond:
            self.stopped = True
            self.cond.notify_all()


def cuts(low: datetime, high: datetime, count: int, density: tuple[float, float] | None) -> list[datetime]:
    """``count - 1`` points that cut ``[low, high)`` into slices of about as many records each: even in
    time, or, when the densities at both ends are known, where a density ramping linearly from one to
    the other has accumulated 1/count, 2/count, ... of the records. (Recent records are denser; a
    linear ramp cuts between even times and the exponential curve the estimate uses, which both miss
    in opposite directions on CRM data; work stealing evens out what is left.)"""
    span = (high - low).total_seconds()
    if span <= 0 or count < 2:
        return []
    d0, d1 = (max(d, 1e-12) for d in (density or (1.0, 1.0)))
    slope = (d1 - d0) / span  # density(t) = d0 + slope t; records in [0, t) = d0 t + slope t^2 / 2
    total = d0 * span + slope * span * span / 2
    points = []
    for i in range(1, count):
        target = total * i / count
        if abs(slope * span) < 1e-9 * d0:
            offset = target / d0
        else:
            offset = (math.sqrt(max(0.0, d0 * d0 + 2 * slope * target)) - d0) / slope
        points.append(floor_second(low + timedelta(seconds=min(span, max(0.0, offset)))))
    return points
