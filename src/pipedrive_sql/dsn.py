"""Data sources (DSNs): named sets of connection properties, defined once and used by name.

Two files hold them, in the INI form ODBC users know (``[Name]`` then ``Property = value`` lines):

- the user file, in the user's config directory (``PIPEDRIVE_SQL_USER_DSN_FILE`` overrides), mode 0600;
- the system file, ``/etc/pipedrive-sql/dsn.ini`` (``PIPEDRIVE_SQL_SYSTEM_DSN_FILE`` overrides), for
  services and every user of the machine.

A user DSN shadows a system DSN of the same name; names are case-insensitive. A DSN holds connection
properties exactly as a connection string would, validated against ``settings.PROPERTIES`` on write.

Secrets of *user* DSNs go to the system keyring when the optional ``keyring`` package finds a usable
backend (the file then says ``APIToken = <keyring>``); otherwise the file's permissions protect them, and
reading a file whose secrets others can read warns (``DSNPermissionWarning``). System DSNs never use the
keyring: a keyring belongs to one user, and a system DSN is there for services running as someone else.

Writes are atomic (a temporary file renamed over the old one) and serialised by a lock file, so a crash or
a concurrent writer never leaves a half-written file.
"""

from __future__ import annotations

import configparser
import contextlib
import errno
import os
import re
import stat
import warnings
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

import filelock
import platformdirs

from pipedrive_sql._files import atomic_write
from pipedrive_sql.errors import ConfigurationError, DSNError, did_you_mean
from pipedrive_sql.settings import find_property

__all__ = [
    "KEYRING_MARKER",
    "DSNPermissionWarning",
    "DataSource",
    "Scope",
    "dsn_file",
    "get_dsn",
    "keyring_available",
    "list_dsns",
    "load_dsn",
    "permission_problem",
    "remove_dsn",
    "save_dsn",
    "update_dsn",
]

Scope = Literal["user", "system"]

USER_FILE_ENV = "PIPEDRIVE_SQL_USER_DSN_FILE"
SYSTEM_FILE_ENV = "PIPEDRIVE_SQL_SYSTEM_DSN_FILE"
# "0"/"off"/"false"/"no" keeps secrets out of the keyring even where a usable backend exists.
KEYRING_ENV = "PIPEDRIVE_SQL_KEYRING"
DEFAULT_SYSTEM_FILE = Path("/etc/pipedrive-sql/dsn.ini")
KEYRING_SERVICE = "pipedrive-sql"
KEYRING_MARKER = "<keyring>"

# The characters ODBC's SQLValidDSN refuses, plus those that would break our INI file.
_BAD_NAME_CHARS = re.compile(r"[\[\]{}(),;?*=!@\\\r\n\t]")
_MAX_NAME = 64
# A section name no DSN can have: configparser would otherwise treat [DEFAULT] as defaults for all.
_NO_DEFAULT_SECTION = "\0no-default"
# errno values that mean "you may not write here" (a read-only mount counts: the fix is the same).
_NO_RIGHT = (errno.EACCES, errno.EPERM, errno.EROFS)


class DSNPermissionWarning(UserWarning):
    """A DSN file holding secrets in clear can be read by other users."""


@dataclass(frozen=True)
class DataSource:
    """One DSN as stored: secrets kept in the keyring appear as ``KEYRING_MARKER``."""

    name: str
    scope: Scope
    path: Path
    properties: dict[str, str] = field(default_factory=dict)
    shadowed: bool = False  # a system DSN hidden by a user DSN of the same name

    @property
    def in_keyring(self) -> tuple[str, ...]:
        return tuple(k for k, v in self.properties.items() if v == KEYRING_MARKER)

    def masked(self) -> dict[str, str]:
        """The properties with every secret value replaced by ``********`` (or ``<keyring>``)."""
        return {k: _masked_value(k, v) for k, v in self.properties.items()}


def _masked_value(name: str, value: str) -> str:
    if value in ("", KEYRING_MARKER) or not _is_secret(name):
        return value
    return "********"


def _is_secret(name: str) -> bool:
    try:
        return find_property(name).secret
    except ConfigurationError:
        # An unknown name in a hand-edited file: mask it, since we cannot know what it holds.
        return True


