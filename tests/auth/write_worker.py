"""A separate process for test_e2e_processes.py that gets killed while it writes the settings file.

``python write_worker.py PATH block``: saves token set A, then saves B but stops forever inside the write
(after the temporary file has its bytes, before the rename) and says ``WRITING`` so the test can kill it.
``python write_worker.py PATH loop``: saves A and B alternately, forever, saying ``SAVED`` after each.
"""

from __future__ import annotations

import os
import sys
import threading
from pathlib import Path

from pipedrive_sql.auth.store import FileTokenStore
from pipedrive_sql.auth.tokens import TokenSet

CLIENT_ID, SECRET = "kill-test-client", "kill-test-secret-0123456789"
A = TokenSet("access-A", "refresh-A", 3600, 1_700_000_000_000, "https://a.example", "base")
B = TokenSet("access-B", "refresh-B", 3600, 1_700_000_000_001, "https://b.example", "base")


def main() -> None:
    path, mode = Path(sys.argv[1]), sys.argv[2]
    store = FileTokenStore(path, CLIENT_ID, SECRET)
    if mode == "block":
        store.save(A)
        real_fsync = os.fsync

        def stuck(fd: int) -> None:
            real_fsync(fd)
            print("WRITING", flush=True)
            threading.Event().wait()  # until killed

        os.fsync = stuck
        store.save(B)
    else:
        n = 0
        while True:
            store.save(A if n % 2 == 0 else B)
            n += 1
            print("SAVED", flush=True)


if __name__ == "__main__":
    main()
