"""The idle-time warmer (``warm_lists``): it renders every listed record ahead, and the lists answer the
same bytes as a sandbox that renders them on first read."""

from __future__ import annotations

import time
from typing import Any

import httpx

from pipedrive_sandbox.app import build_app
from pipedrive_sandbox.config import SandboxConfig
from pipedrive_sandbox.server import Sandbox, with_background
from pipedrive_sandbox.v2_entities import ENTITIES
from pipedrive_sandbox.warmer import warm_lists

SCALE = 300
DEADLINE = 60.0  # seconds; the warmer needs well under one at this scale


def remembered(sb: Sandbox, path: str) -> int:
    entity = ENTITIES[path]
    return len(sb.store.memo(entity.kind, "v2", entity.render_depends))


def pages(sb: Sandbox, path: str, **params: Any) -> list[bytes]:
    out: list[bytes] = []
    with httpx.Client(base_url=sb.url, headers={"x-api-token": sb.api_token}, timeout=30) as client:
        cursor = None
        while True:
            response = client.get(path, params={**params, **({"cursor": cursor} if cursor else {})})
            assert response.status_code == 200, response.text
            out.append(response.content)
            cursor = response.json()["additional_data"]["next_cursor"]
            if cursor is None:
                return out


def test_idle_time_renders_every_listed_record_and_changes_no_answer() -> None:
    config = {"seed": 5, "scale": SCALE, "rate_limit": False}
    with Sandbox(**config, warm_lists=True) as warmed, Sandbox(**config) as cold:
        assert remembered(warmed, "deals") == 0
        httpx.get(f"{warmed.url}/api/v2/users/me", headers={"x-api-token": warmed.api_token})  # starts it
        deadline = time.monotonic() + DEADLINE
        while remembered(warmed, "products") < len(warmed.store.tables["product"]):
            assert time.monotonic() < deadline, "the warmer did not finish"
            time.sleep(0.05)  # polling the warmer's progress
        for path in ("deals", "persons", "organizations", "activities"):
            assert remembered(warmed, path) == len(warmed.store.tables[ENTITIES[path].kind])
        assert remembered(cold, "deals") == 0
        for path, params in (
            ("/api/v2/deals", {"status": "open,won,lost,deleted", "limit": 100}),
            ("/api/v2/deals", {"sort_by": "update_time", "limit": 50}),
            ("/api/v2/persons", {"limit": 100}),
            ("/api/v2/activities", {"limit": 500}),
            ("/api/v2/products", {}),
        ):
            assert pages(warmed, path, **params) == pages(cold, path, **params), path


def test_the_warmer_is_off_in_process_unless_asked() -> None:
    with Sandbox(scale=50, rate_limit=False) as sb:
        httpx.get(f"{sb.url}/api/v2/deals", headers={"x-api-token": sb.api_token})
        assert sb.state.background is None and sb.state.background_task is None


def test_a_sandbox_in_its_own_process_warms_by_default() -> None:
    for warm, in_process, expected in ((None, False, True), (None, True, False), (False, False, False)):
        state = build_app(SandboxConfig(scale=20, warm_lists=warm)).state.sandbox
        with_background(state, in_process=in_process)
        assert (state.background is warm_lists) is expected
