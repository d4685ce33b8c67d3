"""Before Qt starts on Linux: are the system libraries its X11 plugin needs there?

Without them Qt aborts with "could not load the Qt platform plugin xcb", which
names neither the library nor the package. This module finds the missing ones
cheaply (a few file lookups; ``ldconfig -p`` at most once) and words one line
naming what to install. It never imports Qt.
"""

from __future__ import annotations

import functools
import logging
import os
import sys
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path
from typing import NamedTuple

from sfjwt_gui import APP_NAME

logger = logging.getLogger(__name__)


# A NamedTuple rather than a frozen dataclass: cheaper to define at start-up.
class QtLibrary(NamedTuple):
    """A shared library Qt's xcb platform plugin loads, and its Debian package."""

    soname: str
    package: str
    checked: bool = True


# The libraries Qt 6's xcb plugin and its GUI module link against that a
# minimal or server install may lack. libxcb-xinerama0 is in Qt's documented
# list of X11 requirements, but the xcb plugin of current PySide6 wheels no
# longer links it, so a machine without it can still open a window: it is
# listed for the README's install line and never blocks a start.
QT_XCB_LIBRARIES: tuple[QtLibrary, ...] = (
    QtLibrary("libxcb-cursor.so.0", "libxcb-cursor0"),
    QtLibrary("libxkbcommon-x11.so.0", "libxkbcommon-x11-0"),
    QtLibrary("libxkbcommon.so.0", "libxkbcommon0"),
    QtLibrary("libxcb-icccm.so.4", "libxcb-icccm4"),
    QtLibrary("libxcb-image.so.0", "libxcb-image0"),
    QtLibrary("libxcb-keysyms.so.1", "libxcb-keysyms1"),
    QtLibrary("libxcb-randr.so.0", "libxcb-randr0"),
    QtLibrary("libxcb-render-util.so.0", "libxcb-render-util0"),
    QtLibrary("libxcb-render.so.0", "libxcb-render0"),
    QtLibrary("libxcb-shape.so.0", "libxcb-shape0"),
    QtLibrary("libxcb-shm.so.0", "libxcb-shm0"),
    QtLibrary("libxcb-sync.so.1", "libxcb-sync1"),
    QtLibrary("libxcb-util.so.1", "libxcb-util1"),
    QtLibrary("libxcb-xfixes.so.0", "libxcb-xfixes0"),
    QtLibrary("libxcb-xkb.so.1", "libxcb-xkb1"),
    QtLibrary("libxcb.so.1", "libxcb1"),
    QtLibrary("libX11-xcb.so.1", "libx11-xcb1"),
    QtLibrary("libxcb-xinerama.so.0", "libxcb-xinerama0", checked=False),
    QtLibrary("libEGL.so.1", "libegl1"),
    QtLibrary("libGL.so.1", "libgl1"),
    QtLibrary("libfontconfig.so.1", "libfontconfig1"),
    QtLibrary("libfreetype.so.6", "libfreetype6"),
    QtLibrary("libdbus-1.so.3", "libdbus-1-3"),
)

_MULTIARCH = {
    "x86_64": "x86_64-linux-gnu",
    "amd64": "x86_64-linux-gnu",
    "aarch64": "aarch64-linux-gnu",
    "arm64": "aarch64-linux-gnu",
    "armv7l": "arm-linux-gnueabihf",
    "i686": "i386-linux-gnu",
    "ppc64le": "powerpc64le-linux-gnu",
    "s390x": "s390x-linux-gnu",
    "riscv64": "riscv64-linux-gnu",
}
_LDCONFIG_CANDIDATES = ("/sbin/ldconfig", "/usr/sbin/ldconfig", "ldconfig")
_LDCONFIG_TIMEOUT_S = 3.0

LibraryFinder = Callable[[str], bool]


def all_packages() -> list[str]:
    """Every Debian package of the table, for a one-shot install line."""
    return [library.package for library in QT_XCB_LIBRARIES]


def uses_xcb(
    qt_args: Sequence[str] = (),
    environ: Mapping[str, str] | None = None,
    system: str | None = None,
) -> bool:
    """Whether Qt will pick its X11 (xcb) platform plugin for this start."""
    environ = os.environ if environ is None else environ
    system = sys.platform if system is None else system
    if not system.startswith("linux"):
        return False

    requested = _platform_argument(qt_args) or environ.get("QT_QPA_PLATFORM", "")
    if requested:
        # "xcb", or a fallback list such as "wayland;xcb" that starts elsewhere.
        return requested.split(";")[0].split(":")[0].strip() == "xcb"
    wayland = bool(environ.get("WAYLAND_DISPLAY")) or (
        environ.get("XDG_SESSION_TYPE", "").lower() == "wayland"
    )
    return not wayland


