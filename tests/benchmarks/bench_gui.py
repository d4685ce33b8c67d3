"""The window: cold start against a bare PySide6 window, stalls, memory.

Cold start is the time from launching a process to its first painted window, with
QT_QPA_PLATFORM=offscreen, for a first start (no profile) and a second start
(one profile saved), each with a home folder of its own in which the app finds
its folders as it does on a user's machine. The rest comes from gui_probe,
which drives the real window through a 4096-bit key generation and a demo
login.
"""

from __future__ import annotations

import json
import os
import statistics
import subprocess
import sys
import tempfile
import textwrap
import time
from collections.abc import Mapping
from pathlib import Path

from .common import interleaved_samples, median_and_worst, median_paired_ratio

BARE_WINDOW = textwrap.dedent(
    """
    import sys
    import time
    from PySide6.QtCore import QTimer
    from PySide6.QtWidgets import QApplication, QMainWindow

    app = QApplication(sys.argv[:1])

    class Window(QMainWindow):
        def paintEvent(self, event):
            super().paintEvent(event)
            QTimer.singleShot(0, self.painted)

        def painted(self):
            print(f"first paint at {time.time():.6f}", flush=True)
            app.quit()

    window = Window()
    window.resize(1000, 700)
    window.show()
    app.exec()
    """
)


def time_to_first_paint(argv: list[str], *, env: dict[str, str]) -> float:
    """Seconds from launching ``argv`` to the first paint it reports."""
    launched = time.time()
    done = subprocess.run(
        argv,
        env={**_without_folder_overrides(os.environ), **env},
        capture_output=True,
        text=True,
        check=True,
        timeout=60,
    )
    for line in done.stdout.splitlines():
        if line.startswith("first paint at "):
            return float(line.removeprefix("first paint at ")) - launched
    raise RuntimeError(f"{argv[-1]} reported no first paint")


def _without_folder_overrides(environ: Mapping[str, str]) -> dict[str, str]:
    """``environ`` without the variables that move the app's folders."""
    moved = {"SFJWT_CONFIG_DIR", "SFJWT_LOG_DIR"}
    return {
        name: value
        for name, value in environ.items()
        if name not in moved and not name.startswith("XDG_")
    }


def _as_user(home: Path) -> dict[str, str]:
    """Offscreen, with ``home`` as the home folder and the app's usual folders.

    The app finds its folders as on a user's machine (platformdirs), not
    through SFJWT_CONFIG_DIR, so a start pays for what a user's start does.
    """
    return _offscreen(HOME=str(home))


def _offscreen(**extra: str) -> dict[str, str]:
    return {"QT_QPA_PLATFORM": "offscreen", **extra}


def _compile_bytecode() -> None:
    """Write the bytecode cache, as installing the app does.

    Without it (PYTHONDONTWRITEBYTECODE is set on some machines) every start
    would compile the app's sources again, which no installed copy does.
    """
    import compileall

    import sfjwt_gui

    compileall.compile_dir(Path(sfjwt_gui.__file__).parent, quiet=1)


def cold_start(runs: int) -> list[tuple[str, str, str]]:
    _compile_bytecode()
    workdir = Path(tempfile.mkdtemp(prefix="sfjwt-bench-gui-"))
    bare = workdir / "bare.py"
    bare.write_text(BARE_WINDOW)
    # What the installed sfjwt-gui script runs; "python -m" would add runpy's
    # own imports, which no user pays.
    app = [
        sys.executable,
        "-c",
        "import sys; from sfjwt_gui.gui.main import main; sys.exit(main())",
        "--quit-after-first-paint",
    ]
    saved = workdir / "saved-home"
    saved.mkdir()
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
        env={**_without_folder_overrides(os.environ), "HOME": str(saved)},
        check=True,
        capture_output=True,
    )

    def first_start() -> float:
        fresh = Path(tempfile.mkdtemp(dir=workdir))
        return time_to_first_paint(app, env=_as_user(fresh))

    samples = interleaved_samples(
        runs,
        {
            # In a home of its own too, so both find the same (empty) caches.
            "bare": lambda: time_to_first_paint(
                [sys.executable, str(bare)],
                env=_as_user(Path(tempfile.mkdtemp(dir=workdir))),
            ),
            "first": first_start,
            "again": lambda: time_to_first_paint(app, env=_as_user(saved)),
        },
    )

    def row(label: str, name: str) -> tuple[str, str, str]:
        ratio = median_paired_ratio(samples[name], samples["bare"])
        median_ms = statistics.median(samples[name]) * 1000
        return (label, f"{median_ms:.0f} ms", f"{ratio:.2f}x (goal <= 1.30x)")

    bare_ms = statistics.median(samples["bare"]) * 1000
    return [
        ("bare PySide6 window", f"{bare_ms:.0f} ms", ""),
        row("sfjwt-gui, first start", "first"),
        row("sfjwt-gui, with a saved profile", "again"),
    ]


def probe(runs: int = 3) -> list[tuple[str, str, str]]:
    """gui_probe ``runs`` times, each in a fresh process; medians of its figures."""
    samples: list[dict[str, float]] = []
    for _ in range(runs):
        done = subprocess.run(
            [sys.executable, "-m", "tests.benchmarks.gui_probe"],
            env={**os.environ, **_offscreen()},
            capture_output=True,
            text=True,
            check=True,
            timeout=300,
        )
        samples.append(json.loads(done.stdout.strip().splitlines()[-1]))

    def median_ms(name: str) -> str:
        return f"{statistics.median(sample[name] for sample in samples):.0f} ms"

    def stall(name: str) -> str:
        return median_and_worst([sample[name] for sample in samples], "ms")

    stall_goal = "goal < 50 ms"
    memory = [sample["rss_after_login_mib"] for sample in samples]
    return [
        ("4096-bit key generation", median_ms("keygen_4096_ms"), ""),
        ("  longest GUI-thread stall", stall("stall_keygen_4096_ms"), stall_goal),
        ("2048-bit key generation", median_ms("keygen_2048_ms"), ""),
        ("  longest GUI-thread stall", stall("stall_keygen_2048_ms"), stall_goal),
        ("demo login + verification", median_ms("login_and_verify_ms"), ""),
        ("  longest GUI-thread stall", stall("stall_login_ms"), stall_goal),
        (
            "resident memory after login",
            median_and_worst(memory, "MiB", digits=0),
            "",
        ),
    ]
