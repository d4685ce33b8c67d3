"""Step 3 against a real demo org on loopback: pass, fail, cancel, ask, refuse."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from cryptography import x509
from cryptography.hazmat.primitives.asymmetric import rsa
from gui_windows import run_test_and_wait, session_on, show_test_page
from PySide6.QtCore import Qt
from PySide6.QtGui import QGuiApplication, QTextDocumentFragment
from PySide6.QtWidgets import QLabel

from sfjwt_gui.demo.org import DemoOrg
from sfjwt_gui.demo.server import DemoServer
from sfjwt_gui.demo.settings import DEMO_CLIENT_ID, DEMO_USERNAME, DemoSettings
from sfjwt_gui.engine.catalog import CATALOG
from sfjwt_gui.engine.history import HistoryEntry
from sfjwt_gui.engine.keys import certificate_pem, private_key_pem
from sfjwt_gui.engine.profiles import Profile, ProfileStore
from sfjwt_gui.gui.page_test import TestPage
from sfjwt_gui.gui.passphrase_dialog import PassphraseDialog
from sfjwt_gui.gui.result_views import (
    AFTER_SENDING,
    BEFORE_SENDING,
    earlier_test_text,
)
from sfjwt_gui.gui.session import ProfileSession
from sfjwt_gui.gui.widgets import StepState

KeyPair = tuple[rsa.RSAPrivateKey, x509.Certificate]
WAIT_MS = 20_000
PASSPHRASE = b"demo passphrase"


@pytest.fixture
def demo_org(key_pair: KeyPair) -> Iterator[tuple[DemoOrg, DemoServer]]:
    org = DemoOrg(DemoSettings(certificate=key_pair[1], slow_delay_s=3.0))
    server = DemoServer(org)
    server.start()
    yield org, server
    server.stop()


@pytest.fixture
def store(
    demo_org: tuple[DemoOrg, DemoServer], key_pair: KeyPair, tmp_path: Path
) -> ProfileStore:
    key, cert = key_pair
    plain_key, locked_key = tmp_path / "plain.key", tmp_path / "locked.key"
    cert_path = tmp_path / "server.crt"
    plain_key.write_bytes(private_key_pem(key))
    locked_key.write_bytes(private_key_pem(key, PASSPHRASE))
    cert_path.write_bytes(certificate_pem(cert))

    demo = Profile(
        name="Demo",
        login_url=demo_org[1].base_url,
        client_id=DEMO_CLIENT_ID,
        username=DEMO_USERNAME,
        key_path=str(plain_key),
        cert_path=str(cert_path),
        is_demo=True,
    )
    store = ProfileStore()
    store.save(demo)
    store.save(
        Profile(**{**demo.to_dict(), "name": "Locked", "key_path": str(locked_key)})
    )
    store.save(Profile(**{**demo.to_dict(), "name": "No key", "client_id": ""}))
    store.save(Profile(**{**demo.to_dict(), "name": "No cert", "cert_path": ""}))
    store.save(Profile(name="Empty"))
    return store


@pytest.fixture
def session(store: ProfileStore) -> Iterator[ProfileSession]:
    yield from session_on(store, "Demo")


@pytest.fixture
def page(qtbot: Any, session: ProfileSession) -> TestPage:
    return show_test_page(qtbot, session)


def card_titles(page: TestPage) -> list[str]:
    return [card.finding.title for card in page.result_view.diagnosis.cards]


def test_a_successful_login_shows_who_logged_in_and_keeps_the_token_masked(
    qtbot: Any,
    page: TestPage,
    session: ProfileSession,
    demo_org: tuple[DemoOrg, DemoServer],
) -> None:
    org, server = demo_org
    assert page.state() is StepState.NONE

    result = run_test_and_wait(qtbot, page)

    banner = page.result_view.banner_plain_text()
    assert banner.startswith(
        f"Logged in as {DEMO_USERNAME} into org {org.settings.org_id} "
        f"at {server.base_url} in "
    )
    assert banner.endswith(" ms")
    assert page.state() is StepState.DONE
    assert org.login_count == 1

    response = page.result_view.response_view
    token = result.token.access_token if result.token else ""
    assert token
    assert token not in response.token_text()
    assert token not in response.body_view.toPlainText()
    qtbot.mouseClick(response.reveal_button, Qt.MouseButton.LeftButton)
    assert response.token_text() == token
    qtbot.mouseClick(response.reveal_button, Qt.MouseButton.LeftButton)
    assert token not in response.token_text()

    jwt_view = page.result_view.jwt_view
    exp_row = jwt_view.item_for("Claims", "exp")
    assert exp_row is not None
    assert "UTC" in exp_row.text(1)
    assert "Signature verifies" in jwt_view.signature_label.accessibleDescription()
    verification = page.result_view.verification_view
    assert verification.topLevelItem(0).text(0) == "userinfo"  # type: ignore[union-attr]

    assert page.history_view.row_count() == 1
    assert page.history_view.row_texts(0)[1] == "Passed (HTTP 200)"
    assert session.history.count("Demo") == 1


def test_the_response_tab_shows_headers_and_an_indented_body_token_masked(
    qtbot: Any, page: TestPage
) -> None:
    result = run_test_and_wait(qtbot, page)
    response = page.result_view.response_view
    assert result.token is not None
    token = result.token.access_token

    table = response.headers_table
    headers = {
        table.item(row, 0).text(): table.item(row, 1).text()  # type: ignore[union-attr]
        for row in range(table.rowCount())
    }
    assert headers["Content-Type"].startswith("application/json")
    assert not any(token in value for value in headers.values())

    body = response.body_view.toPlainText()
    assert len(body.splitlines()) > 3
    assert '\n  "access_token": ' in body
    assert token not in body
    assert json.loads(body)["instance_url"] == result.token.instance_url
    assert token not in response.token_text()


def test_the_token_is_revealed_on_demand_and_copied_whole(
    qtbot: Any, page: TestPage
) -> None:
    result = run_test_and_wait(qtbot, page)
    response = page.result_view.response_view
    token = result.token.access_token if result.token else ""
    clipboard = QGuiApplication.clipboard()

    clipboard.setText("")
    qtbot.mouseClick(response.copy_token_button, Qt.MouseButton.LeftButton)
    assert clipboard.text() == token
    assert token not in response.token_text()

    qtbot.mouseClick(response.reveal_button, Qt.MouseButton.LeftButton)
    clipboard.setText("")
    qtbot.mouseClick(response.copy_token_button, Qt.MouseButton.LeftButton)
    assert response.token_text() == token
    assert clipboard.text() == token


def test_verification_names_the_user_and_the_org(
    qtbot: Any, page: TestPage, demo_org: tuple[DemoOrg, DemoServer]
) -> None:
    org_id = demo_org[0].settings.org_id

    run_test_and_wait(qtbot, page)

    tree = page.result_view.verification_view
    rows = [tree.topLevelItem(n) for n in range(tree.topLevelItemCount())]
    shown = {row.text(0): row for row in rows if row is not None}
    userinfo, identity = shown["userinfo"], shown["identity"]
    assert DEMO_USERNAME in userinfo.text(1)
    assert org_id in userinfo.text(1)
    assert DEMO_USERNAME in identity.text(1)
    details = {
        child.text(0): child.text(1)
        for row in (userinfo, identity)
        for child in (row.child(n) for n in range(row.childCount()))
        if child is not None
    }
    assert details["organization_id"] == org_id
    assert details["username"] == DEMO_USERNAME


def test_the_checks_before_sending_show_while_the_request_runs(
    qtbot: Any,
    page: TestPage,
    session: ProfileSession,
    demo_org: tuple[DemoOrg, DemoServer],
) -> None:
    demo_org[0].set_scenario("slow")
    session.select("No cert")
    diagnosis = page.result_view.diagnosis
    cert_missing = CATALOG["cert_missing"].title

    qtbot.mouseClick(page.test_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: card_titles(page) == [cert_missing], timeout=WAIT_MS)

    assert page.is_running()
    assert page.busy_bar.isVisible()
    assert page.cancel_button.isEnabled()
    assert diagnosis.heading_texts() == [BEFORE_SENDING]
    assert page.result_view.tabs.currentWidget() is diagnosis
    qtbot.mouseClick(page.cancel_button, Qt.MouseButton.LeftButton)
    assert page.result_view.banner_plain_text() == "Cancelled"
    assert card_titles(page) == [cert_missing]


def test_the_result_lists_the_checks_before_sending_first(
    qtbot: Any,
    page: TestPage,
    session: ProfileSession,
    demo_org: tuple[DemoOrg, DemoServer],
) -> None:
    demo_org[0].set_scenario("user_not_approved")
    session.select("No cert")

    run_test_and_wait(qtbot, page)

    refused = CATALOG["user_not_approved"].title
    assert page.result_view.banner_plain_text() == (
        f"Salesforce refused the login: {refused}"
    )
    diagnosis = page.result_view.diagnosis
    assert diagnosis.heading_texts() == [BEFORE_SENDING, AFTER_SENDING]
    assert card_titles(page) == [CATALOG["cert_missing"].title, refused]


def test_the_request_is_shown_masked_and_copied_as_a_working_curl(
    qtbot: Any, page: TestPage
) -> None:
    result = run_test_and_wait(qtbot, page)
    request = page.result_view.request_view
    signature = result.assertion.rsplit(".", 1)[1]

    shown_form = {
        request.form_table.item(row, 0).text(): request.form_table.item(row, 1).text()  # type: ignore[union-attr]
        for row in range(request.form_table.rowCount())
    }
    assert signature not in shown_form["assertion"]
    assert "signature hidden" in shown_form["assertion"]

    qtbot.mouseClick(request.curl_button, Qt.MouseButton.LeftButton)
    command = QGuiApplication.clipboard().text()
    assert command.startswith("curl ")
    assert result.assertion in command


def test_user_not_approved_shows_its_diagnosis(
    qtbot: Any, page: TestPage, demo_org: tuple[DemoOrg, DemoServer]
) -> None:
    demo_org[0].set_scenario("user_not_approved")

    run_test_and_wait(qtbot, page)

    entry = CATALOG["user_not_approved"]
    assert page.result_view.banner_plain_text() == (
        f"Salesforce refused the login: {entry.title}"
    )
    assert card_titles(page)[0] == entry.title
    card = page.result_view.diagnosis.cards[0]
    shown = " ".join(
        QTextDocumentFragment.fromHtml(label.text()).toPlainText()
        for label in card.findChildren(QLabel)
    )
    assert f"Fix: {entry.fix}" in shown
    assert entry.causes[0] in shown
    assert page.state() is StepState.ERROR

    qtbot.mouseClick(card.copy_button, Qt.MouseButton.LeftButton)
    assert QGuiApplication.clipboard().text().startswith(f"[error] {entry.title}")
    assert page.history_view.row_texts(0)[2].startswith("user_not_approved")


def test_cancel_returns_to_idle_at_once(
    qtbot: Any,
    page: TestPage,
    session: ProfileSession,
    demo_org: tuple[DemoOrg, DemoServer],
) -> None:
    demo_org[0].set_scenario("slow")

    qtbot.mouseClick(page.test_button, Qt.MouseButton.LeftButton)
    assert page.is_running()
    assert page.busy_bar.isVisible()
    assert not page.test_button.isEnabled()
    qtbot.mouseClick(page.cancel_button, Qt.MouseButton.LeftButton)

    assert not page.is_running()
    assert page.progress_label.text() == "Cancelled"
    assert not page.busy_bar.isVisible()
    assert not page.cancel_button.isEnabled()
    assert page.test_button.isEnabled()
    assert session.history.count("Demo") == 0


def test_keyboard_alone_starts_and_cancels(
    qtbot: Any, page: TestPage, demo_org: tuple[DemoOrg, DemoServer]
) -> None:
    demo_org[0].set_scenario("slow")
    page.activateWindow()
    page.test_button.setFocus()

    qtbot.keyClick(page.test_button, Qt.Key.Key_Space)
    assert page.is_running()
    assert page.cancel_button.hasFocus()
    qtbot.keyClick(page.cancel_button, Qt.Key.Key_Space)

    assert not page.is_running()
    assert page.test_button.hasFocus()


def test_shortcut_runs_the_test(qtbot: Any, page: TestPage) -> None:
    page.activateWindow()
    page.test_button.setFocus()
    with qtbot.waitSignal(page.test_finished, timeout=WAIT_MS):
        qtbot.keyClick(page.test_button, Qt.Key.Key_F5)


def test_an_encrypted_key_asks_for_its_passphrase_first(
    qtbot: Any,
    page: TestPage,
    session: ProfileSession,
    demo_org: tuple[DemoOrg, DemoServer],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    session.select("Locked")
    assert session.profile is not None
    key_path = session.profile.key_path
    answers: list[bytes | None] = [None, PASSPHRASE]
    asked: list[str] = []

    def fake_ask(_parent: object, path: str) -> bytes | None:
        asked.append(path)
        return answers.pop(0)

    monkeypatch.setattr(PassphraseDialog, "ask", fake_ask)

    qtbot.mouseClick(page.test_button, Qt.MouseButton.LeftButton)
    assert asked == [key_path]
    assert not page.is_running()
    assert session.history.count("Locked") == 0

    result = run_test_and_wait(qtbot, page)

    assert result.ok
    assert asked == [key_path, key_path]
    assert session.passphrase_for(key_path) == PASSPHRASE
    assert demo_org[0].login_count == 1


def test_a_wrong_passphrase_is_forgotten_and_asked_again(
    qtbot: Any,
    page: TestPage,
    session: ProfileSession,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    session.select("Locked")
    asked: list[str] = []

    def fake_ask(_parent: object, path: str) -> bytes:
        asked.append(path)
        return b"not it"

    monkeypatch.setattr(PassphraseDialog, "ask", fake_ask)

    result = run_test_and_wait(qtbot, page)

    assert not result.sent
    assert CATALOG["key_passphrase_wrong"].title in card_titles(page)
    assert session.profile is not None
    assert session.passphrase_for(session.profile.key_path) is None
    run_test_and_wait(qtbot, page)
    assert len(asked) == 2


def test_history_shows_a_hundred_tests_at_a_time(
    qtbot: Any, page: TestPage, session: ProfileSession
) -> None:
    for number in range(101):
        entry = HistoryEntry(
            at=f"2026-01-01T00:{number // 60:02d}:{number % 60:02d}+00:00",
            ok=number % 2 == 0,
            codes=() if number % 2 == 0 else ("user_not_approved",),
            status=200 if number % 2 == 0 else 400,
        )
        session.history.append("Empty", entry)

    session.select("Empty")
    history = page.history_view
    page.result_view.tabs.setCurrentWidget(history)

    assert history.row_count() == 100
    assert history.row_texts(0)[1] == "Passed (HTTP 200)"  # the newest: number 100
    assert history.row_texts(1)[2] == "user_not_approved"
    assert history.more_button.isVisible()
    qtbot.mouseClick(history.more_button, Qt.MouseButton.LeftButton)
    assert history.row_count() == 101
    assert not history.more_button.isVisible()
    assert page.state() is StepState.DONE


def test_a_preflight_error_sends_nothing_and_shows_the_finding(
    qtbot: Any,
    page: TestPage,
    session: ProfileSession,
    demo_org: tuple[DemoOrg, DemoServer],
) -> None:
    session.select("No key")

    result = run_test_and_wait(qtbot, page)

    assert not result.sent
    assert demo_org[0].login_count == 0
    assert page.result_view.banner_plain_text() == "Not sent: fix these first"
    assert CATALOG["client_id_missing"].title in card_titles(page)
    assert page.result_view.request_view.url_label.text() == "Nothing was sent."
    assert page.state() is StepState.ERROR


def test_the_result_goes_to_the_profile_that_was_tested(
    qtbot: Any,
    page: TestPage,
    session: ProfileSession,
    demo_org: tuple[DemoOrg, DemoServer],
) -> None:
    demo_org[0].set_scenario("slow")

    with qtbot.waitSignal(page.test_finished, timeout=WAIT_MS):
        qtbot.mouseClick(page.test_button, Qt.MouseButton.LeftButton)
        session.select("Empty")
        assert not page.test_button.isEnabled()

    assert session.history.count("Demo") == 1
    assert session.history.count("Empty") == 0
    assert page.history_view.row_count() == 0
    assert page.result_view.banner_plain_text().startswith("No test run yet")
    assert page.test_button.isEnabled()


def test_state_and_history_come_back_with_the_profile(
    qtbot: Any, page: TestPage, session: ProfileSession
) -> None:
    run_test_and_wait(qtbot, page)
    session.select("Empty")
    assert page.state() is StepState.NONE

    session.select("Demo")

    assert page.state() is StepState.DONE
    assert page.history_view.row_count() == 1
    # What is known of that test is said, not "no test run yet".
    banner = page.result_view.banner_plain_text()
    assert banner.startswith("Last test: Passed ")
    assert banner.endswith("Test again to see its details.")


def test_a_failed_earlier_test_points_to_the_diagnosis() -> None:
    failed = HistoryEntry(
        at="2026-01-02T03:04:05Z", ok=False, codes=("user_not_approved",)
    )

    text = earlier_test_text(failed)

    assert text.startswith("Last test: Failed ")
    assert " - user_not_approved. " in text
    assert text.endswith("Test again to see the diagnosis.")
    assert earlier_test_text(None) == "No test run yet for this profile."
