"""The profile being edited: selection, autosave, passphrases held in memory.

A profile that asks for it (``use_keychain``) also keeps its key's passphrase
in the system keychain. Every keychain request runs on this session's own
TaskRunner: keyring loads slowly and its backends may wait on D-Bus.
"""

from __future__ import annotations

import dataclasses
import logging
import threading
from collections.abc import Callable
from functools import partial
from pathlib import Path
from typing import TYPE_CHECKING, Any

from PySide6.QtCore import QObject, QTimer, Signal

from sfjwt_gui.engine.errors import ProfileError, SfjwtError
from sfjwt_gui.engine.history import HistoryStore
from sfjwt_gui.engine.profiles import Profile, ProfileStore
from sfjwt_gui.gui.tasks import TaskRunner

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
STALE_NOTE = (
    "The passphrase kept in the system keychain no longer opens this key; "
    "type the new one to replace it."
)


class ProfileSession(QObject):
    """Holds the selected profile and saves every change without a Save button.

    Values are kept exactly as typed, valid or not; checking them is the
    pages' job. Passphrases live in this object's memory, keyed by the key
    file's resolved path, and are gone when the app quits; a profile with
    ``use_keychain`` also finds its passphrase in, and keeps it in, the
    system keychain.

    Signals:
        profile_changed(): another profile (or none) was selected.
        field_changed(str): one field of the selected profile changed.
        saved(str): the profile of that name was written to disk.
        save_failed(str): a message naming why it could not be written; the
            values stay in memory and the next change retries.
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
        self._save_timer = QTimer(self)
        self._save_timer.setSingleShot(True)
        self._save_timer.setInterval(SAVE_DELAY_MS)
        self._save_timer.timeout.connect(self.flush)

        self._keychain: KeychainStatus | None = None
        self._keychain_tasks: TaskRunner | None = None
        self._checking_keychain = False
        # Keychain entries, as _entry() names them: looked up now, looked up
        # since the profile was selected, and known to hold a passphrase.
        self._recalling: set[str] = set()
        self._recall_tried: set[str] = set()
        self._kept: dict[str, bytes] = {}
        # The key path each profile's entry was last stored or found under.
        # FIXME(keychain): only known within one run, so an entry for a key the
        # profile stopped using before a restart stays in the keychain until
        # the user removes it there; keyring cannot list a service's entries.
        self._kept_paths: dict[str, str] = {}
        # Profiles (case folded) whose entry is being moved by a rename.
        self._moving: set[str] = set()

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
        if self._profile is not None:
            prefix = _entry(self._profile.name, "")
            self._recall_tried = {
                entry for entry in self._recall_tried if not entry.startswith(prefix)
            }
            self.recall_passphrase()

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
            self._follow_keychain_switch(self._profile)

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
        """Hold the passphrase in memory (None forgets it).

        When the selected profile uses the keychain, the passphrase is also
        stored there, once a worker has proved it opens the key.
        """
        if passphrase:
            self._passphrases[_path_key(key_path)] = passphrase
            self._keep_in_keychain(key_path, passphrase)
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

    # -- the system keychain --------------------------------------------------

    @property
    def keychain_status(self) -> KeychainStatus | None:
        """The keychain found here; None until check_keychain() has answered."""
        return self._keychain

    def check_keychain(self) -> None:
        """Find out, off the GUI thread and once, whether a keychain exists."""
        if self._keychain is not None or self._checking_keychain:
            return
        self._checking_keychain = True
        from sfjwt_gui.engine import keychain

        self._run_keychain(
            "Looking for the system keychain",
            keychain.keychain_status,
            self._on_keychain_checked,
        )

    def recall_passphrase(self, key_path: str | None = None) -> bool:
        """Look for the selected profile's key passphrase in the keychain.

        Only when the profile uses the keychain, the passphrase is not in
        memory yet and this key was not looked up since the profile was
        selected. True while a look-up is under way; recall_finished follows.
        """
        profile = self._profile
        if profile is None or not profile.use_keychain or not self._keychain_usable():
            return False
        path = profile.key_path if key_path is None else key_path
        if not path.strip() or self.passphrase_for(path):
            return False
        entry = _entry(profile.name, path)
        if entry in self._recalling or profile.name.casefold() in self._moving:
            return True  # a move's end looks again
        if entry in self._recall_tried:
            return False

        self._recall_tried.add(entry)
        self._recalling.add(entry)
        from sfjwt_gui.engine import keychain

        self._run_keychain(
            "Reading the key passphrase from the system keychain",
            partial(keychain.recall_passphrase, profile.name, path),
            partial(self._on_recalled, profile.name, path),
            partial(self._on_recall_failed, profile.name, path),
        )
        return True

    def forget_kept_passphrase(self, profile: Profile) -> None:
        """Take a deleted profile's passphrase out of the keychain too."""
        if not profile.use_keychain:
            return
        self._forget(profile.name, profile.key_path)

    def move_kept_passphrase(self, old_name: str, profile: Profile) -> None:
        """Let a renamed profile's keychain entry follow it."""
        if not profile.use_keychain or not profile.key_path.strip():
            return
        self._drop_kept(old_name)
        self._kept_paths.pop(old_name.casefold(), None)
        self._moving.add(profile.name.casefold())
        from sfjwt_gui.engine import keychain

        self._run_keychain(
            "Moving the key passphrase in the system keychain",
            partial(keychain.move_passphrase, old_name, profile.name, profile.key_path),
            partial(self._on_moved, profile.name),
            partial(self._on_move_failed, profile.name),
        )

    def _run_keychain(
        self,
        name: str,
        request: Callable[[], object],
        on_done: Callable[[object], None],
        on_error: Callable[[BaseException], None] | None = None,
    ) -> None:
        """Run one keychain request off the GUI thread, on this session's runner."""
        if self._keychain_tasks is None:
            self._keychain_tasks = TaskRunner(self)
        work = partial(_uncancellable, request)
        self._keychain_tasks.run(name, work, on_done, on_error)

    def _keychain_usable(self) -> bool:
        return self._keychain is None or self._keychain.available

    def _follow_keychain_switch(self, profile: Profile) -> None:
        """Ticked: keep the known passphrase, or look for one. Unticked: forget."""
        if not profile.use_keychain:
            self._forget(profile.name, profile.key_path)
            return
        self._recall_tried.discard(_entry(profile.name, profile.key_path))
        passphrase = self.passphrase_for(profile.key_path)
        if passphrase:
            self._keep_in_keychain(profile.key_path, passphrase)
        else:
            self.recall_passphrase()

    def _keep_in_keychain(self, key_path: str, passphrase: bytes) -> None:
        profile = self._profile
        if profile is None or not profile.use_keychain or not key_path.strip():
            return
        entry = _entry(profile.name, key_path)
        if not self._keychain_usable() or self._kept.get(entry) == passphrase:
            return
        previous = self._kept_paths.get(profile.name.casefold(), "")
        from sfjwt_gui.engine import keychain

        self._run_keychain(
            "Saving the key passphrase in the system keychain",
            partial(
                keychain.remember_passphrase,
                profile.name,
                key_path,
                passphrase,
                previous_key_path=previous,
            ),
            partial(self._on_kept, profile.name, key_path, passphrase),
            self._on_keychain_failed,
        )

    def _drop_kept(self, profile_name: str) -> None:
        prefix = _entry(profile_name, "")
        for entry in [item for item in self._kept if item.startswith(prefix)]:
            del self._kept[entry]

    def _forget(self, profile_name: str, key_path: str) -> None:
        self._drop_kept(profile_name)
        paths = {key_path, self._kept_paths.pop(profile_name.casefold(), "")}
        if not self._keychain_usable():
            return
        from sfjwt_gui.engine import keychain

        for path in sorted(path for path in paths if path.strip()):
            self._run_keychain(
                "Removing the key passphrase from the system keychain",
                partial(keychain.forget_passphrase, profile_name, path),
                _ignore,
                self._on_keychain_failed,
            )

    def _on_keychain_checked(self, status: object) -> None:
        self._checking_keychain = False
        from sfjwt_gui.engine.keychain import KeychainStatus

        if isinstance(status, KeychainStatus):
            self._set_keychain(status)

    def _set_keychain(self, status: KeychainStatus) -> None:
        if status == self._keychain:
            return
        self._keychain = status
        if not status.available:
            logger.info("No system keychain: %s", status.reason)
        self.keychain_changed.emit()

    def _on_recalled(self, profile_name: str, key_path: str, result: object) -> None:
        from sfjwt_gui.engine.keychain import Recalled

        entry = _entry(profile_name, key_path)
        self._recalling.discard(entry)
        if isinstance(result, Recalled) and result.stale:
            self.keychain_note.emit(STALE_NOTE)
        if isinstance(result, Recalled) and result.passphrase is not None:
            self._passphrases[_path_key(key_path)] = result.passphrase
            self._kept[entry] = result.passphrase
            self._kept_paths[profile_name.casefold()] = key_path
        self.recall_finished.emit(key_path)

    def _on_recall_failed(self, name: str, key_path: str, error: BaseException) -> None:
        self._recalling.discard(_entry(name, key_path))
        self.recall_finished.emit(key_path)
        self._on_keychain_failed(error)

    def _on_kept(
        self, profile_name: str, key_path: str, passphrase: bytes, stored: object
    ) -> None:
        if stored is not True:
            return  # it did not open the key: the login will say so
        self._kept[_entry(profile_name, key_path)] = passphrase
        self._kept_paths[profile_name.casefold()] = key_path
        where = self._keychain.backend if self._keychain else "system keychain"
        self.keychain_note.emit(f"The passphrase is kept in the {where}.")

    def _on_moved(self, profile_name: str, _moved: object) -> None:
        # Look-ups under the new name waited for the entry to arrive.
        self._moving.discard(profile_name.casefold())
        profile = self._profile
        if profile is not None and profile.name == profile_name:
            self._recall_tried.discard(_entry(profile_name, profile.key_path))
            self.recall_passphrase()

    def _on_move_failed(self, profile_name: str, error: BaseException) -> None:
        self._moving.discard(profile_name.casefold())
        self._on_keychain_failed(error)

    def _on_keychain_failed(self, error: BaseException) -> None:
        if not isinstance(error, SfjwtError):
            raise error  # a bug: the app-wide hook logs it and shows a report
        logger.warning("System keychain: %s", error.message)
        if error.code == "keychain_unavailable":
            from sfjwt_gui.engine.keychain import KeychainStatus

            self._set_keychain(KeychainStatus(False, reason=error.message))
            return
        self.keychain_note.emit(str(error))


def _path_key(key_path: str) -> str:
    if not key_path:
        return ""
    return str(Path(key_path).expanduser().resolve())


def _entry(profile_name: str, key_path: str) -> str:
    """Names a keychain entry in this session's bookkeeping (not in the keychain)."""
    return f"{profile_name.casefold()}\n{_path_key(key_path)}"


def _uncancellable(request: Callable[[], object], _cancel: threading.Event) -> object:
    """A keychain request is short and runs to its end once started."""
    return request()


def _ignore(_result: object) -> None:
    """Forgetting has nothing to show when it works."""
