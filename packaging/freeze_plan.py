"""What goes into the one-folder app, shared by build.py and sfjwt-gui.spec.

Names and version come from pyproject.toml and sfjwt_gui/__init__.py, the
desktop id from the file name of resources/linux/*.desktop. The app uses only
QtCore, QtGui and QtWidgets, so every other PySide6 module is left out, and so
are the Qt libraries, plugins and translations only those modules need.
"""

from __future__ import annotations

import importlib.util
import re
import sys
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path, PurePosixPath

ROOT = Path(__file__).resolve().parent.parent
PYPROJECT = ROOT / "pyproject.toml"
VERSION_FILE = ROOT / "sfjwt_gui" / "__init__.py"
ICON_DIR = ROOT / "resources" / "icons"
LINUX_DIR = ROOT / "resources" / "linux"
SVG_FILE = ROOT / "resources" / "sfjwt-gui.svg"

# Inside the app, where sfjwt_gui.gui.icons looks for the PNGs (beside the package).
FROZEN_ICON_DIR = "sfjwt_gui/resources/icons"
ICON_BASE_NAME = "sfjwt-gui"

USED_QT_MODULES = frozenset({"QtCore", "QtGui", "QtWidgets"})
# Qt libraries that only left-out modules or plugins load. QtOpenGL and QtSvg
# stay: Wayland's EGL plugins and themed SVG icons load them.
DROPPED_QT_LIBRARIES = frozenset(
    {
        "EglFSDeviceIntegration",
        "EglFsKmsSupport",
        "Network",
        "Pdf",
        "Qml",
        "QmlMeta",
        "QmlModels",
        "QmlWorkerScript",
        "Quick",
        "VirtualKeyboard",
    }
)
# Plugin kinds for embedded displays, networking, databases, QML and printing.
DROPPED_PLUGIN_KINDS = frozenset(
    {
        "designer",
        "egldeviceintegrations",
        "generic",
        "networkinformation",
        "printsupport",
        "qmllint",
        "qmltooling",
        "sqldrivers",
        "tls",
        "vectorimageformats",
    }
)
# Single plugins, by kind: platforms for framebuffers and remote displays (the
# desktop ones stay) and the on-screen keyboard, which is made of Qt Quick.
DROPPED_PLUGINS = {
    "platforms": frozenset(
        {"qeglfs", "qlinuxfb", "qminimalegl", "qvkkhrdisplay", "qvnc", "qdirect2d"}
    ),
    "platforminputcontexts": frozenset({"qtvirtualkeyboardplugin"}),
}
# The app reads no image files but its PNG icons (built into QtGui) and the
# desktop theme's SVG icons.
KEPT_IMAGE_FORMATS = frozenset({"qsvg"})
# Windows' software OpenGL, some 20 MiB, serves Qt Quick and OpenGL widgets only.
DROPPED_FILES = frozenset({"opengl32sw.dll"})
EXCLUDED_MODULES = ("tkinter",)
# Packages whose modules are all collected: the command line imports each
# command's module by name, which PyInstaller cannot follow.
GUI_PACKAGES = ("sfjwt_gui.gui", "sfjwt_gui.engine", "sfjwt_gui.demo")
CLI_PACKAGES = ("sfjwt_gui.cli", "sfjwt_gui.engine", "sfjwt_gui.demo")

_QT_LIBRARY = re.compile(
    r"^(?:lib)?Qt6(?P<module>[A-Za-z]+)\.(?:so(?:\.\d+)*|dll|dylib)$"
)
_QT_FRAMEWORK = re.compile(r"^Qt(?P<module>[A-Za-z]+)\.framework$")


@dataclass(frozen=True)
class AppInfo:
    """The names, version and desktop id of the app being built."""

    name: str
    version: str
    app_id: str
    gui_command: str
    gui_entry: str
    cli_command: str
    cli_entry: str


def app_info() -> AppInfo:
    """Everything the build names, read from the project's own files."""
    project = read_pyproject(PYPROJECT.read_text(encoding="utf-8"))
    ((gui_command, gui_entry),) = project["project.gui-scripts"].items()
    ((cli_command, cli_entry),) = project["project.scripts"].items()
    return AppInfo(
        name=project["project"]["name"],
        version=read_version(VERSION_FILE.read_text(encoding="utf-8")),
        app_id=desktop_id(),
        gui_command=gui_command,
        gui_entry=gui_entry,
        cli_command=cli_command,
        cli_entry=cli_entry,
    )


