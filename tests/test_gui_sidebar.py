"""The profile list: commands that change the files on disk, and what rows say."""

from __future__ import annotations

import errno
import json
import os
import threading
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from gui_stand_ins import WAIT_MS, click, open_stand_in_windows
from PySide6.QtWidgets import QWidget
from pytestqt.qtbot import QtBot

from sfjwt_gui.engine import paths
from sfjwt_gui.engine.profiles import Profile, ProfileStore
from sfjwt_gui.gui import sidebar_actions
from sfjwt_gui.gui.mainwindow import MainWindow
from sfjwt_gui.gui.widgets import StepState


@pytest.fixture
def open_window(qtbot: QtBot) -> Iterator[Callable[[], MainWindow]]:
    yield from open_stand_in_windows(qtbot)


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


# ---- what changes a row, and what does not ------------------------------------


def row_texts(window: MainWindow) -> dict[str, tuple[str, str, str, str]]:
    """Every row as a user sees it: its three lines and its tooltip."""
    sidebar = window.sidebar
    found = {}
    for row in range(sidebar.list.count()):
        name = sidebar.name_at(row)
        assert name is not None
        found[name] = (*sidebar.row_lines(name), sidebar.list.item(row).toolTip())
    return found


def changed_rows(window: MainWindow) -> list[str]:
    """Records the name of each row the list is told has changed, from now on."""
    changed: list[str] = []
    model = window.sidebar.list.model()

    def record(top_left: Any, bottom_right: Any, _roles: Any = None) -> None:
        for row in range(top_left.row(), bottom_right.row() + 1):
            changed.append(window.sidebar.name_at(row) or "")

    model.dataChanged.connect(record)
    return changed


def settled(window: MainWindow) -> bool:
    sidebar = window.sidebar
    return (
        not window.tasks.busy
        and not sidebar.rows_waiting()
        and not any(
            "checking" in sidebar.row_lines(name)[2] for name in sidebar.profile_names()
        )
    )


def all_rows_on_screen(window: MainWindow) -> bool:
    view = window.sidebar.list
    area = view.viewport().rect()
    return all(
        area.contains(view.visualItemRect(view.item(row)))
        for row in range(view.count())
    )


def test_a_certificate_rewritten_updates_exactly_the_rows_that_use_it(
    qtbot: QtBot,
    open_window: Callable[[], MainWindow],
    tmp_path: Path,
    key_pair: Any,
    other_key_pair: Any,
) -> None:
    from sfjwt_gui.engine.keys import certificate_pem

    shared = tmp_path / "shared.crt"
    shared.write_bytes(certificate_pem(key_pair[1]))
    own = tmp_path / "own.crt"
    own.write_bytes(certificate_pem(other_key_pair[1]))
    store = ProfileStore()
    store.save(Profile(name="Alpha", cert_path=str(shared)))
    store.save(Profile(name="Beta", cert_path=str(shared)))
    store.save(Profile(name="Gamma", cert_path=str(own)))
    store.save(Profile(name="Delta"))
    window = open_window()
    qtbot.waitUntil(lambda: settled(window), timeout=WAIT_MS)
    assert all_rows_on_screen(window)
    before = row_texts(window)
    changed = changed_rows(window)

    # What key generation into a shared file does; the other file is written
    # again with the same certificate, which says nothing new.
    def rewrite(_cancel: threading.Event) -> None:
        shared.write_text("not a certificate any more", encoding="utf-8")
        own.write_bytes(certificate_pem(other_key_pair[1]))
        os.utime(own, ns=(1_000_000_000, 1_000_000_000))

    window.tasks.run("Generating key", rewrite, lambda _result: None)

    def alpha_and_beta_broken() -> bool:
        lines = row_texts(window)
        return all(
            lines[name][2] == "Certificate: cannot be read"
            for name in ("Alpha", "Beta")
        )

    qtbot.waitUntil(alpha_and_beta_broken, timeout=WAIT_MS)
    qtbot.waitUntil(lambda: settled(window), timeout=WAIT_MS)
    after = row_texts(window)
    assert {name for name in after if after[name] != before[name]} == {"Alpha", "Beta"}
    assert sorted(set(changed)) == ["Alpha", "Beta"]
    assert window.sidebar.row_state("Alpha") is StepState.ERROR
    assert after["Gamma"][2].endswith("days left")
    assert after["Delta"][2] == "Certificate: none yet"


