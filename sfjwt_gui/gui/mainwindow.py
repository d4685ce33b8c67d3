"""The main window: profiles on the side, the selected profile's steps beside them.

The window creates the one TaskRunner, ProfileSession and DemoController of the
app and hands them to everything it builds. It remembers its size, layout and
last profile between runs (engine.appstate).

Start-up is split at the first paint. Before it the window builds what shows:
menus, the profile list with each profile's last test, and the welcome page or
the step strip with the current step's page. Right after it (finish_start) it
opens the log file, reads the certificates' days left, makes the demo org
controller and builds the other step pages, one per turn of the event loop.
Anything asked for earlier is made on the spot. Qt classes first used after
the paint are imported where they are used: PySide6 builds a class's enum
types the first time the class is touched, and ``Qt`` alone has some ninety.
"""

from __future__ import annotations

import binascii
import logging
import sys
import time
from collections.abc import Callable, Sequence
from functools import partial
from typing import TYPE_CHECKING

from PySide6.QtCore import QTimer, Signal, Slot
from PySide6.QtGui import QCloseEvent, QPaintEvent
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
from sfjwt_gui.gui.mainwindow_menus import WindowMenus
from sfjwt_gui.gui.mainwindow_pages import (
    DEFAULT_PAGE_BUILDERS,
    PageBuilder,
    PageFactory,
)
from sfjwt_gui.gui.mainwindow_pages import default_pages as default_pages
from sfjwt_gui.gui.session import ProfileSession
from sfjwt_gui.gui.sidebar import ProfileSidebar
from sfjwt_gui.gui.tasks import TaskRunner
from sfjwt_gui.gui.widgets import (
    StepState,
    restyle_all,
    state_color,
)

if TYPE_CHECKING:
    from PySide6.QtCore import QByteArray
    from PySide6.QtGui import QAction

    from sfjwt_gui.gui.demo_control import DemoController
    from sfjwt_gui.gui.steps import StepsView
    from sfjwt_gui.gui.welcome import WelcomePage

logger = logging.getLogger(__name__)

OWN_ORG_PROFILE_NAME = "My org"
STATUS_TIMEOUT_MS = 5000
_STEP_KEY = "step"


def _encode(data: QByteArray) -> str:
    return binascii.b2a_base64(data.data(), newline=False).decode("ascii")


def _decode(text: str) -> bytes:
    """The bytes ``text`` encodes; none if it is not base64 (a hand-edited file)."""
    try:
        return binascii.a2b_base64(text.encode("ascii", "ignore"))
    except binascii.Error:
        return b""


