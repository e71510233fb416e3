"""Killing a process while it writes the settings file leaves the file intact."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from pipedrive_sql.auth.store import FileTokenStore

from .write_worker import CLIENT_ID, SECRET, A, B

HERE = Path(__file__).parent


def spawn(path: Path, mode: str) -> subprocess.Popen[str]:
    return subprocess.Popen(
        [sys.executable, str(HERE / "write_worker.py"), str(path), mode],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


def test_killed_in_the_middle_of_a_write_the_previous_file_survives(tmp_path: Path) -> None:
    path = tmp_path / "t.oauth"
    worker = spawn(path, "block")
    try:
        assert worker.stdout is not None
        assert worker.stdout.readline().strip() == "WRITING"  # the new bytes are on disk, not yet renamed
    finally:
        worker.kill()
        worker.wait(timeout=10)
    assert FileTokenStore(path, CLIENT_ID, SECRET).load() == A


def test_killed_at_any_moment_of_many_writes_the_file_is_one_whole_version(tmp_path: Path) -> None:
    path = tmp_path / "t.oauth"
    for saves_before_kill in (1, 7, 40):
        worker = spawn(path, "loop")
        try:
            assert worker.stdout is not None
            for _ in range(saves_before_kill):
                assert worker.stdout.readline().strip() == "SAVED"
        finally:
            worker.kill()
            worker.wait(timeout=10)
        assert FileTokenStore(path, CLIENT_ID, SECRET).load() in (A, B)
