"""Small widgets every page uses: notes under fields, copy buttons, secrets.

The window's start uses a few of these (StepState, state_color,
section_label), so Qt classes only the rest need are imported inside them:
PySide6 builds a class's enum types the first time the class is touched,
``Qt`` alone has some ninety, and the first paint does without them.
"""

from __future__ import annotations

from enum import Enum
from typing import TYPE_CHECKING

from PySide6.QtCore import Signal, Slot
from PySide6.QtGui import QColor, QGuiApplication
from PySide6.QtWidgets import (
    QFrame,
    QHBoxLayout,
    QLabel,
    QPushButton,
    QToolButton,
    QVBoxLayout,
    QWidget,
)

if TYPE_CHECKING:
    from PySide6.QtGui import QFont, QIcon, QPalette

    from sfjwt_gui.engine.findings import Finding, Severity


class StepState(str, Enum):
    """How far a step is: shown as an icon next to it and in the sidebar."""

    NONE = "none"
    DONE = "done"
    WARNING = "warning"
    ERROR = "error"


def _is_dark(palette: QPalette) -> bool:
    from PySide6.QtGui import QPalette

    return palette.color(QPalette.ColorRole.Window).lightness() < 128


def state_color(state: StepState, palette: QPalette | None = None) -> QColor:
    """A colour for a state that stays readable on light and dark palettes."""
    dark = _is_dark(palette or QGuiApplication.palette())
    colors = {
        StepState.DONE: ("#1b7f3b", "#5fd17f"),
        StepState.WARNING: ("#9a5b00", "#f0b84b"),
        StepState.ERROR: ("#b3261e", "#ff8a80"),
        StepState.NONE: ("#6b6b6b", "#a0a0a0"),
    }
    light_value, dark_value = colors[state]
    return QColor(dark_value if dark else light_value)


def severity_state(severity: Severity) -> StepState:
    from sfjwt_gui.engine.findings import Severity

    return {
        Severity.ERROR: StepState.ERROR,
        Severity.WARNING: StepState.WARNING,
        Severity.INFO: StepState.NONE,
    }[severity]


def worst_state(findings: list[Finding]) -> StepState:
    """ERROR if any error, WARNING if any warning, else DONE."""
    from sfjwt_gui.engine.findings import Severity

    severities = {finding.severity for finding in findings}
    if Severity.ERROR in severities:
        return StepState.ERROR
    if Severity.WARNING in severities:
        return StepState.WARNING
    return StepState.DONE


def state_icon(state: StepState, size: int = 16) -> QIcon:
    """A round badge: tick, exclamation mark, cross, or an empty ring."""
    # Drawn without Qt's enum namespace (colours and a computed text position
    # instead of named constants): the badges are painted before the window's
    # first paint, and that namespace alone takes tens of milliseconds to load.
    from PySide6.QtCore import QPointF, QSize
    from PySide6.QtGui import QFontMetricsF, QIcon, QPainter, QPen, QPixmap

    ratio = (
        QGuiApplication.primaryScreen().devicePixelRatio()
        if (QGuiApplication.primaryScreen())
        else 1.0
    )
    pixmap = QPixmap(QSize(size, size) * ratio)
    pixmap.setDevicePixelRatio(ratio)
    pixmap.fill(QColor(0, 0, 0, 0))
    color = state_color(state)

    painter = QPainter(pixmap)
    painter.setRenderHint(QPainter.RenderHint.Antialiasing)
    margin = 1.5
    box = pixmap.rect().toRectF()
    box.setSize(box.size() / ratio)
    box = box.adjusted(margin, margin, -margin, -margin)
    if state is StepState.NONE:
        painter.setPen(QPen(color, 1.5))
        painter.drawEllipse(box)
    else:
        painter.setPen(QPen(color, 0.0))
        painter.setBrush(color)
        painter.drawEllipse(box)
        painter.setPen(QPen(QColor("white"), 2.0))
        font = _badge_font(size)
        painter.setFont(font)
        glyph = {StepState.DONE: "✓", StepState.WARNING: "!", StepState.ERROR: "✕"}
        metrics = QFontMetricsF(font)
        width = metrics.horizontalAdvance(glyph[state])
        baseline = box.center().y() + (metrics.ascent() - metrics.descent()) / 2
        painter.drawText(QPointF(box.center().x() - width / 2, baseline), glyph[state])
    painter.end()
    return QIcon(pixmap)


def _badge_font(size: int) -> QFont:
    from PySide6.QtGui import QFont

    font = QFont()
    font.setBold(True)
    font.setPixelSize(max(8, int(size * 0.6)))
    return font