# --------------------------------------------------------------------------------------------- locations


def dsn_file(scope: Scope) -> Path:
    """The file that holds the DSNs of ``scope`` (it may not exist yet)."""
    if scope == "user":
        override = os.environ.get(USER_FILE_ENV)
        return Path(override) if override else platformdirs.user_config_path("pipedrive-sql") / "dsn.ini"
    override = os.environ.get(SYSTEM_FILE_ENV)
    return Path(override) if override else DEFAULT_SYSTEM_FILE


def _scope_of(system: bool) -> Scope:
    return "system" if system else "user"


# --------------------------------------------------------------------------------------------- reading


def _read_file(scope: Scope, *, missing_ok: bool = True) -> dict[str, DataSource]:
    """DSNs of one file keyed by lower-case name; an absent file holds none."""
    path = dsn_file(scope)
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        return {}
    except PermissionError:
        if missing_ok and scope == "system":
            # Services may keep the system file from ordinary users; their own DSNs still work.
            warnings.warn(
                f"Cannot read the system DSN file {path} (permission denied); system DSNs are skipped.",
                DSNPermissionWarning,
                stacklevel=3,
            )
            return {}
        raise DSNError(f"Cannot read the {scope} DSN file {path}: permission denied.") from None
    except OSError as exc:
        raise DSNError(f"Cannot read the {scope} DSN file {path}: {exc.strerror or exc}.") from None
    return _parse(text, scope, path)


def _parser() -> configparser.ConfigParser:
    parser = configparser.ConfigParser(
        interpolation=None,
        delimiters=("=",),
        comment_prefixes=("#", ";"),
        inline_comment_prefixes=None,
        strict=True,
        default_section=_NO_DEFAULT_SECTION,
    )
    parser.optionxform = str  # type: ignore[assignment,method-assign]  # keep names as written
    return parser


def _parse(text: str, scope: Scope, path: Path) -> dict[str, DataSource]:
    parser = _parser()
    try:
        parser.read_string(text, source=str(path))
    except configparser.Error as exc:
        raise DSNError(f"The {scope} DSN file {path} is malformed: {_one_line(str(exc))}") from None
    out: dict[str, DataSource] = {}
    for section in parser.sections():
        key = section.lower()
        if key in out:
            raise DSNError(
                f"The {scope} DSN file {path} defines {out[key].name!r} and {section!r}: DSN names are "
                "case-insensitive, so remove one of them."
            )
        props = _canonical_props(parser.items(section), f"DSN {section!r} in {path}")
        out[key] = DataSource(section, scope, path, props)
    return out


def _one_line(text: str) -> str:
    return " ".join(text.split())


def _canonical_props(items: Iterable[tuple[str, str]], where: str) -> dict[str, str]:
    """Property names as settings.py spells them (unknown names kept: the connection will name them)."""
    props: dict[str, str] = {}
    for raw_name, value in items:
        name = _canonical_name(raw_name)
        if name in props:
            raise DSNError(f"{where} sets {name} twice (names are case-insensitive): remove one.")
        props[name] = value
    return props


def _canonical_name(raw_name: str) -> str:
    try:
        return find_property(raw_name).name
    except ConfigurationError:
        return raw_name.strip()


def list_dsns(scope: Scope | None = None) -> list[DataSource]:
    """Every DSN (or those of one scope), sorted by name; system DSNs hidden by a user DSN are ``shadowed``."""
    user = _read_file("user") if scope in (None, "user") else {}
    system = _read_file("system") if scope in (None, "system") else {}
    shown = list(user.values())
    for key, ds in system.items():
        hidden = scope is None and key in user
        shown.append(DataSource(ds.name, ds.scope, ds.path, ds.properties, shadowed=hidden))
    return sorted(shown, key=lambda d: (d.name.lower(), d.scope != "user"))


def get_dsn(name: str, scope: Scope | None = None) -> DataSource:
    """The DSN called ``name`` as stored: the user one first unless ``scope`` says which file."""
    key = _check_name(name).lower()
    scopes: tuple[Scope, ...] = (scope,) if scope else ("user", "system")
    known: list[str] = []
    for where in scopes:
        found = _read_file(where)
        if key in found:
            return found[key]
        known += [d.name for d in found.values()]
    raise _not_found(name, scopes, known)


