"""The system keychain side of a ProfileSession.

A profile that asks for it (``use_keychain``) keeps its key's passphrase in
the system keychain. Every keychain request runs on the session's own
TaskRunner: keyring loads slowly and its backends may wait on D-Bus. The
session's signals (keychain_changed, recall_finished, keychain_note) carry
what happens here to the window.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from functools import partial
from pathlib import Path
from typing import TYPE_CHECKING

from sfjwt_gui.engine.errors import SfjwtError
from sfjwt_gui.gui.tasks import TaskRunner

if TYPE_CHECKING:
    from sfjwt_gui.engine.keychain import KeychainStatus
    from sfjwt_gui.engine.profiles import Profile
    from sfjwt_gui.gui.session import ProfileSession

logger = logging.getLogger(__name__)

STALE_NOTE = (
    "The passphrase kept in the system keychain no longer opens this key; "
    "type the new one to replace it."
)


def path_key(key_path: str) -> str:
    """A key file's resolved path: the same file under any spelling."""
    if not key_path:
        return ""
    return str(Path(key_path).expanduser().resolve())


def entry_name(profile_name: str, key_path: str) -> str:
    """Names a keychain entry in this bookkeeping (not in the keychain)."""
    return f"{profile_name.casefold()}\n{path_key(key_path)}"


