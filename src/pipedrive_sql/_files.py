"""Writing private files atomically: the DSN files (``dsn``) and the OAuth settings file (``auth.store``).

The lowest layer: it imports nothing of pipedrive_sql, so any module may use it.
"""

from __future__ import annotations

import contextlib
import os
import tempfile
from pathlib import Path

__all__ = ["atomic_write"]


def atomic_write(path: Path, data: bytes, *, mode: int | None = None, keep_owner: bool = False) -> None:
    """Replace ``path`` with ``data`` so that readers see the old or the new bytes, never a mix.

    The bytes go to a temporary file ``.NAME.*.tmp`` in the same folder (so ``os.replace`` is atomic), which
    ``mkstemp`` creates with mode 0600 whatever the umask; ``mode`` sets another before anything is written.
    ``keep_owner`` gives it the owner and group of the file it replaces, where this process may (a service
    may rely on them). The file is fsynced before the rename, and its folder after it; on any failure the
    temporary file is removed and the previous file is left as it was.
    """
    old: os.stat_result | None = None
    if keep_owner:
        with contextlib.suppress(FileNotFoundError):
            old = path.stat()
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        if mode is not None:
            os.fchmod(fd, mode)  # before any secret is written into it
        if old is not None:
            with contextlib.suppress(PermissionError):
                os.fchown(fd, old.st_uid, old.st_gid)
        with os.fdopen(fd, "wb") as f:
            f.write(data)
            f.flush()
            os.fsync(f.fileno())
        os.replace(tmp, path)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(tmp)
        raise
    _fsync_dir(path.parent)


def _fsync_dir(folder: Path) -> None:
    # Makes the rename itself durable; not every platform lets a folder be opened.
    with contextlib.suppress(OSError):
        fd = os.open(folder, os.O_RDONLY)
        try:
            os.fsync(fd)
        finally:
            os.close(fd)
