"""CPU the sandbox spends per list page, measured in-process (no sockets, no second process).

    python bench/sandbox_speed.py                          # scales 30 000 and 100 000, every endpoint
    python bench/sandbox_speed.py --scale 30000 --pages 40
    python bench/sandbox_speed.py --scale 30000 --profile deals_update_time   # cProfile of one endpoint
    python bench/sandbox_speed.py --scale 30000 --profile deals --again       # ... of pages read again
    python bench/sandbox_speed.py --scale 30000 --http      # over HTTP: the sandbox in a child process

The app is built as ``pipedrive_sandbox.server`` builds it (``build_app``: the middleware, auth, the rate
limiter with limits off) and called directly as an ASGI app on an asyncio loop in this thread, so
``time.process_time`` and cProfile see the handler and nothing else. Each endpoint is read the way the
driver reads it: 500 records a page, following ``next_cursor`` (v2) or ``next_start`` (v1) from the first
page; the reading starts over when the list ends. One warm-up page is read first (it builds the sorted
indexes), then ``--pages`` pages are timed: CPU ms per page is ``process_time`` over those pages divided by
their number (only the time inside the app: the reader's own JSON parsing is left out). "again" is the
same pages read a second time.

With ``--http`` the sandbox runs as ``python -m pipedrive_sandbox`` in a child process (as bench/scan.py
starts it, rate limits off; its idle-time warmer never runs, as the reads leave it no idle time) and
the pages are read over loopback HTTP; the CPU is the child's (user +
system from /proc, Linux only), so it includes uvicorn, h11 and the socket writes. Printed, never
asserted.
"""

from __future__ import annotations

import argparse
import asyncio
import cProfile
import io
import os
import pstats
import subprocess
import sys
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

import httpx
import orjson
from starlette.applications import Starlette

from pipedrive_sandbox.app import build_app
from pipedrive_sandbox.config import SandboxConfig
from pipedrive_sandbox.server import main_api_token


@dataclass
class Answer:
    status: int
    headers: list[tuple[bytes, bytes]]
    body: bytes


class InProcess:
    """Calls an ASGI app in this thread, on one event loop."""

    def __init__(self, app: Starlette, token: str) -> None:
        self.app: Starlette | None = app
        self.token = token.encode()
        self.loop = asyncio.new_event_loop()
        self.cpu = 0.0  # process_time spent inside the app (the client's own parsing left out)

    def get(self, path: str, params: dict[str, Any] | None = None) -> Answer:
        query = urlencode(params or {}).encode()
        start = time.process_time()
        answer = self.loop.run_until_complete(self._get(path, query))
        self.cpu += time.process_time() - start
        return answer

    async def _get(self, path: str, query: bytes) -> Answer:
        scope = {
            "type": "http",
            "asgi": {"version": "3.0"},
            "http_version": "1.1",
            "method": "GET",
            "scheme": "http",
            "path": path,
            "raw_path": path.encode(),
            "query_string": query,
            "root_path": "",
            "headers": [(b"host", b"127.0.0.1"), (b"x-api-token", self.token)],
            "client": ("127.0.0.1", 50000),
            "server": ("127.0.0.1", 8765),
            "app": self.app,
        }
        messages: list[dict[str, Any]] = []

        async def receive() -> dict[str, Any]:
            return {"type": "http.request", "body": b"", "more_body": False}

        async def send(message: dict[str, Any]) -> None:
            messages.append(message)

        assert self.app is not None
        await self.app(scope, receive, send)
        start = messages[0]
        body = b"".join(m.get("body", b"") for m in messages[1:])
        return Answer(start["status"], list(start.get("headers", [])), body)


def iso(ts: int) -> str:
    return time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(ts))


