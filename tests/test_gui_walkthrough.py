"""The whole demo flow through the real window, as a user would walk it.

Welcome -> try the demo org -> generate a key -> check the connected-app
details -> test the login -> a failure scenario and its diagnosis -> restart
and find everything again -> a bad key file and its message.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any, TypeVar

import pytest
from gui_windows import open_real_windows
from PySide6.QtCore import Qt

from sfjwt_gui.demo.settings import DEMO_CLIENT_ID, DEMO_USERNAME
from sfjwt_gui.gui.mainwindow import MainWindow
from sfjwt_gui.gui.page_app import AppPage
from sfjwt_gui.gui.page_keys import KeysPage
from sfjwt_gui.gui.page_test import TestPage
from sfjwt_gui.gui.steps import StepsView
from sfjwt_gui.gui.widgets import StepState

TIMEOUT_MS = 30_000
PageT = TypeVar("PageT")


@pytest.fixture
def open_window(qtbot: Any) -> Iterator[Callable[[], MainWindow]]:
    yield from open_real_windows(qtbot)


def steps_of(qtbot: Any, window: MainWindow) -> StepsView:
    qtbot.waitUntil(lambda: window.steps is not None, timeout=TIMEOUT_MS)
    assert window.steps is not None
    return window.steps


def page_of(qtbot: Any, steps: StepsView, index: int, kind: type[PageT]) -> PageT:
    steps.set_current(index)
    qtbot.waitUntil(lambda: isinstance(steps.page(index), kind), timeout=TIMEOUT_MS)
    page = steps.page(index)
    assert isinstance(page, kind)
    return page


def press_test(qtbot: Any, page: TestPage) -> None:
    with qtbot.waitSignal(page.test_finished, timeout=TIMEOUT_MS):
        qtbot.mouseClick(page.test_button, Qt.MouseButton.LeftButton)


def test_demo_walkthrough_from_welcome_to_diagnosis_and_back_after_a_restart(
    qtbot: Any, open_window: Callable[[], MainWindow], tmp_path: Path
) -> None:
    window = open_window()

    # First start: the welcome offers the demo org.
    assert window.welcome.isVisible()
    qtbot.mouseClick(window.welcome.demo_button, Qt.MouseButton.LeftButton)
    steps = steps_of(qtbot, window)
    assert window.sidebar.profile_names() == ["Demo"]

    # Step 1: generate a key pair; the summary says they belong together.
    keys = page_of(qtbot, steps, 0, KeysPage)
    qtbot.mouseClick(keys.generate_panel.generate_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: keys.state() is StepState.DONE, timeout=TIMEOUT_MS)
    assert "belong together" in keys.summary.match_label.text()
    assert "NOT" not in keys.summary.match_label.text()

    # Step 2: the demo org's details are filled in; retype the username.
    app = page_of(qtbot, steps, 1, AppPage)
    assert app.client_id_edit.text() == DEMO_CLIENT_ID
    app.username_edit.clear()
    qtbot.keyClicks(app.username_edit, DEMO_USERNAME)
    qtbot.waitUntil(lambda: app.state() is StepState.DONE, timeout=TIMEOUT_MS)

    # Step 3: the login works.
    test = page_of(qtbot, steps, 2, TestPage)
    press_test(qtbot, test)
    banner = test.result_view.banner.text()
    assert f"Logged in as {DEMO_USERNAME}" in banner
    assert test.state() is StepState.DONE

    # A support scenario: the user is not approved; the diagnosis says why.
    window.menus.ensure_scenario_actions()["user_not_approved"].trigger()
    press_test(qtbot, test)
    titles = [card.finding.title for card in test.result_view.diagnosis.cards]
    assert "The user is not approved for this connected app" in titles
    assert test.state() is StepState.ERROR
    window.close()

    # Restart: the profile and its two tests come back (the window's size and
    # place are covered by the shell's tests, where no page sets a minimum).
    again = open_window()
    steps_again = steps_of(qtbot, again)
    assert again.sidebar.current_name() == "Demo"
    test_again = page_of(qtbot, steps_again, 2, TestPage)
    qtbot.waitUntil(
        lambda: test_again.history_view.tree.topLevelItemCount() == 2,
        timeout=TIMEOUT_MS,
    )

    # A bad key file says what it is, under the page, never as a modal.
    not_a_key = tmp_path / "notes.txt"
    not_a_key.write_text("these are my notes, not a key\n")
    keys_again = page_of(qtbot, steps_again, 0, KeysPage)
    keys_again.tabs.setCurrentWidget(keys_again.files_panel)
    keys_again.files_panel.key_edit.clear()
    qtbot.keyClicks(keys_again.files_panel.key_edit, str(not_a_key))
    qtbot.waitUntil(lambda: keys_again.state() is StepState.ERROR, timeout=TIMEOUT_MS)
    qtbot.waitUntil(
        lambda: "not a key" in keys_again.findings_note.text().lower(),
        timeout=TIMEOUT_MS,
    )
