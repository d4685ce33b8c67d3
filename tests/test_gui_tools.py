"""The Tools dialogs, driven as a user would: paste, browse, drop, type, click."""

from __future__ import annotations

import datetime as dt
import json
import logging
import threading
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import jwt
import pytest
from cryptography import x509
from cryptography.hazmat.primitives.asymmetric import rsa
from cryptography.hazmat.primitives.serialization import (
    BestAvailableEncryption,
    pkcs12,
)
from gui_drops import drop_files as send_drop
from PySide6.QtCore import Qt
from PySide6.QtGui import QGuiApplication
from PySide6.QtWidgets import (
    QAbstractButton,
    QApplication,
    QFileDialog,
    QLineEdit,
    QPlainTextEdit,
    QTreeWidget,
    QTreeWidgetItem,
    QWidget,
)

from sfjwt_gui.engine.assertion import build_claims, sign_assertion
from sfjwt_gui.engine.certinfo import describe_certificate
from sfjwt_gui.engine.keys import certificate_pem, private_key_pem
from sfjwt_gui.gui import tools_inspect, tools_work
from sfjwt_gui.gui.passphrase_dialog import PassphraseDialog
from sfjwt_gui.gui.tasks import TaskRunner
from sfjwt_gui.gui.tools import DecodeDialog, InspectDialog, MatchDialog
from sfjwt_gui.gui.tools_common import distinct_names
from sfjwt_gui.gui.tools_work import FileReport
from sfjwt_gui.gui.widgets import SecretLineEdit

pytestmark = pytest.mark.gui

KeyPair = tuple[rsa.RSAPrivateKey, x509.Certificate]
KEY_PASSPHRASE = "correct horse battery"
BUNDLE_PASSPHRASE = "bundle pass"
WAIT_MS = 15_000


@dataclass(frozen=True)
class Files:
    key: Path
    locked_key: Path
    cert: Path
    other_cert: Path
    garbage: Path
    bundle: Path


@pytest.fixture
def files(tmp_path: Path, key_pair: KeyPair, other_key_pair: KeyPair) -> Files:
    key, cert = key_pair
    other_cert = other_key_pair[1]
    folder = tmp_path / "files"
    folder.mkdir()
    made = Files(
        key=folder / "server.key",
        locked_key=folder / "locked.key",
        cert=folder / "server.crt",
        other_cert=folder / "other.crt",
        garbage=folder / "notes.txt",
        bundle=folder / "bundle.p12",
    )
    made.key.write_bytes(private_key_pem(key))
    made.locked_key.write_bytes(private_key_pem(key, KEY_PASSPHRASE.encode()))
    made.cert.write_bytes(certificate_pem(cert))
    made.other_cert.write_bytes(certificate_pem(other_cert))
    made.garbage.write_bytes(b"shopping list: milk, eggs\n")
    made.bundle.write_bytes(
        pkcs12.serialize_key_and_certificates(
            b"bundle",
            key,
            cert,
            None,
            BestAvailableEncryption(BUNDLE_PASSPHRASE.encode()),
        )
    )
    return made


@pytest.fixture
def tasks() -> Iterator[TaskRunner]:
    runner = TaskRunner()
    yield runner
    runner.cancel_all()


# ---- helpers ----


def paste(widget: QWidget, qtbot: Any, text: str) -> None:
    """Put ``text`` on the clipboard and press Ctrl+V in ``widget``."""
    QGuiApplication.clipboard().setText(text)
    widget.setFocus()
    qtbot.keyClick(widget, Qt.Key.Key_V, Qt.KeyboardModifier.ControlModifier)


def drop_files(widget: QWidget, paths: list[Path]) -> None:
    """Drag local files onto ``widget`` and drop them, as a file manager does."""
    assert send_drop(widget, paths) == (True, True)


def children(item: QTreeWidgetItem) -> list[QTreeWidgetItem]:
    found = [item.child(index) for index in range(item.childCount())]
    return [child for child in found if child is not None]


def section_rows(tree: QTreeWidget, title: str) -> dict[str, tuple[str, str]]:
    """name -> (value, meaning) of the rows under the top-level ``title``."""
    for section in tree.findItems(title, Qt.MatchFlag.MatchExactly, 0):
        return {row.text(0): (row.text(1), row.text(2)) for row in children(section)}
    raise AssertionError(f"no {title!r} section in the tree")


