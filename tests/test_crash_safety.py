"""Crashes, full disks and read-only folders never cost a profile.

A writer process (crash_writer) is killed with SIGKILL hundreds of times while
it saves profiles and appends history; after every kill each profile file is
whole (the old or the new version) and loads, no temporary file passes for a
profile, and every history loads in order; enough kills cut a save short for
that to mean something. A full or read-only disk gives a clear message and
leaves both the file and the values in memory as they were; in the window, a
test the history cannot keep is still shown, and the status bar says why.
"""

from __future__ import annotations

import dataclasses
import errno
import os
import queue
import random
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any, NoReturn

import pytest
from crash_writer import HISTORY_LIMIT, NAMES, history_entry, version
from gui_stand_ins import WAIT_MS, make_window
from gui_windows import open_real_windows, open_test_page, run_test_and_wait
from pytestqt.qtbot import QtBot

from sfjwt_gui.engine import paths
from sfjwt_gui.engine.errors import ProfileError
from sfjwt_gui.engine.history import HistoryEntry, HistoryStore
from sfjwt_gui.engine.profile_format import Profile, profile_from_bytes
from sfjwt_gui.engine.profiles import ProfileStore
from sfjwt_gui.gui.mainwindow import MainWindow
from sfjwt_gui.gui.widgets import StepState

REPO = Path(__file__).resolve().parent.parent
WRITER = Path(__file__).resolve().parent / "crash_writer.py"
KILLS = 300
# The most operations a writer finishes before it is killed (8 per round).
MOST_OPERATIONS = 24
# Any single step; a writer that hangs fails the test instead of blocking it.
STEP_TIMEOUT_S = 30.0
# A save takes about a millisecond; each kill comes up to this long after the
# operation it waited for.
MOST_KILL_DELAY_S = 0.002
# The share of kills that must cut a save short, leaving its temporary file.
MIN_INTERRUPTED_PERCENT = 5


class Launcher:
    """The crash_writer process: starts writers on request and reaps them."""

    def __init__(self, folder: Path) -> None:
        env = {**os.environ, "PYTHONPATH": str(REPO)}
        self.process = subprocess.Popen(
            [sys.executable, str(WRITER), str(folder)],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            env=env,
        )
        self._lines: queue.Queue[str] = queue.Queue()
        threading.Thread(target=self._read, daemon=True).start()

    def _read(self) -> None:
        assert self.process.stdout is not None
        for raw in self.process.stdout:
            self._lines.put(raw.decode().strip())
        self._lines.put("end of output")

    def send(self, command: str) -> None:
        assert self.process.stdin is not None
        self.process.stdin.write(f"{command}\n".encode())
        self.process.stdin.flush()

    def next_line(self) -> str:
        return self._lines.get(timeout=STEP_TIMEOUT_S)

    def start_writer(self) -> int:
        self.send("go")
        line = self.next_line()
        assert line.startswith("writer "), line
        return int(line.removeprefix("writer "))

    def wait_for_operations(self, count: int) -> None:
        while True:
            line = self.next_line()
            assert line.startswith("op "), line
            if int(line.removeprefix("op ")) >= count:
                return

    def kill(self, pid: int) -> None:
        os.kill(pid, signal.SIGKILL)
        self.send(f"reap {pid}")
        # Progress lines written just before the kill may still be queued.
        while not self.next_line().startswith("reaped "):
            pass

    def close(self) -> None:
        assert self.process.stdin is not None
        self.process.stdin.close()
        self.process.wait(timeout=STEP_TIMEOUT_S)


def without_times(profile: Profile) -> Profile:
    return dataclasses.replace(profile, created_at="", updated_at="")


def check_profiles(folder: Path) -> set[str]:
    """Every profile file whole and loadable; the names of those saved so far."""
    entries = list(folder.iterdir()) if folder.exists() else []
    profile_files = [
        path
        for path in entries
        if path.suffix == ".json" and not path.name.startswith(".")
    ]
    leftovers = [path for path in entries if path not in profile_files]
    # A write cut short leaves only a hidden temporary file, never a .json one.
    assert all(
        path.name.startswith(".") and path.name.endswith(".tmp") for path in leftovers
    ), leftovers

    names = set()
    for path in profile_files:
        profile = profile_from_bytes(path.read_bytes(), path)
        versions = (version(profile.name, 0), version(profile.name, 1))
        assert without_times(profile) in versions, path.name
        names.add(profile.name)
    assert len(names) == len(profile_files)

    listing = ProfileStore(folder).list()
    assert listing.problems == []
    assert {profile.name for profile in listing.profiles} == names
    return names


