"""Pieces of the server that need no client: SQL scanning, type encoding, SCRAM, users, config checks."""

from __future__ import annotations

import base64
import datetime as dt
import decimal
import hashlib
import hmac
import json
import stat
from pathlib import Path

import pytest

from pipedrive_sql.server import ServerConfig, ServerConfigError, UserStore
from pipedrive_sql.server import types as pgt
from pipedrive_sql.server.auth import (
    AuthFailed,
    ScramExchange,
    ScramVerifier,
    md5_check,
    md5_verifier,
    scram_verifier,
)
from pipedrive_sql.server.cli_commands import odbc_dsn_add, serve, user_add, user_list, user_remove
from pipedrive_sql.server.server import validate
from pipedrive_sql.server.sqltext import command_tag, replace_placeholders, split_statements


@pytest.mark.parametrize(
    ("sql", "parts"),
    [
        ("BEGIN;select 1", ["BEGIN", "select 1"]),
        ("SET DateStyle = 'ISO';SET extra_float_digits = 2;show transaction_isolation", 3),
        ("select ';' as a; select $$;$$", ["select ';' as a", "select $$;$$"]),
        ('select "a;b" from t -- c;d\n; select 2', 2),
        ("/* x; */ select 1;;", ["/* x; */ select 1"]),
        ("  ;  -- only a comment", []),
    ],
)
def test_split_statements(sql: str, parts: list[str] | int) -> None:
    result = split_statements(sql)
    assert (len(result) if isinstance(parts, int) else result) == parts


def test_placeholders_become_the_driver_paramstyle() -> None:
    sql = "select $2, '$1', $1 from t where x = $2 -- $3"
    assert replace_placeholders(sql, "qmark") == ("select ?, '$1', ? from t where x = ? -- $3", [2, 1, 2])
    assert replace_placeholders(sql, "named")[0] == "select :p2, '$1', :p1 from t where x = :p2 -- $3"


def test_command_tags() -> None:
    assert command_tag("select 1", 5) == "SELECT 5"
    assert command_tag("insert into t values (1)", 1) == "INSERT 0 1"
    assert command_tag("  /* c */ update t set a = 1", 3) == "UPDATE 3"


@pytest.mark.parametrize(
    "value",
    [
        "0",
        "1",
        "-1",
        "123.45",
        "-0.0001",
        "10000",
        "12345678901234567890.123456789",
        "0.00",
        "1E+3",
        "100.50",
    ],
)
def test_numeric_binary_round_trip(value: str) -> None:
    d = decimal.Decimal(value)
    encoded = pgt.binary_encoder(pgt.NUMERIC)(d)
    assert pgt.decode_parameter(encoded, pgt.NUMERIC, True) == d


def test_text_encodings() -> None:
    enc = pgt.text_encoder
    assert enc(pgt.BOOL)(True) == b"t"
    assert enc(pgt.FLOAT8)(1.0) == b"1" and enc(pgt.FLOAT8)(float("nan")) == b"NaN"
    assert enc(pgt.NUMERIC)(decimal.Decimal("1E+2")) == b"100"
    aware = dt.datetime(2024, 5, 6, 7, 8, 9, tzinfo=dt.timezone(dt.timedelta(hours=2)))
    assert enc(pgt.TIMESTAMPTZ)(aware) == b"2024-05-06 05:08:09+00"
    assert enc(pgt.BYTEA)(b"\x01\xff") == b"\\x01ff"
    assert enc(1016)([1, None, 3]) == b"{1,NULL,3}"
    assert enc(1015)(["a b", 'q"']) == b'{"a b","q\\""}'
    assert (
        enc(pgt.INTERVAL)(dt.timedelta(days=1, seconds=3661)) == b"1 day 01:01:01"
    )  # as PostgreSQL prints it
    assert enc(pgt.INTERVAL)(dt.timedelta(days=-2, seconds=3600)) == b"-2 days +01:00:00"


def test_binary_dates_and_times() -> None:
    ts = dt.datetime(2001, 2, 3, 4, 5, 6, 7, tzinfo=dt.UTC)
    encoded = pgt.binary_encoder(pgt.TIMESTAMPTZ)(ts)
    assert pgt.decode_parameter(encoded, pgt.TIMESTAMPTZ, True) == ts
    day = dt.date(1999, 12, 31)
    assert pgt.decode_parameter(pgt.binary_encoder(pgt.DATE)(day), pgt.DATE, True) == day


def test_type_codes_of_several_kinds() -> None:
    assert pgt.pg_type_for("DECIMAL(18,2)") == pgt.ColumnType(pgt.NUMERIC, pgt.numeric_typmod(18, 2))
    assert pgt.pg_type_for("TIMESTAMP WITH TIME ZONE").oid == pgt.TIMESTAMPTZ
    assert pgt.pg_type_for("BIGINT[]").oid == 1016
    assert pgt.pg_type_for(int).oid == pgt.INT8
    assert pgt.pg_type_for(object(), sample=dt.date(2020, 1, 1)).oid == pgt.DATE


