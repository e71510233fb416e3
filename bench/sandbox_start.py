"""How long the sandbox takes to generate its company and build its store, and how much memory it holds.

    python bench/sandbox_start.py              # scale 100 000 (the budget: well under 15 s, well under 2 GB)
    python bench/sandbox_start.py --scale 500000 --seed 7

Prints wall and CPU seconds for generation and for the store (which includes generation), the count of
each kind of record, the peak RSS, and the time of a few first requests (the ones that build caches).
Numbers only: nothing here asserts a budget (tests never assert wall-clock times).
"""

from __future__ import annotations

import argparse
import resource
import time
from collections.abc import Callable
from typing import Any

from starlette.applications import Starlette
from starlette.middleware import Middleware
from starlette.types import ASGIApp, Receive, Scope, Send

from pipedrive_sandbox import data, v1, v2
from pipedrive_sandbox.config import SandboxConfig
from pipedrive_sandbox.store import Store


def peak_rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # kilobytes on Linux


def timed(label: str, action: Callable[[], Any]) -> Any:
    wall, cpu = time.perf_counter(), time.process_time()
    result = action()
    print(f"{label:<44} {time.perf_counter() - wall:7.2f} s wall {time.process_time() - cpu:7.2f} s CPU")
    return result


class _MainUser:
    """What the app's auth middleware does for these routes: name the calling user."""

    def __init__(self, app: ASGIApp, user_id: int) -> None:
        self.app, self.user_id = app, user_id

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http":
            scope.setdefault("state", {})["user_id"] = self.user_id
        await self.app(scope, receive, send)


def first_requests(store: Store) -> None:
    from starlette.testclient import TestClient

    app = Starlette(
        routes=v2.routes() + v1.routes(), middleware=[Middleware(_MainUser, user_id=store.main_user_id)]
    )
    app.state.store = store
    client = TestClient(app)
    for path in (
        "/api/v2/deals?limit=500",
        "/api/v2/deals?limit=500&sort_by=update_time",
        "/api/v2/deals?limit=500&include_fields=activities_count,products_count",
        "/api/v2/deals/search?term=group",
        "/v1/recents?since_timestamp=2025-12-01 00:00:00",
    ):
        response = timed(f"GET {path[:40]}", lambda p=path: client.get(p))  # type: ignore[misc]
        assert response.status_code == 200, response.text


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--scale", type=int, default=100_000)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--requests", action="store_true", help="also time a few first requests")
    args = parser.parse_args()
    config = SandboxConfig(seed=args.seed, scale=args.scale)
    print(f"scale {args.scale} (deals), seed {args.seed}")
    generated = timed("generate (data.generate)", lambda: data.generate(config))
    print(f"{'peak RSS after generation':<44} {peak_rss_mb():7.0f} MB")
    del generated
    store = timed("store (generation + indexes)", lambda: Store(config))
    for kind, table in sorted(store.tables.items()):
        print(f"  {kind:<16} {len(table):>9,}")
    print(f"{'peak RSS with the store':<44} {peak_rss_mb():7.0f} MB")
    if args.requests:
        first_requests(store)
        print(f"{'peak RSS after first requests':<44} {peak_rss_mb():7.0f} MB")


if __name__ == "__main__":
    main()
