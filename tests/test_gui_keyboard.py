"""The real window from the keyboard alone, step by step, on the demo profile.

Each step is held to these rules in every view a user can bring up: as first
shown, then with its fold-outs open and each tab of its tab widgets in turn.

- A control is a widget Tab can reach: shown, enabled, its focus policy takes
  Tab, and without a focus proxy (the proxy is the control: a tab widget hands
  the focus to its tab bar, a spin box's line edit to the spin box).
- Every control has a non-empty accessibleName() of its own. A buddy label
  does not count: Qt names a field after a buddy label only when both have the
  same parent, which a field inside a row widget of its own (a passphrase
  field beside its Show button) does not, so one rule without exceptions holds.
- The mnemonics on screen at the same time are all different: the &-letters
  of buttons and check boxes, of labels with a buddy, of tabs, of group boxes
  and of the menu bar's menus, enabled or not (a disabled button keeps its
  letter and gets it back when enabled). A letter claimed twice only moves the
  focus back and forth between its owners.
- Tab, pressed again and again from the step's first control, moves on at
  each press, brings each control into view, reaches every control of the
  window (the step's main button among them) and comes back to where it began.
  From a tab bar it goes on to the shown tab's first control. It never stops
  on a frameless scroll area, which has nothing to show the focus with.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from cryptography import x509
from cryptography.hazmat.primitives.asymmetric import rsa
from gui_windows import LOGIN_WAIT_MS, open_real_windows
from PySide6.QtCore import QSize, Qt
from PySide6.QtGui import QKeySequence
from PySide6.QtWidgets import (
    QAbstractButton,
    QAbstractScrollArea,
    QApplication,
    QFrame,
    QGroupBox,
    QLabel,
    QLineEdit,
    QPushButton,
    QTabBar,
    QTabWidget,
    QToolButton,
    QWidget,
)

from sfjwt_gui.engine.keys import certificate_pem, private_key_pem
from sfjwt_gui.gui.mainwindow import MainWindow
from sfjwt_gui.gui.page_app import AppPage
from sfjwt_gui.gui.page_keys import KeysPage
from sfjwt_gui.gui.page_test import TestPage
from sfjwt_gui.gui.widgets import StepState

KeyPair = tuple[rsa.RSAPrivateKey, x509.Certificate]
# Smaller than the pages: bringing each control into view is part of Tab's job.
WINDOW_SIZE = QSize(760, 460)
# Far more presses than any step has controls: a Tab chain that never closes.
MAX_TAB_PRESSES = 200
STEP_KEYS = (Qt.Key.Key_1, Qt.Key.Key_2, Qt.Key.Key_3)


@pytest.fixture
def open_window(qtbot: Any) -> Iterator[Callable[[], MainWindow]]:
    yield from open_real_windows(qtbot)


@pytest.fixture
def window(qtbot: Any, open_window: Callable[[], MainWindow]) -> MainWindow:
    """The demo profile, opened with Enter on the welcome page; all steps built."""
    window = open_window()
    window.resize(WINDOW_SIZE)
    qtbot.waitUntil(lambda: QApplication.focusWidget() is window.welcome.demo_button)
    press(qtbot, window.welcome.demo_button, Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: window.steps is not None, timeout=LOGIN_WAIT_MS)
    assert window.steps is not None
    for index in range(3):
        window.steps.page(index)
    return window


def press(
    qtbot: Any,
    widget: QWidget,
    key: Qt.Key,
    modifier: Qt.KeyboardModifier = Qt.KeyboardModifier.NoModifier,
) -> None:
    """A key press, then a turn of the event loop as between a user's presses.

    Layouts asked for by the press (a step or tab shown, a row unfolded) are
    done in that turn, as they are before a user's next press.
    """
    qtbot.keyClick(widget, key, modifier)
    QApplication.processEvents()


def describe(widget: QWidget | None) -> str:
    if widget is None:
        return "nothing"
    return f"{type(widget).__name__} {widget.accessibleName()!r}"


def is_control(widget: QWidget) -> bool:
    tab_focus = Qt.FocusPolicy.TabFocus
    return (
        widget.isVisible()
        and widget.isEnabled()
        and widget.focusProxy() is None
        and (widget.focusPolicy() & tab_focus) == tab_focus
    )


def controls(window: QWidget) -> list[QWidget]:
    return [widget for widget in window.findChildren(QWidget) if is_control(widget)]


def mnemonic_owners(window: MainWindow) -> dict[str, list[str]]:
    """Each Alt+letter on screen, with what shows it."""
    owners: dict[str, list[str]] = {}

    def claim(text: str, owner: str) -> None:
        key = QKeySequence.mnemonic(text)
        if not key.isEmpty():
            owners.setdefault(key.toString(), []).append(f"{owner} {text!r}")

    for action in window.menuBar().actions():
        if action.isVisible():
            claim(action.text(), "menu")
    for widget in window.findChildren(QWidget):
        if not widget.isVisible():
            continue
        if isinstance(widget, QAbstractButton):
            claim(widget.text(), type(widget).__name__)
        elif isinstance(widget, QLabel) and widget.buddy() is not None:
            claim(widget.text(), "label")
        elif isinstance(widget, QGroupBox):
            claim(widget.title(), "group box")
        elif isinstance(widget, QTabBar):
            for index in range(widget.count()):
                if widget.isTabVisible(index):
                    claim(widget.tabText(index), "tab")
    return owners


def show_step(qtbot: Any, window: MainWindow, index: int) -> QWidget:
    """Ctrl+1, 2 or 3, as a user goes to a step; the step's page."""
    focus = QApplication.focusWidget()
    assert focus is not None
    press(qtbot, focus, STEP_KEYS[index], Qt.KeyboardModifier.ControlModifier)
    assert window.steps is not None
    assert window.steps.current_index() == index
    return window.steps.page(index)


