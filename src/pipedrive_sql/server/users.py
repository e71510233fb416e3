"""The users file: who may connect to the server, with password verifiers (never passwords).

A JSON document, written atomically with mode 0600::

    {"users": {"alice": {"scram": "SCRAM-SHA-256$4096:...", "md5": "md5..."},
               "powerbi": {"scram": "...", "connection_limit": 10}}}

`md5` is present only for users added with `md5=True` (old clients); an MD5 verifier is a weaker
secret, so it is opt-in per user. `connection_limit` caps that user's sessions at once (a service
account a BI tool pools connections for, say); without it only the server's limits apply.
"""

from __future__ import annotations

import json
import os
import tempfile
import threading
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import platformdirs

from .auth import ScramVerifier, md5_verifier, scram_verifier


class UsersFileError(Exception):
    """The users file cannot be read or written; the message says which file and what to do."""


@dataclass(frozen=True)
class User:
    name: str
    scram: ScramVerifier | None
    md5: str | None
    connection_limit: int | None = None


def default_users_file() -> Path:
    return Path(platformdirs.user_config_dir("pipedrive-sql")) / "server-users.json"


class UserStore:
    """Reads the users file on every lookup (cheap, and edits apply without a restart)."""

    def __init__(self, path: Path) -> None:
        self.path = Path(path)
        self._lock = threading.Lock()
        self._read: tuple[tuple[int, int, int], dict[str, dict[str, Any]]] | None = None

    def _load(self) -> dict[str, dict[str, Any]]:
        """The users, read again whenever the file changed (its inode, size or modification time)."""
        try:
            info = self.path.stat()
            stamp = (info.st_ino, info.st_size, info.st_mtime_ns)
            if self._read is not None and self._read[0] == stamp:
                return {k: dict(v) for k, v in self._read[1].items()}
            data = json.loads(self.path.read_text(encoding="utf-8"))
        except FileNotFoundError:
            return {}
        except (OSError, ValueError) as exc:
            raise UsersFileError(f"cannot read the users file {self.path}: {exc}") from exc
        users = data.get("users", {}) if isinstance(data, dict) else {}
        loaded = {str(k): dict(v) for k, v in users.items() if isinstance(v, dict)}
        self._read = (stamp, loaded)
        return {k: dict(v) for k, v in loaded.items()}

    def _save(self, users: dict[str, dict[str, Any]]) -> None:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(prefix=".users-", dir=self.path.parent)
        try:
            os.fchmod(fd, 0o600)
            with os.fdopen(fd, "w", encoding="utf-8") as f:
                json.dump({"users": users}, f, indent=2, sort_keys=True)
            os.replace(tmp, self.path)
        except BaseException:
            Path(tmp).unlink(missing_ok=True)
            raise

    def get(self, name: str) -> User | None:
        entry = self._load().get(name)
        if entry is None:
            return None
        scram = ScramVerifier.decode(str(entry["scram"])) if entry.get("scram") else None
        limit = entry.get("connection_limit")
        md5 = entry.get("md5")
        return User(
            name,
            scram,
            str(md5) if md5 else None,
            int(limit) if isinstance(limit, int) and not isinstance(limit, bool) else None,
        )

    def names(self) -> list[str]:
        return sorted(self._load())

    def has_users(self) -> bool:
        return bool(self._load())

    def set_password(
        self, name: str, password: str, *, md5: bool = False, connection_limit: int | None = None
    ) -> None:
        """Add a user or replace its verifiers; a limit given replaces the user's, else it is kept."""
        if not name or ":" in name or "\0" in name:
            raise UsersFileError(f"invalid user name {name!r}")
        if not password:
            raise UsersFileError("the password must not be empty")
        with self._lock:
            users = self._load()
            entry: dict[str, Any] = {"scram": scram_verifier(password).encode()}
            if md5:
                entry["md5"] = md5_verifier(name, password)
            if connection_limit is not None:
                if connection_limit < 1:
                    raise UsersFileError("the connection limit must be at least 1")
                entry["connection_limit"] = connection_limit
            elif "connection_limit" in users.get(name, {}):
                entry["connection_limit"] = users[name]["connection_limit"]
            users[name] = entry
            self._save(users)

    def remove(self, name: str) -> bool:
        with self._lock:
            users = self._load()
            if users.pop(name, None) is None:
                return False
            self._save(users)
            return True
