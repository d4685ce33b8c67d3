"""How a row of the profile list is painted: a bold name over two smaller lines.

Apart from sidebar_rows so that the classes it needs are loaded only once the
list has a row to paint. The style draws the row's background, selection and
focus frame (QStyledItemDelegate.paint with the text and icon taken out) and
this class the rest.

The rows are painted before the window's first paint, so nothing here touches
Qt's enum namespace (some ninety enum types, tens of milliseconds to load):
roles go by number, each line is a small rich-text document carrying its
colour (a painter's coloured pen would load the namespace, and QStyle's own
enum types cost several milliseconds more) and lines are elided here rather
than by QFontMetrics.elidedText, which takes a Qt enum.
"""

from __future__ import annotations

from PySide6.QtCore import QModelIndex, QPersistentModelIndex, QRect, QSize
from PySide6.QtGui import (
    QColor,
    QFont,
    QFontMetrics,
    QPainter,
    QPalette,
    QPixmap,
    QTextDocument,
)
from PySide6.QtWidgets import (
    QAbstractItemView,
    QStyledItemDelegate,
    QStyleOptionViewItem,
)

from sfjwt_gui.gui.sidebar_rows import (
    BADGE_ROLE,
    CERT_LINE_ROLE,
    CERT_STATE_ROLE,
    TEST_LINE_ROLE,
)
from sfjwt_gui.gui.widgets import StepState, escape_html, state_color

# Qt.ItemDataRole.DisplayRole.
DISPLAY_ROLE = 0
_ELLIPSIS = "\u2026"


def elided(metrics: QFontMetrics, text: str, width: int) -> str:
    """``text`` cut to fit ``width`` pixels, ending in an ellipsis if cut."""
    if metrics.horizontalAdvance(text) <= width:
        return text
    kept = len(text)
    while kept and metrics.horizontalAdvance(text[:kept] + _ELLIPSIS) > width:
        kept -= 1
    return text[:kept] + _ELLIPSIS


def draw_line(
    painter: QPainter, rect: QRect, text: str, font: QFont, color: QColor
) -> None:
    """One line of ``text``, elided to fit ``rect`` and centred in its height."""
    document = QTextDocument()
    document.setDocumentMargin(0)
    document.setDefaultFont(font)
    shown = escape_html(elided(QFontMetrics(font), text, rect.width()))
    document.setHtml(
        f'<span style="color: {color.name()}; white-space: pre">{shown}</span>'
    )
    top = rect.top() + (rect.height() - document.size().height()) / 2
    painter.save()
    painter.translate(rect.left(), top)
    document.drawContents(painter)
    painter.restore()


class ProfileRowDelegate(QStyledItemDelegate):
    """Paints a row as a bold name over two smaller lines, beside its badge."""

    def initStyleOption(
        self,
        option: QStyleOptionViewItem,
        index: QModelIndex | QPersistentModelIndex,
    ) -> None:
        super().initStyleOption(option, index)
        # paint() draws the badge and the lines itself.
        option.text = ""

    def paint(
        self,
        painter: QPainter,
        option: QStyleOptionViewItem,
        index: QModelIndex | QPersistentModelIndex,
    ) -> None:
        super().paint(painter, option, index)

        metrics = option.fontMetrics
        margin = metrics.horizontalAdvance("x")
        line_height = metrics.lineSpacing()
        box = option.rect.adjusted(margin, margin // 2, -margin, -(margin // 2))
        icon_size = line_height
        badge = index.data(BADGE_ROLE)
        if isinstance(badge, QPixmap):
            painter.drawPixmap(
                QRect(box.left(), box.top(), icon_size, icon_size), badge
            )
        text_left = box.left() + icon_size + margin
        text_width = max(box.right() - text_left, 0)

        selected = self._is_selected(index)
        palette: QPalette = option.palette
        role = (
            QPalette.ColorRole.HighlightedText if selected else QPalette.ColorRole.Text
        )
        text_color = palette.color(role)
        lines = (
            str(index.data(DISPLAY_ROLE) or ""),
            str(index.data(TEST_LINE_ROLE) or ""),
            str(index.data(CERT_LINE_ROLE) or ""),
        )
        cert_state = index.data(CERT_STATE_ROLE)

        for number, text in enumerate(lines):
            font = option.font
            font.setBold(number == 0)
            rect = QRect(
                text_left, box.top() + number * line_height, text_width, line_height
            )
            color = self._line_color(number, cert_state, text_color, selected)
            draw_line(painter, rect, text, font, color)

    def _is_selected(self, index: QModelIndex | QPersistentModelIndex) -> bool:
        # What the view puts in option.state as State_Selected.
        view = self.parent()
        if not isinstance(view, QAbstractItemView):
            return False
        model = view.selectionModel()
        return model is not None and model.isSelected(index)

    @staticmethod
    def _line_color(
        number: int, cert_state: object, text_color: QColor, selected: bool
    ) -> QColor:
        if (
            number == 2
            and not selected
            and isinstance(cert_state, StepState)
            and cert_state in (StepState.WARNING, StepState.ERROR)
        ):
            return state_color(cert_state)
        return text_color

    def sizeHint(
        self,
        option: QStyleOptionViewItem,
        index: QModelIndex | QPersistentModelIndex,
    ) -> QSize:
        metrics = option.fontMetrics
        margin = metrics.horizontalAdvance("x")
        return QSize(
            metrics.horizontalAdvance("x") * 30, metrics.lineSpacing() * 3 + margin
        )
