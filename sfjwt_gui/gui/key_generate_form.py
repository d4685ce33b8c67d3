"""The Generate panel's form: key size, subject, validity, passphrase and folder.

Only the widgets and their layout; what Generate and Cancel do is GeneratePanel's
(key_generate).
"""

from __future__ import annotations

from PySide6.QtCore import Qt, Slot
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QLayout,
    QLineEdit,
    QProgressBar,
    QSpinBox,
    QToolButton,
    QVBoxLayout,
    QWidget,
)

from sfjwt_gui.engine.keyspec import DEFAULT_DAYS, KEY_SIZES, MAX_DAYS
from sfjwt_gui.gui.app_fields import hint_label
from sfjwt_gui.gui.widgets import FieldNote, SecretLineEdit, action_button

SUBJECT_FIELDS = (
    ("organization", "Organization (O):"),
    ("organizational_unit", "Organizational unit (OU):"),
    ("locality", "&Locality (L):"),
    ("state", "State/province (ST):"),
    ("country", "Country (C, 2 letters):"),
    ("email", "Email addre&ss:"),
)


class GenerateForm(QWidget):
    """The fields, Generate, Cancel and the busy bar, laid out.

    Showing the more subject fields is its only behaviour.
    """

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._build_ui()
        self.more_button.toggled.connect(self._on_more_toggled)

    def _build_ui(self) -> None:
        self.bits_combo = QComboBox(self)
        for bits in KEY_SIZES:
            self.bits_combo.addItem(f"{bits} bits", bits)
        self.bits_combo.setAccessibleName("Key size")
        self.common_name_edit = QLineEdit(self)
        self.common_name_edit.setAccessibleName("Common name")
        self.more_button = QToolButton(self)
        self.more_button.setText("More su&bject fields")
        self.more_button.setCheckable(True)
        self.more_button.setArrowType(Qt.ArrowType.RightArrow)
        self.more_button.setToolButtonStyle(Qt.ToolButtonStyle.ToolButtonTextBesideIcon)
        self.more_button.setAccessibleName("More subject fields")
        self.subject_edits = self._build_subject_fields()

        self.days_spin = QSpinBox(self)
        self.days_spin.setRange(1, MAX_DAYS)
        self.days_spin.setValue(DEFAULT_DAYS)
        self.days_spin.setSuffix(" days")
        self.days_spin.setAccessibleName("Validity in days")

        self.passphrase_edit = SecretLineEdit("Passphrase", self)
        self.confirm_edit = SecretLineEdit("Confirm passphrase", self)
        self.confirm_note = FieldNote(self)
        passphrase_hint = hint_label(
            "Optional. An encrypted key stays encrypted on disk; sfjwt-gui holds "
            "the passphrase in memory only, until you quit.",
            self,
        )

        self.folder_edit = QLineEdit(self)
        self.folder_edit.setAccessibleName("Output folder")
        self.folder_button = action_button(
            "Bro&wse...", "Browse for the output folder", self
        )
        self.folder_note = FieldNote(self)
        self.force_check = QCheckBox("Replace e&xisting files", self)
        self.force_check.setAccessibleName("Replace existing files")

        self.generate_button = action_button(
            "Generate &key and certificate", parent=self
        )
        self.generate_button.setDefault(True)
        # Right after Generate in the tab order: when Generate is disabled with
        # the focus on it, Qt hands the focus on to Cancel.
        self.cancel_button = action_button("Cancel", "Cancel key generation", self)
        self.cancel_button.setToolTip("Esc")
        self.cancel_button.setVisible(False)
        self.busy_bar = QProgressBar(self)
        self.busy_bar.setRange(0, 0)
        self.busy_bar.setVisible(False)
        self.busy_bar.setAccessibleName("Generating")
        self.result_note = FieldNote(self)

        self.form = QFormLayout()
        self._add_row("Key si&ze:", self.bits_combo)
        self._add_row("Common &name (CN):", self.common_name_edit)
        self.form.addRow("", self.more_button)
        for name, label_text in SUBJECT_FIELDS:
            self._add_row(label_text, self.subject_edits[name])
            self.form.setRowVisible(self.subject_edits[name], False)
        self._add_row("&Valid for:", self.days_spin)
        self._add_row("Pass&phrase:", self.passphrase_edit, self.passphrase_edit.edit)
        confirm_column = _column(self.confirm_edit, self.confirm_note, passphrase_hint)
        self._add_row("Confir&m:", confirm_column, self.confirm_edit.edit)
        folder_row = QHBoxLayout()
        folder_row.addWidget(self.folder_edit, 1)
        folder_row.addWidget(self.folder_button)
        folder_column = _column(folder_row, self.folder_note, self.force_check)
        self._add_row("O&utput folder:", folder_column, self.folder_edit)

        buttons = QHBoxLayout()
        buttons.addWidget(self.generate_button)
        buttons.addWidget(self.cancel_button)
        buttons.addWidget(self.busy_bar, 1)
        buttons.addStretch(1)

        layout = QVBoxLayout(self)
        layout.addLayout(self.form)
        layout.addLayout(buttons)
        layout.addWidget(self.result_note)
        layout.addStretch(1)

    def _build_subject_fields(self) -> dict[str, QLineEdit]:
        """The optional subject fields, by their Subject attribute."""
        edits = {}
        for name, label_text in SUBJECT_FIELDS:
            edit = QLineEdit(self)
            edit.setAccessibleName(label_text.replace("&", "").rstrip(":"))
            edits[name] = edit
        edits["country"].setMaxLength(2)
        return edits

    def _add_row(
        self,
        text: str,
        field: QWidget | QLayout,
        buddy: QWidget | None = None,
    ) -> None:
        label = QLabel(text, self)
        target = buddy if buddy is not None else field
        if isinstance(target, QWidget):
            label.setBuddy(target)
        self.form.addRow(label, field)

    @Slot(bool)
    def _on_more_toggled(self, shown: bool) -> None:
        for edit in self.subject_edits.values():
            self.form.setRowVisible(edit, shown)
        arrow = Qt.ArrowType.DownArrow if shown else Qt.ArrowType.RightArrow
        self.more_button.setArrowType(arrow)


def _column(*parts: QWidget | QLayout) -> QVBoxLayout:
    """A field with what belongs under it (its note, a hint, an option)."""
    column = QVBoxLayout()
    column.setSpacing(2)
    for part in parts:
        if isinstance(part, QLayout):
            column.addLayout(part)
        else:
            column.addWidget(part)
    return column