class SessionKeychain:
    """Finds, keeps, moves and forgets a session's passphrases in the keychain.

    ``hold_passphrase(key_path, passphrase)`` puts a passphrase found in the
    keychain into the session's memory without storing it back.
    """

    def __init__(
        self,
        session: ProfileSession,
        hold_passphrase: Callable[[str, bytes], None],
    ) -> None:
        self._session = session
        self._hold_passphrase = hold_passphrase
        self._status: KeychainStatus | None = None
        self._tasks: TaskRunner | None = None
        self._checking = False
        # Keychain entries, as entry_name() names them: looked up now, looked
        # up since the profile was selected, and known to hold a passphrase.
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
    def status(self) -> KeychainStatus | None:
        return self._status

    def check(self) -> None:
        """Find out, off the GUI thread and once, whether a keychain exists."""
        if self._status is not None or self._checking:
            return
        self._checking = True
        from sfjwt_gui.engine import keychain

        self._run(
            "Looking for the system keychain",
            keychain.keychain_status,
            self._on_checked,
        )

    def profile_selected(self, profile: Profile) -> None:
        """Look the new profile's passphrase up again, as if never tried."""
        prefix = entry_name(profile.name, "")
        self._recall_tried = {
            entry for entry in self._recall_tried if not entry.startswith(prefix)
        }
        self.recall()

    def recall(self, key_path: str | None = None) -> bool:
        """See ProfileSession.recall_passphrase."""
        profile = self._session.profile
        if profile is None or not profile.use_keychain or not self._usable():
            return False
        path = profile.key_path if key_path is None else key_path
        if not path.strip() or self._session.passphrase_for(path):
            return False
        entry = entry_name(profile.name, path)
        if entry in self._recalling or profile.name.casefold() in self._moving:
            return True  # a move's end looks again
        if entry in self._recall_tried:
            return False

        self._recall_tried.add(entry)
        self._recalling.add(entry)
        from sfjwt_gui.engine import keychain

        self._run(
            "Reading the key passphrase from the system keychain",
            partial(keychain.recall_passphrase, profile.name, path),
            partial(self._on_recalled, profile.name, path),
            partial(self._on_recall_failed, profile.name, path),
        )
        return True

    def forget_profile(self, profile: Profile) -> None:
        """Take a deleted profile's passphrase out of the keychain too."""
        if profile.use_keychain:
            self._forget(profile.name, profile.key_path)

    def move(self, old_name: str, profile: Profile) -> None:
        """Let a renamed profile's keychain entry follow it."""
        if not profile.use_keychain or not profile.key_path.strip():
            return
        self._drop_kept(old_name)
        self._kept_paths.pop(old_name.casefold(), None)
        self._moving.add(profile.name.casefold())
        from sfjwt_gui.engine import keychain

        self._run(
            "Moving the key passphrase in the system keychain",
            partial(keychain.move_passphrase, old_name, profile.name, profile.key_path),
            partial(self._on_moved, profile.name),
            partial(self._on_move_failed, profile.name),
        )

    def follow_switch(self, profile: Profile) -> None:
        """Ticked: keep the known passphrase, or look for one. Unticked: forget."""
        if not profile.use_keychain:
            self._forget(profile.name, profile.key_path)
            return
        self._recall_tried.discard(entry_name(profile.name, profile.key_path))
        passphrase = self._session.passphrase_for(profile.key_path)
        if passphrase:
            self.keep(profile.key_path, passphrase)
        else:
            self.recall()

    def keep(self, key_path: str, passphrase: bytes) -> None:
        """Store the selected profile's passphrase, if that profile asks for it."""
        profile = self._session.profile
        if profile is None or not profile.use_keychain or not key_path.strip():
            return
        entry = entry_name(profile.name, key_path)
        if not self._usable() or self._kept.get(entry) == passphrase:
            return
        previous = self._kept_paths.get(profile.name.casefold(), "")
        from sfjwt_gui.engine import keychain

        self._run(
            "Saving the key passphrase in the system keychain",
            partial(
                keychain.remember_passphrase,
                profile.name,
                key_path,
                passphrase,
                previous_key_path=previous,
            ),
            partial(self._on_kept, profile.name, key_path, passphrase),
            self._on_failed,
        )

    # -- running requests ------------------------------------------------------

    def _run(
        self,
        name: str,
        request: Callable[[], object],
        on_done: Callable[[object], None],
        on_error: Callable[[BaseException], None] | None = None,
    ) -> None:
        """Run one keychain request off the GUI thread, on the session's runner."""
        if self._tasks is None:
            self._tasks = TaskRunner(self._session)
        work = partial(_uncancellable, request)
        self._tasks.run(name, work, on_done, on_error)

    def _usable(self) -> bool:
        return self._status is None or self._status.available

    def _drop_kept(self, profile_name: str) -> None:
        prefix = entry_name(profile_name, "")
        for entry in [item for item in self._kept if item.startswith(prefix)]:
            del self._kept[entry]

    def _forget(self, profile_name: str, key_path: str) -> None:
        self._drop_kept(profile_name)
        paths = {key_path, self._kept_paths.pop(profile_name.casefold(), "")}
        if not self._usable():
            return
        from sfjwt_gui.engine import keychain

        for path in sorted(path for path in paths if path.strip()):
            self._run(
                "Removing the key passphrase from the system keychain",
                partial(keychain.forget_passphrase, profile_name, path),
                _ignore,
                self._on_failed,
            )

    def _set_status(self, status: KeychainStatus) -> None:
        if status == self._status:
            return
        self._status = status
        if not status.available:
            logger.info("No system keychain: %s", status.reason)
        self._session.keychain_changed.emit()

    # -- answers -----------------------------------------------------------------

    def _on_checked(self, status: object) -> None:
        self._checking = False
        from sfjwt_gui.engine.keychain import KeychainStatus

        if isinstance(status, KeychainStatus):
            self._set_status(status)

    def _on_recalled(self, profile_name: str, key_path: str, result: object) -> None:
        from sfjwt_gui.engine.keychain import Recalled

        entry = entry_name(profile_name, key_path)
        self._recalling.discard(entry)
        if isinstance(result, Recalled) and result.stale:
            self._session.keychain_note.emit(STALE_NOTE)
        if isinstance(result, Recalled) and result.passphrase is not None:
            self._hold_passphrase(key_path, result.passphrase)
            self._kept[entry] = result.passphrase
            self._kept_paths[profile_name.casefold()] = key_path
        self._session.recall_finished.emit(key_path)

    def _on_recall_failed(self, name: str, key_path: str, error: BaseException) -> None:
        self._recalling.discard(entry_name(name, key_path))
        self._session.recall_finished.emit(key_path)
        self._on_failed(error)

    def _on_kept(
        self, profile_name: str, key_path: str, passphrase: bytes, stored: object
    ) -> None:
        if stored is not True:
            return  # it did not open the key: the login will say so
        self._kept[entry_name(profile_name, key_path)] = passphrase
        self._kept_paths[profile_name.casefold()] = key_path
        where = self._status.backend if self._status else "system keychain"
        self._session.keychain_note.emit(f"The passphrase is kept in the {where}.")

    def _on_moved(self, profile_name: str, _moved: object) -> None:
        # Look-ups under the new name waited for the entry to arrive.
        self._moving.discard(profile_name.casefold())
        profile = self._session.profile
        if profile is not None and profile.name == profile_name:
            self._recall_tried.discard(entry_name(profile_name, profile.key_path))
            self.recall()

    def _on_move_failed(self, profile_name: str, error: BaseException) -> None:
        self._moving.discard(profile_name.casefold())
        self._on_failed(error)

    def _on_failed(self, error: BaseException) -> None:
        if not isinstance(error, SfjwtError):
            raise error  # a bug: the app-wide hook logs it and shows a report
        logger.warning("System keychain: %s", error.message)
        if error.code == "keychain_unavailable":
            from sfjwt_gui.engine.keychain import KeychainStatus

            self._set_status(KeychainStatus(False, reason=error.message))
            return
        self._session.keychain_note.emit(str(error))


def _uncancellable(request: Callable[[], object], _cancel: threading.Event) -> object:
    """A keychain request is short and runs to its end once started."""
    return request()


def _ignore(_result: object) -> None:
    """Forgetting has nothing to show when it works."""
