"""Ask for a private key's passphrase, and the switch that keeps it in the keychain."""

from __future__ import annotations

import html
from pathlib import Path

from PySide6.QtCore import Qt, Slot
from PySide6.QtGui import QShowEvent
from PySide6.QtWidgets import (
    QCheckBox,
    QDialog,
    QDialogButtonBox,
    QLabel,
    QVBoxLayout,
    QWidget,
)

from sfjwt_gui.gui.session import ProfileSession
from sfjwt_gui.gui.widgets import SecretLineEdit

# The keychain module's CHECKBOX_TEXT, kept here so the window need not import
# the engine module to draw a check box.
KEYCHAIN_CHECKBOX_TEXT = "Remember the passphrase in the system keychain"
KEYCHAIN_TIP = (
    "Keep this profile's key passphrase in the system keychain, so it is not "
    "asked for again after a restart. Unticking removes it from the keychain."
)


class KeychainCheckBox(QWidget):
    """The selected profile's "remember in the keychain" switch, with a note.

    Where no keychain exists the box is disabled and the note says why; the
    passphrase is then asked for each time and never written to a file.
    """

    def __init__(
        self,
        session: ProfileSession,
        text: str = KEYCHAIN_CHECKBOX_TEXT,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self._session = session
        self._message = ""
        self._build_ui(text)
        self._connect_signals()
        self._refresh()

    def _build_ui(self, text: str) -> None:
        self.check = QCheckBox(text, self)
        self.check.setAccessibleName(KEYCHAIN_CHECKBOX_TEXT)
        self.note = QLabel(self)
        self.note.setWordWrap(True)
        self.note.setTextFormat(Qt.TextFormat.PlainText)
        self.note.setAccessibleName("Keychain note")

        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.check)
        layout.addWidget(self.note)

    def _connect_signals(self) -> None:
        self.check.clicked.connect(self._on_check_clicked)
        self._session.profile_changed.connect(self._on_session_profile_changed)
        self._session.field_changed.connect(self._on_session_field_changed)
        self._session.keychain_changed.connect(self._refresh)
        self._session.keychain_note.connect(self._on_session_keychain_note)

    def showEvent(self, event: QShowEvent) -> None:
        super().showEvent(event)
        # Only now: finding the keychain loads keyring, which the window's
        # start can do without.
        self._session.check_keychain()

    @Slot(bool)
    def _on_check_clicked(self, checked: bool) -> None:
        self._message = ""
        self._session.update(use_keychain=checked)
        self._refresh()

    @Slot()
    def _on_session_profile_changed(self) -> None:
        self._message = ""
        self._refresh()

    @Slot(str)
    def _on_session_field_changed(self, name: str) -> None:
        if name == "use_keychain":
            self._refresh()

    @Slot(str)
    def _on_session_keychain_note(self, message: str) -> None:
        self._message = message
        self._refresh()

    @Slot()
    def _refresh(self) -> None:
        profile = self._session.profile
        status = self._session.keychain_status
        available = status is None or status.available
        self.check.setEnabled(profile is not None and available)
        self.check.setChecked(bool(profile and profile.use_keychain and available))
        if status is not None and not status.available:
            self.check.setToolTip(status.note)
            self.note.setText(status.note)
        else:
            self.check.setToolTip(KEYCHAIN_TIP)
            self.note.setText(self._message)
        self.note.setVisible(bool(self.note.text()))


