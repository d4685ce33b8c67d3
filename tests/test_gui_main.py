"""The sfjwt-gui command as a whole process: version, library check, start and close."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import pytest

from sfjwt_gui import __version__
from sfjwt_gui.engine import paths
from sfjwt_gui.gui.main import _parser, main, parse_arguments

TIMEOUT_S = 120


def run_app(
    *args: str, env: dict[str, str] | None = None
) -> subprocess.CompletedProcess[str]:
    environment = {**os.environ, "QT_QPA_PLATFORM": "offscreen", **(env or {})}
    return subprocess.run(
        [sys.executable, "-m", "sfjwt_gui.gui.main", *args],
        capture_output=True,
        text=True,
        timeout=TIMEOUT_S,
        env=environment,
        check=False,
    )


def test_version_prints_and_exits_without_loading_qt_widgets() -> None:
    probe = (
        "import sys\n"
        "from sfjwt_gui.gui.main import main\n"
        "status = main(['--version'])\n"
        "loaded = 'PySide6.QtWidgets' in sys.modules\n"
        "print('widgets loaded' if loaded else 'no widgets')\n"
        "sys.exit(status)\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", probe],
        capture_output=True,
        text=True,
        timeout=TIMEOUT_S,
        check=False,
    )

    assert done.returncode == 0, done.stderr
    assert done.stdout.splitlines() == [f"sfjwt-gui {__version__}", "no widgets"]


def test_version_through_the_command() -> None:
    done = run_app("--version")

    assert done.returncode == 0, done.stderr
    assert done.stdout == f"sfjwt-gui {__version__}\n"


@pytest.mark.parametrize(
    "arguments",
    [
        [],
        ["--demo"],
        ["--version", "--demo"],
        ["--quit-after-first-paint", "--demo"],
        ["--demo", "-platform", "offscreen"],
        ["-style=fusion"],
        ["--demo", "--"],
    ],
)
def test_flags_read_without_argparse_mean_what_argparse_says(
    arguments: list[str],
) -> None:
    options, qt_args = parse_arguments(arguments)
    expected_options, expected_qt_args = _parser().parse_known_args(arguments)

    assert vars(options) == vars(expected_options)
    assert qt_args == expected_qt_args


def test_help_still_lists_the_options() -> None:
    done = run_app("--help")

    assert done.returncode == 0, done.stderr
    assert "--demo" in done.stdout
    assert "--version" in done.stdout


def test_a_missing_x11_library_prints_one_line_and_returns_1(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setattr(sys, "platform", "linux")
    monkeypatch.setenv("QT_QPA_PLATFORM", "xcb")

    status = main(
        ["--demo"], library_check=lambda: [("libxcb-cursor.so.0", "libxcb-cursor0")]
    )

    captured = capsys.readouterr()
    assert status == 1
    assert captured.out == ""
    assert captured.err == (
        "sfjwt-gui: Qt needs libxcb-cursor.so.0 to open a window; "
        "install it with: sudo apt install libxcb-cursor0\n"
    )
    assert not paths.profiles_dir().exists()  # no window, no demo profile


def test_the_window_starts_paints_and_closes_with_status_0() -> None:
    done = run_app("--quit-after-first-paint")

    assert done.returncode == 0, done.stderr
    state = json.loads((paths.config_dir() / "state.json").read_text(encoding="utf-8"))
    assert state["window_geometry"]
    log = (paths.log_dir() / "sfjwt-gui.log").read_text(encoding="utf-8")
    assert f"Starting sfjwt-gui {__version__}" in log
    assert "sfjwt-gui closed" in log


def test_demo_flag_opens_on_the_demo_profile() -> None:
    done = run_app("--demo", "--quit-after-first-paint")

    assert done.returncode == 0, done.stderr
    profile_file = paths.profiles_dir() / "demo.json"
    profile = json.loads(profile_file.read_text(encoding="utf-8"))["profile"]
    assert profile["is_demo"] is True
    assert profile["login_url"].startswith("http://127.0.0.1:")
    state = json.loads((paths.config_dir() / "state.json").read_text(encoding="utf-8"))
    assert state["last_profile"] == "Demo"
    assert profile["login_url"].endswith(f":{state['demo_port']}")


def test_unknown_qt_options_reach_qt(tmp_path: Path) -> None:
    # -platform picks the Qt plugin: the command must hand it over, not reject it.
    done = run_app(
        "-platform",
        "offscreen",
        "--quit-after-first-paint",
        env={"QT_QPA_PLATFORM": ""},
    )

    assert done.returncode == 0, done.stderr


def test_many_qt_calls_do_not_wear_out_none_once_guarded() -> None:
    # Some PySide6 builds drop a reference to None on each void call under
    # Python 3.11 and older; unguarded, this loop aborts the interpreter.
    probe = (
        "import sys\n"
        "from PySide6.QtCore import QObject\n"
        "from sfjwt_gui.gui.main import guard_none_refcount\n"
        "calls = sys.getrefcount(None) * 3\n"
        "guard_none_refcount()\n"
        "probe = QObject()\n"
        "for _ in range(calls):\n"
        "    probe.setObjectName('probe')\n"
        "print('alive')\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", probe],
        capture_output=True,
        text=True,
        timeout=TIMEOUT_S,
        check=False,
    )

    assert done.returncode == 0, done.stderr
    assert done.stdout == "alive\n"


CLOSE_WHILE_LOGGING_IN = """
import sys
from PySide6.QtCore import QTimer
from sfjwt_gui.gui import main as entry
from sfjwt_gui.gui.mainwindow import MainWindow

