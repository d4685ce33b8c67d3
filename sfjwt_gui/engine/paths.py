"""Where sfjwt-gui keeps its files: every directory is resolved here.

``SFJWT_CONFIG_DIR`` moves the configuration (profiles, history, settings)
and ``SFJWT_LOG_DIR`` the log files; tests and portable installs use them.
"""

from __future__ import annotations

import os
from pathlib import Path

from sfjwt_gui import APP_NAME

CONFIG_DIR_ENV = "SFJWT_CONFIG_DIR"
LOG_DIR_ENV = "SFJWT_LOG_DIR"


def config_dir() -> Path:
    """The folder holding profiles, history and app settings."""
    override = os.environ.get(CONFIG_DIR_ENV)
    if override:
        return Path(override).expanduser()
    # Imported here: with the folders moved by the environment it is not needed.
    import platformdirs

    return Path(platformdirs.user_config_dir(APP_NAME, appauthor=False))


def profiles_dir() -> Path:
    return config_dir() / "profiles"


def history_dir() -> Path:
    return config_dir() / "history"


def log_dir() -> Path:
    """The folder of the rotating log file."""
    override = os.environ.get(LOG_DIR_ENV)
    if override:
        return Path(override).expanduser()
    if os.environ.get(CONFIG_DIR_ENV):
        # A moved config dir (tests, portable use) keeps its logs beside it.
        return config_dir() / "logs"
    import platformdirs

    return Path(platformdirs.user_log_dir(APP_NAME, appauthor=False))


def default_keys_dir() -> Path:
    """Where generated keys go unless the user picks another folder."""
    return config_dir() / "keys"
