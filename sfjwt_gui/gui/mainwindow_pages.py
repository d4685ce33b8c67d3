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


# FIXME(coldstart): pages are built after the first paint, yet a start still
# paints at 1.2-1.5x a bare PySide6 window (goal 1.3x): the app's modules and
# the Qt classes a complete first frame touches (menus, profile list and its
# row delegate, step strip) cost some 45 ms more than a bare window. Getting
# under the goal needs a lighter first frame. FIXME(startup-stall): the shown
# page is then built in one turn, up to about 50-60 ms, mostly its imports.
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
