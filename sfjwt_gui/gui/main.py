"""The ``sfjwt-gui`` command: checks, logging and the crash hook, then the window.

Start-up time matters, so Qt and the window are imported only once the
command line asks for a window: ``--version`` and the library check never
load a Qt widget module. The log file and the window icon follow the window's
first paint; records logged before the file opens are held and written to it
first.
"""

from __future__ import annotations

import argparse
import gc
import importlib
import logging
import os
import sys
import time
from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING

from sfjwt_gui import APP_NAME, __version__
from sfjwt_gui.gui import platform_check

if TYPE_CHECKING:
    from PySide6.QtWidgets import QApplication

    from sfjwt_gui.gui.mainwindow import MainWindow

logger = logging.getLogger(__name__)

# Qt-free modules the window needs, imported before PySide6: PySide6 reads the
# source of every module imported after it (looking for ``from __feature__``).
_ENGINE_MODULES = ("sfjwt_gui.engine.appstate", "sfjwt_gui.engine.history")

# Which subpackages import PySide6 (see tell_pyside_our_modules).
APP_NAME_PACKAGE = "sfjwt_gui"
_PYSIDE_USE = {"gui": True, "engine": False, "demo": False, "cli": False}

LibraryCheck = Callable[[], list[tuple[str, str]]]
_INTERRUPT_POLL_MS = 300
# When main() began, for the start-up time the log reports.
_started_at = 0.0
# The installed .desktop file's name (resources/linux/): Wayland shows that
# entry's icon and name for the window.
DESKTOP_FILE_ID = "io.github.sfjwtgui"


# The flags _parser() defines, each with its attribute name: a command line of
# only these (or none, the usual start) is read without argparse, whose
# parsing loads translations and measures the terminal before Qt can start.
_PLAIN_FLAGS = {
    "--version": "version",
    "--demo": "demo",
    "--quit-after-first-paint": "quit_after_first_paint",
}


def parse_arguments(arguments: Sequence[str]) -> tuple[argparse.Namespace, list[str]]:
    """The app's options and the arguments left for Qt (as parse_known_args)."""
    if all(argument in _PLAIN_FLAGS for argument in arguments):
        given = {_PLAIN_FLAGS[argument] for argument in arguments}
        flags = {name: name in given for name in _PLAIN_FLAGS.values()}
        return argparse.Namespace(**flags), []
    options, qt_args = _parser().parse_known_args(arguments)
    return options, qt_args


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog=APP_NAME,
        description="Set up, test and diagnose Salesforce's OAuth 2.0 JWT bearer "
        "login. Qt options such as -platform are passed on to Qt.",
        allow_abbrev=False,
    )
    parser.add_argument(
        "--version", action="store_true", help="print the version and exit"
    )
    parser.add_argument(
        "--demo",
        action="store_true",
        help="open straight on the built-in demo org",
    )
    # For benchmarks and packaging smoke tests: start, paint once, quit.
    parser.add_argument(
        "--quit-after-first-paint", action="store_true", help=argparse.SUPPRESS
    )
    return parser


def _write(stream: object, text: str) -> None:
    # A windowed Python on Windows has no console: sys.stdout may be None.
    write = getattr(stream, "write", None)
    if write is not None:
        write(text)


def main(
    argv: Sequence[str] | None = None, *, library_check: LibraryCheck | None = None
) -> int:
    """Run the app; returns the process exit status."""
    global _started_at
    _started_at = time.monotonic()
    arguments = list(sys.argv[1:] if argv is None else argv)
    options, qt_args = parse_arguments(arguments)
    if options.version:
        _write(sys.stdout, f"{APP_NAME} {__version__}\n")
        return 0

    problem = platform_check.startup_problem(qt_args, check=library_check)
    if problem is not None:
        _write(sys.stderr, problem + "\n")
        return 1
    return _run_window(
        qt_args, demo=options.demo, quit_after_paint=options.quit_after_first_paint
    )


def _run_window(qt_args: list[str], *, demo: bool, quit_after_paint: bool) -> int:
    # Start-up makes many long-lived objects and next to no garbage, so the
    # cyclic collector would only cost time while the window is built (some
    # 10 ms). Once it is built its objects are frozen: no later collection,
    # the one at exit included, walks them again.
    gc.disable()
    try:
        app, window = _start_window(qt_args, quit_after_paint=quit_after_paint)
        if demo:
            window.open_demo()
    finally:
        gc.freeze()
        gc.enable()

    status = app.exec()
    from sfjwt_gui.engine import logsetup

    # Still unopened if the window closed before finishing its start.
    logsetup.open_log_file()
    logger.info("%s closed", APP_NAME)
    return int(status)


def _start_window(
    qt_args: list[str], *, quit_after_paint: bool
) -> tuple[QApplication, MainWindow]:
    """Logging, the crash hook, the QApplication and the shown main window."""
    from sfjwt_gui.engine import logsetup

    log_path = logsetup.start_logging()
    logger.info("Starting %s %s (log: %s)", APP_NAME, __version__, log_path)
    for name in _ENGINE_MODULES:
        importlib.import_module(name)

    from PySide6.QtWidgets import QApplication

    tell_pyside_our_modules()
    from sfjwt_gui.gui import crash

    guard_none_refcount()
    crash.install_excepthook()
    QApplication.setApplicationName(APP_NAME)
    QApplication.setApplicationVersion(__version__)
    QApplication.setDesktopFileName(DESKTOP_FILE_ID)
    app = QApplication([sys.argv[0] if sys.argv else APP_NAME, *qt_args])

    from sfjwt_gui.gui.mainwindow import MainWindow

    window = MainWindow()
    window.first_painted.connect(_on_window_first_painted)
    if quit_after_paint:
        window.close_after_first_paint()
    window.show()
    return app, window


