"""Running the pipedrive-sql command as a subprocess: plainly, through a pseudo-terminal, or as another user."""

from __future__ import annotations

import fcntl
import os
import pty
import re
import select
import signal
import struct
import subprocess
import sys
import termios
import time
from collections.abc import Mapping, Sequence
from pathlib import Path

COMMAND = [sys.executable, "-m", "pipedrive_sql.cli"]
_ANSI = re.compile(
    r"\x1b\[[0-?]*[ -/]*[@-~]|\x1b\][^\x07\x1b]*(?:\x07|\x1b\\)|\x1b[()][A-Za-z0-9]|\x1b[=>78]"
)


def default_sigint() -> None:
    """``preexec_fn`` of every command a test starts: SIGINT back to its default disposition. A shell
    without job control starts background jobs (``pytest ... &``) with SIGINT ignored, children inherit
    that, and Python then installs no KeyboardInterrupt handler: Ctrl-C tests would see nothing happen.
    A user's command, started from a terminal, has the default disposition."""
    signal.signal(signal.SIGINT, signal.SIG_DFL)


def strip_ansi(text: str) -> str:
    return _ANSI.sub("", text).replace("\r", "")


def cli_env(tmp_path: Path, **extra: str) -> dict[str, str]:
    """An environment whose DSN files, history and config live under ``tmp_path``."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("PIPEDRIVE_SQL_")}
    env.update(
        PIPEDRIVE_SQL_USER_DSN_FILE=str(tmp_path / "user" / "dsn.ini"),
        PIPEDRIVE_SQL_SYSTEM_DSN_FILE=str(tmp_path / "etc" / "dsn.ini"),
        PIPEDRIVE_SQL_HISTORY_FILE=str(tmp_path / "state" / "history"),
        PIPEDRIVE_SQL_KEYRING="0",
        XDG_CONFIG_HOME=str(tmp_path / "config"),
        XDG_STATE_HOME=str(tmp_path / "state"),
        COLUMNS="200",
        NO_COLOR="1",
        PYTHONUNBUFFERED="1",
    )
    env.pop("FORCE_COLOR", None)
    env.update(extra)
    return env


def run_cli(
    args: Sequence[str],
    env: Mapping[str, str],
    *,
    input: str | None = None,
    user: int | None = None,
    timeout: float = 120,
) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [*COMMAND, *args],
        env=dict(env),
        input=input if input is not None else "",
        capture_output=True,
        text=True,
        timeout=timeout,
        user=user,
        check=False,
        preexec_fn=default_sigint,
    )


class Terminal:
    """The command on a real pseudo-terminal: send keys, wait for text, read the exit code."""

    def __init__(
        self, args: Sequence[str], env: Mapping[str, str], *, rows: int = 50, cols: int = 200
    ) -> None:
        argv = [*COMMAND, *args]
        environment = {**env, "TERM": "xterm", "PROMPT_TOOLKIT_NO_CPR": "1"}
        environment.pop("NO_COLOR", None)
        pid, fd = pty.fork()
        if pid == 0:  # the child: a session whose controlling terminal is the pty
            try:
                fcntl.ioctl(0, termios.TIOCSWINSZ, struct.pack("HHHH", rows, cols, 0, 0))
                default_sigint()  # Ctrl-C on the terminal must reach the command
                os.execve(argv[0], argv, environment)
            finally:
                os._exit(127)
        self.pid, self.fd = pid, fd
        self.raw = b""
        self._seen = 0  # how much of the output an expect() has consumed
        self.status: int | None = None

    def send(self, text: str) -> None:
        os.write(self.fd, text.encode())

    @property
    def text(self) -> str:
        return strip_ansi(self.raw.decode("utf-8", "replace"))

    def expect(self, pattern: str, timeout: float = 30) -> str:
        """Wait until ``pattern`` (a regex) appears in new output; return the output up to its end."""
        regex = re.compile(pattern)
        deadline = time.monotonic() + timeout
        while True:
            text = self.text
            match = regex.search(text, self._seen)
            if match:
                chunk = text[self._seen : match.end()]
                self._seen = match.end()
                return chunk
            left = deadline - time.monotonic()
            if left <= 0 or not self._read(left):
                raise AssertionError(f"{pattern!r} did not appear; output so far:\n{text[self._seen :]}")

    def _read(self, timeout: float) -> bool:
        ready, _, _ = select.select([self.fd], [], [], min(timeout, 1.0))
        if not ready:
            return True  # nothing yet; the caller checks its deadline
        try:
            data = os.read(self.fd, 65536)
        except OSError:  # EIO: the child closed the terminal
            return False
        if not data:
            return False
        self.raw += data
        return True

    def wait(self, timeout: float = 30) -> int:
        """Drain the output until the child exits; its exit code (128+N for a signal)."""
        deadline = time.monotonic() + timeout
        while self.status is None:
            done, status = os.waitpid(self.pid, os.WNOHANG)
            if done:
                self.status = os.waitstatus_to_exitcode(status)
                if self.status < 0:
                    self.status = 128 - self.status
                break
            if time.monotonic() > deadline:
                self.kill()
                raise AssertionError(f"the command did not exit; output:\n{self.text}")
            self._read(0.1)
        while self._read(0.05):  # what is left in the terminal's buffer
            if not select.select([self.fd], [], [], 0)[0]:
                break
        return self.status

    def wait_for_hidden_input(self, timeout: float = 30) -> None:
        """Wait until the program turns echo off (a password prompt); typing earlier would show the keys,
        and getpass would discard them when it changes the terminal's mode."""
        deadline = time.monotonic() + timeout
        while termios.tcgetattr(self.fd)[3] & termios.ECHO:
            if time.monotonic() > deadline:
                raise AssertionError(f"echo was never turned off; output:\n{self.text}")
            self._read(0.02)

    def interrupt(self) -> None:
        os.kill(self.pid, signal.SIGINT)

    def kill(self) -> None:
        try:
            os.kill(self.pid, signal.SIGKILL)
            os.waitpid(self.pid, 0)
        except (ProcessLookupError, ChildProcessError):
            pass

    def close(self) -> None:
        if self.status is None:
            self.kill()
        try:
            os.close(self.fd)
        except OSError:
            pass
