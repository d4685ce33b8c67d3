"""The window follows the system's light or dark palette while it runs.

Colours and badges are picked from the palette when drawn; a switch to a dark
palette must draw them again in their dark-palette colours.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

import pytest
from gui_pixels import shows_color
from gui_windows import open_real_windows, open_test_page, run_test_and_wait
from PySide6.QtCore import QSize
from PySide6.QtGui import QColor, QImage, QPalette, QPixmap
from PySide6.QtWidgets import QApplication, QLabel, QTreeWidget, QTreeWidgetItem

from sfjwt_gui.gui.mainwindow import MainWindow
from sfjwt_gui.gui.page_app import AppPage
from sfjwt_gui.gui.page_test import TestPage
from sfjwt_gui.gui.palette_follow import StateLabel, set_state_icon
from sfjwt_gui.gui.tools_common import show_state_text
from sfjwt_gui.gui.widgets import (
    DECORATION_ROLE,
    StepState,
    restyle_all,
    state_color,
)

WAIT_MS = 10_000
DARK_WINDOW = QColor("#202020")
LIGHT_WINDOW = QColor("#efefef")
DARK_COLORS = {
    QPalette.ColorRole.Window: "#202020",
    QPalette.ColorRole.WindowText: "#e0e0e0",
    QPalette.ColorRole.Base: "#2a2a2a",
    QPalette.ColorRole.AlternateBase: "#303030",
    QPalette.ColorRole.Text: "#e0e0e0",
    QPalette.ColorRole.Button: "#303030",
    QPalette.ColorRole.ButtonText: "#e0e0e0",
    QPalette.ColorRole.Highlight: "#2f65ca",
    QPalette.ColorRole.HighlightedText: "#ffffff",
    QPalette.ColorRole.ToolTipBase: "#303030",
    QPalette.ColorRole.ToolTipText: "#e0e0e0",
    QPalette.ColorRole.PlaceholderText: "#909090",
}


def dark_palette() -> QPalette:
    palette = QPalette()
    for role, color in DARK_COLORS.items():
        palette.setColor(role, QColor(color))
    return palette


@pytest.fixture
def go_dark() -> Iterator[Callable[[], QPalette]]:
    """Switches the running app to a dark palette; the original comes back after."""
    original = QPalette(QApplication.palette())
    assert original.color(QPalette.ColorRole.Window).lightness() >= 128

    def switch() -> QPalette:
        dark = dark_palette()
        QApplication.setPalette(dark)
        return dark

    yield switch
    QApplication.setPalette(original)


@pytest.fixture
def open_window(qtbot: Any) -> Iterator[Callable[[], MainWindow]]:
    yield from open_real_windows(qtbot)


def wait_until_dark(qtbot: Any, *widgets: Any) -> None:
    """Qt hands the new palette to each widget, then tells it (PaletteChange)."""

    def all_dark() -> None:
        for widget in widgets:
            assert widget.palette().color(QPalette.ColorRole.Window) == DARK_WINDOW

    qtbot.waitUntil(all_dark, timeout=WAIT_MS)


def badge_image(badge: object) -> QImage:
    assert isinstance(badge, QPixmap)
    return badge.toImage()


def assert_drawn_for(image: QImage, state: StepState, dark: QPalette) -> None:
    """The badge is in the dark palette's colour of ``state``, not the light one."""
    light = QPalette(dark)
    light.setColor(QPalette.ColorRole.Window, LIGHT_WINDOW)
    assert shows_color(image, state_color(state, dark))
    assert not shows_color(image, state_color(state, light))


def demo_with_a_failed_test_and_a_warning(qtbot: Any, window: MainWindow) -> None:
    """The demo profile tested (it fails), and step 2 warning about a username."""
    assert window.open_demo()
    # The demo profile has no key yet: its test fails before sending.
    run_test_and_wait(qtbot, open_test_page(qtbot, window))
    qtbot.waitUntil(
        lambda: window.sidebar.row_state("Demo") is StepState.ERROR, timeout=WAIT_MS
    )

    steps = window.steps
    assert steps is not None
    steps.set_current(1)
    app_page = steps.page(1)
    assert isinstance(app_page, AppPage)
    app_page.username_edit.setFocus()
    app_page.username_edit.selectAll()
    qtbot.keyClicks(app_page.username_edit, "not a username")
    qtbot.waitUntil(app_page.username_note.isVisible, timeout=WAIT_MS)
    assert steps.step_state(1) is StepState.WARNING


