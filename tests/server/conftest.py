"""Fixtures for the PostgreSQL-protocol server: real servers on free loopback ports, real clients.

`pg_server` trusts loopback clients (what a local BI tool sees); `secure_server` needs TLS and a
password (SCRAM for alice, MD5 for oldie), as a server on a network address would.
"""

from __future__ import annotations

import datetime as dt
import ipaddress
import shutil
import subprocess
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from pipedrive_sql.server import Server, ServerConfig, UserStore

from .duckdb_backend import DuckDBBackend

ALICE_PASSWORD = "correct horse battery staple"
OLDIE_PASSWORD = "md5 is old"


@dataclass
class Running:
    server: Server
    backend: DuckDBBackend
    host: str
    port: int
    database: str = "crm"

    def dsn(self, **extra: str) -> str:
        params = {"host": self.host, "port": str(self.port), "dbname": self.database, "user": "bob"}
        params.update(extra)
        return " ".join(f"{k}={v}" for k, v in params.items())


def require(binary: str) -> str:
    path = shutil.which(binary)
    if path is None:
        pytest.skip(f"{binary} is not installed (CI installs it; see docs/bi-tools.md)")
    return path


@pytest.fixture(scope="session")
def backend() -> DuckDBBackend:
    return DuckDBBackend()


@pytest.fixture(scope="session")
def pg_server(backend: DuckDBBackend) -> Iterator[Running]:
    server = Server(backend, ServerConfig(host="127.0.0.1", port=0, auth="trust")).start()
    host, port = server.address
    yield Running(server, backend, host, port)
    server.stop()


def _self_signed(directory: Path) -> tuple[Path, Path]:
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


@pytest.fixture(scope="session")
def tls_files(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    return _self_signed(tmp_path_factory.mktemp("tls"))


@pytest.fixture(scope="session")
def users_file(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("users") / "users.json"
    store = UserStore(path)
    store.set_password("alice", ALICE_PASSWORD)
    store.set_password("oldie", OLDIE_PASSWORD, md5=True)
    return path


@pytest.fixture(scope="session")
def secure_server(
    backend: DuckDBBackend, tls_files: tuple[Path, Path], users_file: Path
) -> Iterator[Running]:
    cert, key = tls_files
    config = ServerConfig(
        host="127.0.0.1",
        port=0,
        auth="scram-sha-256",
        users_file=users_file,
        tls_cert=cert,
        tls_key=key,
        require_tls=True,
    )
    server = Server(backend, config).start()
    host, port = server.address
    yield Running(server, backend, host, port)
    server.stop()


@pytest.fixture(scope="session")
def md5_server(backend: DuckDBBackend, users_file: Path) -> Iterator[Running]:
    config = ServerConfig(host="127.0.0.1", port=0, auth="md5", users_file=users_file)
    server = Server(backend, config).start()
    host, port = server.address
    yield Running(server, backend, host, port)
    server.stop()


def run(
    cmd: list[str], *, env: dict[str, str] | None = None, timeout: float = 60
) -> subprocess.CompletedProcess[str]:
    import os

    full_env = dict(os.environ)
    full_env.update(env or {})
    return subprocess.run(cmd, capture_output=True, text=True, env=full_env, timeout=timeout, check=False)


@pytest.fixture(scope="session")
def driver_server() -> Iterator[Running]:
    """The server over the real driver and the embedded sandbox, as `pipedrive-sql serve --sandbox` runs it."""
    from pipedrive_sql.server.pipedrive import PipedriveBackend

    backend = PipedriveBackend({"sandbox": {"Sandbox": True}})
    server = Server(backend, ServerConfig(host="127.0.0.1", port=0, auth="trust")).start()
    host, port = server.address
    yield Running(server, backend, host, port, database="sandbox")  # type: ignore[arg-type]
    server.stop()


@pytest.fixture(scope="session")
def driver_dbapi() -> Iterator[object]:
    """A DB-API connection to the same embedded sandbox (one per process and seed): the reference rows."""
    import pipedrive_sql

    conn = pipedrive_sql.connect(Sandbox=True)
    yield conn
    conn.close()