def test_a_test_changes_only_its_own_row_and_reads_no_profile_file(
    qtbot: QtBot,
    open_window: Callable[[], MainWindow],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    from sfjwt_gui.engine.login import LoginResult

    for name in ("Alpha", "Beta", "Gamma", "Delta"):
        ProfileStore().save(Profile(name=name))
    window = open_window()
    qtbot.waitUntil(lambda: settled(window), timeout=WAIT_MS)
    assert all_rows_on_screen(window)
    store = window.session.store
    reads: list[str] = []
    for method in ("get", "list"):
        monkeypatch.setattr(store, method, counted(getattr(store, method), reads))
    before = row_texts(window)
    changed = changed_rows(window)

    window.session.record_test("Gamma", LoginResult())

    after = row_texts(window)
    assert {name for name in after if after[name] != before[name]} == {"Gamma"}
    assert after["Gamma"][1].startswith("Failed ")
    assert window.sidebar.row_state("Gamma") is StepState.ERROR
    assert set(changed) == {"Gamma"}
    assert reads == []


def counted(method: Callable[..., Any], calls: list[str]) -> Callable[..., Any]:
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        calls.append(method.__name__)
        return method(*args, **kwargs)

    return wrapper


# ---- edits the disk refuses ----------------------------------------------------


def refuse_writes(monkeypatch: pytest.MonkeyPatch) -> None:
    """Make every profile save fail as on a read-only disk (root ignores chmod)."""

    def read_only(*_args: object) -> None:
        raise OSError(errno.EROFS, os.strerror(errno.EROFS))

    monkeypatch.setattr("sfjwt_gui.engine.atomic.os.replace", read_only)


def opened(window: MainWindow, name: str) -> Callable[[], bool]:
    def check() -> bool:
        profile = window.session.profile
        return profile is not None and profile.name == name

    return check


def open_acme_and_beta(
    qtbot: QtBot, open_window: Callable[[], MainWindow]
) -> MainWindow:
    """Store profiles Acme and Beta, open the window and select Acme."""
    ProfileStore().save(Profile(name="Acme", client_id="3MVG9old"))
    ProfileStore().save(Profile(name="Beta"))
    window = open_window()
    window.sidebar.select_profile("Acme")
    qtbot.waitUntil(opened(window, "Acme"), timeout=WAIT_MS)
    return window


def edit_client_id_the_disk_refuses(
    qtbot: QtBot, patch: pytest.MonkeyPatch, window: MainWindow
) -> None:
    """Make the disk refuse writes, then edit the client id (its save fails)."""
    refuse_writes(patch)
    with qtbot.waitSignal(window.session.save_failed, timeout=WAIT_MS):
        window.session.update(client_id="3MVG9new")


def test_an_edit_the_disk_refuses_survives_switching_profiles_and_is_saved_later(
    qtbot: QtBot,
    open_window: Callable[[], MainWindow],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    window = open_acme_and_beta(qtbot, open_window)
    session, sidebar = window.session, window.sidebar

    with monkeypatch.context() as patch:
        edit_client_id_the_disk_refuses(qtbot, patch, window)
        sidebar.select_profile("Beta")
        assert opened(window, "Beta")()
        assert not window.save_error_label.isHidden()
        assert "read-only" in window.save_error_label.text()

        sidebar.select_profile("Acme")
        assert session.profile is not None
        assert session.profile.client_id == "3MVG9new"
        assert ProfileStore().get("Acme").client_id == "3MVG9old"
        assert not window.save_error_label.isHidden()

    # The disk takes writes again: the kept edit is saved without another one.
    with qtbot.waitSignal(session.saved, timeout=WAIT_MS):
        pass
    assert ProfileStore().get("Acme").client_id == "3MVG9new"
    assert window.save_error_label.isHidden()


def test_an_edit_left_behind_is_saved_with_the_next_save_of_another_profile(
    qtbot: QtBot,
    open_window: Callable[[], MainWindow],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    window = open_acme_and_beta(qtbot, open_window)
    session, sidebar = window.session, window.sidebar

    with monkeypatch.context() as patch:
        edit_client_id_the_disk_refuses(qtbot, patch, window)
        with qtbot.waitSignal(session.save_failed, timeout=WAIT_MS):
            sidebar.select_profile("Beta")

    saved: list[str] = []
    session.saved.connect(saved.append)
    session.update(username="b@beta.example")
    session.flush()  # what quitting does

    assert sorted(saved) == ["Acme", "Beta"]
    assert ProfileStore().get("Acme").client_id == "3MVG9new"
    assert ProfileStore().get("Beta").username == "b@beta.example"
    assert window.save_error_label.isHidden()


def test_an_unsaved_profile_is_not_renamed_and_once_deleted_stays_deleted(
    qtbot: QtBot,
    open_window: Callable[[], MainWindow],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    window = open_acme_and_beta(qtbot, open_window)
    session, sidebar = window.session, window.sidebar
    answer_names(monkeypatch, "Acme renamed")
    monkeypatch.setattr(sidebar_actions, "confirm", lambda *_args: True)

    with monkeypatch.context() as patch:
        edit_client_id_the_disk_refuses(qtbot, patch, window)
        click(sidebar.buttons["Rename"])

        assert set(profile_files()) == {"Acme", "Beta"}
        assert "not saved yet" in sidebar.message_label.text()
        assert sidebar.current_name() == "Acme"

        # Deleting works (it removes a file), and takes the unsaved edit along.
        click(sidebar.buttons["Delete"])

    assert set(profile_files()) == {"Beta"}
    session.update(username="b@beta.example")
    session.flush()
    assert set(profile_files()) == {"Beta"}
    assert sidebar.profile_names() == ["Beta"]
