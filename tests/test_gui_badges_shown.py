"""The state badges as the window shows them: beside each profile and each step."""

from __future__ import annotations

from collections.abc import Callable, Iterator

import pytest
from gui_pixels import shows_color
from gui_stand_ins import WAIT_MS, StandInPage, open_stand_in_windows
from PySide6.QtCore import QRect
from PySide6.QtWidgets import QListWidget
from pytestqt.qtbot import QtBot

from sfjwt_gui.engine.history import HistoryEntry, HistoryStore
from sfjwt_gui.engine.profiles import Profile, ProfileStore
from sfjwt_gui.gui.mainwindow import MainWindow
from sfjwt_gui.gui.widgets import StepState, state_color


@pytest.fixture
def open_window(qtbot: QtBot) -> Iterator[Callable[[], MainWindow]]:
    yield from open_stand_in_windows(qtbot)


def badge_area(view: QListWidget, row: int) -> QRect:
    """The start of ``row`` in ``view``'s viewport: where its badge is drawn."""
    rect = view.visualItemRect(view.item(row))
    return QRect(rect.left(), rect.top(), rect.height(), rect.height())


def test_each_profile_row_shows_the_badge_of_its_last_test(
    qtbot: QtBot, open_window: Callable[[], MainWindow]
) -> None:
    store, history = ProfileStore(), HistoryStore()
    for name, ok in (("Failing", False), ("Passing", True)):
        store.save(Profile(name=name))
        history.append(name, HistoryEntry(at="2026-12-01T10:00:00Z", ok=ok, codes=()))
    window = open_window()
    view = window.sidebar.list
    qtbot.waitUntil(
        lambda: window.sidebar.row_state("Passing") is StepState.DONE, timeout=WAIT_MS
    )
    view.clearSelection()  # the selection colour would hide the badge's

    shot = view.viewport().grab().toImage()

    rows = {window.sidebar.name_at(row): row for row in range(view.count())}
    error, done = state_color(StepState.ERROR), state_color(StepState.DONE)
    assert shows_color(shot, error, area=badge_area(view, rows["Failing"]), tolerance=8)
    assert not shows_color(
        shot, done, area=badge_area(view, rows["Failing"]), tolerance=8
    )
    assert shows_color(shot, done, area=badge_area(view, rows["Passing"]), tolerance=8)
    assert not shows_color(
        shot, error, area=badge_area(view, rows["Passing"]), tolerance=8
    )


def test_each_step_shows_the_badge_of_its_page(
    qtbot: QtBot, open_window: Callable[[], MainWindow]
) -> None:
    ProfileStore().save(Profile(name="Acme"))
    window = open_window()
    steps = window.steps
    assert steps is not None
    pages = [steps.page(index) for index in range(3)]
    assert all(isinstance(page, StandInPage) for page in pages)
    strip = steps.step_list
    strip.setCurrentRow(2)  # steps 1 and 2 unselected, in their own colours

    for page, state in zip(
        pages[:2], (StepState.ERROR, StepState.WARNING), strict=True
    ):
        assert isinstance(page, StandInPage)
        page.set_state(state)
    shot = strip.viewport().grab().toImage()

    for row, state in ((0, StepState.ERROR), (1, StepState.WARNING)):
        area = badge_area(strip, row)
        assert shows_color(shot, state_color(state), area=area, tolerance=8)
        assert not shows_color(
            shot, state_color(StepState.DONE), area=area, tolerance=8
        )