def _not_found(name: str, scopes: tuple[Scope, ...], known: list[str]) -> DSNError:
    files = " and ".join(f"the {s} file {dsn_file(s)}" for s in scopes)
    hint = did_you_mean(name, known)
    system = " --system" if scopes == ("system",) else ""
    return DSNError(
        f"No data source named {name!r} in {files}.{hint} "
        f"Create it with `pipedrive-sql dsn add {name}{system}`, or list them with `pipedrive-sql dsn list`."
    )


def load_dsn(name: str, scope: Scope | None = None) -> dict[str, str]:
    """The connection properties of DSN ``name``, secrets fetched from the keyring where they live there."""
    ds = get_dsn(name, scope)
    problem = permission_problem(ds)
    if problem:
        warnings.warn(problem, DSNPermissionWarning, stacklevel=2)
    props = dict(ds.properties)
    for prop in ds.in_keyring:
        props[prop] = _keyring_get(ds, prop)
    return props


# --------------------------------------------------------------------------------------------- permissions


def permission_problem(ds: DataSource) -> str | None:
    """Why the file of ``ds`` exposes its secrets to others, or None when it does not."""
    clear_secrets = [k for k, v in ds.properties.items() if v not in ("", KEYRING_MARKER) and _is_secret(k)]
    if not clear_secrets:
        return None
    try:
        mode = stat.S_IMODE(ds.path.stat().st_mode)
    except OSError:
        return None
    # A user file is the owner's alone; a system file may be shared with a service's group on purpose.
    exposed = mode & (0o044 if ds.scope == "user" else 0o004)
    if not exposed:
        return None
    who = "other users" if mode & 0o004 else "its group"
    fix = "chmod 600" if ds.scope == "user" else "chmod o-rwx"
    return (
        f"{ds.path} (mode {mode:o}) holds {', '.join(clear_secrets)} of DSN {ds.name!r} and can be read by "
        f"{who}: run `{fix} {ds.path}`."
    )


# --------------------------------------------------------------------------------------------- keyring


def _keyring() -> Any | None:
    """The keyring module when its active backend can really store secrets, else None."""
    if os.environ.get(KEYRING_ENV, "").strip().lower() in ("0", "off", "false", "no"):
        return None
    try:
        import keyring  # optional: the `keyring` extra
    except Exception:
        return None
    try:
        backend = keyring.get_keyring()
    except Exception:
        return None
    if _is_unusable_backend(backend):
        return None
    return keyring


def _is_unusable_backend(backend: Any) -> bool:
    # keyring falls back to backends that store nothing (fail: raises; null: forgets) when none is usable.
    module = type(backend).__module__
    if module.endswith((".fail", ".null")):
        return True
    try:
        return float(backend.priority) <= 0
    except Exception:
        return False


def keyring_available() -> bool:
    return _keyring() is not None


def _keyring_user(name: str, prop: str) -> str:
    return f"{name.lower()}/{prop}"


def _keyring_get(ds: DataSource, prop: str) -> str:
    kr = _keyring()
    value = None
    if kr is not None:
        try:
            value = kr.get_password(KEYRING_SERVICE, _keyring_user(ds.name, prop))
        except Exception as exc:
            raise DSNError(
                f"DSN {ds.name!r} keeps {prop} in the system keyring, which failed: {_one_line(str(exc))}"
            ) from None
    if value is None:
        where = "it holds no entry for it" if kr is not None else "no usable keyring is available here"
        raise DSNError(
            f"DSN {ds.name!r} keeps {prop} in the system keyring, but {where}. Set it again with "
            f"`pipedrive-sql dsn edit {ds.name} --set {prop}=...`."
        )
    return value


def _keyring_set(kr: Any, name: str, prop: str, value: str) -> None:
    try:
        kr.set_password(KEYRING_SERVICE, _keyring_user(name, prop), value)
    except Exception as exc:
        raise DSNError(
            f"Could not store {prop} in the system keyring: {_one_line(str(exc))}. "
            "Use --no-keyring to keep it in the DSN file (mode 0600) instead."
        ) from None


