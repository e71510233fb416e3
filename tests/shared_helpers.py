"""Helpers that tests of several packages share."""

from __future__ import annotations

import threading
import time

SCAN_THREAD_PREFIX = "pipedrive-scan-"  # the name of every parallel-scan worker (api/scan.py)


def scan_threads(wait: float = 10.0) -> list[threading.Thread]:
    """The scan workers still alive once they have had ``wait`` seconds to see they were told to stop (a
    worker answers between requests; on a loaded machine that takes a moment)."""
    deadline = time.monotonic() + wait
    while True:
        alive = [t for t in threading.enumerate() if t.name.startswith(SCAN_THREAD_PREFIX)]
        if not alive or time.monotonic() >= deadline:
            return alive
        time.sleep(0.02)
