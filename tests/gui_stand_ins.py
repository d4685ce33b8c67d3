"""Stand-in step pages with the real pages' shape, and a window built on them.

The shell's tests use these so that they show what the shell itself does.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator

from PySide6.QtCore import Qt, Signal, Slot
from PySide6.QtGui import QKeySequence, QShortcut
from PySide6.QtTest import QTest
from PySide6.QtWidgets import QLabel, QPushButton, QVBoxLayout, QWidget
from pytestqt.qtbot import QtBot

from sfjwt_gui.gui.mainwindow import MainWindow
from sfjwt_gui.gui.session import ProfileSession
from sfjwt_gui.gui.tasks import TaskHandle, TaskRunner
from sfjwt_gui.gui.widgets import StepState

WAIT_MS = 10_000


def click(widget: QWidget) -> None:
    QTest.mouseClick(widget, Qt.MouseButton.LeftButton)


def press(
    widget: QWidget,
    key: Qt.Key,
    modifier: Qt.KeyboardModifier = Qt.KeyboardModifier.NoModifier,
) -> None:
    QTest.keyClick(widget, key, modifier)


class StandInPage(QWidget):
    """A step page with the real pages' signals and methods."""

    state_changed = Signal(object)
    status_message = Signal(str)

    def __init__(
        self, session: ProfileSession, tasks: TaskRunner, parent: QWidget | None
    ) -> None:
        super().__init__(parent)
        self.session = session
        self.tasks = tasks
        self._state = StepState.NONE
        self.button = QPushButton("Do it", self)
        self.button.setAccessibleName("Do it")
        layout = QVBoxLayout(self)
        layout.addWidget(QLabel("A stand-in page", self))
        layout.addWidget(self.button)

    def state(self) -> StepState:
        return self._state

    def set_state(self, state: StepState) -> None:
        self._state = state
        self.state_changed.emit(state)


def wait_for_cancel(cancel: threading.Event) -> str:
    """Work that runs until cancelled, as a login to a silent server would."""
    cancel.wait(60)
    return "finished"


class StandInTestPage(StandInPage):
    """The third page: runs a task that only ends when cancelled."""

    test_finished = Signal(object)

    def __init__(
        self, session: ProfileSession, tasks: TaskRunner, parent: QWidget | None
    ) -> None:
        super().__init__(session, tasks, parent)
        self.runs = 0
        self.handle: TaskHandle | None = None
        self.shortcut = QShortcut(QKeySequence("Ctrl+Return"), self)
        self.shortcut.setContext(Qt.ShortcutContext.WidgetWithChildrenShortcut)
        self.shortcut.activated.connect(self.run_test)

    @Slot()
    def run_test(self) -> None:
        self.runs += 1
        self.handle = self.tasks.run(
            "Testing login", wait_for_cancel, self._on_done, self._on_error
        )

    @Slot()
    def cancel_test(self) -> None:
        if self.handle is not None:
            self.handle.cancel()

    def is_running(self) -> bool:
        return self.handle is not None and self.handle.running

    def _on_done(self, result: object) -> None:
        self.test_finished.emit(result)

    def _on_error(self, error: BaseException) -> None:
        self.status_message.emit(str(error))


def stand_in_pages(
    session: ProfileSession, tasks: TaskRunner, parent: QWidget
) -> list[QWidget]:
    return [
        StandInPage(session, tasks, parent),
        StandInPage(session, tasks, parent),
        StandInTestPage(session, tasks, parent),
    ]


def make_window(qtbot: QtBot) -> MainWindow:
    """A shown, active main window on the stand-in pages."""
    window = MainWindow(page_factory=stand_in_pages)
    qtbot.addWidget(window)
    window.show()
    window.activateWindow()
    qtbot.waitUntil(window.isActiveWindow, timeout=WAIT_MS)
    return window


def open_stand_in_windows(qtbot: QtBot) -> Iterator[Callable[[], MainWindow]]:
    """For an ``open_window`` fixture: opens make_window()s, closes them after."""
    opened: list[MainWindow] = []

    def opener() -> MainWindow:
        window = make_window(qtbot)
        opened.append(window)
        return window

    yield opener
    for window in opened:
        window.close()
