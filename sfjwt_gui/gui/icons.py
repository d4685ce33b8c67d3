"""The application icon: the PNGs made from resources/sfjwt-gui.svg, or drawn in code.

The PNGs (built by packaging/icons.py) sit in sfjwt_gui/resources/icons/ in
an installed wheel and in the PyInstaller folder, and in resources/icons/ of a
source checkout. Loading them needs no Qt SVG module.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from PySide6.QtCore import QSize
from PySide6.QtGui import QIcon

if TYPE_CHECKING:
    from PySide6.QtGui import QPixmap

ICON_BASE_NAME = "sfjwt-gui"
PNG_SIZES = (16, 24, 32, 48, 64, 128, 256, 512)
CLOUD_COLOR = "#1b7fd6"
_DRAWN_SIZES = (16, 24, 32, 48, 64, 128, 256)


def icon_folders() -> list[Path]:
    """Where the PNG icons may be: beside the package, then in the checkout."""
    package_dir = Path(__file__).resolve().parent.parent
    return [
        package_dir / "resources" / "icons",
        package_dir.parent / "resources" / "icons",
    ]


def icon_pngs() -> dict[int, Path]:
    """The PNG icon of each size, from the first folder that holds any."""
    for folder in icon_folders():
        found = {
            size: folder / f"{ICON_BASE_NAME}-{size}.png"
            for size in PNG_SIZES
            if (folder / f"{ICON_BASE_NAME}-{size}.png").is_file()
        }
        if found:
            return found
    return {}


def app_icon() -> QIcon:
    """The window icon; drawn in code when the PNGs are missing or unreadable."""
    pngs = icon_pngs()
    if pngs:
        icon = QIcon()
        for size, path in pngs.items():
            # With the size given, Qt reads each file only when that size is drawn.
            icon.addFile(str(path), QSize(size, size))
        if not icon.pixmap(32, 32).isNull():
            return icon
    return drawn_icon()


def drawn_icon() -> QIcon:
    """A key over a cloud, painted at the usual icon sizes."""
    icon = QIcon()
    for size in _DRAWN_SIZES:
        icon.addPixmap(_draw(size))
    return icon


def _draw(size: int) -> QPixmap:
    # Imported here: the PNGs are the usual case, and each Qt class costs time
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
