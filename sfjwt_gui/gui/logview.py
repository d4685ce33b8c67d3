"""The "Show log" window: the app's recent log lines, growing live.

Lines come from logsetup's memory tail, whose filter has already masked
anything shaped like a secret. Records may be logged on any thread, so the
tail's listener only emits a signal; the view is changed in a slot on the GUI
thread.
"""

from __future__ import annotations

import contextlib
import logging
from pathlib import Path

from PySide6.QtCore import QObject, QUrl, Signal, Slot
from PySide6.QtGui import QDesktopServices, QGuiApplication, QHideEvent, QShowEvent
from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QLabel,
    QPlainTextEdit,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from sfjwt_gui import APP_NAME
from sfjwt_gui.engine import logsetup
from sfjwt_gui.gui.widgets import monospace_font

logger = logging.getLogger(__name__)

MAX_LINES = 5000


def open_folder(folder: Path) -> bool:
    """Create ``folder`` if needed and show it in the file manager (tests patch it)."""
    try:
        folder.mkdir(parents=True, exist_ok=True)
    except OSError as error:
        logger.warning("Could not create %s: %s", folder, error.strerror or error)
        return False
    opened = QDesktopServices.openUrl(QUrl.fromLocalFile(str(folder)))
    if not opened:
        logger.warning("Could not open the folder %s", folder)
    return opened


class _LineRelay(QObject):
    """Carries a log line from whichever thread logged it to the GUI thread."""

    line_logged = Signal(str)

    def forward(self, line: str) -> None:
        # The window may have been deleted while another thread was logging.
        with contextlib.suppress(RuntimeError):
            self.line_logged.emit(line)


class LogWindow(QDialog):
    """Non-modal log viewer with Copy all and Open log folder."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle(f"{APP_NAME} log")
        self.setModal(False)
        self._relay = _LineRelay(self)
        self._listening = False
        self._build_ui()
        self._connect_signals()

    def text(self) -> str:
        return self.view.toPlainText()

    def _build_ui(self) -> None:
        self.location_label = QLabel(self)
        self.location_label.setWordWrap(True)
        self.view = QPlainTextEdit(self)
        self.view.setReadOnly(True)
        self.view.setFont(monospace_font())
        self.view.setMaximumBlockCount(MAX_LINES)
        self.view.setLineWrapMode(QPlainTextEdit.LineWrapMode.NoWrap)
        self.view.setAccessibleName("Log")
        metrics = self.view.fontMetrics()
        self.view.setMinimumSize(
            metrics.horizontalAdvance("x") * 100, metrics.lineSpacing() * 24
        )

        self.copy_button = QPushButton("&Copy all", self)
        self.copy_button.setAccessibleName("Copy all")
        self.folder_button = QPushButton("Open log &folder", self)
        self.folder_button.setAccessibleName("Open log folder")
        self.buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close, self)
        for button in (self.copy_button, self.folder_button):
            self.buttons.addButton(button, QDialogButtonBox.ButtonRole.ActionRole)
        close_button = self.buttons.button(QDialogButtonBox.StandardButton.Close)
        close_button.setAccessibleName("Close")

        layout = QVBoxLayout(self)
        layout.addWidget(self.location_label)
        layout.addWidget(self.view, 1)
        layout.addWidget(self.buttons)

    def _connect_signals(self) -> None:
        self._relay.line_logged.connect(self._on_line_logged)
        self.copy_button.clicked.connect(self._on_copy_clicked)
        self.folder_button.clicked.connect(self._on_folder_clicked)
        self.buttons.rejected.connect(self.close)

    def _reload(self) -> None:
        tail = logsetup.memory_tail()
        path = logsetup.log_file_path()
        if tail is None:
            self.view.setPlainText("Logging has not been set up in this process.")
        else:
            self.view.setPlainText("\n".join(tail.lines()))
        self.location_label.setText(f"Log file: {path}")
        # The newest line in view from its start: End alone also scrolls to the
        # end of that line, and every line then shows cut off on the left.
        moves = self.view.textCursor().MoveOperation
        self.view.moveCursor(moves.End)
        self.view.moveCursor(moves.StartOfBlock)

    def _listen(self, on: bool) -> None:
        tail = logsetup.memory_tail()
        if tail is None or on == self._listening:
            return
        if on:
            tail.add_listener(self._relay.forward)
        else:
            tail.remove_listener(self._relay.forward)
        self._listening = on

    def showEvent(self, event: QShowEvent) -> None:
        # Lines logged while hidden are in the tail: read it again on show.
        self._listen(False)
        self._reload()
        self._listen(True)
        super().showEvent(event)

    def hideEvent(self, event: QHideEvent) -> None:
        self._listen(False)
        super().hideEvent(event)

    @Slot(str)
    def _on_line_logged(self, line: str) -> None:
        self.view.appendPlainText(line)

    @Slot()
    def _on_copy_clicked(self) -> None:
        QGuiApplication.clipboard().setText(self.text())

    @Slot()
    def _on_folder_clicked(self) -> None:
        open_folder(logsetup.log_file_path().parent)
