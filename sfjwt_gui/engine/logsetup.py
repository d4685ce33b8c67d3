"""Logging for the app and the command line: a rotating file and a memory tail.

Every record passes a filter that scrubs anything shaped like a secret, as a
second line of defence behind code that never logs secrets in the first place.

The window starts with the memory tail alone (start_logging) and opens the
file once it has painted (open_log_file): logging.handlers and the file are
not needed to show a window, and records logged meanwhile are held, then
written to the file first, so none is lost.
"""

from __future__ import annotations

import collections
import logging
import threading
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING

from sfjwt_gui.engine import paths
from sfjwt_gui.engine.redact import scrub

if TYPE_CHECKING:
    from logging.handlers import RotatingFileHandler

LOG_FILE_NAME = "sfjwt-gui.log"
LOG_FORMAT = "%(asctime)s %(levelname)-7s %(name)s: %(message)s"
MAX_LOG_BYTES = 1024 * 1024
LOG_BACKUPS = 3

logger = logging.getLogger(__name__)


class SecretScrubFilter(logging.Filter):
    """Rewrites each record's message with secrets masked."""

    def filter(self, record: logging.LogRecord) -> bool:
        message = record.getMessage()
        cleaned = scrub(message)
        if cleaned != message:
            record.msg = cleaned
            record.args = None
        return True


class MemoryTail(logging.Handler):
    """Keeps the last records for the "Show log" view and notifies listeners."""

    def __init__(self, capacity: int = 2000) -> None:
        super().__init__()
        self._lines: collections.deque[str] = collections.deque(maxlen=capacity)
        self._listeners: list[Callable[[str], None]] = []
        self._guard = threading.Lock()
        self.setFormatter(logging.Formatter(LOG_FORMAT))

    def emit(self, record: logging.LogRecord) -> None:
        line = self.format(record)
        with self._guard:
            self._lines.append(line)
            listeners = list(self._listeners)
        for listener in listeners:
            listener(line)

    def lines(self) -> list[str]:
        with self._guard:
            return list(self._lines)

    def add_listener(self, listener: Callable[[str], None]) -> None:
        with self._guard:
            self._listeners.append(listener)

    def remove_listener(self, listener: Callable[[str], None]) -> None:
        with self._guard:
            if listener in self._listeners:
                self._listeners.remove(listener)


class _HeldRecords(logging.Handler):
    """Keeps records (already scrubbed) until the log file is open."""

    def __init__(self, capacity: int = 2000) -> None:
        super().__init__()
        self.records: collections.deque[logging.LogRecord] = collections.deque(
            maxlen=capacity
        )

    def emit(self, record: logging.LogRecord) -> None:
        self.records.append(record)


_tail: MemoryTail | None = None
_file_handler: RotatingFileHandler | None = None
_held: _HeldRecords | None = None


def memory_tail() -> MemoryTail | None:
    """The memory tail installed by configure_logging, if any."""
    return _tail


def log_file_path() -> Path:
    return paths.log_dir() / LOG_FILE_NAME


def _install_tail(level: int) -> SecretScrubFilter:
    global _tail

    root = logging.getLogger()
    root.setLevel(level)
    scrubber = SecretScrubFilter()
    if _tail is None:
        _tail = MemoryTail()
        _tail.addFilter(scrubber)
        root.addHandler(_tail)
    logging.captureWarnings(True)
    return scrubber


def configure_logging(
    *, level: int = logging.INFO, to_file: bool = True
) -> Path | None:
    """Set up the root logger once: scrubbing filter, memory tail, rotating file.

    Returns the log file's path, or None when no file could be opened (a
    read-only home must not stop the app).
    """
    scrubber = _install_tail(level)
    if not to_file:
        return None
    return _open_file_with_held_records(scrubber)


def start_logging(*, level: int = logging.INFO) -> Path:
    """The scrubbing filter and memory tail now, the log file at open_log_file().

    Records logged in between are held (scrubbed) and written to the file
    first. Returns the path the log file will have.
    """
    global _held

    scrubber = _install_tail(level)
    if _file_handler is None and _held is None:
        _held = _HeldRecords()
        _held.addFilter(scrubber)
        logging.getLogger().addHandler(_held)
    return log_file_path()


def open_log_file() -> Path | None:
    """Open the log file start_logging() put off, held records first.

    Call it once nothing else logs yet from another thread (right after the
    window's first paint): a record logged during the hand-over could be
    written twice. Returns the log file's path, or None when it cannot be opened.
    """
    return _open_file_with_held_records(_install_tail(logging.getLogger().level))


def _open_file_with_held_records(scrubber: SecretScrubFilter) -> Path | None:
    global _held

    path = _open_file(scrubber)
    held, _held = _held, None
    if held is not None:
        logging.getLogger().removeHandler(held)
        if _file_handler is not None:
            for record in held.records:
                _file_handler.handle(record)
    return path


def _open_file(scrubber: SecretScrubFilter) -> Path | None:
    """Add the rotating file handler (again if the log folder moved)."""
    global _file_handler

    # Imported here: it brings sockets, pickle and queues, which a window
    # does not need before it is on screen.
    from logging.handlers import RotatingFileHandler

    root = logging.getLogger()
    path = log_file_path()
    if _file_handler is not None:
        if Path(_file_handler.baseFilename) == path.absolute():
            return path
        # The config dir moved (tests, a portable install): follow it.
        root.removeHandler(_file_handler)
        _file_handler.close()
        _file_handler = None
    try:
        path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
        handler = RotatingFileHandler(
            path, maxBytes=MAX_LOG_BYTES, backupCount=LOG_BACKUPS, encoding="utf-8"
        )
    except OSError as error:
        logger.warning("No log file (%s): %s", path, error.strerror or error)
        return None
    handler.setFormatter(logging.Formatter(LOG_FORMAT))
    handler.addFilter(scrubber)
    root.addHandler(handler)
    _file_handler = handler
    return path