def file_item(tree: QTreeWidget, name: str) -> QTreeWidgetItem:
    matches = tree.findItems(name, Qt.MatchFlag.MatchExactly, 0)
    assert matches, f"{name} is not listed"
    return matches[0]


def detail(item: QTreeWidgetItem, name: str) -> QTreeWidgetItem:
    for row in children(item):
        if row.text(0) == name:
            return row
    raise AssertionError(f"{item.text(0)} has no {name!r} row")


def detail_names(item: QTreeWidgetItem) -> list[str]:
    return [row.text(0) for row in children(item)]


def is_read(tree: QTreeWidget, *names: str) -> Callable[[], bool]:
    def check() -> bool:
        items = [tree.findItems(name, Qt.MatchFlag.MatchExactly, 0) for name in names]
        return all(found and found[0].text(1) != "Reading..." for found in items)

    return check


def next_tab_stop(widget: QWidget) -> QWidget:
    """Where Tab goes from ``widget``."""
    tab_policies = (
        Qt.FocusPolicy.TabFocus,
        Qt.FocusPolicy.StrongFocus,
        Qt.FocusPolicy.WheelFocus,
    )
    candidate = widget.nextInFocusChain()
    while candidate is not None and candidate is not widget:
        if (
            candidate.focusPolicy() in tab_policies
            and candidate.isEnabled()
            and candidate.isVisibleTo(widget.window())
        ):
            return candidate
        candidate = candidate.nextInFocusChain()
    raise AssertionError("nothing to tab to")


def signed_assertion(key: rsa.RSAPrivateKey) -> tuple[str, dict[str, Any]]:
    claims = build_claims(
        client_id="3MVG9testConsumerKey",
        username="ada@example.com",
        audience="https://login.salesforce.com",
    )
    return sign_assertion(claims, key), claims


def choose_file(monkeypatch: pytest.MonkeyPatch, path: Path) -> None:
    """Make the file dialog answer ``path`` as if the user picked it."""

    def answer(*_args: object, **_kwargs: object) -> tuple[str, str]:
        return str(path), ""

    monkeypatch.setattr(QFileDialog, "getOpenFileName", answer)


def answer_passphrases(
    monkeypatch: pytest.MonkeyPatch, answers: list[str | None]
) -> list[str]:
    """Make the passphrase question answer ``answers`` in turn.

    Returns the list of files it is asked about, filled in as the test runs.
    """
    asked: list[str] = []

    def fake_ask(_parent: object, path: str, **_options: object) -> bytes | None:
        asked.append(path)
        answer = answers.pop(0)
        return answer.encode() if answer is not None else None

    monkeypatch.setattr(PassphraseDialog, "ask", fake_ask)
    return asked


# ---- DecodeDialog ----


