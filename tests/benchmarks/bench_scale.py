"""A thousand profiles and a history of ten thousand tests: how the app copes.

Measures listing the profiles, the window's cold start with all of them, and,
in the real window, switching between profiles and showing a long history a
page at a time. The window figures come from this module run as a probe in a
fresh process: ``python -m tests.benchmarks.bench_scale --probe CONFIG_DIR``
(``--probe-start``: only the stall after the first paint, for any config).
"""

from __future__ import annotations

import functools
import json
import os
import random
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

from sfjwt_gui.engine.history import HistoryEntry, HistoryStore
from sfjwt_gui.engine.profile_format import Profile
from sfjwt_gui.engine.profiles import ProfileStore

from .bench_gui import _compile_bytecode, _offscreen, time_to_first_paint
from .common import median_interleaved

PROFILES = 1000
TESTS = 10_000
BUSY_PROFILE = "Org 0001"  # the one with the long history
SWITCHES = 40
GOAL_MS = 200.0
STALL_GOAL_MS = 50.0
STALL_RUNS = 3  # the stall varies from run to run by tens of milliseconds


def make_config(folder: Path, profiles: int, tests: int) -> None:
    """A config folder as a heavy user's: many profiles, one long history.

    Every profile has a certificate (the same file), which the window reads
    for each row after its first paint.
    """
    from sfjwt_gui.engine.keys import (
        generate_private_key,
        self_signed_certificate,
        write_key_and_certificate,
    )
    from sfjwt_gui.engine.keyspec import Subject

    key = generate_private_key(2048)
    cert = self_signed_certificate(key, Subject("sfjwt bench"))
    pair = write_key_and_certificate(folder / "keys", key, cert)
    store = ProfileStore(folder / "profiles")
    for number in range(profiles):
        store.save(
            Profile(
                name=f"Org {number:04d}",
                login_url=f"https://org{number}.my.salesforce.com",
                client_id=f"3MVG9{number:012d}",
                username=f"admin@org{number}.example",
                key_path=str(pair.key_path),
                cert_path=str(pair.cert_path),
            )
        )
    history = HistoryStore(folder / "history")
    for number in range(tests):
        history.append(
            BUSY_PROFILE,
            HistoryEntry(
                at="2026-01-01T00:00:00Z",
                ok=number % 4 != 0,
                codes=() if number % 4 else ("user_not_approved",),
                status=200 if number % 4 else 400,
                elapsed_ms=150.0,
                summary=f"test {number}",
                login_url="https://org1.my.salesforce.com",
            ),
        )


def _median_ms(runs: int, measure: Callable[[], object]) -> float:
    samples = []
    for _ in range(runs):
        started = time.perf_counter()
        measure()
        samples.append((time.perf_counter() - started) * 1000)
    return statistics.median(samples)


def _goal(figure_ms: float) -> str:
    verdict = "ok" if figure_ms <= GOAL_MS else "SLOW"
    return f"goal <= {GOAL_MS:.0f} ms: {verdict}"


def run() -> list[tuple[str, str, str]]:
    _compile_bytecode()
    workdir = Path(tempfile.mkdtemp(prefix="sfjwt-bench-scale-"))
    try:
        return _measure(workdir / "heavy", workdir / "light")
    finally:
        shutil.rmtree(workdir, ignore_errors=True)


def _measure(heavy: Path, light: Path) -> list[tuple[str, str, str]]:
    make_config(heavy, PROFILES, TESTS)
    make_config(light, 1, 0)

    list_ms = _median_ms(9, lambda: ProfileStore(heavy / "profiles").list())
    page_ms = _median_ms(
        9, lambda: HistoryStore(heavy / "history").entries(BUSY_PROFILE, limit=101)
    )
    starts = median_interleaved(
        5,
        {
            "light": functools.partial(_cold_start, light),
            "heavy": functools.partial(_cold_start, heavy),
        },
    )
    window = _probe(heavy)
    stalls = median_interleaved(
        STALL_RUNS,
        {
            "light": functools.partial(_start_stall, light),
            "heavy": functools.partial(_start_stall, heavy),
        },
    )
    stall_verdict = "" if stalls["heavy"] < STALL_GOAL_MS else ": SLOW"
    return [
        (f"list {PROFILES} profiles", f"{list_ms:.0f} ms", ""),
        (f"history after {TESTS} tests, newest page", f"{page_ms:.1f} ms", ""),
        ("cold start, 1 profile", f"{starts['light'] * 1000:.0f} ms", ""),
        (
            f"cold start, {PROFILES} profiles",
            f"{starts['heavy'] * 1000:.0f} ms",
            f"{starts['heavy'] / starts['light']:.2f}x the 1-profile start",
        ),
        (
            "longest GUI-thread stall while the window finishes its start",
            f"{stalls['heavy']:.0f} ms",
            f"goal < {STALL_GOAL_MS:.0f} ms{stall_verdict}; "
            f"with 1 profile: {stalls['light']:.0f} ms",
        ),
        (
            "switch profile in the window (median)",
            f"{window['switch_median_ms']:.0f} ms",
            _goal(window["switch_median_ms"]),
        ),
        (
            "switch profile in the window (slowest)",
            f"{window['switch_max_ms']:.0f} ms",
            _goal(window["switch_max_ms"]),
        ),
        (
            "history view, first page",
            f"{window['history_first_page_ms']:.0f} ms",
            _goal(window["history_first_page_ms"]),
        ),
        (
            "history view, next page",
            f"{window['history_next_page_ms']:.0f} ms",
            _goal(window["history_next_page_ms"]),
        ),
    ]


