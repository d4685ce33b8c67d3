"""The application icon: the SVG from resources/, or the same picture drawn in code."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import TYPE_CHECKING

from PySide6.QtGui import QIcon

if TYPE_CHECKING:
    from PySide6.QtGui import QPixmap

ICON_FILE_NAME = "sfjwt-gui.svg"
CLOUD_COLOR = "#1b7fd6"
_DRAWN_SIZES = (16, 24, 32, 48, 64, 128, 256)


def icon_file() -> Path | None:
    """The SVG icon: in a source checkout, a frozen bundle or beside the package."""
    package_dir = Path(__file__).resolve().parent
    candidates = [
        package_dir.parent.parent / "resources" / ICON_FILE_NAME,
        package_dir / "resources" / ICON_FILE_NAME,
    ]
    bundle_dir = getattr(sys, "_MEIPASS", None)
    if isinstance(bundle_dir, str):
        candidates.insert(0, Path(bundle_dir) / "resources" / ICON_FILE_NAME)
    return next((path for path in candidates if path.is_file()), None)


def app_icon() -> QIcon:
    """The window icon; drawn in code when the SVG or Qt's SVG plugin is missing."""
    path = icon_file()
    if path is not None:
        icon = QIcon(str(path))
        if not icon.isNull() and not icon.pixmap(32, 32).isNull():
            return icon
    return drawn_icon()


def drawn_icon() -> QIcon:
    """A key over a cloud, painted at the usual icon sizes."""
    icon = QIcon()
    for size in _DRAWN_SIZES:
        icon.addPixmap(_draw(size))
    return icon


def _draw(size: int) -> QPixmap:
    # Imported here: the SVG is the usual case, and each Qt class costs time
    # at start-up the first time it is used.
    from PySide6.QtCore import QPointF, QRectF, Qt
    from PySide6.QtGui import QColor, QPainter, QPainterPath, QPixmap

    pixmap = QPixmap(size, size)
    pixmap.fill(Qt.GlobalColor.transparent)
    painter = QPainter(pixmap)
    painter.setRenderHint(QPainter.RenderHint.Antialiasing)
    # Drawn on the SVG's 64 x 64 grid so both versions look the same.
    painter.scale(size / 64.0, size / 64.0)
    painter.setPen(Qt.PenStyle.NoPen)

    painter.setBrush(QColor(CLOUD_COLOR))
    painter.drawEllipse(QPointF(20, 31), 11, 11)
    painter.drawEllipse(QPointF(33, 22), 14, 14)
    painter.drawEllipse(QPointF(46, 30), 11, 11)
    painter.drawRoundedRect(QRectF(7, 30, 52, 21), 10.5, 10.5)

    painter.setBrush(QColor("white"))
    bow = QPainterPath()
    bow.addEllipse(QPointF(21, 40), 7.5, 7.5)
    hole = QPainterPath()
    hole.addEllipse(QPointF(21, 40), 3, 3)
    painter.drawPath(bow.subtracted(hole))
    painter.drawRoundedRect(QRectF(27, 38, 24, 4), 1.2, 1.2)
    painter.drawRoundedRect(QRectF(41, 41, 3.5, 5), 0.8, 0.8)
    painter.drawRoundedRect(QRectF(46.5, 41, 3.5, 6.5), 0.8, 0.8)
    painter.end()
    return pixmap
