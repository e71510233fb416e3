"""``pipedrive-sql dsn``, run as a subprocess with temporary user and system files."""

from __future__ import annotations

import json
import os
import shutil
import stat
import subprocess
from collections.abc import Callable
from pathlib import Path

import pytest
from tests.cli.helpers import COMMAND, Terminal

from pipedrive_sql.cli import console
from pipedrive_sql.cli.app import main

SECRET = "tok-7f3a9c1e5b"
CLI = Callable[..., subprocess.CompletedProcess[str]]


def user_file(env: dict[str, str]) -> Path:
    return Path(env["PIPEDRIVE_SQL_USER_DSN_FILE"])


def system_file(env: dict[str, str]) -> Path:
    return Path(env["PIPEDRIVE_SQL_SYSTEM_DSN_FILE"])


def ok(result: subprocess.CompletedProcess[str]) -> subprocess.CompletedProcess[str]:
    assert result.returncode == 0, result.stderr
    return result


def no_secret(*results: subprocess.CompletedProcess[str]) -> None:
    for result in results:
        assert SECRET not in result.stdout and SECRET not in result.stderr


def failed(result: subprocess.CompletedProcess[str], code: int = 1) -> str:
    """The one-line error of a failed command, checked to carry no traceback."""
    assert result.returncode == code, (result.stdout, result.stderr)
    assert "Traceback" not in result.stderr
    return result.stderr


@pytest.mark.parametrize("system", [False, True], ids=["user", "system"])
def test_every_verb(cli: CLI, env: dict[str, str], system: bool) -> None:
    flag = ["--system"] if system else []
    path = system_file(env) if system else user_file(env)
    added = ok(cli("dsn", "add", "Acme", *flag, "--set", f"APIToken={SECRET}", "--set", "companydomain=acme"))
    assert f"Saved data source 'Acme' ({'system' if system else 'user'} file {path})" in added.stderr
    assert path.exists() and SECRET in path.read_text()

    listed = ok(cli("dsn", "list", *flag))
    assert listed.stdout.split("\t")[:5] == [
        "Acme",
        "system" if system else "user",
        "Basic",
        "acme",
        "file\n",
    ]
    as_json = json.loads(ok(cli("dsn", "list", "--json")).stdout)
    assert as_json == [
        {
            "name": "Acme",
            "scope": "system" if system else "user",
            "auth": "Basic",
            "target": "acme",
            "secrets": "file",
        }
    ]

    shown = ok(cli("dsn", "show", "ACME", *flag))
    assert shown.stdout.splitlines() == ["APIToken=********", "CompanyDomain=acme"]
    doc = json.loads(ok(cli("dsn", "show", "acme", *flag, "--json")).stdout)
    assert doc == {
        "name": "Acme",
        "scope": "system" if system else "user",
        "file": str(path),
        "properties": {"APIToken": "********", "CompanyDomain": "acme"},
    }

    edited = ok(cli("dsn", "edit", "acme", *flag, "--set", "Timeout=5", "--unset", "CompanyDomain"))
    assert "Updated data source 'Acme'" in edited.stderr
    assert "has no CompanyDomain yet" in edited.stderr  # a hint, not an error
    assert ok(cli("dsn", "show", "acme", *flag)).stdout.splitlines() == ["APIToken=********", "Timeout=5"]

    assert ok(cli("dsn", "path", *flag)).stdout.strip() == str(path)
    removed = ok(cli("dsn", "remove", "acme", *flag))
    assert f"Removed data source 'Acme' from {path}" in removed.stderr
    assert "No data sources" in ok(cli("dsn", "list")).stderr
    no_secret(added, listed, shown, edited, removed)


def test_user_shadows_system_and_removal_uncovers_it(cli: CLI, env: dict[str, str]) -> None:
    ok(cli("dsn", "add", "Shared", "--system", "--set", "CompanyDomain=system-co", "--set", "APIToken=x"))
    ok(cli("dsn", "add", "shared", "--set", "CompanyDomain=user-co", "--set", "APIToken=y"))
    rows = [line.split("\t") for line in ok(cli("dsn", "list")).stdout.splitlines()]
    assert [(r[0], r[1], r[3]) for r in rows] == [
        ("shared", "user", "user-co"),
        ("Shared", "system (shadowed)", "system-co"),
    ]
    assert "CompanyDomain=user-co" in ok(cli("dsn", "show", "SHARED")).stdout
    assert "CompanyDomain=system-co" in ok(cli("dsn", "show", "SHARED", "--system")).stdout
    removed = ok(cli("dsn", "remove", "Shared"))
    assert "The system data source 'Shared' of that name is now in effect" in removed.stderr
    assert "CompanyDomain=system-co" in ok(cli("dsn", "show", "shared")).stdout