def read_pyproject(text: str) -> dict[str, dict[str, str]]:
    """The string values of pyproject.toml, by table ("project.scripts", ...)."""
    if sys.version_info >= (3, 11):
        import tomllib

        data = tomllib.loads(text)
        tables: dict[str, dict[str, str]] = {}
        _flatten(data, "", tables)
        return tables
    return read_simple_toml(text)


def _flatten(
    table: dict[str, object], prefix: str, out: dict[str, dict[str, str]]
) -> None:
    strings = out.setdefault(prefix, {})
    for key, value in table.items():
        if isinstance(value, dict):
            _flatten(value, f"{prefix}.{key}" if prefix else key, out)
        elif isinstance(value, str):
            strings[key] = value


def read_simple_toml(text: str) -> dict[str, dict[str, str]]:
    """The one-line `key = "value"` pairs of a TOML text, by table.

    Python 3.10 has no TOML reader, and the values the build needs are all
    written this way.
    """
    tables: dict[str, dict[str, str]] = {"": {}}
    current = tables[""]
    for line in text.splitlines():
        if line.startswith("[["):
            current = {}  # an array of tables: nothing read here is in one
            continue
        header = re.match(r"^\[([^\[\]]+)\]\s*$", line)
        if header:
            current = tables.setdefault(header.group(1).strip(), {})
            continue
        pair = re.match(r'^\s*"?([\w.-]+)"?\s*=\s*"([^"]*)"\s*(#.*)?$', line)
        if pair:
            current[pair.group(1)] = pair.group(2)
    return tables


def read_version(text: str) -> str:
    """The `__version__` string assigned in a module's source."""
    match = re.search(r'^__version__\s*=\s*"([^"]+)"', text, re.MULTILINE)
    if match is None:
        raise SystemExit(f"no __version__ in {VERSION_FILE}")
    return match.group(1)


def desktop_id() -> str:
    """The reverse-DNS app id: the name of the one .desktop file in resources/linux."""
    desktop_files = sorted(LINUX_DIR.glob("*.desktop"))
    if len(desktop_files) != 1:
        raise SystemExit(f"expected one .desktop file in {LINUX_DIR}")
    return desktop_files[0].stem


def numeric_version(version: str) -> tuple[int, int, int, int]:
    """The release numbers of a version ("1.2rc1" -> 1, 2, 0, 0): Windows wants four."""
    release = re.match(r"\d+(?:\.\d+)*", version)
    numbers = [int(part) for part in release.group(0).split(".")[:4]] if release else []
    numbers += [0] * (4 - len(numbers))
    return numbers[0], numbers[1], numbers[2], numbers[3]


def unused_qt_modules() -> list[str]:
    """Every PySide6 module installed here that the app never imports."""
    spec = importlib.util.find_spec("PySide6")
    if spec is None or not spec.submodule_search_locations:
        return []
    names: set[str] = set()
    for location in spec.submodule_search_locations:
        for path in Path(location).iterdir():
            name = path.name.split(".")[0]
            if name.startswith("Qt") and path.suffix in {".so", ".pyd", ".pyi"}:
                names.add(name)
    return sorted(f"PySide6.{name}" for name in names - USED_QT_MODULES)


def excluded_modules() -> list[str]:
    """The modules PyInstaller must not follow into the app."""
    return [*EXCLUDED_MODULES, *unused_qt_modules()]


def qt_library_module(dest: str) -> str | None:
    """The Qt module a collected library belongs to ("Network"), or None."""
    for part in PurePosixPath(dest.replace("\\", "/")).parts:
        match = _QT_LIBRARY.match(part) or _QT_FRAMEWORK.match(part)
        if match:
            return match.group("module")
    return None


