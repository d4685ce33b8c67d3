"""A key's passphrase in the system keychain: the engine and the command line.

Every test runs against a stand-in keychain (keyring_stand_in), never the
machine's own.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from cryptography import x509
from cryptography.hazmat.primitives.asymmetric import rsa
from keyring_stand_in import (
    BrokenKeyring,
    CryptFileKeyring,
    EmptyChainer,
    LockedKeyring,
    MemoryKeyring,
    NoKeyring,
    PlaintextFileKeyring,
    installed,
    no_backend,
)

from sfjwt_gui.cli.main import main
from sfjwt_gui.engine import keychain
from sfjwt_gui.engine.keychain import SERVICE, KeychainError
from sfjwt_gui.engine.keys import certificate_pem, private_key_pem
from sfjwt_gui.engine.profiles import Profile, ProfileStore

KeyPair = tuple[rsa.RSAPrivateKey, x509.Certificate]
PASSPHRASE = b"correct horse battery"
NO_KEYCHAIN = "No system keychain is available here ("


@pytest.fixture
def memory() -> Iterator[MemoryKeyring]:
    with installed(MemoryKeyring()) as backend:
        assert isinstance(backend, MemoryKeyring)
        yield backend


@pytest.fixture
def locked_key(tmp_path: Path, key_pair: KeyPair) -> Path:
    path = tmp_path / "keys" / "locked.key"
    path.parent.mkdir()
    path.write_bytes(private_key_pem(key_pair[0], PASSPHRASE))
    return path


# ---- the engine --------------------------------------------------------------


def test_a_passphrase_is_kept_fetched_and_forgotten_per_profile_and_key(
    memory: MemoryKeyring, locked_key: Path
) -> None:
    keychain.store_passphrase("Acme Prod", str(locked_key), PASSPHRASE)

    [(service, username)] = memory.entries
    assert service == SERVICE == "sfjwt-gui"
    assert username == f"acme prod | {locked_key.resolve()}"
    assert keychain.fetch_passphrase("ACME prod", str(locked_key)) == PASSPHRASE
    assert keychain.fetch_passphrase("Acme UAT", str(locked_key)) is None
    assert keychain.fetch_passphrase("Acme Prod", str(locked_key) + ".old") is None

    assert keychain.forget_passphrase("Acme Prod", str(locked_key)) is True
    assert memory.entries == {}
    assert keychain.forget_passphrase("Acme Prod", str(locked_key)) is False


def test_a_rename_moves_the_entry(memory: MemoryKeyring, locked_key: Path) -> None:
    keychain.store_passphrase("Acme", str(locked_key), PASSPHRASE)

    assert keychain.move_passphrase("Acme", "Acme Prod", str(locked_key)) is True

    assert keychain.fetch_passphrase("Acme", str(locked_key)) is None
    assert keychain.fetch_passphrase("Acme Prod", str(locked_key)) == PASSPHRASE
    assert len(memory.entries) == 1
    assert keychain.move_passphrase("Nobody", "Somebody", str(locked_key)) is False


def test_only_a_passphrase_that_opens_the_key_is_remembered(
    memory: MemoryKeyring, locked_key: Path, tmp_path: Path, key_pair: KeyPair
) -> None:
    plain_key = tmp_path / "plain.key"
    plain_key.write_bytes(private_key_pem(key_pair[0]))

    assert keychain.remember_passphrase("Acme", str(locked_key), b"wrong") is False
    assert keychain.remember_passphrase("Acme", str(plain_key), PASSPHRASE) is False
    assert (
        keychain.remember_passphrase("Acme", str(tmp_path / "gone.key"), b"x") is False
    )
    assert memory.entries == {}

    assert keychain.remember_passphrase("Acme", str(locked_key), PASSPHRASE) is True
    assert memory.passwords() == [PASSPHRASE.decode()]


def test_remembering_a_new_key_drops_the_old_keys_entry(
    memory: MemoryKeyring, locked_key: Path, tmp_path: Path, key_pair: KeyPair
) -> None:
    new_key = tmp_path / "new.key"
    new_key.write_bytes(private_key_pem(key_pair[0], b"new passphrase"))
    keychain.store_passphrase("Acme", str(locked_key), PASSPHRASE)

    keychain.remember_passphrase(
        "Acme", str(new_key), b"new passphrase", previous_key_path=str(locked_key)
    )

    assert keychain.fetch_passphrase("Acme", str(locked_key)) is None
    assert keychain.fetch_passphrase("Acme", str(new_key)) == b"new passphrase"


def test_a_passphrase_that_no_longer_opens_the_key_is_stale(
    memory: MemoryKeyring, locked_key: Path, key_pair: KeyPair
) -> None:
    keychain.store_passphrase("Acme", str(locked_key), PASSPHRASE)
    assert keychain.recall_passphrase("Acme", str(locked_key)).passphrase == PASSPHRASE

    locked_key.write_bytes(private_key_pem(key_pair[0], b"the key was replaced"))
    recalled = keychain.recall_passphrase("Acme", str(locked_key))

    assert recalled.passphrase is None
    assert recalled.stale
    assert keychain.recall_passphrase("Other", str(locked_key)).stale is False


@pytest.mark.parametrize(
    ("backend", "reason"),
    [
        (no_backend(), "D-Bus"),
        (EmptyChainer(), "D-Bus"),
        (PlaintextFileKeyring(), "not a system keychain (PlaintextFileKeyring)"),
        (CryptFileKeyring(), "not a system keychain (CryptFileKeyring)"),
    ],
    ids=[
        "keyring-fail-backend",
        "chainer-without-backends",
        "keyrings-alt-file",
        "keyrings-cryptfile",
    ],
)
def test_no_usable_keychain_is_said_plainly_and_nothing_is_written(
    backend: Any, reason: str, locked_key: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr("sys.platform", "linux")

    with installed(backend):
        status = keychain.keychain_status()
        with pytest.raises(KeychainError) as raised:
            keychain.store_passphrase("Acme", str(locked_key), PASSPHRASE)

    assert not status.available
    assert status.note.startswith(NO_KEYCHAIN)
    assert status.note.endswith("the passphrase will be asked for each time.")
    assert reason in status.note
    assert raised.value.code == "keychain_unavailable"
    assert raised.value.fix
    if isinstance(backend, MemoryKeyring):
        assert backend.entries == {}


def test_a_working_keychain_is_named(memory: MemoryKeyring) -> None:
    status = keychain.keychain_status()

    assert status.available
    assert status.backend == "MemoryKeyring"
    assert "MemoryKeyring" in status.note


def test_a_failing_keychain_becomes_a_message_naming_it_without_the_secret(
    locked_key: Path,
) -> None:
    with installed(BrokenKeyring()):
        with pytest.raises(KeychainError) as on_read:
            keychain.fetch_passphrase("Acme", str(locked_key))
        with pytest.raises(KeychainError) as on_store:
            keychain.store_passphrase("Acme", str(locked_key), PASSPHRASE)

    for raised in (on_read, on_store):
        assert "BrokenKeyring" in raised.value.message
        assert BrokenKeyring.message in raised.value.message
        assert raised.value.fix
    assert PASSPHRASE.decode() not in str(on_store.value)


def test_a_locked_or_vanished_keychain_says_which(locked_key: Path) -> None:
    with installed(LockedKeyring()), pytest.raises(KeychainError) as locked:
        keychain.fetch_passphrase("Acme", str(locked_key))
    with installed(NoKeyring()), pytest.raises(KeychainError) as vanished:
        keychain.fetch_passphrase("Acme", str(locked_key))

    assert locked.value.code == "keychain_locked"
    assert "Unlock the LockedKeyring" in locked.value.fix
    assert vanished.value.code == "keychain_unavailable"


def test_a_passphrase_that_is_not_text_is_refused_clearly(
    memory: MemoryKeyring, locked_key: Path
) -> None:
    with pytest.raises(KeychainError, match="not text"):
        keychain.store_passphrase("Acme", str(locked_key), b"\xff\xfe")

    assert memory.entries == {}


def test_a_very_long_key_path_still_makes_a_short_entry_name(tmp_path: Path) -> None:
    deep = tmp_path.joinpath(*["folder-with-a-long-name"] * 30, "server.key")

    first = keychain.entry_name("Acme", str(deep))

    assert len(first) <= keychain.MAX_ENTRY_CHARS
    assert first.startswith("acme | sha256:")
    assert first == keychain.entry_name("acme", str(deep))
    assert first != keychain.entry_name("Acme", str(deep) + "2")


# ---- the command line --------------------------------------------------------


@pytest.fixture
def acme(demo: Any, locked_key: Path, key_pair: KeyPair) -> Profile:
    """A profile of the demo org whose key is encrypted and uses the keychain."""
    cert_path = locked_key.with_suffix(".crt")
    cert_path.write_bytes(certificate_pem(key_pair[1]))
    return ProfileStore().save(
        Profile(
            name="Acme",
            login_url=demo.base_url,
            client_id=demo.client_id,
            username=demo.username,
            key_path=str(locked_key),
            cert_path=str(cert_path),
            timeout_s=5.0,
            use_keychain=True,
        )
    )


def login_json(capsys: pytest.CaptureFixture[str], *extra: str) -> dict[str, Any]:
    main(["login", "--profile", "Acme", "--json", *extra])
    document: dict[str, Any] = json.loads(capsys.readouterr().out)
    return document


def test_login_by_profile_uses_the_remembered_passphrase(
    memory: MemoryKeyring, acme: Profile, capsys: pytest.CaptureFixture[str]
) -> None:
    refused = login_json(capsys)
    assert not refused["ok"]
    assert "key_encrypted" in [item["code"] for item in refused["findings"]]

    keychain.store_passphrase("Acme", acme.key_path, PASSPHRASE)
    passed = login_json(capsys)

    assert passed["ok"], passed["findings"]


def test_login_prefers_passphrase_env_over_the_keychain(
    memory: MemoryKeyring,
    acme: Profile,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    keychain.store_passphrase("Acme", acme.key_path, PASSPHRASE)
    memory.reads = 0
    monkeypatch.setenv("ACME_PASSPHRASE", PASSPHRASE.decode())

    passed = login_json(capsys, "--passphrase-env", "ACME_PASSPHRASE")

    assert passed["ok"]
    assert memory.reads == 0


def test_login_without_a_keychain_says_so_and_goes_on(
    acme: Profile, capsys: pytest.CaptureFixture[str]
) -> None:
    with installed(no_backend()):
        status = main(["login", "--profile", "Acme"])
    captured = capsys.readouterr()

    assert status != 0
    assert "Passphrase not taken from the keychain" in captured.err
    assert "needs its passphrase" in captured.out


def test_login_typed_passphrase_replaces_a_stale_one(
    memory: MemoryKeyring,
    acme: Profile,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    from sfjwt_gui.cli import passphrase

    keychain.store_passphrase("Acme", acme.key_path, b"the old key's passphrase")
    monkeypatch.setattr(passphrase, "ask_passphrase", lambda _prompt: PASSPHRASE)

    status = main(["login", "--profile", "Acme"])

    assert status == 0
    assert "no longer opens its key" in capsys.readouterr().err
    assert keychain.fetch_passphrase("Acme", acme.key_path) == PASSPHRASE


def never_ask(prompt: str) -> bytes | None:
    raise AssertionError(f"asked on the terminal: {prompt}")


def test_export_report_by_profile_uses_the_remembered_passphrase(
    memory: MemoryKeyring,
    acme: Profile,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    from sfjwt_gui.cli import passphrase

    keychain.store_passphrase("Acme", acme.key_path, PASSPHRASE)
    monkeypatch.setattr(passphrase, "ask_passphrase", never_ask)

    status = main(["export", "--profile", "Acme", "--format", "report-json"])
    report = json.loads(capsys.readouterr().out)

    assert status == 0
    assert report["result"]["ok"], report["result"]
    assert PASSPHRASE.decode() not in json.dumps(report)


def test_export_report_prefers_passphrase_env_over_the_keychain(
    memory: MemoryKeyring,
    acme: Profile,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    keychain.store_passphrase("Acme", acme.key_path, b"a passphrase that fails")
    memory.reads = 0
    monkeypatch.setenv("ACME_PASSPHRASE", PASSPHRASE.decode())

    main([
        "export", "--profile", "Acme", "--format", "report-json",
        "--passphrase-env", "ACME_PASSPHRASE",
    ])  # fmt: skip
    report = json.loads(capsys.readouterr().out)

    assert report["result"]["ok"], report["result"]
    assert memory.reads == 0


def test_profiles_forget_passphrase_delete_and_rename_follow_the_keychain(
    memory: MemoryKeyring, acme: Profile, capsys: pytest.CaptureFixture[str]
) -> None:
    keychain.store_passphrase("Acme", acme.key_path, PASSPHRASE)

    assert main(["profiles", "rename", "Acme", "Acme Prod"]) == 0
    assert keychain.fetch_passphrase("Acme Prod", acme.key_path) == PASSPHRASE
    assert keychain.fetch_passphrase("Acme", acme.key_path) is None

    assert main(["profiles", "forget-passphrase", "Acme Prod"]) == 0
    assert memory.entries == {}
    assert main(["profiles", "forget-passphrase", "Acme Prod"]) == 0
    output = capsys.readouterr().out
    assert "Removed the passphrase of Acme Prod from the system keychain." in output
    assert "keeps no passphrase for Acme Prod" in output

    keychain.store_passphrase("Acme Prod", acme.key_path, PASSPHRASE)
    assert main(["profiles", "delete", "Acme Prod"]) == 0
    assert memory.entries == {}


def test_profiles_add_sets_the_keychain_switch(memory: MemoryKeyring) -> None:
    assert main(["profiles", "add", "Acme", "--keychain"]) == 0
    assert ProfileStore().get("Acme").use_keychain

    assert main(["profiles", "add", "Acme", "--no-keychain"]) == 0
    assert not ProfileStore().get("Acme").use_keychain
