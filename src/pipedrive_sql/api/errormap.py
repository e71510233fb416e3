"""Turn a failed answer or a network failure into the project's error, with a message that says what to do."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
import orjson

from pipedrive_sql import errors

__all__ = ["describe_record", "error_for_response", "error_for_transport", "pipedrive_message"]

_BLOCK_PAGE = re.compile(r"(?i)cloudflare|you have been blocked|access denied|attention required")
_DAILY = re.compile(r"(?i)daily|budget|per day|tokens? (?:limit|quota)")


def pipedrive_message(response: httpx.Response) -> str:
    """Pipedrive's own words from an error body (``error`` and ``error_info``), or the status text."""
    body = _json_body(response)
    if isinstance(body, dict):
        parts = [str(body[key]) for key in ("error", "error_info") if body.get(key)]
        if parts and parts[-1].startswith("Please check developers.pipedrive.com"):
            parts = parts[:-1] or parts
        if parts:
            return ": ".join(parts)
    return response.reason_phrase or f"HTTP {response.status_code}"


def _json_body(response: httpx.Response) -> Any:
    try:
        return orjson.loads(response.content)
    except (orjson.JSONDecodeError, ValueError):
        return None


def is_block_page(response: httpx.Response) -> bool:
    """A 403 that is Cloudflare's HTML block page rather than Pipedrive's JSON permission error."""
    content_type = response.headers.get("content-type", "")
    if "json" in content_type:
        return False
    return "html" in content_type or bool(_BLOCK_PAGE.search(response.text[:4000]))


def is_daily_budget(response: httpx.Response) -> bool:
    """A 429 for the company's daily token budget (not the 2-second burst limit)."""
    if response.headers.get("x-daily-requests-left", "").strip() == "0":
        return True
    body = _json_body(response)
    text = " ".join(str(body.get(k, "")) for k in ("error", "error_info")) if isinstance(body, dict) else ""
    return bool(_DAILY.search(text))


def next_utc_midnight(now: datetime | None = None) -> datetime:
    now = now or datetime.now(UTC)
    return (now + timedelta(days=1)).replace(hour=0, minute=0, second=0, microsecond=0)


def error_for_response(
    response: httpx.Response, method: str, path: str, *, retry_after: float | None = None
) -> errors.Error:
    """The error for a final non-2xx answer to ``method path``."""
    status = response.status_code
    what = f"{method} {path}"
    said = pipedrive_message(response)
    if status == 401:
        return errors.AuthenticationError(
            f"Pipedrive refused the credentials ({said}) for {what}: check APIToken, or sign in again "
            "with OAuth (InitiateOAuth=GETANDREFRESH)."
        )
    if status == 403:
        if is_block_page(response):
            return errors.Blocked(
                f"Pipedrive's firewall blocked this client ({what}), which happens after requests continue "
                "past 429 answers. Wait several minutes before trying again, and lower MaxConcurrency."
            )
        return errors.AuthorizationError(
            f"Not allowed: {said} ({what}). The token lacks a scope or the user a permission: grant the "
            "app the scope (OAuth) or use a user who may see this data."
        )
    if status == 404:
        return errors.NotFoundError(f"Not found: {what} ({said}). Check the id or the table.")
    if status == 402:
        return errors.NotSupportedError(f"Your Pipedrive plan does not include this ({what}): {said}.")
    if status == 405:
        return errors.NotSupportedError(f"Pipedrive does not support {what}: {said}.")
    if status == 429:
        return _rate_limited(response, what, said, retry_after)
    if status >= 500:
        return errors.ServiceUnavailable(
            f"Pipedrive is unavailable ({status} {said}) for {what} after retries; try again later."
        )
    if method.upper() in ("POST", "PUT", "PATCH", "DELETE") and status in (400, 409, 410, 422):
        return errors.IntegrityError(f"Pipedrive refused {what}: {said}. Correct the values and try again.")
    return errors.ProgrammingError(f"Pipedrive rejected {what} ({status}): {said}.")


def _rate_limited(response: httpx.Response, what: str, said: str, retry_after: float | None) -> errors.Error:
    if is_daily_budget(response):
        reset = next_utc_midnight()
        seconds = max(0.0, (reset - datetime.now(UTC)).total_seconds())
        return errors.RateLimited(
            f"The company's daily API token budget is used up ({said}; {what}). It resets at "
            f"{reset:%Y-%m-%d %H:%M} UTC; until then only cheaper calls or none at all will work.",
            retry_after=seconds,
            daily=True,
        )
    hint = f" Pipedrive asked to wait {retry_after:.1f} s." if retry_after is not None else ""
    return errors.RateLimited(
        f"Still rate limited after retrying {what} ({said}).{hint} Lower MaxConcurrency or raise Timeout.",
        retry_after=retry_after,
    )


def error_for_transport(error: Exception, method: str, path: str, base_url: str) -> errors.Error:
    """The error for a network failure that survived every retry."""
    what = f"{method} {path}"
    if isinstance(error, httpx.TimeoutException):
        return errors.RequestTimeout(
            f"{what} did not finish within the Timeout ({type(error).__name__}): raise Timeout, or check "
            "the network."
        )
    if isinstance(error, httpx.ProxyError):
        return errors.ConnectionFailed(f"The proxy refused {what} ({error}): check ProxyServer/ProxyUser.")
    if isinstance(error, httpx.ConnectError):
        return errors.ConnectionFailed(
            f"Could not reach {base_url} for {what} ({error}): check the network, CompanyDomain or BaseURL, "
            "the proxy settings, and SSLServerCert."
        )
    return errors.ConnectionFailed(f"The connection failed during {what} ({error}); try again.")


_RECORD_PATH = re.compile(r"^/(?:api/)?v[12]/([A-Za-z]+)(?:/([^/?]+))?")
_LABEL_KEYS = ("title", "name", "subject", "content", "label", "key")


def describe_record(method: str, path: str, body: Any) -> str:
    """Which record a write was about, for an AmbiguousWrite message: ``deals 5`` or ``a new record in deals``."""
    match = _RECORD_PATH.match(path)
    if match and match.group(2):
        return f"{match.group(1)} {match.group(2)}"
    collection = match.group(1) if match else path
    label = ""
    if isinstance(body, dict):
        for key in _LABEL_KEYS:
            if body.get(key) not in (None, ""):
                label = f" ({key}={str(body[key])[:60]!r})"
                break
    return f"a new record in {collection}{label}"