def first_control(qtbot: Any, page: QWidget) -> QWidget:
    """Where Tab goes from the page itself (Ctrl+number leaves the focus there)."""
    page.setFocus(Qt.FocusReason.ShortcutFocusReason)
    press(qtbot, page, Qt.Key.Key_Tab)
    focus = QApplication.focusWidget()
    assert focus is not None
    assert page.isAncestorOf(focus), describe(focus)
    return focus


def hides_focus(widget: QWidget) -> bool:
    """A scroll area without a frame: it has nothing to draw its focus with."""
    return (
        isinstance(widget, QAbstractScrollArea)
        and widget.frameShape() == QFrame.Shape.NoFrame
    )


def walk_with_tab(qtbot: Any, start: QWidget) -> list[QWidget]:
    """Press Tab from ``start`` until the focus comes back; the controls met."""
    start.setFocus(Qt.FocusReason.TabFocusReason)
    met = [start]
    for _press in range(MAX_TAB_PRESSES):
        before = QApplication.focusWidget()
        assert before is not None
        press(qtbot, before, Qt.Key.Key_Tab)
        focus = QApplication.focusWidget()
        assert focus is not before, f"Tab stays in {describe(before)}"
        assert focus is not None, f"Tab from {describe(before)} lost the focus"
        if focus is start:
            return met
        assert focus not in met, f"Tab went back to {describe(focus)} too early"
        assert not focus.visibleRegion().isEmpty(), f"{describe(focus)} out of view"
        assert not hides_focus(focus), f"Tab stops on {describe(focus)}, unseen"
        met.append(focus)
    pytest.fail(f"Tab never came back to {describe(start)}")


def open_fold_outs(qtbot: Any, page: QWidget) -> None:
    """Click each shown fold-out button (a checkable one with an arrow) open."""
    for button in page.findChildren(QToolButton):
        folds = button.isCheckable() and button.arrowType() != Qt.ArrowType.NoArrow
        if folds and button.isVisible() and not button.isChecked():
            qtbot.mouseClick(button, Qt.MouseButton.LeftButton)
            assert button.isChecked()
    # What they show is laid out on the next turn of the event loop, as it is
    # before a user's next key press.
    QApplication.processEvents()


def views(qtbot: Any, page: QWidget) -> Iterator[str]:
    """Bring up each view of ``page`` in turn; the view's name, for messages."""
    yield "as first shown"

    open_fold_outs(qtbot, page)
    yield "with the fold-outs open"

    for tabs in page.findChildren(QTabWidget):
        if not tabs.isVisible():
            continue
        shown = tabs.currentIndex()
        for index in range(tabs.count()):
            tabs.setCurrentIndex(index)
            open_fold_outs(qtbot, page)
            yield f"on the tab {tabs.tabText(index)!r}, fold-outs open"
        tabs.setCurrentIndex(shown)


def check_view(qtbot: Any, window: MainWindow, page: QWidget, view: str) -> None:
    """Names, mnemonics and the Tab chain of what the window shows now."""
    # Work under way (a key check, a login) may still show or enable controls.
    qtbot.waitUntil(lambda: not window.tasks.busy, timeout=LOGIN_WAIT_MS)
    shown = controls(window)
    unnamed = [describe(w) for w in shown if not w.accessibleName().strip()]
    assert unnamed == [], f"Controls without a name {view}"

    owners = mnemonic_owners(window)
    clashes = {key: who for key, who in owners.items() if len(who) > 1}
    assert clashes == {}, f"Mnemonics claimed twice {view}"

    met = walk_with_tab(qtbot, first_control(qtbot, page))
    missed = [describe(w) for w in shown if w not in met]
    assert missed == [], f"Controls Tab does not reach {view}"

    for tabs in window.findChildren(QTabWidget):
        current = tabs.currentWidget()
        inside = [w for w in met if current is not None and current.isAncestorOf(w)]
        if tabs.isVisible() and inside:
            after_bar = met[(met.index(tabs.tabBar()) + 1) % len(met)]
            assert after_bar is inside[0], f"Tab from {describe(tabs)}'s tabs {view}"