key_path, cert_path = sys.argv[1:3]
original_show = MainWindow.show


def show(window):
    original_show(window)

    def start_login():
        window.demo.set_scenario("slow")
        window.session.update(key_path=key_path, cert_path=cert_path)
        window.menus.test_action.trigger()
        close_once_running()

    def close_once_running():
        if window.steps.test_page.is_running():
            print("closing while the login runs", flush=True)
            window.close()
        else:
            QTimer.singleShot(20, close_once_running)

    QTimer.singleShot(0, start_login)


MainWindow.show = show
sys.exit(entry.main(["--demo"]))
"""


def test_closing_while_a_login_runs_ends_the_process_with_status_0(
    tmp_path: Path, key_pair: Any
) -> None:
    from sfjwt_gui.engine.keys import certificate_pem, private_key_pem

    key, cert = key_pair
    key_path, cert_path = tmp_path / "demo.key", tmp_path / "demo.crt"
    key_path.write_bytes(private_key_pem(key))
    cert_path.write_bytes(certificate_pem(cert))
    environment = {**os.environ, "QT_QPA_PLATFORM": "offscreen"}

    done = subprocess.run(
        [sys.executable, "-c", CLOSE_WHILE_LOGGING_IN, str(key_path), str(cert_path)],
        capture_output=True,
        text=True,
        timeout=TIMEOUT_S,
        env=environment,
        check=False,
    )

    assert done.returncode == 0, done.stderr
    assert done.stdout == "closing while the login runs\n"
    assert "Traceback" not in done.stderr


@pytest.mark.skipif(not hasattr(signal, "SIGTERM"), reason="POSIX signals")
@pytest.mark.parametrize("signal_name", ["SIGINT", "SIGTERM"])
def test_ctrl_c_or_a_polite_kill_closes_the_window_and_keeps_its_state(
    signal_name: str,
) -> None:
    environment = {**os.environ, "QT_QPA_PLATFORM": "offscreen"}
    log_path = paths.log_dir() / "sfjwt-gui.log"
    app = subprocess.Popen(
        [sys.executable, "-m", "sfjwt_gui.gui.main"],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
        env=environment,
    )
    try:
        deadline = time.monotonic() + TIMEOUT_S
        while "Window painted" not in (
            log_path.read_text(encoding="utf-8") if log_path.exists() else ""
        ):
            assert app.poll() is None, app.communicate()[1]
            assert time.monotonic() < deadline, "the window never painted"
            time.sleep(0.05)

        app.send_signal(getattr(signal, signal_name))
        _, stderr = app.communicate(timeout=TIMEOUT_S)
    finally:
        if app.poll() is None:
            app.kill()
            app.wait()

    assert app.returncode == 0, stderr
    assert "Traceback" not in stderr
    assert "sfjwt-gui closed" in log_path.read_text(encoding="utf-8")
    state = json.loads((paths.config_dir() / "state.json").read_text(encoding="utf-8"))
    assert state["window_geometry"]
