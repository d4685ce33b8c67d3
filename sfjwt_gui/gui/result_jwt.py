"""The assertion that was sent, decoded: every header field and claim explained."""

from __future__ import annotations

import html
from typing import TYPE_CHECKING

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QHeaderView,
    QTreeWidget,
    QTreeWidgetItem,
    QVBoxLayout,
    QWidget,
)

from sfjwt_gui.gui.palette_follow import StateLabel
from sfjwt_gui.gui.widgets import StepState

if TYPE_CHECKING:
    from sfjwt_gui.engine.assertion import ClaimLine
    from sfjwt_gui.engine.login import LoginResult


class JwtView(QWidget):
    """A tree of Header and Claims, and whether the signature verifies."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._build_ui()

    def _build_ui(self) -> None:
        self.signature_label = StateLabel(self)
        self.signature_label.setWordWrap(True)
        self.signature_label.setAccessibleName("Signature check")
        self.signature_label.setTextInteractionFlags(
            Qt.TextInteractionFlag.TextSelectableByMouse
        )

        self.tree = QTreeWidget(self)
        self.tree.setColumnCount(3)
        self.tree.setHeaderLabels(["Field", "Value", "Meaning"])
        self.tree.setAccessibleName("Decoded JWT")
        self.tree.setWordWrap(True)
        self.tree.setUniformRowHeights(False)
        header = self.tree.header()
        header.setSectionResizeMode(0, QHeaderView.ResizeMode.ResizeToContents)
        header.setStretchLastSection(True)

        layout = QVBoxLayout(self)
        layout.addWidget(self.signature_label)
        layout.addWidget(self.tree, 1)

    def show_result(self, result: LoginResult | None) -> None:
        self.tree.clear()
        if result is None or not result.header:
            self.signature_label.setText("No assertion was made.")
            return

        # PyJWT comes with the assertion module; a result means it is loaded.
        from sfjwt_gui.engine.assertion import explain_claims, explain_header

        self._add_section("Header", explain_header(result.header))
        self._add_section("Claims", explain_claims(result.claims))
        self.tree.resizeColumnToContents(1)
        self._show_signature(result)

    def item_for(self, section: str, name: str) -> QTreeWidgetItem | None:
        """The row of one field ("Claims", "exp"), for views and tests alike."""
        for index in range(self.tree.topLevelItemCount()):
            top = self.tree.topLevelItem(index)
            if top is None or top.text(0) != section:
                continue
            for child_index in range(top.childCount()):
                child = top.child(child_index)
                if child is not None and child.text(0) == name:
                    return child
        return None

    def _add_section(self, title: str, lines: list[ClaimLine]) -> None:
        section = QTreeWidgetItem(self.tree, [title])
        font = section.font(0)
        font.setBold(True)
        section.setFont(0, font)
        for line in lines:
            value = f"{line.value}\n{line.readable}" if line.readable else line.value
            item = QTreeWidgetItem(section, [line.name, value, line.meaning])
            item.setToolTip(2, line.meaning)
        section.setExpanded(True)

    def _show_signature(self, result: LoginResult) -> None:
        from sfjwt_gui.engine.certinfo import common_name

        certificate = result.certificate
        if certificate is None or result.signature_verified is None:
            text, state = "Signature not checked (no certificate).", StepState.NONE
        else:
            name = (
                common_name(certificate.subject) or certificate.subject.rfc4514_string()
            )
            if result.signature_verified:
                text = f"Signature verifies against the certificate {name}."
                state = StepState.DONE
            else:
                text = f"Signature does NOT verify against the certificate {name}."
                state = StepState.ERROR
        self.signature_label.show_state(state, html.escape(text))
        self.signature_label.setAccessibleDescription(text)
