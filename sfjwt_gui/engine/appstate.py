"""What the app remembers between runs: last profile, window layout, first run.

Losing this file is harmless, so a missing or damaged one simply gives the
defaults; it is replaced on the next save.
"""

from __future__ import annotations

import dataclasses
import logging
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from sfjwt_gui.engine import paths
from sfjwt_gui.engine.atomic import write_atomic
from sfjwt_gui.engine.errors import ProfileError
from sfjwt_gui.engine.profiles import is_secret_key

logger = logging.getLogger(__name__)

STATE_FILE_NAME = "state.json"
_MAX_PORT = 65535


@dataclass
class AppState:
    """Settings the window saves for itself; never a secret."""

    last_profile: str = ""
    window_geometry: str = ""  # base64 text from the GUI
    window_state: str = ""
    splitter_state: str = ""
    demo_port: int = 0
    first_run_done: bool = False
    extra: dict[str, Any] = field(default_factory=dict)


def _default_path() -> Path:
    return paths.config_dir() / STATE_FILE_NAME


def _valid(name: str, value: Any) -> bool:
    """Whether ``value`` can go into the AppState field ``name``."""
    if name == "demo_port":
        return (
            isinstance(value, int)
            and not isinstance(value, bool)
            and 0 <= value <= _MAX_PORT
        )
    if name == "first_run_done":
        return isinstance(value, bool)
    if name == "extra":
        return isinstance(value, dict)
    return isinstance(value, str)


def _without_secrets(extra: dict[str, Any]) -> dict[str, Any]:
    kept = {}
    for key, value in extra.items():
        if is_secret_key(str(key)):
            logger.warning(
                "Dropped app state key %r: the app never stores secrets", key
            )
            continue
        kept[key] = value
    return kept


def load_app_state(path: Path | None = None) -> AppState:
    """The saved state; defaults when the file is missing or damaged."""
    path = path if path is not None else _default_path()
    try:
        raw = path.read_bytes()
    except FileNotFoundError:
        logger.info("No saved app state at %s; using defaults", path)
        return AppState()
    except OSError as exc:
        logger.warning("Ignoring unreadable app state %s: %s", path, exc)
        return AppState()

    # Imported here, as in profile_format and history: a first start reads no
    # file, and importing json compiles its patterns (1-2 ms) before the window
    # can paint.
    import json

    try:
        data = json.loads(raw.decode("utf-8"))
    except (ValueError, RecursionError) as exc:
        logger.warning("Ignoring unreadable app state %s: %s", path, exc)
        return AppState()
    if not isinstance(data, dict):
        logger.warning("Ignoring app state %s: it is not a JSON object", path)
        return AppState()

    values: dict[str, Any] = {}
    for state_field in dataclasses.fields(AppState):
        if state_field.name not in data:
            continue
        value = data[state_field.name]
        if _valid(state_field.name, value):
            values[state_field.name] = value
        else:
            # One odd field should not cost the user the whole window layout.
            logger.warning(
                "Ignoring app state field %r of the wrong type", state_field.name
            )
    if "extra" in values:
        values["extra"] = _without_secrets(values["extra"])
    return AppState(**values)


def save_app_state(state: AppState, path: Path | None = None) -> None:
    """Write the state atomically, mode 0600. Raises ProfileError."""
    path = path if path is not None else _default_path()
    document = {
        state_field.name: getattr(state, state_field.name)
        for state_field in dataclasses.fields(AppState)
    }
    document["extra"] = _without_secrets(dict(state.extra))

    bad_fields = [name for name, value in document.items() if not _valid(name, value)]
    if bad_fields:
        raise ProfileError(
            f"The app state cannot be saved: wrong type in {', '.join(bad_fields)}.",
            code="app_state_invalid",
            fix="Pass text for the layout fields, a port 0-65535 and a dict for extra.",
        )
    try:
        import json

        text = json.dumps(document, indent=2, allow_nan=False)
    except (TypeError, ValueError) as exc:
        raise ProfileError(
            "The app state cannot be saved: extra holds a value JSON cannot store.",
            code="app_state_invalid",
            fix="Keep only text, numbers, booleans, lists and dicts in extra.",
        ) from exc

    write_atomic(path, (text + "\n").encode("utf-8"), mode=0o600)
