"""Tools > Decode a JWT: take any pasted JWT apart and explain every field.

The pasted text can be an assertion, a JWT-style access token or an ID token.
It is decoded as it is typed (cheap, so on the GUI thread); a certificate may
be chosen to check the signature; a passphrase-protected .p12 bundle is
unlocked through the app's passphrase question. Neither the token nor the
passphrase is ever logged.
"""

from __future__ import annotations

import functools
import json
import logging
from pathlib import Path
from typing import Any

from cryptography import x509
from PySide6.QtCore import Qt, QTimer, Slot
from PySide6.QtGui import QAction, QGuiApplication
from PySide6.QtWidgets import (
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QPlainTextEdit,
    QPushButton,
    QTreeWidgetItem,
    QVBoxLayout,
    QWidget,
)

from sfjwt_gui import APP_NAME
from sfjwt_gui.engine.assertion import (
    SIGNING_ALG,
    ClaimLine,
    DecodedJwt,
    decode_jwt,
    explain_claims,
    explain_header,
    verify_signature,
)
from sfjwt_gui.engine.errors import JwtFormatError, SfjwtError
from sfjwt_gui.engine.keyfiles import load_certificate
from sfjwt_gui.gui.passphrase_dialog import PassphraseDialog
from sfjwt_gui.gui.tasks import TaskHandle, TaskRunner
from sfjwt_gui.gui.tools_common import (
    CERT_FILTER,
    FileDropDialog,
    FilePicker,
    WrappingTree,
    close_only_buttons,
    error_finding,
    resize_in_text_units,
    show_state_text,
)
from sfjwt_gui.gui.tools_work import PASSPHRASE_CODES
from sfjwt_gui.gui.widgets import CopyButton, FieldNote, StepState, monospace_font

logger = logging.getLogger(__name__)

# Relative times ("in 3 min") go stale while the dialog stays open.
_DATE_REFRESH_MS = 30_000
_VALUE_COLUMN = 1


class _TokenEdit(QPlainTextEdit):
    """The paste box; a dropped file goes to the dialog (a certificate), not in here."""

    def canInsertFromMimeData(self, source: Any) -> bool:
        if source.hasUrls():
            return False
        return bool(super().canInsertFromMimeData(source))


