"""The token request as sent and the answer as received, secrets masked."""

from __future__ import annotations

import dataclasses
import html
from typing import TYPE_CHECKING

from PySide6.QtCore import Qt, Signal, Slot
from PySide6.QtGui import QGuiApplication
from PySide6.QtWidgets import (
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QPlainTextEdit,
    QPushButton,
    QTableWidget,
    QTableWidgetItem,
    QToolButton,
    QVBoxLayout,
    QWidget,
)

from sfjwt_gui.gui.widgets import CopyButton, monospace_font

if TYPE_CHECKING:
    # The login engine pulls in requests and PyJWT; these views import its
    # report functions only once there is a result to show.
    from sfjwt_gui.engine.exchange import HttpRecord
    from sfjwt_gui.engine.login import LoginResult
    from sfjwt_gui.engine.tokeninfo import TokenInfo

# Below this the difference is network latency and rounding of the Date header.
SKEW_SHOWN_FROM_S = 2.0
# Laying out a MiB of text freezes the window for seconds (minutes for one
# long line). A token answer is a few hundred bytes: the start of a larger
# body is enough to tell what it is.
SHOWN_BODY_BYTES = 16 * 1024
# Wrapping a line this long costs Qt more than scrolling sideways does.
LONG_LINE_CHARS = 2000


def _selectable_label(parent: QWidget, accessible_name: str) -> QLabel:
    label = QLabel(parent)
    label.setWordWrap(True)
    label.setTextFormat(Qt.TextFormat.PlainText)
    label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
    label.setAccessibleName(accessible_name)
    return label


def _pairs_table(parent: QWidget, accessible_name: str) -> QTableWidget:
    table = QTableWidget(0, 2, parent)
    table.setHorizontalHeaderLabels(["Name", "Value"])
    table.setAccessibleName(accessible_name)
    table.setEditTriggers(QTableWidget.EditTrigger.NoEditTriggers)
    table.setTabKeyNavigation(False)
    table.verticalHeader().setVisible(False)
    header = table.horizontalHeader()
    header.setSectionResizeMode(0, QHeaderView.ResizeMode.ResizeToContents)
    header.setStretchLastSection(True)
    return table


def _fill_table(table: QTableWidget, pairs: dict[str, str]) -> None:
    table.setRowCount(len(pairs))
    for row, (name, value) in enumerate(pairs.items()):
        table.setItem(row, 0, QTableWidgetItem(name))
        table.setItem(row, 1, QTableWidgetItem(value))


class RequestView(QWidget):
    """Method, URL and form of the token request, with "Copy as curl"."""

    status_message = Signal(str)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._record: HttpRecord | None = None
        self._build_ui()
        self._connect_signals()

    def _build_ui(self) -> None:
        self.url_label = _selectable_label(self, "Request")
        self.url_label.setTextFormat(Qt.TextFormat.RichText)
        self.form_table = _pairs_table(self, "Request form")
        self.headers_table = _pairs_table(self, "Request headers")
        self.curl_button = QPushButton("Copy as &curl", self)
        self.curl_button.setAccessibleName("Copy as curl")
        self.curl_button.setToolTip(
            "Copies a curl command with the real assertion: anyone holding it can "
            "log in until it expires."
        )

        buttons = QHBoxLayout()
        buttons.addWidget(self.curl_button)
        buttons.addStretch(1)

        layout = QVBoxLayout(self)
        layout.addWidget(self.url_label)
        layout.addWidget(QLabel("Form:", self))
        layout.addWidget(self.form_table, 1)
        layout.addWidget(QLabel("Headers:", self))
        layout.addWidget(self.headers_table, 1)
        layout.addLayout(buttons)

    def _connect_signals(self) -> None:
        self.curl_button.clicked.connect(self._on_curl_clicked)

    def show_record(self, record: HttpRecord | None) -> None:
        self._record = record
        self.curl_button.setEnabled(record is not None)
        if record is None:
            self.url_label.setText("Nothing was sent.")
            _fill_table(self.form_table, {})
            _fill_table(self.headers_table, {})
            return

        from sfjwt_gui.engine.report import request_to_dict

        shown = request_to_dict(record)
        self.url_label.setText(
            f"<b>{html.escape(shown['method'])}</b> {html.escape(shown['url'])}"
        )
        _fill_table(self.form_table, shown["form"])
        _fill_table(self.headers_table, shown["headers"])

    @Slot()
    def _on_curl_clicked(self) -> None:
        record = self._record
        if record is None:
            return
        # The user asked for a working command, so the real assertion goes in.
        # Imported here: the exports bring the code snippets and the report
        # along, which a page being built does not need.
        from sfjwt_gui.engine.exports import curl_command

        command = curl_command(record.url, record.request_form)
        QGuiApplication.clipboard().setText(command)
        self.status_message.emit("curl command copied (it holds the assertion)")


