"""Password authentication: SCRAM-SHA-256 (RFC 5802/7677, as PostgreSQL does it) and MD5.

The server stores verifiers, never passwords: for SCRAM the PostgreSQL form
`SCRAM-SHA-256$<iterations>:<salt>$<StoredKey>:<ServerKey>`, for MD5 `md5` + md5(password + user).
An unknown user goes through the same exchange against a made-up verifier, so a client cannot tell
an unknown user from a wrong password. As in PostgreSQL, the made-up verifier's salt is derived from
the user name with a per-process secret (the same name always shows the same salt, as a real user's
does), and it costs no key derivation: a flood of made-up names costs the server next to nothing.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import secrets
import threading
import time
from dataclasses import dataclass

SCRAM_ITERATIONS = 4096
MECHANISM = "SCRAM-SHA-256"


class AuthFailed(Exception):
    """Authentication did not succeed; the message is safe to show the client."""


@dataclass(frozen=True)
class ScramVerifier:
    iterations: int
    salt: bytes
    stored_key: bytes
    server_key: bytes

    def encode(self) -> str:
        b64 = base64.b64encode
        return (
            f"{MECHANISM}${self.iterations}:{b64(self.salt).decode()}"
            f"${b64(self.stored_key).decode()}:{b64(self.server_key).decode()}"
        )

    @classmethod
    def decode(cls, text: str) -> ScramVerifier:
        try:
            mechanism, params, keys = text.split("$")
            iterations, salt = params.split(":")
            stored, server = keys.split(":")
            if mechanism != MECHANISM:
                raise ValueError(mechanism)
            return cls(
                int(iterations), base64.b64decode(salt), base64.b64decode(stored), base64.b64decode(server)
            )
        except ValueError as exc:
            raise ValueError("not a SCRAM-SHA-256 verifier") from exc


def _hmac(key: bytes, message: bytes) -> bytes:
    return hmac.new(key, message, hashlib.sha256).digest()


def scram_verifier(
    password: str, *, salt: bytes | None = None, iterations: int = SCRAM_ITERATIONS
) -> ScramVerifier:
    # SASLprep is skipped: for ASCII passwords it is the identity, and libpq falls back to the raw
    # bytes whenever SASLprep fails, so the raw UTF-8 bytes are what every client can produce.
    salt = salt or secrets.token_bytes(16)
    salted = hashlib.pbkdf2_hmac("sha256", password.encode("utf-8"), salt, iterations)
    client_key = _hmac(salted, b"Client Key")
    return ScramVerifier(iterations, salt, hashlib.sha256(client_key).digest(), _hmac(salted, b"Server Key"))


_MOCK_SECRET = secrets.token_bytes(32)


def mock_verifier(user: str) -> ScramVerifier:
    """A verifier for a user that does not exist: a stable salt, keys nobody can match."""
    salt = _hmac(_MOCK_SECRET, user.encode("utf-8", "replace"))[:16]
    return ScramVerifier(SCRAM_ITERATIONS, salt, secrets.token_bytes(32), secrets.token_bytes(32))


def md5_verifier(user: str, password: str) -> str:
    return "md5" + hashlib.md5((password + user).encode("utf-8")).hexdigest()


def md5_check(verifier: str, salt: bytes, response: str) -> bool:
    expected = "md5" + hashlib.md5(verifier[3:].encode("ascii") + salt).hexdigest()
    return hmac.compare_digest(expected, response)


def _attributes(message: str) -> dict[str, str]:
    out: dict[str, str] = {}
    for part in message.split(","):
        if len(part) >= 2 and part[1] == "=":
            out.setdefault(part[0], part[2:])
    return out


class ScramExchange:
    """Server side of one SCRAM-SHA-256 exchange: feed the client's two messages, get the answers."""

    def __init__(self, verifier: ScramVerifier | None, user: str = "") -> None:
        # a made-up verifier for unknown users keeps the exchange identical
        self.known = verifier is not None
        self.verifier = verifier or mock_verifier(user)
        self.server_nonce = base64.b64encode(secrets.token_bytes(18)).decode()
        self.client_first_bare = ""
        self.server_first = ""
        self.gs2_header = ""
        self.nonce = ""

    def server_first_message(self, client_first: str) -> str:
        if client_first.startswith("p="):
            raise AuthFailed("channel binding is not supported by this server")
        if not (client_first.startswith("n,") or client_first.startswith("y,")):
            raise AuthFailed("malformed SCRAM message")
        first_comma = client_first.index(",")
        second_comma = client_first.find(",", first_comma + 1)
        if second_comma < 0:
            raise AuthFailed("malformed SCRAM message")
        self.gs2_header = client_first[: second_comma + 1]
        self.client_first_bare = client_first[second_comma + 1 :]
        client_nonce = _attributes(self.client_first_bare).get("r")
        if not client_nonce:
            raise AuthFailed("malformed SCRAM message")
        self.nonce = client_nonce + self.server_nonce
        salt = base64.b64encode(self.verifier.salt).decode()
        self.server_first = f"r={self.nonce},s={salt},i={self.verifier.iterations}"
        return self.server_first

    def server_final_message(self, client_final: str) -> str:
        try:
            return self._server_final_message(client_final)
        except ValueError as exc:  # bad base64 (binascii.Error), no proof attribute
            raise AuthFailed("malformed SCRAM message") from exc

    def _server_final_message(self, client_final: str) -> str:
        attrs = _attributes(client_final)
        if attrs.get("r") != self.nonce:
            raise AuthFailed("SCRAM nonce mismatch")
        if base64.b64decode(attrs.get("c", "")) != self.gs2_header.encode():
            raise AuthFailed("SCRAM channel binding mismatch")
        without_proof = client_final[: client_final.rindex(",p=")]
        auth_message = f"{self.client_first_bare},{self.server_first},{without_proof}".encode()
        proof = base64.b64decode(attrs.get("p", ""))
        signature = _hmac(self.verifier.stored_key, auth_message)
        client_key = bytes(a ^ b for a, b in zip(proof, signature, strict=False))
        valid = len(proof) == len(signature) and hmac.compare_digest(
            hashlib.sha256(client_key).digest(), self.verifier.stored_key
        )
        if not (valid and self.known):
            raise AuthFailed("password authentication failed")
        server_signature = _hmac(self.verifier.server_key, auth_message)
        return "v=" + base64.b64encode(server_signature).decode()


