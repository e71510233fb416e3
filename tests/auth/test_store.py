"""The token store: sealed, 0600, atomic, locked; corrupt and foreign files are clear errors."""

from __future__ import annotations

import os
import stat
from pathlib import Path

import pytest

from pipedrive_sql.auth import crypto
from pipedrive_sql.auth.build import open_store
from pipedrive_sql.auth.store import FileTokenStore, MemoryTokenStore, memory_store, settings_path
from pipedrive_sql.auth.tokens import TokenSet
from pipedrive_sql.errors import ConfigurationError
from pipedrive_sql.settings import build_settings

SECRET = "client-secret-0123456789abcdef"
TOKENS = TokenSet(
    access_token="v1u:access-token-value-123",
    refresh_token="1:2:refresh-token-value-456",
    expires_in=3600,
    timestamp=1_700_000_000_000,
    api_domain="https://acme.pipedrive.com",
    scope="base,deals:read",
)


def store(path: Path, client_id: str = "cid", secret: str = SECRET) -> FileTokenStore:
    return FileTokenStore(path, client_id, secret)


def test_round_trip_keeps_every_field(tmp_path: Path) -> None:
    s = store(tmp_path / "t.oauth")
    assert s.load() is None
    s.save(TOKENS)
    assert store(tmp_path / "t.oauth").load() == TOKENS


def test_file_is_0600_in_a_private_folder_and_holds_no_secret_in_clear(tmp_path: Path) -> None:
    path = tmp_path / "new" / "t.oauth"
    store(path).save(TOKENS)
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert stat.S_IMODE(path.parent.stat().st_mode) & 0o077 == 0
    data = path.read_bytes()
    for secret in (TOKENS.access_token, TOKENS.refresh_token, SECRET, "access-token", "refresh-token"):
        assert secret.encode() not in data
    assert b"acme" not in data  # even the API domain and scope are sealed


def test_every_write_uses_a_fresh_salt_and_nonce(tmp_path: Path) -> None:
    s = store(tmp_path / "t.oauth")
    s.save(TOKENS)
    first = (tmp_path / "t.oauth").read_bytes()
    s.save(TOKENS)
    assert (tmp_path / "t.oauth").read_bytes() != first


def test_copied_file_works_elsewhere_with_the_same_app_credentials(tmp_path: Path) -> None:
    store(tmp_path / "a.oauth").save(TOKENS)
    (tmp_path / "b.oauth").write_bytes((tmp_path / "a.oauth").read_bytes())
    assert store(tmp_path / "b.oauth").load() == TOKENS


def test_other_client_secret_is_a_clear_error_and_leaves_the_file(tmp_path: Path) -> None:
    path = tmp_path / "t.oauth"
    store(path).save(TOKENS)
    before = path.read_bytes()
    with pytest.raises(ConfigurationError) as caught:
        store(path, secret="another-secret-value").load()
    assert "cannot be decrypted with this OAuthClientSecret" in str(caught.value)
    assert caught.value.property == "OAuthSettingsLocation"
    assert "another-secret-value" not in str(caught.value)
    assert path.read_bytes() == before


def test_file_of_another_app_names_its_client_id(tmp_path: Path) -> None:
    path = tmp_path / "t.oauth"
    store(path, client_id="app-one").save(TOKENS)
    with pytest.raises(ConfigurationError, match="belongs to another app \\(OAuthClientId=app-one\\)"):
        store(path, client_id="app-two").load()


@pytest.mark.parametrize(
    "damage",
    [
        lambda b: b"",
        lambda b: b"not ours at all",
        lambda b: b[:20],
        lambda b: b[:-1],
        lambda b: b[:-5] + bytes([b[-5] ^ 1]) + b[-4:],
        lambda b: (
            b[: len(crypto.MAGIC) + 6] + bytes([b[len(crypto.MAGIC) + 6] ^ 1]) + b[len(crypto.MAGIC) + 7 :]
        ),
    ],
    ids=["empty", "foreign", "truncated-header", "truncated-tag", "flipped-ciphertext", "flipped-salt"],
)
def test_damaged_files_are_clear_errors_never_a_silent_sign_in(tmp_path: Path, damage) -> None:
    path = tmp_path / "t.oauth"
    store(path).save(TOKENS)
    path.write_bytes(damage(path.read_bytes()))
    with pytest.raises(ConfigurationError) as caught:
        store(path).load()
    assert str(path) in str(caught.value)
    assert "damaged" in str(caught.value) or "altered" in str(caught.value)


def test_a_crash_while_writing_leaves_the_previous_file(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = tmp_path / "t.oauth"
    s = store(path)
    s.save(TOKENS)

    def crash(fd: int) -> None:
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(os, "fsync", crash)
    with pytest.raises(ConfigurationError, match="Cannot write"):
        s.save(TOKENS.replace(access_token="new"))
    monkeypatch.undo()
    assert store(path).load() == TOKENS
    assert sorted(p.name for p in tmp_path.iterdir()) == ["t.oauth"]  # no temp file left behind


def test_changed_notices_another_writer(tmp_path: Path) -> None:
    path = tmp_path / "t.oauth"
    mine = store(path)
    mine.save(TOKENS)
    assert not mine.changed()
    other = store(path)
    other.save(TOKENS.replace(access_token="other"))
    assert mine.changed()
    assert mine.load() is not None and not mine.changed()


def test_memory_stores_are_shared_by_name() -> None:
    a, b = memory_store("shared-name"), memory_store("shared-name")
    assert a is b and isinstance(a, MemoryTokenStore)
    a.save(TOKENS)
    assert b.load() == TOKENS
    assert memory_store("other-name").load() is None


def test_default_location_is_one_file_per_dsn_or_client_id(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path))
    settings = build_settings({"AuthScheme": "OAuth", "OAuthClientId": "cid/1", "OAuthClientSecret": SECRET})
    by_client = open_store(settings)
    by_dsn = open_store(settings, dsn_name="Sales DB")
    assert isinstance(by_client, FileTokenStore) and isinstance(by_dsn, FileTokenStore)
    assert by_client.path.parent == tmp_path / "pipedrive-sql" / "oauth"
    assert by_client.path.name.startswith("client-cid_1-")
    assert by_dsn.path.name.startswith("dsn-Sales_DB-")
    assert by_client.path != by_dsn.path


def test_location_may_be_a_file_a_folder_or_memory(tmp_path: Path) -> None:
    assert settings_path(str(tmp_path / "x.bin"), dsn_name=None, client_id="c") == tmp_path / "x.bin"
    assert settings_path(str(tmp_path), dsn_name="d", client_id="c") == tmp_path / "dsn-d.oauth"
    settings = build_settings({"OAuthSettingsLocation": "memory://abc"})
    assert open_store(settings).location == "memory://abc"  # needs no client secret


def test_reprs_hold_no_secret(tmp_path: Path) -> None:
    text = repr(store(tmp_path / "t.oauth")) + repr(TOKENS) + str(TOKENS)
    assert SECRET not in text and TOKENS.access_token not in text and TOKENS.refresh_token not in text


def test_temporary_files_of_dead_writers_are_cleaned_up(tmp_path: Path) -> None:
    path = tmp_path / "t.oauth"
    stale, recent = tmp_path / ".t.oauth.abc123.tmp", tmp_path / ".t.oauth.def456.tmp"
    stale.write_bytes(b"half")
    recent.write_bytes(b"half")
    os.utime(stale, (1, 1))
    store(path).save(TOKENS)
    assert not stale.exists() and recent.exists()  # a recent one may belong to a live writer
