"""Ask for a private key's passphrase before a test login."""

from __future__ import annotations

import html
from pathlib import Path

from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QLabel,
    QVBoxLayout,
    QWidget,
)

from sfjwt_gui.gui.widgets import SecretLineEdit


class PassphraseDialog(QDialog):
    """A small modal asking for the passphrase of one key file.

    The passphrase is returned as bytes and never stored here: the caller
    keeps it in the session's memory for as long as the app runs.
    """

    def __init__(self, key_path: str, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._key_path = key_path
        self._build_ui()
        self._connect_signals()

    @classmethod
    def ask(cls, parent: QWidget | None, key_path: str) -> bytes | None:
        """The passphrase typed by the user, or None when cancelled or empty."""
        dialog = cls(key_path, parent)
        try:
            if dialog.exec() != QDialog.DialogCode.Accepted:
                return None
            text = dialog.passphrase_edit.text()
            return text.encode("utf-8") if text else None
        finally:
            dialog.passphrase_edit.clear()
            dialog.deleteLater()

    def _build_ui(self) -> None:
        self.setWindowTitle("Key passphrase")
        name = Path(self._key_path).name or self._key_path
        explanation = QLabel(
            f"The private key <b>{html.escape(name)}</b> is protected by a passphrase. "
            "sfjwt-gui keeps it in memory only, until you quit.",
            self,
        )
        explanation.setWordWrap(True)

        self.passphrase_edit = SecretLineEdit("Key passphrase", self)
        prompt = QLabel("&Passphrase:", self)
        prompt.setBuddy(self.passphrase_edit.edit)

        self.buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel,
            self,
        )
        ok_button = self.buttons.button(QDialogButtonBox.StandardButton.Ok)
        ok_button.setText("&Unlock")
        ok_button.setAccessibleName("Unlock the key")
        ok_button.setDefault(True)
        cancel_button = self.buttons.button(QDialogButtonBox.StandardButton.Cancel)
        cancel_button.setAccessibleName("Cancel")

        layout = QVBoxLayout(self)
        layout.addWidget(explanation)
        layout.addWidget(prompt)
        layout.addWidget(self.passphrase_edit)
        layout.addWidget(self.buttons)
        self.passphrase_edit.setFocus()
        self.setMinimumWidth(self.fontMetrics().averageCharWidth() * 50)

    def _connect_signals(self) -> None:
        self.buttons.accepted.connect(self.accept)
        self.buttons.rejected.connect(self.reject)
