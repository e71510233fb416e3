"""Where OAuth tokens live between connections: ``OAuthSettingsLocation``.

- A file (default: one per DSN or per client id in the user's config directory), sealed with authenticated
  encryption (see ``crypto``), created with mode 0600, replaced atomically (temp file, fsync, ``os.replace``)
  so a crash mid-write leaves the previous file intact, and guarded by a cross-process lock so that a refresh
  happens once however many processes find the token expired together.
- ``memory://NAME``: held by this process only, shared by its connections of that name.

A file that cannot be read as ours is an error that says what to do, never a reason to sign in again
silently (which would open a browser on a server, or overwrite tokens someone still needs).
"""

from __future__ import annotations

import contextlib
import glob
import hashlib
import os
import re
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Protocol

import filelock
import orjson
import platformdirs

from pipedrive_sql._files import atomic_write
from pipedrive_sql.auth import crypto
from pipedrive_sql.auth.tokens import TokenSet
from pipedrive_sql.errors import ConfigurationError

__all__ = [
    "FileTokenStore",
    "MemoryTokenStore",
    "TokenStore",
    "default_settings_path",
    "memory_store",
]

MEMORY_PREFIX = "memory://"
_PROP = "OAuthSettingsLocation"


class TokenStore(Protocol):
    """Storage of one token set. ``locked()`` is exclusive across threads and, for files, processes."""

    @property
    def location(self) -> str: ...

    def load(self) -> TokenSet | None: ...

    def save(self, tokens: TokenSet) -> None: ...

    def delete(self) -> None: ...

    def locked(self) -> contextlib.AbstractContextManager[None]: ...

    def changed(self) -> bool:
        """True when the stored tokens may differ from those last loaded or saved through this object."""
        ...


# --- memory://NAME ---------------------------------------------------------------------------------------


class MemoryTokenStore:
    def __init__(self, name: str) -> None:
        self.name = name
        self._tokens: TokenSet | None = None
        self._lock = threading.RLock()
        self._version = 0

    @property
    def location(self) -> str:
        return MEMORY_PREFIX + self.name

    def load(self) -> TokenSet | None:
        return self._tokens

    def save(self, tokens: TokenSet) -> None:
        with self._lock:
            self._tokens = tokens
            self._version += 1

    def delete(self) -> None:
        with self._lock:
            self._tokens = None
            self._version += 1

    @contextlib.contextmanager
    def locked(self) -> Iterator[None]:
        with self._lock:
            yield

    def changed(self) -> bool:
        return False  # one object per name: every connection of the process sees the same tokens

    def __repr__(self) -> str:
        return f"MemoryTokenStore({self.name!r})"


_MEMORY: dict[str, MemoryTokenStore] = {}
_MEMORY_LOCK = threading.Lock()


def memory_store(name: str) -> MemoryTokenStore:
    with _MEMORY_LOCK:
        store = _MEMORY.get(name)
        if store is None:
            store = _MEMORY[name] = MemoryTokenStore(name)
        return store


# --- files -----------------------------------------------------------------------------------------------

# One thread lock per file in this process: threads queue here, processes queue on the file lock.
_THREAD_LOCKS: dict[str, threading.RLock] = {}
_THREAD_LOCKS_GUARD = threading.Lock()


def _thread_lock(path: Path) -> threading.RLock:
    with _THREAD_LOCKS_GUARD:
        return _THREAD_LOCKS.setdefault(str(path), threading.RLock())


