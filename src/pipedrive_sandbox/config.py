"""Every option of the sandbox server, in one place."""

from __future__ import annotations

from dataclasses import dataclass, field

PLANS = ("lite", "growth", "premium", "ultimate")
# Burst limit: requests per rolling 2-second window, per token, by plan (Pipedrive's published numbers).
BURST_LIMITS: dict[str, dict[str, int]] = {
    "api_token": {"lite": 20, "growth": 40, "premium": 100, "ultimate": 120},
    "oauth": {"lite": 80, "growth": 160, "premium": 400, "ultimate": 480},
}
FAULT_KINDS = ("429", "500", "502", "503", "reset", "slow")


@dataclass
class SandboxConfig:
    host: str = "127.0.0.1"
    port: int = 8765
    seed: int = 1
    scale: int = 500  # number of deals; everything else scales with it
    api_token: str | None = None  # the main user's API token; generated from the seed when None
    oauth_client_id: str | None = None  # generated from the seed when None
    oauth_client_secret: str | None = None  # generated from the seed when None
    token_lifetime: int = 3600  # seconds an OAuth access token lives
    # Each refresh answers a new refresh token (as servers that rotate them do; Pipedrive keeps the same
    # one). The one presented keeps working until its newest successor is first used, so a client killed
    # before storing the answer still holds a working token, while a client that stores a superseded
    # successor (two refreshes racing without a lock) is left with a dead one.
    refresh_rotation: bool = False
    plan: str = "growth"
    daily_budget: int | None = None  # tokens per company per day; None = Pipedrive's formula for the plan
    latency_ms: int = 0
    fault_rate: float = 0.0
    faults: tuple[str, ...] = field(default_factory=lambda: FAULT_KINDS)
    auto_approve: bool = False
    rate_limit: bool = True
    slow_ms: int = 5000  # how long the "slow" fault holds a request before answering
    # Pipedrive (via Cloudflare) blocks API-token clients that keep sending after 429s: after this many
    # 429s in a row a token gets 403 HTML pages for block_seconds.
    block_after: int = 50
    block_seconds: float = 60.0
    # Also generate the records that trip query engines: merged deals, persons and organizations (the
    # merged-away record deleted, its related items moved to the survivor) and sparse records whose optional
    # fields are all empty. Off by default, so the counts other tests rely on stay as they are.
    oddities: bool = False
    # Pipedrive lists a deleted deal (status=deleted) for 30 days after its deletion, then no more (a GET by
    # id may still answer it). Days a deleted deal stays in the lists, by the sandbox clock (its
    # ``update_time`` is the deletion's); None: forever, so the counts other tests rely on stay as they are.
    deleted_deal_days: float | None = None
    # Render the lists' records into their memos while no API request comes in (see ``warmer``), so a scan
    # after a pause finds its pages rendered. None: on in ``serve()`` (the sandbox's own process: ``python
    # -m pipedrive_sandbox``, ``pipedrive-sql sandbox serve``), off in ``Sandbox`` (in-process, where it
    # would hold the GIL the host's threads need).
    warm_lists: bool | None = None
