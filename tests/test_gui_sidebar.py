"""The profile list: commands that change the files on disk, and what rows say."""

from __future__ import annotations

import json
import threading
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from gui_stand_ins import WAIT_MS, click, make_window
from PySide6.QtWidgets import QWidget
from pytestqt.qtbot import QtBot

from sfjwt_gui.engine import paths
from sfjwt_gui.engine.profiles import Profile, ProfileStore
from sfjwt_gui.gui import sidebar_actions
from sfjwt_gui.gui.mainwindow import MainWindow
from sfjwt_gui.gui.widgets import StepState


@pytest.fixture
def open_window(qtbot: QtBot) -> Iterator[Callable[[], MainWindow]]:
    opened: list[MainWindow] = []

    def make() -> MainWindow:
        window = make_window(qtbot)
        opened.append(window)
        return window

    yield make
    for window in opened:
        window.close()


def answer_names(monkeypatch: pytest.MonkeyPatch, *names: str | None) -> list[str]:
    """Make the name question answer ``names`` in turn; returns the titles asked."""
    answers = list(names)
    asked: list[str] = []

    def ask(_parent: QWidget, title: str, _initial: str) -> str | None:
        asked.append(title)
        return answers.pop(0)

    monkeypatch.setattr(sidebar_actions, "ask_name", ask)
    return asked


def profile_files() -> dict[str, str]:
    """Profile name -> file name, as stored on disk."""
    found = {}
    for path in sorted(paths.profiles_dir().glob("*.json")):
        document = json.loads(path.read_text(encoding="utf-8"))
        found[document["profile"]["name"]] = path.name
    return found


