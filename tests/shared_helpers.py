"""Helpers that tests of several packages share."""

from __future__ import annotations

import datetime as dt
import ipaddress
import threading
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

SCAN_THREAD_PREFIX = "pipedrive-scan-"  # the name of every parallel-scan worker (api/scan.py)


def scan_threads(wait: float = 10.0) -> list[threading.Thread]:
    """The scan workers still alive once they have had ``wait`` seconds to see they were told to stop (a
    worker answers between requests; on a loaded machine that takes a moment)."""
    deadline = time.monotonic() + wait
    while True:
        alive = [t for t in threading.enumerate() if t.name.startswith(SCAN_THREAD_PREFIX)]
        if not alive or time.monotonic() >= deadline:
            return alive
        time.sleep(0.02)


def requests_made(sandbox: Any) -> int:
    """API requests the sandbox has answered since its last ``reset_stats()``."""
    return int(sum(sandbox.stats()["by_operation"].values()))


def wait_until(condition: Callable[[], bool], seconds: float = 30.0) -> None:
    """Poll ``condition`` until it holds; AssertionError after ``seconds`` (a generous bound, never a
    measurement)."""
    deadline = time.monotonic() + seconds
    while not condition():
        if time.monotonic() >= deadline:
            raise AssertionError("the condition did not come true in time")
        time.sleep(0.01)


def self_signed_cert(directory: Path) -> tuple[Path, Path]:
    """A certificate for localhost and 127.0.0.1 and its private key (0600), written to ``directory``."""
    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.x509.oid import NameOID

    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "localhost")])
    now = dt.datetime.now(dt.UTC)
    cert = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - dt.timedelta(days=1))
        .not_valid_after(now + dt.timedelta(days=30))
        .add_extension(
            x509.SubjectAlternativeName(
                [x509.DNSName("localhost"), x509.IPAddress(ipaddress.ip_address("127.0.0.1"))]
            ),
            critical=False,
        )
        .sign(key, hashes.SHA256())
    )
    cert_path, key_path = directory / "server.crt", directory / "server.key"
    cert_path.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    key_path.write_bytes(
        key.private_bytes(
            serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
        )
    )
    key_path.chmod(0o600)
    return cert_path, key_path