class LoginThrottle:
    """Slows password guessing: after failures, attempts of a (user, address) pair and of an address
    are checked one at a time, each a delay after the previous one.

    The delay is `base` after the first failure and doubles with each further one, up to `cap`; a key
    forgets its failures after `forget` seconds without one, and on a successful login. Waiting is the
    caller's business (the startup loop parks the connection, no thread sleeps): `reserve` says how
    long to wait before checking the password, and books that turn.
    """

    def __init__(self, base: float = 0.5, cap: float = 8.0, forget: float = 600.0) -> None:
        self.base = base
        self.cap = cap
        self.forget = forget
        self._lock = threading.Lock()
        # key -> [failures, time of the last failure, earliest time of the next check]
        self._keys: dict[tuple[str | None, str], list[float]] = {}

    def _keys_of(self, user: str, address: str) -> tuple[tuple[str | None, str], ...]:
        return ((user, address), (None, address))

    def delay(self, failures: float) -> float:
        if failures <= 0 or self.base <= 0:
            return 0.0
        return float(min(self.base * 2 ** (failures - 1), self.cap))

    def _entry(self, key: tuple[str | None, str], now: float) -> list[float]:
        entry = self._keys.get(key)
        if entry is None or (entry[0] and now - entry[1] > self.forget):
            entry = self._keys[key] = [0, 0.0, 0.0]
        return entry

    def reserve(self, user: str, address: str, now: float | None = None) -> float:
        """Seconds to wait before checking this attempt's password (0: check now)."""
        now = time.monotonic() if now is None else now
        with self._lock:
            entries = [self._entry(key, now) for key in self._keys_of(user, address)]
            start = max([now, *(e[2] for e in entries)])
            for entry in entries:
                if entry[0]:
                    entry[2] = start + self.delay(entry[0])
            return start - now

    def failed(self, user: str, address: str, now: float | None = None) -> tuple[int, float]:
        """Record a failure; returns the failures in a row of the pair and the delay now in force."""
        now = time.monotonic() if now is None else now
        with self._lock:
            delays = []
            for key in self._keys_of(user, address):
                entry = self._entry(key, now)
                entry[0] += 1
                entry[1] = now
                entry[2] = max(entry[2], now + self.delay(entry[0]))
                delays.append(self.delay(entry[0]))
                if len(self._keys) > 100_000:  # a flood of made-up names: drop what is stale
                    self._prune(now)
            return int(self._keys[(user, address)][0]), max(delays)

    def succeeded(self, user: str, address: str) -> None:
        with self._lock:
            for key in self._keys_of(user, address):
                self._keys.pop(key, None)

    def _prune(self, now: float) -> None:
        for key, entry in list(self._keys.items()):
            if now - entry[1] > self.forget or now - entry[1] > 60:
                del self._keys[key]
