"""A thousand profiles and ten thousand tests: everything listed, paged, bounded.

These tests check what a user with that much data sees, never how fast; the
figures come from ``python -m tests.benchmarks`` (bench_scale).
"""

from __future__ import annotations

import functools
import json
from pathlib import Path

import pytest
from gui_stand_ins import WAIT_MS, make_window
from pytestqt.qtbot import QtBot

from sfjwt_gui.engine import paths
from sfjwt_gui.engine.history import HistoryEntry, HistoryStore
from sfjwt_gui.engine.profile_format import Profile
from sfjwt_gui.engine.profiles import ProfileStore
from sfjwt_gui.gui.history_view import PAGE_SIZE, HistoryView

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