def test_secrets_are_masked_everywhere(cli: CLI) -> None:
    props = {
        "AuthScheme": "OAuth",
        "OAuthClientId": "client-id-visible",
        "OAuthClientSecret": SECRET,
        "OAuthRefreshToken": SECRET + "-refresh",
        "ProxyPassword": SECRET + "-proxy",
    }
    args = [a for k, v in props.items() for a in ("--set", f"{k}={v}")]
    results = [
        ok(cli("dsn", "add", "Oauthy", *args)),
        ok(cli("dsn", "list")),
        ok(cli("dsn", "list", "--json")),
        ok(cli("dsn", "show", "oauthy")),
        ok(cli("dsn", "show", "oauthy", "--json")),
        ok(cli("dsn", "edit", "oauthy", "--set", f"OAuthAccessToken={SECRET}-access")),
    ]
    no_secret(*results)
    shown = json.loads(results[4].stdout)["properties"]
    assert shown["OAuthClientId"] == "client-id-visible"
    assert shown["OAuthClientSecret"] == shown["ProxyPassword"] == "********"


def test_files_are_private_and_exposure_warns(cli: CLI, env: dict[str, str]) -> None:
    ok(cli("dsn", "add", "Acme", "--set", f"APIToken={SECRET}", "--set", "CompanyDomain=acme"))
    path = user_file(env)
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert "Warning" not in ok(cli("dsn", "list")).stderr
    os.chmod(path, 0o644)
    for args in (("dsn", "list"), ("dsn", "show", "acme")):
        result = ok(cli(*args))
        assert "Warning:" in result.stderr and "can be read by other users" in result.stderr
        assert f"chmod 600 {path}" in result.stderr
        no_secret(result)
    ok(cli("dsn", "edit", "acme", "--set", "Timeout=7"))
    assert stat.S_IMODE(path.stat().st_mode) == 0o600  # rewriting restores the private mode


def test_system_file_secrets_follow_the_administrators_group(cli: CLI, env: dict[str, str]) -> None:
    ok(cli("dsn", "add", "Svc", "--system", "--set", "CompanyDomain=acme"))
    assert stat.S_IMODE(system_file(env).stat().st_mode) == 0o644
    ok(cli("dsn", "edit", "Svc", "--system", "--set", f"APIToken={SECRET}"))
    assert stat.S_IMODE(system_file(env).stat().st_mode) == 0o640
    os.chmod(system_file(env), 0o644)
    warned = ok(cli("dsn", "list", "--system"))
    assert "chmod o-rwx" in warned.stderr


def _without_root_powers() -> list[str]:
    """A command prefix that takes root's power to write anywhere (CAP_DAC_OVERRIDE and friends)."""
    if os.geteuid() != 0:
        return []
    setpriv = shutil.which("setpriv")
    if setpriv is None:
        pytest.skip("running as root without setpriv: cannot take away the right to write")
    caps = "-dac_override,-dac_read_search,-fowner"
    return [setpriv, "--bounding-set", caps, "--inh-caps", caps]


def test_writing_the_system_file_without_permission_suggests_a_user_dsn(
    tmp_path: Path, env: dict[str, str]
) -> None:
    etc = tmp_path / "etc"
    etc.mkdir()
    etc.chmod(0o555)  # as /etc/pipedrive-sql is for anyone but root
    command = [*_without_root_powers(), *COMMAND, "dsn", "add", "Svc", "--system", "--set", "CompanyDomain=x"]
    try:
        result = subprocess.run(command, env=env, capture_output=True, text=True, timeout=60, check=False)
    finally:
        etc.chmod(0o755)
    message = failed(result)
    assert f"Cannot write the system DSN file {etc / 'dsn.ini'}: permission denied" in message
    assert "sudo" in message and "leave out --system to save a user DSN" in message
    assert len(message.strip().splitlines()) == 1
    assert not (etc / "dsn.ini").exists()