class DecodeDialog(FileDropDialog):
    """Paste a JWT; see its header and claims explained; check its signature."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle(f"Decode a JWT - {APP_NAME}")
        self._tasks = TaskRunner(self)
        self._loading: TaskHandle | None = None
        self._decoded: DecodedJwt | None = None
        self._certificate: x509.Certificate | None = None
        self._certificate_name = ""
        self._cert_path: Path | None = None
        # The chosen file is a bundle that only its passphrase opens.
        self._locked = False
        self._claim_items: list[QTreeWidgetItem] = []
        self._date_timer = QTimer(self)
        self._date_timer.setInterval(_DATE_REFRESH_MS)
        self._build_ui()
        self._connect_signals()
        self._show_decoded(None)
        resize_in_text_units(self, 110, 34)

    # ---- building ----

    def _build_ui(self) -> None:
        token_label = QLabel("&Paste a JWT (assertion, access token or ID token):")
        self.token_edit = _TokenEdit(self)
        self.token_edit.setAccessibleName("JWT to decode")
        self.token_edit.setPlaceholderText("eyJ...")
        self.token_edit.setFont(monospace_font())
        self.token_edit.setTabChangesFocus(True)
        self.token_edit.setMaximumHeight(self.fontMetrics().lineSpacing() * 7)
        token_label.setBuddy(self.token_edit)
        self.token_note = FieldNote(self)

        self.tree = WrappingTree(self)
        self.tree.setAccessibleName("Decoded header and claims")
        self.tree.setHeaderLabels(["Field", "Value", "Meaning"])
        self.tree.setAlternatingRowColors(True)
        header = self.tree.header()
        header.setSectionResizeMode(0, QHeaderView.ResizeMode.ResizeToContents)
        header.setSectionResizeMode(1, QHeaderView.ResizeMode.Interactive)
        header.setSectionResizeMode(2, QHeaderView.ResizeMode.Stretch)
        header.resizeSection(1, self.fontMetrics().averageCharWidth() * 48)
        self.copy_value_action = QAction("&Copy value", self.tree)
        self.copy_value_action.setShortcut("Ctrl+C")
        self.copy_value_action.setShortcutContext(Qt.ShortcutContext.WidgetShortcut)
        self.tree.addAction(self.copy_value_action)
        self.tree.setContextMenuPolicy(Qt.ContextMenuPolicy.ActionsContextMenu)

        self.copy_header_button = CopyButton("Copy &header JSON", self)
        self.copy_claims_button = CopyButton("Copy c&laims JSON", self)
        copy_row = QHBoxLayout()
        copy_row.addWidget(self.copy_header_button)
        copy_row.addWidget(self.copy_claims_button)
        copy_row.addStretch(1)

        cert_label = QLabel(
            "C&ertificate or .p12 bundle to check the signature (optional):"
        )
        self.cert_picker = FilePicker("Certificate", CERT_FILTER, self)
        cert_label.setBuddy(self.cert_picker.edit)
        self.cert_note = FieldNote(self)
        self.unlock_button = QPushButton("&Unlock with passphrase...", self)
        self.unlock_button.setAccessibleName(
            "Enter the passphrase of the certificate bundle"
        )
        self.unlock_button.setAutoDefault(False)
        self.unlock_button.setVisible(False)
        unlock_row = QHBoxLayout()
        unlock_row.addWidget(self.unlock_button)
        unlock_row.addStretch(1)
        self.signature_label = QLabel(self)
        self.signature_label.setWordWrap(True)
        self.signature_label.setTextInteractionFlags(
            Qt.TextInteractionFlag.TextSelectableByMouse
        )

        self.buttons = close_only_buttons(self)

        layout = QVBoxLayout(self)
        layout.addWidget(token_label)
        layout.addWidget(self.token_edit)
        layout.addWidget(self.token_note)
        layout.addWidget(self.tree, 1)
        layout.addLayout(copy_row)
        layout.addWidget(cert_label)
        layout.addWidget(self.cert_picker)
        layout.addWidget(self.cert_note)
        layout.addLayout(unlock_row)
        layout.addWidget(self.signature_label)
        layout.addWidget(self.buttons)

    def _connect_signals(self) -> None:
        self.token_edit.textChanged.connect(self._on_token_text_changed)
        self.cert_picker.chosen.connect(self._on_cert_picker_chosen)
        self.unlock_button.clicked.connect(self._on_unlock_button_clicked)
        self.copy_value_action.triggered.connect(self._on_copy_value_triggered)
        self.buttons.rejected.connect(self.reject)
        self._date_timer.timeout.connect(self._on_date_timer_timeout)

    # ---- the token ----

    def token_text(self) -> str:
        return self.token_edit.toPlainText()

    @Slot()
    def _on_token_text_changed(self) -> None:
        text = self.token_text()
        if not text.strip():
            self.token_note.show_findings([])
            self._show_decoded(None)
            return

        try:
            decoded = decode_jwt(text)
        except JwtFormatError as error:
            self.token_note.show_findings([error_finding(error)])
            self._show_decoded(None)
            return
        self.token_note.show_findings([])
        self._show_decoded(decoded)

    def _show_decoded(self, decoded: DecodedJwt | None) -> None:
        self._decoded = decoded
        self.tree.clear()
        self._claim_items = []
        if decoded is None:
            self._date_timer.stop()
            self.copy_header_button.set_text_to_copy("")
            self.copy_claims_button.set_text_to_copy("")
            self._update_signature()
            return

        self._add_section("Header", explain_header(decoded.header))
        self._claim_items = self._add_section("Claims", explain_claims(decoded.claims))
        self.tree.expandAll()
        self.copy_header_button.set_text_to_copy(_as_json(decoded.header))
        self.copy_claims_button.set_text_to_copy(_as_json(decoded.claims))
        self._date_timer.start()
        logger.debug(
            "Decoded a pasted JWT: alg %s, %d claims", decoded.alg, len(decoded.claims)
        )
        self._update_signature()

    def _add_section(self, title: str, lines: list[ClaimLine]) -> list[QTreeWidgetItem]:
        section = QTreeWidgetItem(self.tree, [title])
        font = section.font(0)
        font.setBold(True)
        section.setFont(0, font)
        section.setFirstColumnSpanned(True)
        items = []
        for line in lines:
            item = QTreeWidgetItem(
                section, [line.name, _value_text(line), line.meaning]
            )
            item.setToolTip(_VALUE_COLUMN, _value_text(line))
            item.setToolTip(2, line.meaning)
            items.append(item)
        return items

    @Slot()
    def _on_date_timer_timeout(self) -> None:
        if self._decoded is None:
            return
        lines = explain_claims(self._decoded.claims)
        for item, line in zip(self._claim_items, lines, strict=False):
            item.setText(_VALUE_COLUMN, _value_text(line))

    @Slot()
    def _on_copy_value_triggered(self) -> None:
        item = self.tree.currentItem()
        if item is not None and item.text(_VALUE_COLUMN):
            QGuiApplication.clipboard().setText(item.text(_VALUE_COLUMN))

    # ---- the signature ----

    @Slot(str)
    def _on_cert_picker_chosen(self, text: str) -> None:
        self._show_locked(False)
        if not text:
            self._cancel_loading()
            self._certificate = None
            self._cert_path = None
            self.cert_note.show_findings([])
            self._update_signature()
            return

        path = Path(text).expanduser()
        self._cert_path = path
        self._certificate_name = path.name
        self._load_certificate(path, None)

    def _load_certificate(self, path: Path, passphrase: bytes | None) -> None:
        self._cancel_loading()
        self._certificate = None
        self.cert_note.show_findings([])
        self.unlock_button.setEnabled(False)
        show_state_text(
            self.signature_label, StepState.NONE, "Reading the certificate..."
        )
        self._loading = self._tasks.run(
            f"Reading {path.name}",
            functools.partial(_load_certificate_work, path, passphrase),
            self._on_certificate_loaded,
            self._on_certificate_failed,
        )

    def _cancel_loading(self) -> None:
        if self._loading is not None:
            self._loading.cancel()
            self._loading = None

    def _on_certificate_loaded(self, certificate: x509.Certificate) -> None:
        self._loading = None
        self._certificate = certificate
        self._show_locked(False)
        self._update_signature()

    def _on_certificate_failed(self, error: BaseException) -> None:
        self._loading = None
        if not isinstance(error, SfjwtError):
            raise error
        # The engine's message already names the problem and its fix.
        self.cert_note.show_findings([error_finding(error)])
        self._show_locked(error.code in PASSPHRASE_CODES)
        self._update_signature()
        if error.code == "key_encrypted":
            self._ask_passphrase()
        elif self._locked:
            # A wrong passphrase: trying again is one key press away.
            self.unlock_button.setFocus()

    def _show_locked(self, locked: bool) -> None:
        self._locked = locked
        self.unlock_button.setVisible(locked)
        self.unlock_button.setEnabled(locked)

    @Slot()
    def _on_unlock_button_clicked(self) -> None:
        self._ask_passphrase()

    def _ask_passphrase(self) -> None:
        path = self._cert_path
        if path is None or not self._locked or self._loading is not None:
            return

        passphrase = PassphraseDialog.ask(
            self, str(path), what="PKCS#12 bundle", kept=False
        )
        # Cancelled: the note still says what the bundle needs, and the button
        # asks again. The file cannot change while the question is open.
        if passphrase is None or path != self._cert_path:
            return
        self._load_certificate(path, passphrase)

    def _update_signature(self) -> None:
        if self._loading is not None:
            return
        decoded = self._decoded
        if decoded is None:
            show_state_text(self.signature_label, StepState.NONE, "")
            return
        if self._certificate is None and self._locked:
            show_state_text(
                self.signature_label,
                StepState.NONE,
                f"Unlock {self._certificate_name} with its passphrase to check "
                "the signature.",
            )
            return
        if self._certificate is None:
            show_state_text(
                self.signature_label,
                StepState.NONE,
                "Choose the certificate uploaded to the connected app to check "
                "the signature.",
            )
            return

        name = self._certificate_name
        if decoded.alg != SIGNING_ALG:
            alg = decoded.alg or "no algorithm"
            show_state_text(
                self.signature_label,
                StepState.WARNING,
                f"The signature cannot be checked against {name}: the token uses "
                f"{alg}, and only {SIGNING_ALG} tokens are signed with a "
                "certificate's key.",
            )
            return
        if verify_signature(self.token_text(), self._certificate):
            show_state_text(
                self.signature_label,
                StepState.DONE,
                f"Signature verifies against {name}.",
            )
            return
        show_state_text(
            self.signature_label,
            StepState.ERROR,
            f"Signature does NOT verify against {name}: the token was signed "
            "with a key that does not belong to this certificate, or was changed "
            "after signing.",
        )

    # ---- drops ----

    def files_dropped(self, paths: list[Path]) -> None:
        self.cert_picker.set_path(paths[0])


def _load_certificate_work(
    path: Path, passphrase: bytes | None, _cancel: object
) -> x509.Certificate:
    return load_certificate(path, passphrase)


def _value_text(line: ClaimLine) -> str:
    return f"{line.value} = {line.readable}" if line.readable else line.value


def _as_json(value: dict[str, Any]) -> str:
    return json.dumps(value, indent=2, ensure_ascii=False)
