"""The round state badges: colour, ring or disc, and the white mark on a disc."""

from __future__ import annotations

import pytest
from PySide6.QtCore import QSize
from PySide6.QtGui import QColor, QImage
from pytestqt.qtbot import QtBot

from sfjwt_gui.gui.badges import badge_image
from sfjwt_gui.gui.widgets import StepState, state_color, state_icon

SIZE = 32


def badge_pixels(state: StepState) -> QImage:
    image = state_icon(state, SIZE).pixmap(QSize(SIZE, SIZE)).toImage()
    return image.scaled(SIZE, SIZE)  # the same grid whatever the screen's ratio


def colors(image: QImage) -> list[QColor]:
    return [
        image.pixelColor(x, y)
        for y in range(image.height())
        for x in range(image.width())
    ]


def is_white(color: QColor) -> bool:
    return color.alpha() == 255 and min(color.red(), color.green(), color.blue()) > 240


def close_to(color: QColor, wanted: QColor) -> bool:
    return (
        color.alpha() == 255
        and abs(color.red() - wanted.red()) <= 2
        and abs(color.green() - wanted.green()) <= 2
        and abs(color.blue() - wanted.blue()) <= 2
    )


def test_not_done_is_an_empty_ring_in_its_colour(qtbot: QtBot) -> None:
    image = badge_pixels(StepState.NONE)
    ring_color = state_color(StepState.NONE)

    assert image.pixelColor(SIZE // 2, SIZE // 2).alpha() == 0  # hollow
    assert image.pixelColor(0, 0).alpha() == 0  # round, not square
    assert any(close_to(color, ring_color) for color in colors(image))
    assert not any(is_white(color) for color in colors(image))


@pytest.mark.parametrize("state", [StepState.DONE, StepState.WARNING, StepState.ERROR])
def test_other_states_are_a_disc_in_their_colour_with_a_white_mark(
    qtbot: QtBot, state: StepState
) -> None:
    image = badge_pixels(state)
    disc_color = state_color(state)

    assert image.pixelColor(0, 0).alpha() == 0
    assert close_to(image.pixelColor(SIZE // 2, SIZE // 8 + 1), disc_color)
    assert sum(is_white(color) for color in colors(image)) >= SIZE // 2


def test_the_three_marks_differ(qtbot: QtBot) -> None:
    black = QColor(0, 0, 0)
    shapes = {
        tuple(
            color.red() > 128  # the white mark on a black disc
            for color in colors(badge_image(SIZE, 1.0, black, filled=True, glyph=glyph))
        )
        for glyph in ("tick", "exclamation", "cross")
    }

    assert len(shapes) == 3
    assert all(any(shape) for shape in shapes)


def test_a_high_dpi_badge_has_more_pixels(qtbot: QtBot) -> None:
    image = badge_image(16, 2.0, QColor("#1b7f3b"), filled=False)

    assert (image.width(), image.height()) == (32, 32)
