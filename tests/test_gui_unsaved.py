"""Quitting with edits the disk refused: the window asks before they are lost."""

from __future__ import annotations

import errno
import os

import pytest
from gui_stand_ins import WAIT_MS, make_window
from pytestqt.qtbot import QtBot

from sfjwt_gui.engine.profiles import Profile, ProfileStore
from sfjwt_gui.gui import sidebar_actions
from sfjwt_gui.gui.mainwindow import MainWindow


def refuse_writes(monkeypatch: pytest.MonkeyPatch) -> None:
    """Make every profile save fail as on a read-only disk (root ignores chmod)."""

    def read_only(*_args: object) -> None:
        raise OSError(errno.EROFS, os.strerror(errno.EROFS))

    monkeypatch.setattr("sfjwt_gui.engine.atomic.os.replace", read_only)


def answer_quit_question(monkeypatch: pytest.MonkeyPatch, answer: bool) -> list[str]:
    asked: list[str] = []

    def confirm(_parent: object, text: str) -> bool:
        asked.append(text)
        return answer

    monkeypatch.setattr(sidebar_actions, "confirm", confirm)
    return asked


def window_with_a_refused_edit(qtbot: QtBot, patch: pytest.MonkeyPatch) -> MainWindow:
    """A window on profile Acme whose client id edit the disk refused."""
    ProfileStore().save(Profile(name="Acme", client_id="3MVG9old"))
    window = make_window(qtbot)
    qtbot.waitUntil(lambda: window.session.profile is not None, timeout=WAIT_MS)
    refuse_writes(patch)
    with qtbot.waitSignal(window.session.save_failed, timeout=WAIT_MS):
        window.session.update(client_id="3MVG9new")
    return window


def test_quitting_with_a_refused_edit_asks_and_no_keeps_the_window_open(
    qtbot: QtBot, monkeypatch: pytest.MonkeyPatch
) -> None:
    with monkeypatch.context() as patch:
        window = window_with_a_refused_edit(qtbot, patch)
        asked = answer_quit_question(patch, answer=False)
        assert not window.close()
        assert window.isVisible()
        assert len(asked) == 1
        assert "Not saved" in asked[0]
        assert "read-only" in asked[0]

    # The disk takes writes again; closing now saves the edit without asking.
    asked = answer_quit_question(monkeypatch, answer=False)
    assert window.close()
    assert asked == []
    assert ProfileStore().get("Acme").client_id == "3MVG9new"


def test_yes_quits_and_only_the_refused_edit_is_lost(
    qtbot: QtBot, monkeypatch: pytest.MonkeyPatch
) -> None:
    with monkeypatch.context() as patch:
        window = window_with_a_refused_edit(qtbot, patch)
        asked = answer_quit_question(patch, answer=True)
        assert window.close()

    assert len(asked) == 1
    assert ProfileStore().get("Acme").client_id == "3MVG9old"