def keeps(dest: str) -> bool:
    """Whether a file PyInstaller collected (by its path in the app) is needed."""
    parts = PurePosixPath(dest.replace("\\", "/")).parts
    if not parts or parts[0] != "PySide6":
        return True
    if "translations" in parts:
        return False  # the app loads no Qt translation
    if parts[-1].lower() in DROPPED_FILES:
        return False
    if qt_library_module(dest) in DROPPED_QT_LIBRARIES:
        return False
    if "plugins" in parts[:-1]:
        kind = parts[parts.index("plugins") + 1]
        return _keeps_plugin(kind, _plugin_stem(parts[-1]))
    return True


def _keeps_plugin(kind: str, stem: str) -> bool:
    if kind in DROPPED_PLUGIN_KINDS:
        return False
    if kind == "imageformats":
        return stem in KEPT_IMAGE_FORMATS
    return stem not in DROPPED_PLUGINS.get(kind, frozenset())


def _plugin_stem(file_name: str) -> str:
    stem = file_name.split(".")[0]
    return stem[3:] if stem.startswith("lib") else stem


def needed(toc: Iterable[tuple[str, str, str]]) -> list[tuple[str, str, str]]:
    """A PyInstaller TOC without the Qt files the app does not need."""
    return [entry for entry in toc if keeps(entry[0])]


def icon_datas() -> list[tuple[str, str]]:
    """(source, folder in the app) for the PNG icons the window loads."""
    return [
        (str(path), FROZEN_ICON_DIR)
        for path in sorted(ICON_DIR.glob(f"{ICON_BASE_NAME}-*.png"))
    ]


def executable_icon() -> str | None:
    """The icon file PyInstaller puts on the executables, per platform."""
    if sys.platform == "win32":
        return str(ICON_DIR / f"{ICON_BASE_NAME}.ico")
    if sys.platform == "darwin":
        return str(ICON_DIR / f"{ICON_BASE_NAME}.icns")
    return None  # Linux executables carry no icon: the .desktop entry names one


def write_launchers(info: AppInfo, folder: Path) -> tuple[Path, Path]:
    """Scripts that start the window and the command line, for PyInstaller."""
    folder.mkdir(parents=True, exist_ok=True)
    paths = []
    for command, entry in (
        (info.gui_command, info.gui_entry),
        (info.cli_command, info.cli_entry),
    ):
        module, function = entry.split(":")
        path = folder / f"launch_{command.replace('-', '_')}.py"
        source = f"import sys\n\nfrom {module} import {function}\n\n"
        path.write_text(source + f"sys.exit({function}())\n", encoding="utf-8")
        paths.append(path)
    return paths[0], paths[1]


def write_windows_version_file(info: AppInfo, command: str, folder: Path) -> Path:
    """The version resource of one Windows executable, in PyInstaller's format."""
    numbers = numeric_version(info.version)
    strings = {
        "CompanyName": "sfjwt-gui contributors",
        "FileDescription": "Set up, test and diagnose Salesforce JWT bearer login",
        "FileVersion": info.version,
        "InternalName": command,
        "LegalCopyright": "MIT License",
        "OriginalFilename": f"{command}.exe",
        "ProductName": info.name,
        "ProductVersion": info.version,
    }
    string_structs = ",\n".join(
        f"          StringStruct({key!r}, {value!r})" for key, value in strings.items()
    )
    text = f"""VSVersionInfo(
  ffi=FixedFileInfo(
    filevers={numbers!r},
    prodvers={numbers!r},
    mask=0x3f,
    flags=0x0,
    OS=0x40004,
    fileType=0x1,
    subtype=0x0,
    date=(0, 0)
  ),
  kids=[
    StringFileInfo([
      StringTable('040904B0', [
{string_structs}
      ])
    ]),
    VarFileInfo([VarStruct('Translation', [1033, 1200])])
  ]
)
"""
    path = folder / f"windows-version-{command}.txt"
    folder.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
    return path


def mac_info_plist(info: AppInfo) -> dict[str, object]:
    """Info.plist entries of the macOS .app bundle beyond PyInstaller's own."""
    return {
        "CFBundleName": info.name,
        "CFBundleDisplayName": info.name,
        "CFBundleShortVersionString": info.version,
        "CFBundleVersion": info.version,
        "NSHighResolutionCapable": True,
        "NSPrincipalClass": "NSApplication",
        "LSApplicationCategoryType": "public.app-category.developer-tools",
        "NSHumanReadableCopyright": "MIT License",
    }
