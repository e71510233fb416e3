"""odbc.ini entries for psqlODBC pointing at the server, so `isql NAME` and `DSN=NAME` work.

unixODBC reads user DSNs from ~/.odbc.ini (or $ODBCINI) and system DSNs from /etc/odbc.ini (or
$ODBCSYSINI/odbc.ini); iODBC on macOS reads ~/Library/ODBC/odbc.ini. On Windows DSNs live in the
registry and are made with the ODBC Data Source Administrator (see docs/bi-tools.md).
"""

from __future__ import annotations

import configparser
import os
import tempfile
from pathlib import Path

# psqlODBC options that suit BI tools talking to this server:
#   BoolsAsChar=0      booleans as SQL_BIT, not 'true'/'false' strings
#   TextAsLongVarchar=0, MaxVarcharSize  strings as SQL_VARCHAR of a size tools can allocate
#   UseServerSidePrepare=1  parameters travel as protocol parameters, not spliced into the SQL
DEFAULT_OPTIONS = {
    "BoolsAsChar": "0",
    "TextAsLongVarchar": "0",
    "MaxVarcharSize": "4000",
    "UseServerSidePrepare": "1",
    "ReadOnly": "0",
}


def default_odbc_ini(*, system: bool = False) -> Path:
    if system:
        directory = os.environ.get("ODBCSYSINI")
        return Path(directory) / "odbc.ini" if directory else Path("/etc/odbc.ini")
    env = os.environ.get("ODBCINI")
    return Path(env) if env else Path.home() / ".odbc.ini"


def _mode_for(path: Path, parser: configparser.ConfigParser) -> int:
    """0600 when any entry holds a password or the file was private; else the usual world-readable 0644."""
    holds_password = any(parser.has_option(section, "Password") for section in parser.sections())
    was_private = path.exists() and path.stat().st_mode & 0o077 == 0
    return 0o600 if holds_password or was_private else 0o644


def write_dsn(
    path: Path,
    name: str,
    *,
    database: str,
    host: str,
    port: int,
    user: str | None,
    password: str | None,
    sslmode: str,
    driver: str,
    description: str,
) -> Path:
    parser = configparser.ConfigParser(interpolation=None)
    parser.optionxform = str  # type: ignore[assignment,method-assign]  # keys are case-sensitive for psqlODBC
    if path.exists():
        parser.read(path, encoding="utf-8")
    if parser.has_section(name):
        parser.remove_section(name)
    parser.add_section(name)
    entry = {
        "Description": description,
        "Driver": driver,
        "Servername": host,
        "Port": str(port),
        "Database": database,
        "SSLmode": sslmode,
        **DEFAULT_OPTIONS,
    }
    if user:
        entry["Username"] = user
    if password:
        entry["Password"] = password
    for key, value in entry.items():
        parser.set(name, key, value)
    if not parser.has_section("ODBC Data Sources"):
        parser.add_section("ODBC Data Sources")
    parser.set("ODBC Data Sources", name, driver)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=".odbc-", dir=path.parent)
    try:
        os.fchmod(fd, _mode_for(path, parser))
        with os.fdopen(fd, "w", encoding="utf-8") as f:
            parser.write(f, space_around_delimiters=True)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    return path
