"""Pieces the Tools dialogs share: a file field that takes drops, result lines."""

from __future__ import annotations

from functools import partial
from pathlib import Path

from PySide6.QtCore import (
    QMimeData,
    QModelIndex,
    QPersistentModelIndex,
    QRect,
    QSize,
    Qt,
    Signal,
    Slot,
)
from PySide6.QtGui import QDragEnterEvent, QDropEvent, QPalette
from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QFileDialog,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QStyledItemDelegate,
    QStyleOptionViewItem,
    QTreeWidget,
    QWidget,
)

from sfjwt_gui.engine.errors import SfjwtError
from sfjwt_gui.engine.findings import Finding, Severity
from sfjwt_gui.gui.palette_follow import follow_palette
from sfjwt_gui.gui.widgets import StepState, state_color

KEY_AND_CERT_FILTER = (
    "Keys and certificates (*.key *.pem *.crt *.cer *.der *.p12 *.pfx);;All files (*)"
)
CERT_FILTER = "Certificates (*.crt *.cer *.pem *.der *.p12 *.pfx);;All files (*)"
KEY_FILTER = "Private keys (*.key *.pem *.der *.p12 *.pfx);;All files (*)"


def local_paths(mime: QMimeData) -> list[Path]:
    """The local files in a drag, in the order they were dragged."""
    if not mime.hasUrls():
        return []
    return [Path(url.toLocalFile()) for url in mime.urls() if url.isLocalFile()]


def distinct_names(paths: list[Path]) -> dict[Path, str]:
    """A short name per file: its file name, plus as many folders as tell it apart.

    ``a/server.key`` and ``b/server.key`` become those two names, while a file
    whose name no other file shares keeps just its name.
    """
    names: dict[Path, str] = {}
    for path in paths:
        others = [other.parts for other in paths if other != path]
        depth = 1
        while depth < len(path.parts) and any(
            other[-depth:] == path.parts[-depth:] for other in others
        ):
            depth += 1
        names[path] = str(Path(*path.parts[-depth:])) if path.parts else str(path)
    return names


def error_finding(error: SfjwtError) -> Finding:
    """An engine error as a finding, so a FieldNote can show it under its field."""
    return Finding(
        code=error.code,
        severity=Severity.ERROR,
        title=error.message,
        causes=(),
        fix=error.fix,
    )


def show_state_text(label: QLabel, state: StepState, text: str) -> None:
    """Put a result line into ``label`` in the colour of its state, on any palette."""
    follow_palette(label, partial(_color_by_state, label, state))
    _color_by_state(label, state)
    label.setText(text)
    label.setAccessibleDescription(text)


def _color_by_state(label: QLabel, state: StepState) -> None:
    # Only the text's colour is set: the rest of the palette keeps following
    # the application's, and state_color reads from it whether it is dark.
    palette = label.palette()
    palette.setColor(QPalette.ColorRole.WindowText, state_color(state))
    label.setPalette(palette)


def close_only_buttons(parent: QWidget) -> QDialogButtonBox:
    """A tool dialog's button row: just Close."""
    buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close, parent)
    close_button = buttons.button(QDialogButtonBox.StandardButton.Close)
    # Return pressed in a field must not close the dialog.
    close_button.setAutoDefault(False)
    close_button.setAccessibleName("Close")
    return buttons


def resize_in_text_units(widget: QWidget, columns: int, lines: int) -> None:
    """Size a window in characters and lines, so it scales with the font."""
    metrics = widget.fontMetrics()
    widget.resize(metrics.averageCharWidth() * columns, metrics.lineSpacing() * lines)