def _cold_start(config: Path) -> float:
    # As bench_gui starts it: what the installed sfjwt-gui script runs.
    app = [
        sys.executable,
        "-c",
        "import sys; from sfjwt_gui.gui.main import main; sys.exit(main())",
        "--quit-after-first-paint",
    ]
    return time_to_first_paint(app, env=_offscreen(SFJWT_CONFIG_DIR=str(config)))


def _start_stall(config: Path) -> float:
    return _probe(config, "--probe-start")["certificates_stall_ms"]


def _probe(config: Path, mode: str = "--probe") -> dict[str, float]:
    done = subprocess.run(
        [sys.executable, "-m", "tests.benchmarks.bench_scale", mode, str(config)],
        env={**os.environ, **_offscreen(SFJWT_CONFIG_DIR=str(config))},
        capture_output=True,
        text=True,
        check=True,
        timeout=300,
    )
    figures: dict[str, float] = json.loads(done.stdout.strip().splitlines()[-1])
    return figures


# ---- the probe, in its own process ---------------------------------------------


def probe_window(config: Path, *, start_only: bool = False) -> dict[str, float]:
    """Drive the real window: switch profiles, page through the long history.

    ``start_only``: only how long the GUI thread stalls after the first paint,
    which any number of profiles can be measured with.
    """
    os.environ["SFJWT_CONFIG_DIR"] = str(config)
    from PySide6.QtWidgets import QApplication

    from sfjwt_gui.gui.mainwindow import MainWindow
    from sfjwt_gui.gui.page_test import TestPage

    from .gui_probe import StallMeter, wait_until

    app = QApplication(sys.argv[:1])
    meter = StallMeter()
    window = MainWindow()
    window.show()
    # After the first paint the rows not shown yet get their details, and
    # every row's certificate is read off the GUI thread; the rows are updated
    # on it, a slice at a time.
    meter.start()
    window.finish_start()
    wait_until(lambda: not window.tasks.busy and not window.sidebar.rows_waiting())
    certificates_stall_ms = meter.stop()
    rows = window.sidebar.profile_names()
    assert window.sidebar.row_lines(rows[-1])[2].endswith("days left")
    if start_only:
        window.close()
        return {"certificates_stall_ms": certificates_stall_ms}
    assert window.steps is not None
    # Settled as before a person's first click: every page built.
    while window.steps.build_next_page():
        pass

    names = window.sidebar.profile_names()
    chooser = random.Random(7)
    switches = []
    for name in [*chooser.sample(names, SWITCHES), BUSY_PROFILE]:
        started = time.perf_counter()
        window.sidebar.select_profile(name)
        app.processEvents()
        switches.append((time.perf_counter() - started) * 1000)
        profile = window.session.profile
        assert profile is not None
        assert profile.name == name

    test_page = window.steps.test_page
    assert isinstance(test_page, TestPage)
    view = test_page.history_view
    started = time.perf_counter()
    view.load(BUSY_PROFILE)
    app.processEvents()
    first_page_ms = (time.perf_counter() - started) * 1000
    started = time.perf_counter()
    view.more_button.click()
    app.processEvents()
    next_page_ms = (time.perf_counter() - started) * 1000
    assert view.row_count() == 200

    window.close()
    return {
        "certificates_stall_ms": certificates_stall_ms,
        "switch_median_ms": statistics.median(switches),
        "switch_max_ms": max(switches),
        "history_first_page_ms": first_page_ms,
        "history_next_page_ms": next_page_ms,
    }


if __name__ == "__main__":
    if sys.argv[1:2] in (["--probe"], ["--probe-start"]):
        start_only = sys.argv[1] == "--probe-start"
        figures = probe_window(Path(sys.argv[2]), start_only=start_only)
        sys.stdout.write(json.dumps(figures) + "\n")
    else:
        from .common import print_table

        print_table("A thousand profiles (medians)", run())
