"""The window shell as a user meets it: welcome, steps, menus, restarts, errors.

The step pages are stand-ins with the real pages' shape (gui_stand_ins), so
these tests show what the shell itself does.
"""

from __future__ import annotations

import json
import logging
import sys
import threading
from collections.abc import Callable, Iterator

import pytest
import requests
from gui_stand_ins import (
    WAIT_MS,
    StandInPage,
    StandInTestPage,
    click,
    open_stand_in_windows,
    press,
)
from PySide6.QtCore import QPoint, QSize, Qt, Slot
from PySide6.QtWidgets import (
    QAbstractButton,
    QAbstractItemView,
    QApplication,
    QLabel,
    QLineEdit,
    QWidget,
)
from pytestqt.qtbot import QtBot

from sfjwt_gui.demo.settings import DEMO_CLIENT_ID, DEMO_USERNAME
from sfjwt_gui.engine import paths
from sfjwt_gui.engine.appstate import AppState, save_app_state
from sfjwt_gui.engine.history import HistoryEntry, HistoryStore
from sfjwt_gui.engine.profiles import Profile, ProfileStore
from sfjwt_gui.gui import crash
from sfjwt_gui.gui.mainwindow import MainWindow
from sfjwt_gui.gui.widgets import StepState


@pytest.fixture
def open_window(qtbot: QtBot) -> Iterator[Callable[[], MainWindow]]:
    yield from open_stand_in_windows(qtbot)


def profile_files() -> dict[str, str]:
    """Profile name -> file name, as stored on disk."""
    found = {}
    for path in sorted(paths.profiles_dir().glob("*.json")):
        document = json.loads(path.read_text(encoding="utf-8"))
        found[document["profile"]["name"]] = path.name
    return found


def test_first_start_shows_the_welcome(open_window: Callable[[], MainWindow]) -> None:
    window = open_window()

    assert window.right.currentWidget() is window.welcome
    assert window.welcome.demo_button.text() == "Try the &demo org"
    assert window.welcome.own_org_button.text() == "Set up &my org"
    assert window.sidebar.profile_names() == []
    assert window.windowTitle() == "sfjwt-gui"
    assert not window.menus.test_action.isEnabled()


def test_try_the_demo_org_creates_the_demo_profile_and_the_server_answers(
    qtbot: QtBot, open_window: Callable[[], MainWindow]
) -> None:
    window = open_window()

    click(window.welcome.demo_button)

    profile = window.session.profile
    assert profile is not None
    assert (profile.name, profile.is_demo) == ("Demo", True)
    assert profile.login_url == window.demo.base_url
    assert (profile.client_id, profile.username) == (DEMO_CLIENT_ID, DEMO_USERNAME)
    assert profile.key_path == ""
    assert "Demo" in profile_files()
    assert window.sidebar.profile_names() == ["Demo"]
    assert window.steps is not None
    assert window.right.currentWidget() is window.steps
    assert window.steps.current_index() == 0
    assert window.windowTitle() == "Demo - sfjwt-gui"

    answer = requests.get(f"{profile.login_url}/services/data/", timeout=10)
    assert answer.status_code == 200
    assert any("version" in entry for entry in answer.json())


def test_set_up_my_org_creates_an_empty_profile_on_step_one(
    qtbot: QtBot, open_window: Callable[[], MainWindow]
) -> None:
    window = open_window()

    click(window.welcome.own_org_button)

    assert window.session.profile is not None
    assert window.session.profile.name == "My org"
    assert not window.session.profile.is_demo
    assert window.steps is not None
    assert window.steps.current_index() == 0
    assert not window.demo.running
    assert list(profile_files()) == ["My org"]


def test_restart_reopens_the_last_profile_its_history_and_the_window_size(
    qtbot: QtBot, open_window: Callable[[], MainWindow]
) -> None:
    store = ProfileStore()
    store.save(Profile(name="Acme"))
    store.save(Profile(name="Beta"))
    HistoryStore().append(
        "Beta",
        HistoryEntry(
            at="2026-01-02T10:00:00+00:00", ok=False, codes=("user_not_approved",)
        ),
    )
    first = open_window()
    first.sidebar.select_profile("Beta")
    first.resize(QSize(741, 533))
    first.move(QPoint(23, 31))  # on the screen: Qt moves a restored window onto it
    first.splitter.setSizes([287, 454])
    first.steps.set_current(1)  # type: ignore[union-attr]
    size = first.size()
    position = first.pos()
    sidebar_width = first.splitter.sizes()[0]
    first.close()

    second = open_window()

    assert second.session.profile is not None
    assert second.session.profile.name == "Beta"
    assert second.sidebar.current_name() == "Beta"
    assert second.size() == size
    assert second.pos() == position
    assert second.splitter.sizes()[0] == sidebar_width
    assert second.steps is not None
    assert second.steps.current_index() == 1
    _name, test_line, _cert = second.sidebar.row_lines("Beta")
    assert test_line.startswith("Failed 2026-01-02")
    assert test_line.endswith(" - user_not_approved")
    assert second.sidebar.row_state("Beta") is StepState.ERROR
    assert second.sidebar.row_lines("Acme")[1] == "Never tested"


