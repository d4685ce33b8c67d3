"""Tools > Inspect files: say what each key, certificate or bundle file holds.

Files are read off the GUI thread (a bundle or an encrypted key means key
derivation, which takes a noticeable moment). An encrypted file gets a
passphrase field of its own; once a key and a certificate are loaded the
dialog says which key belongs to which certificate.
"""

from __future__ import annotations

import functools
import logging
from pathlib import Path

from PySide6.QtCore import QEvent, QObject, Qt, Slot
from PySide6.QtGui import QAction, QGuiApplication, QKeyEvent
from PySide6.QtWidgets import (
    QDialogButtonBox,
    QFileDialog,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QPushButton,
    QTreeWidgetItem,
    QVBoxLayout,
    QWidget,
)

from sfjwt_gui import APP_NAME
from sfjwt_gui.gui.tasks import TaskRunner
from sfjwt_gui.gui.tools_common import (
    KEY_AND_CERT_FILTER,
    FileDropDialog,
    WrappingTree,
    close_only_buttons,
    distinct_names,
    resize_in_text_units,
    show_state_text,
)
from sfjwt_gui.gui.tools_inspect_rows import VALUE_COLUMN, FileRow
from sfjwt_gui.gui.tools_work import FileReport, inspect_file
from sfjwt_gui.gui.widgets import StepState

logger = logging.getLogger(__name__)

_ENTER_KEYS = (Qt.Key.Key_Return, Qt.Key.Key_Enter)