def _keyring_delete(name: str, prop: str) -> None:
    kr = _keyring()
    if kr is None:
        return
    with contextlib.suppress(Exception):  # already gone, or the backend cannot delete: nothing to leak
        kr.delete_password(KEYRING_SERVICE, _keyring_user(name, prop))


# --------------------------------------------------------------------------------------------- writing


def _check_name(name: str) -> str:
    stripped = name.strip()
    if not stripped:
        raise DSNError("A DSN name cannot be empty.")
    if stripped != name or len(name) > _MAX_NAME or _BAD_NAME_CHARS.search(name):
        raise DSNError(
            f"{name!r} is not a valid DSN name: use at most {_MAX_NAME} characters, no leading or trailing "
            "spaces, and none of []{}(),;?*=!@\\."
        )
    return name


def _validated(props: Mapping[str, Any]) -> dict[str, str]:
    """Properties under their canonical names, each value checked as a connection would check it."""
    out: dict[str, str] = {}
    for raw_name, raw_value in props.items():
        if raw_name.strip().lower() == "dsn":
            raise DSNError("A DSN cannot name another DSN: set its properties directly.", property="DSN")
        prop = find_property(raw_name)
        value = "" if raw_value is None else str(raw_value).strip()
        if "\n" in value or "\r" in value:
            raise DSNError(f"The value of {prop.name} cannot span several lines.", property=prop.name)
        if value and value != KEYRING_MARKER:
            prop.convert(value)  # raises a ConfigurationError naming the property
        if prop.name in out:
            raise DSNError(f"{prop.name} is given twice (names are case-insensitive).", property=prop.name)
        out[prop.name] = value
    return out


@contextlib.contextmanager
def _locked(scope: Scope) -> Iterator[Path]:
    """Hold the lock of the DSN file of ``scope`` for a read-modify-write."""
    path = dsn_file(scope)
    try:
        path.parent.mkdir(parents=True, exist_ok=True, mode=0o700 if scope == "user" else 0o755)
        lock = filelock.FileLock(str(path) + ".lock", mode=0o600)
        with lock:
            yield path
    except OSError as exc:
        if exc.errno in _NO_RIGHT:
            raise _cannot_write(scope, path) from None
        raise DSNError(f"Cannot write the {scope} DSN file {path}: {exc.strerror or exc}.") from None


def _cannot_write(scope: Scope, path: Path) -> DSNError:
    if scope == "system":
        return DSNError(
            f"Cannot write the system DSN file {path}: permission denied. System DSNs are for every user "
            "and for services, so changing them needs an administrator (run the command with sudo); or "
            "leave out --system to save a user DSN, which only you can use."
        )
    return DSNError(
        f"Cannot write the user DSN file {path}: permission denied. "
        f"Point {USER_FILE_ENV} at a file you can write."
    )


def _render(scope: Scope, sources: Iterable[DataSource]) -> str:
    lines = [
        f"# pipedrive-sql {scope} data sources. Change them with `pipedrive-sql dsn add|edit|remove"
        f"{' --system' if scope == 'system' else ''}`;",
        "# values are connection properties (see docs/connection-properties.md).",
    ]
    for ds in sorted(sources, key=lambda d: d.name.lower()):
        lines += ["", f"[{ds.name}]"]
        lines += [f"{k} = {v}" for k, v in ds.properties.items()]
    return "\n".join(lines) + "\n"


def _file_mode(scope: Scope, path: Path, sources: Iterable[DataSource]) -> int:
    if scope == "user":
        return 0o600
    holds_secrets = any(
        v not in ("", KEYRING_MARKER) and _is_secret(k) for ds in sources for k, v in ds.properties.items()
    )
    try:
        mode = stat.S_IMODE(path.stat().st_mode)  # an administrator's chmod/chgrp for a service is kept
    except FileNotFoundError:
        mode = 0o600 if holds_secrets else 0o644
    return mode & ~0o007 if holds_secrets else mode


def _write(scope: Scope, path: Path, sources: dict[str, DataSource]) -> None:
    text = _render(scope, sources.values())
    mode = _file_mode(scope, path, sources.values())
    try:
        # Encoded and with os.linesep line ends, as the text-mode file this used to write.
        atomic_write(path, text.replace("\n", os.linesep).encode("utf-8"), mode=mode, keep_owner=True)
    except OSError as exc:
        if exc.errno in _NO_RIGHT:
            raise _cannot_write(scope, path) from None
        raise DSNError(f"Cannot write the {scope} DSN file {path}: {exc.strerror or exc}.") from None


