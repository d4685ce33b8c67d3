"""How a row of the profile list is painted: a bold name over two smaller lines.

Apart from sidebar_rows so that the classes it needs are loaded only once the
list has a row to paint. The style draws the row's background, selection and
focus frame (QStyledItemDelegate.paint with the text and icon taken out) and
this class the rest; QStyle itself is never named, as building its enum types
costs several milliseconds of the window's start.
"""

from __future__ import annotations

from PySide6.QtCore import QModelIndex, QPersistentModelIndex, QRect, QSize, Qt
from PySide6.QtGui import QColor, QIcon, QPainter, QPalette
from PySide6.QtWidgets import (
    QAbstractItemView,
    QStyledItemDelegate,
    QStyleOptionViewItem,
)

from sfjwt_gui.gui.sidebar_rows import CERT_LINE_ROLE, CERT_STATE_ROLE, TEST_LINE_ROLE
from sfjwt_gui.gui.widgets import StepState, state_color


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
        option.icon = QIcon()

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
        icon = index.data(Qt.ItemDataRole.DecorationRole)
        if isinstance(icon, QIcon):
            icon.paint(painter, QRect(box.left(), box.top(), icon_size, icon_size))
        text_left = box.left() + icon_size + margin
        text_width = max(box.right() - text_left, 0)

        selected = self._is_selected(index)
        palette: QPalette = option.palette
        role = (
            QPalette.ColorRole.HighlightedText if selected else QPalette.ColorRole.Text
        )
        text_color = palette.color(role)
        lines = (
            str(index.data(Qt.ItemDataRole.DisplayRole) or ""),
            str(index.data(TEST_LINE_ROLE) or ""),
            str(index.data(CERT_LINE_ROLE) or ""),
        )
        cert_state = index.data(CERT_STATE_ROLE)

        painter.save()
        for number, text in enumerate(lines):
            font = option.font
            font.setBold(number == 0)
            painter.setFont(font)
            painter.setPen(self._line_color(number, cert_state, text_color, selected))
            rect = QRect(
                text_left, box.top() + number * line_height, text_width, line_height
            )
            elided = painter.fontMetrics().elidedText(
                text, Qt.TextElideMode.ElideRight, text_width
            )
            painter.drawText(
                rect, Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter, elided
            )
        painter.restore()

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
