"""Render each step of the window offscreen to PNG files, for the README.

    QT_QPA_PLATFORM=offscreen python packaging/screenshots.py [OUT_DIR]

Walks the demo flow as a user would - open the demo org, generate a key, fill
in nothing else (the demo org's details are prefilled), test the login - then
a failure scenario, and saves what the window shows at each point. Uses its
own temporary config folder, never the user's.
"""

from __future__ import annotations

import os
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
os.environ["SFJWT_CONFIG_DIR"] = tempfile.mkdtemp(prefix="sfjwt-shots-")

from PySide6.QtCore import QCoreApplication
from PySide6.QtWidgets import QApplication, QWidget

from sfjwt_gui.gui.key_generate import GeneratePanel
from sfjwt_gui.gui.mainwindow import MainWindow
from sfjwt_gui.gui.page_keys import KeysPage
from sfjwt_gui.gui.page_test import TestPage
from sfjwt_gui.gui.widgets import StepState

DEFAULT_OUT = Path(__file__).resolve().parent.parent / "resources" / "screenshots"
WINDOW_SIZE = (1280, 820)


def settle(done: Callable[[], bool] = lambda: True, timeout_s: float = 60) -> None:
    """Let the event loop run until ``done()`` holds and painting has caught up."""
    deadline = time.monotonic() + timeout_s
    while not done():
        if time.monotonic() > deadline:
            raise TimeoutError("the window did not get there in time")
        QCoreApplication.processEvents()
        time.sleep(0.01)
    for _ in range(5):
        QCoreApplication.processEvents()


def shoot(widget: QWidget, path: Path) -> None:
    settle()
    widget.grab().save(str(path))
    print(f"wrote {path}")


def main(out_dir: Path) -> int:
    out_dir.mkdir(parents=True, exist_ok=True)
    app = QApplication(sys.argv[:1])
    app.setApplicationName("sfjwt-gui")
    window = MainWindow()
    window.resize(*WINDOW_SIZE)
    window.show()
    shoot(window, out_dir / "0-welcome.png")

    window.open_demo()
    steps = window.steps
    assert steps is not None
    panel = window.findChild(GeneratePanel)
    assert panel is not None
    panel.generate()
    keys_page = steps.page(0)
    assert isinstance(keys_page, KeysPage)
    settle(lambda: not panel.is_running() and keys_page.state() is StepState.DONE)
    shoot(window, out_dir / "1-key-and-certificate.png")

    steps.set_current(1)
    shoot(window, out_dir / "2-connected-app.png")

    steps.set_current(2)
    test_page = steps.test_page
    assert isinstance(test_page, TestPage)
    finished: list[object] = []
    test_page.test_finished.connect(finished.append)
    test_page.run_test()
    settle(lambda: bool(finished))
    shoot(window, out_dir / "3-test-login-success.png")
    tabs = test_page.result_view.tabs
    tabs.setCurrentWidget(test_page.result_view.jwt_view)
    shoot(window, out_dir / "3b-test-login-jwt.png")
    tabs.setCurrentWidget(test_page.result_view.response_view)
    shoot(window, out_dir / "3c-test-login-response.png")
    tabs.setCurrentWidget(test_page.result_view.diagnosis)

    window.demo.set_scenario("user_not_approved")
    test_page.run_test()
    settle(lambda: len(finished) == 2)
    shoot(window, out_dir / "4-test-login-diagnosis.png")

    window.close()
    return 0


if __name__ == "__main__":
    sys.exit(main(Path(sys.argv[1]) if len(sys.argv) > 1 else DEFAULT_OUT))
