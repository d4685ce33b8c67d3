"""A key's passphrase in the operating system's keychain, per profile.

Only real keychains are used: macOS Keychain, Windows Credential Manager and
the Secret Service (GNOME Keyring, KWallet, KeePassXC) through the ``keyring``
package. Where none answers, nothing is remembered and the passphrase is asked
for each time; a passphrase is never written to a plain or "encrypted" file.
Any other backend (keyrings.alt, keyrings.cryptfile, or whatever
PYTHON_KEYRING_BACKEND names) counts as no keychain at all: a backend is used
only when it is one of keyring's own OS keychain backends.

Each entry lives under the service ``sfjwt-gui``; its user name is the profile
name (case folded, as profile names are case-insensitive) and the resolved path
of the key file, joined by `` | ``, so a profile whose key file changes does not
find the old key's passphrase. ``keyring`` is imported on first use only: it
scans the installed packages, and its backends may block on D-Bus, so callers
run these functions off the GUI thread.
"""

from __future__ import annotations

import hashlib
import logging
import sys
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, TypeVar

from sfjwt_gui.engine.errors import KeyFileError, SfjwtError

if TYPE_CHECKING:
    from keyring.backend import KeyringBackend

logger = logging.getLogger(__name__)

SERVICE = "sfjwt-gui"
CHECKBOX_TEXT = "Remember the passphrase in the system keychain"
# Windows Credential Manager refuses user names longer than 513 characters.
MAX_ENTRY_CHARS = 400
_BACKEND_NAMES = {
    "keyring.backends.macOS": "macOS Keychain",
    "keyring.backends.Windows": "Windows Credential Manager",
    "keyring.backends.SecretService": "Secret Service",
    "keyring.backends.libsecret": "Secret Service (libsecret)",
    "keyring.backends.kwallet": "KWallet",
}
# The only backends trusted with a passphrase, by the module defining them: an
# allow-list, because a file backend can come from any package.
_TRUSTED_MODULES = tuple(_BACKEND_NAMES)

T = TypeVar("T")


class KeychainError(SfjwtError):
    """The system keychain is missing, locked or refused a request."""

    default_code = "keychain_failed"


@dataclass(frozen=True)
class KeychainStatus:
    """Whether a usable system keychain exists here, and which one."""

    available: bool
    backend: str = ""  # its name for people, e.g. "Secret Service"
    reason: str = ""  # why there is none, when unavailable

    @property
    def note(self) -> str:
        """One sentence for the user: where passphrases go, or why nowhere."""
        if self.available:
            return f"Passphrases are kept in the {self.backend}."
        return (
            f"No system keychain is available here ({self.reason}); "
            "the passphrase will be asked for each time."
        )


@dataclass(frozen=True)
class Recalled:
    """What the keychain held for a key.

    ``passphrase`` is set only when it still opens the key; ``stale`` says an
    entry exists that no longer does (the key file was replaced).
    """

    passphrase: bytes | None = None
    stale: bool = False


def entry_name(profile_name: str, key_path: str) -> str:
    """The keychain user name of a profile's key: ``profile | /resolved/path``."""
    path = _resolved(key_path)
    name = f"{profile_name.strip().casefold()} | {path}"
    if len(name) <= MAX_ENTRY_CHARS:
        return name
    digest = hashlib.sha256(path.encode("utf-8", "surrogateescape")).hexdigest()
    return f"{profile_name.strip().casefold()[:200]} | sha256:{digest}"


def keychain_status() -> KeychainStatus:
    """Look for a usable keychain (may block briefly on D-Bus)."""
    try:
        backend = _usable_backend()
    except KeychainError as error:
        return KeychainStatus(False, reason=error.message)
    return KeychainStatus(True, backend=_backend_name(backend))


def fetch_passphrase(profile_name: str, key_path: str) -> bytes | None:
    """The stored passphrase of the profile's key; None when there is none."""
    backend = _usable_backend()
    name = entry_name(profile_name, key_path)
    stored = _call(backend, "read", lambda: backend.get_password(SERVICE, name))
    if stored is None:
        return None
    return stored.encode("utf-8")


def store_passphrase(profile_name: str, key_path: str, passphrase: bytes) -> None:
    """Keep (or replace) the passphrase of the profile's key."""
    try:
        text = passphrase.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise KeychainError(
            "This passphrase is not text, so the system keychain cannot hold it.",
            fix="Type the passphrase each time, or give the key a text passphrase.",
        ) from exc

    backend = _usable_backend()
    name = entry_name(profile_name, key_path)
    _call(
        backend,
        "store",
        lambda: backend.set_password(SERVICE, name, text),
        secret=text,
    )
    logger.info(
        "Passphrase of profile %s kept in the %s", profile_name, _backend_name(backend)
    )


def forget_passphrase(profile_name: str, key_path: str) -> bool:
    """Remove the entry of the profile's key; False when there was none."""
    backend = _usable_backend()
    name = entry_name(profile_name, key_path)
    # Asking first tells "nothing to forget" from a real failure, which
    # delete_password reports with the same exception class.
    if _call(backend, "read", lambda: backend.get_password(SERVICE, name)) is None:
        return False
    _call(backend, "remove", lambda: backend.delete_password(SERVICE, name))
    logger.info("Passphrase of profile %s removed from the keychain", profile_name)
    return True


def move_passphrase(old_profile: str, new_profile: str, key_path: str) -> bool:
    """Follow a profile's rename; False when there was nothing to move."""
    old_name = entry_name(old_profile, key_path)
    new_name = entry_name(new_profile, key_path)
    if old_name == new_name:
        return False
    passphrase = fetch_passphrase(old_profile, key_path)
    if passphrase is None:
        return False
    store_passphrase(new_profile, key_path, passphrase)
    forget_passphrase(old_profile, key_path)
    return True