def _platform_argument(qt_args: Sequence[str]) -> str:
    for position, argument in enumerate(qt_args):
        if argument in ("-platform", "--platform") and position + 1 < len(qt_args):
            return qt_args[position + 1]
        if argument.startswith(("-platform=", "--platform=")):
            return argument.partition("=")[2]
    return ""


def library_dirs(environ: Mapping[str, str] | None = None) -> list[Path]:
    """Where the dynamic loader looks first: LD_LIBRARY_PATH, then system dirs."""
    environ = os.environ if environ is None else environ
    dirs = [
        Path(part) for part in environ.get("LD_LIBRARY_PATH", "").split(":") if part
    ]
    # Imported here: only an X11 start looks for libraries.
    import platform

    triplet = _MULTIARCH.get(platform.machine().lower(), "")
    for root in ("/lib", "/usr/lib", "/usr/local/lib"):
        if triplet:
            dirs.append(Path(root) / triplet)
        dirs.append(Path(root))
    dirs += [Path("/lib64"), Path("/usr/lib64")]
    return dirs


@functools.lru_cache(maxsize=1)
def _ldconfig_sonames() -> frozenset[str]:
    """The sonames in the loader cache; empty when ldconfig is unavailable."""
    # Imported here: a normal start finds every library by a file lookup.
    import shutil
    import subprocess

    for candidate in _LDCONFIG_CANDIDATES:
        executable = shutil.which(candidate) if "/" not in candidate else candidate
        if not executable or not os.access(executable, os.X_OK):
            continue
        try:
            done = subprocess.run(  # noqa: S603 - a fixed system tool, no user input
                [executable, "-p"],
                capture_output=True,
                text=True,
                timeout=_LDCONFIG_TIMEOUT_S,
                check=False,
            )
        except (OSError, subprocess.SubprocessError) as error:
            logger.debug("ldconfig -p failed: %s", error)
            continue
        names = {
            line.split()[0] for line in done.stdout.splitlines()[1:] if line.strip()
        }
        return frozenset(names)
    return frozenset()


def system_has_library(soname: str) -> bool:
    """Whether the dynamic loader can find ``soname`` (file lookups, then ldconfig)."""
    if any((folder / soname).exists() for folder in library_dirs()):
        return True
    return soname in _ldconfig_sonames()


@functools.lru_cache(maxsize=1)
def _loader_is_knowable() -> bool:
    # On a system where neither the usual folders nor ldconfig say anything
    # (NixOS, a musl distro), not finding a library proves nothing.
    libc_found = any((folder / "libc.so.6").exists() for folder in library_dirs())
    return libc_found or bool(_ldconfig_sonames())


def missing_qt_libraries(
    find: LibraryFinder | None = None,
) -> list[tuple[str, str]]:
    """(soname, Debian package) of each library Qt's xcb plugin needs but lacks."""
    if find is None:
        if not _loader_is_knowable():
            return []
        find = system_has_library
    return [
        (library.soname, library.package)
        for library in QT_XCB_LIBRARIES
        if library.checked and not find(library.soname)
    ]


def missing_libraries_message(missing: Sequence[tuple[str, str]]) -> str:
    """The one line printed when Qt cannot open a window for lack of libraries."""
    sonames = ", ".join(soname for soname, _package in missing)
    packages = " ".join(dict.fromkeys(package for _soname, package in missing))
    pronoun = "it" if len(missing) == 1 else "them"
    return (
        f"{APP_NAME}: Qt needs {sonames} to open a window; "
        f"install {pronoun} with: sudo apt install {packages}"
    )


def startup_problem(
    qt_args: Sequence[str] = (),
    *,
    check: Callable[[], list[tuple[str, str]]] | None = None,
    environ: Mapping[str, str] | None = None,
    system: str | None = None,
) -> str | None:
    """The line to print instead of starting Qt, or None when Qt can start."""
    if not uses_xcb(qt_args, environ, system):
        return None
    missing = (check or missing_qt_libraries)()
    if not missing:
        return None
    return missing_libraries_message(missing)