def _on_window_first_painted() -> None:
    """What the first paint did without: the log file, Ctrl+C, the window icon."""
    from PySide6.QtWidgets import QApplication

    from sfjwt_gui.engine import logsetup
    from sfjwt_gui.gui import icons

    logsetup.open_log_file()
    app = QApplication.instance()
    if isinstance(app, QApplication):
        # Until now Ctrl+C ends the process as Python's default handler does;
        # the signal module builds its enum types, which a paint can do without.
        _watch_interrupts(app)
        elapsed_ms = (time.monotonic() - _started_at) * 1000
        logger.info("Window painted %.0f ms after start", elapsed_ms)
        # Rendering the SVG and loading Qt's image plugins can wait a moment.
        app.setWindowIcon(icons.app_icon())


def tell_pyside_our_modules() -> int:
    """Say which of the app's modules use PySide6, so it need not read them.

    PySide6 reads the source of every module the first time an import
    statement names it after PySide6 has loaded, ``import logging`` in a window
    module included, to find out whether it uses PySide6 (for its optional
    ``from __feature__`` switches): up to half a millisecond each, some 5 ms
    over a start. The answers are known: the window's modules use it without
    any feature; the app's other modules and every module loaded before
    PySide6 do not. Returns how many names were added; 0 where PySide6 keeps
    no such record, and then it reads the sources as before.
    """
    feature = sys.modules.get("shibokensupport.feature")
    known = getattr(feature, "pyside_feature_dict", None)
    if not isinstance(known, dict):
        return 0

    package = os.path.dirname(os.path.dirname(__file__))
    added = 0
    for subpackage, uses_pyside in _PYSIDE_USE.items():
        prefix = f"{APP_NAME_PACKAGE}.{subpackage}"
        try:
            entries = list(os.scandir(os.path.join(package, subpackage)))
        except OSError:
            # A frozen build keeps its modules in an archive, not in folders;
            # there is no source to read then either.
            continue
        for entry in entries:
            stem, dot, extension = entry.name.rpartition(".")
            if not dot or extension != "py":
                continue
            name = prefix if stem == "__init__" else f"{prefix}.{stem}"
            if name not in known:
                # PySide6's own values: 0 uses it with no feature on,
                # -1 does not use it.
                known[name] = 0 if uses_pyside else -1
                added += 1

    for name in list(sys.modules):
        if name not in known:
            known[name] = -1
            added += 1
    return added


def pyside_drops_none_references(calls: int = 64) -> bool:
    """Whether this PySide6 build loses a reference to None on each void call.

    abi3 wheels compiled with headers that treat None as immortal (CPython
    gh-134989) return None without a new reference when run on Python 3.11 or
    older, so every call such as ``setObjectName`` takes one away from None.
    """
    if sys.version_info >= (3, 12):
        return False  # None is immortal there: nothing can be lost
    from PySide6.QtCore import QObject

    probe = QObject()
    before = sys.getrefcount(None)
    for _ in range(calls):
        probe.setObjectName("probe")
    return before - sys.getrefcount(None) >= calls // 2


def guard_none_refcount() -> bool:
    """Keep None alive despite a PySide6 build that drops references to it.

    Without this the interpreter aborts with "deallocating None" after a few
    thousand Qt calls. Returns True when the guard was needed.
    """
    if not pyside_drops_none_references():
        return False
    # FIXME(pyside-none-refcount): remove when the PySide6 wheels in use are
    # built with fixed headers, or when Python 3.12 is the minimum. This gives
    # None the practically endless reference count Python 3.12 gives it.
    import ctypes

    ctypes.c_ssize_t.from_address(id(None)).value += 1 << 40
    logger.warning("PySide6 drops references to None on this Python; guarded")
    return True


def _watch_interrupts(app: QApplication) -> None:
    """Ctrl+C in the terminal, or a polite kill, closes the window as the user would.

    Closing saves what is pending and asks before losing edits the disk
    refused. Python runs signal handlers only between bytecodes and an idle Qt
    loop runs none, so a timer wakes the interpreter a few times a second.
    """
    import signal

    from PySide6.QtCore import QTimer

    heartbeat = QTimer(app)
    heartbeat.setInterval(_INTERRUPT_POLL_MS)
    heartbeat.timeout.connect(_let_python_run)
    heartbeat.start()
    signal.signal(signal.SIGINT, _close_windows_soon)
    if hasattr(signal, "SIGTERM"):
        signal.signal(signal.SIGTERM, _close_windows_soon)


def _let_python_run() -> None:
    """Nothing: being called is what lets a pending signal handler run."""


def _close_windows_soon(_number: int, _frame: object) -> None:
    from PySide6.QtCore import QTimer
    from PySide6.QtWidgets import QApplication

    QTimer.singleShot(0, QApplication.closeAllWindows)


if __name__ == "__main__":
    sys.exit(main())
