"""Hand-off formats for a test: the same request as a command to paste elsewhere."""

from __future__ import annotations

import shlex
from collections.abc import Mapping


def curl_command(url: str, form: Mapping[str, str]) -> str:
    """A POSIX-shell curl command posting ``form`` to ``url`` exactly as sent.

    The form is copied as given: pass a masked form for display and the real
    one only when the user asked to copy a working command.
    """
    parts = ["curl", "--silent", "--show-error", "--request", "POST", shlex.quote(url)]
    parts += ["--header", shlex.quote("Accept: application/json")]
    for name, value in form.items():
        parts += ["--data-urlencode", shlex.quote(f"{name}={value}")]
    return " \\\n  ".join(_pairs(parts))


def _pairs(parts: list[str]) -> list[str]:
    """Group each option with its value so every line reads as one setting."""
    lines = [" ".join(parts[:6])]
    rest = parts[6:]
    for index in range(0, len(rest), 2):
        lines.append(" ".join(rest[index : index + 2]))
    return lines
