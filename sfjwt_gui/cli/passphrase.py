"""Getting a passphrase without putting it on the command line."""

from __future__ import annotations

import getpass
import os
import sys

from sfjwt_gui.engine.errors import UsageError


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
