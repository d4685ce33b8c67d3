"""Existing key and certificate files: their two fields, and what dropped files are.

Users drop whatever they have (a .key, a .crt, a .p12 bundle, sometimes a CSR
or an SSH key); ``place_files`` decides where each one goes and says so.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass
from pathlib import Path

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QFileDialog,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QVBoxLayout,
    QWidget,
)

from sfjwt_gui.engine.errors import KeyFileError
from sfjwt_gui.engine.filekinds import FileIdentity, FileKind
from sfjwt_gui.gui.widgets import action_button

KEY_FILE_FILTER = (
    "Keys and certificates (*.key *.pem *.crt *.cer *.der *.p12 *.pfx);;All files (*)"
)
BUNDLE_SUFFIXES = (".p12", ".pfx")


def ask_open_file(parent: QWidget | None, title: str, start: str) -> str | None:
    """A file picked by the user; None when cancelled."""
    chosen, _filter = QFileDialog.getOpenFileName(parent, title, start, KEY_FILE_FILTER)
    return chosen or None


@dataclass(frozen=True)
class DroppedFile:
    """A dropped file and what it turned out to be (or why it could not be read)."""

    path: Path
    identity: FileIdentity | None
    problem: str = ""


def _identify(path: Path) -> FileIdentity:
    # cryptography loads here, in the worker, not when the window starts.
    from sfjwt_gui.engine.keyfiles import identify_file

    return identify_file(path)


def identify_files(paths: list[Path], _cancel: threading.Event) -> list[DroppedFile]:
    """The worker behind drag and drop: say what each file is."""
    found = []
    for path in paths:
        try:
            found.append(DroppedFile(path, _identify(path)))
        except KeyFileError as error:
            found.append(DroppedFile(path, None, error.message))
    return found


class ExistingFilesPanel(QWidget):
    """Paths of a private key and a certificate (.p12/.pfx for either)."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.key_edit = QLineEdit(self)
        self.key_edit.setAccessibleName("Private key file")
        self.cert_edit = QLineEdit(self)
        self.cert_edit.setAccessibleName("Certificate file")
        self.key_button = action_button(
            "Bro&wse...", "Browse for the private key", self
        )
        self.cert_button = action_button(
            "Brow&se...", "Browse for the certificate", self
        )
        for edit in (self.key_edit, self.cert_edit):
            # Files dropped on a field go to the page, which knows what they are.
            edit.setAcceptDrops(False)
            edit.setPlaceholderText("Path, or drop a file on this page")

        self.drop_note = QLabel(self)
        self.drop_note.setWordWrap(True)
        self.drop_note.setTextFormat(Qt.TextFormat.PlainText)
        self.drop_note.setAccessibleName("Dropped files")
        hint = QLabel(
            "Drop any key, certificate or .p12/.pfx file on this page: sfjwt-gui "
            "tells what it is and puts it in the right place.",
            self,
        )
        hint.setWordWrap(True)

        form = QFormLayout()
        for text, edit, button in (
            ("Private &key:", self.key_edit, self.key_button),
            ("Certificate fi&le:", self.cert_edit, self.cert_button),
        ):
            row = QHBoxLayout()
            row.addWidget(edit, 1)
            row.addWidget(button)
            label = QLabel(text, self)
            label.setBuddy(edit)
            form.addRow(label, row)

        layout = QVBoxLayout(self)
        layout.addLayout(form)
        layout.addWidget(hint)
        layout.addWidget(self.drop_note)
        layout.addStretch(1)


def place_files(dropped: list[DroppedFile]) -> tuple[dict[str, str], list[str]]:
    """The profile fields the files fill, and one line per file saying so."""
    has_certificate = any(
        item.identity and item.identity.kind is FileKind.CERTIFICATE for item in dropped
    )
    changes: dict[str, str] = {}
    lines = []
    for item in dropped:
        role = _role_of(item, has_certificate)
        for name in role:
            changes[name] = str(item.path)
        lines.append(_drop_line(item, role))
    return changes, lines


def _role_of(item: DroppedFile, has_certificate: bool) -> tuple[str, ...]:
    """Which profile fields a dropped file fills: key, certificate, both or none."""
    kind = item.identity.kind if item.identity else None
    if kind is FileKind.PRIVATE_KEY:
        return ("key_path",)
    if kind is FileKind.CERTIFICATE:
        return ("cert_path",)
    if kind is FileKind.PKCS12:
        return ("key_path",) if has_certificate else ("key_path", "cert_path")
    return ()


def _drop_line(item: DroppedFile, role: tuple[str, ...]) -> str:
    name = item.path.name
    if item.identity is None:
        return f"{name}: {item.problem}"
    description = item.identity.description
    if role == ("key_path",):
        return f"{name}: {description} - used as the private key."
    if role == ("cert_path",):
        return f"{name}: {description} - used as the certificate."
    if role:
        return f"{name}: {description} - used as private key and certificate."
    if item.identity.kind in (FileKind.UNKNOWN, FileKind.EMPTY):
        return f"{name}: {description}, so it was not used."
    return f"{name}: {description} - not a private key or certificate, not used."