@pytest.fixture
def in_process(
    env: dict[str, str], monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> Callable[..., tuple[int, str]]:
    """``main(args)`` in this process (what the console script calls): (exit code, stderr)."""
    for key, value in env.items():
        monkeypatch.setenv(key, value)
    monkeypatch.setattr(console.State, "debug", False)

    def call(*args: str) -> tuple[int, str]:
        capsys.readouterr()
        with pytest.raises(SystemExit) as exited:
            main(list(args))
        err = capsys.readouterr().err
        assert isinstance(exited.value.code, int)
        return exited.value.code, err

    return call


def test_errors_are_one_clear_line_with_the_right_exit_code(
    cli: CLI, in_process: Callable[..., tuple[int, str]]
) -> None:
    ok(cli("dsn", "add", "Production", "--set", "CompanyDomain=acme"))
    missing = failed(cli("dsn", "show", "Prodution"))  # one end-to-end; the rest in-process, quicker
    assert missing.startswith("Error: No data source named 'Prodution'")
    assert "Did you mean Production?" in missing
    cases = [
        (
            ("dsn", "edit", "production", "--set", "Timout=5"),
            1,
            "Unknown connection property 'Timout'. Did you mean Timeout?",
        ),
        (("dsn", "add", "X", "--set", "Pagesize=9000"), 1, "Pagesize=9000 is above its maximum 500"),
        (("dsn", "add", "PRODUCTION", "--set", "CompanyDomain=x"), 1, "--replace"),
        (("dsn", "add", "X", "--set", "NoEquals"), 2, "is not KEY=VALUE"),
        (
            (
                "dsn",
                "frobnicate",
            ),
            2,
            "No such command",
        ),
        (("dsn", "remove", "nope"), 1, "No data source named 'nope' in the user file"),
        (("dsn", "test", "nope", "--system"), 1, "dsn add nope --system"),
    ]
    for args, code, message in cases:
        got, err = in_process(*args)
        assert (got, message in err, "Traceback" in err) == (code, True, False), (args, err)
        if code == 1:
            assert len(err.strip().splitlines()) == 1
    assert in_process("dsn", "add", "PRODUCTION", "--set", "CompanyDomain=x", "--replace")[0] == 0
    code, err = in_process("--debug", "dsn", "show", "nope")
    assert code == 1 and "Traceback" in err and "DSNError" in err
    console.State.debug = False
    code, err = in_process("dsn", "show", "nope", "--debug")  # --debug anywhere, as people add it
    assert code == 1 and "Traceback" in err


def test_add_on_a_terminal_asks_for_what_is_missing_hiding_secrets(
    terminal: Callable[..., Terminal], env: dict[str, str]
) -> None:
    term = terminal("dsn", "add", "Prompted")
    term.expect(r"AuthScheme.*\[Basic/OAuth\]")
    term.send("\r")  # the default, Basic
    term.expect("APIToken")
    term.wait_for_hidden_input()
    term.send(SECRET + "\r")
    term.expect("CompanyDomain")
    term.send("acme\r")
    term.expect("Saved data source 'Prompted'")
    assert term.wait() == 0
    assert SECRET not in term.text  # typed, never echoed
    text = user_file(env).read_text()
    assert f"APIToken = {SECRET}" in text and "CompanyDomain = acme" in text and "AuthScheme = Basic" in text


def test_edit_on_a_terminal_offers_current_values_and_keeps_secrets_on_enter(
    cli: CLI, terminal: Callable[..., Terminal], env: dict[str, str]
) -> None:
    ok(cli("dsn", "add", "Acme", "--set", f"APIToken={SECRET}", "--set", "CompanyDomain=acme"))
    term = terminal("dsn", "edit", "acme")
    term.expect("AuthScheme")
    term.send("\r")
    term.expect("APIToken.*Enter keeps the current value")
    term.wait_for_hidden_input()
    term.send("\r")
    term.expect(r"CompanyDomain.*\(acme\)")
    term.send("globex\r")
    term.expect("Updated data source 'Acme'")
    assert term.wait() == 0
    assert SECRET not in term.text
    assert ok(cli("dsn", "show", "acme")).stdout.splitlines() == ["APIToken=********", "CompanyDomain=globex"]
    assert SECRET in user_file(env).read_text()


def test_no_input_never_prompts(terminal: Callable[..., Terminal], env: dict[str, str]) -> None:
    term = terminal("dsn", "add", "Quiet", "--no-input", "--set", "CompanyDomain=acme")
    term.expect("Saved data source 'Quiet'")
    assert term.wait() == 0
    assert "has no APIToken yet" in term.text


def test_remove_on_a_terminal_asks_first(
    cli: CLI, terminal: Callable[..., Terminal], env: dict[str, str]
) -> None:
    ok(cli("dsn", "add", "Keep", "--set", "CompanyDomain=acme"))
    term = terminal("dsn", "remove", "keep")
    term.expect(r"Remove the user data source 'Keep'\?")
    term.send("n\r")
    assert term.wait() == 1
    assert "Keep" in ok(cli("dsn", "list")).stdout
