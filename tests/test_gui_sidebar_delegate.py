"""How a profile row fits its lines into the sidebar's width."""

from __future__ import annotations

from PySide6.QtGui import QFont, QFontMetrics
from pytestqt.qtbot import QtBot

from sfjwt_gui.gui.sidebar_delegate import elided


def test_a_line_that_fits_is_kept_whole(qtbot: QtBot) -> None:
    metrics = QFontMetrics(QFont())
    text = "Acme production"

    assert elided(metrics, text, metrics.horizontalAdvance(text)) == text


def test_a_long_line_is_cut_to_fit_and_ends_in_an_ellipsis(qtbot: QtBot) -> None:
    metrics = QFontMetrics(QFont())
    text = "A very long profile name that will never fit in a narrow sidebar"
    width = metrics.horizontalAdvance(text) // 3

    shown = elided(metrics, text, width)

    assert shown.endswith("\u2026")
    assert text.startswith(shown[:-1])
    assert len(shown) > 2
    assert metrics.horizontalAdvance(shown) <= width
