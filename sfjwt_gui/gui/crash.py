"""Unexpected exceptions: logged, shown with a copyable report, and the app goes on.

The report is scrubbed of anything shaped like a secret before it is logged
or shown, because an exception message may quote an assertion or a token.
The hook is installed before the window exists, so this module stays small:
the report dialog (crash_dialog.CrashDialog, also reachable here as
``crash.CrashDialog``) is imported when the first error happens.
"""

from __future__ import annotations

import logging
import sys
import traceback
from collections.abc import Callable
from types import TracebackType
from typing import TYPE_CHECKING

from PySide6.QtWidgets import QApplication

from sfjwt_gui.engine.redact import scrub

if TYPE_CHECKING:
    from sfjwt_gui.gui.crash_dialog import CrashDialog as CrashDialog

logger = logging.getLogger(__name__)

ExceptHook = Callable[
    [type[BaseException], BaseException, "TracebackType | None"], object
]


def crash_report(
    exc_type: type[BaseException],
    error: BaseException,
    tb: TracebackType | None,
) -> str:
    """The versions and the traceback, with secrets masked."""
    # Imported here: the versions are only needed once something went wrong.
    from sfjwt_gui.gui.about import version_text

    trace = "".join(traceback.format_exception(exc_type, error, tb))
    return scrub(f"{version_text()}\n\n{trace}".rstrip() + "\n")


def handle_exception(
    exc_type: type[BaseException],
    error: BaseException,
    tb: TracebackType | None,
) -> None:
    """sys.excepthook: log the report, show it, and let the event loop go on."""
    if issubclass(exc_type, KeyboardInterrupt):
        # Ctrl+C in the terminal: leave the way a closed window does.
        app = QApplication.instance()
        if isinstance(app, QApplication):
            app.closeAllWindows()
        return

    try:
        report = crash_report(exc_type, error, tb)
    except Exception:  # the report itself failed; the traceback still matters
        report = scrub("".join(traceback.format_exception(exc_type, error, tb)))
    logger.error("Unexpected error:\n%s", report)

    if QApplication.instance() is None:
        return
    try:
        _dialog_class().show_report(QApplication.activeWindow(), report)
    except Exception:
        # A dialog that cannot open must not raise inside the hook again.
        logger.exception("Could not show the error report")


def install_excepthook() -> ExceptHook:
    """Route uncaught exceptions to handle_exception; returns the previous hook."""
    previous = sys.excepthook
    sys.excepthook = handle_exception
    return previous


def _dialog_class() -> type[CrashDialog]:
    from sfjwt_gui.gui import crash_dialog

    return crash_dialog.CrashDialog


def __getattr__(name: str) -> object:
    # ``crash.CrashDialog`` without importing the dialog at start-up.
    if name == "CrashDialog":
        return _dialog_class()
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