class FilePicker(QWidget):
    """A path field with Browse... that also takes a file dropped onto it.

    ``chosen(str)`` is emitted when the user settles on a path: picked in the
    file dialog, dropped, or typed and confirmed with Enter or by leaving the
    field.
    """

    chosen = Signal(str)
    edited = Signal(str)

    def __init__(
        self,
        what: str,
        file_filter: str = KEY_AND_CERT_FILTER,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self._what = what
        self._filter = file_filter
        self._last_chosen = ""
        self._build_ui()
        self._connect_signals()

    def _build_ui(self) -> None:
        self.edit = QLineEdit(self)
        self.edit.setAccessibleName(f"{self._what} file")
        self.edit.setPlaceholderText("Type a path, browse, or drop a file here")
        self.edit.setClearButtonEnabled(True)
        # Drops are taken by this widget as a path, not by the field as text.
        self.edit.setAcceptDrops(False)
        self.browse_button = QPushButton("Browse...", self)
        self.browse_button.setAccessibleName(f"Browse for the {self._what.lower()}")
        self.browse_button.setAutoDefault(False)

        layout = QHBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.edit, 1)
        layout.addWidget(self.browse_button)
        self.setFocusProxy(self.edit)
        self.setAcceptDrops(True)

    def _connect_signals(self) -> None:
        self.browse_button.clicked.connect(self._on_browse_clicked)
        self.edit.editingFinished.connect(self._on_edit_finished)
        self.edit.textEdited.connect(self._on_edit_text_edited)

    def path_text(self) -> str:
        return self.edit.text().strip()

    def path(self) -> Path | None:
        text = self.path_text()
        return Path(text).expanduser() if text else None

    def set_path(self, path: Path | str) -> None:
        """Show ``path`` and announce it as chosen."""
        self.edit.setText(str(path))
        self._announce()

    def _announce(self) -> None:
        text = self.path_text()
        self._last_chosen = text
        self.chosen.emit(text)

    @Slot()
    def _on_browse_clicked(self) -> None:
        current = self.path()
        start = str(current.parent) if current else str(Path.home())
        file_name, _selected = QFileDialog.getOpenFileName(
            self, f"Choose the {self._what.lower()}", start, self._filter
        )
        if file_name:
            self.set_path(file_name)

    @Slot()
    def _on_edit_finished(self) -> None:
        # Leaving the field after no change must not redo the work.
        if self.path_text() != self._last_chosen:
            self._announce()

    @Slot(str)
    def _on_edit_text_edited(self, text: str) -> None:
        self.edited.emit(text)

    def dragEnterEvent(self, event: QDragEnterEvent) -> None:
        if local_paths(event.mimeData()):
            event.acceptProposedAction()
            return
        event.ignore()

    def dropEvent(self, event: QDropEvent) -> None:
        paths = local_paths(event.mimeData())
        if not paths:
            event.ignore()
            return
        event.acceptProposedAction()
        self.set_path(paths[0])


class FileDropDialog(QDialog):
    """A dialog that takes local files dropped anywhere on it."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setAcceptDrops(True)

    def files_dropped(self, paths: list[Path]) -> None:
        """Called with the dropped files; subclasses say what they mean."""

    def dragEnterEvent(self, event: QDragEnterEvent) -> None:
        if local_paths(event.mimeData()):
            event.acceptProposedAction()
            return
        event.ignore()

    def dropEvent(self, event: QDropEvent) -> None:
        paths = local_paths(event.mimeData())
        if not paths:
            event.ignore()
            return
        event.acceptProposedAction()
        self.files_dropped(paths)


class _WrappingDelegate(QStyledItemDelegate):
    """Measures each cell at its column's width, so wrapped text gets its lines."""

    def __init__(self, tree: QTreeWidget) -> None:
        super().__init__(tree)
        self._tree = tree

    def sizeHint(
        self, option: QStyleOptionViewItem, index: QModelIndex | QPersistentModelIndex
    ) -> QSize:
        # QTreeView asks without a width, which measures every text as one line.
        measured = QStyleOptionViewItem(option)
        measured.rect = QRect(0, 0, self._tree.columnWidth(index.column()), 1)
        return super().sizeHint(measured, index)


class WrappingTree(QTreeWidget):
    """A tree whose long texts wrap onto more lines, re-measured on column resize.

    A value that cannot wrap (a fingerprint) is shortened in the middle, so
    both ends stay visible for comparison; its tooltip holds all of it.
    """

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWordWrap(True)
        self.setUniformRowHeights(False)
        self.setTextElideMode(Qt.TextElideMode.ElideMiddle)
        self.setItemDelegate(_WrappingDelegate(self))
        self.header().sectionResized.connect(self._on_header_section_resized)

    @Slot(int, int, int)
    def _on_header_section_resized(self, _index: int, _old: int, _new: int) -> None:
        self.scheduleDelayedItemsLayout()
