"""Tools > Check connection and the proxy field of step 2, driven as a user would."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from gui_stand_ins import make_window
from loopback_servers import LoopbackServer, closed_port, never_respond
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QAbstractButton, QApplication, QLineEdit, QTreeWidgetItem

from sfjwt_gui.demo.rest import API_VERSIONS
from sfjwt_gui.engine.history import HistoryStore
from sfjwt_gui.engine.profiles import Profile, ProfileStore
from sfjwt_gui.gui.page_app import AppPage
from sfjwt_gui.gui.session import ProfileSession
from sfjwt_gui.gui.tasks import TaskRunner
from sfjwt_gui.gui.tools_connect import ConnectDialog

pytestmark = pytest.mark.gui

WAIT_MS = 15_000


@pytest.fixture(autouse=True)
def no_trust_from_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in ("REQUESTS_CA_BUNDLE", "CURL_CA_BUNDLE", "SSL_CERT_FILE"):
        monkeypatch.delenv(name, raising=False)


@pytest.fixture
def session() -> Iterator[ProfileSession]:
    session = ProfileSession(ProfileStore(), HistoryStore())
    yield session
    session.flush()


def select_profile(session: ProfileSession, **fields: Any) -> None:
    ProfileStore().save(Profile(name="Acme", **fields))
    session.select("Acme")


@pytest.fixture
def dialog(qtbot: Any, session: ProfileSession) -> ConnectDialog:
    dialog = ConnectDialog(TaskRunner(), session)
    qtbot.addWidget(dialog)
    return dialog


def click(qtbot: Any, button: QAbstractButton) -> None:
    qtbot.mouseClick(button, Qt.MouseButton.LeftButton)


def retype(qtbot: Any, edit: QLineEdit, text: str) -> None:
    edit.setFocus()
    edit.selectAll()
    qtbot.keyClick(edit, Qt.Key.Key_Delete)
    qtbot.keyClicks(edit, text)


def rows(dialog: ConnectDialog) -> list[tuple[str, str]]:
    tree = dialog.tree
    items = [tree.topLevelItem(i) for i in range(tree.topLevelItemCount())]
    return [(item.text(0), item.text(1)) for item in items if item is not None]


def children(item: QTreeWidgetItem) -> dict[str, str]:
    found = [item.child(i) for i in range(item.childCount())]
    return {child.text(0): child.text(3) for child in found if child is not None}


def test_the_check_runs_on_the_profile_and_shows_each_step(
    qtbot: Any, dialog: ConnectDialog, session: ProfileSession, demo: Any
) -> None:
    select_profile(session, login_url=demo.base_url, proxy="direct")
    dialog.show()

    assert dialog.login_url_edit.text() == demo.base_url
    assert dialog.proxy_edit.text() == "direct"
    assert dialog.check_button.isDefault()
    click(qtbot, dialog.check_button)
    qtbot.waitUntil(
        lambda: dialog.summary_label.text().startswith("Reachable"), timeout=WAIT_MS
    )

    assert rows(dialog) == [
        ("Resolve 127.0.0.1", "ok"),
        (f"Connect to 127.0.0.1:{demo.base_url.rsplit(':', 1)[1]}", "ok"),
        ("TLS handshake", "skipped"),
        ("GET /services/data/", "ok"),
    ]
    last = dialog.tree.topLevelItem(3)
    assert last is not None
    assert f"{len(API_VERSIONS)} API versions" in last.text(3)
    assert last.text(2).endswith(" ms")
    assert dialog.check_button.isEnabled()
    assert not dialog.cancel_button.isEnabled()
    click(qtbot, dialog.copy_button)
    copied = QApplication.clipboard().text()
    assert copied.startswith(f"Connectivity check of {demo.base_url}/services/data/")
    assert copied.endswith("Result: reachable.")


def test_steps_appear_while_the_check_runs_and_cancel_stops_it(
    qtbot: Any, dialog: ConnectDialog
) -> None:
    dialog.show()
    with LoopbackServer(never_respond()) as silent:
        retype(qtbot, dialog.login_url_edit, silent.base_url)
        click(qtbot, dialog.check_button)

        # Resolve, connect and the skipped handshake are shown while the GET waits.
        qtbot.waitUntil(lambda: len(rows(dialog)) == 3, timeout=WAIT_MS)
        assert dialog.cancel_button.isEnabled()
        assert not dialog.check_button.isEnabled()
        silent.wait_for_requests(1)
        click(qtbot, dialog.cancel_button)

        assert dialog.summary_label.text().startswith("Cancelled")
        assert dialog.check_button.isEnabled()
        assert not dialog.cancel_button.isEnabled()
        assert len(rows(dialog)) == 3


def test_a_failed_step_is_shown_with_its_fix(qtbot: Any, dialog: ConnectDialog) -> None:
    port = closed_port()
    dialog.show()
    retype(qtbot, dialog.login_url_edit, f"http://127.0.0.1:{port}")
    qtbot.keyClick(dialog.login_url_edit, Qt.Key.Key_Return)  # the default button

    qtbot.waitUntil(
        lambda: dialog.summary_label.text().startswith("Not reachable"),
        timeout=WAIT_MS,
    )
    assert rows(dialog) == [
        ("Resolve 127.0.0.1", "ok"),
        (f"Connect to 127.0.0.1:{port}", "failed"),
    ]
    failed = dialog.tree.topLevelItem(1)
    assert failed is not None
    assert failed.isExpanded()
    assert "connection refused" in failed.text(3)
    assert "check the port" in children(failed)["Fix"]


def test_unusable_fields_are_flagged_and_nothing_runs(
    qtbot: Any, dialog: ConnectDialog
) -> None:
    dialog.show()
    retype(qtbot, dialog.login_url_edit, "https://login.salesforce.com")
    retype(qtbot, dialog.proxy_edit, "http://ops:hunter2hunter2@proxy:3128")
    click(qtbot, dialog.check_button)

    assert dialog.proxy_note.isVisible()
    assert "The proxy address holds a password" in dialog.proxy_note.text()
    assert "hunter2hunter2" not in dialog.proxy_note.text()
    assert not dialog.login_url_note.isVisible()
    assert rows(dialog) == []
    assert dialog.check_button.isEnabled()


def test_the_tools_menu_opens_the_dialog_on_the_selected_profile(
    qtbot: Any,
) -> None:
    ProfileStore().save(
        Profile(name="Corp", login_url="https://corp.my.salesforce.com")
    )
    window = make_window(qtbot)
    window.session.select("Corp")

    window.menus.connect_action.trigger()

    dialog = window.menus.open_dialog("connect")
    assert isinstance(dialog, ConnectDialog)
    assert dialog.isVisible()
    assert dialog.login_url_edit.text() == "https://corp.my.salesforce.com"
    dialog.close()


def test_step_2_takes_the_proxy_and_never_stores_a_password(
    qtbot: Any, session: ProfileSession
) -> None:
    select_profile(session, proxy="http://old-proxy:8080")
    page = AppPage(session, TaskRunner(), None)
    qtbot.addWidget(page)
    page.show()
    click(qtbot, page.advanced.toggle_button)
    edit = page.advanced.proxy_edit

    retype(qtbot, edit, "http://ops:hunter2hunter2@proxy:3128")
    assert page.advanced.proxy_note.isVisible()
    assert "holds a password" in page.advanced.proxy_note.text()
    assert "hunter2hunter2" not in page.advanced.proxy_note.text()
    session.flush()
    # Not even "http://ops:hunter2hunter2", typed on the way to the "@".
    assert ProfileStore().get("Acme").proxy == "http://old-proxy:8080"

    with qtbot.waitSignal(session.saved, timeout=WAIT_MS):
        retype(qtbot, edit, "direct")
    assert not page.advanced.proxy_note.isVisible()
    assert ProfileStore().get("Acme").proxy == "direct"
