"""Step 1: the key pair - generate one or use existing files, then check it."""

from __future__ import annotations

import threading
from functools import partial
from pathlib import Path

from PySide6.QtCore import Qt, QTimer, QUrl, Slot
from PySide6.QtGui import QDragEnterEvent, QDragMoveEvent, QDropEvent
from PySide6.QtWidgets import (
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QScrollArea,
    QTabWidget,
    QVBoxLayout,
    QWidget,
)

from sfjwt_gui.gui import key_files
from sfjwt_gui.gui.key_files import (
    BUNDLE_SUFFIXES,
    DroppedFile,
    ExistingFilesPanel,
    identify_files,
    place_files,
)
from sfjwt_gui.gui.key_generate import GeneratePanel
from sfjwt_gui.gui.key_summary import (
    PASSPHRASE_CODES,
    KeyReport,
    KeySummary,
    SetupChecklist,
    inspect_key_files,
)
from sfjwt_gui.gui.passphrase_dialog import KeychainCheckBox
from sfjwt_gui.gui.session import ProfileSession
from sfjwt_gui.gui.step_page import StepPage
from sfjwt_gui.gui.tasks import TaskHandle, TaskRunner
from sfjwt_gui.gui.widgets import (
    Card,
    FieldNote,
    SecretLineEdit,
    StepState,
    action_button,
    section_label,
)

INSPECT_DELAY_MS = 250


