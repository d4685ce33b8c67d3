"""Generate a new RSA key and self-signed certificate for the selected profile."""

from __future__ import annotations

import dataclasses
import logging
import threading
from dataclasses import dataclass
from functools import partial
from pathlib import Path

from PySide6.QtCore import Qt, Signal, Slot
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QFileDialog,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QLayout,
    QLineEdit,
    QProgressBar,
    QSpinBox,
    QToolButton,
    QVBoxLayout,
    QWidget,
)

from sfjwt_gui.engine import paths
from sfjwt_gui.engine.catalog import finding_from_error
from sfjwt_gui.engine.errors import OutputExistsError, ProfileError, SfjwtError
from sfjwt_gui.engine.findings import Finding, Severity
from sfjwt_gui.engine.keyspec import (
    DEFAULT_DAYS,
    KEY_SIZES,
    MAX_DAYS,
    Subject,
    WrittenFiles,
)
from sfjwt_gui.engine.profiles import slugify
from sfjwt_gui.gui.app_fields import hint_label
from sfjwt_gui.gui.session import ProfileSession
from sfjwt_gui.gui.tasks import TaskHandle, TaskRunner
from sfjwt_gui.gui.widgets import FieldNote, SecretLineEdit, action_button

logger = logging.getLogger(__name__)

FOLDER_MISSING = Finding(
    code="output_folder_missing",
    severity=Severity.ERROR,
    title="No output folder",
    causes=(),
    fix="Choose the folder the key and certificate are written to.",
)
SUBJECT_FIELDS = (
    ("organization", "O&rganization (O):"),
    ("organizational_unit", "Organizational &unit (OU):"),
    ("locality", "&Locality (L):"),
    ("state", "State/prov&ince (ST):"),
    ("country", "Countr&y (C, 2 letters):"),
    ("email", "Email addre&ss:"),
)
PASSPHRASE_MISMATCH = Finding(
    code="passphrase_mismatch",
    severity=Severity.ERROR,
    title="The two passphrases differ",
    causes=(),
    fix="Type the same passphrase in both fields, or leave both empty.",
)


def ask_folder(parent: QWidget | None, title: str, start: str) -> str | None:
    """A folder picked by the user; None when cancelled."""
    chosen = QFileDialog.getExistingDirectory(parent, title, start)
    return chosen or None


@dataclass(frozen=True)
class GenerateRequest:
    """Everything the worker needs, copied off the widgets before it starts."""

    bits: int
    subject: Subject
    days: int
    folder: Path
    force: bool
    passphrase: bytes | None = dataclasses.field(default=None, repr=False)


def generate_files(request: GenerateRequest, _cancel: threading.Event) -> WrittenFiles:
    """The worker: make the key and certificate and write both."""
    # cryptography loads here, in the worker, not when the window starts.
    from sfjwt_gui.engine.keys import (
        generate_private_key,
        self_signed_certificate,
        write_key_and_certificate,
    )

    key = generate_private_key(request.bits)
    certificate = self_signed_certificate(key, request.subject, days=request.days)
    return write_key_and_certificate(
        request.folder,
        key,
        certificate,
        passphrase=request.passphrase,
        force=request.force,
    )