def _store_secrets(
    name: str, scope: Scope, props: dict[str, str], use_keyring: bool | None
) -> dict[str, str]:
    """``props`` with secret values moved to the keyring where wanted and possible."""
    if use_keyring is False or scope == "system":
        if use_keyring and scope == "system":
            raise DSNError(
                "System DSNs keep their secrets in the file (a keyring belongs to one user, and system DSNs "
                "serve services running as other users): leave out --keyring."
            )
        return props
    kr = _keyring()
    if kr is None:
        if use_keyring:
            raise DSNError(
                "No usable keyring is available here (install the `keyring` extra and a backend, or leave "
                "out --keyring: the DSN file is created with mode 0600)."
            )
        return props
    out = dict(props)
    for prop, value in props.items():
        if value not in ("", KEYRING_MARKER) and _is_secret(prop):
            _keyring_set(kr, name, prop, value)
            out[prop] = KEYRING_MARKER
    return out


def save_dsn(
    name: str,
    props: Mapping[str, Any],
    *,
    system: bool = False,
    replace: bool = True,
    use_keyring: bool | None = None,
) -> DataSource:
    """Create (or, with ``replace``, overwrite) DSN ``name`` holding exactly ``props``.

    ``use_keyring``: None stores secrets in the keyring when one is usable, True insists, False never.
    """
    _check_name(name)
    scope = _scope_of(system)
    clean = _validated(props)
    with _locked(scope) as path:
        sources = _read_file(scope, missing_ok=False)
        key = name.lower()
        old = sources.get(key)
        if old is not None and not replace:
            raise DSNError(
                f"A {scope} DSN named {old.name!r} already exists: change it with "
                f"`pipedrive-sql dsn edit {old.name}{' --system' if system else ''}`."
            )
        stored = _store_secrets(name, scope, clean, use_keyring)
        sources[key] = DataSource(name, scope, path, stored)
        _write(scope, path, sources)
        if old is not None:
            _forget_keyring_entries(old, keep=sources[key])
    return sources[key]


def update_dsn(
    name: str,
    changes: Mapping[str, Any],
    *,
    unset: Iterable[str] = (),
    system: bool = False,
    use_keyring: bool | None = None,
) -> DataSource:
    """Change some properties of an existing DSN; an empty value or a name in ``unset`` removes one."""
    scope = _scope_of(system)
    removed = {find_property(n).name for n in unset}
    clean = _validated(changes)
    with _locked(scope) as path:
        sources = _read_file(scope, missing_ok=False)
        key = name.lower()
        old = sources.get(key)
        if old is None:
            raise _not_found(name, (scope,), [d.name for d in sources.values()])
        props = {k: v for k, v in old.properties.items() if k not in removed}
        for prop, value in clean.items():
            if value == "":
                props.pop(prop, None)
            else:
                props[prop] = value
        # Only the changed values move; secrets already in the keyring stay there.
        changed = {k: v for k, v in props.items() if k in clean}
        props.update(_store_secrets(old.name, scope, changed, use_keyring))
        sources[key] = DataSource(old.name, scope, path, props)
        _write(scope, path, sources)
        _forget_keyring_entries(old, keep=sources[key])
    return sources[key]


def remove_dsn(name: str, *, system: bool = False) -> DataSource:
    """Delete DSN ``name`` from the user file (or the system file) and its keyring entries."""
    scope = _scope_of(system)
    with _locked(scope) as path:
        sources = _read_file(scope, missing_ok=False)
        old = sources.pop(name.lower(), None)
        if old is None:
            raise _not_found(name, (scope,), [d.name for d in sources.values()])
        _write(scope, path, sources)
    _forget_keyring_entries(old, keep=None)
    return old


def _forget_keyring_entries(old: DataSource, keep: DataSource | None) -> None:
    still = set(keep.in_keyring) if keep is not None else set()
    for prop in old.in_keyring:
        if prop not in still:
            _keyring_delete(old.name, prop)
