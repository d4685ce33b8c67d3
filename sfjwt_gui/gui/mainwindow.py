"""The main window: profiles on the side, the selected profile's steps beside them.

The window creates the one TaskRunner, ProfileSession and DemoController of the
app and hands them to everything it builds. It remembers its size, layout and
last profile between runs (engine.appstate).
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Sequence

from PySide6.QtCore import QByteArray, QEvent, QObject, Qt, QTimer, Slot
from PySide6.QtGui import QCloseEvent, QKeySequence
from PySide6.QtWidgets import (
    QApplication,
    QLabel,
    QMainWindow,
    QProgressBar,
    QSplitter,
    QStackedWidget,
    QWidget,
)

from sfjwt_gui import APP_NAME
from sfjwt_gui.engine.appstate import load_app_state, save_app_state
from sfjwt_gui.engine.errors import SfjwtError
from sfjwt_gui.engine.history import HistoryStore
from sfjwt_gui.engine.profiles import Profile, ProfileStore
from sfjwt_gui.gui.demo_control import DemoController
from sfjwt_gui.gui.mainwindow_menus import WindowMenus
from sfjwt_gui.gui.session import ProfileSession
from sfjwt_gui.gui.sidebar import ProfileSidebar
from sfjwt_gui.gui.steps import StepsView, active_page_shortcuts
from sfjwt_gui.gui.tasks import TaskRunner
from sfjwt_gui.gui.welcome import WelcomePage
from sfjwt_gui.gui.widgets import StepState, state_color

logger = logging.getLogger(__name__)

PageFactory = Callable[[ProfileSession, TaskRunner, QWidget], Sequence[QWidget]]

OWN_ORG_PROFILE_NAME = "My org"
STATUS_TIMEOUT_MS = 5000
_STEP_KEY = "step"


def default_pages(
    session: ProfileSession, tasks: TaskRunner, parent: QWidget
) -> list[QWidget]:
    """The three real step pages (imported here, when first needed)."""
    from sfjwt_gui.gui.page_app import AppPage
    from sfjwt_gui.gui.page_keys import KeysPage
    from sfjwt_gui.gui.page_test import TestPage

    return [
        KeysPage(session, tasks, parent),
        AppPage(session, tasks, parent),
        TestPage(session, tasks, parent),
    ]


def _encode(data: QByteArray) -> str:
    return bytes(data.toBase64().data()).decode("ascii")


def _decode(text: str) -> QByteArray:
    return QByteArray.fromBase64(QByteArray(text.encode("ascii", "ignore")))


class MainWindow(QMainWindow):
    """The sfjwt-gui window."""

    def __init__(
        self,
        *,
        store: ProfileStore | None = None,
        history: HistoryStore | None = None,
        page_factory: PageFactory | None = None,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self.setWindowTitle(APP_NAME)
        self._app_state = load_app_state()
        self._page_factory = page_factory or default_pages
        self._running_tasks: list[str] = []
        self._close_after_paint = False
        self.tasks = TaskRunner(self)
        self.session = ProfileSession(
            store or ProfileStore(), history or HistoryStore(), self
        )
        self.demo = DemoController(
            self.session,
            self.tasks,
            preferred_port=self._app_state.demo_port,
            parent=self,
        )
        self.steps: StepsView | None = None
        self._build_ui()
        self.menus = WindowMenus(self)
        self._connect_signals()
        self._restore_layout()

        if any(self.session.store.directory.glob("*.json")):
            # Pages exist before a profile is selected, so they start from it.
            self._ensure_steps()
        self.sidebar.reload(select=self._app_state.last_profile or None)
        self._update_actions()

    # ---- building ---------------------------------------------------------

    def _build_ui(self) -> None:
        self.sidebar = ProfileSidebar(self.session, self.tasks, self)
        self.welcome = WelcomePage(self)
        self.right = QStackedWidget(self)
        self.right.addWidget(self.welcome)

        self.splitter = QSplitter(Qt.Orientation.Horizontal, self)
        self.splitter.setChildrenCollapsible(False)
        self.splitter.addWidget(self.sidebar)
        self.splitter.addWidget(self.right)
        self.splitter.setStretchFactor(1, 1)
        self.setCentralWidget(self.splitter)

        status = self.statusBar()
        self.busy_bar = QProgressBar(self)
        self.busy_bar.setRange(0, 0)
        self.busy_bar.setMaximumWidth(self.fontMetrics().horizontalAdvance("x") * 16)
        self.busy_bar.setAccessibleName("Busy")
        self.busy_bar.setVisible(False)
        self.save_error_label = QLabel(self)
        self.save_error_label.setAccessibleName("Save problem")
        self.save_error_label.setVisible(False)
        status.addPermanentWidget(self.save_error_label)
        status.addPermanentWidget(self.busy_bar)

    def _ensure_steps(self) -> StepsView:
        if self.steps is None:
            pages = self._page_factory(self.session, self.tasks, self)
            self.steps = StepsView(pages, self)
            self.right.addWidget(self.steps)
            self.steps.status_message.connect(self.show_status)
            self.steps.current_changed.connect(self._on_steps_current_changed)
            step = self._app_state.extra.get(_STEP_KEY, 0)
            if isinstance(step, int) and not isinstance(step, bool):
                self.steps.set_current(step)
            self._avoid_ambiguous_shortcuts()
        return self.steps

    def _connect_signals(self) -> None:
        self.sidebar.status_message.connect(self.show_status)
        self.sidebar.profiles_listed.connect(self._on_sidebar_profiles_listed)
        self.welcome.demo_requested.connect(self.open_demo)
        self.welcome.own_org_requested.connect(self.set_up_own_org)
        self.session.profile_changed.connect(self._on_session_profile_changed)
        self.session.saved.connect(self._on_session_saved)
        self.session.save_failed.connect(self._on_session_save_failed)
        self.tasks.task_started.connect(self._on_tasks_task_started)
        self.tasks.task_ended.connect(self._on_tasks_task_ended)
        self.tasks.busy_changed.connect(self._on_tasks_busy_changed)
        self.demo.status_message.connect(self.show_status)
        self.menus.test_action.triggered.connect(self._on_test_triggered)
        self.menus.cancel_action.triggered.connect(self._on_cancel_triggered)
        app = QApplication.instance()
        if isinstance(app, QApplication):
            app.focusChanged.connect(self._on_app_focus_changed)

    # ---- state ------------------------------------------------------------

    def _restore_layout(self) -> None:
        state = self._app_state
        restored = bool(state.window_geometry) and self.restoreGeometry(
            _decode(state.window_geometry)
        )
        if not restored:
            metrics = self.fontMetrics()
            self.resize(
                metrics.horizontalAdvance("x") * 150, metrics.lineSpacing() * 42
            )
        if state.window_state:
            self.restoreState(_decode(state.window_state))
        if state.splitter_state:
            self.splitter.restoreState(_decode(state.splitter_state))

    def save_state(self) -> None:
        """Write size, layout, last profile and demo port to the app state file."""
        state = self._app_state
        state.window_geometry = _encode(self.saveGeometry())
        state.window_state = _encode(self.saveState())
        state.splitter_state = _encode(self.splitter.saveState())
        profile = self.session.profile
        state.last_profile = profile.name if profile is not None else ""
        state.demo_port = self.demo.port
        if self.steps is not None:
            state.extra[_STEP_KEY] = self.steps.current_index()
        try:
            save_app_state(state)
        except SfjwtError as error:
            logger.warning("Window state not saved: %s", error.message)

    # ---- commands -----------------------------------------------------------

    @Slot()
    def open_demo(self) -> bool:
        """Start the demo org and open the Demo profile (made on first use)."""
        try:
            self.demo.start()
            profile = self.demo.create_demo_profile(self.session.store)
        except SfjwtError as error:
            self.show_error(error)
            return False
        self._open_new_profile(profile)
        return True

    @Slot()
    def set_up_own_org(self) -> None:
        """Create an empty "My org" profile and open its first step."""
        store = self.session.store
        try:
            profile = store.create(
                Profile(name=store.unique_name(OWN_ORG_PROFILE_NAME))
            )
        except SfjwtError as error:
            self.show_error(error)
            return
        self._open_new_profile(profile)

    def _open_new_profile(self, profile: Profile) -> None:
        self._app_state.first_run_done = True
        steps = self._ensure_steps()
        self.sidebar.reload(select=profile.name)
        steps.set_current(2 if profile.key_path else 0)
        self.right.setCurrentWidget(steps)

    @Slot(str)
    def show_status(self, text: str) -> None:
        self.statusBar().showMessage(text, STATUS_TIMEOUT_MS)

    def show_error(self, error: SfjwtError) -> None:
        text = f"{error.message} {error.fix}".strip()
        self.statusBar().showMessage(text, STATUS_TIMEOUT_MS * 3)

    def close_after_first_paint(self) -> None:
        """For benchmarks and smoke tests: close once anything in it is painted."""
        app = QApplication.instance()
        if app is not None:
            self._close_after_paint = True
            app.installEventFilter(self)

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        if (
            self._close_after_paint
            and event.type() == QEvent.Type.Paint
            and isinstance(watched, QWidget)
            and watched.window() is self
        ):
            self._close_after_paint = False
            app = QApplication.instance()
            if app is not None:
                app.removeEventFilter(self)
            # Queued, so the paint under way completes first.
            QTimer.singleShot(0, self.close)
        return super().eventFilter(watched, event)

    def closeEvent(self, event: QCloseEvent) -> None:
        self.session.flush()
        self.tasks.cancel_all()
        self.demo.stop()
        self.menus.close_windows()
        self.save_state()
        event.accept()

    # ---- slots ------------------------------------------------------------

    def _update_actions(self) -> None:
        has_profile = self.session.profile is not None
        self.menus.test_action.setEnabled(has_profile and self.steps is not None)
        self.menus.cancel_action.setEnabled(self.tasks.busy)

    def _avoid_ambiguous_shortcuts(self) -> None:
        """Let the shown page's own shortcuts win over the menu's.

        Two active shortcuts with the same keys cancel each other out in Qt, so
        while a page handles, say, Ctrl+Return itself (the test page does while
        it has the focus), the menu entry only shows the keys.
        """
        if self.steps is None:
            return
        focus = QApplication.focusWidget()
        taken = active_page_shortcuts(self.steps.current_page(), focus)
        for action in (self.menus.test_action, self.menus.cancel_action):
            keys = action.shortcut().toString(QKeySequence.SequenceFormat.PortableText)
            context = (
                Qt.ShortcutContext.WidgetShortcut
                if keys in taken
                else Qt.ShortcutContext.WindowShortcut
            )
            action.setShortcutContext(context)

    @Slot(int)
    def _on_sidebar_profiles_listed(self, count: int) -> None:
        if count:
            self.right.setCurrentWidget(self._ensure_steps())
        else:
            self.right.setCurrentWidget(self.welcome)

    @Slot()
    def _on_session_profile_changed(self) -> None:
        profile = self.session.profile
        title = f"{profile.name} - {APP_NAME}" if profile is not None else APP_NAME
        self.setWindowTitle(title)
        self._update_actions()

    @Slot(int)
    def _on_steps_current_changed(self, _index: int) -> None:
        self._avoid_ambiguous_shortcuts()

    @Slot(QWidget, QWidget)
    def _on_app_focus_changed(self, _old: QWidget | None, _new: QWidget | None) -> None:
        self._avoid_ambiguous_shortcuts()

    @Slot(str)
    def _on_session_saved(self, name: str) -> None:
        self.save_error_label.setVisible(False)
        self.statusBar().showMessage(f"Saved {name}", STATUS_TIMEOUT_MS)

    @Slot(str)
    def _on_session_save_failed(self, message: str) -> None:
        color = state_color(StepState.ERROR, self.palette()).name()
        self.save_error_label.setStyleSheet(f"color: {color}")
        self.save_error_label.setText(f"Not saved: {message}")
        self.save_error_label.setVisible(True)

    @Slot(str)
    def _on_tasks_task_started(self, name: str) -> None:
        self._running_tasks.append(name)
        self.statusBar().showMessage(f"{name}...")

    @Slot(str)
    def _on_tasks_task_ended(self, name: str) -> None:
        if name in self._running_tasks:
            self._running_tasks.remove(name)
        if self._running_tasks:
            self.statusBar().showMessage(f"{self._running_tasks[-1]}...")
        else:
            self.statusBar().clearMessage()

    @Slot(bool)
    def _on_tasks_busy_changed(self, busy: bool) -> None:
        self.busy_bar.setVisible(busy)
        self._update_actions()

    @Slot()
    def _on_test_triggered(self) -> None:
        if self.session.profile is None:
            return
        steps = self._ensure_steps()
        steps.set_current(2)
        steps.test_page.run_test()

    @Slot()
    def _on_cancel_triggered(self) -> None:
        if self.steps is not None and self.steps.test_page.is_running():
            self.steps.test_page.cancel_test()
