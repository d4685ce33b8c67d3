"""The check for Qt's X11 libraries that runs before any window is made."""

from __future__ import annotations

from pathlib import Path

import pytest

from sfjwt_gui.gui import platform_check
from sfjwt_gui.gui.platform_check import (
    missing_libraries_message,
    missing_qt_libraries,
    startup_problem,
    system_has_library,
    uses_xcb,
)

BRIEF_PACKAGES = {
    "libxcb-cursor0",
    "libxkbcommon-x11-0",
    "libxcb-icccm4",
    "libxcb-image0",
    "libxcb-keysyms1",
    "libxcb-randr0",
    "libxcb-render-util0",
    "libxcb-shape0",
    "libxcb-xinerama0",
    "libxcb-xkb1",
    "libegl1",
    "libfontconfig1",
    "libdbus-1-3",
    "libgl1",
}
X11_SESSION = {"DISPLAY": ":0", "XDG_SESSION_TYPE": "x11"}


def test_one_missing_library_gives_the_one_line_to_print() -> None:
    problem = startup_problem(
        check=lambda: [("libxcb-cursor.so.0", "libxcb-cursor0")],
        environ=X11_SESSION,
        system="linux",
    )

    assert problem == (
        "sfjwt-gui: Qt needs libxcb-cursor.so.0 to open a window; "
        "install it with: sudo apt install libxcb-cursor0"
    )


def test_several_missing_libraries_are_named_in_one_line() -> None:
    message = missing_libraries_message(
        [
            ("libxcb-cursor.so.0", "libxcb-cursor0"),
            ("libxkbcommon-x11.so.0", "libxkbcommon-x11-0"),
        ]
    )

    assert "\n" not in message
    assert "libxcb-cursor.so.0, libxkbcommon-x11.so.0" in message
    assert message.endswith(
        "install them with: sudo apt install libxcb-cursor0 libxkbcommon-x11-0"
    )


def test_nothing_missing_means_no_problem() -> None:
    assert startup_problem(check=list, environ=X11_SESSION, system="linux") is None


@pytest.mark.parametrize(
    ("environ", "qt_args", "system", "expected"),
    [
        (X11_SESSION, [], "linux", True),
        ({"QT_QPA_PLATFORM": "xcb"}, [], "linux", True),
        ({"QT_QPA_PLATFORM": "offscreen"}, [], "linux", False),
        ({"QT_QPA_PLATFORM": "wayland;xcb"}, [], "linux", False),
        ({"WAYLAND_DISPLAY": "wayland-0"}, [], "linux", False),
        ({"XDG_SESSION_TYPE": "wayland"}, [], "linux", False),
        ({"WAYLAND_DISPLAY": "wayland-0"}, ["-platform", "xcb"], "linux", True),
        ({"QT_QPA_PLATFORM": "xcb"}, ["-platform", "offscreen"], "linux", False),
        ({}, [], "darwin", False),
        ({}, [], "win32", False),
    ],
)
def test_the_check_runs_only_when_qt_will_use_x11(
    environ: dict[str, str], qt_args: list[str], system: str, expected: bool
) -> None:
    assert uses_xcb(qt_args, environ, system) is expected


def test_an_unused_platform_skips_the_check_entirely() -> None:
    def must_not_run() -> list[tuple[str, str]]:
        raise AssertionError("the library check ran for the offscreen platform")

    problem = startup_problem(
        check=must_not_run, environ={"QT_QPA_PLATFORM": "offscreen"}, system="linux"
    )

    assert problem is None


def test_the_table_covers_every_package_qt_documents() -> None:
    assert set(platform_check.all_packages()) >= BRIEF_PACKAGES


def test_missing_libraries_asks_the_finder_and_never_blocks_on_xinerama() -> None:
    asked: list[str] = []

    def finder(soname: str) -> bool:
        asked.append(soname)
        return soname not in {"libxcb-cursor.so.0", "libEGL.so.1"}

    missing = missing_qt_libraries(finder)

    assert missing == [
        ("libxcb-cursor.so.0", "libxcb-cursor0"),
        ("libEGL.so.1", "libegl1"),
    ]
    assert "libxcb-xinerama.so.0" not in asked


def test_a_library_on_ld_library_path_is_found(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    soname = "libsfjwt-probe-only.so.7"
    assert not system_has_library(soname)

    (tmp_path / soname).write_bytes(b"")
    monkeypatch.setenv("LD_LIBRARY_PATH", f"/nonexistent:{tmp_path}")

    assert system_has_library(soname)
