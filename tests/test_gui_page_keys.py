"""Step 1 as a user meets it: generate or drop files, see what Salesforce needs."""

from __future__ import annotations

import datetime as dt
import warnings
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from cryptography.hazmat.primitives.serialization import pkcs12
from PySide6.QtCore import QMimeData, QPoint, QPointF, Qt, QUrl
from PySide6.QtGui import QDragEnterEvent, QDropEvent, QGuiApplication
from PySide6.QtWidgets import QApplication, QCheckBox

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
