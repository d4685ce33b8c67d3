"""The Export button of a test result: each hand-off format, to copy or to save.

Every format names the key file and reads the passphrase from an environment
variable. The one entry that holds a secret, curl with the tested assertion,
says so in its name and is saved readable by the owner only.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from PySide6.QtCore import Signal, Slot
from PySide6.QtGui import QAction, QGuiApplication
from PySide6.QtWidgets import QFileDialog, QMenu, QToolButton, QWidget

from sfjwt_gui.engine.errors import SfjwtError

if TYPE_CHECKING:
    from sfjwt_gui.engine.filekinds import FileIdentity
    from sfjwt_gui.engine.login import LoginResult, LoginSettings
    from sfjwt_gui.engine.profiles import Profile

logger = logging.getLogger(__name__)

COPY = "copy"
SAVE = "save"


@dataclass(frozen=True)
class ExportEntry:
    """One line of the Export menu: a format, and whether the assertion goes in."""

    key: str
    format_name: str
    include_assertion: bool = False

    @property
    def is_report(self) -> bool:
        return self.format_name.startswith("report-")


ENTRIES = (
    ExportEntry("sf", "sf"),
    ExportEntry("curl", "curl"),
    ExportEntry("curl-assertion", "curl", include_assertion=True),
    ExportEntry("python", "python"),
    ExportEntry("simple-salesforce", "simple-salesforce"),
    ExportEntry("node", "node"),
    ExportEntry("go", "go"),
    ExportEntry("report-md", "report-md"),
    ExportEntry("report-json", "report-json"),
)
ASSERTION_LABEL = "curl with the tested assertion (a secret)"


class SaveExportDialog:
    """The "Save as" question, wrapped so tests can answer it without a dialog."""

    @classmethod
    def ask(cls, parent: QWidget | None, title: str, suggested: Path) -> Path | None:
        chosen, _filter = QFileDialog.getSaveFileName(parent, title, str(suggested))
        return Path(chosen) if chosen else None


class ExportButton(QToolButton):
    """Export ▸ format ▸ Copy / Save as..., enabled once a test has a result."""

    status_message = Signal(str)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._profile: Profile | None = None
        self._result: LoginResult | None = None
        self.submenus: dict[str, QMenu] = {}
        self._build_ui()
        self._connect_signals()
        self.set_result(None, None)

    def _build_ui(self) -> None:
        self.setText("E&xport")
        self.setAccessibleName("Export the test result")
        self.setToolTip(
            "The same login as an sf or curl command, code for Python, Node.js "
            "or Go, or a support report without secrets"
        )
        self.setPopupMode(QToolButton.ToolButtonPopupMode.InstantPopup)
        self.export_menu = QMenu(self)
        self.export_menu.setToolTipsVisible(True)
        for entry in ENTRIES:
            if entry.is_report and entry.format_name == "report-md":
                self.export_menu.addSeparator()
            submenu = self.export_menu.addMenu(_label(entry))
            submenu.setToolTipsVisible(True)
            for action_name, text in ((COPY, "&Copy"), (SAVE, "&Save as...")):
                action = submenu.addAction(text)
                action.setObjectName(f"export-{entry.key}-{action_name}")
                action.setData(f"{entry.key} {action_name}")
            self.submenus[entry.key] = submenu
        self.setMenu(self.export_menu)

    def _connect_signals(self) -> None:
        self.export_menu.triggered.connect(self._on_menu_triggered)

    def set_result(self, profile: Profile | None, result: LoginResult | None) -> None:
        """The tested profile (as it was tested) and its result; None clears."""
        self._profile = profile
        self._result = result
        self.setEnabled(profile is not None and result is not None)
        if profile is None or result is None:
            return

        code_problem = self._code_problem(profile)
        for entry in ENTRIES:
            submenu = self.submenus[entry.key]
            problem = "" if entry.is_report else code_problem
            if entry.include_assertion and not problem and not result.assertion:
                problem = "This test signed no assertion."
            submenu.setEnabled(not problem)
            submenu.menuAction().setToolTip(problem or _tip(entry, result))

    def action(self, entry_key: str, action_name: str) -> QAction:
        """The Copy or Save action of one entry (for keyboard users and tests)."""
        for action in self.submenus[entry_key].actions():
            if action.data() == f"{entry_key} {action_name}":
                return action
        raise KeyError(f"{entry_key} {action_name}")

    def export_text(self, entry_key: str) -> str:
        """The text of one entry for the current result; SfjwtError if impossible."""
        from sfjwt_gui.engine.exports import ExportFormat, render_export

        entry = _entry(entry_key)
        if self._profile is None or self._result is None:
            raise SfjwtError("No test result to export yet.", fix="Run a test first.")
        return render_export(
            ExportFormat(entry.format_name),
            self._settings(self._profile),
            self._result,
            profile_name=self._profile.name,
            key_identity=_key_identity(self._profile.key_path),
            include_assertion=entry.include_assertion,
        )

    # -- slots -----------------------------------------------------------------

    @Slot(QAction)
    def _on_menu_triggered(self, action: QAction) -> None:
        data = action.data()
        if not isinstance(data, str) or " " not in data:
            return
        entry_key, action_name = data.split(" ", 1)
        entry = _entry(entry_key)
        try:
            text = self.export_text(entry_key)
        except SfjwtError as error:
            logger.info("Export %s not made: %s", entry_key, error.message)
            self.status_message.emit(f"Export failed: {error.message}")
            return
        if action_name == COPY:
            QGuiApplication.clipboard().setText(text)
            self.status_message.emit(f"{_label(entry)}: copied to the clipboard")
        else:
            self._save(entry, text)

    def _save(self, entry: ExportEntry, text: str) -> None:
        from sfjwt_gui.engine.exports import (
            FORMATS,
            ExportFormat,
            holds_secret,
            write_export,
        )

        export_format = ExportFormat(entry.format_name)
        suggested = Path.home() / FORMATS[export_format].file_name
        path = SaveExportDialog.ask(self, f"Save {_label(entry)}", suggested)
        if path is None:
            return
        secret = holds_secret(export_format, include_assertion=entry.include_assertion)
        try:
            # The dialog has already asked before replacing a file.
            write_export(path, text, private=secret, force=True)
        except SfjwtError as error:
            self.status_message.emit(f"Not saved: {error.message}")
            return
        mode = " (readable by you only: it holds the assertion)" if secret else ""
        self.status_message.emit(f"Saved {path.name}{mode}")

    # -- helpers ---------------------------------------------------------------

    def _settings(self, profile: Profile) -> LoginSettings:
        from sfjwt_gui.engine.login import LoginSettings

        return LoginSettings.from_profile(profile)

    def _code_problem(self, profile: Profile) -> str:
        """Why the command and code exports cannot be made; "" when they can."""
        from sfjwt_gui.engine.export_inputs import inputs_from_settings

        try:
            inputs_from_settings(self._settings(profile))
        except SfjwtError as error:
            return error.message
        return ""


def _entry(entry_key: str) -> ExportEntry:
    for entry in ENTRIES:
        if entry.key == entry_key:
            return entry
    raise KeyError(entry_key)


def _label(entry: ExportEntry) -> str:
    if entry.include_assertion:
        return ASSERTION_LABEL
    from sfjwt_gui.engine.exports import FORMATS, ExportFormat

    return FORMATS[ExportFormat(entry.format_name)].label


def _tip(entry: ExportEntry, result: LoginResult) -> str:
    if entry.include_assertion:
        from sfjwt_gui.engine.assertion import describe_epoch

        expires = describe_epoch(result.claims.get("exp")).split(" (")[0]
        return (
            "Holds the assertion as the test sent it: anyone with it can log in "
            f"until {expires}."
        )
    if entry.is_report:
        return "Inputs, claims, request, answer and findings, secrets masked."
    return "Signs a fresh assertion from the key file; holds no secret."


def _key_identity(key_path: str) -> FileIdentity | None:
    """What the key file holds, so the export reads it the right way."""
    from sfjwt_gui.engine.keyfiles import identify_file

    try:
        # Reads at most a MiB and decrypts nothing: quick enough on this thread.
        return identify_file(Path(key_path).expanduser())
    except SfjwtError:
        return None