class ResponseView(QWidget):
    """Status, headers and body of the answer; the access token masked."""

    status_message = Signal(str)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._token: TokenInfo | None = None
        self._build_ui()
        self._connect_signals()

    def _build_ui(self) -> None:
        self.status_label = _selectable_label(self, "Response status")
        self.skew_label = _selectable_label(self, "Clock difference")

        self.token_label = _selectable_label(self, "Access token")
        self.token_label.setFont(monospace_font())
        self.reveal_button = QToolButton(self)
        self.reveal_button.setText("Reve&al")
        self.reveal_button.setCheckable(True)
        self.reveal_button.setAccessibleName("Reveal access token")
        self.copy_token_button = CopyButton("Cop&y token", self)
        self.copy_token_button.setAccessibleName("Copy access token")
        token_row = QHBoxLayout()
        token_row.addWidget(QLabel("Access token:", self))
        token_row.addWidget(self.token_label, 1)
        token_row.addWidget(self.reveal_button)
        token_row.addWidget(self.copy_token_button)
        self.token_row = QWidget(self)
        self.token_row.setLayout(token_row)

        self.headers_table = _pairs_table(self, "Response headers")
        self.body_view = QPlainTextEdit(self)
        self.body_view.setReadOnly(True)
        self.body_view.setFont(monospace_font())
        self.body_view.setAccessibleName("Response body")

        layout = QVBoxLayout(self)
        layout.addWidget(self.status_label)
        layout.addWidget(self.skew_label)
        layout.addWidget(self.token_row)
        layout.addWidget(QLabel("Headers:", self))
        layout.addWidget(self.headers_table, 1)
        layout.addWidget(QLabel("Body:", self))
        layout.addWidget(self.body_view, 2)

    def _connect_signals(self) -> None:
        self.reveal_button.toggled.connect(self._on_reveal_toggled)
        self.copy_token_button.copied.connect(self._on_token_copied)

    def show_result(self, result: LoginResult | None) -> None:
        record = result.token_request if result is not None else None
        self._show_token(result.token if result is not None else None)
        if record is None:
            self.status_label.setText("No answer: nothing was sent.")
            self.skew_label.setVisible(False)
            _fill_table(self.headers_table, {})
            self.body_view.clear()
            return

        shown_record, note = _shown_part(record)
        self.status_label.setText(_status_text(record) + note)
        skew = record.clock_skew_s
        shown = skew is not None and abs(skew) >= SKEW_SHOWN_FROM_S
        self.skew_label.setVisible(shown)
        if skew is not None and shown:
            side = "ahead of" if skew > 0 else "behind"
            self.skew_label.setText(
                f"The server's clock is {abs(skew):.0f} s {side} this computer's."
            )
        _fill_table(self.headers_table, record.response_headers)
        from sfjwt_gui.engine.report import pretty_body

        body = pretty_body(shown_record)
        long_lines = any(len(line) > LONG_LINE_CHARS for line in body.splitlines())
        self.body_view.clear()  # else the new wrap mode lays out the old text
        self.body_view.setLineWrapMode(
            QPlainTextEdit.LineWrapMode.NoWrap
            if long_lines
            else QPlainTextEdit.LineWrapMode.WidgetWidth
        )
        self.body_view.setPlainText(body)

    def token_text(self) -> str:
        return self.token_label.text()

    def _show_token(self, token: TokenInfo | None) -> None:
        self._token = token
        self.reveal_button.setChecked(False)
        self.token_row.setVisible(token is not None)
        self.copy_token_button.set_text_to_copy(token.access_token if token else "")
        self.token_label.setText(token.masked_token if token else "")

    @Slot(bool)
    def _on_reveal_toggled(self, revealed: bool) -> None:
        if self._token is None:
            return
        token = self._token
        self.token_label.setText(token.access_token if revealed else token.masked_token)
        self.reveal_button.setText("Mas&k" if revealed else "Reve&al")

    @Slot()
    def _on_token_copied(self) -> None:
        self.status_message.emit("Access token copied to the clipboard")


def _shown_part(record: HttpRecord) -> tuple[HttpRecord, str]:
    """The record cut to the body the view shows, and a note saying so."""
    if len(record.body) <= SHOWN_BODY_BYTES:
        return record, ""
    start = dataclasses.replace(
        record, body=record.body[:SHOWN_BODY_BYTES], body_truncated=True
    )
    note = (
        f"\nShowing the first {SHOWN_BODY_BYTES // 1024} KiB of the "
        f"{len(record.body) // 1024} KiB received."
    )
    return start, note


def _status_text(record: HttpRecord) -> str:
    elapsed = f" in {record.elapsed_ms:.0f} ms" if record.elapsed_ms else ""
    if record.failure is not None:
        detail = f" ({record.failure.detail})" if record.failure.detail else ""
        return f"No answer{elapsed}: {record.failure.message}{detail}"
    truncated = " (body cut short)" if record.body_truncated else ""
    return f"HTTP {record.status} {record.reason}{elapsed}{truncated}"
