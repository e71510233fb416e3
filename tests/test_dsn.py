"""Data sources in-process: files, precedence, validation, permissions, atomic writes, the keyring."""

from __future__ import annotations

import os
import stat
import subprocess
import sys
import warnings
from pathlib import Path
from typing import Any

import pytest

from pipedrive_sql import _files, dsn
from pipedrive_sql.errors import ConfigurationError, DSNError


@pytest.fixture
def files(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> tuple[Path, Path]:
    user = tmp_path / "user" / "dsn.ini"
    system = tmp_path / "etc" / "dsn.ini"
    monkeypatch.setenv(dsn.USER_FILE_ENV, str(user))
    monkeypatch.setenv(dsn.SYSTEM_FILE_ENV, str(system))
    monkeypatch.setenv(dsn.KEYRING_ENV, "0")  # never touch a real keyring from tests
    return user, system


def mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


def test_file_locations_follow_the_environment(files: tuple[Path, Path]) -> None:
    user, system = files
    assert dsn.dsn_file("user") == user
    assert dsn.dsn_file("system") == system


def test_default_locations(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv(dsn.USER_FILE_ENV, raising=False)
    monkeypatch.delenv(dsn.SYSTEM_FILE_ENV, raising=False)
    assert dsn.dsn_file("system") == Path("/etc/pipedrive-sql/dsn.ini")
    assert dsn.dsn_file("user").name == "dsn.ini"
    assert "pipedrive-sql" in dsn.dsn_file("user").parts


def test_save_and_load_round_trip_with_canonical_names(files: tuple[Path, Path]) -> None:
    saved = dsn.save_dsn("Acme", {"apitoken": "tok", "COMPANYDOMAIN": "acme", "timeout": "30"})
    assert saved.properties == {"APIToken": "tok", "CompanyDomain": "acme", "Timeout": "30"}
    assert dsn.load_dsn("acme") == {"APIToken": "tok", "CompanyDomain": "acme", "Timeout": "30"}
    assert dsn.load_dsn("ACME") == dsn.load_dsn("Acme")
    text = files[0].read_text()
    assert "[Acme]" in text and "APIToken = tok" in text


def test_user_file_is_private(files: tuple[Path, Path]) -> None:
    dsn.save_dsn("Acme", {"APIToken": "tok", "CompanyDomain": "acme"})
    assert mode(files[0]) == 0o600
    assert mode(files[0].parent) == 0o700


def test_a_user_dsn_shadows_a_system_dsn(files: tuple[Path, Path]) -> None:
    dsn.save_dsn("Shared", {"CompanyDomain": "system-co", "APIToken": "s"}, system=True)
    assert dsn.load_dsn("shared")["CompanyDomain"] == "system-co"
    dsn.save_dsn("SHARED", {"CompanyDomain": "user-co", "APIToken": "u"})
    assert dsn.load_dsn("shared")["CompanyDomain"] == "user-co"
    assert dsn.load_dsn("shared", "system")["CompanyDomain"] == "system-co"
    listed = [(d.name, d.scope, d.shadowed) for d in dsn.list_dsns()]
    assert listed == [("SHARED", "user", False), ("Shared", "system", True)]
    assert [d.scope for d in dsn.list_dsns("system")] == ["system"]
    assert not dsn.list_dsns("system")[0].shadowed
    dsn.remove_dsn("shared")
    assert dsn.load_dsn("shared")["CompanyDomain"] == "system-co"


def test_saving_under_another_case_replaces_the_same_dsn(files: tuple[Path, Path]) -> None:
    dsn.save_dsn("Acme", {"CompanyDomain": "a"})
    dsn.save_dsn("ACME", {"CompanyDomain": "b"})
    assert [d.name for d in dsn.list_dsns()] == ["ACME"]
    with pytest.raises(DSNError, match="already exists"):
        dsn.save_dsn("acme", {"CompanyDomain": "c"}, replace=False)


def test_missing_dsn_names_both_files_and_the_close_match(files: tuple[Path, Path]) -> None:
    dsn.save_dsn("Production", {"CompanyDomain": "acme"})
    with pytest.raises(DSNError) as info:
        dsn.load_dsn("Prodution")
    message = str(info.value)
    assert str(files[0]) in message and str(files[1]) in message
    assert "Did you mean Production?" in message
    assert "dsn add Prodution" in message


def test_update_sets_unsets_and_keeps_the_rest(files: tuple[Path, Path]) -> None:
    dsn.save_dsn("Acme", {"APIToken": "tok", "CompanyDomain": "acme", "Timeout": "30"})
    updated = dsn.update_dsn("acme", {"timeout": "5", "CompanyDomain": ""}, unset=["apitoken"])
    assert updated.name == "Acme"
    assert dsn.load_dsn("acme") == {"Timeout": "5"}
    with pytest.raises(DSNError, match="No data source named 'nope'"):
        dsn.update_dsn("nope", {"Timeout": "5"})


@pytest.mark.parametrize(
    ("props", "error", "match"),
    [
        ({"Timout": "5"}, ConfigurationError, "Did you mean Timeout"),
        ({"Timeout": "soon"}, ConfigurationError, "Timeout='soon' is not a whole number"),
        ({"AuthScheme": "Kerberos"}, ConfigurationError, "use one of Basic, OAuth"),
        ({"Pagesize": "501"}, ConfigurationError, "above its maximum 500"),
        ({"DSN": "Other"}, DSNError, "cannot name another DSN"),
        ({"Logfile": "a\nb"}, DSNError, "several lines"),
        ({"timeout": "5", "TIMEOUT": "6"}, DSNError, "given twice"),
    ],
)
def test_properties_are_validated_on_write(
    files: tuple[Path, Path], props: dict[str, str], error: type[Exception], match: str
) -> None:
    with pytest.raises(error, match=match):
        dsn.save_dsn("Acme", props)
    assert not files[0].exists()


@pytest.mark.parametrize("name", ["", " padded", "a[b]", "a;b", "x=y", "a" * 65, "new\nline"])
def test_bad_names_are_refused(files: tuple[Path, Path], name: str) -> None:
    with pytest.raises(DSNError):
        dsn.save_dsn(name, {"CompanyDomain": "acme"})


def test_names_may_hold_spaces_and_dashes(files: tuple[Path, Path]) -> None:
    dsn.save_dsn("Sales EU-2", {"CompanyDomain": "acme"})
    assert dsn.load_dsn("sales eu-2") == {"CompanyDomain": "acme"}


def test_system_file_mode_depends_on_secrets_and_keeps_an_administrators_choice(
    files: tuple[Path, Path],
) -> None:
    system = files[1]
    dsn.save_dsn("Open", {"CompanyDomain": "acme"}, system=True)
    assert mode(system) == 0o644  # nothing secret: every user may read it
    dsn.save_dsn("Secret", {"CompanyDomain": "acme", "APIToken": "tok"}, system=True)
    assert mode(system) == 0o640  # a secret arrived: others lose read access, the group keeps it
    os.chmod(system, 0o640)
    dsn.update_dsn("Secret", {"Timeout": "9"}, system=True)
    assert mode(system) == 0o640
    system.unlink()
    dsn.save_dsn("Fresh", {"APIToken": "tok"}, system=True)
    assert mode(system) == 0o600


def test_a_file_whose_secrets_others_can_read_warns(files: tuple[Path, Path]) -> None:
    dsn.save_dsn("Acme", {"APIToken": "tok", "CompanyDomain": "acme"})
    assert dsn.permission_problem(dsn.get_dsn("acme")) is None
    os.chmod(files[0], 0o644)
    problem = dsn.permission_problem(dsn.get_dsn("acme"))
    assert problem is not None and "chmod 600" in problem and "APIToken" in problem
    with pytest.warns(dsn.DSNPermissionWarning, match="can be read by other users"):
        dsn.load_dsn("acme")
    assert "tok" not in problem


def test_a_readable_file_without_secrets_does_not_warn(files: tuple[Path, Path]) -> None:
    dsn.save_dsn("Acme", {"CompanyDomain": "acme"})
    os.chmod(files[0], 0o644)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        dsn.load_dsn("acme")


def test_a_failed_write_leaves_the_previous_file_intact(
    files: tuple[Path, Path], monkeypatch: pytest.MonkeyPatch
) -> None:
    dsn.save_dsn("Acme", {"CompanyDomain": "before"})
    before = files[0].read_bytes()

    def crash(src: Any, dst: Any) -> None:
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(dsn.os, "replace", crash)
    with pytest.raises(DSNError, match="No space left on device"):
        dsn.save_dsn("Acme", {"CompanyDomain": "after"})
    assert files[0].read_bytes() == before
    leftovers = [p.name for p in files[0].parent.iterdir() if p.name.endswith(".tmp")]
    assert leftovers == []


def test_permission_denied_is_a_dsn_error_suggesting_a_user_dsn(
    files: tuple[Path, Path], monkeypatch: pytest.MonkeyPatch
) -> None:
    def denied(*args: Any, **kwargs: Any) -> Any:
        raise PermissionError(13, "Permission denied")

    monkeypatch.setattr(_files.tempfile, "mkstemp", denied)  # where every atomic write makes its temp file
    with pytest.raises(DSNError) as info:
        dsn.save_dsn("Acme", {"CompanyDomain": "acme"}, system=True)
    assert "sudo" in str(info.value) and "leave out --system" in str(info.value)


def test_malformed_and_ambiguous_files_are_clear_errors(files: tuple[Path, Path]) -> None:
    user = files[0]
    user.parent.mkdir(parents=True)
    user.write_text("APIToken = outside any section\n")
    with pytest.raises(DSNError, match="is malformed"):
        dsn.list_dsns()
    user.write_text("[Acme]\nCompanyDomain = a\n[ACME]\nCompanyDomain = b\n")
    with pytest.raises(DSNError, match="case-insensitive"):
        dsn.load_dsn("acme")
    user.write_text("[Acme]\nTimeout = 1\ntimeout = 2\n")
    with pytest.raises(DSNError, match="sets Timeout twice"):
        dsn.load_dsn("acme")


def test_hand_edited_files_are_read_as_written(files: tuple[Path, Path]) -> None:
    user = files[0]
    user.parent.mkdir(parents=True)
    user.write_text(
        "; a comment\n# another\n[DEFAULT]\ncompanydomain = not-defaults\n\n"
        "[Odd]\nLogfile = C:\\logs\\a;b#c %d.log\nMysteryKey = s3cret\n"
    )
    os.chmod(user, 0o600)
    assert dsn.load_dsn("default") == {"CompanyDomain": "not-defaults"}
    odd = dsn.get_dsn("odd")
    assert odd.properties == {"Logfile": "C:\\logs\\a;b#c %d.log", "MysteryKey": "s3cret"}
    assert odd.masked()["MysteryKey"] == "********"  # unknown: masked, since it could be anything


def test_masked_hides_every_secret(files: tuple[Path, Path]) -> None:
    props = {
        "APIToken": "t1",
        "OAuthClientSecret": "t2",
        "OAuthAccessToken": "t3",
        "OAuthRefreshToken": "t4",
        "ProxyPassword": "t5",
        "OAuthClientId": "visible",
    }
    masked = dsn.save_dsn("Acme", props).masked()
    assert masked["OAuthClientId"] == "visible"
    assert {k: v for k, v in masked.items() if k != "OAuthClientId"} == dict.fromkeys(
        [k for k in props if k != "OAuthClientId"], "********"
    )


def test_an_unreadable_system_file_is_skipped_with_a_warning(
    files: tuple[Path, Path], monkeypatch: pytest.MonkeyPatch
) -> None:
    dsn.save_dsn("Mine", {"CompanyDomain": "acme"})
    dsn.save_dsn("Theirs", {"CompanyDomain": "other"}, system=True)
    real_read = Path.read_text

    def read_text(self: Path, *args: Any, **kwargs: Any) -> str:
        if self == files[1]:
            raise PermissionError(13, "Permission denied")
        return real_read(self, *args, **kwargs)

    monkeypatch.setattr(Path, "read_text", read_text)
    with pytest.warns(dsn.DSNPermissionWarning, match="system DSNs are skipped"):
        assert [d.name for d in dsn.list_dsns()] == ["Mine"]
    assert dsn.load_dsn("mine") == {"CompanyDomain": "acme"}  # the system file is not even read


def test_concurrent_writers_lose_nothing(files: tuple[Path, Path]) -> None:
    code = (
        "import sys; from pipedrive_sql import dsn; "
        "[dsn.save_dsn(f'P{sys.argv[1]}-{i}', {'CompanyDomain': 'c'}) for i in range(5)]"
    )
    env = {**os.environ}
    procs = [subprocess.Popen([sys.executable, "-c", code, str(n)], env=env) for n in range(6)]
    assert [p.wait(timeout=60) for p in procs] == [0] * 6
    assert len(dsn.list_dsns("user")) == 30


# --------------------------------------------------------------------------------------------- keyring


class FakeKeyring:
    """A keyring module stand-in: a dict, the calls of the real API."""

    def __init__(self) -> None:
        self.items: dict[tuple[str, str], str] = {}

    def get_password(self, service: str, user: str) -> str | None:
        return self.items.get((service, user))

    def set_password(self, service: str, user: str, value: str) -> None:
        self.items[(service, user)] = value

    def delete_password(self, service: str, user: str) -> None:
        del self.items[(service, user)]


@pytest.fixture
def keyring(files: tuple[Path, Path], monkeypatch: pytest.MonkeyPatch) -> FakeKeyring:
    fake = FakeKeyring()
    monkeypatch.setattr(dsn, "_keyring", lambda: fake)
    return fake


def test_user_secrets_go_to_a_usable_keyring(files: tuple[Path, Path], keyring: FakeKeyring) -> None:
    saved = dsn.save_dsn("Acme", {"APIToken": "tok-123", "CompanyDomain": "acme"})
    assert saved.in_keyring == ("APIToken",)
    text = files[0].read_text()
    assert "tok-123" not in text and "APIToken = <keyring>" in text
    assert keyring.items == {("pipedrive-sql", "acme/APIToken"): "tok-123"}
    assert dsn.load_dsn("ACME") == {"APIToken": "tok-123", "CompanyDomain": "acme"}
    assert dsn.get_dsn("acme").masked()["APIToken"] == "<keyring>"
    # A file without clear secrets is no reason to warn, whatever its mode.
    os.chmod(files[0], 0o644)
    assert dsn.permission_problem(dsn.get_dsn("acme")) is None


def test_keyring_entries_follow_edits_and_removal(files: tuple[Path, Path], keyring: FakeKeyring) -> None:
    dsn.save_dsn("Acme", {"APIToken": "one", "ProxyPassword": "pw"})
    dsn.update_dsn("acme", {"APIToken": "two"})
    assert dsn.load_dsn("acme")["APIToken"] == "two"
    dsn.update_dsn("acme", {}, unset=["ProxyPassword"])
    assert ("pipedrive-sql", "acme/ProxyPassword") not in keyring.items
    dsn.update_dsn("acme", {"APIToken": "three"}, use_keyring=False)
    assert "APIToken = three" in files[0].read_text()
    assert keyring.items == {}
    dsn.update_dsn("acme", {"APIToken": "four"})
    dsn.remove_dsn("acme")
    assert keyring.items == {}


def test_system_dsns_never_use_the_keyring(files: tuple[Path, Path], keyring: FakeKeyring) -> None:
    dsn.save_dsn("Svc", {"APIToken": "tok"}, system=True)
    assert "APIToken = tok" in files[1].read_text()
    assert keyring.items == {}
    with pytest.raises(DSNError, match="leave out --keyring"):
        dsn.save_dsn("Svc", {"APIToken": "tok"}, system=True, use_keyring=True)


def test_asking_for_a_keyring_where_none_is_usable_is_an_error(files: tuple[Path, Path]) -> None:
    assert not dsn.keyring_available()  # PIPEDRIVE_SQL_KEYRING=0 in these tests
    with pytest.raises(DSNError, match="No usable keyring"):
        dsn.save_dsn("Acme", {"APIToken": "tok"}, use_keyring=True)


def test_a_secret_lost_from_the_keyring_says_how_to_set_it_again(
    files: tuple[Path, Path], keyring: FakeKeyring
) -> None:
    dsn.save_dsn("Acme", {"APIToken": "tok"})
    keyring.items.clear()
    with pytest.raises(DSNError, match=r"dsn edit Acme --set APIToken=\.\.\."):
        dsn.load_dsn("acme")


def test_fail_and_null_keyring_backends_are_unusable() -> None:
    def backend(module: str, priority: float) -> Any:
        cls = type("Keyring", (), {"priority": priority, "__module__": module})
        return cls()

    assert dsn._is_unusable_backend(backend("keyring.backends.fail", 0))
    assert dsn._is_unusable_backend(backend("keyring.backends.null", -1))
    assert dsn._is_unusable_backend(backend("somewhere.else", 0))
    assert not dsn._is_unusable_backend(backend("keyring.backends.SecretService", 5))
