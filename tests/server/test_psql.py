"""psql, the reference client: \\dt, \\d, a join; and the connection rejections."""

from __future__ import annotations

from pathlib import Path

from .conftest import ALICE_PASSWORD, OLDIE_PASSWORD, Running, require, run


def psql(srv: Running, *args: str, user: str = "bob", password: str | None = None, sslmode: str = "prefer"):
    binary = require("psql")
    env = {"PGCONNECT_TIMEOUT": "10", "PGSSLMODE": sslmode, "PGAPPNAME": "pytest-psql"}
    if password is not None:
        env["PGPASSWORD"] = password
    return run(
        [
            binary,
            "-X",
            "-h",
            srv.host,
            "-p",
            str(srv.port),
            "-U",
            user,
            "-d",
            srv.database,
            "-v",
            "ON_ERROR_STOP=1",
            *args,
        ],
        env=env,
    )


def test_list_tables(pg_server: Running) -> None:
    result = psql(pg_server, "-c", r"\dt")
    assert result.returncode == 0, result.stderr
    assert " public | Deals    | table | pipedrive" in result.stdout
    assert "(3 rows)" in result.stdout


def test_describe_a_table(pg_server: Running) -> None:
    result = psql(pg_server, "-c", r"\d Deals")
    assert result.returncode == 0, result.stderr
    out = result.stdout
    assert 'Table "public.Deals"' in out
    assert "numeric(18,2)" in out and "timestamp with time zone" in out
    assert "| not null |" in out
    assert '"Deals_pkey" PRIMARY KEY, btree ("Id")' in out
    assert 'FOREIGN KEY ("PersonId") REFERENCES "Persons"("Id")' in out


def test_describe_quoted_and_list_databases(pg_server: Running) -> None:
    result = psql(pg_server, "-c", r'\d "Persons"', "-c", r"\l", "-c", r"\dn", "-c", r"\d")
    assert result.returncode == 0, result.stderr
    assert "Referenced by:" in result.stdout
    assert " crm " in result.stdout


def test_other_meta_commands_run(pg_server: Running) -> None:
    commands = [
        r"\dt+",
        r"\d+ Deals",
        r"\dv",
        r"\di",
        r"\df",
        r"\dn+",
        r"\du",
        r"\l+",
        r"\dT",
        r"\dx",
        r"\dconfig",
        r"\drds",
    ]
    args = [part for command in commands for part in ("-c", command)]
    result = psql(pg_server, *args)
    assert result.returncode == 0, result.stderr
    assert "ERROR" not in result.stderr


def test_join(pg_server: Running) -> None:
    sql = (
        'SELECT d."Title", p."Name" FROM "Deals" d JOIN "Persons" p ON p."Id" = d."PersonId" '
        'WHERE d."Id" <= 2 ORDER BY d."Id"'
    )
    result = psql(pg_server, "-A", "-t", "-c", sql)
    assert result.returncode == 0, result.stderr
    assert result.stdout.splitlines() == ["Deal 1|Person 2", "Deal 2|Person 3"]


def test_error_message(pg_server: Running) -> None:
    result = psql(pg_server, "-c", 'SELECT * FROM "Nope"')
    assert result.returncode != 0
    assert "ERROR:" in result.stderr and "Nope" in result.stderr


def test_scram_over_tls(secure_server: Running) -> None:
    result = psql(
        secure_server,
        "-A",
        "-t",
        "-c",
        "SELECT current_user",
        user="alice",
        password=ALICE_PASSWORD,
        sslmode="require",
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "alice"


def test_wrong_password_is_rejected(secure_server: Running) -> None:
    result = psql(secure_server, "-c", "SELECT 1", user="alice", password="wrong", sslmode="require")
    assert result.returncode != 0
    assert 'password authentication failed for user "alice"' in result.stderr


def test_unknown_user_looks_like_a_wrong_password(secure_server: Running) -> None:
    result = psql(secure_server, "-c", "SELECT 1", user="mallory", password="x", sslmode="require")
    assert result.returncode != 0
    assert 'password authentication failed for user "mallory"' in result.stderr


def test_connection_without_tls_is_rejected(secure_server: Running) -> None:
    result = psql(secure_server, "-c", "SELECT 1", user="alice", password=ALICE_PASSWORD, sslmode="disable")
    assert result.returncode != 0
    assert "without TLS" in result.stderr


def test_md5(md5_server: Running) -> None:
    ok = psql(md5_server, "-A", "-t", "-c", "SELECT 1", user="oldie", password=OLDIE_PASSWORD)
    assert ok.returncode == 0, ok.stderr
    # alice has no MD5 verifier: an MD5-only server cannot log her in
    refused = psql(md5_server, "-c", "SELECT 1", user="alice", password=ALICE_PASSWORD)
    assert refused.returncode != 0


def test_unknown_database(pg_server: Running, tmp_path: Path) -> None:
    pg_server_other = Running(
        pg_server.server, pg_server.backend, pg_server.host, pg_server.port, database="nope"
    )
    result = psql(pg_server_other, "-c", "SELECT 1")
    assert result.returncode != 0
    assert 'database "nope" does not exist' in result.stderr


def test_set_returning_functions_and_windows_are_named_as_postgresql_names_them(pg_server: Running) -> None:
    statements = {
        "SELECT * FROM generate_series(1, 2)": "generate_series",
        "SELECT generate_series(1, 2)": "generate_series",
        "SELECT g FROM generate_series(1, 2) g": "g",
        "SELECT * FROM generate_series(1, 2) WITH ORDINALITY": "generate_series|ordinality",
        "SELECT rank() OVER (ORDER BY x), row_number() OVER () FROM generate_series(1, 2) AS t(x)": "rank|row_number",
        "SELECT percentile_cont(0.5) WITHIN GROUP (ORDER BY x) FROM generate_series(1, 2) AS t(x)": "percentile_cont",
        "SELECT 'a' ~ 'a', 'a' ~* 'A'": "?column?|?column?",
    }
    for sql, header in statements.items():
        result = psql(pg_server, "-A", "-c", sql)
        assert result.returncode == 0, (sql, result.stderr)
        assert result.stdout.splitlines()[0] == header, (sql, result.stdout)
