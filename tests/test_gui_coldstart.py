"""The window's start: what it shows at its first paint, and what follows right after.

Before the first paint the window builds only what shows; the other step pages,
the certificates' days left, the demo org and the log file come right after it.
Nothing may be lost on the way: pages asked for early are built on the spot and
records logged before the log file opens end up in it.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections.abc import Callable, Iterator

import pytest
import requests
from gui_stand_ins import WAIT_MS, StandInPage, StandInTestPage
from PySide6.QtWidgets import QWidget
from pytestqt.qtbot import QtBot

from sfjwt_gui.engine import paths
from sfjwt_gui.engine.appstate import AppState, save_app_state
from sfjwt_gui.engine.profiles import Profile, ProfileStore
from sfjwt_gui.gui.mainwindow import MainWindow
from sfjwt_gui.gui.mainwindow_pages import PageBuilder
from sfjwt_gui.gui.session import ProfileSession
from sfjwt_gui.gui.tasks import TaskRunner

TIMEOUT_S = 120
SIGNATURE = "c2lnbmF0dXJlLXRoYXQtbXVzdC1zdGF5LXNlY3JldA"


def counted_builders(built: list[str]) -> list[PageBuilder]:
    """Stand-in page builders that note each page they build in ``built``."""

    def builder(label: str, kind: type[StandInPage]) -> PageBuilder:
        def build(
            session: ProfileSession, tasks: TaskRunner, parent: QWidget
        ) -> QWidget:
            built.append(label)
            return kind(session, tasks, parent)

        return build

    return [
        builder("keys", StandInPage),
        builder("app", StandInPage),
        builder("test", StandInTestPage),
    ]


@pytest.fixture
def new_window(qtbot: QtBot) -> Iterator[Callable[[list[str]], MainWindow]]:
    """A not yet shown window on stand-in pages; closed after the test."""
    opened: list[MainWindow] = []

    def make(built: list[str]) -> MainWindow:
        window = MainWindow(page_builders=counted_builders(built))
        qtbot.addWidget(window)
        opened.append(window)
        return window

    yield make
    for window in opened:
        window.close()


def test_pages_wait_for_the_first_paint_and_the_shown_one_comes_first(
    qtbot: QtBot, new_window: Callable[[list[str]], MainWindow]
) -> None:
    ProfileStore().save(Profile(name="Acme"))
    save_app_state(AppState(last_profile="Acme", extra={"step": 1}))
    built: list[str] = []

    window = new_window(built)

    assert built == []
    steps = window.steps
    assert steps is not None
    assert steps.current_index() == 1
    assert steps.step_label(0).endswith("not done yet")
    assert window.sidebar.current_name() == "Acme"

    window.show()

    qtbot.waitUntil(lambda: len(built) == 3, timeout=WAIT_MS)
    assert built[0] == "app"
    assert sorted(built) == ["app", "keys", "test"]
    assert steps.current_index() == 1


def test_a_page_asked_for_before_the_first_paint_is_built_on_the_spot(
    new_window: Callable[[list[str]], MainWindow],
) -> None:
    ProfileStore().save(Profile(name="Acme"))
    built: list[str] = []
    window = new_window(built)
    assert window.steps is not None

    page = window.steps.test_page

    assert isinstance(page, StandInTestPage)
    assert built == ["test"]
    window.menus.test_action.trigger()
    assert page.runs == 1
    assert window.steps.current_index() == 2


def test_a_demo_profile_gets_its_org_right_after_the_first_paint(
    qtbot: QtBot, new_window: Callable[[list[str]], MainWindow]
) -> None:
    stale_url = "http://127.0.0.1:9"
    ProfileStore().save(Profile(name="Demo", login_url=stale_url, is_demo=True))
    window = new_window([])

    def login_url() -> str:
        profile = window.session.profile
        return profile.login_url if profile is not None else ""

    assert login_url() == stale_url
    window.show()

    qtbot.waitUntil(lambda: login_url() != stale_url, timeout=WAIT_MS)
    assert login_url() == window.demo.base_url
    answer = requests.get(f"{login_url()}/services/data/", timeout=10)
    assert answer.status_code == 200
    window.close()
    assert not window.demo.running


HELD_RECORDS = f"""
import logging
from sfjwt_gui.engine import logsetup

