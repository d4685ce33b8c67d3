"""Dropping files onto a widget in tests, as a file manager does."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import QMimeData, QPoint, QPointF, Qt, QUrl
from PySide6.QtGui import QDragEnterEvent, QDropEvent
from PySide6.QtWidgets import QApplication, QWidget

ACTIONS = Qt.DropAction.CopyAction
BUTTONS = Qt.MouseButton.LeftButton
MODIFIERS = Qt.KeyboardModifier.NoModifier


def _drag_enter(at: QPoint, mime: QMimeData) -> QDragEnterEvent:
    # PySide6 6.12 takes a QPointF here; earlier releases a QPoint.
    try:
        return QDragEnterEvent(  # type: ignore[call-overload,no-any-return,unused-ignore]
            QPointF(at), ACTIONS, mime, BUTTONS, MODIFIERS
        )
    except TypeError:
        return QDragEnterEvent(  # type: ignore[arg-type,unused-ignore]
            at, ACTIONS, mime, BUTTONS, MODIFIERS
        )


def drop_files(
    widget: QWidget, paths: list[Path], *, at: QPoint | None = None
) -> tuple[bool, bool]:
    """Drag ``paths`` over ``widget`` and drop them; returns (entered, dropped)."""
    mime = QMimeData()
    mime.setUrls([QUrl.fromLocalFile(str(path)) for path in paths])
    point = at if at is not None else QPoint(5, 5)

    enter = _drag_enter(point, mime)
    QApplication.sendEvent(widget, enter)
    if not enter.isAccepted():
        return False, False
    drop = QDropEvent(QPointF(point), ACTIONS, mime, BUTTONS, MODIFIERS)
    QApplication.sendEvent(widget, drop)
    return True, drop.isAccepted()
