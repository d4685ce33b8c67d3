"""Small widgets every page uses: notes under fields, copy buttons, secrets.

The window's start uses a few of these (StepState, state_color,
section_label), so Qt classes only the rest need are imported inside them:
PySide6 builds a class's enum types the first time the class is touched,
``Qt`` alone has some ninety, and the first paint does without them.
"""

from __future__ import annotations

from enum import Enum
from typing import TYPE_CHECKING

from PySide6.QtCore import QObject, Signal, Slot
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
    from PySide6.QtGui import QAction, QFont, QIcon, QPalette, QPixmap

    from sfjwt_gui.engine.findings import Finding, Severity


# Qt.ItemDataRole.DecorationRole by number: the rows of the sidebar and the
# step strip carry their badge as a pixmap under this role before the first
# paint, when neither Qt's enum namespace nor QIcon's 150 theme icons are loaded.
DECORATION_ROLE = 1


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
    """A colour for a state that stays readable on light and dark palettes.

    Without ``palette``, the application's: the one the window follows. A
    widget's own palette takes a switch of the application's palette later
    than the main window redraws its colours (widgets.restyle_all).
    """
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


def state_pixmap(state: StepState, size: int = 16) -> QPixmap:
    """A round badge: tick, exclamation mark, cross, or an empty ring."""
    # Drawn by badges.badge_image, not a QPainter: the badges are painted before
    # the window's first paint, and a painter's coloured pen or brush loads Qt's
    # enum namespace, which alone takes tens of milliseconds.
    from PySide6.QtGui import QPixmap

    from sfjwt_gui.gui.badges import badge_image

    app = QGuiApplication.instance()
    # The highest ratio of any screen: sharp everywhere, and no QScreen type
    # to build before the first paint.
    ratio = app.devicePixelRatio() if isinstance(app, QGuiApplication) else 1.0
    glyphs = {
        StepState.DONE: "tick",
        StepState.WARNING: "exclamation",
        StepState.ERROR: "cross",
    }
    image = badge_image(
        size,
        ratio,
        state_color(state),
        filled=state is not StepState.NONE,
        glyph=glyphs.get(state, ""),
    )
    pixmap = QPixmap.fromImage(image)
    pixmap.setDevicePixelRatio(ratio)
    return pixmap


def state_icon(state: StepState, size: int = 16) -> QIcon:
    """The badge of ``state`` as an icon, for tree rows and buttons."""
    from PySide6.QtGui import QIcon

    return QIcon(state_pixmap(state, size))


def restyle_all(root: QObject) -> None:
    """Call restyle() on ``root`` and everything under it that has one.

    Colours and badges are picked from the palette when drawn. A widget that
    draws them has a restyle() that draws them again; the main window calls
    this when the application's palette changes (the system switching between
    light and dark while the app runs). A method, not a changeEvent override:
    PySide6 would hand each change event of such widgets to Python, building a
    dozen event types before the window's first paint.
    """
    for found in (root, *root.findChildren(QObject)):
        restyle = getattr(found, "restyle", None)
        if callable(restyle):
            restyle()


def monospace_font() -> QFont:
    from PySide6.QtGui import QFontDatabase

    return QFontDatabase.systemFont(QFontDatabase.SystemFont.FixedFont)


class PendingShortcuts:
    """Keys for actions, given once the window has painted (give()).

    QKeySequence's type and its enum types take about a millisecond to build,
    which the window's first paint does without; no key reaches a window
    before it is on screen. Keys added after give() are given at once.
    """

    def __init__(self) -> None:
        self._pending: list[tuple[QAction, str]] = []
        self._given = False

    def add(self, action: QAction, keys: str) -> None:
        self._pending.append((action, keys))
        if self._given:
            self.give()

    def give(self) -> None:
        from PySide6.QtGui import QKeySequence

        self._given = True
        pending, self._pending = self._pending, []
        for action, keys in pending:
            # Not setShortcut: its overloads load Qt's whole enum namespace.
            action.setShortcuts([QKeySequence(keys)])


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
        self.restyle()
        self.setAccessibleDescription(" ".join(f.title for f in findings))
        self.setVisible(True)

    def restyle(self) -> None:
        if not self._findings:
            return
        color = state_color(worst_state(self._findings)).name()
        lines = []
        for finding in self._findings:
            text = finding.detail or finding.title
            lines.append(f"<b>{escape_html(finding.title)}</b>")
            if text != finding.title:
                lines.append(escape_html(text))
            lines.append(escape_html(finding.fix))
        self.setText(f'<span style="color:{color}">' + "<br>".join(lines) + "</span>")


def escape_html(text: str) -> str:
    """``text`` made safe to put in a rich-text label.

    Not html.escape: the html module builds its table of every named entity
    when imported, which the window's first paint does without.
    """
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
        self.title_label = QLabel(f"<b>{escape_html(title)}</b>", self)
        self.body = QVBoxLayout()
        layout = QVBoxLayout(self)
        layout.addWidget(self.title_label)
        layout.addLayout(self.body)

    def set_title(self, title: str) -> None:
        self.title_label.setText(f"<b>{escape_html(title)}</b>")


def section_label(text: str, parent: QWidget | None = None) -> QLabel:
    """A heading inside a page: bold, a step (1.2 times) larger than the text."""
    # Rich text rather than a QFont: the welcome page's heading is painted
    # before the window's first paint, and QFont's enum types cost a few
    # milliseconds to load. <big> is Qt's one-step (1.2x) larger size.
    label = QLabel(f"<big><b>{escape_html(text)}</b></big>", parent)
    label.setAccessibleName(text)
    return label


def action_button(
    text: str, accessible_name: str = "", parent: QWidget | None = None
) -> QPushButton:
    # A parent from the start puts the button at its place in the tab order.
    button = QPushButton(text, parent)
    button.setAccessibleName(accessible_name or text.replace("&", ""))
    return button
