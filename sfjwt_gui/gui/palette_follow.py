"""Coloured texts and state badges that are drawn again on a new palette.

When the application's palette changes while the app runs (the system
switching between light and dark), the main window calls every restyle() it
holds (widgets.restyle_all). Our own widget classes define restyle(); the
pieces here cover what is not a class of ours: a
label coloured by state (StateLabel, or any label through follow_palette) and
the badges on tree rows (set_state_icon).

The sidebar makes StateLabels before the window's first paint, so the tree
classes are imported only inside the functions that use them.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import partial
from typing import TYPE_CHECKING

from PySide6.QtCore import QObject
from PySide6.QtWidgets import QLabel, QWidget

from sfjwt_gui.gui.widgets import (
    StepState,
    state_color,
    state_icon,
)

if TYPE_CHECKING:
    from PySide6.QtGui import QIcon
    from PySide6.QtWidgets import QTreeWidget, QTreeWidgetItem

# Where a tree item keeps the state its badge shows, beside the icon:
# Qt.ItemDataRole.UserRole (256) plus an offset no tree of ours uses.
BADGE_STATE_ROLE = 256 + 64


class PaletteFollower(QObject):
    """Calls ``restyle`` for the widget it belongs to (see widgets.restyle_all)."""

    def __init__(self, widget: QWidget, restyle: Callable[[], None]) -> None:
        super().__init__(widget)
        self.restyle = restyle


def follow_palette(widget: QWidget, restyle: Callable[[], None]) -> None:
    """Call ``restyle`` whenever ``widget``'s palette changes.

    For widgets whose class is not ours to extend. A widget has one follower:
    a later call replaces the earlier ``restyle``.
    """
    for child in widget.children():
        if isinstance(child, PaletteFollower):
            child.restyle = restyle
            return
    PaletteFollower(widget, restyle)


class StateLabel(QLabel):
    """A label showing a text in the colour of a state, on any palette."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._state = StepState.NONE
        self._html = ""
        self._tag = "span"
        self._shown = ""

    def show_state(self, state: StepState, html: str, *, bold: bool = False) -> None:
        """Show ``html`` (already escaped) in the colour of ``state``."""
        self._state = state
        self._html = html
        self._tag = "b" if bold else "span"
        self._render()

    def restyle(self) -> None:
        # Only while the label still shows it: a clear() or setText() since
        # has replaced the coloured text.
        if self._shown and self.text() == self._shown:
            self._render()

    def _render(self) -> None:
        color = state_color(self._state).name()
        self._shown = f'<{self._tag} style="color:{color}">{self._html}</{self._tag}>'
        self.setText(self._shown)


def set_state_icon(
    tree: QTreeWidget, item: QTreeWidgetItem, column: int, state: StepState
) -> None:
    """Give ``item`` (in ``tree``) the badge of ``state``, kept on a new palette."""
    item.setIcon(column, state_icon(state))
    item.setData(column, BADGE_STATE_ROLE, state.value)
    follow_palette(tree, partial(_redraw_badges, tree))


def _redraw_badges(tree: QTreeWidget) -> None:
    icons: dict[StepState, QIcon] = {}  # rows in the same state share one
    pending = [tree.topLevelItem(row) for row in range(tree.topLevelItemCount())]
    while pending:
        item = pending.pop()
        if item is None:
            continue
        pending.extend(item.child(row) for row in range(item.childCount()))
        for column in range(tree.columnCount()):
            value = item.data(column, BADGE_STATE_ROLE)
            if value is None:
                continue
            state = StepState(value)
            if state not in icons:
                icons[state] = state_icon(state)
            item.setIcon(column, icons[state])
