"""The keychain switch as a user meets it: step 1, the passphrase dialog, the list.

Every test runs against a stand-in keychain (keyring_stand_in), never the
machine's own.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from cryptography import x509
from cryptography.hazmat.primitives.asymmetric import rsa
from gui_stand_ins import click, make_window
from keyring.backend import KeyringBackend
from keyring_stand_in import (
    BrokenKeyring,
    MemoryKeyring,
    PlaintextFileKeyring,
    installed,
    no_backend,
)
from PySide6.QtCore import QPoint, Qt
from PySide6.QtWidgets import QCheckBox, QDialog, QLabel, QWidget

from sfjwt_gui.engine import keychain
from sfjwt_gui.engine.history import HistoryStore
from sfjwt_gui.engine.keys import certificate_pem, private_key_pem
from sfjwt_gui.engine.login import LoginResult
from sfjwt_gui.engine.profiles import Profile, ProfileStore
from sfjwt_gui.gui import passphrase_dialog, sidebar_actions
from sfjwt_gui.gui.mainwindow import MainWindow
from sfjwt_gui.gui.page_keys import KeysPage
from sfjwt_gui.gui.page_test import TestPage
from sfjwt_gui.gui.passphrase_dialog import PassphraseDialog
from sfjwt_gui.gui.session import STALE_NOTE, ProfileSession
from sfjwt_gui.gui.tasks import TaskRunner
from sfjwt_gui.gui.widgets import StepState

KeyPair = tuple[rsa.RSAPrivateKey, x509.Certificate]
WAIT_MS = 20_000
PASSPHRASE = b"correct horse battery"
NO_KEYCHAIN = "No system keychain is available here ("


@pytest.fixture
def memory() -> Iterator[MemoryKeyring]:
    backend = MemoryKeyring()
    with installed(backend):
        yield backend


@pytest.fixture
def key_files(tmp_path: Path, key_pair: KeyPair) -> tuple[Path, Path]:
    """An encrypted key and its certificate."""
    key_path, cert_path = tmp_path / "locked.key", tmp_path / "locked.crt"
    key_path.write_bytes(private_key_pem(key_pair[0], PASSPHRASE))
    cert_path.write_bytes(certificate_pem(key_pair[1]))
    return key_path, cert_path


def save_acme(key_files: tuple[Path, Path], **fields: Any) -> Profile:
    key_path, cert_path = key_files
    profile = Profile(
        name="Acme", key_path=str(key_path), cert_path=str(cert_path), **fields
    )
    return ProfileStore().save(profile)


@pytest.fixture
def open_page(qtbot: Any) -> Iterator[Callable[[], tuple[ProfileSession, KeysPage]]]:
    """Step 1 on Acme, as after a fresh start; sessions are flushed afterwards."""
    sessions: list[ProfileSession] = []

    def make() -> tuple[ProfileSession, KeysPage]:
        session = ProfileSession(ProfileStore(), HistoryStore())
        session.select("Acme")
        page = KeysPage(session, TaskRunner(), None)
        qtbot.addWidget(page)
        page.show()
        sessions.append(session)
        return session, page

    yield make
    for session in sessions:
        session.flush()


def tick(qtbot: Any, box: QCheckBox) -> None:
    """Click a check box where its box is drawn, as a user does."""
    middle = box.height() // 2
    qtbot.mouseClick(box, Qt.MouseButton.LeftButton, pos=QPoint(middle, middle))


def unlock(qtbot: Any, page: KeysPage, text: str) -> None:
    page.passphrase_edit.edit.clear()
    qtbot.keyClicks(page.passphrase_edit.edit, text)
    qtbot.mouseClick(page.unlock_button, Qt.MouseButton.LeftButton)


def test_a_ticked_box_keeps_the_passphrase_and_a_restart_does_not_ask(
    qtbot: Any,
    memory: MemoryKeyring,
    key_files: tuple[Path, Path],
    open_page: Callable[[], tuple[ProfileSession, KeysPage]],
) -> None:
    save_acme(key_files)
    session, page = open_page()
    box = page.keychain_box
    qtbot.waitUntil(page.unlock_row.isVisible, timeout=WAIT_MS)
    assert box.isVisible()
    qtbot.waitUntil(lambda: session.keychain_status is not None, timeout=WAIT_MS)
    assert box.check.isEnabled()
    assert not box.check.isChecked()

    tick(qtbot, box.check)
    unlock(qtbot, page, "not the passphrase")
    qtbot.waitUntil(lambda: page.unlock_note.text() != "", timeout=WAIT_MS)
    unlock(qtbot, page, PASSPHRASE.decode())

    qtbot.waitUntil(
        lambda: memory.passwords() == [PASSPHRASE.decode()], timeout=WAIT_MS
    )
    qtbot.waitUntil(
        lambda: "kept in the MemoryKeyring" in box.note.text(), timeout=WAIT_MS
    )
    session.flush()
    assert ProfileStore().get("Acme").use_keychain

    restarted, again = open_page()
    qtbot.waitUntil(lambda: again.state() is StepState.DONE, timeout=WAIT_MS)
    assert not again.unlock_row.isVisible()
    assert again.keychain_box.check.isChecked()
    assert restarted.passphrase_for(str(key_files[0])) == PASSPHRASE

    tick(qtbot, again.keychain_box.check)
    qtbot.waitUntil(lambda: memory.entries == {}, timeout=WAIT_MS)
    restarted.flush()
    assert not ProfileStore().get("Acme").use_keychain


def test_a_stored_passphrase_that_no_longer_fits_is_asked_again_and_replaced(
    qtbot: Any,
    memory: MemoryKeyring,
    key_files: tuple[Path, Path],
    open_page: Callable[[], tuple[ProfileSession, KeysPage]],
) -> None:
    save_acme(key_files, use_keychain=True)
    keychain.store_passphrase("Acme", str(key_files[0]), b"the old key's")

    session, page = open_page()
    qtbot.waitUntil(
        lambda: page.keychain_box.note.text() == STALE_NOTE, timeout=WAIT_MS
    )
    assert page.unlock_row.isVisible()
    assert session.passphrase_for(str(key_files[0])) is None

    unlock(qtbot, page, PASSPHRASE.decode())

    qtbot.waitUntil(
        lambda: memory.passwords() == [PASSPHRASE.decode()], timeout=WAIT_MS
    )
    assert page.state() is StepState.DONE


@pytest.mark.parametrize(
    "make_backend",
    [no_backend, PlaintextFileKeyring],
    ids=["no-backend", "plaintext-file-backend"],
)
def test_without_a_keychain_the_box_is_disabled_and_says_why(
    qtbot: Any,
    make_backend: Callable[[], KeyringBackend],
    key_files: tuple[Path, Path],
    open_page: Callable[[], tuple[ProfileSession, KeysPage]],
) -> None:
    save_acme(key_files)
    with installed(make_backend()) as backend:
        _session, page = open_page()
        box = page.keychain_box
        qtbot.waitUntil(lambda: not box.check.isEnabled(), timeout=WAIT_MS)

        unlock(qtbot, page, PASSPHRASE.decode())
        qtbot.waitUntil(lambda: page.state() is StepState.DONE, timeout=WAIT_MS)

    assert box.isVisible()
    assert not box.check.isChecked()
    for text in (box.check.toolTip(), box.note.text()):
        assert text.startswith(NO_KEYCHAIN)
        assert text.endswith("the passphrase will be asked for each time.")
    if isinstance(backend, MemoryKeyring):
        assert backend.entries == {}


def test_a_failing_keychain_is_named_under_the_box_without_the_passphrase(
    qtbot: Any,
    key_files: tuple[Path, Path],
    open_page: Callable[[], tuple[ProfileSession, KeysPage]],
) -> None:
    save_acme(key_files, use_keychain=True)
    with installed(BrokenKeyring()):
        session, page = open_page()
        note = page.keychain_box.note
        qtbot.waitUntil(lambda: "BrokenKeyring" in note.text(), timeout=WAIT_MS)
        unlock(qtbot, page, PASSPHRASE.decode())
        qtbot.waitUntil(lambda: "could not store" in note.text(), timeout=WAIT_MS)

    assert BrokenKeyring.message in note.text()
    assert PASSPHRASE.decode() not in note.text()
    assert session.passphrase_for(str(key_files[0])) == PASSPHRASE


def test_the_dialog_offers_the_box_and_closes_when_the_keychain_answers(
    qtbot: Any, memory: MemoryKeyring, key_files: tuple[Path, Path]
) -> None:
    save_acme(key_files, use_keychain=True)
    keychain.store_passphrase("Acme", str(key_files[0]), PASSPHRASE)
    session = ProfileSession(ProfileStore(), HistoryStore())

    with qtbot.waitSignal(session.recall_finished, timeout=WAIT_MS):
        session.select("Acme")
        dialog = PassphraseDialog(str(key_files[0]), None, session)
        qtbot.addWidget(dialog)
        dialog.show()
        assert dialog.lookup_label.isVisible()
        assert dialog.keychain_box is not None
        assert dialog.keychain_box.check.isChecked()

    assert dialog.result() == QDialog.DialogCode.Accepted
    assert dialog.passphrase() == PASSPHRASE


def test_a_passphrase_asked_for_one_check_is_said_to_be_kept_nowhere(
    qtbot: Any, memory: MemoryKeyring, key_files: tuple[Path, Path]
) -> None:
    save_acme(key_files, use_keychain=True)
    session = ProfileSession(ProfileStore(), HistoryStore())
    session.select("Acme")

    dialog = PassphraseDialog(
        str(key_files[0]), None, session, what="PKCS#12 bundle", kept=False
    )
    qtbot.addWidget(dialog)
    dialog.show()

    said = " ".join(label.text() for label in dialog.findChildren(QLabel))
    assert "The PKCS#12 bundle <b>" in said
    assert "for this check only and does not keep it" in said
    assert "memory" not in said
    assert dialog.keychain_box is None
    assert not dialog.lookup_label.isVisible()


def test_the_dialog_finds_the_session_of_its_window(
    qtbot: Any, memory: MemoryKeyring
) -> None:
    window = make_window(qtbot)

    assert passphrase_dialog._session_of(window.sidebar) is window.session
    assert passphrase_dialog._session_of(None) is None
    window.close()


def test_a_test_login_after_a_restart_takes_the_passphrase_from_the_keychain(
    qtbot: Any,
    memory: MemoryKeyring,
    demo: Any,
    key_files: tuple[Path, Path],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    save_acme(
        key_files,
        use_keychain=True,
        login_url=demo.base_url,
        client_id=demo.client_id,
        username=demo.username,
        timeout_s=5.0,
    )
    keychain.store_passphrase("Acme", str(key_files[0]), PASSPHRASE)
    asked: list[str] = []

    def ask(_parent: QWidget, key_path: str) -> bytes | None:
        asked.append(key_path)
        return None

    monkeypatch.setattr(PassphraseDialog, "ask", ask)
    session = ProfileSession(ProfileStore(), HistoryStore())
    page = TestPage(session, TaskRunner(), None)
    qtbot.addWidget(page)
    with qtbot.waitSignal(session.recall_finished, timeout=WAIT_MS):
        session.select("Acme")

    with qtbot.waitSignal(page.test_finished, timeout=WAIT_MS) as finished:
        qtbot.mouseClick(page.test_button, Qt.MouseButton.LeftButton)

    result = finished.args[0]
    assert isinstance(result, LoginResult)
    assert result.ok
    assert asked == []


def entry_names(memory: MemoryKeyring) -> list[str]:
    return sorted(username.split(" | ")[0] for _service, username in memory.entries)


def test_duplicate_rename_and_delete_take_the_secret_along_or_not(
    qtbot: Any,
    memory: MemoryKeyring,
    key_files: tuple[Path, Path],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    save_acme(key_files, use_keychain=True)
    keychain.store_passphrase("Acme", str(key_files[0]), PASSPHRASE)
    names = iter(["Acme copy", "Acme Prod"])
    monkeypatch.setattr(sidebar_actions, "ask_name", lambda *_args: next(names))
    monkeypatch.setattr(sidebar_actions, "confirm", lambda *_args: True)
    window: MainWindow = make_window(qtbot)
    sidebar = window.sidebar
    sidebar.reload(select="Acme")

    click(sidebar.buttons["Duplicate"])
    assert sidebar.current_name() == "Acme copy"
    assert ProfileStore().get("Acme copy").use_keychain
    assert entry_names(memory) == ["acme"]

    sidebar.reload(select="Acme")
    click(sidebar.buttons["Rename"])
    qtbot.waitUntil(lambda: entry_names(memory) == ["acme prod"], timeout=WAIT_MS)
    assert memory.passwords() == [PASSPHRASE.decode()]

    click(sidebar.buttons["Delete"])
    qtbot.waitUntil(lambda: memory.entries == {}, timeout=WAIT_MS)
    assert "Acme Prod" not in sidebar.profile_names()
    window.close()