def test_new_duplicate_rename_and_delete_change_the_files_on_disk(
    qtbot: QtBot,
    open_window: Callable[[], MainWindow],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    window = open_window()
    sidebar = window.sidebar
    asked = answer_names(monkeypatch, "Acme prod", "Acme sandbox", "Acme UAT")
    confirmations: list[str] = []

    def confirm(_parent: QWidget, text: str) -> bool:
        confirmations.append(text)
        return len(confirmations) > 1  # the first delete is called off

    monkeypatch.setattr(sidebar_actions, "confirm", confirm)

    click(sidebar.buttons["New"])
    assert profile_files() == {"Acme prod": "acme-prod.json"}
    assert window.session.profile is not None
    window.session.update(client_id="3MVG9abc")
    window.session.flush()

    click(sidebar.buttons["Duplicate"])
    assert set(profile_files()) == {"Acme prod", "Acme sandbox"}
    copy = ProfileStore().get("Acme sandbox")
    assert copy.client_id == "3MVG9abc"
    assert sidebar.current_name() == "Acme sandbox"

    click(sidebar.buttons["Rename"])
    assert set(profile_files()) == {"Acme prod", "Acme UAT"}
    assert sidebar.profile_names() == ["Acme prod", "Acme UAT"]
    assert window.session.profile is not None
    assert window.session.profile.name == "Acme UAT"
    assert asked == ["New profile", "Duplicate profile", "Rename profile"]

    click(sidebar.buttons["Delete"])
    assert set(profile_files()) == {"Acme prod", "Acme UAT"}
    click(sidebar.buttons["Delete"])
    assert list(profile_files()) == ["Acme prod"]
    assert "Acme UAT" in confirmations[-1]
    assert sidebar.profile_names() == ["Acme prod"]
    assert window.session.profile is not None
    assert window.session.profile.name == "Acme prod"


def test_a_taken_name_shows_the_message_under_the_list(
    qtbot: QtBot,
    open_window: Callable[[], MainWindow],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    ProfileStore().save(Profile(name="Acme"))
    window = open_window()
    answer_names(monkeypatch, "acme")

    click(window.sidebar.buttons["New"])

    label = window.sidebar.message_label
    assert not label.isHidden()
    assert "already exists" in label.text()
    assert "already exists" in window.statusBar().currentMessage()
    assert list(profile_files()) == ["Acme"]


def test_import_and_export_go_through_the_file_questions(
    qtbot: QtBot,
    open_window: Callable[[], MainWindow],
    monkeypatch: pytest.MonkeyPatch,
    tmp_path: Path,
) -> None:
    ProfileStore().save(Profile(name="Acme", client_id="3MVG9xyz"))
    window = open_window()
    exported = tmp_path / "shared" / "acme.json"
    exported.parent.mkdir()
    monkeypatch.setattr(sidebar_actions, "ask_export_path", lambda *_: exported)
    monkeypatch.setattr(sidebar_actions, "ask_import_path", lambda *_: exported)
    asked = answer_names(monkeypatch, "Acme copy")

    click(window.sidebar.buttons["Export"])
    assert json.loads(exported.read_text())["profile"]["client_id"] == "3MVG9xyz"

    # "Acme" exists already, so the import asks for another name.
    click(window.sidebar.buttons["Import"])
    assert asked == ["Import profile under another name"]
    assert set(profile_files()) == {"Acme", "Acme copy"}
    assert ProfileStore().get("Acme copy").client_id == "3MVG9xyz"
    assert window.sidebar.current_name() == "Acme copy"


def test_a_row_shows_the_certificate_days_left(
    qtbot: QtBot,
    open_window: Callable[[], MainWindow],
    tmp_path: Path,
    key_pair: Any,
) -> None:
    from sfjwt_gui.engine.certinfo import describe_certificate
    from sfjwt_gui.engine.keys import certificate_pem

    _key, cert = key_pair
    cert_path = tmp_path / "server.crt"
    cert_path.write_bytes(certificate_pem(cert))
    ProfileStore().save(Profile(name="Acme", cert_path=str(cert_path)))
    ProfileStore().save(Profile(name="Broken", cert_path=str(tmp_path / "gone.crt")))
    days = describe_certificate(cert).days_left()

    window = open_window()

    def certificate_lines() -> tuple[str, str]:
        return window.sidebar.row_lines("Acme")[2], window.sidebar.row_lines("Broken")[
            2
        ]

    qtbot.waitUntil(
        lambda: "checking" not in "".join(certificate_lines()), timeout=WAIT_MS
    )
    assert certificate_lines() == (
        f"Certificate: {days} days left",
        "Certificate: cannot be read",
    )
    assert window.sidebar.row_state("Broken") is StepState.ERROR


def test_a_certificate_written_later_under_the_same_name_updates_the_row(
    qtbot: QtBot,
    open_window: Callable[[], MainWindow],
    tmp_path: Path,
    key_pair: Any,
) -> None:
    from sfjwt_gui.engine.keys import certificate_pem

    cert_path = tmp_path / "later.crt"
    ProfileStore().save(Profile(name="Acme", cert_path=str(cert_path)))
    window = open_window()

    def cert_line() -> str:
        return window.sidebar.row_lines("Acme")[2]

    qtbot.waitUntil(
        lambda: cert_line() == "Certificate: cannot be read", timeout=WAIT_MS
    )

    # What key generation with "Replace existing files" does, as a task.
    def write_certificate(_cancel: threading.Event) -> None:
        cert_path.write_bytes(certificate_pem(key_pair[1]))

    window.tasks.run("Generating key", write_certificate, lambda _result: None)

    qtbot.waitUntil(lambda: cert_line().endswith("days left"), timeout=WAIT_MS)
    assert window.sidebar.row_state("Acme") is StepState.NONE


def test_a_damaged_profile_file_gives_a_banner_and_the_others_load(
    open_window: Callable[[], MainWindow],
) -> None:
    ProfileStore().save(Profile(name="Acme"))
    damaged = paths.profiles_dir() / "broken.json"
    damaged.write_text("{not json", encoding="utf-8")

    window = open_window()

    assert window.sidebar.banner.isVisible()
    assert "broken.json" in window.sidebar.banner_label.text()
    assert "damaged" in window.sidebar.banner_label.text()
    assert window.sidebar.profile_names() == ["Acme"]
    assert window.session.profile is not None
    assert window.session.profile.name == "Acme"

    window.sidebar.reload()
    assert window.sidebar.banner.isVisible()  # shown once, until dismissed
    window.sidebar.dismiss_button.click()
    assert not window.sidebar.banner.isVisible()