path = logsetup.start_logging()
log = logging.getLogger("sfjwt_gui.probe")
log.info("before the file: eyJhbGciOiJSUzI1NiJ9.eyJzdWIiOiJ4In0.{SIGNATURE}")
print("file before opening:", path.exists())
print("opened:", logsetup.open_log_file() == path)
log.info("after the file")
tail = logsetup.memory_tail()
print("tail lines:", len([line for line in tail.lines() if "the file" in line]))
"""


def test_records_logged_before_the_log_file_opens_are_written_to_it_first() -> None:
    done = subprocess.run(
        [sys.executable, "-c", HELD_RECORDS],
        capture_output=True,
        text=True,
        timeout=TIMEOUT_S,
        check=False,
    )

    assert done.returncode == 0, done.stderr
    assert done.stdout.splitlines() == [
        "file before opening: False",
        "opened: True",
        "tail lines: 2",
    ]
    log = (paths.log_dir() / "sfjwt-gui.log").read_text(encoding="utf-8")
    lines = [line for line in log.splitlines() if "the file" in line]
    assert len(lines) == 2
    assert "before the file: " in lines[0]
    assert "<signature hidden>" in lines[0]
    assert "after the file" in lines[1]
    assert SIGNATURE not in log


FIRST_PAINT_PROBE = """
import sys

from sfjwt_gui.gui import main as entry
from sfjwt_gui.gui.mainwindow import MainWindow

loaded = []
original = MainWindow._on_first_paint_done


def on_first_paint_done(window):
    loaded.extend(sys.modules)
    original(window)


MainWindow._on_first_paint_done = on_first_paint_done
status = entry.main(["--quit-after-first-paint"])
import json  # only now, as the app itself would not import it before the paint

print(json.dumps(sorted(loaded)))
sys.exit(status)
"""


def modules_at_first_paint() -> list[str]:
    done = subprocess.run(
        [sys.executable, "-c", FIRST_PAINT_PROBE],
        capture_output=True,
        text=True,
        timeout=TIMEOUT_S,
        env={**os.environ, "QT_QPA_PLATFORM": "offscreen"},
        check=False,
    )
    assert done.returncode == 0, done.stderr
    modules = json.loads(done.stdout.splitlines()[-1])
    assert isinstance(modules, list)
    return modules


def loaded_under(modules: list[str], *prefixes: str) -> list[str]:
    return [name for name in modules if name.startswith(prefixes)]


def test_a_first_start_paints_without_pages_demo_crypto_or_log_file() -> None:
    modules = modules_at_first_paint()

    assert "sfjwt_gui.gui.mainwindow" in modules
    assert "sfjwt_gui.gui.welcome" in modules
    unexpected = loaded_under(
        modules,
        "sfjwt_gui.gui.page_",
        "sfjwt_gui.gui.steps",
        "sfjwt_gui.gui.demo_control",
        "sfjwt_gui.demo",
        "cryptography",
        "requests",
        "jwt",
        "logging.handlers",
        "hashlib",  # loads OpenSSL
        "html",  # builds its table of every named entity
        "json",  # compiles its patterns; a first start reads no file
        "signal",  # builds its enum types; Ctrl+C is watched from the paint on
    )
    assert unexpected == []


def test_a_saved_profile_paints_its_steps_before_building_any_page() -> None:
    ProfileStore().save(Profile(name="Acme"))

    modules = modules_at_first_paint()

    assert "sfjwt_gui.gui.steps" in modules
    assert loaded_under(modules, "sfjwt_gui.gui.page_") == []
    assert loaded_under(modules, "sfjwt_gui.demo", "requests", "jwt") == []


def test_pyside_is_told_of_each_window_module_what_reading_it_would_find() -> None:
    import importlib

    from sfjwt_gui.gui import main as gui_main

    feature = sys.modules.get("shibokensupport.feature")
    if feature is None or not hasattr(feature, "_mod_uses_pyside"):
        pytest.skip("this PySide6 keeps no record of the modules that use it")
    names = ("sfjwt_gui.gui.mainwindow", "sfjwt_gui.gui.sidebar_rows")
    for name in names:
        feature.pyside_feature_dict.pop(name, None)

    gui_main.tell_pyside_our_modules()

    for name in names:
        module = importlib.import_module(name)
        uses_pyside = feature._mod_uses_pyside(module)
        assert uses_pyside
        assert feature.pyside_feature_dict[name] == 0
    assert feature.pyside_feature_dict["sfjwt_gui.engine.profiles"] == -1