class FileTokenStore:
    def __init__(
        self, path: Path, client_id: str, client_secret: str, *, lock_timeout: float = 120.0
    ) -> None:
        self.path = path
        self._client_id = client_id
        self._client_secret = client_secret
        self._lock_timeout = lock_timeout
        self._thread_lock = _thread_lock(path)
        self._file_lock = filelock.FileLock(str(path) + ".lock", timeout=lock_timeout, mode=0o600)
        self._seen: tuple[int, int, int] | None = None

    @property
    def location(self) -> str:
        return str(self.path)

    def __repr__(self) -> str:  # the secret stays out
        return f"FileTokenStore({str(self.path)!r}, client_id={self._client_id!r})"

    @contextlib.contextmanager
    def locked(self) -> Iterator[None]:
        with self._thread_lock:
            self._ensure_dir()
            try:
                self._file_lock.acquire()
            except filelock.Timeout:
                raise ConfigurationError(
                    f"Another process has held the lock on the OAuth settings file {self.path} for more than "
                    f"{self._lock_timeout:.0f} s. If no other pipedrive-sql process is running, remove "
                    f"{self.path}.lock.",
                    property=_PROP,
                ) from None
            try:
                yield
            finally:
                self._file_lock.release()

    def load(self) -> TokenSet | None:
        try:
            with open(self.path, "rb") as f:
                signature = _signature(os.fstat(f.fileno()))
                data = f.read()
        except FileNotFoundError:
            self._seen = None
            return None
        except OSError as exc:
            raise self._io_error("read", exc) from None
        tokens = self._decode(data)
        self._seen = signature
        return tokens

    def save(self, tokens: TokenSet) -> None:
        data = crypto.seal(orjson.dumps(tokens.to_dict()), self._client_id, self._client_secret)
        try:
            self._ensure_dir()
            atomic_write(self.path, data)
            self._seen = _signature(os.stat(self.path))
        except OSError as exc:
            raise self._io_error("write", exc) from None
        _remove_stale_temp_files(self.path)

    def delete(self) -> None:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(self.path)
        self._seen = None

    def changed(self) -> bool:
        try:
            return _signature(os.stat(self.path)) != self._seen
        except FileNotFoundError:
            return self._seen is not None

    def _ensure_dir(self) -> None:
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
        except OSError as exc:
            raise self._io_error("create the folder of", exc) from None

    def _decode(self, data: bytes) -> TokenSet:
        try:
            plain = crypto.open_sealed(data, self._client_id, self._client_secret)
            return TokenSet.from_dict(orjson.loads(plain))
        except crypto.ForeignFile as exc:
            raise ConfigurationError(
                f"The OAuth settings file {self.path} belongs to another app (OAuthClientId={exc.client_id}), "
                f"not OAuthClientId={self._client_id}: use the client id and secret that wrote it, or point "
                "OAuthSettingsLocation at another file.",
                property=_PROP,
            ) from None
        except crypto.WrongSecret:
            raise ConfigurationError(
                f"The OAuth settings file {self.path} cannot be decrypted with this OAuthClientSecret: it was "
                "written with another client secret, or it has been altered. Use the client secret that wrote "
                "it, or remove the file and sign in again.",
                property=_PROP,
            ) from None
        except (crypto.NotASettingsFile, orjson.JSONDecodeError, TypeError, KeyError):
            raise ConfigurationError(
                f"The OAuth settings file {self.path} is not a pipedrive-sql OAuth settings file, or it is "
                "damaged. It was left untouched: remove it (or set OAuthSettingsLocation to another file) and "
                "sign in again.",
                property=_PROP,
            ) from None

    def _io_error(self, verb: str, exc: OSError) -> ConfigurationError:
        return ConfigurationError(
            f"Cannot {verb} the OAuth settings file {self.path} ({exc.strerror or type(exc).__name__}): "
            "OAuthSettingsLocation must be readable and writable by the user running this process "
            "(for a service, its service account).",
            property=_PROP,
        )


def _signature(st: os.stat_result) -> tuple[int, int, int]:
    return (st.st_mtime_ns, st.st_size, st.st_ino)


_STALE_TEMP_SECONDS = 60.0  # far longer than any write takes: such a file's writer has died


def _remove_stale_temp_files(path: Path) -> None:
    """Remove temporary files that writers killed mid-write left behind (the settings file was intact)."""
    now = time.time()
    for leftover in path.parent.glob(f".{glob.escape(path.name)}.*.tmp"):
        with contextlib.suppress(OSError):
            if now - leftover.stat().st_mtime > _STALE_TEMP_SECONDS:
                leftover.unlink()


# --- where ------------------------------------------------------------------------------------------------


def _safe_name(name: str) -> str:
    safe = re.sub(r"[^A-Za-z0-9._-]", "_", name).strip(".") or "default"
    if safe != name:  # keep distinct names distinct after the substitution
        safe += "-" + hashlib.sha256(name.encode()).hexdigest()[:8]
    return safe


def default_file_name(*, dsn_name: str | None, client_id: str) -> str:
    return f"dsn-{_safe_name(dsn_name)}.oauth" if dsn_name else f"client-{_safe_name(client_id)}.oauth"


def default_settings_path(*, dsn_name: str | None, client_id: str) -> Path:
    folder = platformdirs.user_config_path("pipedrive-sql", appauthor=False) / "oauth"
    return folder / default_file_name(dsn_name=dsn_name, client_id=client_id)


def settings_path(location: str | None, *, dsn_name: str | None, client_id: str) -> Path:
    """The file for ``location`` (a file, or a folder to put the default file name in), or the default."""
    if not location:
        return default_settings_path(dsn_name=dsn_name, client_id=client_id)
    path = Path(os.path.expandvars(os.path.expanduser(location)))
    if location.endswith(("/", os.sep)) or path.is_dir():
        return path / default_file_name(dsn_name=dsn_name, client_id=client_id)
    return path