def passphrase_unlocks(key_path: str, passphrase: bytes) -> bool:
    """True when the key needs a passphrase and this one opens it."""
    # cryptography loads here, in the caller's worker thread.
    from sfjwt_gui.engine.keyfiles import load_private_key

    path = Path(key_path).expanduser()
    try:
        load_private_key(path, None)
    except KeyFileError as error:
        if error.code not in ("key_encrypted", "key_passphrase_wrong"):
            return False  # missing or damaged: nothing worth remembering
    else:
        return False  # the key opens without any passphrase

    try:
        load_private_key(path, passphrase)
    except KeyFileError:
        return False
    return True


def recall_passphrase(profile_name: str, key_path: str) -> Recalled:
    """The stored passphrase, checked against the key before it is handed out."""
    passphrase = fetch_passphrase(profile_name, key_path)
    if passphrase is None:
        return Recalled()
    if not passphrase_unlocks(key_path, passphrase):
        logger.info(
            "Passphrase kept for profile %s no longer opens its key", profile_name
        )
        return Recalled(stale=True)
    return Recalled(passphrase)


def remember_passphrase(
    profile_name: str,
    key_path: str,
    passphrase: bytes,
    *,
    previous_key_path: str = "",
) -> bool:
    """Store the passphrase if it opens the key; False (nothing stored) if not.

    ``previous_key_path`` names a key file the profile used before: its entry
    is removed once the new one is stored, so old passphrases do not pile up.
    """
    if not passphrase_unlocks(key_path, passphrase):
        return False
    store_passphrase(profile_name, key_path, passphrase)
    if previous_key_path and _resolved(previous_key_path) != _resolved(key_path):
        forget_passphrase(profile_name, previous_key_path)
    return True


# ---- the backend -------------------------------------------------------------


def _usable_backend() -> KeyringBackend:
    """The keychain to use; KeychainError(code="keychain_unavailable") if none."""
    try:
        import keyring
        from keyring.backends import chainer, fail, null
    except ImportError as exc:
        raise _unavailable("the keyring package is not installed") from exc

    try:
        root = keyring.get_keyring()
        candidates = (
            list(root.backends) if isinstance(root, chainer.ChainerBackend) else [root]
        )
    except Exception as exc:  # a broken plug-in or configuration
        raise _unavailable(
            f"the keyring package could not start: {type(exc).__name__}"
        ) from exc

    refused: list[str] = []
    for backend in candidates:
        if isinstance(backend, (fail.Keyring, null.Keyring, chainer.ChainerBackend)):
            continue
        if not _is_trusted(backend):
            refused.append(type(backend).__name__)
            continue
        return backend

    if refused:
        raise _unavailable(
            f"only keyrings that are not a system keychain ({', '.join(refused)}) "
            "are set up, and sfjwt-gui keeps no passphrase anywhere else"
        )
    raise _unavailable(_missing_reason())


def _missing_reason() -> str:
    if sys.platform.startswith("linux") or "bsd" in sys.platform:
        return (
            "no Secret Service answers on D-Bus: GNOME Keyring, KWallet or "
            "KeePassXC must run in the desktop session"
        )
    return "the keyring package found no keychain backend"


def _unavailable(reason: str) -> KeychainError:
    return KeychainError(
        reason,
        code="keychain_unavailable",
        fix="Start or install the desktop's keychain service; until then the "
        "passphrase is asked for each time.",
    )


def _defined_in(backend: KeyringBackend, modules: Iterable[str]) -> str | None:
    """Which of ``modules`` (or a module below it) defines the backend's class."""
    module = type(backend).__module__
    for candidate in modules:
        if module == candidate or module.startswith(candidate + "."):
            return candidate
    return None


def _is_trusted(backend: KeyringBackend) -> bool:
    return _defined_in(backend, _TRUSTED_MODULES) is not None


def _backend_name(backend: KeyringBackend) -> str:
    module = _defined_in(backend, _BACKEND_NAMES)
    return _BACKEND_NAMES[module] if module else type(backend).__name__


def _call(
    backend: KeyringBackend, action: str, request: Callable[[], T], secret: str = ""
) -> T:
    """Run one keychain request; every failure becomes a KeychainError."""
    from keyring.errors import KeyringLocked, NoKeyringError

    name = _backend_name(backend)
    try:
        return request()
    except NoKeyringError as exc:
        raise _unavailable(f"the {name} is not available") from exc
    except KeyringLocked as exc:
        raise KeychainError(
            f"The {name} is locked, so it could not {action} the passphrase.",
            code="keychain_locked",
            fix=f"Unlock the {name} and try again.",
        ) from exc
    except Exception as exc:  # backends raise their own D-Bus/OS errors
        raise KeychainError(
            f"The {name} could not {action} the passphrase: {_detail(exc, secret)}.",
            fix=f"Check that the {name} is running and unlocked, then try again; "
            f'or untick "{CHECKBOX_TEXT}".',
        ) from exc


def _detail(error: Exception, secret: str) -> str:
    text = str(error).strip() or type(error).__name__
    if secret:
        text = text.replace(secret, "***")
    return text[:200]


def _resolved(key_path: str) -> str:
    if not key_path.strip():
        return ""
    path = Path(key_path.strip()).expanduser()
    try:
        return str(path.resolve())
    except (OSError, RuntimeError):
        return str(path.absolute())