class MainWindow(QMainWindow):
    """The sfjwt-gui window.

    ``page_factory`` builds the three step pages at once. Otherwise each of
    ``page_builders`` (default: the real pages) builds one page when it is
    first needed: the shown page before the first paint, the others after it.

    Signals:
        first_painted(): the window has been painted once; emitted by
            finish_start(), before anything else it does.
    """

    first_painted = Signal()

    def __init__(
        self,
        *,
        store: ProfileStore | None = None,
        history: HistoryStore | None = None,
        page_factory: PageFactory | None = None,
        page_builders: Sequence[PageBuilder] = DEFAULT_PAGE_BUILDERS,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self.setWindowTitle(APP_NAME)
        self._app_state = load_app_state()
        self._page_factory = page_factory
        self._page_builders = tuple(page_builders)
        self._running_tasks: list[str] = []
        self._close_after_paint = False
        self._start_queued = False
        self._started = False
        self.tasks = TaskRunner(self)
        self.session = ProfileSession(
            store or ProfileStore(), history or HistoryStore(), self
        )
        self._demo: DemoController | None = None
        self._welcome: WelcomePage | None = None
        self.steps: StepsView | None = None
        # Menu actions whose shortcut is left to the shown page (see
        # _avoid_ambiguous_shortcuts); the others work window-wide, Qt's default.
        self._narrowed_actions: set[QAction] = set()
        self._qt_namespace_loaded = False
        # What the status bar says could not be written: unsaved profile edits
        # ("edits") and a test left out of the history ("history"). Each clears
        # on its own, when the next save or the next test gets through.
        self._write_problems: dict[str, str] = {}
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
        # Holds the welcome page or the steps, each made when first shown.
        self.right = QStackedWidget(self)

        # Horizontal, Qt's default. Naming the orientation, or even passing a
        # parent (an overload takes an orientation), loads Qt's namespace;
        # setCentralWidget gives the splitter its parent.
        self.splitter = QSplitter()
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
            from sfjwt_gui.gui.steps import StepsView

            step = self._app_state.extra.get(_STEP_KEY, 0)
            if not isinstance(step, int) or isinstance(step, bool):
                step = 0
            pages: Sequence[QWidget | Callable[[], QWidget]]
            if self._page_factory is not None:
                pages = self._page_factory(self.session, self.tasks, self)
            else:
                pages = [
                    partial(build, self.session, self.tasks, self)
                    for build in self._page_builders
                ]
            # Before the first paint, even the shown page is built afterwards.
            self.steps = StepsView(
                pages, self, current=step, defer_current=not self._started
            )
            self.right.addWidget(self.steps)
            self.steps.status_message.connect(self.show_status)
            self.steps.current_changed.connect(self._on_steps_current_changed)
            self._avoid_ambiguous_shortcuts()
            if self._started:
                self._build_next_page_soon()
        return self.steps

    @property
    def welcome(self) -> WelcomePage:
        """The first-start page, made when first shown or asked for."""
        if self._welcome is None:
            from sfjwt_gui.gui.welcome import WelcomePage

            welcome = WelcomePage(self)
            self._welcome = welcome
            self.right.addWidget(welcome)
            welcome.demo_requested.connect(self.open_demo)
            welcome.own_org_requested.connect(self.set_up_own_org)
        return self._welcome

    @property
    def demo(self) -> DemoController:
        """The demo org controller, made right after the first paint or when asked."""
        if self._demo is None:
            from sfjwt_gui.gui.demo_control import DemoController

            demo = DemoController(
                self.session,
                self.tasks,
                preferred_port=self._app_state.demo_port,
                parent=self,
            )
            self._demo = demo
            demo.status_message.connect(self.show_status)
            self.menus.attach_demo(demo)
            # A demo profile may be selected already: its org starts now.
            demo.follow_session()
        return self._demo

    def _connect_signals(self) -> None:
        self.sidebar.status_message.connect(self.show_status)
        self.sidebar.profiles_listed.connect(self._on_sidebar_profiles_listed)
        self.menus.stop_demo_action.triggered.connect(self._on_stop_demo_triggered)
        self.session.profile_changed.connect(self._on_session_profile_changed)
        self.session.saved.connect(self._on_session_saved)
        self.session.save_failed.connect(self._on_session_save_failed)
        self.session.tested.connect(self._on_session_tested)
        self.session.history_failed.connect(self._on_session_history_failed)
        self.tasks.task_started.connect(self._on_tasks_task_started)
        self.tasks.task_ended.connect(self._on_tasks_task_ended)
        self.tasks.busy_changed.connect(self._on_tasks_busy_changed)
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
        if self._demo is not None:
            state.demo_port = self._demo.port
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

    @property
    def has_painted(self) -> bool:
        """Whether the window has painted once and finished its start."""
        return self._started

    def close_after_first_paint(self) -> None:
        """For benchmarks and smoke tests: close as soon as the window has painted.

        Nothing of finish_start() runs then; closing opens nothing new.
        """
        self._close_after_paint = True

    def paintEvent(self, event: QPaintEvent) -> None:
        super().paintEvent(event)
        if not self._started and not self._start_queued:
            self._start_queued = True
            # Queued, so the paint under way (children included) completes first.
            QTimer.singleShot(0, self._on_first_paint_done)

    def finish_start(self) -> None:
        """Do what the first paint did without; runs once, right after it."""
        if self._started:
            return
        self._started = True
        self.first_painted.emit()
        # Connected now, not before the first paint: a palette that changes
        # while the app runs (light to dark) has every colour drawn again.
        app = QApplication.instance()
        if isinstance(app, QApplication):
            app.paletteChanged.connect(self._on_app_palette_changed)
        # Keys first: from now on they can reach the window.
        self.sidebar.commands.shortcuts.give()
        self.menus.shortcuts.give()
        if self.steps is not None:
            self.steps.shortcuts.give()
        if self.steps is None:
            self.sidebar.finish_start()
        # Otherwise once the step pages are built: the sidebar then reads the
        # certificates in a worker thread, which would share the interpreter
        # with the page builds and make each one hold the window twice as long.
        _ = self.demo  # made now, so a selected demo profile gets its org
        # A turn of its own: its first use of Qt's enum namespace builds some
        # ninety enum types, which added to the rest would stall the window.
        QTimer.singleShot(0, self._avoid_ambiguous_shortcuts)
        self._build_next_page_soon()

    def _build_next_page_soon(self) -> None:
        # One page per turn of the event loop keeps the window answering.
        QTimer.singleShot(0, self._on_build_next_page)

    def closeEvent(self, event: QCloseEvent) -> None:
        self.session.flush()
        if self.session.has_unsaved_changes() and not self._may_lose_unsaved():
            event.ignore()
            return
        self.tasks.cancel_all()
        if self._demo is not None:
            self._demo.stop()
        self.menus.close_windows()
        self.save_state()
        event.accept()

    def _may_lose_unsaved(self) -> bool:
        """Ask before quitting with edits the disk refused (the status bar says why)."""
        from sfjwt_gui.gui.sidebar_actions import confirm

        problem = self._write_problems.get("edits", "Some changes could not be saved.")
        return confirm(
            self,
            f"{problem}\n\nQuit anyway and lose those changes? Choose No to stay, "
            "free some space or fix the folder's permissions: the changes are "
            "saved with the next edit.",
        )

    # ---- slots ------------------------------------------------------------

    def _update_actions(self) -> None:
        has_profile = self.session.profile is not None
        self.menus.test_action.setEnabled(has_profile and self.steps is not None)
        self.menus.cancel_action.setEnabled(self.tasks.busy)

    def _avoid_ambiguous_shortcuts(self) -> None:
        """Let the shown page's own shortcuts win over the menu's.

        Two active shortcuts with the same keys cancel each other out in Qt, so
        while a page handles, say, Ctrl+Return itself (the test page does while
        it has the focus), the menu entry only shows the keys. Until the window
        has painted no key can reach it, and the check waits for finish_start().
        """
        if self.steps is None or not self._started:
            return
        from PySide6.QtGui import QKeySequence

        from sfjwt_gui.gui.steps import active_page_shortcuts

        # A page not built yet has no shortcuts; asking for it would build it.
        page = self.steps.current_page_if_built()
        focus = QApplication.focusWidget()
        taken = active_page_shortcuts(page, focus) if page is not None else set()
        portable = QKeySequence.SequenceFormat.PortableText
        actions = (self.menus.test_action, self.menus.cancel_action)
        narrowed = {
            action
            for action in actions
            if action.shortcut().toString(portable) in taken
        }
        if narrowed == self._narrowed_actions:
            # Nothing changes; the usual case right after start, where touching
            # Qt's enum namespace would hold the window for some 40 ms.
            return
        from PySide6.QtCore import Qt

        for action in actions:
            action.setShortcutContext(
                Qt.ShortcutContext.WidgetShortcut
                if action in narrowed
                else Qt.ShortcutContext.WindowShortcut
            )
        self._narrowed_actions = narrowed

    @Slot()
    def _on_first_paint_done(self) -> None:
        self._start_queued = False
        if self._close_after_paint:
            # The benchmark reads this line: launch to first paint, not to exit.
            sys.stdout.write(f"first paint at {time.time():.6f}\n")
            sys.stdout.flush()
            self.close()
        elif self.isVisible():  # if closed meanwhile, the next showing starts it
            self.finish_start()

    @Slot()
    def _on_build_next_page(self) -> None:
        if self.steps is None or not self.isVisible():
            self.sidebar.finish_start()
            return
        if not self._qt_namespace_loaded:
            # The first page to use Qt's enum namespace builds its ninety enum
            # types (some 30 ms): a turn of their own, so that no turn holds
            # the window for as long as that and a page together.
            from PySide6.QtCore import Qt

            _ = Qt.AlignmentFlag
            self._qt_namespace_loaded = True
            self._build_next_page_soon()
            return
        if self.steps.build_next_page():
            self._avoid_ambiguous_shortcuts()
            self._build_next_page_soon()
        else:
            self.sidebar.finish_start()

    @Slot()
    def _on_stop_demo_triggered(self) -> None:
        if self._demo is not None:
            self._demo.stop()

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
        self._set_write_problem("edits", "")
        self.statusBar().showMessage(f"Saved {name}", STATUS_TIMEOUT_MS)

    @Slot(str)
    def _on_session_save_failed(self, message: str) -> None:
        self._set_write_problem("edits", f"Not saved: {message}")

    @Slot(object)
    def _on_session_tested(self, _result: object) -> None:
        # history_failed follows at once when this test missed the history too.
        self._set_write_problem("history", "")

    @Slot(str)
    def _on_session_history_failed(self, message: str) -> None:
        self._set_write_problem("history", message)

    def _set_write_problem(self, kind: str, message: str) -> None:
        """Show, replace or (with "") clear one of the write problems."""
        if message:
            self._write_problems[kind] = message
        else:
            self._write_problems.pop(kind, None)

        self.restyle()
        self.save_error_label.setText(" ".join(self._write_problems.values()))
        self.save_error_label.setVisible(bool(self._write_problems))

    @Slot()
    def _on_app_palette_changed(self) -> None:
        # A slot without the signal's QPalette argument, whose type the first
        # paint does without. The application's signal outlives a window that
        # was closed and deleted (tests make many): such a one does nothing.
        from shiboken6 import isValid

        if isValid(self):
            QTimer.singleShot(0, self._restyle_all)

    @Slot()
    def _restyle_all(self) -> None:
        from shiboken6 import isValid

        if isValid(self):
            restyle_all(self)

    def restyle(self) -> None:
        color = state_color(StepState.ERROR).name()
        self.save_error_label.setStyleSheet(f"color: {color}")

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
        """Cancel what the user started and waits for: a test login, a new key."""
        if self.steps is None:
            return
        if self.steps.test_page.is_running():
            self.steps.test_page.cancel_test()
        # Imported here, not at the top: the first paint does without it (and
        # the keys page has usually loaded it by the time Cancel is pressed).
        from sfjwt_gui.gui.key_generate import GeneratePanel

        for panel in self.steps.findChildren(GeneratePanel):
            panel.cancel_generation()