def test_a_damaged_window_state_opens_at_the_default_size_and_keeps_the_profile(
    qtbot: QtBot, open_window: Callable[[], MainWindow]
) -> None:
    ProfileStore().save(Profile(name="Acme"))
    fresh = open_window()
    default_size = fresh.size()
    fresh.close()
    save_app_state(
        AppState(
            last_profile="Acme",
            window_geometry="not base64 at all!",
            window_state="%%%",
            splitter_state="QUJD",  # base64, but not a splitter's state
        )
    )

    window = open_window()

    assert window.session.profile is not None
    assert window.session.profile.name == "Acme"
    assert window.size() == default_size
    assert min(window.splitter.sizes()) > 0


@pytest.mark.parametrize("answer", [True, False])
def test_open_config_folder_shows_it_or_says_where_it_is(
    answer: bool,
    open_window: Callable[[], MainWindow],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    from PySide6.QtCore import QUrl
    from PySide6.QtGui import QDesktopServices

    shown: list[str] = []

    def open_url(url: QUrl) -> bool:
        shown.append(url.toLocalFile())
        return answer

    monkeypatch.setattr(QDesktopServices, "openUrl", open_url)
    window = open_window()

    window.menus.open_config_action.trigger()

    assert shown == [str(paths.config_dir())]
    assert paths.config_dir().is_dir()
    message = window.statusBar().currentMessage()
    if answer:
        assert str(paths.config_dir()) not in message
    else:
        assert f"No file manager could show {paths.config_dir()}" in message


def test_steps_show_page_states_and_ctrl_number_moves_between_them(
    qtbot: QtBot, open_window: Callable[[], MainWindow]
) -> None:
    ProfileStore().save(Profile(name="Acme"))
    window = open_window()
    steps = window.steps
    assert steps is not None
    assert [steps.step_list.item(i).text() for i in range(3)] == [
        "1 Key and certificate",
        "2 Connected app",
        "3 Test login",
    ]

    page = steps.page(0)
    assert isinstance(page, StandInPage)
    page.set_state(StepState.DONE)
    steps.page(1).set_state(StepState.ERROR)  # type: ignore[attr-defined]
    assert steps.step_label(0).endswith("done")
    assert steps.step_label(1).endswith("has errors")
    assert steps.step_label(2).endswith("not done yet")

    window.sidebar.list.setFocus()
    press(window.sidebar.list, Qt.Key.Key_2, Qt.KeyboardModifier.ControlModifier)
    assert steps.current_index() == 1
    press(window.sidebar.list, Qt.Key.Key_3, Qt.KeyboardModifier.ControlModifier)
    assert steps.current_index() == 2
    assert steps.stack.currentIndex() == 2


def test_test_login_and_cancel_from_the_test_menu(
    qtbot: QtBot, open_window: Callable[[], MainWindow]
) -> None:
    ProfileStore().save(Profile(name="Acme"))
    window = open_window()
    assert window.steps is not None
    page = window.steps.page(2)
    assert isinstance(page, StandInTestPage)
    assert not window.menus.cancel_action.isEnabled()

    window.menus.test_action.trigger()

    assert window.steps.current_index() == 2
    assert page.runs == 1
    assert page.is_running()
    assert window.menus.cancel_action.isEnabled()
    assert window.busy_bar.isVisible()
    assert window.statusBar().currentMessage() == "Testing login..."

    window.menus.cancel_action.trigger()

    assert not page.is_running()
    assert not window.menus.cancel_action.isEnabled()
    assert not window.busy_bar.isVisible()


def test_ctrl_return_runs_the_test_once_wherever_the_focus_is(
    qtbot: QtBot, open_window: Callable[[], MainWindow]
) -> None:
    ProfileStore().save(Profile(name="Acme"))
    window = open_window()
    assert window.steps is not None
    window.steps.set_current(2)
    page = window.steps.page(2)
    assert isinstance(page, StandInTestPage)

    # Focus inside the page: the page's own shortcut answers, the menu steps aside.
    page.button.setFocus()
    press(page.button, Qt.Key.Key_Return, Qt.KeyboardModifier.ControlModifier)
    assert page.runs == 1
    page.cancel_test()

    # Focus in the profile list: the menu's shortcut answers.
    window.sidebar.list.setFocus()
    press(window.sidebar.list, Qt.Key.Key_Return, Qt.KeyboardModifier.ControlModifier)
    assert page.runs == 2
    page.cancel_test()


def test_status_bar_says_saved_and_keeps_a_save_failure_until_fixed(
    qtbot: QtBot, open_window: Callable[[], MainWindow]
) -> None:
    ProfileStore().save(Profile(name="Acme"))
    window = open_window()

    with qtbot.waitSignal(window.session.save_failed, timeout=WAIT_MS):
        window.session.update(lifetime_s="three minutes")
    label = window.save_error_label
    assert not label.isHidden()
    assert label.text().startswith("Not saved: ")
    assert "lifetime_s" in label.text()

    with qtbot.waitSignal(window.session.saved, timeout=WAIT_MS):
        window.session.update(lifetime_s=240)
    assert label.isHidden()
    assert window.statusBar().currentMessage() == "Saved Acme"
    assert ProfileStore().get("Acme").lifetime_s == 240


def test_closing_while_a_test_runs_cancels_it_and_saves_the_state(
    qtbot: QtBot, open_window: Callable[[], MainWindow]
) -> None:
    ProfileStore().save(Profile(name="Acme"))
    window = open_window()
    window.open_demo()
    assert window.steps is not None
    page = window.steps.page(2)
    assert isinstance(page, StandInTestPage)
    page.run_test()
    handle = page.handle
    assert handle is not None
    assert handle.running

    assert window.close()

    assert handle.cancel_event.is_set()
    assert not window.tasks.busy
    assert not window.demo.running
    state = json.loads((paths.config_dir() / "state.json").read_text())
    assert state["last_profile"] == "Demo"
    assert state["demo_port"] == window.demo.port > 0


def test_scenario_menu_changes_the_demo_orgs_scenario(
    qtbot: QtBot, open_window: Callable[[], MainWindow]
) -> None:
    window = open_window()
    window.open_demo()
    menus = window.menus
    menus.demo_menu.aboutToShow.emit()  # what opening the menu does
    titles = [action.text() for action in menus.scenario_menu.actions()]
    assert titles[0] == "Everything set up right"
    assert "User not approved" in titles
    by_title = {action.text(): action for action in menus.scenario_menu.actions()}
    assert by_title["Everything set up right"].isChecked()
    assert "pre-authorized" in by_title["Everything set up right"].statusTip()

    by_title["User not approved"].trigger()

    assert window.demo.org is not None
    assert window.demo.org.settings.scenario == "user_not_approved"
    assert by_title["User not approved"].isChecked()
    assert not by_title["Everything set up right"].isChecked()
    assert window.statusBar().currentMessage() == "Demo org scenario: User not approved"


@pytest.mark.qt_no_exception_capture
def test_an_exception_in_a_slot_shows_the_report_and_the_window_goes_on(
    qtbot: QtBot,
    open_window: Callable[[], MainWindow],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    ProfileStore().save(Profile(name="Acme"))
    window = open_window()
    reports: list[str] = []
    monkeypatch.setattr(
        crash.CrashDialog,
        "show_report",
        classmethod(lambda _cls, _parent, report: reports.append(report)),
    )
    monkeypatch.setattr(sys, "excepthook", sys.excepthook)
    crash.install_excepthook()
    signature = "c2lnbmF0dXJlLXRoYXQtbXVzdC1zdGF5LXNlY3JldA"
    leaked = f"eyJhbGciOiJSUzI1NiJ9.eyJzdWIiOiJ4In0.{signature}"

    class Boom(QWidget):
        @Slot()
        def explode(self) -> None:
            raise ValueError(f"bad answer {leaked}")

    assert window.steps is not None
    page = window.steps.page(0)
    assert isinstance(page, StandInPage)
    boom = Boom(page)
    page.button.clicked.connect(boom.explode)

    click(page.button)

    assert len(reports) == 1
    assert "ValueError: bad answer" in reports[0]
    assert signature not in reports[0]
    assert "sfjwt-gui: 0.1.0" in reports[0]
    assert window.isVisible()
    window.steps.set_current(1)
    assert window.steps.current_index() == 1


def test_crash_dialog_shows_and_copies_the_report(qtbot: QtBot) -> None:
    dialog = crash.CrashDialog.show_report(None, "Traceback: first")
    qtbot.addWidget(dialog)
    again = crash.CrashDialog.show_report(None, "Traceback: second")

    assert again is dialog
    assert "first" in dialog.report()
    assert "second" in dialog.report()
    click(dialog.copy_button)
    assert QApplication.clipboard().text() == dialog.report()
    dialog.close()


def test_tools_and_help_open_their_windows(
    qtbot: QtBot, open_window: Callable[[], MainWindow]
) -> None:
    window = open_window()
    menus = window.menus

    menus.decode_action.trigger()
    decode = menus.open_dialog("decode")
    assert decode.isVisible()
    menus.decode_action.trigger()
    assert menus.open_dialog("decode") is decode  # reused, not stacked

    menus.about_action.trigger()
    about = [
        w
        for w in QApplication.topLevelWidgets()
        if w.windowTitle() == "About sfjwt-gui"
    ]
    assert len(about) == 1
    assert about[0].isVisible()
    texts = " ".join(label.text() for label in about[0].findChildren(QLabel))
    for name in ("Python", "Qt", "PySide6", "cryptography", "PyJWT", "requests"):
        assert f"{name}:" in texts

    menus.show_log_action.trigger()
    assert menus.log_window().isVisible()

    window.close()
    assert not decode.isVisible()
    assert not menus.log_window().isVisible()


def test_a_damaged_state_file_gives_defaults_and_is_replaced_on_close(
    open_window: Callable[[], MainWindow],
) -> None:
    state_file = paths.config_dir() / "state.json"
    state_file.parent.mkdir(parents=True, exist_ok=True)
    state_file.write_text("[1, 2", encoding="utf-8")

    window = open_window()
    assert window.right.currentWidget() is window.welcome
    window.close()

    state = json.loads(state_file.read_text(encoding="utf-8"))
    assert state["window_geometry"]
    assert state["last_profile"] == ""


def test_log_window_opens_on_the_newest_lines_from_their_start(
    qtbot: QtBot,
) -> None:
    from sfjwt_gui.engine import logsetup
    from sfjwt_gui.gui.logview import LogWindow

    logsetup.configure_logging(to_file=False)
    for number in range(200):
        logging.getLogger("sfjwt_gui.test").info("line %d %s", number, "x" * 300)
    window = LogWindow()
    qtbot.addWidget(window)
    window.show()

    vertical = window.view.verticalScrollBar()
    assert vertical.value() == vertical.maximum() > 0
    assert window.view.horizontalScrollBar().value() == 0
    window.close()


def test_log_window_shows_new_lines_live_with_secrets_masked(qtbot: QtBot) -> None:
    from sfjwt_gui.engine import logsetup
    from sfjwt_gui.gui.logview import LogWindow

    logsetup.configure_logging(to_file=False)
    logging.getLogger("sfjwt_gui.test").info("before the window opened")
    window = LogWindow()
    qtbot.addWidget(window)
    window.show()
    assert "before the window opened" in window.text()

    signature = "bm90LWZvci15b3VyLWV5ZXMtMTIzNDU2Nzg5MA"
    token = f"eyJhbGciOiJSUzI1NiJ9.eyJzdWIiOiJ4In0.{signature}"
    worker = threading.Thread(
        target=logging.getLogger("sfjwt_gui.test").warning,
        args=("server answered %s", token),
    )
    worker.start()
    worker.join()

    qtbot.waitUntil(lambda: "server answered" in window.text(), timeout=WAIT_MS)
    assert "eyJzdWIiOiJ4In0.<signature hidden>" in window.text()
    assert signature not in window.text()

    click(window.copy_button)
    assert QApplication.clipboard().text() == window.text()

    window.close()
    logging.getLogger("sfjwt_gui.test").info("after the window closed")
    assert "after the window closed" not in window.text()


def test_the_welcome_works_from_the_keyboard(
    open_window: Callable[[], MainWindow],
) -> None:
    window = open_window()
    assert QApplication.focusWidget() is window.welcome.demo_button

    press(window.welcome.demo_button, Qt.Key.Key_Return)

    assert window.session.profile is not None
    assert window.session.profile.is_demo


def test_every_control_of_the_shell_has_an_accessible_name(
    open_window: Callable[[], MainWindow],
) -> None:
    ProfileStore().save(Profile(name="Acme"))
    window = open_window()

    controls = [
        widget
        for widget in window.findChildren(QWidget)
        if isinstance(widget, (QAbstractButton, QAbstractItemView, QLineEdit))
        and widget.isVisibleTo(window)
        and widget.focusPolicy() != Qt.FocusPolicy.NoFocus
    ]

    assert len(controls) >= 9  # six profile buttons, two lists, a page button
    assert [w for w in controls if not w.accessibleName()] == []
