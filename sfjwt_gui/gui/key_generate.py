"""Generate a new RSA key and self-signed certificate for the selected profile."""

from __future__ import annotations

import dataclasses
import logging
from functools import partial
from pathlib import Path

from PySide6.QtCore import Signal, Slot
from PySide6.QtWidgets import QFileDialog, QWidget

from sfjwt_gui.engine import paths
from sfjwt_gui.engine.catalog import finding_from_error
from sfjwt_gui.engine.errors import OutputExistsError, ProfileError, SfjwtError
from sfjwt_gui.engine.findings import Finding, Severity
from sfjwt_gui.engine.keyspec import Subject, WrittenFiles
from sfjwt_gui.engine.profiles import slugify
from sfjwt_gui.gui.key_generate_form import GenerateForm
from sfjwt_gui.gui.key_generate_work import (
    GenerateRequest,
    WriteGate,
    generate_files,
)
from sfjwt_gui.gui.session import ProfileSession
from sfjwt_gui.gui.tasks import TaskHandle, TaskRunner

logger = logging.getLogger(__name__)

FOLDER_MISSING = Finding(
    code="output_folder_missing",
    severity=Severity.ERROR,
    title="No output folder",
    causes=(),
    fix="Choose the folder the key and certificate are written to.",
)
PASSPHRASE_MISMATCH = Finding(
    code="passphrase_mismatch",
    severity=Severity.ERROR,
    title="The two passphrases differ",
    causes=(),
    fix="Type the same passphrase in both fields, or leave both empty.",
)
GENERATION_CANCELLED = Finding(
    code="key_generation_cancelled",
    severity=Severity.INFO,
    title="Key generation cancelled",
    causes=(),
    fix="No key or certificate was written and the profile keeps its files. "
    "Click Generate to start again.",
)


def ask_folder(parent: QWidget | None, title: str, start: str) -> str | None:
    """A folder picked by the user; None when cancelled."""
    chosen = QFileDialog.getExistingDirectory(parent, title, start)
    return chosen or None


class GeneratePanel(GenerateForm):
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
        self._gate: WriteGate | None = None
        self._connect_signals()

    def _connect_signals(self) -> None:
        self.folder_button.clicked.connect(self._on_folder_clicked)
        self.generate_button.clicked.connect(self.generate)
        self.cancel_button.clicked.connect(self.cancel_generation)
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
        gate = self._gate = WriteGate()
        self._handle = self._tasks.run(
            "Generating key",
            partial(generate_files, request, gate),
            partial(self._on_generate_done, profile.name, request.passphrase, gate),
            self._on_generate_failed,
        )

    @Slot()
    def cancel_generation(self) -> None:
        """Drop the running generation's result; the panel is idle again at once.

        The RSA generation itself runs on until done, but writes nothing.
        """
        handle, gate = self._handle, self._gate
        if handle is None or gate is None or not self.is_running():
            return
        if not gate.cancel(handle.cancel_event):
            # The files are being written: too late to take them back. The
            # generation ends as usual, saved in the profile (see
            # _on_generate_done), and the result note says Cancel was too late.
            self.status_message.emit(
                "Too late to cancel: the key and certificate are being written"
            )
            return

        handle.cancel()
        self._handle = self._gate = None
        self._set_running(False)
        self.result_note.show_findings([GENERATION_CANCELLED])
        self.status_message.emit("Key generation cancelled: no files were written")

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
        # The focus moves from Generate to Cancel and back, never to a field
        # further down the form: a keyboard user presses Space again.
        if running:
            self.cancel_button.setVisible(True)
            self.generate_button.setEnabled(False)
        else:
            self.generate_button.setEnabled(True)
            if self.cancel_button.hasFocus():
                self.generate_button.setFocus()
            self.cancel_button.setVisible(False)
        self.busy_bar.setVisible(running)

    def _on_generate_done(
        self,
        profile_name: str,
        passphrase: bytes | None,
        gate: WriteGate,
        result: object,
    ) -> None:
        if gate.cancelled or gate is not self._gate:
            return  # a cancelled generation: its panel moved on already
        self._set_running(False)
        self._handle = self._gate = None
        if not isinstance(result, WrittenFiles):
            return
        key_path, cert_path = str(result.key_path), str(result.cert_path)
        self._session.remember_passphrase(key_path, passphrase)
        self.passphrase_edit.clear()
        self.confirm_edit.clear()
        self._store_paths(profile_name, key_path, cert_path)
        # A Cancel that came while the files were being written still ends
        # here. The files exist and may have replaced the profile's old ones,
        # so the profile uses them: a user then sees in step 1 what is really
        # on disk rather than a profile pointing at keys that may be gone.
        folder = result.key_path.parent
        if gate.cancel_refused:
            self.result_note.show_findings([_too_late(folder)])
            self.status_message.emit(
                f"Too late to cancel: key and certificate written to {folder}"
            )
        else:
            self.status_message.emit(f"Key and certificate generated in {folder}")
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
        self._handle = self._gate = None
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

    @Slot()
    def _on_folder_clicked(self) -> None:
        chosen = ask_folder(self, "Output folder for the key", self.folder_edit.text())
        if chosen:
            self.folder_edit.setText(chosen)


def _too_late(folder: Path) -> Finding:
    return Finding(
        code="key_generation_cancel_too_late",
        severity=Severity.WARNING,
        title="Cancel came too late",
        causes=(),
        detail=f"The key and certificate were already written to {folder}.",
        fix="The profile now uses them. To use other files, choose them under "
        "Use existing files.",
    )
