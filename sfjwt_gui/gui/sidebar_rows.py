"""What one row of the profile list says, and how it is painted.

A row has three lines: the name in bold, the last test ("Passed 14:02"), and
the certificate ("Certificate: 300 days left"), with a state badge.
"""

from __future__ import annotations

import datetime as dt
import threading
from dataclasses import dataclass
from pathlib import Path

from PySide6.QtCore import QModelIndex, QPersistentModelIndex, QRect, QSize, Qt
from PySide6.QtGui import QColor, QIcon, QPainter, QPalette
from PySide6.QtWidgets import (
    QApplication,
    QStyle,
    QStyledItemDelegate,
    QStyleOptionViewItem,
    QWidget,
)

from sfjwt_gui.engine.errors import SfjwtError
from sfjwt_gui.engine.history import HistoryEntry
from sfjwt_gui.gui.widgets import StepState, state_color

TEST_LINE_ROLE = Qt.ItemDataRole.UserRole + 1
CERT_LINE_ROLE = Qt.ItemDataRole.UserRole + 2
CERT_STATE_ROLE = Qt.ItemDataRole.UserRole + 3

EXPIRY_WARNING_DAYS = 30
NO_CERTIFICATE = "Certificate: none yet"


@dataclass(frozen=True)
class CertStatus:
    """The certificate line of a row, its state and a longer explanation."""

    line: str
    state: StepState
    detail: str = ""


def certificate_status(
    cert_path: str, passphrase: bytes | None, now: dt.datetime | None = None
) -> CertStatus:
    """Read the certificate and say how long it stays valid. Runs off the GUI thread."""
    if not cert_path:
        return CertStatus(NO_CERTIFICATE, StepState.NONE)

    from sfjwt_gui.engine.certinfo import describe_certificate
    from sfjwt_gui.engine.keyfiles import load_certificate

    try:
        info = describe_certificate(
            load_certificate(Path(cert_path).expanduser(), passphrase)
        )
    except SfjwtError as error:
        if "passphrase" in error.code:
            return CertStatus("Certificate: locked", StepState.NONE, error.message)
        return CertStatus("Certificate: cannot be read", StepState.ERROR, error.message)

    days = info.days_left(now)
    detail = f"{info.subject}, valid until {info.not_after:%Y-%m-%d}"
    if info.is_expired(now):
        return CertStatus("Certificate: expired", StepState.WARNING, detail)
    unit = "day" if days == 1 else "days"
    state = StepState.WARNING if days < EXPIRY_WARNING_DAYS else StepState.DONE
    return CertStatus(f"Certificate: {days} {unit} left", state, detail)


FileStamp = tuple[str, int, int]


def file_stamp(path: str) -> FileStamp:
    """Path, modification time and size: changes when the file is rewritten."""
    try:
        info = Path(path).expanduser().stat()
    except OSError:
        return (path, -1, -1)
    return (path, info.st_mtime_ns, info.st_size)


class CertificateWork:
    """TaskRunner work: the certificate status of several profiles at once.

    Each result carries the file stamp taken when the read was asked for, so a
    file rewritten meanwhile is read again.
    """

    def __init__(
        self,
        requests: dict[str, tuple[str, bytes | None]],
        stamps: dict[str, FileStamp],
    ) -> None:
        self._requests = requests
        self._stamps = stamps

    def __call__(
        self, cancel: threading.Event
    ) -> dict[str, tuple[FileStamp, CertStatus]]:
        found: dict[str, tuple[FileStamp, CertStatus]] = {}
        for name, (cert_path, passphrase) in self._requests.items():
            if cancel.is_set():
                break
            status = certificate_status(cert_path, passphrase)
            found[name] = (self._stamps[name], status)
        return found


def last_test_line(entry: HistoryEntry | None, now: dt.datetime | None = None) -> str:
    """ "Never tested", "Passed 14:02" or "Failed 14:05 - user_not_approved"."""
    if entry is None:
        return "Never tested"
    outcome = "Passed" if entry.ok else "Failed"
    line = f"{outcome} {_when(entry.at, now)}".rstrip()
    if not entry.ok and entry.codes:
        line += f" - {entry.codes[0]}"
    return line


def _when(iso_text: str, now: dt.datetime | None) -> str:
    try:
        moment = dt.datetime.fromisoformat(iso_text.replace("Z", "+00:00"))
    except ValueError:
        return ""
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=dt.timezone.utc)
    local = moment.astimezone()
    today = (now or dt.datetime.now(dt.timezone.utc)).astimezone().date()
    if local.date() == today:
        return f"{local:%H:%M}"
    return f"{local:%Y-%m-%d %H:%M}"


def row_state(entry: HistoryEntry | None, cert: CertStatus) -> StepState:
    """The badge: a failed test or a broken certificate first, then warnings."""
    if (entry is not None and not entry.ok) or cert.state is StepState.ERROR:
        return StepState.ERROR
    if cert.state is StepState.WARNING:
        return StepState.WARNING
    if entry is not None and entry.ok:
        return StepState.DONE
    return StepState.NONE


class ProfileRowDelegate(QStyledItemDelegate):
    """Paints a row as a bold name over two smaller lines, beside its badge."""

    def paint(
        self,
        painter: QPainter,
        option: QStyleOptionViewItem,
        index: QModelIndex | QPersistentModelIndex,
    ) -> None:
        background = QStyleOptionViewItem(option)
        self.initStyleOption(background, index)
        background.text = ""
        background.icon = QIcon()
        widget = background.widget
        style = widget.style() if isinstance(widget, QWidget) else QApplication.style()
        style.drawControl(
            QStyle.ControlElement.CE_ItemViewItem, background, painter, widget
        )

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

        selected = bool(option.state & QStyle.StateFlag.State_Selected)
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
