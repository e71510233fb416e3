"""A set of OAuth tokens: what the token endpoint answers, what the settings file stores.

Timestamps are Unix epoch milliseconds, as in ``OAuthTokenTimestamp``; lifetimes are seconds, as in
``expires_in`` and ``OAuthExpiresIn``.
"""

from __future__ import annotations

import dataclasses
import hashlib
import time
from dataclasses import dataclass
from typing import Any

__all__ = ["TokenSet", "expiry_margin", "now_ms", "verifier_digest"]

# Refresh this long before the stated expiry, so a request does not leave with a token that dies on the way.
_MAX_MARGIN_S = 60.0
_MARGIN_FRACTION = 0.1


def now_ms() -> int:
    return int(time.time() * 1000)


def expiry_margin(expires_in: float) -> float:
    """Seconds before expiry at which a token counts as expired: 60 s, or a tenth of a short lifetime."""
    return min(_MAX_MARGIN_S, expires_in * _MARGIN_FRACTION)


def verifier_digest(verifier: str) -> str:
    """A one-way fingerprint of an authorization code, so a code once exchanged is recognised, not reused."""
    return hashlib.sha256(b"pipedrive-sql verifier\0" + verifier.encode()).hexdigest()


@dataclass(frozen=True, repr=False)
class TokenSet:
    access_token: str
    refresh_token: str | None = None
    expires_in: int | None = None  # seconds the access token lives from ``timestamp``
    timestamp: int | None = None  # when the access token was issued, epoch milliseconds
    api_domain: str | None = None  # the API base URL the tokens belong to
    scope: str | None = None
    token_type: str = "Bearer"
    verifier_digest: str | None = None  # the code these tokens came from (see verifier_digest())

    @property
    def expires_at(self) -> float | None:
        """Epoch seconds at which the access token expires, or None when unknown."""
        if self.expires_in is None or self.timestamp is None:
            return None
        return self.timestamp / 1000 + self.expires_in

    def is_expired(self, now: float | None = None, *, margin: bool = True) -> bool:
        """True when the access token has expired (or will within the safety margin). Unknown expiry: False."""
        expires_at = self.expires_at
        if expires_at is None or self.expires_in is None:
            return False
        current = time.time() if now is None else now
        return current >= expires_at - (expiry_margin(self.expires_in) if margin else 0.0)

    def replace(self, **changes: Any) -> TokenSet:
        return dataclasses.replace(self, **changes)

    def to_dict(self) -> dict[str, Any]:
        return dataclasses.asdict(self)

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> TokenSet:
        names = {f.name for f in dataclasses.fields(cls)}
        return cls(**{k: v for k, v in data.items() if k in names})

    @classmethod
    def from_token_response(
        cls, body: dict[str, Any], *, issued_at_ms: int, previous: TokenSet | None = None
    ) -> TokenSet:
        """Tokens from a token endpoint answer; what the answer omits is kept from ``previous``."""
        refresh = body.get("refresh_token") or (previous.refresh_token if previous else None)
        expires_in = body.get("expires_in")
        return cls(
            access_token=str(body["access_token"]),
            refresh_token=str(refresh) if refresh else None,
            expires_in=int(expires_in) if expires_in is not None else None,
            timestamp=issued_at_ms,
            api_domain=_strip_slash(body.get("api_domain")) or (previous.api_domain if previous else None),
            scope=body.get("scope") or (previous.scope if previous else None),
            token_type=str(body.get("token_type") or "Bearer"),
            verifier_digest=previous.verifier_digest if previous else None,
        )

    def __repr__(self) -> str:  # tokens never appear in reprs or logs
        return (
            f"TokenSet(access_token='********', refresh_token={'********' if self.refresh_token else None!r}, "
            f"expires_in={self.expires_in!r}, timestamp={self.timestamp!r}, api_domain={self.api_domain!r}, "
            f"scope={self.scope!r})"
        )

    __str__ = __repr__


def _strip_slash(url: Any) -> str | None:
    return str(url).rstrip("/") if url else None
