"""A thousand profiles and ten thousand tests: everything listed, paged, bounded.

These tests check what a user with that much data sees, never how fast; the
figures come from ``python -m tests.benchmarks`` (bench_scale).
"""

from __future__ import annotations

import functools
import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from gui_stand_ins import WAIT_MS, make_window, stand_in_pages
from pytestqt.qtbot import QtBot

from sfjwt_gui.engine import paths
from sfjwt_gui.engine.appstate import AppState, save_app_state
from sfjwt_gui.engine.history import HistoryEntry, HistoryStore
from sfjwt_gui.engine.profile_format import Profile
from sfjwt_gui.engine.profiles import ProfileStore
from sfjwt_gui.gui.history_view import PAGE_SIZE, HistoryView
from sfjwt_gui.gui.mainwindow import MainWindow
from sfjwt_gui.gui.sidebar_rows import last_test_line
from sfjwt_gui.gui.widgets import StepState

PROFILES = 1000
TESTS = 10_000


def profile_names() -> list[str]:
    """Pairs of names that differ but share a file name ("Org 7", "org-7")."""
    half = PROFILES // 2
    return [f"Org {number}" for number in range(half)] + [
        f"org-{number}" for number in range(half)
    ]


def entry(number: int) -> HistoryEntry:
    return HistoryEntry(
        at="2026-01-01T00:00:00Z",
        ok=number % 3 != 0,
        codes=() if number % 3 else ("user_not_approved",),
        status=200 if number % 3 else 400,
        elapsed_ms=120.0,
        summary=f"test {number}",
        login_url="https://acme.my.salesforce.com",
    )


def numbers(entries: list[HistoryEntry]) -> list[int]:
    return [int(item.summary.removeprefix("test ")) for item in entries]


@pytest.fixture
def thousand_profiles() -> list[str]:
    store = ProfileStore()
    names = profile_names()
    for name in names:
        store.save(Profile(name=name, login_url="https://acme.my.salesforce.com"))
    return names


@pytest.fixture
def ten_thousand_tests() -> HistoryStore:
    history = HistoryStore()
    for number in range(TESTS):
        history.append("Org 1", entry(number))
    return history


@pytest.mark.slow
def test_a_thousand_profiles_are_all_listed_in_order_each_in_its_own_file(
    thousand_profiles: list[str],
) -> None:
    listing = ProfileStore().list()

    assert listing.problems == []
    assert [profile.name for profile in listing.profiles] == sorted(
        thousand_profiles, key=lambda name: (name.casefold(), name)
    )
    files = list(paths.profiles_dir().iterdir())
    assert len(files) == PROFILES
    assert {file.name for file in files} >= {"org-7.json", "org-7-2.json"}
    assert ProfileStore().get("ORG-499").name == "org-499"


@pytest.mark.slow
def test_ten_thousand_tests_keep_the_newest_thousand_and_page_through_them(
    ten_thousand_tests: HistoryStore,
) -> None:
    history = HistoryStore()
    (file,) = list(paths.history_dir().iterdir())
    every = history.entries("Org 1", limit=TESTS)

    pages: list[HistoryEntry] = []
    while page := history.entries("Org 1", limit=PAGE_SIZE, offset=len(pages)):
        pages.extend(page)

    newest = list(range(TESTS - 1, TESTS - 1 - HistoryStore.MAX_ENTRIES, -1))
    assert numbers(every) == newest
    assert pages == every
    assert history.count("Org 1") == HistoryStore.MAX_ENTRIES
    assert history.last("Org 1") == entry(TESTS - 1)
    # Compaction keeps the file at most twice the entries that can be shown.
    assert file.read_bytes().count(b"\n") <= 2 * HistoryStore.MAX_ENTRIES


@pytest.mark.slow
def test_a_history_file_grown_elsewhere_is_read_from_its_end_then_trimmed(
    isolated_config: Path,
) -> None:
    history = HistoryStore()
    history.append("Org 1", entry(0))
    (file,) = list(paths.history_dir().iterdir())
    # As an older sfjwt-gui (or a copied file) may have left it: never compacted.
    lines = [json.dumps(entry(number).to_dict()) + "\n" for number in range(TESTS)]
    file.write_text("".join(lines), encoding="utf-8")

    newest = HistoryStore().entries("Org 1", limit=PAGE_SIZE)
    HistoryStore().append("Org 1", entry(TESTS))

    assert numbers(newest) == list(range(TESTS - 1, TESTS - 1 - PAGE_SIZE, -1))
    assert file.read_bytes().count(b"\n") == HistoryStore.MAX_ENTRIES
    assert numbers(HistoryStore().entries("Org 1", limit=1)) == [TESTS]