class InspectDialog(FileDropDialog):
    """Add key, certificate and bundle files and see what each one is."""

    def __init__(self, tasks: TaskRunner, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle(f"Inspect key and certificate files - {APP_NAME}")
        self._tasks = tasks
        self._rows: dict[Path, FileRow] = {}
        self._build_ui()
        self._connect_signals()
        self._update_match_line()
        self._update_buttons()
        resize_in_text_units(self, 140, 40)

    # ---- building ----

    def _build_ui(self) -> None:
        intro = QLabel(
            "Add key, certificate or .p12 files with Add files... or by dropping "
            "them here. Each one is identified and described."
        )
        intro.setWordWrap(True)

        self.tree = WrappingTree(self)
        self.tree.setAccessibleName("Inspected files")
        self.tree.setHeaderLabels(["File", "Details", ""])
        header = self.tree.header()
        header.setSectionResizeMode(0, QHeaderView.ResizeMode.Interactive)
        header.setSectionResizeMode(1, QHeaderView.ResizeMode.Stretch)
        header.setSectionResizeMode(2, QHeaderView.ResizeMode.ResizeToContents)
        header.setStretchLastSection(False)
        header.resizeSection(0, self.fontMetrics().averageCharWidth() * 26)
        self.copy_value_action = QAction("&Copy value", self.tree)
        self.copy_value_action.setShortcut("Ctrl+C")
        self.copy_value_action.setShortcutContext(Qt.ShortcutContext.WidgetShortcut)
        self.tree.addAction(self.copy_value_action)
        self.tree.setContextMenuPolicy(Qt.ContextMenuPolicy.ActionsContextMenu)

        match_title = QLabel("<b>Which key belongs to which certificate</b>")
        self.match_label = QLabel(self)
        self.match_label.setWordWrap(True)
        self.match_label.setTextInteractionFlags(
            Qt.TextInteractionFlag.TextSelectableByMouse
        )

        self.add_button = QPushButton("&Add files...", self)
        self.add_button.setAccessibleName("Add files to inspect")
        self.add_button.setDefault(True)
        self.remove_button = QPushButton("&Remove", self)
        self.remove_button.setAccessibleName("Remove the selected file")
        self.remove_button.setAutoDefault(False)
        self.clear_button = QPushButton("C&lear list", self)
        self.clear_button.setAccessibleName("Clear the list of files")
        self.clear_button.setAutoDefault(False)
        file_row = QHBoxLayout()
        file_row.addWidget(self.add_button)
        file_row.addWidget(self.remove_button)
        file_row.addWidget(self.clear_button)
        file_row.addStretch(1)

        self.buttons = close_only_buttons(self)
        close_button = self.buttons.button(QDialogButtonBox.StandardButton.Close)

        QWidget.setTabOrder(self.add_button, self.remove_button)
        QWidget.setTabOrder(self.remove_button, self.clear_button)
        QWidget.setTabOrder(self.clear_button, self.tree)
        QWidget.setTabOrder(self.tree, close_button)
        self._close_button = close_button

        layout = QVBoxLayout(self)
        layout.addWidget(intro)
        layout.addLayout(file_row)
        layout.addWidget(self.tree, 1)
        layout.addWidget(match_title)
        layout.addWidget(self.match_label)
        layout.addWidget(self.buttons)

    def _connect_signals(self) -> None:
        self.add_button.clicked.connect(self._on_add_button_clicked)
        self.remove_button.clicked.connect(self._on_remove_button_clicked)
        self.clear_button.clicked.connect(self._on_clear_button_clicked)
        self.tree.currentItemChanged.connect(self._on_tree_current_item_changed)
        self.copy_value_action.triggered.connect(self._on_copy_value_triggered)
        self.buttons.rejected.connect(self.reject)
        self.finished.connect(self._on_dialog_finished)

    # ---- adding files ----

    def add_files(self, paths: list[Path]) -> None:
        """Inspect each file; a file already listed is read again."""
        for path in paths:
            self._inspect(path.expanduser(), None)
        self._rename_rows()
        self._update_buttons()

    def _inspect(self, path: Path, passphrase: bytes | None) -> None:
        row = self._rows.get(path)
        if row is None:
            row = FileRow(self.tree, path)
            self._rows[path] = row
        if row.handle is not None:
            row.handle.cancel()

        row.show_pending()
        row.handle = self._tasks.run(
            f"Inspecting {path.name}",
            functools.partial(_inspect_work, path, passphrase),
            self._on_inspection_done,
            self._on_inspection_failed,
        )

    @Slot()
    def _on_add_button_clicked(self) -> None:
        file_names, _selected = QFileDialog.getOpenFileNames(
            self, "Add files to inspect", str(Path.home()), KEY_AND_CERT_FILTER
        )
        self.add_files([Path(name) for name in file_names])

    @Slot()
    def _on_remove_button_clicked(self) -> None:
        item = self.tree.currentItem()
        row = self._row_of(item) if item is not None else None
        if row is None:
            return
        if row.handle is not None:
            row.handle.cancel()
        del self._rows[row.path]
        self.tree.takeTopLevelItem(self.tree.indexOfTopLevelItem(row.item))
        self._rename_rows()
        self._update_buttons()

    @Slot()
    def _on_clear_button_clicked(self) -> None:
        for row in self._rows.values():
            if row.handle is not None:
                row.handle.cancel()
        self._rows.clear()
        self.tree.clear()
        self._update_match_line()
        self._update_buttons()

    @Slot(int)
    def _on_dialog_finished(self, _result: int) -> None:
        # Nobody is looking any more: stop reading, and say so in the rows.
        for row in self._rows.values():
            if row.handle is not None and row.handle.running:
                row.handle.cancel()
                row.handle = None
                row.show_stopped()

    # ---- results ----

    def _on_inspection_done(self, report: FileReport) -> None:
        row = self._rows.get(report.path)
        if row is None:
            return
        row.handle = None
        row.show_report(report)
        if row.passphrase is not None and row.unlock_button is not None:
            row.passphrase.edit.installEventFilter(self)
            row.unlock_button.clicked.connect(self._on_unlock_button_clicked)
        self._update_tab_order()
        self._update_match_line()

    def _on_inspection_failed(self, error: BaseException) -> None:
        # inspect_file turns every problem a file can cause into a report.
        raise error

    # ---- unlocking ----

    @Slot()
    def _on_unlock_button_clicked(self) -> None:
        sender = self.sender()
        for row in self._rows.values():
            if row.unlock_button is sender:
                self._unlock(row)
                return

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        # Enter in a passphrase field unlocks that file instead of adding files.
        is_enter = (
            event.type() == QEvent.Type.KeyPress
            and isinstance(event, QKeyEvent)
            and event.key() in _ENTER_KEYS
        )
        if is_enter:
            for row in self._rows.values():
                if row.passphrase is not None and row.passphrase.edit is watched:
                    self._unlock(row)
                    return True
        return super().eventFilter(watched, event)

    def _unlock(self, row: FileRow) -> None:
        if row.passphrase is None or row.handle is not None:
            return
        text = row.passphrase.text()
        if not text:
            row.passphrase.setFocus()
            return
        passphrase = text.encode("utf-8")
        row.passphrase.clear()
        row.focus_passphrase = True
        self._inspect(row.path, passphrase)

    # ---- the tree ----

    def _rename_rows(self) -> None:
        """Name each file so that files of the same name can be told apart."""
        names = distinct_names(list(self._rows))
        for path, row in self._rows.items():
            row.set_name(names[path])
        self._update_match_line()

    def _row_of(self, item: QTreeWidgetItem) -> FileRow | None:
        top = item
        parent = top.parent()
        while parent is not None:
            top, parent = parent, parent.parent()
        return next((row for row in self._rows.values() if row.item is top), None)

    @Slot(QTreeWidgetItem, QTreeWidgetItem)
    def _on_tree_current_item_changed(
        self, _current: QTreeWidgetItem | None, _previous: QTreeWidgetItem | None
    ) -> None:
        self._update_buttons()

    @Slot()
    def _on_copy_value_triggered(self) -> None:
        item = self.tree.currentItem()
        if item is not None and item.text(VALUE_COLUMN):
            QGuiApplication.clipboard().setText(item.text(VALUE_COLUMN))

    def _update_tab_order(self) -> None:
        """Tab goes through the controls inside the tree before reaching Close."""
        previous: QWidget = self.tree
        for row in self._rows.values():
            for control in row.controls():
                QWidget.setTabOrder(previous, control)
                previous = control
        QWidget.setTabOrder(previous, self._close_button)

    def _update_buttons(self) -> None:
        self.remove_button.setEnabled(self.tree.currentItem() is not None)
        self.clear_button.setEnabled(bool(self._rows))

    def _update_match_line(self) -> None:
        reports = [row.report for row in self._rows.values() if row.report]
        keys = [report for report in reports if report.key_info is not None]
        certs = [report for report in reports if report.cert_info is not None]
        if not keys or not certs:
            show_state_text(
                self.match_label,
                StepState.NONE,
                "Add at least one private key and one certificate to see which "
                "belong together.",
            )
            return

        lines = []
        all_matched = True
        for key in keys:
            key_hash = key.key_info.public_sha256 if key.key_info else ""
            owners = [
                self._name_of(cert)
                for cert in certs
                if cert.cert_public_sha256 == key_hash
            ]
            name = self._name_of(key)
            if owners:
                lines.append(f"{name} belongs to {', '.join(owners)}.")
            else:
                all_matched = False
                lines.append(f"{name} belongs to none of the loaded certificates.")
        state = StepState.DONE if all_matched else StepState.WARNING
        show_state_text(self.match_label, state, "\n".join(lines))

    def _name_of(self, report: FileReport) -> str:
        row = self._rows.get(report.path)
        return row.name if row is not None else report.path.name

    # ---- drops ----

    def files_dropped(self, paths: list[Path]) -> None:
        self.add_files(paths)


def _inspect_work(path: Path, passphrase: bytes | None, _cancel: object) -> FileReport:
    return inspect_file(path, passphrase)
