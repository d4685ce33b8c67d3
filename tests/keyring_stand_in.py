"""Stand-in keychains for tests: one in memory, and ones that fail in each way.

Installed with ``keyring.set_keyring`` for one test (see ``installed``) so no
test ever reads or writes the machine's real keychain. Each class has a
negative priority: keyring never picks one of them on its own. The engine
trusts only the OS keychain backends; ``installed`` adds this module to that
allow-list for the block, so a stand-in is taken for the system keychain while
backends from anywhere else are still refused.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import contextmanager
from unittest import mock

import keyring
from keyring.backend import KeyringBackend
from keyring.backends import fail
from keyring.backends.chainer import ChainerBackend
from keyring.errors import (
    KeyringError,
    KeyringLocked,
    NoKeyringError,
    PasswordDeleteError,
)

from sfjwt_gui.engine import keychain

STAND_IN_PRIORITY = -10.0


class MemoryKeyring(KeyringBackend):
    """A keychain in a dict: ``entries[(service, username)] = password``."""

    priority = STAND_IN_PRIORITY

    def __init__(self) -> None:
        super().__init__()  # type: ignore[no-untyped-call]
        self.entries: dict[tuple[str, str], str] = {}
        self.reads = 0
        self._lock = threading.Lock()

    def get_password(self, service: str, username: str) -> str | None:
        with self._lock:
            self.reads += 1
            return self.entries.get((service, username))

    def set_password(self, service: str, username: str, password: str) -> None:
        with self._lock:
            self.entries[(service, username)] = password

    def delete_password(self, service: str, username: str) -> None:
        with self._lock:
            if self.entries.pop((service, username), None) is None:
                raise PasswordDeleteError("Password not found")

    def passwords(self) -> list[str]:
        with self._lock:
            return list(self.entries.values())


class PlaintextFileKeyring(MemoryKeyring):
    """Looks like keyrings.alt's plaintext file backend, which must be refused."""


PlaintextFileKeyring.__module__ = "keyrings.alt.file"


class CryptFileKeyring(MemoryKeyring):
    """Looks like keyrings.cryptfile's backend: a file, whatever it is called."""


CryptFileKeyring.__module__ = "keyrings.cryptfile.cryptfile"


class BrokenKeyring(KeyringBackend):
    """A keychain whose daemon fails every request."""

    priority = STAND_IN_PRIORITY
    message = "the keychain daemon went away"

    def __init__(self) -> None:
        super().__init__()  # type: ignore[no-untyped-call]

    def get_password(self, service: str, username: str) -> str | None:
        raise KeyringError(self.message)

    def set_password(self, service: str, username: str, password: str) -> None:
        # A careless backend might echo what it was given; it must not show.
        raise KeyringError(f"{self.message} while saving {password}")

    def delete_password(self, service: str, username: str) -> None:
        raise KeyringError(self.message)


class LockedKeyring(BrokenKeyring):
    """A keychain the user did not unlock."""

    def get_password(self, service: str, username: str) -> str | None:
        raise KeyringLocked("collection is locked")


class NoKeyring(BrokenKeyring):
    """A backend that turns out to have nothing behind it."""

    def get_password(self, service: str, username: str) -> str | None:
        raise NoKeyringError("no backend behind this one")

    def set_password(self, service: str, username: str, password: str) -> None:
        raise NoKeyringError("no backend behind this one")

    def delete_password(self, service: str, username: str) -> None:
        raise NoKeyringError("no backend behind this one")


class EmptyChainer(ChainerBackend):
    """keyring's chainer when no backend is viable: nothing to chain."""

    backends: list[KeyringBackend] = []  # noqa: RUF012

    def __init__(self) -> None:
        super().__init__()  # type: ignore[no-untyped-call]


def no_backend() -> KeyringBackend:
    """What keyring itself picks when nothing is viable (as on this CI machine)."""
    return fail.Keyring()  # type: ignore[no-untyped-call]


@contextmanager
def installed(backend: KeyringBackend) -> Iterator[KeyringBackend]:
    """Make ``backend`` keyring's keychain until the block ends."""
    trusted = (*keychain._TRUSTED_MODULES, __name__)
    previous = keyring.get_keyring()
    keyring.set_keyring(backend)
    try:
        with mock.patch.object(keychain, "_TRUSTED_MODULES", trusted):
            yield backend
    finally:
        keyring.set_keyring(previous)
