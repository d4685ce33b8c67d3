"""The window: cold start against a bare PySide6 window, stalls, memory.

Cold start is a whole process from launch to the first painted window, with
QT_QPA_PLATFORM=offscreen, for a first start (no profile) and a second start
(one profile saved). The rest comes from gui_probe, which drives the real
window through a 4096-bit key generation and a demo login.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import tempfile
import textwrap
from pathlib import Path

from .common import median_interleaved, time_process

BARE_WINDOW = textwrap.dedent(
    """
    import sys
    from PySide6.QtCore import QTimer
    from PySide6.QtWidgets import QApplication, QMainWindow

    app = QApplication(sys.argv[:1])

    class Window(QMainWindow):
        def paintEvent(self, event):
            super().paintEvent(event)
            QTimer.singleShot(0, app.quit)

    window = Window()
    window.resize(1000, 700)
    window.show()
    app.exec()
    """
)


def _offscreen(**extra: str) -> dict[str, str]:
    return {"QT_QPA_PLATFORM": "offscreen", **extra}


def cold_start(runs: int) -> list[tuple[str, str, str]]:
    workdir = Path(tempfile.mkdtemp(prefix="sfjwt-bench-gui-"))
    bare = workdir / "bare.py"
    bare.write_text(BARE_WINDOW)
    app = [sys.executable, "-m", "sfjwt_gui.gui.main", "--quit-after-first-paint"]
    saved = workdir / "saved-config"
    subprocess.run(
        [
            sys.executable,
            "-m",
            "sfjwt_gui.cli.main",
            "profiles",
            "add",
            "Acme",
            "--login-url",
            "https://acme.my.salesforce.com",
        ],
        env={**os.environ, "SFJWT_CONFIG_DIR": str(saved)},
        check=True,
        capture_output=True,
    )

    def first_start() -> float:
        fresh = tempfile.mkdtemp(dir=workdir)
        return time_process(app, env=_offscreen(SFJWT_CONFIG_DIR=fresh))

    medians = median_interleaved(
        runs,
        {
            "bare": lambda: time_process([sys.executable, str(bare)], env=_offscreen()),
            "first": first_start,
            "again": lambda: time_process(
                app, env=_offscreen(SFJWT_CONFIG_DIR=str(saved))
            ),
        },
    )
    bare_s = medians["bare"]
    return [
        ("bare PySide6 window", f"{bare_s * 1000:.0f} ms", ""),
        (
            "sfjwt-gui, first start",
            f"{medians['first'] * 1000:.0f} ms",
            f"{medians['first'] / bare_s:.2f}x (goal <= 1.30x)",
        ),
        (
            "sfjwt-gui, with a saved profile",
            f"{medians['again'] * 1000:.0f} ms",
            f"{medians['again'] / bare_s:.2f}x (goal <= 1.30x)",
        ),
    ]


def probe() -> list[tuple[str, str, str]]:
    done = subprocess.run(
        [sys.executable, "-m", "tests.benchmarks.gui_probe"],
        env={**os.environ, **_offscreen()},
        capture_output=True,
        text=True,
        check=True,
        timeout=300,
    )
    figures = json.loads(done.stdout.strip().splitlines()[-1])
    stall_goal = "goal < 50 ms"
    return [
        ("4096-bit key generation", f"{figures['keygen_4096_ms']:.0f} ms", ""),
        (
            "  longest GUI-thread stall",
            f"{figures['stall_keygen_4096_ms']:.1f} ms",
            stall_goal,
        ),
        ("2048-bit key generation", f"{figures['keygen_2048_ms']:.0f} ms", ""),
        (
            "  longest GUI-thread stall",
            f"{figures['stall_keygen_2048_ms']:.1f} ms",
            stall_goal,
        ),
        ("demo login + verification", f"{figures['login_and_verify_ms']:.0f} ms", ""),
        (
            "  longest GUI-thread stall",
            f"{figures['stall_login_ms']:.1f} ms",
            stall_goal,
        ),
        (
            "resident memory after login",
            f"{figures['rss_after_login_mib']:.0f} MiB",
            "",
        ),
    ]