@pytest.mark.slow
@pytest.mark.gui
def test_the_history_view_pages_through_a_long_history_to_its_end(
    qtbot: QtBot, ten_thousand_tests: HistoryStore
) -> None:
    view = HistoryView(HistoryStore())
    qtbot.addWidget(view)

    view.load("Org 1")
    first_page = view.row_count()
    clicks = 0
    while view.more_button.isVisibleTo(view):
        view.more_button.click()
        clicks += 1

    assert first_page == PAGE_SIZE
    assert view.row_count() == HistoryStore.MAX_ENTRIES
    assert clicks == HistoryStore.MAX_ENTRIES // PAGE_SIZE - 1
    assert view.row_texts(0)[3] == f"test {TESTS - 1}"
    assert view.message_label.text() == "1000 tests shown, newest first."


@pytest.mark.slow
@pytest.mark.gui
def test_the_window_lists_a_thousand_profiles_and_opens_any_of_them(
    qtbot: QtBot, thousand_profiles: list[str]
) -> None:
    window = make_window(qtbot)
    sidebar = window.sidebar

    def opened(name: str) -> bool:
        profile = window.session.profile
        return profile is not None and profile.name == name

    assert len(sidebar.profile_names()) == PROFILES
    for name in ("Org 0", "org-499", "Org 250"):
        sidebar.select_profile(name)
        qtbot.waitUntil(functools.partial(opened, name), timeout=WAIT_MS)
        assert sidebar.current_name() == name
    window.close()


def all_rows_shown(window: MainWindow) -> bool:
    return not window.sidebar.rows_waiting() and not window.tasks.busy


@pytest.mark.slow
@pytest.mark.gui
def test_a_thousand_profiles_show_the_selected_row_at_once_and_every_row_soon(
    qtbot: QtBot, thousand_profiles: list[str]
) -> None:
    listed = sorted(thousand_profiles, key=lambda name: (name.casefold(), name))
    last = listed[-1]
    history = HistoryStore()
    history.append(last, entry(0))
    history.append(listed[0], entry(1))
    save_app_state(AppState(last_profile=last))

    window = MainWindow(page_factory=stand_in_pages)
    qtbot.addWidget(window)
    sidebar = window.sidebar

    # Before the first paint: the rows it shows, the selected one at the end.
    assert sidebar.current_name() == last
    assert sidebar.row_lines(last)[1].endswith(" - user_not_approved")
    assert sidebar.row_state(last) is StepState.ERROR
    assert sidebar.row_lines(listed[0])[1].startswith("Passed ")

    window.show()
    qtbot.waitUntil(functools.partial(all_rows_shown, window), timeout=WAIT_MS)

    expected = dict.fromkeys(listed, "Never tested")
    expected[last] = last_test_line(entry(0))
    expected[listed[0]] = last_test_line(entry(1))
    shown = {name: sidebar.row_lines(name) for name in sidebar.profile_names()}
    assert list(shown) == listed
    assert {name: lines[1] for name, lines in shown.items()} == expected
    assert {lines[2] for lines in shown.values()} == {"Certificate: none yet"}
    window.close()


@pytest.mark.slow
@pytest.mark.gui
def test_a_test_among_a_thousand_profiles_reads_and_changes_only_its_own_row(
    qtbot: QtBot, thousand_profiles: list[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    from sfjwt_gui.engine.login import LoginResult

    window = make_window(qtbot)
    sidebar = window.sidebar
    qtbot.waitUntil(functools.partial(all_rows_shown, window), timeout=WAIT_MS)

    def rows() -> dict[str, tuple[str, str, str, StepState]]:
        return {
            name: (*sidebar.row_lines(name), sidebar.row_state(name))
            for name in sidebar.profile_names()
        }

    before = rows()
    reads: list[tuple[str, tuple[object, ...]]] = []
    session = window.session
    for owner, method in (
        (session.store, "get"),
        (session.store, "list"),
        (session.history, "last"),
    ):
        monkeypatch.setattr(owner, method, counted(getattr(owner, method), reads))

    session.record_test("Org 250", LoginResult())

    after = rows()
    assert [name for name in after if after[name] != before[name]] == ["Org 250"]
    assert after["Org 250"][1].startswith("Failed ")
    assert reads == [("last", ("Org 250",))]
    window.close()


def counted(
    method: Callable[..., Any], calls: list[tuple[str, tuple[object, ...]]]
) -> Callable[..., Any]:
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        calls.append((method.__name__, args))
        return method(*args, **kwargs)

    return wrapper
