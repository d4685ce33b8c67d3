"""Step 1 as a user meets it: generate or drop files, see what Salesforce needs."""

from __future__ import annotations

import datetime as dt
import threading
import warnings
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from cryptography.hazmat.primitives.serialization import pkcs12
from gui_windows import open_real_windows
from PySide6.QtCore import QMimeData, QPoint, QPointF, Qt, QUrl
from PySide6.QtGui import QDragEnterEvent, QDropEvent, QGuiApplication
from PySide6.QtWidgets import QApplication, QCheckBox

from sfjwt_gui.engine import keys
from sfjwt_gui.engine.catalog import CATALOG
from sfjwt_gui.engine.certinfo import describe_certificate
from sfjwt_gui.engine.history import HistoryStore
from sfjwt_gui.engine.keyfiles import identify_file, load_certificate
from sfjwt_gui.engine.keys import (
    Subject,
    certificate_pem,
    private_key_pem,
    self_signed_certificate,
)
from sfjwt_gui.engine.profiles import Profile, ProfileStore
from sfjwt_gui.gui import key_files, key_summary
from sfjwt_gui.gui.key_generate import GeneratePanel
from sfjwt_gui.gui.mainwindow import MainWindow
from sfjwt_gui.gui.page_keys import KeysPage
from sfjwt_gui.gui.session import ProfileSession
from sfjwt_gui.gui.tasks import TaskRunner
from sfjwt_gui.gui.widgets import StepState

KeyPair = tuple[rsa.RSAPrivateKey, x509.Certificate]
WAIT_MS = 30_000


@pytest.fixture
def store() -> ProfileStore:
    store = ProfileStore()
    store.save(Profile(name="Acme"))
    store.save(Profile(name="Other", is_demo=True))
    return store


@pytest.fixture
def session(store: ProfileStore) -> Iterator[ProfileSession]:
    session = ProfileSession(store, HistoryStore())
    session.select("Acme")
    yield session
    session.flush()


@pytest.fixture
def page(qtbot: Any, session: ProfileSession) -> KeysPage:
    page = KeysPage(session, TaskRunner(), None)
    qtbot.addWidget(page)
    page.show()
    return page


class HeldWorker:
    """Stands in for an engine call of the generation worker and holds it.

    The worker waits inside the call until ``release``, so a test can press
    Cancel while it is certainly still running, whatever the machine's speed.
    """

    def __init__(self, real: Callable[..., Any]) -> None:
        self.real = real
        self.entered = threading.Event()
        self.released = threading.Event()
        self.threads: list[threading.Thread] = []

    def __call__(self, *args: Any, **kwargs: Any) -> Any:
        self.threads.append(threading.current_thread())
        self.entered.set()
        self.released.wait(timeout=WAIT_MS / 1000)
        return self.real(*args, **kwargs)

    def release_and_wait(self) -> None:
        """Let the held workers go on, wait for them and deliver their results."""
        self.released.set()
        for thread in self.threads:
            thread.join(timeout=WAIT_MS / 1000)
            assert not thread.is_alive()
        QApplication.processEvents()  # a result still coming arrives now


@pytest.fixture
def held_key_generation(
    monkeypatch: pytest.MonkeyPatch, key_pair: KeyPair
) -> Iterator[HeldWorker]:
    """RSA generation that waits for the test, then gives the test key."""
    held = HeldWorker(lambda _bits: key_pair[0])
    monkeypatch.setattr(keys, "generate_private_key", held)
    yield held
    held.released.set()


@pytest.fixture
def held_file_writing(monkeypatch: pytest.MonkeyPatch) -> Iterator[HeldWorker]:
    """The key made, the worker waits for the test right before writing."""
    held = HeldWorker(keys.write_key_and_certificate)
    monkeypatch.setattr(keys, "write_key_and_certificate", held)
    yield held
    held.released.set()


@pytest.fixture
def open_window(qtbot: Any) -> Iterator[Callable[[], MainWindow]]:
    yield from open_real_windows(qtbot)