class GeneratePanel(QWidget):
    """Key size, subject, validity, optional passphrase, folder and Generate."""

    status_message = Signal(str)
    generated = Signal(object)  # WrittenFiles

    def __init__(
        self,
        session: ProfileSession,
        tasks: TaskRunner,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self._session = session
        self._tasks = tasks
        self._handle: TaskHandle | None = None
        self._build_ui()
        self._connect_signals()

    def _build_ui(self) -> None:
        self.bits_combo = QComboBox(self)
        for bits in KEY_SIZES:
            self.bits_combo.addItem(f"{bits} bits", bits)
        self.bits_combo.setAccessibleName("Key size")
        self.common_name_edit = QLineEdit(self)
        self.common_name_edit.setAccessibleName("Common name")
        self.more_button = QToolButton(self)
        self.more_button.setText("More su&bject fields")
        self.more_button.setCheckable(True)
        self.more_button.setArrowType(Qt.ArrowType.RightArrow)
        self.more_button.setToolButtonStyle(Qt.ToolButtonStyle.ToolButtonTextBesideIcon)
        self.more_button.setAccessibleName("More subject fields")
        self.subject_edits = self._build_subject_fields()

        self.days_spin = QSpinBox(self)
        self.days_spin.setRange(1, MAX_DAYS)
        self.days_spin.setValue(DEFAULT_DAYS)
        self.days_spin.setSuffix(" days")
        self.days_spin.setAccessibleName("Validity in days")

        self.passphrase_edit = SecretLineEdit("Passphrase", self)
        self.confirm_edit = SecretLineEdit("Confirm passphrase", self)
        self.confirm_note = FieldNote(self)
        passphrase_hint = hint_label(
            "Optional. An encrypted key stays encrypted on disk; sfjwt-gui holds "
            "the passphrase in memory only, until you quit.",
            self,
        )

        self.folder_edit = QLineEdit(self)
        self.folder_edit.setAccessibleName("Output folder")
        self.folder_button = action_button(
            "Bro&wse...", "Browse for the output folder", self
        )
        self.folder_note = FieldNote(self)
        self.force_check = QCheckBox("Replace e&xisting files", self)
        self.force_check.setAccessibleName("Replace existing files")

        self.generate_button = action_button(
            "Generate &key and certificate", parent=self
        )
        self.generate_button.setDefault(True)
        self.busy_bar = QProgressBar(self)
        self.busy_bar.setRange(0, 0)
        self.busy_bar.setVisible(False)
        self.busy_bar.setAccessibleName("Generating")
        self.result_note = FieldNote(self)

        self.form = QFormLayout()
        self._add_row("Key si&ze:", self.bits_combo)
        self._add_row("Common &name (CN):", self.common_name_edit)
        self.form.addRow("", self.more_button)
        for name, label_text in SUBJECT_FIELDS:
            self._add_row(label_text, self.subject_edits[name])
            self.form.setRowVisible(self.subject_edits[name], False)
        self._add_row("&Valid for:", self.days_spin)
        self._add_row("Pass&phrase:", self.passphrase_edit, self.passphrase_edit.edit)
        confirm_column = _column(self.confirm_edit, self.confirm_note, passphrase_hint)
        self._add_row("Confir&m:", confirm_column, self.confirm_edit.edit)
        folder_row = QHBoxLayout()
        folder_row.addWidget(self.folder_edit, 1)
        folder_row.addWidget(self.folder_button)
        folder_column = _column(folder_row, self.folder_note, self.force_check)
        self._add_row("O&utput folder:", folder_column, self.folder_edit)

        buttons = QHBoxLayout()
        buttons.addWidget(self.generate_button)
        buttons.addWidget(self.busy_bar, 1)
        buttons.addStretch(1)

        layout = QVBoxLayout(self)
        layout.addLayout(self.form)
        layout.addLayout(buttons)
        layout.addWidget(self.result_note)
        layout.addStretch(1)

    def _build_subject_fields(self) -> dict[str, QLineEdit]:
        """The optional subject fields, by their Subject attribute."""
        edits = {}
        for name, label_text in SUBJECT_FIELDS:
            edit = QLineEdit(self)
            edit.setAccessibleName(label_text.replace("&", "").rstrip(":"))
            edits[name] = edit
        edits["country"].setMaxLength(2)
        return edits

    def _add_row(
        self,
        text: str,
        field: QWidget | QLayout,
        buddy: QWidget | None = None,
    ) -> None:
        label = QLabel(text, self)
        target = buddy if buddy is not None else field
        if isinstance(target, QWidget):
            label.setBuddy(target)
        self.form.addRow(label, field)

    def _connect_signals(self) -> None:
        self.more_button.toggled.connect(self._on_more_toggled)
        self.folder_button.clicked.connect(self._on_folder_clicked)
        self.generate_button.clicked.connect(self.generate)
        for edit in (
            self.common_name_edit,
            self.folder_edit,
            *self.subject_edits.values(),
        ):
            edit.returnPressed.connect(self.generate)
        self.passphrase_edit.edit.returnPressed.connect(self.generate)
        self.confirm_edit.edit.returnPressed.connect(self.generate)

    def reset_for_profile(self) -> None:
        """Defaults for the selected profile: its name in the CN and folder."""
        profile = self._session.profile
        self.setEnabled(profile is not None)
        self.result_note.show_findings([])
        self.folder_note.show_findings([])
        self.confirm_note.show_findings([])
        if profile is None:
            self.common_name_edit.clear()
            self.folder_edit.clear()
            return
        self.common_name_edit.setText(f"sfjwt {profile.name}")
        folder = paths.default_keys_dir() / slugify(profile.name)
        self.folder_edit.setText(str(folder))

    def is_running(self) -> bool:
        return self._handle is not None and self._handle.running

    @Slot()
    def generate(self) -> None:
        """Check the form, then generate off the GUI thread."""
        profile = self._session.profile
        if profile is None or self.is_running():
            return
        request = self._request_from_form()
        if request is None:
            return

        self._set_running(True)
        self.status_message.emit(f"Generating a {request.bits}-bit key...")
        self._handle = self._tasks.run(
            "Generating key",
            partial(generate_files, request),
            partial(self._on_generate_done, profile.name, request.passphrase),
            self._on_generate_failed,
        )

    def _request_from_form(self) -> GenerateRequest | None:
        self.result_note.show_findings([])
        self.folder_note.show_findings([])
        passphrase = self.passphrase_edit.text()
        matches = passphrase == self.confirm_edit.text()
        self.confirm_note.show_findings([] if matches else [PASSPHRASE_MISMATCH])
        if not matches:
            return None

        subject = Subject(
            common_name=self.common_name_edit.text(),
            **{name: edit.text() for name, edit in self.subject_edits.items()},
        )
        try:
            subject.to_x509_name()
        except SfjwtError as error:
            self.result_note.show_findings([finding_from_error(error)])
            return None

        folder_text = self.folder_edit.text().strip()
        if not folder_text:
            self.folder_note.show_findings([FOLDER_MISSING])
            return None
        return GenerateRequest(
            bits=int(self.bits_combo.currentData()),
            subject=subject,
            days=self.days_spin.value(),
            folder=Path(folder_text).expanduser(),
            force=self.force_check.isChecked(),
            passphrase=passphrase.encode("utf-8") if passphrase else None,
        )

    def _set_running(self, running: bool) -> None:
        self.generate_button.setEnabled(not running)
        self.busy_bar.setVisible(running)

    def _on_generate_done(
        self, profile_name: str, passphrase: bytes | None, result: object
    ) -> None:
        self._set_running(False)
        self._handle = None
        if not isinstance(result, WrittenFiles):
            return
        key_path, cert_path = str(result.key_path), str(result.cert_path)
        self._session.remember_passphrase(key_path, passphrase)
        self.passphrase_edit.clear()
        self.confirm_edit.clear()
        self._store_paths(profile_name, key_path, cert_path)
        self.status_message.emit(
            f"Key and certificate generated in {result.key_path.parent}"
        )
        self.generated.emit(result)

    def _store_paths(self, profile_name: str, key_path: str, cert_path: str) -> None:
        current = self._session.profile
        if current is not None and current.name == profile_name:
            self._session.update(key_path=key_path, cert_path=cert_path)
            return
        # Another profile was selected meanwhile: the files still belong to
        # the profile they were generated for.
        store = self._session.store
        try:
            profile = store.get(profile_name)
            store.save(
                dataclasses.replace(profile, key_path=key_path, cert_path=cert_path)
            )
        except ProfileError as error:
            logger.warning("Key paths not saved to %s: %s", profile_name, error)

    def _on_generate_failed(self, error: BaseException) -> None:
        self._set_running(False)
        self._handle = None
        if not isinstance(error, SfjwtError):
            raise error
        logger.info("Key generation failed: %s", error.message)
        note = (
            self.folder_note
            if isinstance(error, OutputExistsError)
            else self.result_note
        )
        note.show_findings([finding_from_error(error)])
        self.status_message.emit("Key not generated")

    @Slot(bool)
    def _on_more_toggled(self, shown: bool) -> None:
        for edit in self.subject_edits.values():
            self.form.setRowVisible(edit, shown)
        arrow = Qt.ArrowType.DownArrow if shown else Qt.ArrowType.RightArrow
        self.more_button.setArrowType(arrow)

    @Slot()
    def _on_folder_clicked(self) -> None:
        chosen = ask_folder(self, "Output folder for the key", self.folder_edit.text())
        if chosen:
            self.folder_edit.setText(chosen)


def _column(*parts: QWidget | QLayout) -> QVBoxLayout:
    """A field with what belongs under it (its note, a hint, an option)."""
    column = QVBoxLayout()
    column.setSpacing(2)
    for part in parts:
        if isinstance(part, QLayout):
            column.addLayout(part)
        else:
            column.addWidget(part)
    return column
