"""Logging for the driver: the ``pipedrive_sql`` logger, Verbosity levels, a Logfile, and redaction.

Verbosity follows the commercial drivers: 1 errors, 2 one line per request, 3 request and response headers,
4 timings, waits and paging, 5 full bodies. Records go through the standard ``logging`` module under the
logger ``pipedrive_sql``; ``Logfile`` attaches a file handler to it.

Secrets never reach a handler: a filter on the logger (so it runs before any handler, including the root
logger's handlers that records propagate to) rewrites every record. It removes the literal secrets it was
told about (API token, client secret, OAuth tokens and verifier, proxy password) and, by pattern, anything
that looks like one: ``Authorization`` and ``x-api-token`` headers, ``api_token=`` and ``code=`` query or
form values, and token-bearing JSON keys. Patterns matter because an OAuth refresh mints tokens this module
never sees.
"""

from __future__ import annotations

import logging
import os
import re
import threading
from collections.abc import Iterable
from pathlib import Path
from typing import Any

from pipedrive_sql.errors import ConfigurationError

__all__ = [
    "LOGGER_NAME",
    "REDACTED",
    "ClientLog",
    "RedactingFilter",
    "attach_logfile",
    "detach_logfile",
    "install_redaction",
    "logger",
    "redact",
    "verbosity_level",
]

LOGGER_NAME = "pipedrive_sql"
REDACTED = "[REDACTED]"
logger = logging.getLogger(LOGGER_NAME)

# What each Verbosity shows, as the standard level its records are logged at.
_LEVELS = {1: logging.ERROR, 2: logging.INFO, 3: logging.DEBUG, 4: logging.DEBUG, 5: logging.DEBUG}
_MIN_SECRET_LENGTH = 6  # shorter "secrets" (test tokens like "x") would shred ordinary text

_SECRET_KEYS = (
    r"api_token|access_token|refresh_token|client_secret|id_token|password|proxy_password|"
    r"code|oauth_verifier|verifier|token|apitoken|oauthaccesstoken|oauthrefreshtoken|oauthclientsecret"
)
_PATTERNS: tuple[tuple[re.Pattern[str], str], ...] = (
    # Headers, however they are printed: "Authorization: Bearer x", "'authorization': 'Basic x'".
    (
        re.compile(r"""(?i)(["']?(?:authorization|proxy-authorization)["']?\s*[:=]\s*["']?)[^"'\r\n,}]+"""),
        r"\1" + REDACTED,
    ),
    (re.compile(r"""(?i)(["']?x-api-token["']?\s*[:=]\s*["']?)[^"'\s,}]+"""), r"\1" + REDACTED),
    # JSON bodies: "access_token": "x"
    (re.compile(rf"""(?i)("(?:{_SECRET_KEYS})"\s*:\s*")[^"]*(")"""), r"\1" + REDACTED + r"\2"),
    # Query strings and form bodies: api_token=x&code=y
    (re.compile(rf"""(?i)((?:^|[?&\s;"']|\b)(?:{_SECRET_KEYS})=)[^&\s;"'#]+"""), r"\1" + REDACTED),
    # Bare bearer tokens anywhere ("Bearer abc" inside a repr or an error text).
    (re.compile(r"(?i)(\bbearer\s+)[A-Za-z0-9._~+/=:-]+"), r"\1" + REDACTED),
)