class KeysPage(StepPage):
    """Generate or choose the key pair; show what Salesforce needs; the checklist."""

    def __init__(
        self,
        session: ProfileSession,
        tasks: TaskRunner,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(session, tasks, parent)
        self._inspection: TaskHandle | None = None
        self._inspect_timer = QTimer(self)
        self._inspect_timer.setSingleShot(True)
        self._inspect_timer.setInterval(INSPECT_DELAY_MS)
        self._build_ui()
        self._connect_signals()
        self.setAcceptDrops(True)
        self._on_session_profile_changed()

    # -- building -------------------------------------------------------------

    def _build_ui(self) -> None:
        self.tabs = QTabWidget(self)
        self.tabs.setAccessibleName("Key source")
        # The tab bar, not the tab widget, is what Tab reaches and reads out.
        self.tabs.tabBar().setAccessibleName("Key source")
        self.generate_panel = GeneratePanel(self._session, self._tasks, self.tabs)
        self.files_panel = ExistingFilesPanel(self.tabs)
        self.tabs.addTab(self.generate_panel, "&Generate new")
        self.tabs.addTab(self.files_panel, "Use existing f&iles")

        self.unlock_row = self._build_unlock_row()
        # No mnemonic: every letter of its text is taken on this step (Alt+H is
        # the Help menu's); Tab reaches it right after the Unlock button.
        self.keychain_box = KeychainCheckBox(self._session, parent=self)
        self.keychain_box.setVisible(False)
        self.findings_note = FieldNote(self)
        self.summary = KeySummary(self)
        self.checklist = SetupChecklist(self)
        summary_card = Card("What Salesforce needs", self)
        summary_card.body.addWidget(self.summary)
        summary_card.body.addStretch(1)
        checklist_card = Card("Connected app setup checklist", self)
        checklist_card.body.addWidget(self.checklist)
        cards = QHBoxLayout()
        cards.addWidget(summary_card, 3)
        cards.addWidget(checklist_card, 2)

        content = QWidget(self)
        content_layout = QVBoxLayout(content)
        content_layout.addWidget(section_label("Key and certificate", content))
        content_layout.addWidget(self.tabs)
        content_layout.addWidget(self.unlock_row)
        content_layout.addWidget(self.keychain_box)
        content_layout.addWidget(self.findings_note)
        content_layout.addLayout(cards)
        content_layout.addStretch(1)

        scroll = QScrollArea(self)
        scroll.setWidgetResizable(True)
        scroll.setFrameShape(QScrollArea.Shape.NoFrame)
        # Not a Tab stop, as the step's own scroll area (steps._place_page).
        scroll.setFocusPolicy(Qt.FocusPolicy.ClickFocus)
        scroll.setAccessibleName("Key and certificate")
        scroll.setWidget(content)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(scroll)

    def _build_unlock_row(self) -> QWidget:
        row = QWidget(self)
        self.passphrase_edit = SecretLineEdit("Key passphrase", row)
        self.unlock_button = action_button("Unlock", "Unlock the private key", row)
        self.unlock_note = FieldNote(row)
        label = QLabel("Ke&y passphrase:", row)
        label.setBuddy(self.passphrase_edit.edit)

        fields = QHBoxLayout()
        fields.addWidget(label)
        fields.addWidget(self.passphrase_edit, 1)
        fields.addWidget(self.unlock_button)
        layout = QVBoxLayout(row)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addLayout(fields)
        layout.addWidget(self.unlock_note)
        row.setVisible(False)
        return row

    def _connect_signals(self) -> None:
        self._session.profile_changed.connect(self._on_session_profile_changed)
        self._session.field_changed.connect(self._on_session_field_changed)
        self._inspect_timer.timeout.connect(self._on_inspect_timer_timeout)
        self.generate_panel.status_message.connect(self.status_message)
        self.summary.status_message.connect(self.status_message)
        self.files_panel.key_edit.textEdited.connect(self._on_key_path_edited)
        self.files_panel.cert_edit.textEdited.connect(self._on_cert_path_edited)
        self.files_panel.key_button.clicked.connect(self._on_key_browse_clicked)
        self.files_panel.cert_button.clicked.connect(self._on_cert_browse_clicked)
        self.checklist.ticked_changed.connect(self._on_checklist_ticked_changed)
        self.unlock_button.clicked.connect(self._on_unlock_clicked)
        self.passphrase_edit.edit.returnPressed.connect(self._on_unlock_clicked)
        self._session.recall_finished.connect(self._on_session_recall_finished)

    # -- following the session ------------------------------------------------

    @Slot()
    def _on_session_profile_changed(self) -> None:
        profile = self._session.profile
        self.setEnabled(profile is not None)
        self.generate_panel.reset_for_profile()
        self.summary.clear()
        self.findings_note.show_findings([])
        self.files_panel.drop_note.clear()
        self._hide_unlock_row()
        self.keychain_box.setVisible(False)
        key_path = profile.key_path if profile else ""
        cert_path = profile.cert_path if profile else ""
        _set_text_if_different(self.files_panel.key_edit, key_path)
        _set_text_if_different(self.files_panel.cert_edit, cert_path)
        self.checklist.set_ticked(profile.checklist if profile else [])
        self.checklist.set_demo(bool(profile and profile.is_demo))
        self.checklist.set_fingerprint("")
        self._set_state(StepState.NONE)
        if profile is not None and not key_path and not cert_path:
            self.tabs.setCurrentWidget(self.generate_panel)
        elif profile is not None:
            self.tabs.setCurrentWidget(self.files_panel)
        self._inspect_now()

    @Slot(str)
    def _on_session_field_changed(self, name: str) -> None:
        profile = self._session.profile
        if profile is None:
            return
        if name in ("key_path", "cert_path"):
            _set_text_if_different(self.files_panel.key_edit, profile.key_path)
            _set_text_if_different(self.files_panel.cert_edit, profile.cert_path)
            self._inspect_timer.start()
        elif name == "checklist":
            self.checklist.set_ticked(profile.checklist)
        elif name == "is_demo":
            self.checklist.set_demo(profile.is_demo)

    @Slot(str)
    def _on_session_recall_finished(self, key_path: str) -> None:
        # The keychain had the passphrase: check the key again with it.
        profile = self._session.profile
        if (
            profile
            and key_path == profile.key_path
            and self._session.passphrase_for(key_path)
        ):
            self._inspect_now()

    # -- user actions -----------------------------------------------------------

    @Slot(str)
    def _on_key_path_edited(self, text: str) -> None:
        self._session.update(key_path=text)

    @Slot(str)
    def _on_cert_path_edited(self, text: str) -> None:
        self._session.update(cert_path=text)

    @Slot()
    def _on_key_browse_clicked(self) -> None:
        chosen = key_files.ask_open_file(
            self, "Choose the private key", self._start_folder()
        )
        if not chosen:
            return
        changes = {"key_path": chosen}
        profile = self._session.profile
        if (
            chosen.lower().endswith(BUNDLE_SUFFIXES)
            and profile
            and not profile.cert_path
        ):
            changes["cert_path"] = chosen  # a bundle usually holds both
        self._session.update(**changes)

    @Slot()
    def _on_cert_browse_clicked(self) -> None:
        chosen = key_files.ask_open_file(
            self, "Choose the certificate", self._start_folder()
        )
        if chosen:
            self._session.update(cert_path=chosen)

    def _start_folder(self) -> str:
        profile = self._session.profile
        current = (profile.key_path or profile.cert_path) if profile else ""
        return str(Path(current).expanduser().parent) if current else ""

    @Slot(list)
    def _on_checklist_ticked_changed(self, ticked: list[str]) -> None:
        self._session.update(checklist=list(ticked))

    @Slot()
    def _on_unlock_clicked(self) -> None:
        text = self.passphrase_edit.text()
        if not text or self._session.profile is None:
            return
        self._inspect_now(passphrase=text.encode("utf-8"))

    # -- drag and drop ----------------------------------------------------------

    def dragEnterEvent(self, event: QDragEnterEvent) -> None:
        if self._session.profile is not None and _local_files(event.mimeData().urls()):
            event.acceptProposedAction()
            return
        event.ignore()

    def dragMoveEvent(self, event: QDragMoveEvent) -> None:
        if self._session.profile is not None:
            event.acceptProposedAction()

    def dropEvent(self, event: QDropEvent) -> None:
        files = _local_files(event.mimeData().urls())
        if not files:
            event.ignore()
            return
        event.acceptProposedAction()
        self.open_files(files)

    def open_files(self, files: list[Path]) -> None:
        """Identify the files off the GUI thread and put each where it belongs."""
        if self._session.profile is None or not files:
            return
        self.files_panel.drop_note.setText("Looking at the dropped files...")
        self.tabs.setCurrentWidget(self.files_panel)
        self._tasks.run(
            "Identifying files",
            partial(identify_files, files),
            self._on_files_identified,
            self._on_task_failed,
        )

    def _on_files_identified(self, result: object) -> None:
        if not isinstance(result, list) or self._session.profile is None:
            return
        dropped = [item for item in result if isinstance(item, DroppedFile)]
        changes, lines = place_files(dropped)
        self.files_panel.drop_note.setText("\n".join(lines))
        if changes:
            self._session.update(**changes)
            self.status_message.emit("Dropped files placed")

    # -- inspection ---------------------------------------------------------------

    @Slot()
    def _on_inspect_timer_timeout(self) -> None:
        self._inspect_now()

    def _inspect_now(self, passphrase: bytes | None = None) -> None:
        """Load and check the profile's files; ``passphrase`` tries a new one."""
        self._inspect_timer.stop()
        if self._inspection is not None and self._inspection.running:
            self._inspection.cancel()
            self._inspection = None
        profile = self._session.profile
        if profile is None or not (profile.key_path or profile.cert_path):
            self.summary.clear()
            self.findings_note.show_findings([])
            self._hide_unlock_row()
            self.keychain_box.setVisible(False)
            self._set_state(StepState.NONE)
            return

        key_path, cert_path = profile.key_path, profile.cert_path
        known = self._session.passphrase_for(key_path)
        self._inspection = self._tasks.run(
            "Checking key and certificate",
            partial(_inspect_work, key_path, cert_path, passphrase or known),
            partial(self._on_inspected, passphrase),
            self._on_task_failed,
        )

    def _on_inspected(self, tried_passphrase: bytes | None, result: object) -> None:
        self._inspection = None
        profile = self._session.profile
        if not isinstance(result, KeyReport) or profile is None:
            return
        if (result.key_path, result.cert_path) != (profile.key_path, profile.cert_path):
            return  # the paths changed meanwhile; a newer check is on its way
        if tried_passphrase is not None and result.key_info is not None:
            self._session.remember_passphrase(result.key_path, tried_passphrase)
            self.status_message.emit("Private key unlocked")
        if result.needs_passphrase and tried_passphrase is None:
            self._session.recall_passphrase(result.key_path)
        self._show_report(result)

    def _show_report(self, report: KeyReport) -> None:
        self.summary.show_report(report)
        fingerprint = report.cert_info.sha256_fingerprint if report.cert_info else ""
        self.checklist.set_fingerprint(fingerprint)
        passphrase_findings = [
            item for item in report.key_findings if item.code in PASSPHRASE_CODES
        ]
        other_findings = [
            item for item in report.findings if item.code not in PASSPHRASE_CODES
        ]
        self.findings_note.show_findings(other_findings)
        self.keychain_box.setVisible(
            report.needs_passphrase
            or self._session.passphrase_for(report.key_path) is not None
        )
        if report.needs_passphrase:
            self.unlock_row.setVisible(True)
            self.unlock_note.show_findings(passphrase_findings)
        else:
            self._hide_unlock_row()
        self._set_state(report.state())

    def _hide_unlock_row(self) -> None:
        self.unlock_row.setVisible(False)
        self.unlock_note.show_findings([])
        self.passphrase_edit.clear()

    def _on_task_failed(self, error: BaseException) -> None:
        self._inspection = None
        raise error  # a bug: the app-wide hook logs it and shows a report


def _inspect_work(
    key_path: str, cert_path: str, passphrase: bytes | None, _cancel: threading.Event
) -> KeyReport:
    return inspect_key_files(key_path, cert_path, passphrase)


def _local_files(urls: list[QUrl]) -> list[Path]:
    return [Path(url.toLocalFile()) for url in urls if url.isLocalFile()]


def _set_text_if_different(edit: QLineEdit, text: str) -> None:
    # Re-setting the same text would move the cursor while the user types.
    if edit.text() != text:
        edit.setText(text)
