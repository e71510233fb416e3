"""Every connection property in one table, and the parsing of connection strings.

A connection's settings come from layers, later layers overriding earlier ones: a DSN, then the connection
string, then keyword arguments. Property names are case-insensitive; values in a connection string may be
quoted with ``'...'``, ``"..."`` or ``{...}`` (to hold ``;``). ``docs/connection-properties.md`` is generated
from ``PROPERTIES`` (``python -m pipedrive_sql.settings``), and a test keeps the two equal.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass
from typing import Any

from pipedrive_sql.errors import ConfigurationError, did_you_mean

__all__ = [
    "AUTO_CONCURRENCY_CAP",
    "PROPERTIES",
    "Property",
    "Settings",
    "build_settings",
    "max_concurrency",
    "parse_connection_string",
    "properties_markdown",
]

_TRUE = {"true", "yes", "on", "1"}
_FALSE = {"false", "no", "off", "0"}


@dataclass(frozen=True)
class Property:
    name: str
    kind: str  # "str", "int", "bool", "enum", "float"
    default: Any
    meaning: str
    category: str
    secret: bool = False
    choices: tuple[str, ...] = ()
    minimum: int | None = None
    maximum: int | None = None

    def convert(self, raw: Any) -> Any:
        """The typed value of ``raw`` (a string from a connection string, or a Python value)."""
        if raw is None:
            return None
        if self.kind == "str":
            return check_text_value(self.name, str(raw))
        if self.kind == "bool":
            return _to_bool(self.name, raw)
        if self.kind in ("int", "float"):
            return self._number(raw)
        if self.kind == "enum":
            text = str(raw).strip()
            for choice in self.choices:
                if choice.lower() == text.lower():
                    return choice
            raise ConfigurationError(
                f"{self.name}={text!r} is not valid: use one of {', '.join(self.choices)}.",
                property=self.name,
            )
        raise AssertionError(self.kind)

    def _number(self, raw: Any) -> int | float:
        if isinstance(raw, bool):
            raise ConfigurationError(f"{self.name} takes a number, not {raw!r}.", property=self.name)
        try:
            value: int | float = int(str(raw).strip()) if self.kind == "int" else float(str(raw).strip())
        except ValueError:
            raise ConfigurationError(
                f"{self.name}={raw!r} is not a {'whole ' if self.kind == 'int' else ''}number.",
                property=self.name,
            ) from None
        if self.kind == "float" and not math.isfinite(value):
            raise ConfigurationError(f"{self.name}={raw!r} is not a finite number.", property=self.name)
        if self.minimum is not None and value < self.minimum:
            raise ConfigurationError(
                f"{self.name}={value} is below its minimum {self.minimum}.", property=self.name
            )
        if self.maximum is not None and value > self.maximum:
            raise ConfigurationError(
                f"{self.name}={value} is above its maximum {self.maximum}.", property=self.name
            )
        if self.kind == "int" and not -(2**63) <= value < 2**63:
            raise ConfigurationError(
                f"{self.name}={value} is out of range: give a whole number below {2**63}.", property=self.name
            )
        if self.kind == "float" and not math.isfinite(value):
            raise ConfigurationError(f"{self.name}={raw!r} is not a finite number.", property=self.name)
        return value


def _to_bool(name: str, raw: Any) -> bool:
    if isinstance(raw, bool):
        return raw
    text = str(raw).strip().lower()
    if text in _TRUE:
        return True
    if text in _FALSE:
        return False
    raise ConfigurationError(f"{name}={raw!r} is not true or false.", property=name)


def _p(name: str, kind: str, default: Any, meaning: str, category: str, **kw: Any) -> Property:
    return Property(name, kind, default, meaning, category, **kw)


PROPERTIES: tuple[Property, ...] = (
    # Authentication
    _p(
        "AuthScheme",
        "enum",
        "Basic",
        "How to sign in: Basic (API token) or OAuth.",
        "Authentication",
        choices=("Basic", "OAuth"),
    ),
    _p(
        "APIToken",
        "str",
        None,
        "Your personal API token (Pipedrive: Settings > Personal preferences > API).",
        "Authentication",
        secret=True,
    ),
    _p(
        "CompanyDomain",
        "str",
        None,
        "Your company's Pipedrive subdomain: acme for acme.pipedrive.com.",
        "Authentication",
    ),
    # OAuth
    _p(
        "InitiateOAuth",
        "enum",
        "GETANDREFRESH",
        "OFF: use OAuthAccessToken as given. GETANDREFRESH: sign in with a browser when no tokens are stored, "
        "then refresh. REFRESH: never open a browser; use stored tokens (or OAuthVerifier) and refresh them.",
        "OAuth",
        choices=("OFF", "GETANDREFRESH", "REFRESH"),
    ),
    _p("OAuthClientId", "str", None, "The client ID of your app in Pipedrive's Developer Hub.", "OAuth"),
    _p("OAuthClientSecret", "str", None, "The client secret of your app.", "OAuth", secret=True),
    _p(
        "CallbackURL",
        "str",
        "http://localhost:33333",
        "The redirect URL registered for your app; the desktop flow listens on its loopback host and port.",
        "OAuth",
    ),
    _p(
        "Scope",
        "str",
        None,
        "OAuth scopes to ask for (space-separated); empty means the app's scopes.",
        "OAuth",
    ),
    _p("OAuthAccessToken", "str", None, "An OAuth access token to use as given.", "OAuth", secret=True),
    _p("OAuthRefreshToken", "str", None, "An OAuth refresh token to start from.", "OAuth", secret=True),
    _p(
        "OAuthVerifier",
        "str",
        None,
        "The code from the redirect of an authorization made on another machine (headless sign-in).",
        "OAuth",
        secret=True,
    ),
    _p(
        "OAuthSettingsLocation",
        "str",
        None,
        "Where OAuth tokens are kept, encrypted: a file path, or memory://NAME for this process only. "
        "Default: a file per data source or client id in the user's config directory.",
        "OAuth",
    ),
    _p(
        "OAuthExpiresIn",
        "int",
        None,
        "Lifetime in seconds of the given OAuthAccessToken.",
        "OAuth",
        minimum=0,
    ),
    _p(
        "OAuthTokenTimestamp",
        "int",
        None,
        "When the given OAuthAccessToken was issued (Unix epoch, milliseconds).",
        "OAuth",
        minimum=0,
    ),
    _p("OAuthServerURL", "str", "https://oauth.pipedrive.com", "The OAuth server.", "OAuth"),
    # Connection
    _p(
        "BaseURL",
        "str",
        None,
        "The API's base URL, overriding https://{CompanyDomain}.pipedrive.com (for proxies and the sandbox).",
        "Connection",
    ),
    _p(
        "Sandbox",
        "bool",
        False,
        "Start the embedded Pipedrive sandbox in this process and connect to it: no account needed.",
        "Connection",
    ),
    _p(
        "SandboxScale",
        "int",
        500,
        "Number of deals the embedded sandbox generates (others scale with it).",
        "Connection",
        minimum=1,
        maximum=1_000_000,
    ),
    _p("SandboxSeed", "int", 1, "Seed of the embedded sandbox's generated data.", "Connection"),
    _p(
        "SandboxLatency",
        "int",
        0,
        "Milliseconds the embedded sandbox adds to every request (to try a slow network).",
        "Connection",
        minimum=0,
        maximum=60_000,
    ),
    _p(
        "SandboxPlan",
        "enum",
        "growth",
        "The Pipedrive plan whose rate limits the embedded sandbox applies.",
        "Connection",
        choices=("lite", "growth", "premium", "ultimate"),
    ),
    _p(
        "Timeout",
        "int",
        60,
        "Seconds a request may take, retries included; 0 waits forever.",
        "Connection",
        minimum=0,
    ),
    _p("ProxyServer", "str", None, "Host name or address of an HTTP proxy.", "Connection"),
    _p("ProxyPort", "int", 80, "Port of the HTTP proxy.", "Connection", minimum=1, maximum=65535),
    _p("ProxyUser", "str", None, "User name for the HTTP proxy.", "Connection"),
    _p("ProxyPassword", "str", None, "Password for the HTTP proxy.", "Connection", secret=True),
    _p(
        "SSLServerCert",
        "str",
        None,
        "A CA bundle (PEM file) to trust, or * to accept any certificate (insecure; warns).",
        "Connection",
    ),
    # Performance
    _p(
        "Pagesize",
        "int",
        500,
        "Records asked for per API request (Pipedrive's maximum is 500).",
        "Performance",
        minimum=1,
        maximum=500,
    ),
    _p(
        "MaxRows",
        "int",
        -1,
        "Stop a query after this many rows; -1 means no limit.",
        "Performance",
        minimum=-1,
    ),
    _p(
        "MaxConcurrency",
        "int",
        0,
        "API requests a scan may run at once. 0 (the default) chooses as the burst limit and the latency "
        "the API reports need, up to 32 (more on larger plans: 120 requests per 2 s with an API token, "
        "480 with OAuth); a number caps it (1 reads with one cursor).",
        "Performance",
        minimum=0,
        maximum=64,
    ),
    _p(
        "RateLimitShare",
        "float",
        1.0,
        "The share (0-1] of the company's burst limit this connection may use: set it when several "
        "programs or Spark partitions read with one token at once, so that together they stay under it.",
        "Performance",
        minimum=0,
        maximum=1,
    ),
    # Schema and behaviour
    _p("IncludeCustomFields", "bool", True, "Show custom fields as columns.", "Schema"),
    _p("AllowUnboundedWrites", "bool", False, "Allow UPDATE and DELETE without a WHERE clause.", "Schema"),
    # Caching (docs/cache.md)
    _p(
        "AutoCache",
        "bool",
        False,
        "Keep every table a query reads in the local cache and answer later queries from it (refreshed "
        "incrementally once older than CacheTolerance).",
        "Caching",
    ),
    _p(
        "CacheLocation",
        "str",
        None,
        "Where the cache lives: a folder (one DuckDB file per company in it) or a .duckdb file. Default: "
        "the user's cache folder.",
        "Caching",
    ),
    _p(
        "CacheTolerance",
        "int",
        600,
        "Seconds a cached table stays fresh; an older one is refreshed incrementally before a query uses it.",
        "Caching",
        minimum=0,
    ),
    _p(
        "Offline",
        "bool",
        False,
        "Answer only from the cache: no API request at all; a query of a table never cached fails.",
        "Caching",
    ),
    _p(
        "CacheMetadata",
        "bool",
        False,
        "Keep field definitions (custom fields) in the cache and open the catalog from there: no request "
        "for metadata once they are cached.",
        "Caching",
    ),
    # Logging
    _p(
        "Verbosity",
        "int",
        1,
        "1 errors, 2 requests, 3 request and response headers, 4 timings and paging, 5 full bodies. "
        "Secrets are always redacted.",
        "Logging",
        minimum=1,
        maximum=5,
    ),
    _p("Logfile", "str", None, "Write the log to this file (standard logging otherwise).", "Logging"),
)

_BY_LOWER: dict[str, Property] = {p.name.lower(): p for p in PROPERTIES}
# Names that pick a data source rather than set a property (ODBC's "DSN=" in a connection string).
DSN_KEYS = ("dsn",)


AUTO_CONCURRENCY_CAP = 32  # MaxConcurrency=0: at most this many requests at once


def max_concurrency(settings: Mapping[str, Any]) -> int:
    """The most requests a scan may run at once: MaxConcurrency, or AUTO_CONCURRENCY_CAP for 0."""
    value = int(settings["MaxConcurrency"])
    return AUTO_CONCURRENCY_CAP if value <= 0 else value


def find_property(name: str) -> Property:
    """The property called ``name`` (case-insensitive), or a ConfigurationError naming close matches."""
    prop = _BY_LOWER.get(name.strip().lower())
    if prop is None:
        hint = did_you_mean(name.strip(), [p.name for p in PROPERTIES])
        raise ConfigurationError(
            f"Unknown connection property {name.strip()!r}.{hint} "
            "See docs/connection-properties.md for the list.",
            property=name.strip(),
        )
    return prop


def parse_connection_string(text: str) -> dict[str, str]:
    """``Key=Value;Key2='a;b'`` -> ``{"Key": "Value", "Key2": "a;b"}`` (names as written; values unquoted)."""
    out: dict[str, str] = {}
    i, n = 0, len(text)
    while i < n:
        while i < n and text[i] in " \t\r\n;":
            i += 1
        if i >= n:
            break
        eq = text.find("=", i)
        semi = text.find(";", i)
        if eq < 0 or (0 <= semi < eq):
            fragment = text[i : semi if semi >= 0 else n].strip()
            raise ConfigurationError(
                f"Connection string part {fragment!r} has no '=': write Key=Value pairs separated by ';'."
            )
        key = text[i:eq].strip()
        if not key:
            raise ConfigurationError("Connection string has a value without a property name before '='.")
        i = eq + 1
        while i < n and text[i] in " \t":
            i += 1
        value, i = _read_value(text, i, key)
        out[key] = value
    return out


def _read_value(text: str, i: int, key: str) -> tuple[str, int]:
    closing = {"'": "'", '"': '"', "{": "}"}
    if i < len(text) and text[i] in closing:
        close = closing[text[i]]
        buf: list[str] = []
        j = i + 1
        while j < len(text):
            if text[j] == close:
                # A doubled closing quote stands for itself ('it''s', {a}}b}), as ODBC allows.
                if j + 1 < len(text) and text[j + 1] == close:
                    buf.append(close)
                    j += 2
                    continue
                break
            buf.append(text[j])
            j += 1
        else:
            raise ConfigurationError(
                f"The value of {key} opens with {text[i]} but never closes it.", property=key
            )
        j += 1
        while j < len(text) and text[j] in " \t":
            j += 1
        if j < len(text) and text[j] != ";":
            raise ConfigurationError(f"Unexpected text after the quoted value of {key}.", property=key)
        return "".join(buf), j
    semi = text.find(";", i)
    end = semi if semi >= 0 else len(text)
    return text[i:end].strip(), end


class Settings(Mapping[str, Any]):
    """Typed, validated connection properties. Lookup is case-insensitive; unset properties give defaults."""

    def __init__(self, values: Mapping[str, Any], explicit: frozenset[str]) -> None:
        self._values = dict(values)
        self.explicit = explicit  # canonical names the user set

    def __getitem__(self, name: str) -> Any:
        return self._values[find_property(name).name]

    def __iter__(self) -> Iterator[str]:
        return iter(self._values)

    def __len__(self) -> int:
        return len(self._values)

    def is_set(self, name: str) -> bool:
        return find_property(name).name in self.explicit

    def replace(self, **changes: Any) -> Settings:
        return build_settings(self.explicit_values(), changes)

    def explicit_values(self) -> dict[str, Any]:
        return {name: self._values[name] for name in self.explicit}

    def masked(self) -> dict[str, Any]:
        """Every property with secrets replaced by '********' (when set)."""
        return {p.name: mask(p, self._values[p.name]) for p in PROPERTIES}

    def __repr__(self) -> str:
        shown = {n: v for n, v in self.masked().items() if n in self.explicit}
        return f"Settings({shown!r})"


def mask(prop: Property, value: Any) -> Any:
    return "********" if prop.secret and value not in (None, "") else value


def build_settings(*layers: Mapping[str, Any] | None) -> Settings:
    """Merge layers (earlier first; later override), convert and validate every value."""
    values = {p.name: p.default for p in PROPERTIES}
    explicit: set[str] = set()
    for layer in layers:
        for raw_name, raw_value in (layer or {}).items():
            prop = find_property(raw_name)
            if raw_value is None or (isinstance(raw_value, str) and raw_value == "" and prop.kind != "str"):
                continue
            values[prop.name] = prop.convert(raw_value)
            explicit.add(prop.name)
    return Settings(values, frozenset(explicit))


# ---- values that reach the network or the file system: checked here, so that a bad one is reported by the
# property's name and what it accepts rather than as the ValueError / OSError / httpx error it would cause


_CONTROL = {chr(c) for c in range(32) if chr(c) not in "\t\r\n"} | {chr(127)}
_URL_PROPERTIES = {"baseurl": "BaseURL", "oauthserverurl": "OAuthServerURL"}
_PATH_PROPERTIES = {"logfile", "oauthsettingslocation", "sslservercert"}
_HEADER_TOKENS = {"apitoken", "oauthaccesstoken", "oauthrefreshtoken"}  # sent in HTTP headers or forms
_MAX_PATH = 4096  # PATH_MAX on Linux; a component may have NAME_MAX (255) bytes
_MAX_NAME = 255


def check_text_value(name: str, value: str) -> str:
    """``value`` for the text property ``name``, or a ConfigurationError saying what it accepts."""
    bad = next((c for c in value if c in _CONTROL), None)
    if bad is not None:
        raise ConfigurationError(
            f"{name} holds a control character ({bad!r} at position {value.index(bad)}): remove it.",
            property=name,
        )
    if any("\ud800" <= c <= "\udfff" for c in value):
        raise ConfigurationError(
            f"{name} holds bytes that are not valid UTF-8 text: retype the value.", property=name
        )
    key = name.lower()
    if key in _HEADER_TOKENS and value.strip() and not value.strip().isascii():
        raise ConfigurationError(
            f"{name} holds characters a token cannot have (only ASCII letters, digits and punctuation): "
            "copy the token again.",
            property=name,
        )
    if key in _URL_PROPERTIES and value.strip():
        _check_url(name, value.strip())
    elif key == "proxyserver" and value.strip():
        _check_proxy(value.strip())
    elif key in _PATH_PROPERTIES and value.strip():
        _check_path(name, value.strip())
    return value


def _check_url(name: str, value: str) -> None:
    import urllib.parse

    accepted = f"{name} takes an http:// or https:// URL such as https://acme.pipedrive.com"
    try:
        parts = urllib.parse.urlsplit(value)
        port = parts.port
    except ValueError as exc:
        raise ConfigurationError(
            f"{name}={value!r} is not a URL ({exc}): {accepted}.", property=name
        ) from None
    if parts.scheme.lower() not in ("http", "https") or not _valid_host(parts.hostname):
        raise ConfigurationError(f"{name}={value!r} is not usable: {accepted}.", property=name)
    if any(c.isspace() for c in value) or (port is not None and not 0 < port < 65536):
        raise ConfigurationError(f"{name}={value!r} is not usable: {accepted}.", property=name)
    if parts.query or parts.fragment:
        raise ConfigurationError(
            f"{name}={value!r} has a query or fragment: {accepted} (with no ?... or #...).", property=name
        )
    _check_with_httpx(name, value, accepted)


def _check_proxy(value: str) -> None:
    import urllib.parse

    accepted = (
        "ProxyServer takes a host name or address (proxy.local, 10.0.0.1, [::1]) or an http:// or https:// "
        "URL, with the port in ProxyPort or the URL"
    )
    url = value if "://" in value else f"http://{value}"
    try:
        parts = urllib.parse.urlsplit(url)
        port = parts.port
    except ValueError as exc:
        raise ConfigurationError(
            f"ProxyServer={value!r} is not usable ({exc}): {accepted}.", property="ProxyServer"
        ) from None
    if (
        parts.scheme.lower() not in ("http", "https")
        or not _valid_host(parts.hostname)
        or any(c.isspace() for c in value)
        or (port is not None and not 0 < port < 65536)
        or parts.path not in ("", "/")
        or parts.query
        or parts.fragment
    ):
        raise ConfigurationError(f"ProxyServer={value!r} is not usable: {accepted}.", property="ProxyServer")
    _check_with_httpx("ProxyServer", url, accepted, shown=value)


def _check_with_httpx(name: str, url: str, accepted: str, *, shown: str | None = None) -> None:
    """The URL as the HTTP client will read it: its host-name rules (IDNA 2008) are stricter than Python's
    own codec, and a value it refuses must fail here, with the property's name, not at the first request."""
    import httpx

    try:
        httpx.URL(url)
    except (httpx.InvalidURL, ValueError) as exc:
        raise ConfigurationError(
            f"{name}={shown if shown is not None else url!r} is not usable ({exc}): {accepted}.",
            property=name,
        ) from None


