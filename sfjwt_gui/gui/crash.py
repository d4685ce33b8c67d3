"""Unexpected exceptions: logged, shown with a copyable report, and the app goes on.

The report is scrubbed of anything shaped like a secret before it is logged
or shown, because an exception message may quote an assertion or a token.
"""

from __future__ import annotations

import logging
import sys
import traceback
from collections.abc import Callable
from types import TracebackType

from PySide6.QtCore import Slot
from PySide6.QtGui import QGuiApplication
from PySide6.QtWidgets import (
    QApplication,
    QDialog,
    QDialogButtonBox,
    QLabel,
    QPlainTextEdit,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from sfjwt_gui import APP_NAME
from sfjwt_gui.engine.redact import scrub
from sfjwt_gui.gui.widgets import monospace_font

logger = logging.getLogger(__name__)

ExceptHook = Callable[
    [type[BaseException], BaseException, "TracebackType | None"], object
]


def crash_report(
    exc_type: type[BaseException],
    error: BaseException,
    tb: TracebackType | None,
) -> str:
    """The versions and the traceback, with secrets masked."""
    # Imported here: the versions are only needed once something went wrong.
    from sfjwt_gui.gui.about import version_text

    trace = "".join(traceback.format_exception(exc_type, error, tb))
    return scrub(f"{version_text()}\n\n{trace}".rstrip() + "\n")


def handle_exception(
    exc_type: type[BaseException],
    error: BaseException,
    tb: TracebackType | None,
) -> None:
    """sys.excepthook: log the report, show it, and let the event loop go on."""
    if issubclass(exc_type, KeyboardInterrupt):
        # Ctrl+C in the terminal: leave the way a closed window does.
        app = QApplication.instance()
        if isinstance(app, QApplication):
            app.closeAllWindows()
        return

    try:
        report = crash_report(exc_type, error, tb)
    except Exception:  # the report itself failed; the traceback still matters
        report = scrub("".join(traceback.format_exception(exc_type, error, tb)))
    logger.error("Unexpected error:\n%s", report)

    if QApplication.instance() is None:
        return
    try:
        CrashDialog.show_report(QApplication.activeWindow(), report)
    except Exception:
        # A dialog that cannot open must not raise inside the hook again.
        logger.exception("Could not show the error report")


def install_excepthook() -> ExceptHook:
    """Route uncaught exceptions to handle_exception; returns the previous hook."""
    previous = sys.excepthook
    sys.excepthook = handle_exception
    return previous


class CrashDialog(QDialog):
    """A non-modal report of one or more unexpected errors, with a Copy button."""

    _current: CrashDialog | None = None

    def __init__(self, report: str, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle(f"{APP_NAME}: unexpected error")
        self._build_ui()
        self._connect_signals()
        self.report_view.setPlainText(report)

    @classmethod
    def show_report(cls, parent: QWidget | None, report: str) -> CrashDialog:
        """Show ``report``; an open report dialog gets it appended instead."""
        dialog = cls._current
        if dialog is not None and dialog.isVisible():
            dialog.append_report(report)
        else:
            dialog = cls(report, parent)
            cls._current = dialog
        dialog.show()
        dialog.raise_()
        return dialog

    def report(self) -> str:
        return self.report_view.toPlainText()

    def append_report(self, report: str) -> None:
        self.report_view.appendPlainText(f"\n--- another error ---\n{report}")

    def _build_ui(self) -> None:
        explanation = QLabel(
            f"Something went wrong inside {APP_NAME}. You can keep working; "
            "if it happens again, copy this report into your bug report. "
            "Secrets such as keys and tokens are masked in it.",
            self,
        )
        explanation.setWordWrap(True)
        self.report_view = QPlainTextEdit(self)
        self.report_view.setReadOnly(True)
        self.report_view.setFont(monospace_font())
        self.report_view.setAccessibleName("Error report")
        metrics = self.report_view.fontMetrics()
        self.report_view.setMinimumSize(
            metrics.horizontalAdvance("x") * 80, metrics.lineSpacing() * 16
        )

        self.copy_button = QPushButton("&Copy report", self)
        self.copy_button.setAccessibleName("Copy report")
        self.buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close, self)
        self.buttons.addButton(self.copy_button, QDialogButtonBox.ButtonRole.ActionRole)
        close_button = self.buttons.button(QDialogButtonBox.StandardButton.Close)
        close_button.setAccessibleName("Close")
        close_button.setDefault(True)

        layout = QVBoxLayout(self)
        layout.addWidget(explanation)
        layout.addWidget(self.report_view, 1)
        layout.addWidget(self.buttons)

    def _connect_signals(self) -> None:
        self.buttons.rejected.connect(self.reject)
        self.copy_button.clicked.connect(self._on_copy_clicked)

    @Slot()
    def _on_copy_clicked(self) -> None:
        QGuiApplication.clipboard().setText(self.report())
