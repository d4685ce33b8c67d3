"""Packaging: icons, the Linux desktop files, what the app leaves out, its archive.

Building and running what users install (the wheel, the one-folder app) is in
test_packaging_build.py.
"""

from __future__ import annotations

import ast
import configparser
import dataclasses
import hashlib
import importlib.util
import os
import shlex
import shutil
import struct
import subprocess
import sys
import xml.etree.ElementTree as ET
from pathlib import Path
from types import ModuleType

import pytest

from sfjwt_gui import __version__
from sfjwt_gui.gui.main import DESKTOP_FILE_ID

ROOT = Path(__file__).resolve().parent.parent
ICON_DIR = ROOT / "resources" / "icons"
LINUX_DIR = ROOT / "resources" / "linux"
sys.path.insert(0, str(ROOT / "packaging"))

import freeze_plan  # noqa: E402

PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"
PNG_SIZES = (16, 24, 32, 48, 64, 128, 256, 512)
# Apple's PNG-based icns element types and the pixels a side each holds.
ICNS_SIZES = {
    "icp4": 16,
    "icp5": 32,
    "icp6": 64,
    "ic07": 128,
    "ic08": 256,
    "ic09": 512,
    "ic10": 1024,
    "ic11": 32,
    "ic12": 64,
    "ic13": 256,
    "ic14": 512,
}


def png_size(data: bytes) -> tuple[int, int]:
    """(width, height) from a PNG's header; fails the test if it is no PNG."""
    assert data[:8] == PNG_SIGNATURE
    assert data[12:16] == b"IHDR"
    width, height = struct.unpack(">II", data[16:24])
    return width, height


def ico_images(data: bytes) -> list[tuple[int, bytes]]:
    """(declared side, image data) of each entry of a Windows .ico."""
    reserved, kind, count = struct.unpack("<HHH", data[:6])
    assert (reserved, kind) == (0, 1)
    images = []
    for index in range(count):
        entry = data[6 + 16 * index : 22 + 16 * index]
        width, height, _, _, planes, bits, size, offset = struct.unpack(
            "<BBBBHHII", entry
        )
        assert (width, planes, bits) == (height, 1, 32)
        assert offset + size <= len(data)
        images.append((width or 256, data[offset : offset + size]))
    return images


def icns_elements(data: bytes) -> list[tuple[str, bytes]]:
    """(element type, data) of each element of a macOS .icns."""
    assert data[:4] == b"icns"
    assert struct.unpack(">I", data[4:8])[0] == len(data)
    elements = []
    position = 8
    while position < len(data):
        kind = data[position : position + 4].decode("ascii")
        (length,) = struct.unpack(">I", data[position + 4 : position + 8])
        assert length > 8
        elements.append((kind, data[position + 8 : position + length]))
        position += length
    assert position == len(data)
    return elements


def check_icon_folder(folder: Path) -> None:
    """Every icon file in folder parses and holds the sizes its name promises."""
    for size in PNG_SIZES:
        assert png_size((folder / f"sfjwt-gui-{size}.png").read_bytes()) == (
            size,
            size,
        )

    images = ico_images((folder / "sfjwt-gui.ico").read_bytes())
    assert sorted(side for side, _ in images) == [16, 24, 32, 48, 64, 128, 256]
    for side, image in images:
        assert png_size(image) == (side, side)

    elements = dict(icns_elements((folder / "sfjwt-gui.icns").read_bytes()))
    assert {"ic07", "ic08", "ic09", "ic10"} <= set(elements)
    for kind, image in elements.items():
        assert png_size(image) == (ICNS_SIZES[kind], ICNS_SIZES[kind])


def read_desktop_entry() -> configparser.SectionProxy:
    parser = configparser.ConfigParser(interpolation=None)
    parser.optionxform = str  # type: ignore[assignment, method-assign]
    (desktop_file,) = LINUX_DIR.glob("*.desktop")
    parser.read(desktop_file, encoding="utf-8")
    return parser["Desktop Entry"]


def read_metainfo() -> ET.Element:
    path = LINUX_DIR / f"{DESKTOP_FILE_ID}.metainfo.xml"
    return ET.parse(path).getroot()  # noqa: S314 - the project's own file


def test_committed_icons_parse_with_the_sizes_they_claim() -> None:
    check_icon_folder(ICON_DIR)


def test_committed_icons_were_made_from_the_current_svg() -> None:
    svg = ROOT / "resources" / "sfjwt-gui.svg"
    recorded = (ICON_DIR / "source.sha256").read_text(encoding="ascii").split()[0]
    assert recorded == hashlib.sha256(svg.read_bytes()).hexdigest(), (
        "resources/sfjwt-gui.svg changed: run python packaging/icons.py"
    )


@pytest.mark.gui
def test_icon_script_renders_every_icon_file_from_the_svg(tmp_path: Path) -> None:
    done = subprocess.run(
        [sys.executable, str(ROOT / "packaging" / "icons.py"), "--out", str(tmp_path)],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )

    assert done.returncode == 0, done.stderr
    check_icon_folder(tmp_path)
    assert (tmp_path / "source.sha256").read_bytes() == (
        ICON_DIR / "source.sha256"
    ).read_bytes()


