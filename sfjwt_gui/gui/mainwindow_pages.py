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
# paints at about 1.37x (first start) and 1.41x (saved profile) a bare PySide6
# window, goal 1.3x. The ~40 ms more: ~8 ms of engine modules before Qt (json,
# dataclasses, the profile model, history), ~15 ms importing some twenty window
# modules (shiboken also reads each one's source), ~12-15 ms building the Qt
# types and enums the first frame draws with (menus, both lists, row delegate,
# buttons), ~4 ms loading fonts, which a bare window never does. Deferring the
# hidden widgets, actions and shortcuts until after the paint would save about
# 5 ms more; getting under the goal needs fewer Qt classes in the first frame.
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
