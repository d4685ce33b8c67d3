"""Step 3: test the login - one button, the checks before sending at once, a busy
bar with Cancel while the request runs, then the result.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import itertools
import logging
import threading
from collections.abc import Callable
from functools import partial
from pathlib import Path
from typing import TYPE_CHECKING

from PySide6.QtCore import QObject, Qt, QTimer, Signal, Slot
from PySide6.QtGui import QKeySequence, QShortcut
from PySide6.QtWidgets import (
    QHBoxLayout,
    QLabel,
    QProgressBar,
    QVBoxLayout,
    QWidget,
)

from sfjwt_gui.engine.catalog import finding_from_error
from sfjwt_gui.engine.errors import KeyFileError, SfjwtError
from sfjwt_gui.gui.export_menu import ExportButton
from sfjwt_gui.gui.history_view import HistoryView
from sfjwt_gui.gui.passphrase_dialog import PassphraseDialog
from sfjwt_gui.gui.result_views import ResultView, earlier_test_text
from sfjwt_gui.gui.session import ProfileSession
from sfjwt_gui.gui.step_page import StepPage
from sfjwt_gui.gui.tasks import TaskHandle, TaskRunner
from sfjwt_gui.gui.widgets import StepState, action_button, section_label

if TYPE_CHECKING:
    from sfjwt_gui.engine.findings import Finding
    from sfjwt_gui.engine.history import HistoryEntry
    from sfjwt_gui.engine.login import LoginResult
    from sfjwt_gui.engine.profiles import Profile

logger = logging.getLogger(__name__)

TEST_SHORTCUTS = ("Ctrl+Return", "Ctrl+Enter", "F5")


def login_work(
    profile: Profile,
    passphrase: bytes | None,
    on_preflight: Callable[[list[Finding]], None],
    cancel: threading.Event,
) -> LoginResult:
    """The worker: the whole login, checks first, nothing raised for user errors.

    The checks read the key and certificate, and may decrypt the key, so they
    run here too; ``on_preflight`` hands their findings over before sending.
    """
    # requests and PyJWT load with the engine here, off the GUI thread and
    # only once a test is asked for.
    from sfjwt_gui.engine.login import LoginSettings, run_login

    settings = LoginSettings.from_profile(profile, passphrase, verify_token=True)
    return run_login(settings, cancel=cancel, on_preflight=on_preflight)


class _PreflightRelay(QObject):
    """Carries the findings of the checks before sending from the worker."""

    checked = Signal(int, object)  # run id, list[Finding]


def _relay_preflight(
    relay: _PreflightRelay, run_id: int, findings: list[Finding]
) -> None:
    try:
        relay.checked.emit(run_id, findings)
    except RuntimeError:
        # The page was closed and deleted while the test ran.
        logger.debug("Checks of a test finished after its page closed")


def preload_engine(_cancel: threading.Event) -> None:
    """Import the login engine and result views' helpers ahead of the first test.

    Importing them takes 100-200 ms; done here, off the GUI thread, the first
    click on Test login does not freeze the window while they load.
    """
    import sfjwt_gui.engine.login
    import sfjwt_gui.engine.report  # noqa: F401


class TestPage(StepPage):
    """Runs one test login of the selected profile and shows what happened."""

    __test__ = False  # a widget, not a pytest test class

    test_finished = Signal(object)  # LoginResult, after session.record_test

    def __init__(
        self,
        session: ProfileSession,
        tasks: TaskRunner,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(session, tasks, parent)
        self._handle: TaskHandle | None = None
        self._run_ids = itertools.count(1)
        self._run_id = 0
        self._preflight_relay = _PreflightRelay(self)
        self._tested_profile = ""
        self._tested_key_path = ""
        self._tested_snapshot: Profile | None = None
        self._build_ui()
        self._connect_signals()
        self._on_session_profile_changed()
        QTimer.singleShot(0, self._preload)

    def is_running(self) -> bool:
        return self._handle is not None and self._handle.running

    # -- building -------------------------------------------------------------

    def _build_ui(self) -> None:
        self.test_button = action_button("Test &login", "Test login", self)
        self.test_button.setDefault(True)
        self.test_button.setToolTip("Ctrl+Return or F5")
        self.cancel_button = action_button("Cancel", "Cancel the test", self)
        self.cancel_button.setEnabled(False)
        self.busy_bar = QProgressBar(self)
        self.busy_bar.setRange(0, 0)
        self.busy_bar.setVisible(False)
        self.busy_bar.setAccessibleName("Test running")
        self.progress_label = QLabel(self)
        self.progress_label.setTextFormat(Qt.TextFormat.PlainText)
        self.progress_label.setAccessibleName("Test progress")

        controls = QHBoxLayout()
        controls.addWidget(self.test_button)
        controls.addWidget(self.cancel_button)
        self.export_button = ExportButton(self)
        controls.addWidget(self.export_button)
        controls.addWidget(self.busy_bar, 1)
        controls.addWidget(self.progress_label, 1)

        self.result_view = ResultView(self)
        self.history_view = HistoryView(self._session.history, self)
        self.result_view.tabs.addTab(self.history_view, "Hi&story")

        layout = QVBoxLayout(self)
        layout.addWidget(section_label("Test login", self))
        layout.addLayout(controls)
        layout.addWidget(self.result_view, 1)

        self.shortcuts = []
        for sequence in TEST_SHORTCUTS:
            shortcut = QShortcut(QKeySequence(sequence), self)
            shortcut.setContext(Qt.ShortcutContext.WidgetWithChildrenShortcut)
            self.shortcuts.append(shortcut)

    def _connect_signals(self) -> None:
        self._session.profile_changed.connect(self._on_session_profile_changed)
        self.test_button.clicked.connect(self.run_test)
        self.cancel_button.clicked.connect(self.cancel_test)
        self._preflight_relay.checked.connect(self._on_preflight_checked)
        self.result_view.status_message.connect(self.status_message)
        self.export_button.status_message.connect(self.status_message)
        for shortcut in self.shortcuts:
            shortcut.activated.connect(self.run_test)
            # The window's menu may bind the same keys: when Qt finds both, it
            # asks one of them; either way the test runs.
            shortcut.activatedAmbiguously.connect(self.run_test)

    # -- following the session --------------------------------------------------

    @Slot()
    def _on_session_profile_changed(self) -> None:
        profile = self._session.profile
        self.test_button.setEnabled(profile is not None and not self.is_running())
        last = self._last_test()
        self.result_view.clear(earlier_test_text(last))
        self.export_button.set_result(None, None)
        self.history_view.load(profile.name if profile else None)
        if not self.is_running():
            self.progress_label.clear()
        if last is None:
            self._set_state(StepState.NONE)
        else:
            self._set_state(StepState.DONE if last.ok else StepState.ERROR)

    def _last_test(self) -> HistoryEntry | None:
        """The selected profile's newest test from the history, if any."""
        profile = self._session.profile
        if profile is None:
            return None
        try:
            return self._session.history.last(profile.name)
        except SfjwtError as error:
            logger.warning("History of %s not read: %s", profile.name, error.message)
            return None

    # -- running ------------------------------------------------------------------

    @Slot()
    def _preload(self) -> None:
        self._tasks.run("Loading the login engine", preload_engine, _ignore)

    @Slot()
    def run_test(self) -> None:
        """Check the passphrase, then run the login off the GUI thread."""
        profile = self._session.profile
        if profile is None or self.is_running():
            return
        if not self._passphrase_ready(profile.key_path):
            return

        # A copy: the user may keep editing the profile while the test runs.
        snapshot = dataclasses.replace(profile)
        self._tested_snapshot = snapshot
        passphrase = self._session.passphrase_for(profile.key_path)
        self._tested_profile = profile.name
        self._tested_key_path = profile.key_path
        self._set_running(True)
        self.result_view.show_checking()
        self.export_button.set_result(None, None)
        self.progress_label.setText("Checking, signing and sending...")
        self.status_message.emit(f"Testing the login of {profile.name}...")
        self._run_id = next(self._run_ids)
        on_preflight = partial(_relay_preflight, self._preflight_relay, self._run_id)
        self._handle = self._tasks.run(
            "Test login",
            partial(login_work, snapshot, passphrase, on_preflight),
            self._on_login_done,
            self._on_login_failed,
        )

    @Slot()
    def cancel_test(self) -> None:
        """Stop waiting for the answer; the page is idle again at once."""
        if not self.is_running() or self._handle is None:
            return
        self._handle.cancel()
        self._handle = None
        self._set_running(False)
        self.result_view.show_message("Cancelled", StepState.NONE)
        self.progress_label.setText("Cancelled")
        self.status_message.emit("Test cancelled")

    def _passphrase_ready(self, key_path: str) -> bool:
        """False when the key is encrypted and the user cancelled the question."""
        if not key_path.strip() or self._session.passphrase_for(key_path):
            return True
        from sfjwt_gui.engine.keyfiles import identify_file

        try:
            # Reads the file's first MiB and decrypts nothing: quick enough here.
            encrypted = identify_file(Path(key_path).expanduser()).encrypted
        except KeyFileError:
            return True  # the login's own checks will say what is wrong
        if not encrypted:
            return True
        passphrase = PassphraseDialog.ask(self, key_path)
        if passphrase is None:
            self.status_message.emit("Test not started: no passphrase")
            return False
        self._session.remember_passphrase(key_path, passphrase)
        return True

    def _set_running(self, running: bool) -> None:
        # Keep the keyboard where it was, unless its button is about to go grey.
        leaving, arriving = (
            (self.test_button, self.cancel_button)
            if running
            else (self.cancel_button, self.test_button)
        )
        had_focus = leaving.hasFocus()
        self.cancel_button.setEnabled(running)
        self.test_button.setEnabled(not running and self._session.profile is not None)
        self.busy_bar.setVisible(running)
        if had_focus:
            arriving.setFocus()

    @Slot(int, object)
    def _on_preflight_checked(self, run_id: int, findings: list[Finding]) -> None:
        current = self._session.profile
        if run_id != self._run_id or not self.is_running() or current is None:
            return  # the checks of a test that was cancelled or has ended
        if current.name != self._tested_profile:
            return  # the page now shows another profile
        self.result_view.show_checked(findings)
        self.progress_label.setText("Checked; signing and sending...")

    def _on_login_done(self, result: object) -> None:
        self._handle = None
        self._set_running(False)
        from sfjwt_gui.engine.login import LoginResult

        if not isinstance(result, LoginResult):
            return
        tested = self._tested_profile
        if any(item.code == "key_passphrase_wrong" for item in result.findings):
            # Ask again next time rather than repeating a wrong passphrase.
            self._session.remember_passphrase(self._tested_key_path, None)
        self._session.record_test(tested, result)

        current = self._session.profile
        if current is not None and current.name == tested:
            self.result_view.show_result(result)
            self.export_button.set_result(self._tested_snapshot, result)
            self.history_view.load(tested)
            self._set_state(StepState.DONE if result.ok else StepState.ERROR)
        self.progress_label.setText(f"{tested}: {_outcome(result)} at {_clock()}")
        self.status_message.emit(f"Login test of {tested} {_outcome(result)}")
        self.test_finished.emit(result)

    def _on_login_failed(self, error: BaseException) -> None:
        self._handle = None
        self._set_running(False)
        if not isinstance(error, SfjwtError):
            self.progress_label.clear()
            raise error  # a bug: the app-wide hook logs it and shows a report
        logger.info("Test login not run: %s", error.message)
        self.result_view.show_findings(
            "Not sent: fix these first", [finding_from_error(error)]
        )
        self.progress_label.setText("Not sent")
        self._set_state(StepState.ERROR)
        self.status_message.emit("Login test not sent")


def _ignore(_result: object) -> None:
    """Nothing to show: the preload's only effect is the modules it loaded."""


def _outcome(result: LoginResult) -> str:
    if result.ok:
        return "passed"
    return "failed" if result.sent else "not sent"


def _clock() -> str:
    return dt.datetime.now().strftime("%H:%M:%S")
