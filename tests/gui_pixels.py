"""Looking for a colour in a grabbed image, as a user would see it on screen."""

from __future__ import annotations

from PySide6.QtCore import QRect
from PySide6.QtGui import QColor, QImage


def shows_color(
    image: QImage, wanted: QColor, *, area: QRect | None = None, tolerance: int = 2
) -> bool:
    """Whether an opaque pixel of ``image`` has about the ``wanted`` colour.

    ``area`` (logical pixels) limits the search; each channel may be off by
    ``tolerance``, as antialiasing blends a shape's edge into its background.
    """
    if area is None:
        box, ratio = QRect(0, 0, image.width(), image.height()), 1.0
    else:
        box, ratio = area, image.devicePixelRatio()
    for y in range(int(box.top() * ratio), int((box.bottom() + 1) * ratio)):
        for x in range(int(box.left() * ratio), int((box.right() + 1) * ratio)):
            color = image.pixelColor(x, y)
            if color.alpha() == 255 and all(
                abs(mine - theirs) <= tolerance
                for mine, theirs in (
                    (color.red(), wanted.red()),
                    (color.green(), wanted.green()),
                    (color.blue(), wanted.blue()),
                )
            ):
                return True
    return False
