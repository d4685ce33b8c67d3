"""Tools > Check key against certificate: do these two files belong together?

"invalid assertion" from Salesforce most often means the uploaded certificate
is not the one made with the signing key. This dialog answers that question
the way Salesforce would: it signs a test assertion with the key and verifies
it with the certificate, off the GUI thread.
"""

from __future__ import annotations

import functools
import logging
from pathlib import Path

from PySide6.QtCore import Qt, Slot
from PySide6.QtWidgets import (
    QDialog,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from sfjwt_gui import APP_NAME
from sfjwt_gui.engine.errors import SfjwtError
from sfjwt_gui.engine.findings import Finding
from sfjwt_gui.gui.tasks import TaskHandle, TaskRunner
from sfjwt_gui.gui.tools_common import (
    CERT_FILTER,
    KEY_FILTER,
    FilePicker,
    close_only_buttons,
    error_finding,
    resize_in_text_units,
    show_state_text,
)
from sfjwt_gui.gui.tools_work import PASSPHRASE_CODES, MatchReport, check_pair
from sfjwt_gui.gui.widgets import (
    CopyButton,
    FieldNote,
    SecretLineEdit,
    StepState,
    monospace_font,
)

logger = logging.getLogger(__name__)

BELONG_TOGETHER = (
    "They belong together: an assertion signed with this key verifies against "
    "this certificate."
)
NOT_TOGETHER = (
    "They do NOT belong together: an assertion signed with this key does not "
    "verify against this certificate, so Salesforce would refuse it as an invalid "
    "assertion. Upload the certificate made with this key, or sign with the key "
    "the uploaded certificate was made with."
)


class MatchDialog(QDialog):
    """Pick a private key and a certificate; Check says if they belong together."""

    def __init__(self, tasks: TaskRunner, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle(f"Check a key against a certificate - {APP_NAME}")
        self._tasks = tasks
        self._checking: TaskHandle | None = None
        self._build_ui()
        self._connect_signals()
        self._show_report(None)
        resize_in_text_units(self, 100, 24)

    # ---- building ----

    def _build_ui(self) -> None:
        self.key_picker = FilePicker("Private key", KEY_FILTER, self)
        self.key_note = FieldNote(self)
        self.cert_picker = FilePicker("Certificate", CERT_FILTER, self)
        self.cert_note = FieldNote(self)
        self.passphrase = SecretLineEdit("Key passphrase", self)
        self.passphrase_note = FieldNote(self)

        form = QFormLayout()
        form.setFieldGrowthPolicy(QFormLayout.FieldGrowthPolicy.ExpandingFieldsGrow)
        key_label = QLabel("Private &key:")
        key_label.setBuddy(self.key_picker.edit)
        cert_label = QLabel("&Certificate:")
        cert_label.setBuddy(self.cert_picker.edit)
        passphrase_label = QLabel("&Passphrase (if any):")
        passphrase_label.setBuddy(self.passphrase.edit)
        form.addRow(key_label, self.key_picker)
        form.addRow("", self.key_note)
        form.addRow(cert_label, self.cert_picker)
        form.addRow("", self.cert_note)
        form.addRow(passphrase_label, self.passphrase)
        form.addRow("", self.passphrase_note)

        self.check_button = QPushButton("C&heck", self)
        self.check_button.setAccessibleName("Check whether key and certificate match")
        self.check_button.setDefault(True)
        check_row = QHBoxLayout()
        check_row.addWidget(self.check_button)
        check_row.addStretch(1)

        self.result_label = QLabel(self)
        self.result_label.setWordWrap(True)
        self.result_label.setTextInteractionFlags(
            Qt.TextInteractionFlag.TextSelectableByMouse
        )
        font = self.result_label.font()
        font.setBold(True)
        self.result_label.setFont(font)

        hashes = QFormLayout()
        self.cert_sha256_label = self._hash_label("Certificate SHA-256")
        self.cert_public_label = self._hash_label("Certificate's public key SHA-256")
        self.key_public_label = self._hash_label("Key's public part SHA-256")
        self.copy_cert_sha256 = CopyButton("Copy", self)
        self.copy_cert_sha256.setAccessibleName("Copy the certificate's SHA-256")
        self.copy_cert_public = CopyButton("Copy", self)
        self.copy_cert_public.setAccessibleName(
            "Copy the SHA-256 of the certificate's public key"
        )
        self.copy_key_public = CopyButton("Copy", self)
        self.copy_key_public.setAccessibleName(
            "Copy the SHA-256 of the key's public part"
        )
        hashes.addRow(
            "Certificate SHA-256:",
            _with_button(self.cert_sha256_label, self.copy_cert_sha256),
        )
        hashes.addRow(
            "Certificate's public key SHA-256:",
            _with_button(self.cert_public_label, self.copy_cert_public),
        )
        hashes.addRow(
            "Key's public part SHA-256:",
            _with_button(self.key_public_label, self.copy_key_public),
        )

        self.buttons = close_only_buttons(self)

        layout = QVBoxLayout(self)
        layout.addLayout(form)
        layout.addLayout(check_row)
        layout.addWidget(self.result_label)
        layout.addLayout(hashes)
        layout.addStretch(1)
        layout.addWidget(self.buttons)

    def _hash_label(self, name: str) -> QLabel:
        label = QLabel(self)
        label.setAccessibleName(name)
        label.setFont(monospace_font())
        label.setWordWrap(True)
        label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        return label

    def _connect_signals(self) -> None:
        self.check_button.clicked.connect(self._on_check_button_clicked)
        self.key_picker.chosen.connect(self._on_key_picker_chosen)
        self.key_picker.edited.connect(self._on_key_picker_chosen)
        self.cert_picker.chosen.connect(self._on_cert_picker_chosen)
        self.cert_picker.edited.connect(self._on_cert_picker_chosen)
        self.passphrase.text_changed.connect(self._on_passphrase_text_changed)
        self.buttons.rejected.connect(self.reject)
        self.finished.connect(self._on_dialog_finished)

    # ---- inputs ----

    @Slot(str)
    def _on_key_picker_chosen(self, _text: str) -> None:
        self.key_note.show_findings([])
        self._forget_result()

    @Slot(str)
    def _on_cert_picker_chosen(self, _text: str) -> None:
        self.cert_note.show_findings([])
        self._forget_result()

    @Slot(str)
    def _on_passphrase_text_changed(self, _text: str) -> None:
        self.passphrase_note.show_findings([])
        self._forget_result()

    def _forget_result(self) -> None:
        """A result shown for other inputs would mislead: drop it."""
        if self._checking is not None:
            self._checking.cancel()
            self._checking = None
            self.check_button.setEnabled(True)
        self._show_report(None)

    # ---- checking ----

    @Slot()
    def _on_check_button_clicked(self) -> None:
        key_path = self.key_picker.path()
        cert_path = self.cert_picker.path()
        self._show_errors(
            key_error=None if key_path else _missing("private key", "key"),
            cert_error=None if cert_path else _missing("certificate", "cert"),
        )
        if key_path is None or cert_path is None:
            return

        passphrase = self.passphrase.text().encode("utf-8") or None
        if self._checking is not None:
            self._checking.cancel()
        self._show_report(None)
        show_state_text(self.result_label, StepState.NONE, "Checking...")
        self.check_button.setEnabled(False)
        self._checking = self._tasks.run(
            "Checking key against certificate",
            functools.partial(_check_work, key_path, cert_path, passphrase),
            self._on_check_done,
            self._on_check_failed,
        )

    def _on_check_done(self, report: MatchReport) -> None:
        self._checking = None
        self.check_button.setEnabled(True)
        self._show_errors(report.key_error, report.cert_error, report.check_error)
        self._show_report(report)

    def _on_check_failed(self, error: BaseException) -> None:
        self._checking = None
        self.check_button.setEnabled(True)
        self._show_report(None)
        # check_pair reports every problem a file can cause; this is a bug.
        raise error

    @Slot(int)
    def _on_dialog_finished(self, _result: int) -> None:
        self._forget_result()

    def _show_errors(
        self,
        key_error: SfjwtError | None,
        cert_error: SfjwtError | None,
        check_error: SfjwtError | None = None,
    ) -> None:
        """Each problem under the field the user has to change to fix it."""
        notes: dict[FieldNote, list[Finding]] = {
            self.key_note: [],
            self.cert_note: [],
            self.passphrase_note: [],
        }
        for error, own_note in (
            (key_error, self.key_note),
            (cert_error, self.cert_note),
            (check_error, self.key_note),
        ):
            if error is None:
                continue
            note = self.passphrase_note if error.code in PASSPHRASE_CODES else own_note
            notes[note].append(error_finding(error))
        for note, findings in notes.items():
            note.show_findings(findings)

        if notes[self.passphrase_note]:
            self.passphrase.setFocus()
        elif notes[self.key_note]:
            self.key_picker.setFocus()
        elif notes[self.cert_note]:
            self.cert_picker.setFocus()

    def _show_report(self, report: MatchReport | None) -> None:
        labels = (
            (self.cert_sha256_label, self.copy_cert_sha256, "cert_sha256"),
            (self.cert_public_label, self.copy_cert_public, "cert_public_sha256"),
            (self.key_public_label, self.copy_key_public, "key_public_sha256"),
        )
        for label, button, field in labels:
            value = getattr(report, field) if report is not None else ""
            label.setText(value or "-")
            button.set_text_to_copy(value)

        if report is None or not report.complete:
            show_state_text(self.result_label, StepState.NONE, "")
            return
        if report.belong_together:
            show_state_text(self.result_label, StepState.DONE, BELONG_TOGETHER)
            return
        show_state_text(self.result_label, StepState.ERROR, NOT_TOGETHER)


def _check_work(
    key_path: Path, cert_path: Path, passphrase: bytes | None, _cancel: object
) -> MatchReport:
    return check_pair(key_path, cert_path, passphrase)


def _missing(what: str, code: str) -> SfjwtError:
    return SfjwtError(
        f"No {what} file is chosen.",
        code=f"{code}_missing",
        fix=f"Choose the {what} file with Browse..., or drop it on the field.",
    )


def _with_button(label: QLabel, button: CopyButton) -> QWidget:
    row = QWidget()
    layout = QHBoxLayout(row)
    layout.setContentsMargins(0, 0, 0, 0)
    layout.addWidget(label, 1)
    layout.addWidget(button)
    return row
