"""Step 2 as a user meets it: every keystroke saved, every field checked on the spot."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from PySide6.QtCore import QPoint, Qt
from PySide6.QtWidgets import QCheckBox, QLabel, QLineEdit

from sfjwt_gui.engine.catalog import CATALOG
from sfjwt_gui.engine.history import HistoryStore
from sfjwt_gui.engine.profiles import Profile, ProfileStore
from sfjwt_gui.gui.page_app import AppPage
from sfjwt_gui.gui.session import ProfileSession
from sfjwt_gui.gui.tasks import TaskRunner
from sfjwt_gui.gui.widgets import StepState

WAIT_MS = 5_000
CONSUMER_KEY = "3MVG9" + "A" * 80


@pytest.fixture
def store() -> ProfileStore:
    store = ProfileStore()
    store.save(Profile(name="Acme"))
    store.save(
        Profile(
            name="Ready",
            login_url="https://login.salesforce.com",
            client_id=CONSUMER_KEY,
            username="api@acme.com",
        )
    )
    return store


@pytest.fixture
def session(store: ProfileStore) -> Iterator[ProfileSession]:
    session = ProfileSession(store, HistoryStore())
    session.select("Acme")
    yield session
    session.flush()


@pytest.fixture
def page(qtbot: Any, session: ProfileSession) -> AppPage:
    page = AppPage(session, TaskRunner(), None)
    qtbot.addWidget(page)
    page.show()
    return page


def type_saved(qtbot: Any, session: ProfileSession, edit: QLineEdit, text: str) -> None:
    """Type as a user does and wait until the profile is on disk."""
    with qtbot.waitSignal(session.saved, timeout=WAIT_MS):
        edit.setFocus()
        edit.selectAll()
        qtbot.keyClicks(edit, text)


def tick(qtbot: Any, box: QCheckBox) -> None:
    middle = box.height() // 2
    qtbot.mouseClick(box, Qt.MouseButton.LeftButton, pos=QPoint(middle, middle))


def test_a_new_profile_shows_an_empty_form_without_complaints(page: AppPage) -> None:
    assert page.state() is StepState.NONE
    assert not page.client_id_note.isVisible()
    assert not page.login_url_note.isVisible()


def test_consumer_key_is_saved_as_typed_and_checked(
    qtbot: Any, page: AppPage, session: ProfileSession, store: ProfileStore
) -> None:
    type_saved(qtbot, session, page.client_id_edit, "3MVG9short")

    assert store.get("Acme").client_id == "3MVG9short"
    assert CATALOG["client_id_format"].title in page.client_id_note.text()
    assert "only 10 characters" in page.client_id_note.text()
    assert CATALOG["username_missing"].title in page.username_note.text()
    assert page.state() is StepState.ERROR

    type_saved(qtbot, session, page.client_id_edit, CONSUMER_KEY)

    assert store.get("Acme").client_id == CONSUMER_KEY
    assert not page.client_id_note.isVisible()


def test_lightning_url_is_kept_and_points_to_the_my_domain(
    qtbot: Any, page: AppPage, session: ProfileSession, store: ProfileStore
) -> None:
    type_saved(qtbot, session, page.login_url_edit, "https://acme.lightning.force.com")

    assert store.get("Acme").login_url == "https://acme.lightning.force.com"
    assert "https://acme.my.salesforce.com" in page.login_url_note.text()
    assert page.audience.value.text() == "-"
    assert page.state() is StepState.ERROR


def test_plain_http_to_another_computer_is_flagged_insecure(
    qtbot: Any, page: AppPage, session: ProfileSession
) -> None:
    type_saved(qtbot, session, page.login_url_edit, "http://login.salesforce.com")

    assert CATALOG["login_url_insecure"].title in page.login_url_note.text()


def test_sandbox_audience_on_production_is_a_mismatch(
    qtbot: Any, page: AppPage, session: ProfileSession, store: ProfileStore
) -> None:
    session.select("Ready")
    assert page.audience.value.text() == "https://login.salesforce.com"
    assert page.state() is StepState.DONE

    tick(qtbot, page.audience.override_check)
    assert page.audience.edit.isEnabled()
    type_saved(qtbot, session, page.audience.edit, "https://test.salesforce.com")

    assert store.get("Ready").audience == "https://test.salesforce.com"
    assert CATALOG["audience_mismatch"].title in page.audience.note.text()
    assert page.audience.value.text() == "https://test.salesforce.com"
    assert page.audience.reason.text().startswith("Set by you")
    assert page.state() is StepState.WARNING

    with qtbot.waitSignal(session.saved, timeout=WAIT_MS):
        tick(qtbot, page.audience.override_check)
    assert store.get("Ready").audience == ""
    assert not page.audience.note.isVisible()


def test_picking_the_sandbox_preset_puts_its_url_in_the_field(
    qtbot: Any, page: AppPage, session: ProfileSession, store: ProfileStore
) -> None:
    combo = page.login_url_combo
    sandbox = combo.findData("https://test.salesforce.com")

    with qtbot.waitSignal(session.saved, timeout=WAIT_MS):
        combo.setCurrentIndex(sandbox)
        combo.activated.emit(sandbox)  # what choosing it in the list sends

    assert combo.currentText() == "https://test.salesforce.com"
    assert store.get("Acme").login_url == "https://test.salesforce.com"
    assert page.login_url_kind.text() == "Sandbox login host."
    assert page.audience.value.text() == "https://test.salesforce.com"


def test_sandbox_username_on_production_is_warned_about(
    qtbot: Any, page: AppPage, session: ProfileSession
) -> None:
    session.select("Ready")

    type_saved(qtbot, session, page.username_edit, "api@acme.com.uat")

    assert CATALOG["sandbox_user_on_production"].title in page.username_note.text()
    assert page.state() is StepState.WARNING


def test_invalid_values_survive_switching_profiles(
    qtbot: Any, page: AppPage, session: ProfileSession, store: ProfileStore
) -> None:
    type_saved(qtbot, session, page.username_edit, "not a username")
    type_saved(qtbot, session, page.login_url_edit, "mailto:someone")

    session.select("Ready")
    assert page.username_edit.text() == "api@acme.com"
    assert not page.username_note.isVisible()
    session.select("Acme")

    assert page.username_edit.text() == "not a username"
    assert page.login_url_combo.currentText() == "mailto:someone"
    assert CATALOG["username_format"].title in page.username_note.text()
    assert CATALOG["login_url_invalid"].title in page.login_url_note.text()
    saved = store.get("Acme")
    assert (saved.username, saved.login_url) == ("not a username", "mailto:someone")


def test_a_change_made_elsewhere_shows_in_the_form(
    page: AppPage, session: ProfileSession
) -> None:
    session.update(login_url="http://127.0.0.1:8765")

    assert page.login_url_combo.currentText() == "http://127.0.0.1:8765"
    assert page.login_url_kind.text().startswith("Server on this computer")


def test_advanced_settings_are_saved(
    qtbot: Any, page: AppPage, session: ProfileSession, store: ProfileStore
) -> None:
    qtbot.mouseClick(page.advanced.toggle_button, Qt.MouseButton.LeftButton)
    assert page.advanced.lifetime_spin.isVisible()
    assert page.advanced.lifetime_spin.value() == 180

    with qtbot.waitSignal(session.saved, timeout=WAIT_MS):
        page.advanced.lifetime_spin.setFocus()
        page.advanced.lifetime_spin.selectAll()
        qtbot.keyClicks(page.advanced.lifetime_spin, "120")
    type_saved(qtbot, session, page.advanced.ca_bundle_edit, "/nowhere/corp-ca.pem")

    saved = store.get("Acme")
    assert saved.lifetime_s == 120
    assert saved.ca_bundle == "/nowhere/corp-ca.pem"
    assert "CA bundle file does not exist" in page.advanced.ca_bundle_note.text()


def test_every_field_has_a_label_with_a_mnemonic(page: AppPage) -> None:
    fields = [
        page.client_id_edit,
        page.username_edit,
        page.login_url_combo,
        page.advanced.lifetime_spin,
        page.advanced.timeout_spin,
        page.advanced.ca_bundle_edit,
    ]
    for field in fields:
        assert field.accessibleName()
    buddies = {label.buddy(): label.text() for label in page.findChildren(QLabel)}
    for field in fields:
        assert "&" in buddies[field]


def test_mnemonics_move_the_focus_to_their_field(qtbot: Any, page: AppPage) -> None:
    page.activateWindow()
    qtbot.waitUntil(page.isActiveWindow)

    qtbot.keyClick(page, Qt.Key.Key_U, Qt.KeyboardModifier.AltModifier)
    assert page.username_edit.hasFocus()
    qtbot.keyClick(page, Qt.Key.Key_L, Qt.KeyboardModifier.AltModifier)
    assert page.login_url_edit.hasFocus()


def test_without_a_profile_the_form_is_disabled(
    page: AppPage, session: ProfileSession
) -> None:
    session.select(None)

    assert not page.isEnabled()
    assert page.client_id_edit.text() == ""
    assert page.state() is StepState.NONE