def monospace_font() -> QFont:
    from PySide6.QtGui import QFontDatabase

    return QFontDatabase.systemFont(QFontDatabase.SystemFont.FixedFont)


class FieldNote(QLabel):
    """The message under a field: the finding's title and fix, never a modal."""

    def __init__(self, parent: QWidget | None = None) -> None:
        from PySide6.QtCore import Qt

        super().__init__(parent)
        self.setWordWrap(True)
        self.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.setVisible(False)
        self._findings: list[Finding] = []

    @property
    def findings(self) -> list[Finding]:
        return list(self._findings)

    def show_findings(self, findings: list[Finding]) -> None:
        self._findings = list(findings)
        if not findings:
            self.clear()
            self.setVisible(False)
            self.setAccessibleDescription("")
            return
        worst = worst_state(findings)
        color = state_color(worst, self.palette()).name()
        lines = []
        for finding in findings:
            text = finding.detail or finding.title
            lines.append(f"<b>{_escape(finding.title)}</b>")
            if text != finding.title:
                lines.append(_escape(text))
            lines.append(_escape(finding.fix))
        self.setText(f'<span style="color:{color}">' + "<br>".join(lines) + "</span>")
        self.setAccessibleDescription(" ".join(f.title for f in findings))
        self.setVisible(True)


def _escape(text: str) -> str:
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


class CopyButton(QToolButton):
    """Copies a text to the clipboard and says so for a moment."""

    copied = Signal()

    def __init__(self, label: str = "&Copy", parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setText(label)
        self.setAccessibleName(label.replace("&", ""))
        self._text = ""
        self.clicked.connect(self._on_clicked)

    def set_text_to_copy(self, text: str) -> None:
        self._text = text
        self.setEnabled(bool(text))

    @Slot()
    def _on_clicked(self) -> None:
        clipboard = QGuiApplication.clipboard()
        clipboard.setText(self._text)
        self.copied.emit()


class SecretLineEdit(QWidget):
    """A password field with a show/hide toggle."""

    text_changed = Signal(str)

    def __init__(self, accessible_name: str, parent: QWidget | None = None) -> None:
        from PySide6.QtWidgets import QLineEdit

        super().__init__(parent)
        self.edit = QLineEdit(self)
        self.edit.setEchoMode(QLineEdit.EchoMode.Password)
        self.edit.setAccessibleName(accessible_name)
        self.toggle = QToolButton(self)
        self.toggle.setText("Show")
        self.toggle.setCheckable(True)
        self.toggle.setAccessibleName(f"Show {accessible_name}")
        self.toggle.toggled.connect(self._on_toggled)
        self.edit.textChanged.connect(self.text_changed)

        layout = QHBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.edit, 1)
        layout.addWidget(self.toggle)
        self.setFocusProxy(self.edit)

    def text(self) -> str:
        return self.edit.text()

    def clear(self) -> None:
        # Overwrite before clearing: a best effort, Python strings are immutable.
        self.edit.setText(" " * len(self.edit.text()))
        self.edit.clear()

    @Slot(bool)
    def _on_toggled(self, shown: bool) -> None:
        from PySide6.QtWidgets import QLineEdit

        mode = QLineEdit.EchoMode.Normal if shown else QLineEdit.EchoMode.Password
        self.edit.setEchoMode(mode)
        self.toggle.setText("Hide" if shown else "Show")


class Card(QFrame):
    """A framed box with a bold title, for grouped results."""

    def __init__(self, title: str, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setFrameShape(QFrame.Shape.StyledPanel)
        self.title_label = QLabel(f"<b>{_escape(title)}</b>", self)
        self.body = QVBoxLayout()
        layout = QVBoxLayout(self)
        layout.addWidget(self.title_label)
        layout.addLayout(self.body)

    def set_title(self, title: str) -> None:
        self.title_label.setText(f"<b>{_escape(title)}</b>")


def section_label(text: str, parent: QWidget | None = None) -> QLabel:
    """A heading inside a page."""
    label = QLabel(text, parent)
    font = label.font()
    font.setPointSizeF(font.pointSizeF() * 1.2)
    font.setBold(True)
    label.setFont(font)
    label.setAccessibleName(text)
    return label


def action_button(
    text: str, accessible_name: str = "", parent: QWidget | None = None
) -> QPushButton:
    # A parent from the start puts the button at its place in the tab order.
    button = QPushButton(text, parent)
    button.setAccessibleName(accessible_name or text.replace("&", ""))
    return button
