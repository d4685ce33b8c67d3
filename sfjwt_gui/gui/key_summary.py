"""What Salesforce needs to know about the key pair, and the connected-app checklist.

``inspect_key_files`` loads and checks the files (it may decrypt a key, so it
runs through the TaskRunner); ``KeySummary`` shows its report and
``SetupChecklist`` the steps the admin ticks off in Salesforce's Setup.
"""

from __future__ import annotations

import datetime as dt
import logging
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

from PySide6.QtCore import Qt, QUrl, Signal, Slot
from PySide6.QtGui import QDesktopServices
from PySide6.QtWidgets import (
    QCheckBox,
    QFileDialog,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QVBoxLayout,
    QWidget,
)

from sfjwt_gui.engine.atomic import write_atomic
from sfjwt_gui.engine.catalog import finding_from_error
from sfjwt_gui.engine.errors import SfjwtError
from sfjwt_gui.engine.findings import Finding
from sfjwt_gui.engine.preflight import EXPIRY_WARNING_DAYS
from sfjwt_gui.gui.palette_follow import StateLabel
from sfjwt_gui.gui.widgets import (
    CopyButton,
    FieldNote,
    StepState,
    action_button,
    monospace_font,
    worst_state,
)

if TYPE_CHECKING:
    from sfjwt_gui.engine.certinfo import CertInfo, KeyInfo

logger = logging.getLogger(__name__)

PASSPHRASE_CODES = frozenset({"key_encrypted", "key_passphrase_wrong"})


@dataclass
class KeyReport:
    """The outcome of loading and checking one key and certificate."""

    key_path: str
    cert_path: str
    key_findings: list[Finding] = field(default_factory=list)
    cert_findings: list[Finding] = field(default_factory=list)
    key_info: KeyInfo | None = None
    cert_info: CertInfo | None = None
    cert_pem: str = ""
    matches: bool | None = None

    @property
    def findings(self) -> list[Finding]:
        return [*self.key_findings, *self.cert_findings]

    @property
    def needs_passphrase(self) -> bool:
        return any(item.code in PASSPHRASE_CODES for item in self.key_findings)

    def state(self) -> StepState:
        """NONE without a key; no certificate counts as a warning."""
        if not self.key_path.strip():
            return StepState.NONE
        state = worst_state(self.findings)
        if state is StepState.DONE and self.cert_info is None:
            return StepState.WARNING
        return state


def inspect_key_files(
    key_path: str, cert_path: str, passphrase: bytes | None
) -> KeyReport:
    """Load and check both files; every problem becomes a finding."""
    # cryptography loads here, in the worker, not when the window starts.
    from sfjwt_gui.engine.certinfo import (
        certificate_pem_text,
        describe_certificate,
        describe_key,
        key_matches_certificate,
    )
    from sfjwt_gui.engine.preflight_keys import (
        KeyCheck,
        check_certificate,
        check_key,
    )

    report = KeyReport(key_path, cert_path)
    key_check = check_key(key_path, passphrase) if key_path.strip() else KeyCheck()
    report.key_findings = key_check.findings
    if key_check.key is not None:
        report.key_info = describe_key(key_check.key)

    cert_check = check_certificate(cert_path, key_check.key, passphrase=passphrase)
    report.cert_findings = cert_check.findings
    certificate = cert_check.certificate
    if certificate is not None:
        report.cert_info = describe_certificate(certificate)
        report.cert_pem = certificate_pem_text(certificate)
        if key_check.key is not None:
            report.matches = key_matches_certificate(key_check.key, certificate)
    return report


def ask_save_certificate_path(parent: QWidget | None, suggested: Path) -> Path | None:
    """Where to save the certificate for upload; None when cancelled."""
    chosen, _filter = QFileDialog.getSaveFileName(
        parent,
        "Save certificate for upload",
        str(suggested),
        "Certificates (*.crt);;All files (*)",
    )
    return Path(chosen) if chosen else None


def open_in_file_manager(folder: Path) -> bool:
    """Show ``folder`` in the system's file manager."""
    return QDesktopServices.openUrl(QUrl.fromLocalFile(str(folder)))