def test_a_switch_to_dark_redraws_notes_badges_and_the_result(
    qtbot: Any, open_window: Callable[[], MainWindow], go_dark: Callable[[], QPalette]
) -> None:
    window = open_window()
    demo_with_a_failed_test_and_a_warning(qtbot, window)
    steps, sidebar = window.steps, window.sidebar
    assert steps is not None
    app_page, test_page = steps.page(1), steps.page(2)
    assert isinstance(app_page, AppPage)
    assert isinstance(test_page, TestPage)
    note, result = app_page.username_note, test_page.result_view
    card = result.diagnosis.cards[0]
    history = test_page.history_view.tree
    history_item = history.topLevelItem(0)
    assert history_item is not None

    # It follows palette changes from its first paint on.
    qtbot.waitUntil(lambda: window.has_painted, timeout=WAIT_MS)
    dark = go_dark()
    wait_until_dark(qtbot, window, steps, sidebar, note, result.banner, card, history)

    warning = state_color(StepState.WARNING, dark).name()
    error = state_color(StepState.ERROR, dark).name()
    # The window draws again a turn after the application's palette changed.
    qtbot.waitUntil(lambda: f"color:{warning}" in note.text(), timeout=WAIT_MS)
    assert f"color:{error}" in result.banner.text()
    assert f"color:{error}" in card.title_label.text()

    strip = steps.step_list
    for step, state in ((1, StepState.WARNING), (2, StepState.ERROR)):
        badge = badge_image(strip.item(step).data(DECORATION_ROLE))
        assert_drawn_for(badge, state, dark)
    row = sidebar.list.item(sidebar.profile_names().index("Demo"))
    assert_drawn_for(badge_image(row.data(DECORATION_ROLE)), StepState.ERROR, dark)
    history_badge = history_item.icon(1).pixmap(QSize(16, 16)).toImage()
    assert_drawn_for(history_badge, StepState.ERROR, dark)


def test_a_tool_result_line_takes_the_dark_colour_of_its_state(
    qtbot: Any, go_dark: Callable[[], QPalette]
) -> None:
    label = QLabel()
    qtbot.addWidget(label)
    show_state_text(label, StepState.ERROR, "Key and certificate do NOT belong.")
    label.show()

    dark = go_dark()
    wait_until_dark(qtbot, label)
    restyle_all(label)  # what the main window does for all it holds

    shown = label.palette().color(QPalette.ColorRole.WindowText)
    assert shown == state_color(StepState.ERROR, dark)
    assert label.text() == "Key and certificate do NOT belong."


def test_tree_badges_are_redrawn_down_to_nested_rows(
    qtbot: Any, go_dark: Callable[[], QPalette]
) -> None:
    tree = QTreeWidget()
    qtbot.addWidget(tree)
    top = QTreeWidgetItem(tree, ["Resolve"])
    nested = QTreeWidgetItem(top, ["Connect"])
    set_state_icon(tree, top, 0, StepState.DONE)
    set_state_icon(tree, nested, 0, StepState.ERROR)

    dark = go_dark()
    wait_until_dark(qtbot, tree)
    restyle_all(tree)

    for item, state in ((top, StepState.DONE), (nested, StepState.ERROR)):
        badge = item.icon(0).pixmap(QSize(16, 16)).toImage()
        assert_drawn_for(badge, state, dark)


def test_a_coloured_label_given_other_text_since_keeps_that_text(
    qtbot: Any, go_dark: Callable[[], QPalette]
) -> None:
    coloured, replaced = StateLabel(), StateLabel()
    for label in (coloured, replaced):
        qtbot.addWidget(label)
        label.show_state(StepState.DONE, "Signature verifies.")
    replaced.setText("No assertion was made.")

    dark = go_dark()
    wait_until_dark(qtbot, coloured, replaced)
    for label in (coloured, replaced):
        restyle_all(label)

    done = state_color(StepState.DONE, dark).name()
    assert coloured.text() == f'<span style="color:{done}">Signature verifies.</span>'
    assert replaced.text() == "No assertion was made."
