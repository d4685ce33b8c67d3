"""Network faults through the window: a user presses Test login and reads why.

For each fault of the shared table (tests/fault_servers.py) the real window,
with a profile pointing into the fault, runs the test: while it runs the
window keeps working (the user switches steps and back, before the answer
when the fault lasts until the timeout), then the diagnosis card names the
finding in sentences, the window is ready for the next action and the profile file is
byte for byte what it was.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from functools import partial
from pathlib import Path
from typing import Any

import pytest
from fault_servers import (
    FAULT_CASES,
    FAULTS,
    FaultCase,
    fault_profile,
    missing_words,
    profile_files,
    staged_in_test,
    unreadable_parts,
)
from gui_windows import open_real_windows, open_test_page
from PySide6.QtCore import Qt, QTimer
from PySide6.QtGui import QTextDocumentFragment
from PySide6.QtWidgets import QLabel, QPlainTextEdit

from sfjwt_gui.engine.catalog import CATALOG
from sfjwt_gui.engine.login import LoginResult
from sfjwt_gui.engine.profiles import Profile, ProfileStore
from sfjwt_gui.gui.mainwindow import MainWindow
from sfjwt_gui.gui.result_http import SHOWN_BODY_BYTES
from sfjwt_gui.gui.result_views import DiagnosisCard
from sfjwt_gui.gui.widgets import StepState

pytestmark = pytest.mark.gui

WAIT_MS = 30_000


@pytest.fixture
def open_window(qtbot: Any) -> Iterator[Callable[[], MainWindow]]:
    yield from open_real_windows(qtbot)


def click_profile(qtbot: Any, window: MainWindow, name: str) -> None:
    """Click the profile's row in the sidebar."""
    rows = window.sidebar.list
    [item] = [
        rows.item(row)
        for row in range(rows.count())
        if window.sidebar.name_at(row) == name
    ]
    where = rows.visualItemRect(item).center()
    qtbot.mouseClick(rows.viewport(), Qt.MouseButton.LeftButton, pos=where)


def click_step(qtbot: Any, window: MainWindow, index: int) -> None:
    """Click the step's row in the list of steps."""
    assert window.steps is not None
    rows = window.steps.step_list
    where = rows.visualItemRect(rows.item(index)).center()
    qtbot.mouseClick(rows.viewport(), Qt.MouseButton.LeftButton, pos=where)


def switch_step_through_event_loop(qtbot: Any, window: MainWindow, index: int) -> None:
    """Click a step from a timer, so it happens only if the event loop runs."""
    steps = window.steps
    assert steps is not None
    QTimer.singleShot(0, partial(click_step, qtbot, window, index))
    qtbot.waitUntil(lambda: steps.current_index() == index, timeout=WAIT_MS)


def card_text(card: DiagnosisCard) -> str:
    """What the card shows, as plain text."""
    return "\n".join(
        QTextDocumentFragment.fromHtml(label.text()).toPlainText()
        for label in card.findChildren(QLabel)
    )


