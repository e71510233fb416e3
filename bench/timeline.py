"""The timeline of one ``SELECT * FROM Deals``: when each request was sent and answered, and how full the
burst window was, to see where a scan falls short of the ceiling.

    python bench/timeline.py --scale 30000               # 100 ms per request, growth plan (40 / 2 s)
    python bench/timeline.py --scale 100000 --requests   # also one line per request

The sandbox runs in its own process (bench/scan.py). The HTTP transport of the connection is wrapped to
note each request's send and answer (headers received) times; the governor's ``acquire`` to note when a
request began waiting for a slot. Printed: the opening (requests until the slices start), the windows
the burst limit allows against what was used, requests that read less than a page, duplicates, the tail
(from the last request sent to the scan's end). Numbers are printed, never asserted.
"""

from __future__ import annotations

import argparse
import threading
import time
from dataclasses import dataclass
from typing import Any
from urllib.parse import parse_qs, urlsplit

import httpx

from perf import WINDOW, connect, reset, sandbox_stats, warm_up
from scan import sandbox_process


@dataclass
class Sent:
    sent: float
    answered: float = 0.0
    query: str = ""
    remaining: str = ""
    status: int = 0
    waited_from: float = 0.0  # when the request began waiting for the governor


class Recorder(httpx.BaseTransport):
    def __init__(self, inner: httpx.BaseTransport) -> None:
        self.inner = inner
        self.log: list[Sent] = []
        self.lock = threading.Lock()
        self.waits = threading.local()

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        entry = Sent(sent=time.perf_counter(), waited_from=getattr(self.waits, "start", 0.0))
        query = parse_qs(urlsplit(str(request.url)).query)
        entry.query = " ".join(
            f"{k}={v[0][-8:] if k in ('updated_since', 'updated_until') else v[0][:6]}"
            for k, v in sorted(query.items())
            if k in ("updated_since", "updated_until", "sort_direction", "cursor")
        )
        response = self.inner.handle_request(request)
        entry.answered = time.perf_counter()
        entry.remaining = response.headers.get("x-ratelimit-remaining", "")
        entry.status = response.status_code
        with self.lock:
            self.log.append(entry)
        return response

    def close(self) -> None:
        self.inner.close()


def instrument(conn: Any) -> Recorder:
    client = conn.engine.client
    http = client._http
    recorder = Recorder(http._transport)
    http._transport = recorder
    governor = client.governor
    acquire = governor.acquire

    def noted_acquire(deadline: float | None = None) -> float:
        recorder.waits.start = time.perf_counter()
        return acquire(deadline)

    governor.acquire = noted_acquire
    return recorder


def report(log: list[Sent], started: float, ended: float, limit: int, rows: int, show: bool) -> None:
    log = sorted(log, key=lambda e: e.sent)
    print(f"  {len(log)} requests, {rows} rows, {ended - started:.2f} s, limit {limit}")
    if show:
        for i, e in enumerate(log):
            print(
                f"  {i:>3} wait {e.sent - e.waited_from:5.2f}  sent {e.sent - started:6.3f}  "
                f"answer {e.answered - started:6.3f} ({(e.answered - e.sent) * 1000:4.0f} ms)  "
                f"rem {e.remaining:>3}  {e.status}  {e.query}"
            )
    rtt = sorted(e.answered - e.sent for e in log)
    print(
        f"  round trip: min {rtt[0] * 1000:.0f} ms, median {rtt[len(rtt) // 2] * 1000:.0f} ms, max {rtt[-1] * 1000:.0f} ms"
    )
    # The opening: requests until the first one with a time bound (a slice) was sent.
    first_slice = next((e.sent for e in log if "updated_until" in e.query), None)
    if first_slice is not None:
        before = sum(1 for e in log if e.sent < first_slice)
        print(f"  slices start at {first_slice - started:.3f} s, after {before} requests")
    # What the limit allowed: in each 2-second window from the start, requests sent against the limit.
    t = started
    while t < ended:
        n = sum(1 for e in log if t <= e.sent < t + WINDOW)
        print(
            f"  window {t - started:5.2f}-{min(ended, t + WINDOW) - started:5.2f} s: {n:>3} sent of {limit}"
        )
        t += WINDOW
    last_sent = max(e.sent for e in log)
    last_answer = max(e.answered for e in log)
    print(
        f"  last request sent at {last_sent - started:.3f} s, last answer {last_answer - started:.3f} s, "
        f"scan ended {ended - started:.3f} s"
    )
    # Ideal time for these requests at this limit, with this latency: a cold window lets `limit` go at
    # once, then limit per (2 s + round trip).
    median = rtt[len(rtt) // 2]
    rounds = -(-len(log) // limit)
    print(
        f"  ideal for {len(log)} requests: about {rounds} windows, {(rounds - 1) * (WINDOW + median) + median:.2f} s"
    )


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--scale", type=int, default=30_000)
    parser.add_argument("--latency-ms", type=int, default=100)
    parser.add_argument("--plan", default="growth")
    parser.add_argument("--runs", type=int, default=1)
    parser.add_argument("--requests", action="store_true", help="one line per request")
    args = parser.parse_args(argv)
    with sandbox_process(args.scale, args.latency_ms, args.plan) as url:
        for _ in range(args.runs):
            conn = connect(url)
            try:
                warm_up(conn)
                limit = conn.engine.client.governor.limit or 0
                recorder = instrument(conn)
                reset(url)
                time.sleep(WINDOW)
                with conn.cursor() as cur:
                    started = time.perf_counter()
                    cur.execute("SELECT * FROM Deals")
                    rows = cur.fetch_arrow_table().num_rows
                    ended = time.perf_counter()
                stats = sandbox_stats(url)
            finally:
                conn.close()
            rate = rows / (ended - started)
            print(
                f"scale {args.scale}: {rate:.0f} rows/s, ratio {rate / (limit / WINDOW * 500):.2f}, "
                f"requests {stats['total']}, 429s {stats['rate_limited']}"
            )
            report(recorder.log, started, ended, limit, rows, args.requests)


if __name__ == "__main__":
    main()
