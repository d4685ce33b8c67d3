"""What users install, built and run: the wheel, and the one-folder Linux app.

Slow: the app is built once for this module with packaging/build.py
(PyInstaller, some 30-60 s) and then started as a user would start it.
"""

from __future__ import annotations

import configparser
import importlib.util
import json
import os
import shutil
import subprocess
import sys
import zipfile
from pathlib import Path
from typing import Any

import pytest

from sfjwt_gui import __version__
from sfjwt_gui.gui.main import DESKTOP_FILE_ID

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "packaging"))

import freeze_plan  # noqa: E402

pytestmark = pytest.mark.slow

BUILD_TIMEOUT_S = 900
RUN_TIMEOUT_S = 120
PNG_SIZES = [16, 24, 32, 48, 64, 128, 256, 512]


def run(
    command: list[str], env: dict[str, str] | None = None
) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        command,
        capture_output=True,
        text=True,
        timeout=RUN_TIMEOUT_S,
        env={**os.environ, **(env or {})},
        check=False,
    )


@pytest.fixture(scope="module")
def app_folder(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The one-folder app, built from this checkout into a temporary folder."""
    if not sys.platform.startswith("linux"):
        pytest.skip("the packaging test builds the Linux app")
    if importlib.util.find_spec("PyInstaller") is None:
        pytest.skip("PyInstaller is not installed (pip install -e '.[build]')")
    scratch = tmp_path_factory.mktemp("freeze")

    done = subprocess.run(
        [
            sys.executable,
            str(ROOT / "packaging" / "build.py"),
            "--dist",
            str(scratch / "dist"),
            "--work",
            str(scratch / "work"),
        ],
        capture_output=True,
        text=True,
        timeout=BUILD_TIMEOUT_S,
        check=False,
    )

    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-3000:]
    assert "MiB" in done.stdout  # the build reports the folder's size
    return scratch / "dist" / "sfjwt-gui"


def test_built_window_prints_its_version(app_folder: Path) -> None:
    done = run([str(app_folder / "sfjwt-gui"), "--version"])

    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == f"sfjwt-gui {__version__}"


def test_built_window_opens_paints_and_closes_offscreen(app_folder: Path) -> None:
    done = run(
        [str(app_folder / "sfjwt-gui"), "--quit-after-first-paint"],
        env={"QT_QPA_PLATFORM": "offscreen"},
    )

    assert done.returncode == 0, done.stderr
    assert "first paint at" in done.stdout
    assert "Traceback" not in done.stderr


def test_built_command_line_prints_its_version(app_folder: Path) -> None:
    done = run([str(app_folder / "sfjwt"), "--version"])

    assert done.returncode == 0, done.stderr
    assert __version__ in done.stdout


def test_built_command_line_logs_in_to_the_demo_org(
    app_folder: Path, demo: Any
) -> None:
    done = run(
        [
            str(app_folder / "sfjwt"),
            "login",
            "--login-url",
            demo.base_url,
            "--client-id",
            demo.client_id,
            "--username",
            demo.username,
            "--key",
            str(demo.key_path),
            "--json",
        ]
    )

    assert done.returncode == 0, done.stdout + done.stderr
    assert json.loads(done.stdout)["ok"] is True
    assert demo.org.login_count == 1


def test_built_window_starts_through_a_link_on_the_path(
    app_folder: Path, tmp_path: Path
) -> None:
    # As the README installs it: the folder anywhere, a link in ~/.local/bin.
    link = tmp_path / "bin" / "sfjwt-gui"
    link.parent.mkdir()
    link.symlink_to(app_folder / "sfjwt-gui")

    done = run([str(link), "--version"])

    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == f"sfjwt-gui {__version__}"


def test_built_app_carries_the_icons_and_the_linux_desktop_files(
    app_folder: Path,
) -> None:
    icons = app_folder / "_internal" / "sfjwt_gui" / "resources" / "icons"
    share = app_folder / "share"

    for size in PNG_SIZES:
        assert (icons / f"sfjwt-gui-{size}.png").is_file()
        themed = share / "icons" / "hicolor" / f"{size}x{size}" / "apps"
        assert (themed / f"{DESKTOP_FILE_ID}.png").is_file()
    assert (share / "applications" / f"{DESKTOP_FILE_ID}.desktop").is_file()
    assert (share / "metainfo" / f"{DESKTOP_FILE_ID}.metainfo.xml").is_file()


def test_built_app_leaves_out_the_qt_modules_it_never_uses(app_folder: Path) -> None:
    files = [
        path.relative_to(app_folder / "_internal").as_posix()
        for path in (app_folder / "_internal").rglob("*")
        if path.is_file()
    ]
    qt_libraries = {freeze_plan.qt_library_module(name) for name in files} - {None}
    bindings = {
        Path(name).name.split(".")[0]
        for name in files
        if name.startswith("PySide6/Qt") and name.endswith(".abi3.so")
    }

    assert {"Core", "Gui", "Widgets"} <= qt_libraries
    assert not qt_libraries & freeze_plan.DROPPED_QT_LIBRARIES
    assert bindings == {"QtCore", "QtGui", "QtWidgets"}
    assert not [name for name in files if "/translations/" in name]


@pytest.mark.skipif(shutil.which("ldd") is None, reason="needs ldd")
def test_every_qt_library_left_in_the_app_finds_the_qt_it_needs(
    app_folder: Path,
) -> None:
    qt_folder = app_folder / "_internal" / "PySide6"
    missing = {}
    for library in qt_folder.rglob("*.so*"):
        done = run(["ldd", str(library)])
        lost = [
            line.split()[0]
            for line in done.stdout.splitlines()
            if "not found" in line and "Qt6" in line
        ]
        if lost:
            missing[library.name] = lost

    assert missing == {}


def test_wheel_installs_both_commands_and_carries_the_icon(tmp_path: Path) -> None:
    if importlib.util.find_spec("hatchling") is None:
        pytest.skip("hatchling is not installed: the wheel cannot be built offline")
    done = subprocess.run(
        [
            *(sys.executable, "-m", "pip", "wheel", str(ROOT)),
            *("--no-deps", "--no-build-isolation", "--no-index", "-q"),
            *("--wheel-dir", str(tmp_path / "wheel")),
        ],
        capture_output=True,
        text=True,
        timeout=BUILD_TIMEOUT_S,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    (wheel,) = (tmp_path / "wheel").glob("sfjwt_gui-*.whl")
    site = tmp_path / "site"
    with zipfile.ZipFile(wheel) as archive:
        archive.extractall(site)

    entry_points = configparser.ConfigParser(interpolation=None)
    entry_points.read(next(site.glob("*.dist-info")) / "entry_points.txt")
    assert dict(entry_points["console_scripts"]) == {"sfjwt": "sfjwt_gui.cli.main:main"}
    assert dict(entry_points["gui_scripts"]) == {"sfjwt-gui": "sfjwt_gui.gui.main:main"}

    # The installed package finds its icon beside itself, with no checkout near.
    probe = (
        "import json, sys\n"
        f"sys.path.insert(0, {str(site)!r})\n"
        "from PySide6.QtGui import QGuiApplication\n"
        "app = QGuiApplication([])\n"
        "from sfjwt_gui.gui import icons\n"
        "sizes = [size.width() for size in icons.app_icon().availableSizes()]\n"
        "print(json.dumps({'module': icons.__file__, 'sizes': sizes}))\n"
    )
    loaded = run([sys.executable, "-c", probe], env={"QT_QPA_PLATFORM": "offscreen"})
    assert loaded.returncode == 0, loaded.stderr
    found = json.loads(loaded.stdout.strip().splitlines()[-1])
    assert Path(found["module"]).is_relative_to(site)
    assert found["sizes"] == PNG_SIZES