def test_decode_shows_header_and_claims_with_meanings_and_dates(
    qtbot: Any, key_pair: KeyPair, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    token, claims = signed_assertion(key_pair[0])
    dialog = DecodeDialog()
    qtbot.addWidget(dialog)
    dialog.show()

    paste(dialog.token_edit, qtbot, token)

    header = section_rows(dialog.tree, "Header")
    assert header["alg"][0] == "RS256"
    assert "Salesforce accepts only RS256" in header["alg"][1]
    rows = section_rows(dialog.tree, "Claims")
    assert rows["iss"][0] == "3MVG9testConsumerKey"
    assert "Consumer key" in rows["iss"][1]
    assert rows["sub"][0] == "ada@example.com"
    assert "username" in rows["sub"][1]
    assert rows["aud"][0] == "https://login.salesforce.com"
    assert "login host" in rows["aud"][1]
    expiry = dt.datetime.fromtimestamp(claims["exp"], tz=dt.timezone.utc)
    assert rows["exp"][0].startswith(f"{claims['exp']} = ")
    assert expiry.strftime("%Y-%m-%d %H:%M:%S UTC (in ") in rows["exp"][0]
    assert not dialog.token_note.isVisible()
    assert token not in caplog.text
    assert token.split(".")[2] not in caplog.text


def test_decode_copies_header_and_claims_as_json(qtbot: Any, key_pair: KeyPair) -> None:
    token, claims = signed_assertion(key_pair[0])
    dialog = DecodeDialog()
    qtbot.addWidget(dialog)
    dialog.show()
    assert not dialog.copy_claims_button.isEnabled()

    paste(dialog.token_edit, qtbot, token)
    qtbot.mouseClick(dialog.copy_claims_button, Qt.MouseButton.LeftButton)
    assert json.loads(QGuiApplication.clipboard().text()) == claims
    qtbot.mouseClick(dialog.copy_header_button, Qt.MouseButton.LeftButton)
    assert json.loads(QGuiApplication.clipboard().text()) == {
        "alg": "RS256",
        "typ": "JWT",
    }


def test_pasting_a_private_key_says_so_under_the_box(
    qtbot: Any, key_pair: KeyPair
) -> None:
    dialog = DecodeDialog()
    qtbot.addWidget(dialog)
    dialog.show()

    paste(dialog.token_edit, qtbot, private_key_pem(key_pair[0]).decode())

    assert dialog.token_note.isVisible()
    assert "looks like a private key" in dialog.token_note.text()
    assert dialog.tree.topLevelItemCount() == 0
    assert not dialog.copy_claims_button.isEnabled()

    dialog.token_edit.clear()
    paste(dialog.token_edit, qtbot, signed_assertion(key_pair[0])[0])
    assert not dialog.token_note.isVisible()
    assert dialog.tree.topLevelItemCount() == 2


def test_decode_verifies_signature_against_chosen_certificate(
    qtbot: Any, key_pair: KeyPair, files: Files, monkeypatch: pytest.MonkeyPatch
) -> None:
    token, _claims = signed_assertion(key_pair[0])
    dialog = DecodeDialog()
    qtbot.addWidget(dialog)
    dialog.show()
    paste(dialog.token_edit, qtbot, token)
    assert "Choose the certificate" in dialog.signature_label.text()

    choose_file(monkeypatch, files.cert)
    qtbot.mouseClick(dialog.cert_picker.browse_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(
        lambda: (
            dialog.signature_label.text() == "Signature verifies against server.crt."
        ),
        timeout=WAIT_MS,
    )

    drop_files(dialog, [files.other_cert])
    qtbot.waitUntil(
        lambda: dialog.signature_label.text().startswith(
            "Signature does NOT verify against other.crt"
        ),
        timeout=WAIT_MS,
    )
    assert dialog.cert_picker.path_text() == str(files.other_cert)


def test_decode_explains_why_a_non_rs256_token_cannot_be_checked(
    qtbot: Any, files: Files
) -> None:
    token = jwt.encode({"sub": "ada@example.com"}, "shared secret" * 3, "HS256")
    dialog = DecodeDialog()
    qtbot.addWidget(dialog)
    dialog.show()
    paste(dialog.token_edit, qtbot, token)
    assert "HS256 will be refused" in section_rows(dialog.tree, "Header")["alg"][1]

    drop_files(dialog, [files.cert])

    qtbot.waitUntil(
        lambda: "cannot be checked" in dialog.signature_label.text(), timeout=WAIT_MS
    )
    assert "uses HS256" in dialog.signature_label.text()


def test_decode_shows_a_bad_certificate_file_under_its_field(
    qtbot: Any, key_pair: KeyPair, files: Files
) -> None:
    dialog = DecodeDialog()
    qtbot.addWidget(dialog)
    dialog.show()
    paste(dialog.token_edit, qtbot, signed_assertion(key_pair[0])[0])

    drop_files(dialog.cert_picker, [files.key])

    qtbot.waitUntil(dialog.cert_note.isVisible, timeout=WAIT_MS)
    assert "not a certificate" in dialog.cert_note.text()
    assert "verifies" not in dialog.signature_label.text()


def test_decode_asks_for_a_bundles_passphrase_and_verifies_against_it(
    qtbot: Any,
    key_pair: KeyPair,
    files: Files,
    monkeypatch: pytest.MonkeyPatch,
    caplog: pytest.LogCaptureFixture,
) -> None:
    caplog.set_level(logging.DEBUG)
    asked = answer_passphrases(monkeypatch, [BUNDLE_PASSPHRASE])
    dialog = DecodeDialog()
    qtbot.addWidget(dialog)
    dialog.show()
    paste(dialog.token_edit, qtbot, signed_assertion(key_pair[0])[0])

    drop_files(dialog, [files.bundle])
    qtbot.waitUntil(
        lambda: (
            dialog.signature_label.text() == "Signature verifies against bundle.p12."
        ),
        timeout=WAIT_MS,
    )

    assert asked == [str(files.bundle)]
    assert not dialog.cert_note.isVisible()
    assert not dialog.unlock_button.isVisible()
    assert BUNDLE_PASSPHRASE not in caplog.text


def test_decode_wrong_bundle_passphrase_keeps_the_token_and_can_be_retried(
    qtbot: Any,
    key_pair: KeyPair,
    files: Files,
    monkeypatch: pytest.MonkeyPatch,
    caplog: pytest.LogCaptureFixture,
) -> None:
    caplog.set_level(logging.DEBUG)
    asked = answer_passphrases(monkeypatch, [None, "not it", BUNDLE_PASSPHRASE])
    token = signed_assertion(key_pair[0])[0]
    dialog = DecodeDialog()
    qtbot.addWidget(dialog)
    dialog.show()
    paste(dialog.token_edit, qtbot, token)

    # Cancelled: the note says what the bundle needs; the button asks again.
    drop_files(dialog, [files.bundle])
    qtbot.waitUntil(dialog.unlock_button.isVisible, timeout=WAIT_MS)
    assert "protected by a passphrase" in dialog.cert_note.text()
    assert dialog.unlock_button.accessibleName()
    assert "Unlock bundle.p12" in dialog.signature_label.text()

    qtbot.mouseClick(dialog.unlock_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: "does not open" in dialog.cert_note.text(), timeout=WAIT_MS)
    assert "Enter the passphrase set when the bundle was exported" in (
        dialog.cert_note.text()
    )
    assert dialog.token_text() == token
    assert dialog.tree.topLevelItemCount() == 2
    assert dialog.unlock_button.hasFocus()

    qtbot.keyClick(dialog.unlock_button, Qt.Key.Key_Space)
    qtbot.waitUntil(
        lambda: (
            dialog.signature_label.text() == "Signature verifies against bundle.p12."
        ),
        timeout=WAIT_MS,
    )
    assert asked == [str(files.bundle)] * 3
    assert not dialog.cert_note.isVisible()
    assert "not it" not in caplog.text
    assert BUNDLE_PASSPHRASE not in caplog.text


# ---- InspectDialog ----


def test_inspect_says_what_each_file_is_and_which_key_fits(
    qtbot: Any,
    tasks: TaskRunner,
    files: Files,
    key_pair: KeyPair,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    dialog = InspectDialog(tasks)
    qtbot.addWidget(dialog)
    dialog.show()
    chosen = [str(files.cert), str(files.key), str(files.garbage)]
    monkeypatch.setattr(
        QFileDialog, "getOpenFileNames", lambda *_args, **_kwargs: (chosen, "")
    )

    qtbot.mouseClick(dialog.add_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(
        is_read(dialog.tree, "server.crt", "server.key", "notes.txt"), timeout=WAIT_MS
    )

    cert_row = file_item(dialog.tree, "server.crt")
    assert "X.509 certificate" in cert_row.text(1)
    assert "CN=sfjwt test" in cert_row.text(1)
    info = describe_certificate(key_pair[1])
    assert detail(cert_row, "Subject").text(1) == "CN=sfjwt test"
    assert detail(cert_row, "SHA-256 fingerprint").text(1) == info.sha256_fingerprint
    assert detail(cert_row, "SHA-1 fingerprint").text(1) == info.sha1_fingerprint
    assert detail(cert_row, "Days left").text(1) == f"{info.days_left()} days"
    copy = dialog.tree.itemWidget(detail(cert_row, "SHA-256 fingerprint"), 2)
    assert isinstance(copy, QAbstractButton)
    qtbot.mouseClick(copy, Qt.MouseButton.LeftButton)
    assert QGuiApplication.clipboard().text() == info.sha256_fingerprint

    key_row = file_item(dialog.tree, "server.key")
    assert "RSA private key, 2048 bits" in key_row.text(1)
    assert detail(key_row, "Private key").text(1) == "RSA, 2048 bits"
    assert "not a key or certificate" in file_item(dialog.tree, "notes.txt").text(1)
    assert dialog.match_label.text() == "server.key belongs to server.crt."


def test_inspect_says_when_a_key_fits_no_certificate(
    qtbot: Any, tasks: TaskRunner, files: Files
) -> None:
    dialog = InspectDialog(tasks)
    qtbot.addWidget(dialog)
    dialog.show()

    drop_files(dialog, [files.key, files.other_cert])
    qtbot.waitUntil(is_read(dialog.tree, "server.key", "other.crt"), timeout=WAIT_MS)

    assert (
        dialog.match_label.text()
        == "server.key belongs to none of the loaded certificates."
    )


def test_inspect_encrypted_key_asks_for_its_passphrase(
    qtbot: Any, tasks: TaskRunner, files: Files
) -> None:
    dialog = InspectDialog(tasks)
    qtbot.addWidget(dialog)
    dialog.show()
    drop_files(dialog, [files.locked_key, files.cert])
    qtbot.waitUntil(is_read(dialog.tree, "locked.key", "server.crt"), timeout=WAIT_MS)

    locked = file_item(dialog.tree, "locked.key")
    assert "encrypted" in locked.text(1)
    assert "needs its passphrase" in detail(locked, "Problem").text(1)
    assert "Add at least one private key" in dialog.match_label.text()
    field = dialog.tree.itemWidget(detail(locked, "Passphrase"), 1)
    assert isinstance(field, SecretLineEdit)
    assert next_tab_stop(dialog.tree) is field.edit

    qtbot.keyClicks(field.edit, "not it")
    qtbot.keyClick(field.edit, Qt.Key.Key_Return)
    qtbot.waitUntil(
        lambda: "does not open" in detail(locked, "Problem").text(1), timeout=WAIT_MS
    )

    field = dialog.tree.itemWidget(detail(locked, "Passphrase"), 1)
    unlock = dialog.tree.itemWidget(detail(locked, "Passphrase"), 2)
    assert isinstance(field, SecretLineEdit)
    assert isinstance(unlock, QAbstractButton)
    qtbot.keyClicks(field.edit, KEY_PASSPHRASE)
    qtbot.mouseClick(unlock, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: "Private key" in detail_names(locked), timeout=WAIT_MS)

    assert detail(locked, "Private key").text(1) == "RSA, 2048 bits"
    assert "Passphrase" not in detail_names(locked)
    assert dialog.match_label.text() == "locked.key belongs to server.crt."


def test_inspect_unlocks_a_p12_bundle_holding_key_and_certificate(
    qtbot: Any, tasks: TaskRunner, files: Files
) -> None:
    dialog = InspectDialog(tasks)
    qtbot.addWidget(dialog)
    dialog.show()
    drop_files(dialog, [files.bundle])
    qtbot.waitUntil(is_read(dialog.tree, "bundle.p12"), timeout=WAIT_MS)
    bundle = file_item(dialog.tree, "bundle.p12")
    assert "PKCS#12" in bundle.text(1)

    field = dialog.tree.itemWidget(detail(bundle, "Passphrase"), 1)
    assert isinstance(field, SecretLineEdit)
    qtbot.keyClicks(field.edit, BUNDLE_PASSPHRASE)
    qtbot.keyClick(field.edit, Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: "Subject" in detail_names(bundle), timeout=WAIT_MS)

    assert detail(bundle, "Private key").text(1) == "RSA, 2048 bits"
    assert detail(bundle, "Subject").text(1) == "CN=sfjwt test"
    assert dialog.match_label.text() == "bundle.p12 belongs to bundle.p12."


def test_inspect_tells_apart_files_of_the_same_name(
    qtbot: Any,
    tasks: TaskRunner,
    files: Files,
    other_key_pair: KeyPair,
    tmp_path: Path,
) -> None:
    backup = tmp_path / "backup" / "server.key"
    backup.parent.mkdir()
    backup.write_bytes(private_key_pem(other_key_pair[0]))
    ours, theirs = str(Path("files", "server.key")), str(Path("backup", "server.key"))
    dialog = InspectDialog(tasks)
    qtbot.addWidget(dialog)
    dialog.show()

    drop_files(dialog, [files.key, backup, files.cert])
    qtbot.waitUntil(is_read(dialog.tree, ours, theirs, "server.crt"), timeout=WAIT_MS)

    assert file_item(dialog.tree, ours).toolTip(0) == str(files.key)
    assert file_item(dialog.tree, theirs).toolTip(0) == str(backup)
    assert dialog.match_label.text() == (
        f"{ours} belongs to server.crt.\n"
        f"{theirs} belongs to none of the loaded certificates."
    )
    copy = dialog.tree.itemWidget(
        detail(file_item(dialog.tree, theirs), "Public key SHA-256"), 2
    )
    assert isinstance(copy, QAbstractButton)
    assert copy.accessibleName() == f"Copy the public key SHA-256 of {theirs}"
    assert copy.accessibleDescription() == str(backup)

    dialog.tree.setCurrentItem(file_item(dialog.tree, theirs))
    qtbot.mouseClick(dialog.remove_button, Qt.MouseButton.LeftButton)

    remaining = file_item(dialog.tree, "server.key")
    assert remaining.toolTip(0) == str(files.key)
    assert dialog.match_label.text() == "server.key belongs to server.crt."
    copy = dialog.tree.itemWidget(detail(remaining, "Public key SHA-256"), 2)
    assert isinstance(copy, QAbstractButton)
    assert copy.accessibleName() == "Copy the public key SHA-256 of server.key"


def test_distinct_names_add_only_the_folders_that_tell_files_apart() -> None:
    first = Path("/home/ada/a/keys/server.key")
    second = Path("/home/ada/b/keys/server.key")
    alone = Path("/home/ada/a/keys/server.crt")

    names = distinct_names([first, second, alone])

    assert names == {
        first: str(Path("a", "keys", "server.key")),
        second: str(Path("b", "keys", "server.key")),
        alone: "server.crt",
    }


def test_closing_inspect_while_reading_stops_quietly(
    qtbot: Any, tasks: TaskRunner, files: Files, monkeypatch: pytest.MonkeyPatch
) -> None:
    release = threading.Event()
    returned = threading.Event()
    real_inspect = tools_work.inspect_file

    def slow_inspect(path: Path, passphrase: bytes | None = None) -> FileReport:
        release.wait(WAIT_MS / 1000)
        try:
            return real_inspect(path, passphrase)
        finally:
            returned.set()

    monkeypatch.setattr(tools_inspect, "inspect_file", slow_inspect)
    dialog = InspectDialog(tasks)
    qtbot.addWidget(dialog)
    dialog.show()
    drop_files(dialog, [files.cert])
    assert tasks.busy

    dialog.reject()
    release.set()
    qtbot.waitUntil(returned.is_set, timeout=WAIT_MS)
    QApplication.processEvents()

    assert not tasks.busy
    row = file_item(dialog.tree, "server.crt")
    assert row.text(1) == "Not read: the dialog was closed."
    assert row.childCount() == 0


# ---- MatchDialog ----


def open_match_dialog(qtbot: Any, tasks: TaskRunner) -> MatchDialog:
    dialog = MatchDialog(tasks)
    qtbot.addWidget(dialog)
    dialog.show()
    return dialog


def fill_in(qtbot: Any, dialog: MatchDialog, key: Path, cert: Path) -> None:
    qtbot.keyClicks(dialog.key_picker.edit, str(key))
    qtbot.keyClicks(dialog.cert_picker.edit, str(cert))


def test_match_says_right_pair_belongs_together(
    qtbot: Any, tasks: TaskRunner, files: Files, key_pair: KeyPair
) -> None:
    dialog = open_match_dialog(qtbot, tasks)
    fill_in(qtbot, dialog, files.key, files.cert)

    qtbot.mouseClick(dialog.check_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: "belong" in dialog.result_label.text(), timeout=WAIT_MS)

    assert dialog.result_label.text().startswith("They belong together:")
    info = describe_certificate(key_pair[1])
    assert dialog.cert_sha256_label.text() == info.sha256_fingerprint
    assert dialog.key_public_label.text() == dialog.cert_public_label.text()
    assert not dialog.key_note.isVisible()
    qtbot.mouseClick(dialog.copy_cert_sha256, Qt.MouseButton.LeftButton)
    assert QGuiApplication.clipboard().text() == info.sha256_fingerprint


def test_match_says_wrong_pair_does_not_belong_together(
    qtbot: Any, tasks: TaskRunner, files: Files
) -> None:
    dialog = open_match_dialog(qtbot, tasks)
    fill_in(qtbot, dialog, files.key, files.other_cert)

    qtbot.mouseClick(dialog.check_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: "belong" in dialog.result_label.text(), timeout=WAIT_MS)

    assert dialog.result_label.text().startswith("They do NOT belong together:")
    assert dialog.key_public_label.text() != dialog.cert_public_label.text()


def test_match_wrong_passphrase_is_shown_under_the_passphrase(
    qtbot: Any, tasks: TaskRunner, files: Files
) -> None:
    dialog = open_match_dialog(qtbot, tasks)
    fill_in(qtbot, dialog, files.locked_key, files.cert)
    qtbot.keyClicks(dialog.passphrase.edit, "wrong guess")

    # Enter in the passphrase field runs the default action, Check.
    qtbot.keyClick(dialog.passphrase.edit, Qt.Key.Key_Return)
    qtbot.waitUntil(dialog.passphrase_note.isVisible, timeout=WAIT_MS)

    assert "does not open" in dialog.passphrase_note.text()
    assert not dialog.key_note.isVisible()
    assert dialog.result_label.text() == ""

    dialog.passphrase.clear()
    qtbot.keyClicks(dialog.passphrase.edit, KEY_PASSPHRASE)
    assert not dialog.passphrase_note.isVisible()
    qtbot.mouseClick(dialog.check_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: "belong" in dialog.result_label.text(), timeout=WAIT_MS)
    assert dialog.result_label.text().startswith("They belong together:")


def test_match_missing_passphrase_and_swapped_files(
    qtbot: Any, tasks: TaskRunner, files: Files
) -> None:
    dialog = open_match_dialog(qtbot, tasks)
    fill_in(qtbot, dialog, files.cert, files.locked_key)

    qtbot.mouseClick(dialog.check_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(dialog.key_note.isVisible, timeout=WAIT_MS)

    assert "not a private key" in dialog.key_note.text()
    assert "not a certificate" in dialog.cert_note.text()
    assert dialog.result_label.text() == ""


def test_match_without_files_names_both_fields(qtbot: Any, tasks: TaskRunner) -> None:
    dialog = open_match_dialog(qtbot, tasks)

    qtbot.mouseClick(dialog.check_button, Qt.MouseButton.LeftButton)

    assert "No private key file is chosen" in dialog.key_note.text()
    assert "No certificate file is chosen" in dialog.cert_note.text()
    assert not tasks.busy


def test_match_accepts_files_dropped_on_the_fields(
    qtbot: Any, tasks: TaskRunner, files: Files
) -> None:
    dialog = open_match_dialog(qtbot, tasks)
    drop_files(dialog.key_picker, [files.locked_key])
    drop_files(dialog.cert_picker, [files.cert])

    qtbot.mouseClick(dialog.check_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(dialog.passphrase_note.isVisible, timeout=WAIT_MS)

    assert dialog.key_picker.path_text() == str(files.locked_key)
    assert "needs its passphrase" in dialog.passphrase_note.text()


# ---- all dialogs ----


def test_every_control_has_an_accessible_name(
    qtbot: Any, tasks: TaskRunner, files: Files
) -> None:
    inspect = InspectDialog(tasks)
    dialogs: list[QWidget] = [DecodeDialog(), inspect, MatchDialog(tasks)]
    for dialog in dialogs:
        qtbot.addWidget(dialog)
        dialog.show()
    drop_files(inspect, [files.locked_key, files.cert])
    qtbot.waitUntil(is_read(inspect.tree, "locked.key", "server.crt"), timeout=WAIT_MS)

    kinds = (QAbstractButton, QLineEdit, QPlainTextEdit, QTreeWidget)
    for dialog in dialogs:
        controls = [
            control
            for kind in kinds
            for control in dialog.findChildren(kind)
            if control.isVisibleTo(dialog)
        ]
        assert controls
        unnamed = [type(c).__name__ for c in controls if not c.accessibleName()]
        assert not unnamed, f"{dialog.windowTitle()}: {unnamed}"
