"""The audience and "Advanced" parts of the connected-app page, as plain views.

The page owns the behaviour (saving, checking); these widgets only lay out
their fields, so each part reads on its own.
"""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import Qt, Slot
from PySide6.QtWidgets import (
    QCheckBox,
    QDoubleSpinBox,
    QFileDialog,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QSpinBox,
    QToolButton,
    QVBoxLayout,
    QWidget,
)

from sfjwt_gui.engine.findings import Finding, Severity
from sfjwt_gui.engine.loginurl import SANDBOX_AUDIENCE
from sfjwt_gui.gui.widgets import FieldNote, action_button

PROXY_HINT = (
    'Empty: HTTPS_PROXY and NO_PROXY from the environment. "direct": no proxy. '
    "Or a proxy URL such as http://proxy.example.com:3128 (hosts in NO_PROXY "
    "still go direct). A proxy password belongs in HTTPS_PROXY, never here."
)
MAX_LIFETIME_S = 86_400
MAX_TIMEOUT_S = 600.0
CA_BUNDLE_MISSING = Finding(
    code="ca_bundle_missing",
    severity=Severity.ERROR,
    title="The CA bundle file does not exist",
    causes=("The file was moved, or the path has a typing mistake.",),
    fix="Choose the PEM file of your network's certificate authority, or leave "
    "the field empty to use the system's certificates.",
)


def ask_ca_bundle(parent: QWidget | None, start: str) -> str | None:
    """A CA bundle file picked by the user; None when cancelled."""
    chosen, _filter = QFileDialog.getOpenFileName(
        parent, "Choose a CA bundle", start, "PEM files (*.pem *.crt);;All files (*)"
    )
    return chosen or None


def check_ca_bundle(path_text: str) -> list[Finding]:
    """A finding when a CA bundle is named but no such file exists."""
    if not path_text.strip():
        return []
    if Path(path_text.strip()).expanduser().is_file():
        return []
    return [CA_BUNDLE_MISSING]


def hint_label(text: str, parent: QWidget) -> QLabel:
    """A line under a field saying where to find its value."""
    label = QLabel(text, parent)
    label.setWordWrap(True)
    label.setEnabled(False)  # the palette's dimmed text: a hint, not a value
    return label


class AudienceBox(QWidget):
    """The audience in effect, why it was chosen, and the override."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.value = QLabel(self)
        self.value.setTextFormat(Qt.TextFormat.PlainText)
        self.value.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.value.setAccessibleName("Effective audience")
        self.reason = hint_label("", self)
        self.reason.setAccessibleName("Why this audience")
        self.override_check = QCheckBox("O&verride the audience:", self)
        self.override_check.setAccessibleName("Override the audience")
        self.edit = QLineEdit(self)
        self.edit.setAccessibleName("Audience override")
        self.edit.setPlaceholderText(SANDBOX_AUDIENCE)
        self.edit.setEnabled(False)
        self.note = FieldNote(self)

        value_row = QHBoxLayout()
        value_row.addWidget(QLabel("Audience (aud):", self))
        value_row.addWidget(self.value, 1)
        override_row = QHBoxLayout()
        override_row.addWidget(self.override_check)
        override_row.addWidget(self.edit, 1)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addLayout(value_row)
        layout.addWidget(self.reason)
        layout.addLayout(override_row)
        layout.addWidget(self.note)


class AdvancedBox(QWidget):
    """Token lifetime, network timeout, CA bundle and proxy, folded away by default."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._build_ui()
        self.toggle_button.toggled.connect(self._on_toggle_toggled)

    def _build_ui(self) -> None:
        self.toggle_button = QToolButton(self)
        self.toggle_button.setText("&Advanced")
        self.toggle_button.setCheckable(True)
        self.toggle_button.setArrowType(Qt.ArrowType.RightArrow)
        self.toggle_button.setToolButtonStyle(
            Qt.ToolButtonStyle.ToolButtonTextBesideIcon
        )
        self.toggle_button.setAccessibleName("Advanced settings")
        self.box = QWidget(self)
        self.box.setVisible(False)

        self.lifetime_spin = QSpinBox(self.box)
        self.lifetime_spin.setRange(1, MAX_LIFETIME_S)
        self.lifetime_spin.setSuffix(" s")
        self.lifetime_spin.setAccessibleName("Assertion lifetime in seconds")
        self.timeout_spin = QDoubleSpinBox(self.box)
        self.timeout_spin.setRange(1.0, MAX_TIMEOUT_S)
        self.timeout_spin.setDecimals(1)
        self.timeout_spin.setSuffix(" s")
        self.timeout_spin.setAccessibleName("Network timeout in seconds")
        self.ca_bundle_edit = QLineEdit(self.box)
        self.ca_bundle_edit.setAccessibleName("CA bundle file")
        self.ca_bundle_edit.setPlaceholderText("the system's certificates")
        self.ca_bundle_button = action_button(
            "Brow&se...", "Browse for a CA bundle", self.box
        )
        self.ca_bundle_note = FieldNote(self.box)
        self.proxy_edit = QLineEdit(self.box)
        self.proxy_edit.setAccessibleName("Proxy")
        self.proxy_edit.setAccessibleDescription(PROXY_HINT)
        self.proxy_edit.setPlaceholderText("from the environment (HTTPS_PROXY)")
        self.proxy_note = FieldNote(self.box)

        form = QFormLayout(self.box)
        self._add_row(form, "Token l&ifetime:", self.lifetime_spin, self.lifetime_spin)
        form.addRow(
            "",
            hint_label(
                "How long the assertion stays valid (exp); Salesforce asks for at "
                "most 3 minutes. It does not limit the access token.",
                self.box,
            ),
        )
        self._add_row(form, "Net&work timeout:", self.timeout_spin, self.timeout_spin)
        bundle_row = QHBoxLayout()
        bundle_row.addWidget(self.ca_bundle_edit, 1)
        bundle_row.addWidget(self.ca_bundle_button)
        self._add_row(form, "CA &bundle:", bundle_row, self.ca_bundle_edit)
        form.addRow("", self.ca_bundle_note)
        self._add_row(form, "Pro&xy:", self.proxy_edit, self.proxy_edit)
        form.addRow("", self.proxy_note)
        form.addRow("", hint_label(PROXY_HINT, self.box))

        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.toggle_button, 0, Qt.AlignmentFlag.AlignLeft)
        layout.addWidget(self.box)

    def _add_row(
        self,
        form: QFormLayout,
        text: str,
        field: QWidget | QHBoxLayout,
        buddy: QWidget,
    ) -> None:
        label = QLabel(text, self.box)
        label.setBuddy(buddy)
        form.addRow(label, field)

    @Slot(bool)
    def _on_toggle_toggled(self, shown: bool) -> None:
        self.box.setVisible(shown)
        arrow = Qt.ArrowType.DownArrow if shown else Qt.ArrowType.RightArrow
        self.toggle_button.setArrowType(arrow)
