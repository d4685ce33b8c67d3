"""The one way the window runs long work: off the GUI thread, results by signal.

Work runs on a daemon thread, so a request still waiting on the network can
never keep the app from quitting. The work function gets a ``threading.Event``
that Cancel sets; the engine checks it between steps. Whatever the work returns
or raises travels back through a queued signal to a slot of the runner, which
lives on the GUI thread, and only there are the caller's callbacks called.
"""

from __future__ import annotations

import itertools
import logging
import threading
from collections.abc import Callable
from typing import Any, NamedTuple

from PySide6.QtCore import QObject, Signal, Slot

logger = logging.getLogger(__name__)

Work = Callable[[threading.Event], Any]
OnDone = Callable[[Any], None]
OnError = Callable[[BaseException], None]


class TaskHandle:
    """A running task as the caller sees it.

    A plain class rather than a dataclass: the window makes its TaskRunner
    before its first paint, and defining a dataclass takes some 0.3 ms.
    """

    def __init__(
        self,
        task_id: int,
        name: str,
        *,
        on_cancel: Callable[[], None] | None = None,
    ) -> None:
        self.task_id = task_id
        self.name = name
        self.cancel_event = threading.Event()
        self.running = True
        self.on_cancel = on_cancel

    def __repr__(self) -> str:
        return f"TaskHandle({self.task_id}, {self.name!r}, running={self.running})"

    def cancel(self) -> None:
        """Ask the work to stop; its result, if it still comes, is dropped.

        The task counts as ended at once, so the window is idle again without
        waiting for a network call that may take until its timeout.
        """
        self.cancel_event.set()
        if self.on_cancel is not None:
            self.on_cancel()


class _Callbacks(NamedTuple):
    handle: TaskHandle
    on_done: OnDone
    on_error: OnError | None


class _Relay(QObject):
    """Carries a result from the worker thread; created on the GUI thread."""

    finished = Signal(int, object)
    failed = Signal(int, object)


class TaskRunner(QObject):
    """Starts work on worker threads and calls back on the GUI thread.

    Signals:
        busy_changed(bool): True when the first task starts, False when the
            last one ends.
        task_started(str) / task_ended(str): the task's name, for the status bar.
    """

    busy_changed = Signal(bool)
    task_started = Signal(str)
    task_ended = Signal(str)

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._ids = itertools.count(1)
        self._pending: dict[int, _Callbacks] = {}
        self._relay = _Relay(self)
        self._relay.finished.connect(self._on_finished)
        self._relay.failed.connect(self._on_failed)

    @property
    def busy(self) -> bool:
        return bool(self._pending)

    def run(
        self,
        name: str,
        work: Work,
        on_done: OnDone,
        on_error: OnError | None = None,
    ) -> TaskHandle:
        """Run ``work(cancel_event)`` off the GUI thread."""
        task_id = next(self._ids)
        handle = TaskHandle(task_id, name, on_cancel=lambda: self._cancelled(task_id))
        was_busy = self.busy
        self._pending[handle.task_id] = _Callbacks(handle, on_done, on_error)
        relay = self._relay

        def body() -> None:
            try:
                result = work(handle.cancel_event)
            except BaseException as error:  # every failure goes back to the caller
                _emit(relay.failed, handle.task_id, error)
            else:
                _emit(relay.finished, handle.task_id, result)

        thread = threading.Thread(target=body, name=f"task-{name}", daemon=True)
        logger.debug("Task %s started: %s", handle.task_id, name)
        thread.start()
        self.task_started.emit(name)
        if not was_busy:
            self.busy_changed.emit(True)
        return handle

    def cancel_all(self) -> None:
        for callbacks in list(self._pending.values()):
            callbacks.handle.cancel()

    def _cancelled(self, task_id: int) -> None:
        if self._take(task_id) is not None:
            logger.info("Task %s cancelled", task_id)

    @Slot(int, object)
    def _on_finished(self, task_id: int, result: object) -> None:
        callbacks = self._take(task_id)
        if callbacks is None or callbacks.handle.cancel_event.is_set():
            return
        callbacks.on_done(result)

    @Slot(int, object)
    def _on_failed(self, task_id: int, error: object) -> None:
        callbacks = self._take(task_id)
        if callbacks is None or callbacks.handle.cancel_event.is_set():
            return
        if not isinstance(error, BaseException):
            error = RuntimeError(f"task failed with {error!r}")
        if callbacks.on_error is not None:
            callbacks.on_error(error)
            return
        # No handler: this is a bug, and the app-wide hook shows a report.
        raise error

    def _take(self, task_id: int) -> _Callbacks | None:
        callbacks = self._pending.pop(task_id, None)
        if callbacks is None:
            return None
        callbacks.handle.running = False
        self.task_ended.emit(callbacks.handle.name)
        if not self._pending:
            self.busy_changed.emit(False)
        logger.debug("Task %s ended: %s", task_id, callbacks.handle.name)
        return callbacks


def _emit(signal: Any, task_id: int, payload: object) -> None:
    try:
        signal.emit(task_id, payload)
    except RuntimeError:
        # The window was closed and its objects deleted while this work ran;
        # nobody is left to tell.
        logger.debug("Task %s ended after its window closed", task_id)
