"""One file of the Inspect dialog as rows of its tree: summary, details, passphrase."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QPushButton, QTreeWidget, QTreeWidgetItem, QWidget

from sfjwt_gui.engine.certinfo import CertInfo
from sfjwt_gui.engine.keyfiles import FileKind
from sfjwt_gui.gui.palette_follow import set_state_icon
from sfjwt_gui.gui.tasks import TaskHandle
from sfjwt_gui.gui.tools_work import FileReport
from sfjwt_gui.gui.widgets import CopyButton, SecretLineEdit, StepState

VALUE_COLUMN = 1
ACTION_COLUMN = 2


class FileRow:
    """One file in the tree: its item, its latest report and its widgets.

    The file is shown by ``name``, which the dialog lengthens with folders
    while another listed file has the same file name; the full path is in the
    tooltip and the accessible description.
    """

    def __init__(self, tree: QTreeWidget, path: Path) -> None:
        self.tree = tree
        self.path = path
        self.name = path.name
        self.item = QTreeWidgetItem(tree, [self.name, "Reading..."])
        self.item.setToolTip(0, str(path))
        self.item.setData(0, Qt.ItemDataRole.AccessibleDescriptionRole, str(path))
        self.report: FileReport | None = None
        self.handle: TaskHandle | None = None
        self.passphrase: SecretLineEdit | None = None
        self.unlock_button: QPushButton | None = None
        self.focus_passphrase = False
        # A rename must reach the accessible names that end with the file's name.
        self._named: list[tuple[QWidget, str]] = []

    def set_name(self, name: str) -> None:
        """Show the file as ``name``, in the tree and in its controls' names."""
        if name == self.name:
            return
        self.name = name
        self.item.setText(0, name)
        for control, start in self._named:
            control.setAccessibleName(f"{start}{name}")

    def _name_control(self, control: QWidget, start: str) -> None:
        control.setAccessibleName(f"{start}{self.name}")
        control.setAccessibleDescription(str(self.path))
        self._named.append((control, start))

    def controls(self) -> list[QWidget]:
        """The focusable widgets inside this file's rows, top to bottom."""
        widgets: list[QWidget] = []
        for index in range(self.item.childCount()):
            child = self.item.child(index)
            for column in (VALUE_COLUMN, ACTION_COLUMN):
                widget = self.tree.itemWidget(child, column) if child else None
                if isinstance(widget, SecretLineEdit):
                    widgets.extend([widget.edit, widget.toggle])
                elif widget is not None:
                    widgets.append(widget)
        return widgets

    def show_pending(self) -> None:
        set_state_icon(self.tree, self.item, 0, StepState.NONE)
        self.item.setText(VALUE_COLUMN, "Reading...")
        if self.unlock_button is not None:
            self.unlock_button.setEnabled(False)

    def show_stopped(self) -> None:
        self.item.setText(VALUE_COLUMN, "Not read: the dialog was closed.")

    def show_report(self, report: FileReport) -> None:
        """Replace the rows under the file with what ``report`` says."""
        self.report = report
        self.item.takeChildren()
        self.passphrase = None
        self.unlock_button = None
        self._named = []

        set_state_icon(self.tree, self.item, 0, report_state(report))
        summary = report.identity.description if report.identity else "unreadable"
        self.item.setText(VALUE_COLUMN, summary)
        self.item.setToolTip(VALUE_COLUMN, summary)

        if report.key_info is not None:
            key = report.key_info
            self._add_detail("Private key", f"{key.key_type}, {key.bits} bits")
            self._add_detail(
                "Public key SHA-256", key.public_sha256, copy="public key SHA-256"
            )
        if report.cert_info is not None:
            self._add_certificate_details(report.cert_info, report.cert_public_sha256)
        if report.problem is not None:
            # The row already names the file; the message need not repeat it.
            message = report.problem.message.removeprefix(f"{self.path}: ")
            self._add_detail("Problem", message)
            if report.problem.fix:
                self._add_detail("What to do", report.problem.fix)
        if report.locked:
            self._add_passphrase_row()
        self.item.setExpanded(True)

        if self.passphrase is not None and self.focus_passphrase:
            # After a wrong passphrase the user wants to type it again at once.
            self.passphrase.setFocus()
        self.focus_passphrase = False

    def _add_certificate_details(self, info: CertInfo, public_sha256: str) -> None:
        self._add_detail("Subject", info.subject)
        self._add_detail("Issuer", info.issuer)
        self._add_detail("Serial number", info.serial_hex)
        self._add_detail("Certificate key", f"{info.key_type}, {info.key_bits} bits")
        self._add_detail("Valid from", _when(info.not_before))
        self._add_detail("Valid until", _when(info.not_after))
        self._add_detail("Days left", _days_left_text(info.days_left()))
        self._add_detail("SHA-256 fingerprint", info.sha256_fingerprint, copy="SHA-256")
        self._add_detail("SHA-1 fingerprint", info.sha1_fingerprint, copy="SHA-1")
        # Same row name as a key's: equal values mean key and certificate match.
        self._add_detail(
            "Public key SHA-256", public_sha256, copy="certificate's public key SHA-256"
        )

    def _add_detail(self, name: str, value: str, *, copy: str = "") -> None:
        child = QTreeWidgetItem(self.item, [name, value])
        child.setToolTip(VALUE_COLUMN, value)
        if copy:
            button = CopyButton("Copy", self.tree)
            button.set_text_to_copy(value)
            self._name_control(button, f"Copy the {copy} of ")
            self.tree.setItemWidget(child, ACTION_COLUMN, button)

    def _add_passphrase_row(self) -> None:
        child = QTreeWidgetItem(self.item, ["Passphrase"])
        field = SecretLineEdit(f"Passphrase for {self.name}", self.tree)
        self._name_control(field.edit, "Passphrase for ")
        self._name_control(field.toggle, "Show Passphrase for ")
        unlock = QPushButton("Unlock", self.tree)
        self._name_control(unlock, "Unlock ")
        unlock.setAutoDefault(False)
        self.tree.setItemWidget(child, VALUE_COLUMN, field)
        self.tree.setItemWidget(child, ACTION_COLUMN, unlock)
        self.passphrase = field
        self.unlock_button = unlock


def report_state(report: FileReport) -> StepState:
    """Done for a usable key or certificate; warning or error otherwise."""
    if report.locked:
        return StepState.WARNING
    if report.problem is not None or report.identity is None:
        return StepState.ERROR
    if report.cert_info is not None and report.cert_info.is_expired():
        return StepState.WARNING
    if report.key_info is not None or report.cert_info is not None:
        return StepState.DONE
    if report.identity.kind in (FileKind.UNKNOWN, FileKind.EMPTY):
        return StepState.ERROR
    # A CSR, a public key or an OpenSSH key: a real thing, but not usable here.
    return StepState.WARNING


def _when(moment: dt.datetime) -> str:
    return moment.strftime("%Y-%m-%d %H:%M:%S UTC")


def _days_left_text(days: int) -> str:
    if days < 0:
        return f"expired {-days} days ago (Salesforce still accepts it; renew it soon)"
    if days == 1:
        return "1 day"
    return f"{days} days"
