"""The real window and step 3's page, opened the way the GUI tests need them."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

from PySide6.QtCore import Qt

from sfjwt_gui.engine.history import HistoryStore
from sfjwt_gui.engine.login import LoginResult
from sfjwt_gui.engine.profiles import ProfileStore
from sfjwt_gui.gui.mainwindow import MainWindow
from sfjwt_gui.gui.page_test import TestPage
from sfjwt_gui.gui.session import ProfileSession
from sfjwt_gui.gui.tasks import TaskRunner

# A login against the loopback demo org takes well under a second; the margin
# is for a loaded machine.
LOGIN_WAIT_MS = 30_000


def open_real_windows(qtbot: Any) -> Iterator[Callable[[], MainWindow]]:
    """For an ``open_window`` fixture: opens real windows, closes them after."""
    opened: list[MainWindow] = []

    def opener() -> MainWindow:
        window = MainWindow()
        qtbot.addWidget(window)
        window.show()
        qtbot.waitExposed(window)
        opened.append(window)
        return window

    yield opener
    for window in opened:
        window.close()


def open_test_page(qtbot: Any, window: MainWindow) -> TestPage:
    """Step 3's page of a real window, made current."""
    qtbot.waitUntil(lambda: window.steps is not None, timeout=LOGIN_WAIT_MS)
    assert window.steps is not None
    window.steps.set_current(2)
    page = window.steps.page(2)
    assert isinstance(page, TestPage)
    return page


def session_on(store: ProfileStore, name: str) -> Iterator[ProfileSession]:
    """For a ``session`` fixture: the profile ``name`` selected, saved after."""
    session = ProfileSession(store, HistoryStore())
    session.select(name)
    yield session
    session.flush()


def show_test_page(qtbot: Any, session: ProfileSession) -> TestPage:
    """Step 3's page on its own, shown."""
    page = TestPage(session, TaskRunner(), None)
    qtbot.addWidget(page)
    page.show()
    return page


def run_test_and_wait(qtbot: Any, page: TestPage) -> LoginResult:
    """Click Test login and wait for its result."""
    with qtbot.waitSignal(page.test_finished, timeout=LOGIN_WAIT_MS) as finished:
        qtbot.mouseClick(page.test_button, Qt.MouseButton.LeftButton)
    result = finished.args[0]
    assert isinstance(result, LoginResult)
    return result