class PassphraseDialog(QDialog):
    """A small modal asking for the passphrase of one key file.

    The passphrase is returned as bytes and not stored here: the caller keeps
    it in the session's memory. With a session, the dialog also shows the
    keychain switch, and closes by itself when the keychain has the answer.
    """

    def __init__(
        self,
        key_path: str,
        parent: QWidget | None = None,
        session: ProfileSession | None = None,
        *,
        what: str = "private key",
        kept: bool = True,
    ) -> None:
        super().__init__(parent)
        self._key_path = key_path
        self._session = session if kept else None
        self._what = what
        self._kept = kept
        self._recalled: bytes | None = None
        self.keychain_box: KeychainCheckBox | None = None
        self._build_ui()
        self._connect_signals()
        self._look_in_keychain()

    @classmethod
    def ask(
        cls,
        parent: QWidget | None,
        key_path: str,
        session: ProfileSession | None = None,
        *,
        what: str = "private key",
        kept: bool = True,
    ) -> bytes | None:
        """The passphrase typed by the user, or None when cancelled or empty.

        Without ``session`` the one of ``parent``'s window is used, if it has one.
        ``what`` names the file's kind in the question. With ``kept=False`` the
        caller uses the passphrase once and keeps it nowhere, so the dialog
        says so and offers no keychain.
        """
        if kept and session is None:
            session = _session_of(parent)
        dialog = cls(key_path, parent, session, what=what, kept=kept)
        try:
            if dialog.exec() != QDialog.DialogCode.Accepted:
                return None
            return dialog.passphrase()
        finally:
            dialog.passphrase_edit.clear()
            dialog.deleteLater()

    def passphrase(self) -> bytes | None:
        """The passphrase found in the keychain, else the one typed."""
        if self._recalled is not None:
            return self._recalled
        text = self.passphrase_edit.text()
        return text.encode("utf-8") if text else None

    def _build_ui(self) -> None:
        self.setWindowTitle("Key passphrase")
        name = Path(self._key_path).name or self._key_path
        if not self._kept:
            where = "sfjwt-gui uses it for this check only and does not keep it."
        elif self._session is not None:
            where = (
                "sfjwt-gui keeps it in memory until you quit, and in the system "
                "keychain only if you tick the box below."
            )
        else:
            where = "sfjwt-gui keeps it in memory only, until you quit."
        explanation = QLabel(
            f"The {html.escape(self._what)} <b>{html.escape(name)}</b> is "
            f"protected by a passphrase. {where}",
            self,
        )
        explanation.setWordWrap(True)

        self.passphrase_edit = SecretLineEdit("Key passphrase", self)
        prompt = QLabel("&Passphrase:", self)
        prompt.setBuddy(self.passphrase_edit.edit)
        self.lookup_label = QLabel("Looking in the system keychain...", self)
        self.lookup_label.setVisible(False)

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
        if self._session is not None:
            self.keychain_box = KeychainCheckBox(
                self._session, "Remember it in the system &keychain", self
            )
            layout.addWidget(self.keychain_box)
        layout.addWidget(self.lookup_label)
        layout.addWidget(self.buttons)
        self.passphrase_edit.setFocus()
        self.setMinimumWidth(self.fontMetrics().averageCharWidth() * 50)

    def _connect_signals(self) -> None:
        self.buttons.accepted.connect(self.accept)
        self.buttons.rejected.connect(self.reject)
        if self._session is not None:
            self._session.recall_finished.connect(self._on_session_recall_finished)

    def _look_in_keychain(self) -> None:
        # True also when a look-up started earlier is still under way.
        if self._session is not None and self._session.recall_passphrase(
            self._key_path
        ):
            self.lookup_label.setVisible(True)

    @Slot(str)
    def _on_session_recall_finished(self, key_path: str) -> None:
        if self._session is None or not _same_file(key_path, self._key_path):
            return
        self.lookup_label.setVisible(False)
        recalled = self._session.passphrase_for(self._key_path)
        if recalled is not None and not self.passphrase_edit.text():
            self._recalled = recalled
            self.accept()


def _session_of(parent: QWidget | None) -> ProfileSession | None:
    """The session of the window ``parent`` sits in (the main window has one)."""
    if parent is None:
        return None
    session = getattr(parent.window(), "session", None)
    return session if isinstance(session, ProfileSession) else None


def _same_file(first: str, second: str) -> bool:
    def resolved(path: str) -> Path:
        return Path(path).expanduser().resolve()

    return resolved(first) == resolved(second)