def check_history(folder: Path, names: set[str]) -> None:
    """Each history loads, newest first, and the next append bounds it again.

    A kill between an append and the compaction it calls for leaves the file
    longer than twice the limit; the next append, in whatever process, counts
    the lines and compacts it.
    """
    reader = HistoryStore(folder)
    writer = HistoryStore(folder)
    writer.MAX_ENTRIES = HISTORY_LIMIT
    for name in names:
        entries = reader.entries(name, limit=HistoryStore.MAX_ENTRIES)
        order = [int(entry.summary) for entry in entries]
        assert order == sorted(set(order), reverse=True), name
        assert entries == [history_entry(number) for number in order]

        writer.append(name, history_entry(time.monotonic_ns()))
        after = reader.entries(name, limit=HistoryStore.MAX_ENTRIES)
        assert len(after) <= 2 * HISTORY_LIMIT, name


def temporary_files(folder: Path) -> set[Path]:
    """The temporary files of writes cut short (a finished write leaves none)."""
    return {path for path in folder.rglob(".*.tmp") if path.is_file()}


@pytest.mark.slow
@pytest.mark.skipif(not hasattr(os, "fork"), reason="needs fork() and SIGKILL")
def test_killing_a_writer_hundreds_of_times_never_damages_a_profile(
    tmp_path: Path,
) -> None:
    launcher = Launcher(tmp_path)
    # The same choices on every run, so that a failure is easier to reproduce.
    chooser = random.Random(20260509)
    names: set[str] = set()
    left_behind: set[Path] = set()
    interrupted = 0
    try:
        for _ in range(KILLS):
            pid = launcher.start_writer()
            launcher.wait_for_operations(chooser.randint(1, MOST_OPERATIONS))
            # Right after its "op" line the writer has hardly begun the next
            # write; a moment later it may be anywhere in it.
            time.sleep(chooser.uniform(0.0, MOST_KILL_DELAY_S))
            launcher.kill(pid)

            names = check_profiles(tmp_path / "profiles")
            check_history(tmp_path / "history", names)
            new = temporary_files(tmp_path) - left_behind
            interrupted += bool(new)
            left_behind |= new
    finally:
        launcher.close()

    assert names == set(NAMES)
    assert not list(tmp_path.rglob("*.corrupt-*"))
    # Otherwise the kills all fell between writes and the checks proved nothing.
    assert interrupted >= KILLS * MIN_INTERRUPTED_PERCENT // 100, interrupted


def test_temporary_files_a_crash_left_are_cleared_once_surely_abandoned(
    isolated_config: Path,
) -> None:
    store = ProfileStore()
    store.save(version("Acme", 0))
    folder = paths.profiles_dir()
    abandoned = folder / ".acme.json.0123456789ab.tmp"
    in_progress = folder / ".acme.json.ba9876543210.tmp"
    for path in (abandoned, in_progress):
        path.write_bytes(b'{"schema_version": 1, "profile": {"na')
    two_hours_ago = time.time() - 7200
    os.utime(abandoned, (two_hours_ago, two_hours_ago))

    listing = ProfileStore().list()

    assert [profile.name for profile in listing.profiles] == ["Acme"]
    assert listing.problems == []
    assert sorted(path.name for path in folder.iterdir()) == [
        in_progress.name,
        "acme.json",
    ]


# ---- full and read-only disks --------------------------------------------------


def _run(*command: str) -> bool:
    try:
        done = subprocess.run(command, capture_output=True, check=False, timeout=30)
    except (OSError, subprocess.TimeoutExpired):
        return False
    return done.returncode == 0


