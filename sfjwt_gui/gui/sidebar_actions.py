"""The profile commands: new, duplicate, rename, delete, import, export.

The same QAction objects serve the sidebar's buttons and the File menu, so each
shortcut exists once. The questions they ask (a name, a confirmation, a file)
go through small module-level functions so tests can answer them without a
real dialog; the dialog classes are imported there, when first asked, to keep
them out of the window's start.
"""

from __future__ import annotations

import logging
from pathlib import Path
from typing import TYPE_CHECKING

from PySide6.QtCore import QObject, Slot
from PySide6.QtGui import QAction
from PySide6.QtWidgets import QWidget

from sfjwt_gui import APP_NAME
from sfjwt_gui.engine.errors import ProfileError, SfjwtError
from sfjwt_gui.engine.profiles import Profile, slugify
from sfjwt_gui.gui.widgets import PendingShortcuts

if TYPE_CHECKING:
    from sfjwt_gui.gui.sidebar import ProfileSidebar

logger = logging.getLogger(__name__)

_PROFILE_FILES = "Profiles (*.json);;All files (*)"


def ask_name(parent: QWidget, title: str, initial: str) -> str | None:
    """A profile name from the user, or None when cancelled."""
    from PySide6.QtWidgets import QInputDialog, QLineEdit

    text, accepted = QInputDialog.getText(
        parent, title, "Profile &name:", QLineEdit.EchoMode.Normal, initial
    )
    return text if accepted else None


def confirm(parent: QWidget, text: str) -> bool:
    """Yes or no; No is the default."""
    from PySide6.QtWidgets import QMessageBox

    answer = QMessageBox.question(
        parent,
        APP_NAME,
        text,
        QMessageBox.StandardButton.Yes | QMessageBox.StandardButton.No,
        QMessageBox.StandardButton.No,
    )
    return answer == QMessageBox.StandardButton.Yes


def ask_import_path(parent: QWidget) -> Path | None:
    """The profile file to import, or None when cancelled."""
    from PySide6.QtWidgets import QFileDialog

    path, _filter = QFileDialog.getOpenFileName(
        parent, "Import profile", str(Path.home()), _PROFILE_FILES
    )
    return Path(path) if path else None


def ask_export_path(parent: QWidget, suggested: Path) -> Path | None:
    """Where to export a profile, or None when cancelled."""
    from PySide6.QtWidgets import QFileDialog

    path, _filter = QFileDialog.getSaveFileName(
        parent, "Export profile", str(suggested), _PROFILE_FILES
    )
    return Path(path) if path else None


def _name_in_file(path: Path) -> str:
    """The profile name an export file holds, to suggest a free one."""
    import json

    try:
        document = json.loads(path.read_text(encoding="utf-8-sig"))
        name = document["profile"]["name"]
    except (OSError, ValueError, KeyError, TypeError):
        return path.stem
    return name if isinstance(name, str) and name.strip() else path.stem