class RedactingFilter(logging.Filter):
    """Rewrites each record's message (and traceback text) with every secret removed. Never drops a record."""

    def __init__(self) -> None:
        super().__init__()
        self._lock = threading.Lock()
        self._secrets: frozenset[str] = frozenset()

    def add_secrets(self, values: Iterable[str | None]) -> None:
        fresh = {v for v in values if isinstance(v, str) and len(v) >= _MIN_SECRET_LENGTH}
        with self._lock:
            self._secrets = self._secrets | fresh

    def redact(self, text: str) -> str:
        # Longest first, so a secret that contains another is removed whole.
        for secret in sorted(self._secrets, key=len, reverse=True):
            if secret in text:
                text = text.replace(secret, REDACTED)
        for pattern, replacement in _PATTERNS:
            text = pattern.sub(replacement, text)
        return text

    def filter(self, record: logging.LogRecord) -> bool:
        if getattr(record, "_pipedrive_redacted", False):
            return True  # the logger's filter already did it; handlers need not redo the work
        record.msg = self.redact(record.getMessage())
        record.args = None
        if record.exc_info and not record.exc_text:
            record.exc_text = logging.Formatter().formatException(record.exc_info)
        if record.exc_text:
            record.exc_text = self.redact(record.exc_text)
        if record.stack_info:
            record.stack_info = self.redact(record.stack_info)
        record._pipedrive_redacted = True
        return True


_FILTER = RedactingFilter()
_install_lock = threading.Lock()
_logfiles: dict[str, logging.Handler] = {}
_logfile_users: dict[str, int] = {}


def install_redaction(secrets: Iterable[str | None] = ()) -> RedactingFilter:
    """Make sure the ``pipedrive_sql`` logger redacts, and teach it more secret values."""
    with _install_lock:
        # A logger's filters see only records made on that logger, not its children's: give every
        # pipedrive_sql.* logger that exists by now (modules create theirs on import) the filter too.
        for name, candidate in list(logging.Logger.manager.loggerDict.items()):
            ours = name == LOGGER_NAME or name.startswith(LOGGER_NAME + ".")
            if ours and isinstance(candidate, logging.Logger) and _FILTER not in candidate.filters:
                candidate.addFilter(_FILTER)
        if _FILTER not in logger.filters:
            logger.addFilter(_FILTER)
    _FILTER.add_secrets(secrets)
    return _FILTER


def redact(text: str) -> str:
    """``text`` as the log would show it."""
    return _FILTER.redact(text)


def verbosity_level(verbosity: int) -> int:
    """The standard logging level that Verbosity ``verbosity`` needs records at."""
    return _LEVELS.get(max(1, min(5, int(verbosity))), logging.DEBUG)


class _ToTheApplication(logging.Handler):
    """Passes records on to the application's handlers (the parent loggers') at the level *it* chose.

    While a Logfile is open the ``pipedrive_sql`` logger is lowered to the Logfile's Verbosity and stops
    propagating; this handler does the propagating instead, for the records the application would have
    seen anyway. So a Verbosity 5 Logfile gets every body while the application's console stays as quiet
    as it configured it.
    """

    def __init__(self, app_level: int, app_propagate: bool) -> None:
        super().__init__(logging.NOTSET)
        self.app_level = app_level
        self.app_propagate = app_propagate

    def threshold(self) -> int:
        if self.app_level != logging.NOTSET:
            return self.app_level
        return logger.parent.getEffectiveLevel() if logger.parent is not None else logging.WARNING

    def emit(self, record: logging.LogRecord) -> None:
        if self.app_propagate and logger.parent is not None and record.levelno >= self.threshold():
            logger.parent.handle(record)


_forwarder: _ToTheApplication | None = None


def _lower_logger_to(level: int) -> None:
    """Let ``level`` records through to the Logfiles without sending them to the application's handlers."""
    global _forwarder
    if _forwarder is None:
        _forwarder = _ToTheApplication(logger.level, logger.propagate)
        logger.addHandler(_forwarder)
        logger.propagate = False
    if logger.level == logging.NOTSET or logger.level > level:
        logger.setLevel(level)


def _restore_logger() -> None:
    global _forwarder
    if _forwarder is not None:
        logger.removeHandler(_forwarder)
        logger.setLevel(_forwarder.app_level)
        logger.propagate = _forwarder.app_propagate
        _forwarder = None


