"""Bodies of processes that test_e2e_processes.py kills while they write the settings file."""

from __future__ import annotations

import os
import threading
from pathlib import Path
from typing import Any

from pipedrive_sql.auth.store import FileTokenStore
from pipedrive_sql.auth.tokens import TokenSet

CLIENT_ID, SECRET = "kill-test-client", "kill-test-secret-0123456789"
A = TokenSet("access-A", "refresh-A", 3600, 1_700_000_000_000, "https://a.example", "base")
B = TokenSet("access-B", "refresh-B", 3600, 1_700_000_000_001, "https://b.example", "base")


def save_then_hang_mid_write(path: Path, writing: Any) -> None:
    """Save A, then save B but stop inside the write (bytes on disk, not yet renamed) and say so."""
    store = FileTokenStore(path, CLIENT_ID, SECRET)
    store.save(A)
    real_fsync = os.fsync

    def stuck(fd: int) -> None:
        real_fsync(fd)
        writing.set()
        threading.Event().wait()  # until killed

    os.fsync = stuck
    store.save(B)


def save_forever(path: Path, saves: Any) -> None:
    """Save A and B alternately, counting the saves, until killed."""
    store = FileTokenStore(path, CLIENT_ID, SECRET)
    while True:
        store.save(A if saves.value % 2 == 0 else B)
        with saves.get_lock():
            saves.value += 1
