"""The round state badges, drawn pixel by pixel.

A QPainter would need a coloured pen or brush, and PySide6 resolves those
overloads by loading Qt's whole enum namespace (some ninety enum types, tens
of milliseconds). The step strip and the sidebar show badges before the
window's first paint, so the few pixels of a badge are computed here instead:
each pixel takes the share of it the ring, disc or glyph strokes cover.
"""

from __future__ import annotations

import functools
import math

from PySide6.QtGui import QColor, QImage

Point = tuple[float, float]
Stroke = tuple[Point, Point]

# Glyph strokes in a unit square laid over the badge; a stroke from a point to
# itself is a dot.
GLYPHS: dict[str, tuple[Stroke, ...]] = {
    "tick": (((0.27, 0.52), (0.43, 0.68)), ((0.43, 0.68), (0.73, 0.34))),
    "cross": (((0.33, 0.33), (0.67, 0.67)), ((0.67, 0.33), (0.33, 0.67))),
    "exclamation": (((0.5, 0.26), (0.5, 0.56)), ((0.5, 0.73), (0.5, 0.73))),
}

_MARGIN = 1.5  # logical pixels around the badge
_RING_WIDTH = 1.5
_STROKE_WIDTH_SHARE = 0.12  # of the badge's size
_TRANSPARENT = bytes(4)


def _coverage(half_width: float, distance: float) -> float:
    """How much of a pixel a shape covers, its edge ``distance`` from the centre."""
    return min(1.0, max(0.0, half_width - distance + 0.5))


def _distance_to_stroke(x: float, y: float, stroke: Stroke) -> float:
    (x1, y1), (x2, y2) = stroke
    dx, dy = x2 - x1, y2 - y1
    length_squared = dx * dx + dy * dy
    along = 0.0
    if length_squared:
        along = min(1.0, max(0.0, ((x - x1) * dx + (y - y1) * dy) / length_squared))
    return math.hypot(x - x1 - along * dx, y - y1 - along * dy)


def badge_image(
    size: int, ratio: float, color: QColor, *, filled: bool, glyph: str = ""
) -> QImage:
    """A ``size`` x ``size`` badge at device pixel ratio ``ratio``.

    ``filled`` gives a disc in ``color`` with ``glyph`` (a GLYPHS key) in white
    on it; otherwise an empty ring in ``color``.
    """
    pixels = max(1, round(size * ratio))
    rgb = (color.red(), color.green(), color.blue())
    data = _badge_pixels(pixels, pixels / size, rgb, filled, glyph)
    image = QImage(data, pixels, pixels, QImage.Format.Format_RGBA8888_Premultiplied)
    # The image only borrows ``data``; the copy owns its pixels.
    return image.copy()


@functools.lru_cache(maxsize=64)
def _badge_pixels(
    pixels: int, scale: float, rgb: tuple[int, int, int], filled: bool, glyph: str
) -> bytes:
    """The badge's premultiplied RGBA bytes, ``scale`` device pixels a pixel."""
    centre = pixels / 2
    radius = centre - _MARGIN * scale
    ring_half = _RING_WIDTH * scale / 2
    stroke_half = pixels * _STROKE_WIDTH_SHARE / 2

    def place(point: Point) -> Point:
        return (point[0] * pixels, point[1] * pixels)

    strokes = [(place(start), place(end)) for start, end in GLYPHS.get(glyph, ())]

    data = bytearray()
    for row in range(pixels):
        y = row + 0.5
        for column in range(pixels):
            x = column + 0.5
            distance = math.hypot(x - centre, y - centre)
            if filled:
                alpha = _coverage(radius, distance)
            else:
                alpha = _coverage(ring_half, abs(distance - radius))
            if alpha == 0.0:
                data += _TRANSPARENT
                continue
            white = max(
                (_coverage(stroke_half, _distance_to_stroke(x, y, s)) for s in strokes),
                default=0.0,
            )
            # Premultiplied: each channel already scaled by the pixel's alpha.
            data += bytes(
                round((channel + (255 - channel) * white) * alpha) for channel in rgb
            )
            data.append(round(255 * alpha))
    return bytes(data)
