"""Fixtures for the PostgreSQL-protocol server: real servers on free loopback ports, real clients.

`pg_server` trusts loopback clients (what a local BI tool sees); `secure_server` needs TLS and a
password (SCRAM for alice, MD5 for oldie), as a server on a network address would.
"""

from __future__ import annotations

import shutil
import subprocess
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from tests.shared_helpers import self_signed_cert

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


@pytest.fixture(scope="session")
def tls_files(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    return self_signed_cert(tmp_path_factory.mktemp("tls"))


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


@pytest.fixture(scope="module")
def conn(driver_server: Running) -> Iterator[object]:
    """A psycopg connection to `driver_server` in autocommit, one per test module."""
    psycopg = pytest.importorskip(
        "psycopg", reason="psycopg 3 is not installed (pip install 'psycopg[binary]')"
    )
    with psycopg.connect(driver_server.dsn(), autocommit=True) as c:
        yield c


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
