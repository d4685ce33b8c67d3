"""The profile being edited: selection, autosave, passphrases held in memory.

A profile that asks for it (``use_keychain``) also keeps its key's passphrase
in the system keychain; session_keychain does that part.
"""

from __future__ import annotations

import dataclasses
import logging
from typing import TYPE_CHECKING, Any

from PySide6.QtCore import QObject, QTimer, Signal

from sfjwt_gui.engine.atomic import describe_os_error
from sfjwt_gui.engine.errors import ProfileError
from sfjwt_gui.engine.history import HistoryStore
from sfjwt_gui.engine.profiles import Profile, ProfileStore
from sfjwt_gui.gui.session_keychain import STALE_NOTE as STALE_NOTE
from sfjwt_gui.gui.session_keychain import SessionKeychain, path_key

if TYPE_CHECKING:
    # The login engine pulls in requests and PyJWT; the window's first paint
    # does not need them, so they are imported when a login is prepared.
    from sfjwt_gui.engine.keychain import KeychainStatus
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
    pages' job. An edit the disk refuses stays in memory, also when another
    profile is selected, and every later save tries it again. Passphrases
    live in this object's memory, keyed by the key file's resolved path, and
    are gone when the app quits; a profile with ``use_keychain`` also finds
    its passphrase in, and keeps it in, the system keychain.

    Signals:
        profile_changed(): another profile (or none) was selected.
        field_changed(str): one field of the selected profile changed.
        saved(str): the profile of that name was written to disk.
        save_failed(str): a message naming why an edit could not be written;
            the values stay in memory and the next save retries. Emitted after
            any saved() of the same attempt.
        history_changed(str): a test was added to that profile's history.
        history_failed(str): a message naming why the last test could not be
            added to the history; emitted after its tested(). Not retried.
        tested(object): a LoginResult was recorded in the profile's history.
        keychain_changed(): keychain_status became known, or changed.
        recall_finished(str): a keychain look-up for this key path ended;
            passphrase_for() has the passphrase if one was found.
        keychain_note(str): a sentence for the user about the keychain.
    """

    profile_changed = Signal()
    field_changed = Signal(str)
    saved = Signal(str)
    save_failed = Signal(str)
    history_changed = Signal(str)
    history_failed = Signal(str)
    tested = Signal(object)
    keychain_changed = Signal()
    recall_finished = Signal(str)
    keychain_note = Signal(str)

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
        # Profiles (by case-folded name) left with an edit the disk refused;
        # selecting one again brings the edit back.
        self._unsaved_others: dict[str, Profile] = {}
        self._save_timer = QTimer(self)
        self._save_timer.setSingleShot(True)
        self._save_timer.setInterval(SAVE_DELAY_MS)
        self._save_timer.timeout.connect(self.flush)
        self._keychain = SessionKeychain(self, self._hold_passphrase)

    @property
    def profile(self) -> Profile | None:
        return self._profile

    def select(self, name: str | None) -> None:
        """Make ``name`` the edited profile (None: nothing selected)."""
        self.flush()
        if self._unsaved and self._profile is not None:
            self._unsaved_others[self._profile.name.casefold()] = self._profile
        self._unsaved = False

        kept = self._unsaved_others.pop(name.strip().casefold(), None) if name else None
        if kept is not None:
            self._profile = kept
            self._unsaved = True
            self._save_timer.start()
        elif name is None:
            self._profile = None
        else:
            try:
                self._profile = self.store.get(name)
            except ProfileError as error:
                logger.warning("Cannot open profile %s: %s", name, error)
                self._profile = None

        self.profile_changed.emit()
        if self._profile is not None:
            self._keychain.profile_selected(self._profile)

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
        if "use_keychain" in changed:
            self._keychain.follow_switch(self._profile)

    def flush(self) -> None:
        """Write pending changes now (on switching profile and on quitting).

        Edits of other profiles that the disk refused earlier are tried again.
        """
        self._save_timer.stop()
        failure = ""
        if self._unsaved and self._profile is not None:
            try:
                self._profile = self.store.save(self._profile)
            except ProfileError as error:
                logger.warning("Profile %s not saved: %s", self._profile.name, error)
                failure = str(error)
            else:
                self._unsaved = False
                self.saved.emit(self._profile.name)

        for key, profile in list(self._unsaved_others.items()):
            try:
                saved = self.store.save(profile)
            except ProfileError as error:
                logger.warning("Profile %s not saved: %s", profile.name, error)
                failure = failure or str(error)
                continue
            del self._unsaved_others[key]
            self.saved.emit(saved.name)

        if failure:
            self.save_failed.emit(failure)

    def has_unsaved_changes(self, name: str | None = None) -> bool:
        """Whether an edit of ``name`` (default: of any profile) is not on disk."""
        if name is None:
            return self._unsaved or bool(self._unsaved_others)
        key = name.strip().casefold()
        current = self._profile
        if self._unsaved and current is not None and current.name.casefold() == key:
            return True
        return key in self._unsaved_others

    def discard_unsaved(self, name: str) -> None:
        """Drop the unsaved edits of a deleted profile, so no save brings it back."""
        key = name.strip().casefold()
        self._unsaved_others.pop(key, None)
        current = self._profile
        if current is not None and current.name.casefold() == key:
            self._unsaved = False

    def passphrase_for(self, key_path: str) -> bytes | None:
        if not self._passphrases:
            return None  # spares resolving the path, once per listed profile
        return self._passphrases.get(path_key(key_path))

    def remember_passphrase(self, key_path: str, passphrase: bytes | None) -> None:
        """Hold the passphrase in memory (None forgets it).

        When the selected profile uses the keychain, the passphrase is also
        stored there, once a worker has proved it opens the key.
        """
        if passphrase:
            self._passphrases[path_key(key_path)] = passphrase
            self._keychain.keep(key_path, passphrase)
        else:
            self._passphrases.pop(path_key(key_path), None)

    def _hold_passphrase(self, key_path: str, passphrase: bytes) -> None:
        self._passphrases[path_key(key_path)] = passphrase

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

        failure = ""
        try:
            self.history.append(profile_name, history_entry(result))
        except (OSError, ProfileError) as error:
            logger.warning("History of %s not written: %s", profile_name, error)
            failure = self._history_failure(error)

        self.history_changed.emit(profile_name)
        self.tested.emit(result)
        if failure:
            self.history_failed.emit(failure)

    def _history_failure(self, error: OSError | ProfileError) -> str:
        """What to tell the user about a test the history folder refused."""
        if isinstance(error, OSError):
            reason = describe_os_error(error)
        elif isinstance(error.__cause__, OSError):
            reason = describe_os_error(error.__cause__)
        else:
            reason = error.message
        return (
            f"Could not save the test history to {self.history.directory}: "
            f"{reason.rstrip('.')}. Free some disk space or make that folder "
            "writable; this result is still shown, but is missing from the history."
        )

    # -- the system keychain (session_keychain) --------------------------------

    @property
    def keychain_status(self) -> KeychainStatus | None:
        """The keychain found here; None until check_keychain() has answered."""
        return self._keychain.status

    def check_keychain(self) -> None:
        """Find out, off the GUI thread and once, whether a keychain exists."""
        self._keychain.check()

    def recall_passphrase(self, key_path: str | None = None) -> bool:
        """Look for the selected profile's key passphrase in the keychain.

        Only when the profile uses the keychain, the passphrase is not in
        memory yet and this key was not looked up since the profile was
        selected. True while a look-up is under way; recall_finished follows.
        """
        return self._keychain.recall(key_path)

    def forget_kept_passphrase(self, profile: Profile) -> None:
        """Take a deleted profile's passphrase out of the keychain too."""
        self._keychain.forget_profile(profile)

    def move_kept_passphrase(self, old_name: str, profile: Profile) -> None:
        """Let a renamed profile's keychain entry follow it."""
        self._keychain.move(old_name, profile)
