"""The engine, the demo org and the command line work on a machine without Qt."""

from __future__ import annotations

import subprocess
import sys
import textwrap

BLOCK_QT = textwrap.dedent(
    """
    import importlib, importlib.abc, pkgutil, sys

    class BlockQt(importlib.abc.MetaPathFinder):
        def find_spec(self, name, path=None, target=None):
            if name == "PySide6" or name.startswith(("PySide6.", "shiboken6")):
                raise ImportError(f"{name} is blocked in this test")
            return None

    sys.meta_path.insert(0, BlockQt())
    import sfjwt_gui
    for package in ("engine", "demo", "cli"):
        module = importlib.import_module(f"sfjwt_gui.{package}")
        for info in pkgutil.iter_modules(module.__path__):
            importlib.import_module(f"sfjwt_gui.{package}.{info.name}")
    loaded = sorted(name for name in sys.modules if name.startswith("sfjwt_gui."))
    print(len(loaded))
    """
)


def test_every_engine_demo_and_cli_module_imports_without_pyside6() -> None:
    done = subprocess.run(
        [sys.executable, "-c", BLOCK_QT], capture_output=True, text=True, check=False
    )

    assert done.returncode == 0, done.stderr
    assert int(done.stdout.strip()) >= 20


def test_command_line_start_loads_neither_qt_nor_network_stack() -> None:
    probe = (
        "import sys; from sfjwt_gui.cli import main; "
        "print(sorted(m for m in ('PySide6', 'requests', 'jwt') if m in sys.modules))"
    )
    done = subprocess.run(
        [sys.executable, "-c", probe], capture_output=True, text=True, check=True
    )

    assert done.stdout.strip() == "[]"