def attach_logfile(path: str | Path, verbosity: int) -> logging.Handler:
    """A file handler for ``path`` on the ``pipedrive_sql`` logger (one per file, shared by connections).

    Every record of the driver at the Logfile's Verbosity reaches the file, whichever module logged it;
    the application's own handlers still get only what the application asked for (``_ToTheApplication``).
    """
    level = verbosity_level(verbosity)
    try:
        key = str(Path(path).expanduser().resolve())
    except (OSError, RuntimeError, ValueError) as exc:
        raise _logfile_error(path, exc) from None
    with _install_lock:
        handler = _logfiles.get(key)
        if handler is None:
            try:
                Path(key).parent.mkdir(mode=0o700, parents=True, exist_ok=True)
                handler = _PrivateFileHandler(key, encoding="utf-8")
            except (OSError, ValueError) as exc:
                raise _logfile_error(path, exc) from None
            handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s [%(threadName)s] %(message)s"))
            handler.addFilter(_FILTER)
            handler.setLevel(level)
            logger.addHandler(handler)
            _logfiles[key] = handler
        elif level < handler.level:
            handler.setLevel(level)
        _logfile_users[key] = _logfile_users.get(key, 0) + 1
        _lower_logger_to(level)
    return handler


class _PrivateFileHandler(logging.FileHandler):
    """A FileHandler whose file is readable by its owner only (0600, like the token file): at higher
    Verbosity it holds request and response bodies, that is CRM data."""

    def _open(self) -> Any:
        fd = os.open(self.baseFilename, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o600)
        try:
            info = os.fstat(fd)
            if info.st_uid == os.getuid() and info.st_mode & 0o077:
                os.fchmod(fd, 0o600)  # a file left readable by an older version or another program
            return os.fdopen(fd, "a", encoding=self.encoding, errors=self.errors)
        except BaseException:
            os.close(fd)
            raise


def _logfile_error(path: str | Path, exc: BaseException) -> ConfigurationError:
    reason = getattr(exc, "strerror", None) or str(exc)
    return ConfigurationError(
        f"Logfile {str(path)!r} cannot be written ({reason}): give the path of a file in a folder you can "
        "write to, or leave Logfile empty to log through Python's logging.",
        property="Logfile",
    )


def detach_logfile(handler: logging.Handler) -> None:
    """A connection that attached ``handler`` is done with it; the last one out closes the file, and when
    no Logfile is left the logger is as the application had it."""
    with _install_lock:
        for key, known in list(_logfiles.items()):
            if known is handler:
                _logfile_users[key] -= 1
                if _logfile_users[key] <= 0:
                    del _logfiles[key], _logfile_users[key]
                    logger.removeHandler(handler)
                    handler.close()
        if not _logfiles:
            _restore_logger()


class ClientLog:
    """Where one client's records go: the ``pipedrive_sql`` logger as the application configured it, and
    the client's Logfile at the client's Verbosity (straight to its handler when the logger would not pass
    the record on)."""

    def __init__(self, verbosity: int, logfile: logging.Handler | None) -> None:
        self.verbosity = verbosity
        self.logfile = logfile

    def wants(self, verbosity: int) -> bool:
        """Whether a record of this Verbosity would be written anywhere (so is worth formatting)."""
        if self.verbosity < verbosity:
            return False
        level = verbosity_level(verbosity)
        return logger.isEnabledFor(level) or (self.logfile is not None and level >= self.logfile.level)

    def emit(self, verbosity: int, message: str, *args: Any) -> None:
        if not self.wants(verbosity):
            return
        level = verbosity_level(verbosity)
        if logger.isEnabledFor(level):
            logger.log(level, message, *args, stacklevel=2)
        elif self.logfile is not None:
            record = logger.makeRecord(logger.name, level, "(pipedrive_sql.api)", 0, message, args, None)
            self.logfile.handle(record)  # the handler's own filter redacts


def log_fields(**fields: Any) -> str:
    """``k=v`` pairs for a log line, skipping empty ones."""
    return " ".join(f"{k}={v}" for k, v in fields.items() if v not in (None, "", {}, []))