class ProfileActions(QObject):
    """The six profile commands, working on the sidebar's current profile."""

    def __init__(self, sidebar: ProfileSidebar) -> None:
        super().__init__(sidebar)
        self._sidebar = sidebar
        self._session = sidebar.session
        # Given by the window once it has painted.
        self.shortcuts = PendingShortcuts()
        self._build_actions()
        self._connect_signals()

    def _build_actions(self) -> None:
        def action(text: str, tip: str, shortcut: str = "") -> QAction:
            # QAction(text, parent) would load QIcon's enum types (an overload
            # takes an icon), which the window's first paint does without.
            created = QAction(self._sidebar)
            created.setText(text)
            created.setStatusTip(tip)
            if shortcut:
                self.shortcuts.add(created, shortcut)
            self._sidebar.addAction(created)
            return created

        self.new_action = action("&New profile...", "Create an empty profile", "Ctrl+N")
        self.duplicate_action = action(
            "&Duplicate profile...", "Copy the selected profile under a new name"
        )
        self.rename_action = action("&Rename profile...", "Rename the profile", "F2")
        # Its Del key comes with add_delete_key().
        self.delete_action = action(
            "D&elete profile...", "Delete the selected profile and its history"
        )
        self.import_action = action(
            "&Import profile...", "Add a profile from an exported file"
        )
        self.export_action = action(
            "E&xport profile...", "Save the selected profile to a file to share it"
        )
        self.needs_selection = (
            self.duplicate_action,
            self.rename_action,
            self.delete_action,
            self.export_action,
        )

    def add_delete_key(self) -> None:
        """Give Delete profile its Del key (the window does once it has painted).

        Del must never delete a profile while the user edits a text field: it
        only counts where the action is added to the profile list. Saying so
        takes Qt's namespace, which the window's first paint does without.
        """
        from PySide6.QtCore import Qt
        from PySide6.QtGui import QKeySequence

        self.delete_action.setShortcutContext(Qt.ShortcutContext.WidgetShortcut)
        self.delete_action.setShortcut(QKeySequence("Del"))

    def _connect_signals(self) -> None:
        self.new_action.triggered.connect(self._on_new_triggered)
        self.duplicate_action.triggered.connect(self._on_duplicate_triggered)
        self.rename_action.triggered.connect(self._on_rename_triggered)
        self.delete_action.triggered.connect(self._on_delete_triggered)
        self.import_action.triggered.connect(self._on_import_triggered)
        self.export_action.triggered.connect(self._on_export_triggered)

    def _saved_first(self, name: str, doing: str) -> bool:
        """Write pending edits; False (and says so) if ``name``'s cannot be."""
        self._session.flush()
        if not self._session.has_unsaved_changes(name):
            return True
        # Working from the file would lose the edit, or bring an old name back.
        self._sidebar.show_error(
            ProfileError(
                f"The changes to {name!r} are not saved yet, so it cannot be {doing}.",
                code="profile_unsaved",
                fix=(
                    "Free some disk space or make the profiles folder writable, "
                    "then try again."
                ),
            )
        )
        return False

    def _done(self, message: str, select: str | None) -> None:
        self._sidebar.clear_error()
        self._sidebar.reload(select=select)
        self._sidebar.status_message.emit(message)

    @Slot()
    def _on_new_triggered(self) -> None:
        store = self._session.store
        name = ask_name(self._sidebar, "New profile", store.unique_name("New profile"))
        if name is None:
            return
        try:
            created = store.create(Profile(name=name))
        except SfjwtError as error:
            self._sidebar.show_error(error)
            return
        self._done(f"Created profile {created.name}", created.name)

    @Slot()
    def _on_duplicate_triggered(self) -> None:
        source = self._sidebar.current_name()
        if source is None:
            return
        store = self._session.store
        suggestion = store.unique_name(f"{source} copy")
        name = ask_name(self._sidebar, "Duplicate profile", suggestion)
        if name is None or not self._saved_first(source, "copied"):
            return
        try:
            # The copy keeps the keychain switch, never the secret: it asks
            # for the passphrase once and keeps it under its own name.
            copy = store.duplicate(source, name)
        except SfjwtError as error:
            self._sidebar.show_error(error)
            return
        self._done(f"Copied {source} to {copy.name}", copy.name)

    @Slot()
    def _on_rename_triggered(self) -> None:
        old = self._sidebar.current_name()
        if old is None:
            return
        new = ask_name(self._sidebar, "Rename profile", old)
        if new is None or new.strip() == old or not self._saved_first(old, "renamed"):
            return
        try:
            renamed = self._session.store.rename(old, new)
            self._session.history.rename(old, renamed.name)
        except SfjwtError as error:
            self._sidebar.show_error(error)
            return
        self._sidebar.forget_certificate(old)
        self._session.move_kept_passphrase(old, renamed)
        self._done(f"Renamed {old} to {renamed.name}", renamed.name)

    @Slot()
    def _on_delete_triggered(self) -> None:
        name = self._sidebar.current_name()
        if name is None:
            return
        text = (
            f"Delete the profile {name!r} and its test history?\n\n"
            "Its key and certificate files stay where they are."
        )
        if not confirm(self._sidebar, text):
            return
        neighbour = self._neighbour_of(name)

        current = self._session.profile
        if current is not None and current.name == name:
            # Deselect first: a pending save would otherwise re-create the file.
            self._session.select(None)
        try:
            deleted: Profile | None = self._session.store.get(name)
        except SfjwtError:
            deleted = None  # unreadable: the delete below says what is wrong
        try:
            self._session.store.delete(name)
            self._session.history.delete(name)
        except SfjwtError as error:
            self._sidebar.show_error(error)
            self._sidebar.reload(select=name)
            return
        self._session.discard_unsaved(name)
        self._sidebar.forget_certificate(name)
        if deleted is not None:
            self._session.forget_kept_passphrase(deleted)
        self._done(f"Deleted profile {name}", neighbour)

    def _neighbour_of(self, name: str) -> str | None:
        """The profile to select once ``name`` is gone: the next, else the previous."""
        names = self._sidebar.profile_names()
        if name not in names:
            return None
        row = names.index(name)
        if row + 1 < len(names):
            return names[row + 1]
        return names[row - 1] if row > 0 else None

    @Slot()
    def _on_import_triggered(self) -> None:
        path = ask_import_path(self._sidebar)
        if path is None:
            return
        store = self._session.store
        try:
            try:
                imported = store.import_file(path)
            except ProfileError as error:
                if error.code != "profile_exists":
                    raise
                suggestion = store.unique_name(_name_in_file(path))
                title = "Import profile under another name"
                name = ask_name(self._sidebar, title, suggestion)
                if name is None:
                    return
                imported = store.import_file(path, name=name)
        except SfjwtError as error:
            self._sidebar.show_error(error)
            return
        self._done(f"Imported profile {imported.name}", imported.name)

    @Slot()
    def _on_export_triggered(self) -> None:
        name = self._sidebar.current_name()
        if name is None:
            return
        path = ask_export_path(self._sidebar, Path.home() / f"{slugify(name)}.json")
        if path is None or not self._saved_first(name, "exported"):
            return
        try:
            self._session.store.export(name, path)
        except SfjwtError as error:
            self._sidebar.show_error(error)
            return
        self._sidebar.clear_error()
        self._sidebar.status_message.emit(f"Exported {name} to {path}")
