"""The three steps of a profile: a step strip with state badges over the pages.

The steps can be visited in any order, with the mouse, the arrow keys or
Ctrl+1, Ctrl+2, Ctrl+3. Each badge follows its page's ``state_changed``.
A page may be given as a function that builds it: it is then built when it is
first shown or asked for (or by build_next_page), and until then its badge
says "not done yet".
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING, Protocol, cast

from PySide6.QtCore import QSize, Signal, SignalInstance, Slot
from PySide6.QtGui import QAction, QShortcut
from PySide6.QtWidgets import (
    QAbstractItemView,
    QFrame,
    QListView,
    QListWidget,
    QListWidgetItem,
    QScrollArea,
    QStackedWidget,
    QVBoxLayout,
    QWidget,
)

from sfjwt_gui.gui.widgets import (
    DECORATION_ROLE,
    PendingShortcuts,
    StepState,
    state_pixmap,
)

if TYPE_CHECKING:
    from PySide6.QtCore import Qt
    from PySide6.QtGui import QPixmap

# Qt.ItemDataRole.AccessibleTextRole by number: naming it through Qt's enum
# namespace would load that namespace (tens of milliseconds) before the first
# paint; other Qt names here are imported where they are used, after it.
ACCESSIBLE_TEXT_ROLE = 11

STEP_TITLES = ("Key and certificate", "Connected app", "Test login")
_STATE_WORDS = {
    StepState.NONE: "not done yet",
    StepState.DONE: "done",
    StepState.WARNING: "has warnings",
    StepState.ERROR: "has errors",
}


class StepPage(Protocol):
    """What the window needs from each step page."""

    @property
    def state_changed(self) -> SignalInstance: ...

    @property
    def status_message(self) -> SignalInstance: ...

    def state(self) -> StepState: ...


class TestStepPage(StepPage, Protocol):
    """The third page runs the login test."""

    @property
    def test_finished(self) -> SignalInstance: ...

    def run_test(self) -> None: ...

    def cancel_test(self) -> None: ...

    def is_running(self) -> bool: ...


def step_text(index: int) -> str:
    return f"{index + 1} {STEP_TITLES[index]}"


def _place_page(scroller: QScrollArea, page: QWidget) -> None:
    """Put a built page in its scroll area, which Tab then passes over.

    The scroll area draws no frame: as a Tab stop it would take the focus and
    show nothing for it, a stop a keyboard user cannot see. It need not be one
    to scroll: Tab scrolls each control it reaches into view, Page Up and Page
    Down on a control that has no use for them scroll the page, and a click on
    the page's background gives it the focus for the arrow keys.
    """
    # Imported here: a page is built only once Qt's enum namespace is loaded
    # (the window loads it after the first paint, and the pages use it too).
    from PySide6.QtCore import Qt

    scroller.setFocusPolicy(Qt.FocusPolicy.ClickFocus)
    scroller.setWidget(page)


def _context_active(
    context: Qt.ShortcutContext, owner: QWidget, focus: QWidget | None
) -> bool:
    from PySide6.QtCore import Qt

    if context in (
        Qt.ShortcutContext.WindowShortcut,
        Qt.ShortcutContext.ApplicationShortcut,
    ):
        return owner.isVisible()
    if focus is None:
        return False
    if context == Qt.ShortcutContext.WidgetShortcut:
        return focus is owner
    return focus is owner or owner.isAncestorOf(focus)


def active_page_shortcuts(page: QWidget, focus: QWidget | None) -> set[str]:
    """Key sequences the page handles itself right now (portable text form).

    A page's shortcut and a window shortcut with the same keys, both active,
    make Qt run neither; the window uses this to step aside.
    """
    from PySide6.QtGui import QKeySequence

    owned: list[tuple[Qt.ShortcutContext, QWidget, list[QKeySequence]]] = []
    for shortcut in page.findChildren(QShortcut):
        owner = shortcut.parent()
        if shortcut.isEnabled() and isinstance(owner, QWidget):
            owned.append((shortcut.context(), owner, shortcut.keys()))
    for action in {*page.actions(), *page.findChildren(QAction)}:
        if action.isEnabled():
            owned.append((action.shortcutContext(), page, action.shortcuts()))

    keys: set[str] = set()
    for context, owner, sequences in owned:
        if _context_active(context, owner, focus):
            keys.update(
                key.toString(QKeySequence.SequenceFormat.PortableText)
                for key in sequences
                if not key.isEmpty()
            )
    return keys


class StepsView(QWidget):
    """The step strip and the stack of pages.

    ``pages`` holds each step's page, or a function building it; ``current``
    is the step shown first. With ``defer_current`` even that page waits for
    ``build_next_page`` (the window calls it once it has painted), so a start
    paints the window before building any page.

    Signals:
        current_changed(int): another step is shown.
        status_message(str): a page's status text, passed on.
    """

    current_changed = Signal(int)
    status_message = Signal(str)

    def __init__(
        self,
        pages: Sequence[QWidget | Callable[[], QWidget]],
        parent: QWidget | None = None,
        *,
        current: int = 0,
        defer_current: bool = False,
    ) -> None:
        super().__init__(parent)
        self._deferring = defer_current
        # Ctrl+1..3; with ``defer_current`` given when the window calls give().
        self.shortcuts = PendingShortcuts()
        if len(pages) != len(STEP_TITLES):
            raise ValueError(f"expected {len(STEP_TITLES)} pages, got {len(pages)}")
        self._widgets: list[QWidget | None] = []
        # Step index -> the function building its page, until it is built.
        self._builders: dict[int, Callable[[], QWidget]] = {}
        for index, page in enumerate(pages):
            if isinstance(page, QWidget):
                self._widgets.append(page)
            else:
                self._widgets.append(None)
                self._builders[index] = page
        self._build_ui()
        self._connect_signals()
        self._refresh_badges()
        self.step_list.setCurrentRow(current if 0 <= current < len(pages) else 0)
        if not defer_current:
            self.shortcuts.give()
        self._deferring = False

    def _build_ui(self) -> None:
        self.step_list = QListWidget(self)
        self.step_list.setAccessibleName("Steps")
        self.step_list.setFlow(QListView.Flow.LeftToRight)
        self.step_list.setWrapping(False)
        self.step_list.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        metrics = self.fontMetrics()
        self.step_list.setIconSize(QSize(metrics.height(), metrics.height()))
        self.step_list.setSpacing(metrics.horizontalAdvance("x"))
        self.step_list.setFixedHeight(metrics.lineSpacing() * 2 + metrics.height())
        for index in range(len(STEP_TITLES)):
            self.step_list.addItem(QListWidgetItem(step_text(index)))

        self.stack = QStackedWidget(self)
        self._scrollers: list[QScrollArea] = []
        for title, widget in zip(STEP_TITLES, self._widgets, strict=True):
            scroller = QScrollArea(self.stack)
            scroller.setWidgetResizable(True)
            scroller.setFrameShape(QFrame.Shape.NoFrame)
            # Named for when a click gives it the focus (see _place_page).
            scroller.setAccessibleName(title)
            self.stack.addWidget(scroller)
            self._scrollers.append(scroller)
            if widget is not None:
                _place_page(scroller, widget)

        self.step_actions: list[QAction] = []
        for index in range(len(STEP_TITLES)):
            # Not QAction(text, parent): an overload taking an icon would load
            # QIcon's enum types before the window's first paint.
            action = QAction(self)
            action.setText(f"Go to step {step_text(index)}")
            self.shortcuts.add(action, f"Ctrl+{index + 1}")
            action.setData(index)
            self.addAction(action)
            self.step_actions.append(action)

        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.step_list)
        layout.addWidget(self.stack, 1)

    def _connect_signals(self) -> None:
        self.step_list.currentRowChanged.connect(self._on_step_list_row_changed)
        for widget in self._widgets:
            if widget is not None:
                self._connect_page(cast(StepPage, widget))
        for action in self.step_actions:
            action.triggered.connect(self._on_step_action_triggered)

    def _connect_page(self, page: StepPage) -> None:
        page.state_changed.connect(self._on_page_state_changed)
        page.status_message.connect(self.status_message)

    def _built_page(self, index: int) -> QWidget:
        widget = self._widgets[index]
        if widget is None:
            widget = self._builders.pop(index)()
            self._widgets[index] = widget
            _place_page(self._scrollers[index], widget)
            self._connect_page(cast(StepPage, widget))
            self._refresh_badges()
        return widget

    # ---- public -----------------------------------------------------------

    def current_index(self) -> int:
        return self.stack.currentIndex()

    def set_current(self, index: int) -> None:
        if 0 <= index < len(self._widgets):
            self.step_list.setCurrentRow(index)

    def page(self, index: int) -> QWidget:
        """The page of step ``index``, built now if it was not yet."""
        return self._built_page(index)

    def current_page(self) -> QWidget:
        return self._built_page(self.current_index())

    def current_page_if_built(self) -> QWidget | None:
        """The shown step's page, or None while it is still to be built."""
        return self._widgets[self.current_index()]

    def build_next_page(self) -> bool:
        """Build one page not built yet, the shown one first; False when done."""
        current = self.current_index()
        if self._widgets[current] is None:
            self._built_page(current)
            return True
        for index, widget in enumerate(self._widgets):
            if widget is None:
                self._built_page(index)
                return True
        return False

    @property
    def test_page(self) -> TestStepPage:
        return cast(TestStepPage, self._built_page(2))

    def step_state(self, index: int) -> StepState:
        return cast(StepPage, self._built_page(index)).state()

    def step_label(self, index: int) -> str:
        """The step's text as a screen reader reads it, state included."""
        item = self.step_list.item(index)
        return str(item.data(ACCESSIBLE_TEXT_ROLE))

    # ---- slots ------------------------------------------------------------

    def restyle(self) -> None:
        # The badges are pixmaps in the colours of the palette they were drawn on.
        self._refresh_badges()

    def _refresh_badges(self) -> None:
        size = self.fontMetrics().height()
        badges: dict[StepState, QPixmap] = {}  # steps in the same state share one
        for index, widget in enumerate(self._widgets):
            state = (
                cast(StepPage, widget).state() if widget is not None else StepState.NONE
            )
            item = self.step_list.item(index)
            badge = badges.get(state)
            if badge is None:
                badge = badges[state] = state_pixmap(state, size)
            item.setData(DECORATION_ROLE, badge)
            words = f"Step {step_text(index)}, {_STATE_WORDS[state]}"
            item.setData(ACCESSIBLE_TEXT_ROLE, words)
            item.setToolTip(words)

    @Slot(object)
    def _on_page_state_changed(self, _state: object) -> None:
        # A page only says its own state; asking all three keeps the code simple.
        self._refresh_badges()

    @Slot(int)
    def _on_step_list_row_changed(self, row: int) -> None:
        if row < 0:
            return
        if not self._deferring:
            self._built_page(row)
        self.stack.setCurrentIndex(row)
        self.current_changed.emit(row)

    @Slot()
    def _on_step_action_triggered(self) -> None:
        action = self.sender()
        if isinstance(action, QAction):
            self.set_current(int(action.data()))
            from PySide6.QtCore import Qt

            self.current_page().setFocus(Qt.FocusReason.ShortcutFocusReason)