def write_pair(
    folder: Path,
    key: rsa.RSAPrivateKey,
    cert: x509.Certificate,
    passphrase: bytes | None = None,
) -> tuple[Path, Path]:
    folder.mkdir(parents=True, exist_ok=True)
    key_path, cert_path = folder / "server.key", folder / "server.crt"
    key_path.write_bytes(private_key_pem(key, passphrase))
    cert_path.write_bytes(certificate_pem(cert))
    return key_path, cert_path


def type_into(qtbot: Any, widget: object, text: str) -> None:
    widget.clear()  # type: ignore[attr-defined]
    qtbot.keyClicks(widget, text)


def drop_files(page: KeysPage, paths: list[Path]) -> None:
    mime = QMimeData()
    mime.setUrls([QUrl.fromLocalFile(str(path)) for path in paths])
    center = page.rect().center()
    with warnings.catch_warnings():
        # Qt 6 has no other way to make this event; PySide marks it deprecated.
        warnings.simplefilter("ignore", DeprecationWarning)
        enter = QDragEnterEvent(
            center,
            Qt.DropAction.CopyAction,
            mime,
            Qt.MouseButton.LeftButton,
            Qt.KeyboardModifier.NoModifier,
        )
    QApplication.sendEvent(page, enter)
    assert enter.isAccepted()
    drop = QDropEvent(
        QPointF(center),
        Qt.DropAction.CopyAction,
        mime,
        Qt.MouseButton.LeftButton,
        Qt.KeyboardModifier.NoModifier,
    )
    QApplication.sendEvent(page, drop)


def tick(qtbot: Any, box: QCheckBox) -> None:
    """Click a check box where its box is drawn, as a user does."""
    middle = box.height() // 2
    qtbot.mouseClick(box, Qt.MouseButton.LeftButton, pos=QPoint(middle, middle))


def generate(qtbot: Any, page: KeysPage, folder: Path) -> None:
    panel = page.generate_panel
    type_into(qtbot, panel.folder_edit, str(folder))
    qtbot.mouseClick(panel.generate_button, Qt.MouseButton.LeftButton)


def test_generate_without_passphrase_fills_the_profile_and_the_summary(
    qtbot: Any, page: KeysPage, store: ProfileStore, tmp_path: Path
) -> None:
    assert page.generate_panel.common_name_edit.text() == "sfjwt Acme"

    with qtbot.waitSignal(page.state_changed, timeout=WAIT_MS):
        generate(qtbot, page, tmp_path / "keys")
    qtbot.waitUntil(lambda: page.state() is StepState.DONE, timeout=WAIT_MS)

    key_path, cert_path = (
        tmp_path / "keys" / "server.key",
        tmp_path / "keys" / "server.crt",
    )
    assert not identify_file(key_path).encrypted
    qtbot.waitUntil(
        lambda: store.get("Acme").key_path == str(key_path), timeout=WAIT_MS
    )
    assert store.get("Acme").cert_path == str(cert_path)
    expected = describe_certificate(load_certificate(cert_path)).sha256_fingerprint
    assert page.summary.values["fingerprint"].text().replace("\n", "") == expected
    assert "CN=sfjwt Acme" in page.summary.values["subject"].text()
    assert "Key and certificate belong together" in page.summary.match_label.text()
    assert page.checklist.fingerprint_label.text().replace("\n", "") == expected


def test_generate_with_passphrase_keeps_the_key_encrypted_and_remembers_it(
    qtbot: Any, page: KeysPage, session: ProfileSession, tmp_path: Path
) -> None:
    panel = page.generate_panel
    qtbot.keyClicks(panel.passphrase_edit.edit, "correct horse")
    qtbot.keyClicks(panel.confirm_edit.edit, "correct horse")

    generate(qtbot, page, tmp_path / "locked")
    qtbot.waitUntil(lambda: page.state() is StepState.DONE, timeout=WAIT_MS)

    key_path = tmp_path / "locked" / "server.key"
    assert identify_file(key_path).encrypted
    assert session.passphrase_for(str(key_path)) == b"correct horse"
    assert not page.unlock_row.isVisible()
    assert panel.passphrase_edit.text() == ""
    assert "belong together" in page.summary.match_label.text()


