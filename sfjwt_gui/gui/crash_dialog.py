"""The report of an unexpected error: shown without blocking, with a Copy button.

Imported only when something has gone wrong (crash.handle_exception), so the
window's start does not pay for it.
"""

from __future__ import annotations

from PySide6.QtCore import Slot
from PySide6.QtGui import QGuiApplication
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
from sfjwt_gui.gui.widgets import monospace_font


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
