"""Rendering the lists' records while the server idles (``SandboxConfig.warm_lists``).

A list page costs the sandbox most the first time its records are rendered: a 500-deal page takes about
10 ms of CPU cold and 1 ms once its records are remembered (``Store.memo``). A scan reads each record
once, so without help every page of a first scan is cold. ``warm_lists`` renders the records of the
lists the driver scans into the same memos the list handlers read, a batch at a time on the event loop,
only after no API request has come in for ``IDLE`` seconds (it takes time the server would otherwise
idle, and pauses as soon as requests come), keeping within ``MEMO_LIMIT``. What the lists answer does not
change: the handlers render the same way, and a write drops what it changes as for any memo.
"""

from __future__ import annotations

import asyncio
import logging
import time
from typing import Any

from pipedrive_sandbox.store import MEMO_LIMIT
from pipedrive_sandbox.v2_entities import DEFAULT_VIEW, ENTITIES

IDLE = 0.25  # seconds without a new API request before a batch is rendered
BATCH = 200  # records per batch: a few milliseconds, the longest a request waits for the warmer
LISTS = ("deals", "persons", "organizations", "activities", "products")

log = logging.getLogger(__name__)


async def warm_lists(state: Any) -> None:
    """Render every record of ``LISTS`` as their list pages do, in idle time; then stop."""
    try:
        for path in LISTS:
            await _warm(state, path)
    except Exception:  # a warmer must never take the server down; the lists render on demand anyway
        log.exception("warming the lists stopped")


async def _warm(state: Any, path: str) -> None:
    store = state.store
    entity = ENTITIES[path]
    ids = [record["id"] for record in store.scan(entity.kind)]
    for start in range(0, len(ids), BATCH):
        while time.monotonic() - state.last_api_call < IDLE:
            await asyncio.sleep(IDLE)
        # Looked up again for every batch: a write or a field change in between replaces them.
        memo = store.memo(entity.kind, "v2", entity.render_depends)
        if len(memo) >= MEMO_LIMIT:
            return
        render = entity.page_renderer(store, DEFAULT_VIEW)
        table = store.tables[entity.kind]
        for record_id in ids[start : start + BATCH]:
            record = table.get(record_id)
            if record is not None and record_id not in memo:
                render(record)
        await asyncio.sleep(0)
