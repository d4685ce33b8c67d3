"""Getting a passphrase without putting it on the command line.

From an environment variable, the terminal, or the system keychain for a
profile that asks for it (``use_keychain``).
"""

from __future__ import annotations

import getpass
import logging
import os
import sys
from typing import TYPE_CHECKING

from sfjwt_gui.engine.errors import UsageError

if TYPE_CHECKING:
    from sfjwt_gui.engine.profiles import Profile

logger = logging.getLogger(__name__)


def passphrase_from_env(variable: str | None) -> bytes | None:
    """The passphrase held in an environment variable, if one was named."""
    if not variable:
        return None
    value = os.environ.get(variable)
    if value is None:
        raise UsageError(
            f"The environment variable {variable} is not set.",
            fix=f"Export {variable} with the passphrase, or drop --passphrase-env.",
        )
    return value.encode("utf-8")


def ask_passphrase(prompt: str) -> bytes | None:
    """Ask on the terminal; None when there is no terminal to ask on."""
    if not sys.stdin.isatty():
        return None
    try:
        return getpass.getpass(prompt).encode("utf-8")
    except (EOFError, KeyboardInterrupt):
        return None


def remembered_passphrase(profile: Profile, key_path: str) -> bytes | None:
    """The passphrase the keychain keeps for the profile's key, if it still opens it.

    Only for profiles that ask for the keychain; any keychain problem is
    reported on stderr and the caller asks on the terminal instead.
    """
    if not profile.use_keychain:
        return None
    from sfjwt_gui.engine.keychain import KeychainError, recall_passphrase

    try:
        recalled = recall_passphrase(profile.name, key_path)
    except KeychainError as error:
        logger.warning("Passphrase not taken from the keychain: %s", error.message)
        return None
    if recalled.stale:
        logger.warning(
            "The passphrase kept in the system keychain for %s no longer opens "
            "its key; type the new one to replace it.",
            profile.name,
        )
    return recalled.passphrase


def passphrase_for_key(profile: Profile | None, key_path: str) -> bytes | None:
    """The profile's passphrase from the keychain, else one typed on the terminal.

    A typed passphrase is kept in the keychain when the profile asks for it,
    replacing a stale one.
    """
    if profile is not None:
        remembered = remembered_passphrase(profile, key_path)
        if remembered is not None:
            return remembered

    typed = ask_passphrase(f"Passphrase for {key_path}: ")
    if profile is not None and typed:
        keep_passphrase(profile, key_path, typed)
    return typed


def keep_passphrase(profile: Profile, key_path: str, passphrase: bytes) -> None:
    """Keep a typed passphrase in the keychain when the profile asks for it."""
    if not profile.use_keychain:
        return
    from sfjwt_gui.engine.keychain import KeychainError, remember_passphrase

    try:
        remember_passphrase(profile.name, key_path, passphrase)
    except KeychainError as error:
        logger.warning("Passphrase not kept in the keychain: %s", error.message)


def forget_kept_passphrase(profile: Profile) -> bool:
    """Remove the profile's passphrase from the keychain; False if none was kept."""
    from sfjwt_gui.engine.keychain import forget_passphrase

    if not profile.key_path.strip():
        return False
    return forget_passphrase(profile.name, profile.key_path)


def follow_profile_change(old: Profile, new: Profile | None) -> None:
    """A deleted (``new`` None) or renamed profile takes its keychain entry along.

    The profile change itself is done: a keychain problem is only reported.
    """
    if not old.use_keychain or not old.key_path.strip():
        return
    from sfjwt_gui.engine.keychain import (
        KeychainError,
        forget_passphrase,
        move_passphrase,
    )

    try:
        if new is None:
            forget_passphrase(old.name, old.key_path)
        else:
            move_passphrase(old.name, new.name, old.key_path)
    except KeychainError as error:
        logger.warning("Keychain entry of %s left as it was: %s", old.name, error)
