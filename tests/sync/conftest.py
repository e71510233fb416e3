"""Fixtures of the sync tests: a sandbox of their own, and a real PostgreSQL server.

``postgres_url`` starts a throwaway PostgreSQL server (Debian's ``postgresql`` package, installed by
``scripts/setup.sh --with-system``): ``initdb`` into a temporary folder and ``pg_ctl start`` on a free
loopback port, as an unprivileged user when the tests run as root (PostgreSQL refuses to run as root).
The server is stopped and its folder removed at the end of the session.
"""

from __future__ import annotations

import glob
import os
import pwd
import shutil
import socket
import subprocess
import tempfile
from collections.abc import Iterator
from pathlib import Path

import pytest

from pipedrive_sandbox.server import Sandbox


@pytest.fixture(scope="module")
def source() -> Iterator[Sandbox]:
    with Sandbox(seed=11, scale=60, rate_limit=False, latency_ms=0, fault_rate=0.0) as running:
        yield running


def _pg_bin() -> Path | None:
    found = sorted(glob.glob("/usr/lib/postgresql/*/bin/initdb"), reverse=True)
    return Path(found[0]).parent if found else None


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _run_as(user: str | None, args: list[str]) -> list[str]:
    if user is None:
        return args
    return ["runuser", "-u", user, "--", *args]


@pytest.fixture(scope="session")
def postgres_url() -> Iterator[str]:
    bin_dir = _pg_bin()
    if bin_dir is None:
        pytest.skip(
            "PostgreSQL server binaries not found: run scripts/setup.sh --with-system (Debian: postgresql)"
        )
    user: str | None = None
    if os.geteuid() == 0:
        if shutil.which("runuser") is None:
            pytest.skip("running as root without runuser: PostgreSQL cannot be started as root")
        user = "nobody"
    folder = Path(tempfile.mkdtemp(prefix="pd-pg-"))
    data = folder / "data"
    if user is not None:
        entry = pwd.getpwnam(user)
        os.chown(folder, entry.pw_uid, entry.pw_gid)
    os.chmod(folder, 0o700)
    port = _free_port()
    env = {**os.environ, "LC_ALL": "C", "LANG": "C"}
    subprocess.run(
        _run_as(
            user, [str(bin_dir / "initdb"), "-D", str(data), "-U", "postgres", "-A", "trust", "-E", "UTF8"]
        ),
        check=True,
        capture_output=True,
        env=env,
        cwd=folder,
    )
    options = f"-c listen_addresses=127.0.0.1 -c port={port} -k {folder} -c fsync=off"
    subprocess.run(
        _run_as(
            user,
            [
                str(bin_dir / "pg_ctl"),
                "-D",
                str(data),
                "-o",
                options,
                "-l",
                str(folder / "log"),
                "-w",
                "start",
            ],
        ),
        check=True,
        capture_output=True,
        env=env,
        cwd=folder,
    )
    try:
        yield f"postgresql://postgres@127.0.0.1:{port}/postgres"
    finally:
        subprocess.run(
            _run_as(user, [str(bin_dir / "pg_ctl"), "-D", str(data), "-m", "immediate", "-w", "stop"]),
            capture_output=True,
            env=env,
            cwd=folder,
        )
        shutil.rmtree(folder, ignore_errors=True)
