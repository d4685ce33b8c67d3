"""The profile being edited: selection, autosave, passphrases held in memory."""

from __future__ import annotations

import dataclasses
import logging
from pathlib import Path
from typing import TYPE_CHECKING, Any

from PySide6.QtCore import QObject, QTimer, Signal

from sfjwt_gui.engine.errors import ProfileError
from sfjwt_gui.engine.history import HistoryStore
from sfjwt_gui.engine.profiles import Profile, ProfileStore

if TYPE_CHECKING:
    # The login engine pulls in requests and PyJWT; the window's first paint
    # does not need them, so they are imported when a login is prepared.
    from sfjwt_gui.engine.login import LoginResult, LoginSettings

logger = logging.getLogger(__name__)

SAVE_DELAY_MS = 300
EDITABLE_FIELDS = frozenset(field.name for field in dataclasses.fields(Profile)) - {
    "name",
    "created_at",
    "updated_at",
}


class ProfileSession(QObject):
    """Holds the selected profile and saves every change without a Save button.

    Values are kept exactly as typed, valid or not; checking them is the
    pages' job. Passphrases live only in this object's memory, keyed by the
    key file's resolved path, and are gone when the app quits.

    Signals:
        profile_changed(): another profile (or none) was selected.
        field_changed(str): one field of the selected profile changed.
        saved(str): the profile of that name was written to disk.
        save_failed(str): a message naming why it could not be written; the
            values stay in memory and the next change retries.
        tested(object): a LoginResult was recorded in the profile's history.
    """

    profile_changed = Signal()
    field_changed = Signal(str)
    saved = Signal(str)
    save_failed = Signal(str)
    tested = Signal(object)

    def __init__(
        self,
        store: ProfileStore,
        history: HistoryStore,
        parent: QObject | None = None,
    ) -> None:
        super().__init__(parent)
        self.store = store
        self.history = history
        self._profile: Profile | None = None
        self._passphrases: dict[str, bytes] = {}
        # Set by update(), cleared by a successful save: the timer alone cannot
        # tell, as it is no longer active when its timeout calls flush().
        self._unsaved = False
        self._save_timer = QTimer(self)
        self._save_timer.setSingleShot(True)
        self._save_timer.setInterval(SAVE_DELAY_MS)
        self._save_timer.timeout.connect(self.flush)

    @property
    def profile(self) -> Profile | None:
        return self._profile

    def select(self, name: str | None) -> None:
        """Make ``name`` the edited profile (None: nothing selected)."""
        self.flush()
        self._unsaved = False
        if name is None:
            self._profile = None
        else:
            try:
                self._profile = self.store.get(name)
            except ProfileError as error:
                logger.warning("Cannot open profile %s: %s", name, error)
                self._profile = None
        self.profile_changed.emit()

    def update(self, **changes: Any) -> None:
        """Change fields of the selected profile and schedule a save."""
        if self._profile is None:
            return
        unknown = set(changes) - EDITABLE_FIELDS
        if unknown:
            raise AttributeError(f"not profile fields: {sorted(unknown)}")
        changed = [
            name
            for name, value in changes.items()
            if getattr(self._profile, name) != value
        ]
        for name in changed:
            setattr(self._profile, name, changes[name])
        for name in changed:
            self.field_changed.emit(name)
        if changed:
            self._unsaved = True
            self._save_timer.start()

    def flush(self) -> None:
        """Write pending changes now (on switching profile and on quitting)."""
        self._save_timer.stop()
        if not self._unsaved or self._profile is None:
            return
        try:
            self._profile = self.store.save(self._profile)
        except ProfileError as error:
            logger.warning("Profile %s not saved: %s", self._profile.name, error)
            self.save_failed.emit(str(error))
            return
        self._unsaved = False
        self.saved.emit(self._profile.name)

    def passphrase_for(self, key_path: str) -> bytes | None:
        return self._passphrases.get(_path_key(key_path))

    def remember_passphrase(self, key_path: str, passphrase: bytes | None) -> None:
        if passphrase:
            self._passphrases[_path_key(key_path)] = passphrase
        else:
            self._passphrases.pop(_path_key(key_path), None)

    def login_settings(self, *, verify_token: bool = True) -> LoginSettings:
        """The selected profile as login inputs, with its key's passphrase."""
        from sfjwt_gui.engine.login import LoginSettings

        profile = self._profile
        if profile is None:
            raise ProfileError("No profile is selected.", code="profile_not_found")
        return LoginSettings.from_profile(
            profile,
            self.passphrase_for(profile.key_path),
            verify_token=verify_token,
        )

    def record_test(self, profile_name: str, result: LoginResult) -> None:
        """Add a finished test to the profile's history and tell the window."""
        from sfjwt_gui.engine.summary import history_entry

        try:
            self.history.append(profile_name, history_entry(result))
        except (OSError, ProfileError) as error:
            logger.warning("History of %s not written: %s", profile_name, error)
        self.tested.emit(result)


def _path_key(key_path: str) -> str:
    if not key_path:
        return ""
    return str(Path(key_path).expanduser().resolve())