@pytest.mark.gui
def test_window_icon_comes_from_the_pngs_of_every_size(qapp: object) -> None:
    from sfjwt_gui.gui import icons

    sizes = [size.width() for size in icons.app_icon().availableSizes()]

    assert sizes == list(PNG_SIZES)


@pytest.mark.gui
def test_window_icon_is_drawn_when_no_png_is_found(
    qapp: object, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from sfjwt_gui.gui import icons

    monkeypatch.setattr(icons, "icon_folders", lambda: [tmp_path])
    icon = icons.app_icon()

    assert not icon.isNull()
    assert 512 not in [size.width() for size in icon.availableSizes()]


def test_one_app_id_names_desktop_entry_metainfo_icon_and_window() -> None:
    entry = read_desktop_entry()
    metainfo = read_metainfo()

    assert (LINUX_DIR / f"{DESKTOP_FILE_ID}.desktop").is_file()
    assert metainfo.findtext("id") == DESKTOP_FILE_ID
    assert metainfo.findtext("launchable[@type='desktop-id']") == (
        f"{DESKTOP_FILE_ID}.desktop"
    )
    assert entry["Icon"] == DESKTOP_FILE_ID
    assert freeze_plan.app_info().app_id == DESKTOP_FILE_ID
    # Letters, digits and dots only: valid for AppStream, D-Bus and as a macOS
    # CFBundleIdentifier alike (which allows no underscore).
    parts = DESKTOP_FILE_ID.split(".")
    assert len(parts) >= 3
    assert all(part.isalnum() and part.isascii() for part in parts)


def test_desktop_entry_and_metainfo_name_the_installed_commands() -> None:
    project = freeze_plan.read_pyproject(
        (ROOT / "pyproject.toml").read_text(encoding="utf-8")
    )
    (gui_command,) = project["project.gui-scripts"]
    (cli_command,) = project["project.scripts"]
    entry = read_desktop_entry()
    metainfo = read_metainfo()

    assert shlex.split(entry["Exec"])[0] == gui_command
    assert entry["TryExec"] == gui_command
    assert entry["Type"] == "Application"
    assert entry["Terminal"] == "false"
    binaries = {binary.text for binary in metainfo.iter("binary")}
    assert binaries == {gui_command, cli_command}
    releases = [release.get("version") for release in metainfo.iter("release")]
    assert __version__ in releases


@pytest.mark.skipif(
    shutil.which("desktop-file-validate") is None,
    reason="desktop-file-utils is not installed",
)
def test_desktop_entry_passes_desktop_file_validate() -> None:
    (desktop_file,) = LINUX_DIR.glob("*.desktop")
    done = subprocess.run(
        ["desktop-file-validate", str(desktop_file)],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert done.returncode == 0, done.stdout + done.stderr


@pytest.mark.skipif(
    shutil.which("appstreamcli") is None, reason="appstream is not installed"
)
def test_metainfo_passes_appstreamcli_validate() -> None:
    (metainfo,) = LINUX_DIR.glob("*.metainfo.xml")
    done = subprocess.run(
        ["appstreamcli", "validate", "--no-net", str(metainfo)],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert done.returncode == 0, done.stdout + done.stderr


def test_build_is_named_and_versioned_from_the_project_files() -> None:
    info = freeze_plan.app_info()

    assert (info.name, info.version) == ("sfjwt-gui", __version__)
    assert (info.gui_command, info.cli_command) == ("sfjwt-gui", "sfjwt")
    assert info.gui_entry == "sfjwt_gui.gui.main:main"


def test_python_310_reads_the_same_names_from_pyproject() -> None:
    text = (ROOT / "pyproject.toml").read_text(encoding="utf-8")
    simple = freeze_plan.read_simple_toml(text)
    full = freeze_plan.read_pyproject(text)

    for table in ("project.scripts", "project.gui-scripts"):
        assert simple[table] == full[table]
    assert simple["project"]["name"] == full["project"]["name"]


@pytest.mark.parametrize(
    ("version", "expected"),
    [
        ("0.1.0", (0, 1, 0, 0)),
        ("1.2rc1", (1, 2, 0, 0)),
        ("2.0.1.3+local", (2, 0, 1, 3)),
    ],
)
def test_windows_version_resource_uses_the_release_numbers(
    tmp_path: Path, version: str, expected: tuple[int, int, int, int]
) -> None:
    info = dataclasses.replace(freeze_plan.app_info(), version=version)

    path = freeze_plan.write_windows_version_file(info, "sfjwt", tmp_path)
    text = path.read_text(encoding="utf-8")

    tree = ast.parse(text, mode="eval")  # PyInstaller evaluates this text
    assert isinstance(tree.body, ast.Call)
    assert f"filevers={expected!r}" in text
    assert f"StringStruct('ProductVersion', {version!r})" in text
    assert "StringStruct('OriginalFilename', 'sfjwt.exe')" in text


@pytest.mark.parametrize(
    "dest",
    [
        "PySide6/Qt/lib/libQt6Network.so.6",
        "PySide6/Qt6Network.dll",
        "PySide6/Qt/lib/QtNetwork.framework/Versions/A/QtNetwork",
        "PySide6/Qt/plugins/platforms/libqvnc.so",
        "PySide6/Qt/plugins/tls/libqopensslbackend.so",
        "PySide6\\plugins\\imageformats\\qjpeg.dll",
        "PySide6/Qt/translations/qtbase_de.qm",
        "PySide6/opengl32sw.dll",
        "PySide6/Qt/plugins/platforminputcontexts/libqtvirtualkeyboardplugin.so",
    ],
)
def test_app_leaves_out_qt_parts_it_never_uses(dest: str) -> None:
    assert not freeze_plan.keeps(dest)


@pytest.mark.parametrize(
    "dest",
    [
        "PySide6/Qt/lib/libQt6Widgets.so.6",
        "PySide6/Qt6Gui.dll",
        "PySide6/Qt/lib/QtGui.framework/Versions/A/QtGui",
        "PySide6/QtCore.abi3.so",
        "PySide6/Qt/plugins/platforms/libqxcb.so",
        "PySide6/Qt/plugins/platforms/libqwayland.so",
        "PySide6\\plugins\\platforms\\qwindows.dll",
        "PySide6/Qt/plugins/platforms/libqcocoa.dylib",
        "PySide6/Qt/plugins/imageformats/libqsvg.so",
        "PySide6/Qt/plugins/platforminputcontexts/libibusplatforminputcontextplugin.so",
        "cryptography/hazmat/bindings/_rust.abi3.so",
        "sfjwt_gui/resources/icons/sfjwt-gui-256.png",
    ],
)
def test_app_keeps_the_qt_parts_a_desktop_window_needs(dest: str) -> None:
    assert freeze_plan.keeps(dest)


def test_only_the_three_qt_modules_the_app_imports_are_followed() -> None:
    excluded = freeze_plan.excluded_modules()

    assert "PySide6.QtNetwork" in excluded
    assert "PySide6.QtSvg" in excluded  # the Qt library stays; the binding goes
    for used in ("PySide6.QtCore", "PySide6.QtGui", "PySide6.QtWidgets"):
        assert used not in excluded


# -- the download archive --------------------------------------------------------

UNPACKERS = {".tar.gz": ["tar", "-xzf"], ".zip": ["unzip", "-q"]}


def build_script() -> ModuleType:
    """packaging/build.py as a module (by path: "build" is also a PyPI package)."""
    spec = importlib.util.spec_from_file_location(
        "sfjwt_build_script", ROOT / "packaging" / "build.py"
    )
    assert spec is not None
    assert spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def fake_app_folder(dist: Path) -> Path:
    """A few files shaped like PyInstaller's output: a command, a library, a link."""
    folder = dist / "sfjwt-gui"
    libraries = folder / "_internal"
    libraries.mkdir(parents=True)
    command = folder / "sfjwt"
    command.write_text("#!/bin/sh\necho sfjwt from the archive\n")
    command.chmod(0o755)
    (libraries / "libQt6Core.so.6.11.3").write_bytes(bytes(4096))
    (libraries / "libQt6Core.so.6").symlink_to("libQt6Core.so.6.11.3")
    return folder


def test_the_archive_is_named_for_this_version_and_platform(tmp_path: Path) -> None:
    archive = build_script().archive_path(tmp_path, freeze_plan.app_info())

    assert archive.parent == tmp_path
    assert archive.name.startswith(f"sfjwt-gui-{__version__}-")
    expected = ".zip" if sys.platform == "win32" else ".tar.gz"
    assert archive.name.endswith(expected)


@pytest.mark.skipif(os.name != "posix", reason="links and modes are POSIX")
@pytest.mark.parametrize("suffix", list(UNPACKERS))
def test_the_archive_unpacks_to_the_folder_with_links_and_commands(
    tmp_path: Path, suffix: str
) -> None:
    unpacker = UNPACKERS[suffix]
    if shutil.which(unpacker[0]) is None:
        pytest.skip(f"{unpacker[0]} is not installed")
    folder = fake_app_folder(tmp_path / "dist")
    archive = tmp_path / "dist" / f"sfjwt-gui-1.0-linux-x86_64{suffix}"
    archive.write_bytes(b"an older archive")
    unpacked = tmp_path / "unpacked"
    unpacked.mkdir()

    build_script().write_archive(folder, archive)
    subprocess.run([*unpacker, str(archive)], cwd=unpacked, check=True, timeout=60)

    top = unpacked / "sfjwt-gui"
    assert [path.name for path in unpacked.iterdir()] == ["sfjwt-gui"]
    link = top / "_internal" / "libQt6Core.so.6"
    assert link.is_symlink()
    assert os.readlink(link) == "libQt6Core.so.6.11.3"
    assert link.read_bytes() == bytes(4096)
    done = subprocess.run(
        [str(top / "sfjwt")], capture_output=True, text=True, check=True, timeout=60
    )
    assert done.stdout == "sfjwt from the archive\n"
