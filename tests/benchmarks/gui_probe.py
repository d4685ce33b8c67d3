"""Drives the real window offscreen and prints its figures as one JSON line.

Run by bench_gui in a fresh process, so the memory figure is the app's own:
start the window, open the demo org, generate a 4096-bit key through the keys
page, then a 2048-bit one, log in through the test page, and meanwhile measure
how long the GUI thread ever went without running its event loop.
"""

from __future__ import annotations

import json
import os
import resource
import sys
import tempfile
import time
from collections.abc import Callable

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
os.environ.setdefault("SFJWT_CONFIG_DIR", tempfile.mkdtemp(prefix="sfjwt-probe-"))

from PySide6.QtCore import QEventLoop, QObject, Qt, QTimer, Slot
from PySide6.QtWidgets import QApplication

from sfjwt_gui.gui.mainwindow import MainWindow
from sfjwt_gui.gui.page_keys import KeysPage

TICK_MS = 2


class StallMeter(QObject):
    """Ticks every few ms on the GUI thread; the longest gap is the worst stall."""

    def __init__(self) -> None:
        super().__init__()
        self.worst_ms = 0.0
        self._last = time.perf_counter()
        self._timer = QTimer(self)
        self._timer.setTimerType(Qt.TimerType.PreciseTimer)
        self._timer.setInterval(TICK_MS)
        self._timer.timeout.connect(self._on_tick)

    def start(self) -> None:
        self.worst_ms = 0.0
        self._last = time.perf_counter()
        self._timer.start()

    def stop(self) -> float:
        self._timer.stop()
        return self.worst_ms

    @Slot()
    def _on_tick(self) -> None:
        now = time.perf_counter()
        self.worst_ms = max(self.worst_ms, (now - self._last) * 1000 - TICK_MS)
        self._last = now


def wait_until(done: Callable[[], bool], timeout_s: float = 120.0) -> None:
    """Run the event loop (so the meter ticks) until ``done()`` holds."""
    loop = QEventLoop()
    poll = QTimer()
    poll.setInterval(5)

    def check() -> None:
        if done():
            loop.quit()

    poll.timeout.connect(check)
    deadline = QTimer()
    deadline.setSingleShot(True)
    deadline.timeout.connect(loop.quit)
    poll.start()
    deadline.start(int(timeout_s * 1000))
    loop.exec()
    poll.stop()
    if not done():
        raise TimeoutError("the window did not finish in time")


def rss_mib() -> float:
    with open("/proc/self/status", encoding="ascii") as status:
        for line in status:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def generate(window: MainWindow, meter: StallMeter, bits: int) -> tuple[float, float]:
    """Generate a key through the keys page; (elapsed ms, worst stall ms)."""
    assert window.steps is not None
    keys_page = window.steps.page(0)
    assert isinstance(keys_page, KeysPage)
    panel = keys_page.generate_panel
    panel.bits_combo.setCurrentIndex(panel.bits_combo.findData(bits))
    panel.force_check.setChecked(True)
    before = window.session.profile.key_path if window.session.profile else ""
    meter.start()
    started = time.perf_counter()
    panel.generate()
    wait_until(lambda: not panel.is_running())
    elapsed = (time.perf_counter() - started) * 1000
    stall = meter.stop()
    assert window.session.profile is not None
    assert window.session.profile.key_path or before
    return elapsed, stall


def main() -> int:
    app = QApplication(sys.argv[:1])
    window = MainWindow()
    window.show()
    meter = StallMeter()
    if not window.open_demo():
        raise RuntimeError("the demo org did not start")
    # Let the window settle as it does before a person's first click: pages
    # built, the engine preloaded in the background.
    assert window.steps is not None
    while window.steps.build_next_page():
        pass
    wait_until(lambda: not window.tasks.busy)

    keygen_4096_ms, stall_4096 = generate(window, meter, 4096)
    keygen_2048_ms, stall_2048 = generate(window, meter, 2048)

    assert window.steps is not None
    test_page = window.steps.test_page
    finished: list[object] = []
    test_page.test_finished.connect(finished.append)
    meter.start()
    started = time.perf_counter()
    test_page.run_test()
    wait_until(lambda: bool(finished))
    login_ms = (time.perf_counter() - started) * 1000
    stall_login = meter.stop()
    result = finished[0]
    ok = bool(getattr(result, "ok", False))

    figures = {
        "keygen_4096_ms": keygen_4096_ms,
        "stall_keygen_4096_ms": stall_4096,
        "keygen_2048_ms": keygen_2048_ms,
        "stall_keygen_2048_ms": stall_2048,
        "login_and_verify_ms": login_ms,
        "stall_login_ms": stall_login,
        "login_ok": ok,
        "rss_after_login_mib": rss_mib(),
    }
    window.close()
    app.processEvents()
    sys.stdout.write(json.dumps(figures) + "\n")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