@pytest.fixture
def small_disk(tmp_path: Path) -> Iterator[Path]:
    """A real 256 KiB file system, where this machine lets tests mount one."""
    mount_point = tmp_path / "disk"
    mount_point.mkdir()
    if sys.platform != "linux" or os.geteuid() != 0:
        pytest.skip("mounting a small file system needs root on Linux")
    if not _run("mount", "-t", "tmpfs", "-o", "size=256k", "tmpfs", str(mount_point)):
        pytest.skip("this machine does not let tests mount a file system")
    try:
        yield mount_point
    finally:
        if not _run("umount", str(mount_point)):
            _run("umount", "-l", str(mount_point))


def fill(folder: Path) -> None:
    """Use up every free byte of the file system that holds ``folder``."""
    with (folder / "filler").open("wb", buffering=0) as filler:
        for size in (65536, 4096, 1):
            with pytest.raises(OSError, match="No space left") as full:  # noqa: PT012
                while True:
                    filler.write(b"\0" * size)
            assert full.value.errno == errno.ENOSPC


Stores = tuple[ProfileStore, HistoryStore]


@pytest.fixture
def acme_on_small_disk(small_disk: Path, monkeypatch: pytest.MonkeyPatch) -> Stores:
    """The config folder on the small disk, with profile Acme saved once."""
    monkeypatch.setenv(paths.CONFIG_DIR_ENV, str(small_disk))
    store, history = ProfileStore(), HistoryStore()
    store.save(version("Acme", 0))
    return store, history


def refused_writes(
    store: ProfileStore,
    history: HistoryStore,
    edited: Profile,
    entry: HistoryEntry,
) -> list[ProfileError]:
    """Save ``edited`` and append ``entry`` to Acme's history; both must fail."""
    with pytest.raises(ProfileError) as saving:
        store.save(edited)
    with pytest.raises(ProfileError) as appending:
        history.append("Acme", entry)

    errors = [saving.value, appending.value]
    assert [error.code for error in errors] == ["write_failed", "write_failed"]
    return errors


def test_a_full_disk_keeps_the_saved_profile_and_says_so(
    small_disk: Path, acme_on_small_disk: Stores
) -> None:
    store, history = acme_on_small_disk
    before = paths.profiles_dir().joinpath("acme.json").read_bytes()
    fill(small_disk)
    edited = version("Acme", 1)

    for error in refused_writes(store, history, edited, history_entry(1)):
        assert "the disk is full" in error.message
        assert "Free some disk space" in error.fix
    assert edited == version("Acme", 1)
    assert paths.profiles_dir().joinpath("acme.json").read_bytes() == before
    assert [path.name for path in paths.profiles_dir().iterdir()] == ["acme.json"]

    (small_disk / "filler").unlink()
    store.save(edited)
    assert without_times(store.get("Acme")) == edited


def test_a_read_only_disk_keeps_the_saved_profile_and_says_so(
    small_disk: Path, acme_on_small_disk: Stores
) -> None:
    store, history = acme_on_small_disk
    history.append("Acme", history_entry(1))
    assert _run("mount", "-o", "remount,ro", str(small_disk))
    edited = version("Acme", 1)

    for error in refused_writes(store, history, edited, history_entry(2)):
        assert "read-only" in error.message
        assert "writable" in error.fix
    assert edited == version("Acme", 1)
    assert without_times(ProfileStore().get("Acme")) == version("Acme", 0)
    assert [entry.summary for entry in HistoryStore().entries("Acme")] == ["1"]

    assert _run("mount", "-o", "remount,rw", str(small_disk))
    store.save(edited)
    assert without_times(store.get("Acme")) == edited


def refusing(code: int) -> Callable[..., NoReturn]:
    """A stand-in for an OS call that fails with error ``code``."""

    def refuse(*_args: object) -> NoReturn:
        raise OSError(code, os.strerror(code))

    return refuse