def _valid_host(host: str | None) -> bool:
    """A host name or address that can go into a URL (internationalized names as IDNA)."""
    if not host:
        return False
    try:
        host.encode("idna")
    except UnicodeError:
        return host.isascii() and all(c.isalnum() or c in ".-_:[]%" for c in host)
    return True


def _check_path(name: str, value: str) -> None:
    if name.lower() == "sslservercert" and (value == "*" or value.startswith("-----BEGIN")):
        return
    if name.lower() == "oauthsettingslocation" and value.lower().startswith("memory://"):
        return
    encoded = value.encode("utf-8", "surrogateescape")
    if len(encoded) > _MAX_PATH or any(len(part) > _MAX_NAME for part in encoded.split(b"/")):
        raise ConfigurationError(
            f"{name} is too long to be a file path ({len(encoded)} bytes; at most {_MAX_PATH}, and "
            f"{_MAX_NAME} per folder or file name): give a shorter path.",
            property=name,
        )


def properties_markdown() -> str:
    """The reference table of every connection property, for docs/connection-properties.md."""
    lines = [
        "# Connection properties",
        "",
        "Generated from `src/pipedrive_sql/settings.py` by `python -m pipedrive_sql.settings`; do not edit.",
        "Names are case-insensitive. Secrets are masked wherever settings are shown.",
        "",
    ]
    category = None
    for p in PROPERTIES:
        if p.category != category:
            category = p.category
            lines += [
                "",
                f"## {category}",
                "",
                "| Property | Type | Default | Meaning |",
                "| --- | --- | --- | --- |",
            ]
        kind = " \\| ".join(p.choices) if p.choices else p.kind
        default = "" if p.default is None else f"`{p.default}`"
        secret = " (secret)" if p.secret else ""
        lines.append(f"| `{p.name}` | {kind}{secret} | {default} | {p.meaning} |")
    return "\n".join(lines) + "\n"


def _main(write: Callable[[str], Any] = print) -> None:
    write(properties_markdown().rstrip("\n"))


if __name__ == "__main__":
    _main()
