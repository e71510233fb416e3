"""Killing a process while it writes the settings file leaves the file intact."""

from __future__ import annotations

import multiprocessing
import time
from pathlib import Path

from pipedrive_sql.auth.store import FileTokenStore

from .write_worker import CLIENT_ID, SECRET, A, B, save_forever, save_then_hang_mid_write


def context():  # type: ignore[no-untyped-def]
    # Real processes, forked from a single-threaded server that imported the driver once (fast to start).
    ctx = multiprocessing.get_context("forkserver")
    ctx.set_forkserver_preload(["pipedrive_sql.auth"])
    return ctx


def test_killed_in_the_middle_of_a_write_the_previous_file_survives(tmp_path: Path) -> None:
    path = tmp_path / "t.oauth"
    ctx = context()
    writing = ctx.Event()
    worker = ctx.Process(target=save_then_hang_mid_write, args=(path, writing))
    worker.start()
    try:
        assert writing.wait(timeout=60)  # the new bytes are on disk, not yet renamed into place
    finally:
        worker.kill()
        worker.join(timeout=10)
    assert FileTokenStore(path, CLIENT_ID, SECRET).load() == A
    leftovers = [p.name for p in tmp_path.iterdir() if p.name != "t.oauth" and not p.name.endswith(".lock")]
    assert all(name.endswith(".tmp") for name in leftovers)  # only the dead writer's temporary file


def test_killed_at_any_moment_of_many_writes_the_file_is_one_whole_version(tmp_path: Path) -> None:
    path = tmp_path / "t.oauth"
    ctx = context()
    for saves_before_kill in (1, 7, 40):
        saves = ctx.Value("i", 0)
        worker = ctx.Process(target=save_forever, args=(path, saves))
        worker.start()
        try:
            deadline = time.monotonic() + 60
            while saves.value < saves_before_kill and time.monotonic() < deadline:
                time.sleep(0.001)  # polling the shared counter
        finally:
            worker.kill()
            worker.join(timeout=10)
        assert saves.value >= saves_before_kill
        assert FileTokenStore(path, CLIENT_ID, SECRET).load() in (A, B)
