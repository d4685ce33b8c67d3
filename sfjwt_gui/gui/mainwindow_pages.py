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


# FIXME(coldstart): pages are built after the first paint, and PySide6 no longer
# reads each module's source (main.tell_pyside_our_modules), yet a start paints
# at about 1.27-1.30x a bare PySide6 window with no profile and 1.33x with a
# saved one (goal 1.3x; tests/benchmarks, the app's folders found as a user's).
# The ~33 ms more: ~8 ms of engine modules before Qt (platformdirs, json,
# dataclasses, the profile model, history), ~4 ms loading fonts, which a bare
# window never does, ~8 ms importing some twenty window modules, and ~10 ms of
# Qt classes and their enum types (both lists, menus, actions, the row
# delegate). Painting the profile rows with Qt's own item delegate instead of
# sidebar_delegate saves ~4 ms (its bold name and coloured line would go), and
# making the actions after the paint ~2 ms more.
# FIXME(startup-stall): the shown page is then built in one turn, up to about
# 50-60 ms, mostly its imports.
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
