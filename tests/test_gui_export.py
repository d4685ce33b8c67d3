"""Step 3's Export button: every format copied or saved from a real test result."""

from __future__ import annotations

import json
import os
import stat
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from gui_windows import run_test_and_wait, session_on, show_test_page
from PySide6.QtGui import QGuiApplication
from PySide6.QtWidgets import QWidget

from sfjwt_gui.engine.profiles import Profile, ProfileStore
from sfjwt_gui.gui.export_menu import ENTRIES, ExportButton, SaveExportDialog
from sfjwt_gui.gui.page_test import TestPage
from sfjwt_gui.gui.session import ProfileSession

WAIT_MS = 20_000


@pytest.fixture
def session(demo: Any) -> Iterator[ProfileSession]:
    store = ProfileStore()
    tested = Profile(
        name="Demo",
        login_url=demo.base_url,
        client_id=demo.client_id,
        username=demo.username,
        key_path=str(demo.key_path),
        cert_path=str(demo.cert_path),
        timeout_s=5.0,
    )
    store.save(tested)
    store.save(Profile(**{**tested.to_dict(), "name": "No app", "client_id": ""}))
    yield from session_on(store, "Demo")


@pytest.fixture
def page(qtbot: Any, session: ProfileSession) -> TestPage:
    return show_test_page(qtbot, session)


def trigger(qtbot: Any, button: ExportButton, entry: str, action: str) -> str:
    """Choose Export > entry > action as a user would; the status line it shows."""
    with qtbot.waitSignal(button.status_message, timeout=WAIT_MS) as shown:
        button.action(entry, action).trigger()
    return str(shown.args[0])


def answer_save_dialog(monkeypatch: pytest.MonkeyPatch, path: Path | None) -> list[str]:
    titles: list[str] = []

    def ask(
        _cls: type[SaveExportDialog], _parent: QWidget | None, title: str, _s: Path
    ) -> Path | None:
        titles.append(title)
        return path

    monkeypatch.setattr(SaveExportDialog, "ask", classmethod(ask))
    return titles


def test_export_waits_for_a_result_then_offers_every_format(
    qtbot: Any, page: TestPage
) -> None:
    button = page.export_button
    assert not button.isEnabled()
    assert button.accessibleName() == "Export the test result"

    run_test_and_wait(qtbot, page)

    assert button.isEnabled()
    labels = [action.text() for action in button.menu().actions() if action.menu()]
    assert len(labels) == len(ENTRIES)
    assert "Salesforce CLI (sf org login jwt)" in labels
    assert "curl with the tested assertion (a secret)" in labels
    assert "Support report (Markdown)" in labels
    assert all(submenu.isEnabled() for submenu in button.submenus.values())


def test_copy_puts_a_working_snippet_on_the_clipboard(
    qtbot: Any, page: TestPage, demo: Any
) -> None:
    run_test_and_wait(qtbot, page)

    status = trigger(qtbot, page.export_button, "python", "copy")

    text = QGuiApplication.clipboard().text()
    assert status == "Python (requests + PyJWT): copied to the clipboard"
    assert f'KEY_FILE = Path("{demo.key_path}")' in text
    assert f'TOKEN_URL = "{demo.base_url}/services/oauth2/token"' in text


def test_saved_report_holds_the_test_and_the_qt_version_but_no_token(
    qtbot: Any, page: TestPage, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    result = run_test_and_wait(qtbot, page)
    assert result.token is not None
    target = tmp_path / "report.json"
    titles = answer_save_dialog(monkeypatch, target)

    status = trigger(qtbot, page.export_button, "report-json", "save")

    assert titles == ["Save Support report (JSON)"]
    assert status == "Saved report.json"
    report = json.loads(target.read_text())
    assert report["inputs"]["profile"] == "Demo"
    assert report["result"]["ok"] is True
    assert report["environment"]["Qt"].startswith("Qt 6.")
    assert result.token.access_token not in target.read_text()
    assert result.assertion.rpartition(".")[2] not in target.read_text()


def test_curl_with_the_assertion_says_it_is_secret_and_saves_privately(
    qtbot: Any, page: TestPage, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    result = run_test_and_wait(qtbot, page)
    submenu = page.export_button.submenus["curl-assertion"]
    assert "anyone with it can log in until" in submenu.menuAction().toolTip()
    target = tmp_path / "curl.sh"
    answer_save_dialog(monkeypatch, target)

    status = trigger(qtbot, page.export_button, "curl-assertion", "save")

    assert "readable by you only" in status
    assert result.assertion in target.read_text()
    if os.name == "posix":
        assert stat.S_IMODE(target.stat().st_mode) == 0o600


def test_a_cancelled_save_writes_nothing(
    qtbot: Any, page: TestPage, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    run_test_and_wait(qtbot, page)
    titles = answer_save_dialog(monkeypatch, None)

    with qtbot.assertNotEmitted(page.export_button.status_message):
        page.export_button.action("go", "save").trigger()

    assert titles == ["Save Go (golang-jwt v5)"]
    assert list(tmp_path.glob("*.go")) == []


def test_code_exports_say_why_they_are_off_when_the_app_is_missing(
    qtbot: Any, page: TestPage, session: ProfileSession
) -> None:
    session.select("No app")

    result = run_test_and_wait(qtbot, page)

    assert not result.sent
    submenus = page.export_button.submenus
    assert not submenus["python"].isEnabled()
    assert "consumer key" in submenus["python"].menuAction().toolTip()
    assert not submenus["curl-assertion"].isEnabled()
    assert submenus["report-md"].isEnabled()


def test_choosing_another_profile_clears_the_export(
    qtbot: Any, page: TestPage, session: ProfileSession
) -> None:
    run_test_and_wait(qtbot, page)
    assert page.export_button.isEnabled()

    session.select("No app")

    assert not page.export_button.isEnabled()