def check_step(qtbot: Any, window: MainWindow, page: QWidget) -> None:
    for view in views(qtbot, page):
        check_view(qtbot, window, page, view)


def reached_by_tab(qtbot: Any, page: QWidget, button: QPushButton) -> bool:
    return button in walk_with_tab(qtbot, first_control(qtbot, page))


def paste(qtbot: Any, edit: QLineEdit, text: str) -> None:
    QApplication.clipboard().setText(text)
    edit.setFocus(Qt.FocusReason.TabFocusReason)
    press(qtbot, edit, Qt.Key.Key_V, Qt.KeyboardModifier.ControlModifier)
    assert edit.text() == text


def write_encrypted_pair(folder: Path, pair: KeyPair) -> tuple[Path, Path]:
    key, cert = pair
    folder.mkdir(parents=True, exist_ok=True)
    key_path, cert_path = folder / "locked.key", folder / "locked.crt"
    key_path.write_bytes(private_key_pem(key, b"keyboard only"))
    cert_path.write_bytes(certificate_pem(cert))
    return key_path, cert_path


def test_step_1_works_from_the_keyboard_and_enter_generates_the_key(
    qtbot: Any, window: MainWindow
) -> None:
    page = show_step(qtbot, window, 0)
    assert isinstance(page, KeysPage)
    generate = page.generate_panel.generate_button
    assert reached_by_tab(qtbot, page, generate)

    check_step(qtbot, window, page)

    generate.setFocus(Qt.FocusReason.TabFocusReason)
    press(qtbot, generate, Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: page.state() is StepState.DONE, timeout=LOGIN_WAIT_MS)
    check_step(qtbot, window, page)


def test_step_1_with_a_locked_key_works_from_the_keyboard(
    qtbot: Any, window: MainWindow, key_pair: KeyPair, tmp_path: Path
) -> None:
    page = show_step(qtbot, window, 0)
    assert isinstance(page, KeysPage)
    key_path, cert_path = write_encrypted_pair(tmp_path / "keys", key_pair)
    page.tabs.setCurrentWidget(page.files_panel)
    paste(qtbot, page.files_panel.key_edit, str(key_path))
    paste(qtbot, page.files_panel.cert_edit, str(cert_path))
    qtbot.waitUntil(page.unlock_row.isVisible, timeout=LOGIN_WAIT_MS)
    assert page.keychain_box.isVisible()
    # Whether a keychain exists decides if its check box can be ticked.
    qtbot.waitUntil(
        lambda: window.session.keychain_status is not None, timeout=LOGIN_WAIT_MS
    )

    check_step(qtbot, window, page)


def test_step_1_scrolls_with_page_down_from_a_control(
    qtbot: Any, window: MainWindow
) -> None:
    page = show_step(qtbot, window, 0)
    assert isinstance(page, KeysPage)
    checklist_end = page.checklist.boxes["waited"]
    assert checklist_end.visibleRegion().isEmpty()  # the window is too small

    start = first_control(qtbot, page)
    for _press in range(5):
        press(qtbot, start, Qt.Key.Key_PageDown)

    assert start.hasFocus()
    assert not checklist_end.visibleRegion().isEmpty()


def test_step_2_works_from_the_keyboard(qtbot: Any, window: MainWindow) -> None:
    page = show_step(qtbot, window, 1)
    assert isinstance(page, AppPage)

    check_step(qtbot, window, page)


def test_step_3_works_from_the_keyboard_and_enter_tests_the_login(
    qtbot: Any, window: MainWindow, key_pair: KeyPair, tmp_path: Path
) -> None:
    key, cert = key_pair
    key_path, cert_path = tmp_path / "demo.key", tmp_path / "demo.crt"
    key_path.write_bytes(private_key_pem(key))
    cert_path.write_bytes(certificate_pem(cert))
    window.session.update(key_path=str(key_path), cert_path=str(cert_path))
    page = show_step(qtbot, window, 2)
    assert isinstance(page, TestPage)
    assert reached_by_tab(qtbot, page, page.test_button)

    check_step(qtbot, window, page)

    page.test_button.setFocus(Qt.FocusReason.TabFocusReason)
    with qtbot.waitSignal(page.test_finished, timeout=LOGIN_WAIT_MS) as finished:
        press(qtbot, page.test_button, Qt.Key.Key_Return)
    assert finished.args[0].ok
    check_step(qtbot, window, page)
