"""The window while network faults happen: GUI-thread stalls and time to diagnosis.

For each fault of tests/fault_servers.py, the real window (offscreen, in a
fresh process) runs Test login into the fault three times; a timer on the GUI
thread measures the longest time the event loop went without running, from
the click until the diagnosis is on screen. Each row gives the median of the
runs' stalls and the worst one. Goal: median stall under 50 ms.

Run alone with `python -m tests.benchmarks.bench_faults`.
"""

from __future__ import annotations

import contextlib
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from .common import median_and_worst, print_table

if TYPE_CHECKING:
    # Loaded by the probe process only: the table printer needs no Qt.
    from fault_servers import FaultCase, FaultContext
    from PySide6.QtWidgets import QApplication

RUNS_PER_FAULT = 3
STALL_GOAL_MS = 50.0
PROBE_FLAG = "--probe"
# Long enough for a switched tab to be laid out and painted.
SETTLE_S = 0.3


def run(runs: int = RUNS_PER_FAULT) -> list[tuple[str, str, str]]:
    """Probe in a fresh offscreen process; one row per fault."""
    done = subprocess.run(
        [sys.executable, "-m", "tests.benchmarks.bench_faults", PROBE_FLAG, str(runs)],
        env={**os.environ, "QT_QPA_PLATFORM": "offscreen"},
        capture_output=True,
        text=True,
        check=True,
        timeout=600,
    )
    figures: dict[str, dict[str, Any]] = json.loads(
        done.stdout.strip().splitlines()[-1]
    )
    rows = []
    for name, measured in figures.items():
        stalls = measured["stalls_ms"]
        verdict = "ok" if statistics.median(stalls) < STALL_GOAL_MS else "OVER GOAL"
        shown_in = measured["median_ms"]
        timing = "" if shown_in is None else f"diagnosis in {shown_in:.0f} ms; "
        rows.append(
            (
                f"{name} -> {measured['code']}",
                median_and_worst(stalls, "ms"),
                f"{timing}stall goal < {STALL_GOAL_MS:.0f} ms: {verdict}",
            )
        )
    return rows


def _probe(runs: int) -> int:
    """Drive the window into every fault; print the figures as one JSON line."""
    os.environ.setdefault("SFJWT_CONFIG_DIR", tempfile.mkdtemp(prefix="sfjwt-faults-"))
    for name in ("HTTPS_PROXY", "https_proxy", "NO_PROXY", "no_proxy"):
        os.environ.pop(name, None)
    # fault_servers lives beside the tests and imports its neighbours by name,
    # as pytest lets it; a benchmark process needs that folder on the path.
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
    from fault_servers import FAULTS, FaultContext
    from PySide6.QtWidgets import QApplication

    from sfjwt_gui.demo.materials import ensure_demo_materials
    from sfjwt_gui.demo.org import DemoOrg
    from sfjwt_gui.demo.server import DemoServer
    from sfjwt_gui.demo.settings import DemoSettings

    workdir = Path(tempfile.mkdtemp(prefix="sfjwt-faults-work-"))
    materials = ensure_demo_materials(workdir / "demo")
    org = DemoOrg(DemoSettings(certificate=materials.certificate))
    server = DemoServer(org)
    server.start()
    app = QApplication(sys.argv[:1])
    driver = _WindowDriver(app, FaultContext(org, server.base_url, workdir))

    figures: dict[str, dict[str, Any]] = {}
    for case in FAULTS:
        tried = [driver.test_login(case) for _ in range(runs)]
        measured = [run for run in tried if run is not None]
        if measured:
            figures[case.name] = {
                "code": measured[0][2],
                "stalls_ms": [stall for stall, _, _ in measured],
                "median_ms": statistics.median(ms for _, ms, _ in measured),
            }

    # Then the user opens the Response tab on the biggest answer there is.
    [huge] = [case for case in FAULTS if case.name == "body_64_mib"]
    tab_stalls = []
    for _ in range(runs):
        if driver.test_login(huge) is None:
            break
        tab_stalls.append(driver.open_response_tab())
    if tab_stalls:
        figures["body_64_mib, Response tab opened"] = {
            "code": huge.code,
            "stalls_ms": tab_stalls,
            "median_ms": None,
        }

    driver.window.close()
    server.stop()
    sys.stdout.write(json.dumps(figures) + "\n")
    return 0