def test_differing_passphrases_generate_nothing(
    qtbot: Any, page: KeysPage, tmp_path: Path
) -> None:
    panel = page.generate_panel
    qtbot.keyClicks(panel.passphrase_edit.edit, "one")
    qtbot.keyClicks(panel.confirm_edit.edit, "two")

    generate(qtbot, page, tmp_path / "never")

    assert panel.confirm_note.isVisible()
    assert "passphrases differ" in panel.confirm_note.text()
    assert not (tmp_path / "never").exists()


def test_a_bad_country_code_is_shown_under_the_form(
    qtbot: Any, page: KeysPage, tmp_path: Path
) -> None:
    panel = page.generate_panel
    qtbot.mouseClick(panel.more_button, Qt.MouseButton.LeftButton)
    qtbot.keyClicks(panel.subject_edits["country"], "1X")

    generate(qtbot, page, tmp_path / "never")

    assert "two-letter code" in panel.result_note.text()
    assert not (tmp_path / "never").exists()


def test_existing_files_are_kept_unless_replace_is_ticked(
    qtbot: Any, page: KeysPage, tmp_path: Path
) -> None:
    folder = tmp_path / "keys"
    generate(qtbot, page, folder)
    qtbot.waitUntil(lambda: page.state() is StepState.DONE, timeout=WAIT_MS)
    first_key = (folder / "server.key").read_bytes()
    panel = page.generate_panel

    generate(qtbot, page, folder)
    qtbot.waitUntil(panel.folder_note.isVisible, timeout=WAIT_MS)

    assert "already exist" in panel.folder_note.text()
    assert (folder / "server.key").read_bytes() == first_key

    tick(qtbot, panel.force_check)
    generate(qtbot, page, folder)
    qtbot.waitUntil(
        lambda: (folder / "server.key").read_bytes() != first_key, timeout=WAIT_MS
    )


def test_dropped_certificate_and_unrelated_key_do_not_belong_together(
    qtbot: Any,
    page: KeysPage,
    key_pair: KeyPair,
    other_key_pair: KeyPair,
    tmp_path: Path,
) -> None:
    _, cert_path = write_pair(tmp_path / "a", *key_pair)
    other_key, _ = write_pair(tmp_path / "b", *other_key_pair)

    drop_files(page, [cert_path, other_key])
    qtbot.waitUntil(lambda: page.state() is StepState.ERROR, timeout=WAIT_MS)

    assert "do NOT belong together" in page.summary.match_label.text()
    assert CATALOG["cert_key_mismatch"].title in page.findings_note.text()
    note = page.files_panel.drop_note.text()
    assert "server.crt: X.509 certificate (PEM) for CN=sfjwt test" in note
    assert "used as the certificate" in note
    assert "used as the private key" in note
    assert page.files_panel.key_edit.text() == str(other_key)


def test_a_dropped_file_that_is_no_key_says_what_it_is(
    qtbot: Any, page: KeysPage, session: ProfileSession, tmp_path: Path
) -> None:
    notes = tmp_path / "notes.txt"
    notes.write_text("remember the milk\n")

    drop_files(page, [notes])
    qtbot.waitUntil(
        lambda: "notes.txt" in page.files_panel.drop_note.text(), timeout=WAIT_MS
    )

    assert page.files_panel.drop_note.text() == (
        "notes.txt: not a key or certificate, so it was not used."
    )
    assert session.profile is not None
    assert session.profile.key_path == ""
    assert page.state() is StepState.NONE


