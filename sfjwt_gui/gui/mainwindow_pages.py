"""The main window's three real step pages, each imported when first needed.

A page module brings the widgets and engine modules of its step, so the window
builds the shown page before its first paint and the others right after it.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

from PySide6.QtWidgets import QWidget

from sfjwt_gui.gui.session import ProfileSession
from sfjwt_gui.gui.tasks import TaskRunner

PageFactory = Callable[[ProfileSession, TaskRunner, QWidget], Sequence[QWidget]]
PageBuilder = Callable[[ProfileSession, TaskRunner, QWidget], QWidget]


# Why the pages wait for the first paint: a start paints at 1.25-1.3x a bare
# PySide6 window (goal 1.3x, tests/benchmarks). What the ~27 ms more pay for:
# the engine modules that read the profiles (~8 ms, platformdirs included),
# loading fonts (~4 ms; a bare window draws no text), some twenty window
# modules (~6 ms) and the Qt classes and enum types the first frame draws with
# (~9 ms: both lists, the badges, menus and actions). A page would add 30-60 ms.
# FIXME(startup-stall): the shown page is then built in one turn: 33-46 ms on
# the benchmark machine, mostly its imports, so a slower one holds the window
# past 50 ms once; splitting a page's build over turns would need each page
# to be built in parts.
def _keys_page(session: ProfileSession, tasks: TaskRunner, parent: QWidget) -> QWidget:
    from sfjwt_gui.gui.page_keys import KeysPage

    return KeysPage(session, tasks, parent)


def _app_page(session: ProfileSession, tasks: TaskRunner, parent: QWidget) -> QWidget:
    from sfjwt_gui.gui.page_app import AppPage

    return AppPage(session, tasks, parent)


def _test_page(session: ProfileSession, tasks: TaskRunner, parent: QWidget) -> QWidget:
    from sfjwt_gui.gui.page_test import TestPage

    return TestPage(session, tasks, parent)


# Step order: key and certificate, connected app, test login.
DEFAULT_PAGE_BUILDERS: tuple[PageBuilder, ...] = (_keys_page, _app_page, _test_page)


def default_pages(
    session: ProfileSession, tasks: TaskRunner, parent: QWidget
) -> list[QWidget]:
    """The three real step pages, built at once (a PageFactory)."""
    return [build(session, tasks, parent) for build in DEFAULT_PAGE_BUILDERS]