class KeySummary(QWidget):
    """Subject, validity, fingerprint and the key/certificate match at a glance."""

    status_message = Signal(str)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._report: KeyReport | None = None
        self._build_ui()
        self._connect_signals()
        self.clear()

    def _build_ui(self) -> None:
        self.values: dict[str, QLabel] = {}
        # In the colour of its state: expired, expiring soon or not.
        self.days_left_label = StateLabel(self)
        form = QFormLayout()
        rows = (
            ("subject", "Subject"),
            ("issuer", "Issuer"),
            ("valid_from", "Valid from"),
            ("valid_to", "Valid until"),
            ("days_left", "Days left"),
            ("fingerprint", "SHA-256 fingerprint"),
            ("key", "Private key"),
        )
        for name, title in rows:
            value = self.days_left_label if name == "days_left" else QLabel(self)
            value.setWordWrap(True)
            value.setTextFormat(Qt.TextFormat.PlainText)
            value.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
            value.setAccessibleName(title)
            self.values[name] = value
            form.addRow(f"{title}:", value)
        self.values["fingerprint"].setFont(monospace_font())
        self.values["days_left"].setTextFormat(Qt.TextFormat.RichText)

        self.match_label = StateLabel(self)
        self.match_label.setWordWrap(True)
        self.match_label.setAccessibleName("Key and certificate match")
        self.expiry_note = QLabel(self)
        self.expiry_note.setWordWrap(True)

        self.copy_button = CopyButton("&Copy certificate", self)
        self.save_button = action_button(
            "Save &as .crt for upload...", "Save certificate as .crt for upload", self
        )
        self.open_button = action_button(
            "Open fol&der", "Open certificate folder", self
        )
        self.save_note = FieldNote(self)

        buttons = QHBoxLayout()
        buttons.addWidget(self.copy_button)
        buttons.addWidget(self.save_button)
        buttons.addWidget(self.open_button)
        buttons.addStretch(1)

        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addLayout(form)
        layout.addWidget(self.expiry_note)
        layout.addWidget(self.match_label)
        layout.addLayout(buttons)
        layout.addWidget(self.save_note)

    def _connect_signals(self) -> None:
        self.copy_button.copied.connect(self._on_copy_copied)
        self.save_button.clicked.connect(self._on_save_clicked)
        self.open_button.clicked.connect(self._on_open_clicked)

    def clear(self) -> None:
        self._report = None
        for value in self.values.values():
            value.setText("-")
        self.match_label.clear()
        self.expiry_note.setVisible(False)
        self.copy_button.set_text_to_copy("")
        self.save_button.setEnabled(False)
        self.open_button.setEnabled(False)
        self.save_note.show_findings([])

    def show_report(self, report: KeyReport) -> None:
        self.clear()
        self._report = report
        if report.key_info is not None:
            info = report.key_info
            self.values["key"].setText(f"{info.key_type}, {info.bits} bits")
        cert = report.cert_info
        if cert is not None:
            self._show_certificate(cert)
        self._show_match(report)

    def _show_certificate(self, cert: CertInfo) -> None:
        self.values["subject"].setText(cert.subject or "(empty)")
        self.values["issuer"].setText(
            "self-signed" if cert.self_signed else cert.issuer or "(empty)"
        )
        self.values["valid_from"].setText(_date_text(cert.not_before))
        self.values["valid_to"].setText(_date_text(cert.not_after))
        self.values["fingerprint"].setText(
            two_line_fingerprint(cert.sha256_fingerprint)
        )

        days = cert.days_left()
        if cert.is_expired():
            # days_left rounds down, so -1 means "expired less than a day ago".
            ago = -days - 1
            state = StepState.ERROR
            text = f"expired {ago} days ago" if ago else "expired today"
            self.expiry_note.setText(
                "Salesforce keeps accepting an expired certificate for JWT logins, "
                "but renew it before someone's audit does."
            )
            self.expiry_note.setVisible(True)
        elif days < EXPIRY_WARNING_DAYS:
            state, text = StepState.WARNING, f"{days} days"
        else:
            state, text = StepState.DONE, f"{days} days"
        self.days_left_label.show_state(state, text)

        self.copy_button.set_text_to_copy(self._report.cert_pem if self._report else "")
        self.save_button.setEnabled(True)
        self.open_button.setEnabled(True)

    def _show_match(self, report: KeyReport) -> None:
        if report.matches is None:
            self.match_label.clear()
            return
        if report.matches:
            state, text = StepState.DONE, "Key and certificate belong together."
        else:
            state, text = StepState.ERROR, "Key and certificate do NOT belong together."
        self.match_label.show_state(state, text, bold=True)

    @Slot()
    def _on_copy_copied(self) -> None:
        self.status_message.emit("Certificate copied to the clipboard")

    @Slot()
    def _on_save_clicked(self) -> None:
        report = self._report
        if report is None or not report.cert_pem:
            return
        suggested = Path(report.cert_path).expanduser().with_suffix(".crt")
        target = ask_save_certificate_path(self, suggested)
        if target is None:
            return

        try:
            write_atomic(target, report.cert_pem.encode("ascii"), mode=0o644)
        except SfjwtError as error:
            self.save_note.show_findings([finding_from_error(error)])
            return
        self.save_note.show_findings([])
        logger.info("Saved the certificate for upload to %s", target)
        self.status_message.emit(f"Certificate saved to {target}")

    @Slot()
    def _on_open_clicked(self) -> None:
        if self._report is None:
            return
        folder = Path(self._report.cert_path).expanduser().resolve().parent
        if not open_in_file_manager(folder):
            self.status_message.emit(f"Could not open {folder}")