def test_an_encrypted_key_asks_for_its_passphrase_on_the_page(
    qtbot: Any,
    page: KeysPage,
    session: ProfileSession,
    key_pair: KeyPair,
    tmp_path: Path,
) -> None:
    key_path, cert_path = write_pair(tmp_path, *key_pair, passphrase=b"s3cret pass")
    qtbot.mouseClick(
        page.tabs.tabBar(),
        Qt.MouseButton.LeftButton,
        pos=page.tabs.tabBar().tabRect(1).center(),
    )
    type_into(qtbot, page.files_panel.key_edit, str(key_path))
    type_into(qtbot, page.files_panel.cert_edit, str(cert_path))

    qtbot.waitUntil(page.unlock_row.isVisible, timeout=WAIT_MS)
    assert page.state() is StepState.ERROR

    qtbot.keyClicks(page.passphrase_edit.edit, "wrong guess")
    qtbot.mouseClick(page.unlock_button, Qt.MouseButton.LeftButton)
    wrong_title = CATALOG["key_passphrase_wrong"].title
    qtbot.waitUntil(lambda: wrong_title in page.unlock_note.text(), timeout=WAIT_MS)
    assert session.passphrase_for(str(key_path)) is None

    type_into(qtbot, page.passphrase_edit.edit, "s3cret pass")
    qtbot.keyClick(page.passphrase_edit.edit, Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: page.state() is StepState.DONE, timeout=WAIT_MS)

    assert not page.unlock_row.isVisible()
    assert session.passphrase_for(str(key_path)) == b"s3cret pass"
    assert "belong together" in page.summary.match_label.text()