@pytest.mark.parametrize("case", FAULT_CASES)
def test_fault_is_diagnosed_in_the_window_which_stays_usable(
    case: FaultCase,
    qtbot: Any,
    demo: Any,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    open_window: Callable[[], MainWindow],
) -> None:
    with staged_in_test(case, demo, tmp_path, monkeypatch) as target:
        store = ProfileStore()
        store.save(fault_profile(demo, target))
        store.save(Profile(name="Other"))
        saved_files = profile_files()
        window = open_window()
        window.sidebar.select_profile("Fault")
        page = open_test_page(qtbot, window)
        assert window.steps is not None
        # Every page built first: switching steps then costs only the switch.
        while window.steps.build_next_page():
            pass

        with qtbot.waitSignal(page.test_finished, timeout=WAIT_MS) as finished:
            qtbot.mouseClick(page.test_button, Qt.MouseButton.LeftButton)
            # The login runs off the GUI thread: the page says so and offers Cancel.
            assert page.is_running()
            assert page.busy_bar.isVisible()
            assert page.cancel_button.isEnabled()
            assert not page.test_button.isEnabled()
            # The user looks at step 2 and comes back to the running test.
            switch_step_through_event_loop(qtbot, window, 1)
            switch_step_through_event_loop(qtbot, window, 2)
            used_while_running = not finished.signal_triggered
        target.confirm()
        if case.waits_for_timeout:
            # Both clicks were handled while the login waited for its timeout.
            assert used_while_running

    result = finished.args[0]
    assert isinstance(result, LoginResult)
    entry = CATALOG[case.code]

    # The diagnosis names the fault, in sentences.
    cards = page.result_view.diagnosis.cards
    shown_codes = [card.finding.code for card in cards]
    assert shown_codes[:1] == [case.code], shown_codes
    assert page.result_view.banner_plain_text().endswith(entry.title)
    first = card_text(cards[0])
    assert entry.title in first
    assert f"Fix: {entry.fix}" in first
    assert missing_words(case, target, first) == []
    for card in cards:
        assert unreadable_parts(card_text(card)) == [], card_text(card)
    assert page.state() is StepState.ERROR

    # The window is ready for what the user does next.
    assert not page.is_running()
    assert page.test_button.isEnabled()
    assert not page.cancel_button.isEnabled()
    click_profile(qtbot, window, "Other")
    assert window.session.profile is not None
    assert window.session.profile.name == "Other"
    click_profile(qtbot, window, "Fault")
    assert window.session.profile.name == "Fault"
    assert page.history_view.row_count() == 1
    assert page.history_view.row_texts(0)[2].startswith(case.code)

    # Nothing was written to either profile.
    window.session.flush()
    assert profile_files() == saved_files


def test_a_huge_answer_shows_its_start_in_the_response_tab(
    qtbot: Any,
    demo: Any,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    open_window: Callable[[], MainWindow],
) -> None:
    # Qt needs seconds to lay out a MiB of text (minutes for one long line),
    # with the window frozen meanwhile: the tab shows the answer's start.
    [case] = [case for case in FAULTS if case.name == "body_64_mib"]

    with staged_in_test(case, demo, tmp_path, monkeypatch) as target:
        ProfileStore().save(fault_profile(demo, target))
        window = open_window()
        page = open_test_page(qtbot, window)
        with qtbot.waitSignal(page.test_finished, timeout=WAIT_MS) as finished:
            qtbot.mouseClick(page.test_button, Qt.MouseButton.LeftButton)

    result = finished.args[0]
    assert isinstance(result, LoginResult)
    assert result.token_request is not None
    received = result.token_request.body
    response = page.result_view.response_view
    page.result_view.tabs.setCurrentWidget(response)
    shown = response.body_view.toPlainText()
    assert 0 < len(shown) <= SHOWN_BODY_BYTES
    assert received.decode().startswith(shown)
    status = response.status_label.text()
    assert f"first {SHOWN_BODY_BYTES // 1024} KiB" in status
    assert f"{len(received) // 1024} KiB" in status

    # Its one long line scrolls sideways (wrapping it costs Qt far more); the
    # next, ordinary answer is wrapped again.
    assert response.body_view.lineWrapMode() is QPlainTextEdit.LineWrapMode.NoWrap
    window.session.update(login_url=demo.base_url)
    with qtbot.waitSignal(page.test_finished, timeout=WAIT_MS) as finished:
        qtbot.mouseClick(page.test_button, Qt.MouseButton.LeftButton)
    assert finished.args[0].ok
    assert '"instance_url"' in response.body_view.toPlainText()
    wrapping = QPlainTextEdit.LineWrapMode.WidgetWidth
    assert response.body_view.lineWrapMode() is wrapping
    assert "Showing the first" not in response.status_label.text()