class Reader:
    """Reads one list endpoint page after page as a client does, starting over at its end."""

    def __init__(self, client: InProcess, path: str, params: dict[str, Any], v1: bool = False) -> None:
        self.client, self.path, self.params, self.v1 = client, path, params, v1
        self.next: dict[str, Any] = {}
        self.bytes = 0
        self.records = 0

    def page(self) -> None:
        answer = self.client.get(self.path, {**self.params, **self.next})
        if answer.status != 200:
            raise SystemExit(f"{self.path} {self.params}: {answer.status} {answer.body[:300]!r}")
        body = orjson.loads(answer.body)
        self.bytes += len(answer.body)
        self.records += len(body["data"] or ())
        extra = body.get("additional_data") or {}
        if self.v1:
            pagination = extra.get("pagination") or {}
            more = pagination.get("more_items_in_collection")
            self.next = {"start": pagination["next_start"]} if more else {}
        else:
            cursor = extra.get("next_cursor")
            self.next = {"cursor": cursor} if cursor else {}


def time_bounds(client: InProcess) -> tuple[str, str]:
    """An ``updated_since``/``updated_until`` pair covering the middle 80% of the deals' update times,
    as one of the driver's time slices does."""
    oldest = client.get("/api/v2/deals", {"sort_by": "update_time", "limit": 1})
    newest = client.get("/api/v2/deals", {"sort_by": "update_time", "sort_direction": "desc", "limit": 1})
    first = orjson.loads(oldest.body)["data"][0]["update_time"]
    last = orjson.loads(newest.body)["data"][0]["update_time"]
    parse = lambda s: int(time.mktime(time.strptime(s, "%Y-%m-%dT%H:%M:%SZ"))) - time.timezone  # noqa: E731
    lo, hi = parse(first), parse(last)
    return iso(lo + (hi - lo) // 10), iso(hi - (hi - lo) // 10)


def endpoints(client: InProcess) -> dict[str, Callable[[], Reader]]:
    since, until = time_bounds(client)
    statuses = "open,won,lost,deleted"
    page = {"limit": 500}
    return {
        "deals": lambda: Reader(client, "/api/v2/deals", page),
        "deals_all_statuses": lambda: Reader(client, "/api/v2/deals", {**page, "status": statuses}),
        "deals_update_time": lambda: Reader(
            client,
            "/api/v2/deals",
            {**page, "sort_by": "update_time", "updated_since": since, "updated_until": until},
        ),
        "deals_slice_all_statuses": lambda: Reader(
            client,
            "/api/v2/deals",
            {
                **page,
                "sort_by": "update_time",
                "sort_direction": "asc",
                "updated_since": since,
                "updated_until": until,
                "status": statuses,
            },
        ),
        "deals_since_id_order": lambda: Reader(client, "/api/v2/deals", {**page, "updated_since": since}),
        "deals_recent_id_order": lambda: Reader(client, "/api/v2/deals", {**page, "updated_since": until}),
        "persons": lambda: Reader(client, "/api/v2/persons", page),
        "persons_update_time": lambda: Reader(
            client, "/api/v2/persons", {**page, "sort_by": "update_time", "updated_since": since}
        ),
        "organizations": lambda: Reader(client, "/api/v2/organizations", page),
        "activities": lambda: Reader(client, "/api/v2/activities", page),
        "v1_leads": lambda: Reader(client, "/v1/leads", page, v1=True),
    }


def forget_rendered(client: InProcess) -> None:
    """Empty the store's per-record memos (rendered records), so the next pages are rendered afresh.
    Over HTTP the child's memos cannot be reached: there each endpoint reads its records cold only if no
    endpoint before it read them."""
    if client.app is None:
        return
    memos = getattr(client.app.state.sandbox.store, "_memos", None)
    if memos is not None:
        memos.clear()


def measure(make: Callable[[], Reader], pages: int) -> tuple[float, float, float, int]:
    """(CPU ms per page the first time, the same pages again, KB per page, records per page)."""
    reader = make()
    reader.page()  # builds the indexes this reading needs
    forget_rendered(reader.client)
    reader.bytes = reader.records = 0
    reader.client.cpu = 0.0
    asked: list[dict[str, Any]] = []
    for _ in range(pages):
        asked.append(reader.next)
        reader.page()
    cold = reader.client.cpu * 1000 / pages
    reader.client.cpu = 0.0
    for step in asked:
        reader.client.get(reader.path, {**reader.params, **step})
    warm = reader.client.cpu * 1000 / pages
    return cold, warm, reader.bytes / 1024 / pages, reader.records // pages


def profile(make: Callable[[], Reader], pages: int, top: int, again: bool) -> None:
    """cProfile of ``pages`` pages read the first time, or (``again``) read a second time."""
    reader = make()
    reader.page()
    forget_rendered(reader.client)
    asked: list[dict[str, Any]] = []
    if again:
        for _ in range(pages):
            asked.append(reader.next)
            reader.page()
    profiler = cProfile.Profile()
    profiler.enable()
    if again:
        for step in asked:
            reader.client.get(reader.path, {**reader.params, **step})
    else:
        for _ in range(pages):
            reader.page()
    profiler.disable()
    out = io.StringIO()
    pstats.Stats(profiler, stream=out).sort_stats("tottime").print_stats(top)
    print(out.getvalue())


class OverHTTP(InProcess):
    """The same reads against a sandbox in a child process; ``cpu`` counts the child's CPU seconds."""

    def __init__(self, scale: int, seed: int) -> None:
        command = [
            sys.executable, "-m", "pipedrive_sandbox", "--port", "0", "--scale", str(scale),
            "--seed", str(seed), "--no-rate-limit", "--api-token", HTTP_TOKEN,
        ]  # fmt: skip
        self.child = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True)
        assert self.child.stdout is not None
        url = next(
            (line.rsplit(" ", 1)[-1].strip() for line in self.child.stdout if "running at" in line), ""
        )
        if not url:
            raise SystemExit("the sandbox exited before printing its URL")
        threading.Thread(target=lambda: [None for _ in self.child.stdout or ()], daemon=True).start()
        self.http = httpx.Client(base_url=url, headers={"x-api-token": HTTP_TOKEN}, timeout=60)
        self.app = None
        self.cpu = 0.0

    def child_cpu(self) -> float:
        fields = Path(f"/proc/{self.child.pid}/stat").read_text().rsplit(")", 1)[1].split()
        return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")  # utime + stime

    def get(self, path: str, params: dict[str, Any] | None = None) -> Answer:
        start = self.child_cpu()
        response = self.http.get(path, params=params)
        self.cpu += self.child_cpu() - start
        return Answer(response.status_code, list(response.headers.raw), response.content)

    def close(self) -> None:
        self.http.close()
        self.child.terminate()
        self.child.wait(timeout=30)