def test_a_full_disk_while_appending_history_keeps_the_earlier_entries(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    history = HistoryStore()
    history.append("Acme", history_entry(1))

    with monkeypatch.context() as patch:
        patch.setattr("sfjwt_gui.engine.history.os.write", refusing(errno.ENOSPC))
        with pytest.raises(ProfileError) as caught:
            history.append("Acme", history_entry(2))

    assert caught.value.code == "write_failed"
    assert "the disk is full" in caught.value.message
    assert [entry.summary for entry in history.entries("Acme")] == ["1"]


# The errors a refusing disk gives, and the words the window must show for each.
DISK_ERRORS = [
    pytest.param(errno.EROFS, "read-only", id="read-only"),
    pytest.param(errno.ENOSPC, "the disk is full", id="disk-full"),
]


@pytest.mark.gui
@pytest.mark.parametrize(("code", "words"), DISK_ERRORS)
def test_the_window_keeps_an_edit_it_cannot_save_and_saves_it_later(
    code: int, words: str, qtbot: QtBot, monkeypatch: pytest.MonkeyPatch
) -> None:
    ProfileStore().save(Profile(name="Acme", client_id="3MVG9old"))
    window = make_window(qtbot)
    session = window.session

    with monkeypatch.context() as patch:
        patch.setattr("sfjwt_gui.engine.atomic.os.replace", refusing(code))
        with qtbot.waitSignal(session.save_failed, timeout=WAIT_MS):
            session.update(client_id="3MVG9new")

    assert not window.save_error_label.isHidden()
    assert words in window.save_error_label.text()
    assert session.profile is not None
    assert session.profile.client_id == "3MVG9new"
    assert ProfileStore().get("Acme").client_id == "3MVG9old"

    with qtbot.waitSignal(session.saved, timeout=WAIT_MS):
        session.update(username="a@acme.example")

    assert window.save_error_label.isHidden()
    saved = ProfileStore().get("Acme")
    assert (saved.client_id, saved.username) == ("3MVG9new", "a@acme.example")
    window.close()


@pytest.fixture
def open_window(qtbot: QtBot) -> Iterator[Callable[[], MainWindow]]:
    yield from open_real_windows(qtbot)


@pytest.mark.parametrize("code", [errno.ENOSPC, errno.EROFS])
def test_the_command_line_prints_a_login_the_history_cannot_keep(
    code: int,
    demo: Any,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    import json

    from sfjwt_gui.cli.main import main

    ProfileStore().save(demo.profile("Demo"))
    monkeypatch.setattr(HistoryStore, "_append_line", staticmethod(refusing(code)))

    status = main(["login", "--profile", "Demo", "--json"])

    printed = capsys.readouterr()
    assert status == 0
    report = json.loads(printed.out)
    assert report["ok"] is True
    assert "this test is not in the history" in printed.err
    assert str(paths.history_dir()) in printed.err
    assert "Traceback" not in printed.err
    assert HistoryStore().entries("Demo") == []


@pytest.mark.gui
def test_a_test_the_full_disk_keeps_out_of_the_history_is_shown_and_explained(
    qtbot: QtBot,
    demo: Any,
    monkeypatch: pytest.MonkeyPatch,
    open_window: Callable[[], MainWindow],
) -> None:
    ProfileStore().save(demo.profile("Demo"))
    window = open_window()
    window.sidebar.select_profile("Demo")
    page = open_test_page(qtbot, window)
    assert window.save_error_label.isHidden()

    with monkeypatch.context() as patch:
        patch.setattr(
            HistoryStore, "_append_line", staticmethod(refusing(errno.ENOSPC))
        )
        result = run_test_and_wait(qtbot, page)

    # The user is told what was lost, where, and what to do about it.
    assert result.ok
    assert not window.save_error_label.isHidden()
    told = window.save_error_label.text()
    assert f"Could not save the test history to {paths.history_dir()}" in told
    assert "the disk is full" in told
    assert "Free some disk space" in told

    # The result itself is on screen as after any successful test.
    banner = page.result_view.banner_plain_text()
    assert banner.startswith(f"Logged in as {demo.username} ")
    assert page.state() is StepState.DONE
    assert page.history_view.row_count() == 0
    assert HistoryStore().entries("Demo") == []

    # A profile edit that is saved says nothing about the history: still shown.
    with qtbot.waitSignal(window.session.saved, timeout=WAIT_MS):
        window.session.update(timeout_s=25.0)
        window.session.flush()
    assert window.save_error_label.text() == told

    # The next test that reaches the history clears it.
    run_test_and_wait(qtbot, page)
    assert window.save_error_label.isHidden()
    assert len(HistoryStore().entries("Demo")) == 1