def _scram_client(password: str, verifier: ScramVerifier) -> tuple[ScramExchange, str]:
    """Play a SCRAM client (RFC 5802) against the server side; return the exchange and server-final."""
    exchange = ScramExchange(verifier)
    client_first_bare = "n=,r=clientnonce"
    server_first = exchange.server_first_message("n,," + client_first_bare)
    attrs = dict(part.split("=", 1) for part in server_first.split(","))
    salted = hashlib.pbkdf2_hmac("sha256", password.encode(), base64.b64decode(attrs["s"]), int(attrs["i"]))
    client_key = hmac.new(salted, b"Client Key", hashlib.sha256).digest()
    without_proof = f"c=biws,r={attrs['r']}"
    auth_message = f"{client_first_bare},{server_first},{without_proof}".encode()
    signature = hmac.new(hashlib.sha256(client_key).digest(), auth_message, hashlib.sha256).digest()
    proof = base64.b64encode(bytes(a ^ b for a, b in zip(client_key, signature, strict=True))).decode()
    return exchange, exchange.server_final_message(f"{without_proof},p={proof}")


def test_scram_exchange() -> None:
    verifier = scram_verifier("s3cret")
    assert ScramVerifier.decode(verifier.encode()) == verifier
    _, final = _scram_client("s3cret", verifier)
    assert final.startswith("v=")
    with pytest.raises(AuthFailed):
        _scram_client("wrong", verifier)


def test_md5() -> None:
    verifier = md5_verifier("oldie", "pw")
    salt = b"abcd"
    inner = hashlib.md5(b"pwoldie").hexdigest()
    response = "md5" + hashlib.md5(inner.encode() + salt).hexdigest()
    assert md5_check(verifier, salt, response)
    assert not md5_check(verifier, salt, "md5" + "0" * 32)


def test_users_file_keeps_no_passwords(tmp_path: Path) -> None:
    path = tmp_path / "users.json"
    user_add("alice", password="pa55word", users_file=path)
    user_add("oldie", password="pa55word", users_file=path, md5=True)
    text = path.read_text()
    assert "pa55word" not in text
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    data = json.loads(text)["users"]
    assert data["alice"]["scram"].startswith("SCRAM-SHA-256$4096:") and "md5" not in data["alice"]
    assert data["oldie"]["md5"].startswith("md5")
    assert user_list(users_file=path) == ["alice", "oldie"]
    assert user_remove("oldie", users_file=path) and not UserStore(path).get("oldie")


def test_non_loopback_needs_tls_and_authentication(tmp_path: Path) -> None:
    with pytest.raises(ServerConfigError, match="without TLS"):
        validate(ServerConfig(host="0.0.0.0", auth="trust"))
    cert, key = tmp_path / "c.pem", tmp_path / "k.pem"
    with pytest.raises(ServerConfigError, match="without authentication"):
        validate(ServerConfig(host="0.0.0.0", auth="trust", tls_cert=cert, tls_key=key))
    config = ServerConfig(
        host="0.0.0.0", auth="scram-sha-256", users_file=tmp_path / "u.json", tls_cert=cert, tls_key=key
    )
    validate(config)
    assert config.require_tls
    validate(ServerConfig(host="127.0.0.1", auth="trust"))
    validate(ServerConfig(host="::1", auth="trust"))


def test_serve_refuses_a_public_address_without_tls(tmp_path: Path) -> None:
    with pytest.raises(ServerConfigError, match="without TLS"):
        serve(sandbox=True, host="0.0.0.0", port=0, users_file=tmp_path / "none.json")
    with pytest.raises(ServerConfigError, match="nothing to serve"):
        serve(port=0)


def test_odbc_dsn_add_writes_and_replaces(tmp_path: Path) -> None:
    ini = tmp_path / "odbc.ini"
    ini.write_text("[other]\nDriver = X\n")
    odbc_dsn_add("crm", port=5555, odbc_ini=ini)
    odbc_dsn_add("crm", port=6666, user="bi", odbc_ini=ini)
    text = ini.read_text()
    assert "[other]" in text and text.count("[crm]") == 1
    assert "Port = 6666" in text and "Username = bi" in text and "Database = crm" in text
    assert "BoolsAsChar = 0" in text


def test_an_odbc_ini_holding_a_password_stays_private_when_another_entry_is_written(tmp_path: Path) -> None:
    from pipedrive_sql.server.odbc import write_dsn

    ini = tmp_path / "odbc.ini"
    common = dict(
        database="db",
        host="127.0.0.1",
        port=54320,
        sslmode="prefer",
        driver="PostgreSQL Unicode",
        description="x",
    )
    write_dsn(ini, "WithSecret", user="u", password="s3cret", **common)  # type: ignore[arg-type]
    write_dsn(ini, "Plain", user=None, password=None, **common)  # type: ignore[arg-type]
    assert ini.stat().st_mode & 0o777 == 0o600
    write_dsn(tmp_path / "plain.ini", "Plain", user=None, password=None, **common)  # type: ignore[arg-type]
    assert (tmp_path / "plain.ini").stat().st_mode & 0o777 == 0o644