HTTP_TOKEN = "sandbox-speed-bench-token"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    parser.add_argument(
        "--scale", type=int, action="append", help="deals (repeatable; default 30000 and 100000)"
    )
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--pages", type=int, default=30, help="timed pages per endpoint")
    parser.add_argument("--only", action="append", help="endpoint name (repeatable)")
    parser.add_argument("--profile", metavar="ENDPOINT", help="cProfile this endpoint instead, by tottime")
    parser.add_argument("--http", action="store_true", help="over HTTP, the sandbox in a child process")
    parser.add_argument("--again", action="store_true", help="profile pages read a second time")
    parser.add_argument("--top", type=int, default=30)
    args = parser.parse_args()
    for scale in args.scale or [30_000, 100_000]:
        start = time.process_time()
        client: InProcess
        if args.http:
            client = OverHTTP(scale, args.seed)
            print(f"scale {scale}: sandbox process started, reading over HTTP (the child's CPU)")
        else:
            app = build_app(SandboxConfig(scale=scale, seed=args.seed, rate_limit=False, port=0))
            state = app.state.sandbox
            client = InProcess(app, main_api_token(state.store, state.config))
            print(f"scale {scale}: store built in {time.process_time() - start:.1f} s CPU")
        chosen = endpoints(client)
        if args.profile:
            profile(chosen[args.profile], args.pages, args.top, args.again)
            continue
        print(f"  {'endpoint':<26} {'CPU ms/page':>11} {'again':>7} {'KB/page':>8} {'rows/page':>9}")
        for name, make in chosen.items():
            if args.only and name not in args.only:
                continue
            cold, warm, kb, rows = measure(make, args.pages)
            print(f"  {name:<26} {cold:11.2f} {warm:7.2f} {kb:8.0f} {rows:9d}")
        if isinstance(client, OverHTTP):
            client.close()


if __name__ == "__main__":
    main()
