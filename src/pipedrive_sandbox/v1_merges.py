"""Merges of deals, persons and organizations (API v1)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from starlette.requests import Request
from starlette.responses import Response

from pipedrive_sandbox.responses import ok
from pipedrive_sandbox.v1_base import bad_request, path_id
from pipedrive_sandbox.v1_render import deal_v1, person_v1
from pipedrive_sandbox.v2_base import (
    endpoint,
    json_body,
    store_of,
    user_of,
)

# ---------------------------------------------------------------------------------------------------------
# Merges


def make_merge(kind: str) -> Callable[[Request], Any]:
    @endpoint
    async def handler(request: Request) -> Response:
        store = store_of(request)
        source_id = path_id(request)
        body = await json_body(request)
        target_id = body.get("merge_with_id")
        if isinstance(target_id, str) and target_id.isdigit():
            target_id = int(target_id)
        if isinstance(target_id, bool) or not isinstance(target_id, int):
            raise bad_request("merge_with_id is required")
        target = store.merge(kind, source_id, target_id, user_of(request))
        if kind == "deal":
            return ok({**deal_v1(store, target), "merge_what_id": source_id})
        if kind == "person":
            return ok({**person_v1(store, target), "merge_what_id": source_id})
        return ok({"id": target["id"]})

    return handler
