"""Pipedrive's response envelopes: ``{"success": true, "data": ..., "additional_data": ...}`` and its errors."""

from __future__ import annotations

from typing import Any

import orjson
from starlette.responses import Response

OPTIONS = orjson.OPT_NON_STR_KEYS


class JSON(Response):
    media_type = "application/json"

    def render(self, content: Any) -> bytes:
        return orjson.dumps(content, option=OPTIONS)


def json_fragment(value: Any) -> orjson.Fragment:
    """``value`` as JSON, ready to be placed in a ``JSON`` answer as is (the same bytes ``JSON`` writes).

    For keeping: the JSON is copied into an object of its own size. orjson's output buffer is sized for
    growth, and keeping thousands of them would leave holes that make every new one touch fresh pages
    (measured: 2 page faults per 1.4 KB deal kept, against 0.34 with the copy)."""
    return orjson.Fragment(bytes(memoryview(orjson.dumps(value, option=OPTIONS))))


def ok(data: Any, additional_data: Any = None, status: int = 200, **extra: Any) -> JSON:
    body: dict[str, Any] = {"success": True, "data": data}
    if additional_data is not None:
        body["additional_data"] = additional_data
    body.update(extra)
    return JSON(body, status_code=status)


def error(
    status: int,
    message: str,
    error_info: str | None = None,
    headers: dict[str, str] | None = None,
    **extra: Any,
) -> JSON:
    """Pipedrive's error body: success false, the message, a hint, data and additional_data null."""
    body: dict[str, Any] = {
        "success": False,
        "error": message,
        "error_info": error_info
        or "Please check developers.pipedrive.com for more information about Pipedrive API.",
        "data": None,
        "additional_data": None,
    }
    body.update(extra)
    return JSON(body, status_code=status, headers=headers)