def _date_text(moment: dt.datetime) -> str:
    return moment.strftime("%Y-%m-%d %H:%M UTC")


# Line breaks keep the checklist narrow enough to sit beside the summary.
CHECKLIST_ITEMS: tuple[tuple[str, str], ...] = (
    ("oauth", "Enable OAuth Settings is ticked"),
    ("certificate", "Use digital signatures, with THIS\ncertificate uploaded"),
    ("scope_api", "Scope: Manage user data via APIs (api)"),
    (
        "scope_refresh",
        "Scope: Perform requests at any time\n(refresh_token, offline_access)",
    ),
    (
        "admin_approved",
        'Permitted Users: "Admin approved\nusers are pre-authorized"',
    ),
    ("assigned", "The user's profile or permission set\nis assigned to the app"),
    ("waited", "Waited up to 10 minutes after\nsaving the app"),
)


def two_line_fingerprint(fingerprint: str) -> str:
    """A colon-hex fingerprint split in the middle, so it fits narrow columns."""
    pairs = fingerprint.split(":")
    half = (len(pairs) + 1) // 2
    return ":".join(pairs[:half]) + ":\n" + ":".join(pairs[half:])


class SetupChecklist(QWidget):
    """The connected-app settings Salesforce needs, ticked off by the user."""

    ticked_changed = Signal(list)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._build_ui()
        self._connect_signals()

    def _build_ui(self) -> None:
        intro = QLabel(
            "In Setup > App Manager, your connected app needs (tick what is done):",
            self,
        )
        intro.setWordWrap(True)
        self.demo_note = QLabel(
            "This is the demo org: it takes your certificate automatically, so "
            "there is nothing to upload.",
            self,
        )
        self.demo_note.setWordWrap(True)
        self.demo_note.setVisible(False)

        self.boxes: dict[str, QCheckBox] = {}
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(intro)
        layout.addWidget(self.demo_note)
        for item_id, text in CHECKLIST_ITEMS:
            box = QCheckBox(text, self)
            box.setAccessibleName(text.replace("\n", " "))
            self.boxes[item_id] = box
            layout.addWidget(box)
            if item_id == "certificate":
                self.fingerprint_label = QLabel(self)
                self.fingerprint_label.setWordWrap(True)
                self.fingerprint_label.setFont(monospace_font())
                self.fingerprint_label.setTextInteractionFlags(
                    Qt.TextInteractionFlag.TextSelectableByMouse
                )
                self.fingerprint_label.setAccessibleName("Certificate to upload")
                self.fingerprint_label.setIndent(
                    self.fontMetrics().averageCharWidth() * 4
                )
                layout.addWidget(self.fingerprint_label)
        layout.addStretch(1)

    def _connect_signals(self) -> None:
        for box in self.boxes.values():
            box.toggled.connect(self._on_box_toggled)

    def ticked(self) -> list[str]:
        return [item_id for item_id, box in self.boxes.items() if box.isChecked()]

    def set_ticked(self, item_ids: list[str]) -> None:
        """Show the stored ticks without reporting them back as changes."""
        for item_id, box in self.boxes.items():
            box.blockSignals(True)
            box.setChecked(item_id in item_ids)
            box.blockSignals(False)

    def set_fingerprint(self, fingerprint: str) -> None:
        if fingerprint:
            self.fingerprint_label.setText(two_line_fingerprint(fingerprint))
        else:
            self.fingerprint_label.setText("(no certificate yet)")

    def set_demo(self, is_demo: bool) -> None:
        self.demo_note.setVisible(is_demo)

    @Slot(bool)
    def _on_box_toggled(self, _checked: bool) -> None:
        self.ticked_changed.emit(self.ticked())
