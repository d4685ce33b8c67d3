"""The test history of one profile, newest first, a page at a time."""

from __future__ import annotations

import datetime as dt
import logging

from PySide6.QtCore import Slot
from PySide6.QtWidgets import (
    QHBoxLayout,
    QLabel,
    QPushButton,
    QTreeWidget,
    QTreeWidgetItem,
    QVBoxLayout,
    QWidget,
)

from sfjwt_gui.engine.errors import ProfileError
from sfjwt_gui.engine.history import HistoryEntry, HistoryStore
from sfjwt_gui.gui.palette_follow import set_state_icon
from sfjwt_gui.gui.widgets import StepState

logger = logging.getLogger(__name__)

PAGE_SIZE = 100


def local_time_text(iso_text: str) -> str:
    """An ISO-8601 time as the user's local "2026-05-09 14:02:11"."""
    try:
        moment = dt.datetime.fromisoformat(iso_text.replace("Z", "+00:00"))
    except ValueError:
        return iso_text
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=dt.timezone.utc)
    return moment.astimezone().strftime("%Y-%m-%d %H:%M:%S")


class HistoryView(QWidget):
    """Time, result, finding codes and summary of each test of a profile."""

    def __init__(self, history: HistoryStore, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._history = history
        self._profile_name: str | None = None
        self._loaded = 0
        self._build_ui()
        self._connect_signals()

    def _build_ui(self) -> None:
        self.tree = QTreeWidget(self)
        self.tree.setColumnCount(4)
        self.tree.setHeaderLabels(["Time", "Result", "Findings", "Summary"])
        self.tree.setRootIsDecorated(False)
        self.tree.setAccessibleName("Test history")
        self.message_label = QLabel(self)
        self.message_label.setWordWrap(True)
        self.more_button = QPushButton("Show &more", self)
        self.more_button.setAccessibleName("Show more history")

        buttons = QHBoxLayout()
        buttons.addWidget(self.message_label, 1)
        buttons.addWidget(self.more_button)

        layout = QVBoxLayout(self)
        layout.addWidget(self.tree, 1)
        layout.addLayout(buttons)

    def _connect_signals(self) -> None:
        self.more_button.clicked.connect(self._on_more_clicked)

    def load(self, profile_name: str | None) -> None:
        """Show the newest entries of ``profile_name`` (None: nothing)."""
        self._profile_name = profile_name
        self._loaded = 0
        self.tree.clear()
        self.more_button.setVisible(False)
        self.message_label.clear()
        if profile_name is not None:
            self._load_page()

    def row_count(self) -> int:
        return self.tree.topLevelItemCount()

    def row_texts(self, row: int) -> list[str]:
        item = self.tree.topLevelItem(row)
        if item is None:
            return []
        return [item.text(column) for column in range(self.tree.columnCount())]

    @Slot()
    def _on_more_clicked(self) -> None:
        self._load_page()

    def _load_page(self) -> None:
        if self._profile_name is None:
            return
        try:
            # One more than a page tells whether "Show more" has anything to show.
            entries = self._history.entries(
                self._profile_name, limit=PAGE_SIZE + 1, offset=self._loaded
            )
        except ProfileError as error:
            logger.warning("History of %s not shown: %s", self._profile_name, error)
            self.message_label.setText(error.message)
            return

        for entry in entries[:PAGE_SIZE]:
            self._add_row(entry)
        self._loaded += min(len(entries), PAGE_SIZE)
        self.more_button.setVisible(len(entries) > PAGE_SIZE)
        if self._loaded == 0:
            self.message_label.setText("No tests yet.")
        else:
            self.message_label.setText(f"{self._loaded} tests shown, newest first.")
        self.tree.resizeColumnToContents(0)

    def _add_row(self, entry: HistoryEntry) -> None:
        result = "Passed" if entry.ok else "Failed"
        if entry.status is not None:
            result += f" (HTTP {entry.status})"
        codes = ", ".join(entry.codes) or "-"
        item = QTreeWidgetItem(
            self.tree, [local_time_text(entry.at), result, codes, entry.summary]
        )
        state = StepState.DONE if entry.ok else StepState.ERROR
        set_state_icon(self.tree, item, 1, state)
        item.setToolTip(3, entry.summary)