@dataclass(frozen=True)
class _DemoInputs:
    """The demo org's login inputs, as fault_profile wants them."""

    client_id: str
    username: str
    key_path: Path
    cert_path: Path


class _WindowDriver:
    """The real window on a profile that is pointed into one fault after another."""

    def __init__(self, app: QApplication, context: FaultContext) -> None:
        from fault_servers import FAULTS, fault_profile

        from sfjwt_gui.demo.materials import ensure_demo_materials
        from sfjwt_gui.demo.settings import DEMO_CLIENT_ID, DEMO_USERNAME
        from sfjwt_gui.engine.profiles import ProfileStore
        from sfjwt_gui.gui.mainwindow import MainWindow
        from sfjwt_gui.gui.page_test import TestPage

        from .gui_probe import StallMeter

        materials = ensure_demo_materials(context.workdir / "demo")
        inputs = _DemoInputs(
            DEMO_CLIENT_ID, DEMO_USERNAME, materials.key_path, materials.cert_path
        )
        with FAULTS[0].stage(context) as target:
            ProfileStore().save(fault_profile(inputs, target))
        self.app = app
        self.context = context
        self.meter = StallMeter()
        self.window = MainWindow()
        self.window.show()

        # Settle as before a person's first click: pages built, engine loaded,
        # and the test page on screen.
        steps = self.window.steps
        assert steps is not None
        self.window.finish_start()
        while steps.build_next_page():
            pass
        self._wait_until(lambda: not self.window.tasks.busy)
        steps.set_current(2)
        page = steps.test_page
        assert isinstance(page, TestPage)
        self.page = page
        self.finished: list[Any] = []
        page.test_finished.connect(self.finished.append)

    def test_login(self, case: FaultCase) -> tuple[float, float, str] | None:
        """(stall ms, time to diagnosis ms, first finding code); None: not staged."""
        from fault_servers import FaultNotStaged, environment

        with contextlib.ExitStack() as stack:
            try:
                target = stack.enter_context(case.stage(self.context))
            except FaultNotStaged:
                return None
            stack.enter_context(environment(target.env))
            self.window.session.update(
                login_url=target.login_url,
                timeout_s=target.timeout_s,
                proxy=target.proxy,
            )
            self.window.session.flush()
            self._wait_until(lambda: not self.window.tasks.busy)
            self.finished.clear()

            self.meter.start()
            started = time.perf_counter()
            self.page.run_test()
            self._wait_until(lambda: bool(self.finished))
            self.app.processEvents()  # the diagnosis painted
            elapsed_ms = (time.perf_counter() - started) * 1000
            return self.meter.stop(), elapsed_ms, self.finished[0].findings[0].code

    def open_response_tab(self) -> float:
        """The longest stall while the Response tab is shown and painted."""
        result_view = self.page.result_view
        self.meter.start()
        started = time.perf_counter()
        result_view.tabs.setCurrentWidget(result_view.response_view)
        self._wait_until(lambda: time.perf_counter() - started > SETTLE_S)
        stall = self.meter.stop()

        # Back to the first tab, so the next answer arrives with Response hidden.
        result_view.tabs.setCurrentIndex(0)
        self.app.processEvents()
        return stall

    def _wait_until(self, done: Callable[[], bool]) -> None:
        from .gui_probe import wait_until

        wait_until(done)


if __name__ == "__main__":
    if PROBE_FLAG in sys.argv[1:]:
        # "--probe [RUNS]": the parent names how many runs each fault gets.
        given = sys.argv[sys.argv.index(PROBE_FLAG) + 1 :]
        sys.exit(_probe(int(given[0]) if given else RUNS_PER_FAULT))
    print_table("Window during network faults (median stall of runs)", run())
