"""Files (API v1)."""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import Response

from pipedrive_sandbox.responses import ok
from pipedrive_sandbox.v1_base import base_url, offset_list, sort_records
from pipedrive_sandbox.v1_notes import active_or_404
from pipedrive_sandbox.v1_render import file_v1
from pipedrive_sandbox.v2_base import (
    endpoint,
    store_of,
)

# ---------------------------------------------------------------------------------------------------------
# Files


@endpoint
async def list_files(request: Request) -> Response:
    store = store_of(request)
    items = [r for r in store.scan("file") if r.get("active_flag", True)]
    items = sort_records(items, request.query_params.get("sort"), ("id", "update_time"))
    root = base_url(request)
    return offset_list(items, request, lambda r: file_v1(store, r, root), maximum=100)


@endpoint
async def get_file(request: Request) -> Response:
    store = store_of(request)
    return ok(file_v1(store, active_or_404(store, request, "file"), base_url(request)))


@endpoint
async def download_file(request: Request) -> Response:
    store = store_of(request)
    record = active_or_404(store, request, "file")
    # The document promises application/octet-stream whatever the file holds.
    return Response(
        store.file_content(record),
        media_type="application/octet-stream",
        headers={"content-disposition": f'attachment; filename="{record["file_name"]}"'},
    )