def test_browsing_for_a_p12_bundle_fills_key_and_certificate(
    qtbot: Any,
    page: KeysPage,
    key_pair: KeyPair,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    key, cert = key_pair
    bundle = tmp_path / "bundle.p12"
    bundle.write_bytes(
        pkcs12.serialize_key_and_certificates(
            b"bundle", key, cert, None, serialization.NoEncryption()
        )
    )
    monkeypatch.setattr(key_files, "ask_open_file", lambda *_args: str(bundle))
    page.tabs.setCurrentWidget(page.files_panel)

    qtbot.mouseClick(page.files_panel.key_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: page.state() is StepState.DONE, timeout=WAIT_MS)

    assert page.files_panel.key_edit.text() == str(bundle)
    assert page.files_panel.cert_edit.text() == str(bundle)
    assert "belong together" in page.summary.match_label.text()


def test_key_without_certificate_is_a_warning(
    qtbot: Any, page: KeysPage, key_pair: KeyPair, tmp_path: Path
) -> None:
    key_path, _ = write_pair(tmp_path, *key_pair)

    type_into(qtbot, page.files_panel.key_edit, str(key_path))
    qtbot.waitUntil(lambda: page.state() is StepState.WARNING, timeout=WAIT_MS)

    assert page.summary.values["key"].text() == "RSA, 2048 bits"
    assert CATALOG["cert_missing"].title in page.findings_note.text()


def test_certificate_can_be_copied_and_saved_for_upload(
    qtbot: Any,
    page: KeysPage,
    key_pair: KeyPair,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    _, cert_path = write_pair(tmp_path / "in", *key_pair)
    target = tmp_path / "upload" / "for-salesforce.crt"
    asked: list[Path] = []

    def fake_ask(_parent: object, suggested: Path) -> Path:
        asked.append(suggested)
        return target

    monkeypatch.setattr(key_summary, "ask_save_certificate_path", fake_ask)
    drop_files(page, [cert_path])
    qtbot.waitUntil(page.summary.save_button.isEnabled, timeout=WAIT_MS)

    qtbot.mouseClick(page.summary.copy_button, Qt.MouseButton.LeftButton)
    with qtbot.waitSignal(page.status_message, timeout=WAIT_MS) as saved:
        qtbot.mouseClick(page.summary.save_button, Qt.MouseButton.LeftButton)

    pem = certificate_pem(key_pair[1])
    assert QGuiApplication.clipboard().text() == pem.decode("ascii")
    assert target.read_bytes() == pem
    assert asked == [cert_path]
    assert saved.args == [f"Certificate saved to {target}"]


def test_an_expired_certificate_is_a_warning_that_salesforce_still_accepts(
    qtbot: Any, page: KeysPage, key_pair: KeyPair, tmp_path: Path
) -> None:
    key = key_pair[0]
    long_ago = dt.datetime.now(dt.timezone.utc) - dt.timedelta(days=400)
    expired = self_signed_certificate(key, Subject("old"), days=30, now=long_ago)
    key_path, cert_path = write_pair(tmp_path, key, expired)

    drop_files(page, [key_path, cert_path])
    qtbot.waitUntil(lambda: page.state() is StepState.WARNING, timeout=WAIT_MS)

    assert "expired 370 days ago" in page.summary.values["days_left"].text()
    assert "keeps accepting an expired certificate" in page.summary.expiry_note.text()
    assert CATALOG["cert_expired"].title in page.findings_note.text()
    assert "belong together" in page.summary.match_label.text()


def test_open_folder_shows_the_certificate_folder(
    qtbot: Any,
    page: KeysPage,
    key_pair: KeyPair,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    _, cert_path = write_pair(tmp_path / "certs", *key_pair)
    opened: list[Path] = []
    monkeypatch.setattr(key_summary, "open_in_file_manager", opened.append)
    drop_files(page, [cert_path])
    qtbot.waitUntil(page.summary.open_button.isEnabled, timeout=WAIT_MS)

    qtbot.mouseClick(page.summary.open_button, Qt.MouseButton.LeftButton)

    assert opened == [cert_path.resolve().parent]


def test_checklist_ticks_are_saved_per_profile(
    qtbot: Any, page: KeysPage, session: ProfileSession, store: ProfileStore
) -> None:
    box = page.checklist.boxes["admin_approved"]

    with qtbot.waitSignal(session.saved, timeout=WAIT_MS):
        tick(qtbot, box)
    assert store.get("Acme").checklist == ["admin_approved"]

    session.select("Other")
    assert not box.isChecked()
    assert page.checklist.demo_note.isVisible()
    session.select("Acme")
    assert box.isChecked()
    assert not page.checklist.demo_note.isVisible()


def test_without_a_profile_the_page_is_disabled_and_empty(
    page: KeysPage, session: ProfileSession
) -> None:
    session.select(None)

    assert not page.isEnabled()
    assert page.files_panel.key_edit.text() == ""
    assert page.state() is StepState.NONE


def old_files_in_profile(
    session: ProfileSession, key_pair: KeyPair, folder: Path
) -> tuple[str, str]:
    key_path, cert_path = (str(path) for path in write_pair(folder, *key_pair))
    session.update(key_path=key_path, cert_path=cert_path)
    session.flush()
    return key_path, cert_path


def assert_nothing_generated(
    panel: GeneratePanel, session: ProfileSession, folder: Path, old: tuple[str, str]
) -> None:
    assert not (folder / "server.key").exists()
    assert not (folder / "server.crt").exists()
    session.flush()
    for profile in (session.profile, session.store.get("Acme")):
        assert profile is not None
        assert (profile.key_path, profile.cert_path) == old
    assert not panel.is_running()
    assert panel.generate_button.isEnabled()
    assert not panel.cancel_button.isVisible()
    assert not panel.busy_bar.isVisible()


def test_cancel_in_the_panel_writes_no_file_and_keeps_the_profile(
    qtbot: Any,
    page: KeysPage,
    session: ProfileSession,
    key_pair: KeyPair,
    held_key_generation: HeldWorker,
    tmp_path: Path,
) -> None:
    old = old_files_in_profile(session, key_pair, tmp_path / "old")
    panel = page.generate_panel
    page.tabs.setCurrentWidget(panel)
    messages: list[str] = []
    page.status_message.connect(messages.append)
    assert not panel.cancel_button.isVisible()
    type_into(qtbot, panel.folder_edit, str(tmp_path / "new"))
    qtbot.waitActive(page)
    panel.generate_button.setFocus()

    qtbot.keyClick(panel.generate_button, Qt.Key.Key_Space)
    qtbot.waitUntil(held_key_generation.entered.is_set, timeout=WAIT_MS)
    assert panel.cancel_button.isVisible()
    assert panel.cancel_button.accessibleName() == "Cancel key generation"
    assert panel.cancel_button.hasFocus()  # Space again cancels

    qtbot.keyClick(panel.cancel_button, Qt.Key.Key_Space)

    # Idle at once, while the worker is still held.
    assert not panel.is_running()
    assert not panel.cancel_button.isVisible()
    assert panel.generate_button.hasFocus()
    assert messages[-1] == "Key generation cancelled: no files were written"
    assert "Key generation cancelled" in panel.result_note.text()
    held_key_generation.release_and_wait()
    assert_nothing_generated(panel, session, tmp_path / "new", old)
    assert "Key generation cancelled" in panel.result_note.text()


def test_the_window_cancel_action_cancels_a_key_generation(
    qtbot: Any,
    open_window: Callable[[], MainWindow],
    key_pair: KeyPair,
    held_key_generation: HeldWorker,
    tmp_path: Path,
) -> None:
    old_key, old_cert = write_pair(tmp_path / "old", *key_pair)
    old = (str(old_key), str(old_cert))
    store = ProfileStore()
    store.save(Profile(name="Acme", key_path=old[0], cert_path=old[1]))
    window = open_window()
    qtbot.waitUntil(lambda: window.steps is not None, timeout=WAIT_MS)
    assert window.steps is not None
    window.steps.set_current(0)
    page = window.steps.page(0)
    assert isinstance(page, KeysPage)
    panel = page.generate_panel
    page.tabs.setCurrentWidget(panel)

    generate(qtbot, page, tmp_path / "new")
    qtbot.waitUntil(held_key_generation.entered.is_set, timeout=WAIT_MS)
    assert window.menus.cancel_action.isEnabled()

    window.menus.cancel_action.trigger()

    assert not panel.is_running()
    assert not panel.cancel_button.isVisible()
    assert window.statusBar().currentMessage() == (
        "Key generation cancelled: no files were written"
    )
    held_key_generation.release_and_wait()
    assert_nothing_generated(panel, window.session, tmp_path / "new", old)


def test_cancel_after_the_files_are_written_says_so_and_keeps_them(
    qtbot: Any,
    page: KeysPage,
    session: ProfileSession,
    store: ProfileStore,
    held_file_writing: HeldWorker,
    tmp_path: Path,
) -> None:
    panel = page.generate_panel
    folder = tmp_path / "keys"
    generate(qtbot, page, folder)
    qtbot.waitUntil(held_file_writing.entered.is_set, timeout=WAIT_MS)

    with qtbot.waitSignal(page.status_message, timeout=WAIT_MS) as refused:
        qtbot.mouseClick(panel.cancel_button, Qt.MouseButton.LeftButton)
    assert refused.args == [
        "Too late to cancel: the key and certificate are being written"
    ]
    with qtbot.waitSignal(panel.generated, timeout=WAIT_MS):
        held_file_writing.release_and_wait()

    assert (folder / "server.key").exists()
    assert (folder / "server.crt").exists()
    session.flush()
    assert store.get("Acme").key_path == str(folder / "server.key")
    assert "Cancel came too late" in panel.result_note.text()
    assert not panel.is_running()


def test_enter_in_a_field_of_the_generate_panel_presses_generate(
    qtbot: Any,
    page: KeysPage,
    held_key_generation: HeldWorker,
    tmp_path: Path,
) -> None:
    panel = page.generate_panel
    type_into(qtbot, panel.folder_edit, str(tmp_path / "keys"))
    qtbot.mouseClick(panel.more_button, Qt.MouseButton.LeftButton)
    fields = [
        panel.common_name_edit,
        *panel.subject_edits.values(),
        panel.passphrase_edit.edit,
        panel.confirm_edit.edit,
        panel.folder_edit,
    ]

    for field in fields:
        assert field.isVisible()
        field.setFocus()
        qtbot.keyClick(field, Qt.Key.Key_Return)
        assert panel.is_running(), field.accessibleName()
        assert panel.busy_bar.isVisible()
        panel.cancel_generation()

    held_key_generation.release_and_wait()
    assert len(held_key_generation.threads) == len(fields)
    assert not (tmp_path / "keys").exists()
