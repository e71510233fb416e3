"""Full scans of Deals, one cursor against a parallel scan, next to the ceiling the burst limit sets.

    python bench/scan.py                          # starts a sandbox: --scale 100000 --latency-ms 150 --plan growth
    python bench/scan.py --concurrency 4 8        # parallel scans at several MaxConcurrency values
    python bench/scan.py --url http://127.0.0.1:8765 --token T   # a sandbox that is already running

The sandbox runs in its own process, so that its JSON encoding does not share a GIL with the client's
decoding. The ceiling is what the burst limit allows at Pipedrive's largest page: ``x-ratelimit-limit``
requests per 2 seconds x 500 rows. Numbers are printed, never asserted.
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass

import httpx

from pipedrive_sql.api import ApiClient
from pipedrive_sql.auth import ApiTokenAuth
from pipedrive_sql.settings import build_settings

BENCH_TOKEN = "bench-api-token-0123456789abcdef"
WINDOW_SECONDS = 2.0
PAGE = 500


@dataclass
class Run:
    name: str
    rows: int
    requests: int
    throttled: int  # 429s the server sent
    seconds: float
    limit: int  # x-ratelimit-limit

    @property
    def rows_per_second(self) -> float:
        return self.rows / self.seconds if self.seconds else 0.0

    @property
    def ceiling(self) -> float:
        return self.limit / WINDOW_SECONDS * PAGE

    def line(self) -> str:
        return (
            f"{self.name:<22} {self.rows:>8} {self.requests:>8} {self.throttled:>5} {self.seconds:>8.2f} "
            f"{self.rows_per_second:>9.0f} {self.rows_per_second / self.ceiling:>8.2f}"
        )


HEADER = f"{'scan':<22} {'rows':>8} {'requests':>8} {'429s':>5} {'wall s':>8} {'rows/s':>9} {'ceiling':>8}"


@contextmanager
def sandbox_process(scale: int, latency_ms: int, plan: str) -> Iterator[str]:
    """A sandbox in a child process; yields its base URL once it answers."""
    command = [
        sys.executable, "-m", "pipedrive_sandbox", "--port", "0", "--scale", str(scale),
        "--latency-ms", str(latency_ms), "--plan", plan, "--api-token", BENCH_TOKEN,
    ]  # fmt: skip
    child = subprocess.Popen(
        command, stdout=subprocess.PIPE, text=True, env={**os.environ, "PYTHONUNBUFFERED": "1"}
    )
    try:
        url = _read_url(child)
        # Keep reading its output (uvicorn's access log): a full pipe would stall the server mid-scan.
        threading.Thread(target=_discard, args=(child,), daemon=True).start()
        yield url
    finally:
        child.terminate()
        try:
            child.wait(timeout=30)
        except subprocess.TimeoutExpired:
            child.kill()
            child.wait()


def _read_url(child: subprocess.Popen[str]) -> str:
    assert child.stdout is not None
    for line in child.stdout:
        if "running at" in line:
            return line.rsplit(" ", 1)[-1].strip()
    raise SystemExit(f"the sandbox exited ({child.wait()}) before printing its URL")


def _discard(child: subprocess.Popen[str]) -> None:
    assert child.stdout is not None
    for _ in child.stdout:
        pass


def sandbox_stats(url: str) -> dict[str, int]:
    body = httpx.get(f"{url}/__sandbox/stats", timeout=30).json()
    return {"total": int(body["total"]), "rate_limited": int(body["rate_limited"])}


def scan(url: str, token: str, name: str, concurrency: int) -> Run:
    httpx.post(f"{url}/__sandbox/reset", timeout=30)  # empty rate-limit windows, zero counters
    settings = build_settings({"MaxConcurrency": concurrency, "Pagesize": PAGE, "Timeout": 120})
    with ApiClient(settings, ApiTokenAuth(token), base_url=url) as client:
        started = time.perf_counter()
        if concurrency == 1:
            rows = sum(len(page) for page in client.pages("/api/v2/deals"))
        else:
            rows = sum(len(page) for page in client.parallel_scan("/api/v2/deals", concurrency=concurrency))
        seconds = time.perf_counter() - started
        limit = client.governor.limit or 0
    stats = sandbox_stats(url)
    return Run(name, rows, stats["total"], stats["rate_limited"], seconds, limit)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--scale", type=int, default=100_000)
    parser.add_argument("--latency-ms", type=int, default=150)
    parser.add_argument("--plan", default="growth")
    parser.add_argument("--concurrency", type=int, nargs="+", default=[4])
    parser.add_argument("--url", help="use a running sandbox instead of starting one")
    parser.add_argument("--token", default=BENCH_TOKEN)
    args = parser.parse_args(argv)

    def run_all(url: str) -> None:
        print(f"sandbox {url}: scale {args.scale}, latency {args.latency_ms} ms, plan {args.plan}")
        print("ceiling = x-ratelimit-limit / 2 s x 500 rows; the last column is rows/s over it")
        print(HEADER)
        print(scan(url, args.token, "sequential (1 cursor)", 1).line(), flush=True)
        for concurrency in args.concurrency:
            print(scan(url, args.token, f"parallel x{concurrency}", concurrency).line(), flush=True)

    if args.url:
        run_all(args.url.rstrip("/"))
        return
    started = time.perf_counter()
    with sandbox_process(args.scale, args.latency_ms, args.plan) as url:
        print(f"(sandbox started in {time.perf_counter() - started:.1f} s)")
        run_all(url)


if __name__ == "__main__":
    main()
