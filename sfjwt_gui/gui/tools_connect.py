"""Tools > Check connection: can this computer reach the login host, step by step?

Runs the engine's connectivity check (resolve, connect, TLS, GET
/services/data/) off the GUI thread and shows each step the moment it
finishes, with its timing, what was seen and, for a failure, the fix. The
fields start from the selected profile each time the dialog opens.
"""

from __future__ import annotations

import functools
import itertools
import logging
import threading
from collections.abc import Callable
from typing import TYPE_CHECKING

from PySide6.QtCore import QObject, Signal, Slot
from PySide6.QtGui import QShowEvent
from PySide6.QtWidgets import (
    QDialog,
    QFormLayout,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QPushButton,
    QTreeWidgetItem,
    QVBoxLayout,
    QWidget,
)

from sfjwt_gui import APP_NAME
from sfjwt_gui.engine.errors import SfjwtError
from sfjwt_gui.engine.findings import Finding
from sfjwt_gui.engine.preflight import check_ca_bundle, check_login_url
from sfjwt_gui.engine.proxies import check_proxy
from sfjwt_gui.gui.app_fields import PROXY_HINT, ask_ca_bundle
from sfjwt_gui.gui.palette_follow import set_state_icon
from sfjwt_gui.gui.tasks import TaskHandle, TaskRunner
from sfjwt_gui.gui.tools_common import (
    WrappingTree,
    close_only_buttons,
    error_finding,
    resize_in_text_units,
    show_state_text,
)
from sfjwt_gui.gui.widgets import CopyButton, FieldNote, StepState

if TYPE_CHECKING:
    from sfjwt_gui.engine.connectivity import CheckStep, ConnectivityReport
    from sfjwt_gui.gui.session import ProfileSession

logger = logging.getLogger(__name__)

TIME_COLUMN = 2
DETAILS_COLUMN = 3
_STATES = {"ok": StepState.DONE, "failed": StepState.ERROR, "skipped": StepState.NONE}


class _StepRelay(QObject):
    """Carries finished steps from the worker thread to the dialog."""

    step_finished = Signal(int, object)


class ConnectDialog(QDialog):
    """Type or take a login URL, proxy and CA bundle; Check runs the steps live."""

    def __init__(
        self,
        tasks: TaskRunner,
        session: ProfileSession | None = None,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self.setWindowTitle(f"Check the connection - {APP_NAME}")
        self._tasks = tasks
        self._session = session
        self._checking: TaskHandle | None = None
        self._run_ids = itertools.count(1)
        self._run_id = 0
        self._relay = _StepRelay(self)
        self._build_ui()
        self._connect_signals()
        self._show_idle("")
        resize_in_text_units(self, 110, 36)

    # ---- building ----

    def _build_ui(self) -> None:
        self.login_url_edit = QLineEdit(self)
        self.login_url_edit.setAccessibleName("Login URL")
        self.login_url_edit.setPlaceholderText("https://login.salesforce.com")
        self.login_url_note = FieldNote(self)
        self.proxy_edit = QLineEdit(self)
        self.proxy_edit.setAccessibleName("Proxy")
        self.proxy_edit.setAccessibleDescription(PROXY_HINT)
        self.proxy_edit.setToolTip(PROXY_HINT)
        self.proxy_edit.setPlaceholderText("from the environment (HTTPS_PROXY)")
        self.proxy_note = FieldNote(self)
        self.ca_bundle_edit = QLineEdit(self)
        self.ca_bundle_edit.setAccessibleName("CA bundle file")
        self.ca_bundle_edit.setPlaceholderText("the system's certificates")
        self.ca_bundle_button = QPushButton("Brow&se...", self)
        self.ca_bundle_button.setAccessibleName("Browse for a CA bundle")
        self.ca_bundle_button.setAutoDefault(False)
        self.ca_bundle_note = FieldNote(self)

        form = QFormLayout()
        form.setFieldGrowthPolicy(QFormLayout.FieldGrowthPolicy.ExpandingFieldsGrow)
        self._add_row(form, "&Login URL:", self.login_url_edit, self.login_url_edit)
        form.addRow("", self.login_url_note)
        self._add_row(form, "Pro&xy:", self.proxy_edit, self.proxy_edit)
        form.addRow("", self.proxy_note)
        bundle_row = QHBoxLayout()
        bundle_row.addWidget(self.ca_bundle_edit, 1)
        bundle_row.addWidget(self.ca_bundle_button)
        self._add_row(form, "CA &bundle:", bundle_row, self.ca_bundle_edit)
        form.addRow("", self.ca_bundle_note)

        self.check_button = QPushButton("C&heck", self)
        self.check_button.setAccessibleName("Check the connection")
        self.check_button.setDefault(True)
        self.cancel_button = QPushButton("&Cancel", self)
        self.cancel_button.setAccessibleName("Cancel the check")
        self.cancel_button.setAutoDefault(False)
        self.copy_button = CopyButton("Copy &results", self)
        self.copy_button.setAccessibleName("Copy the results as text")
        actions = QHBoxLayout()
        actions.addWidget(self.check_button)
        actions.addWidget(self.cancel_button)
        actions.addStretch(1)
        actions.addWidget(self.copy_button)

        self.summary_label = QLabel(self)
        self.summary_label.setWordWrap(True)
        self.summary_label.setAccessibleName("Result of the check")
        self.tree = WrappingTree(self)
        self.tree.setAccessibleName("Steps of the connectivity check")
        self.tree.setHeaderLabels(["Step", "Result", "Time", "Details"])
        header = self.tree.header()
        header.setStretchLastSection(False)
        # Widths in characters: wrapped cells would squeeze "ok" and "12 ms".
        char_width = self.fontMetrics().averageCharWidth()
        for column, chars in ((0, 30), (1, 9), (TIME_COLUMN, 10)):
            header.setSectionResizeMode(column, QHeaderView.ResizeMode.Interactive)
            header.resizeSection(column, char_width * chars)
        header.setSectionResizeMode(DETAILS_COLUMN, QHeaderView.ResizeMode.Stretch)

        self.buttons = close_only_buttons(self)

        layout = QVBoxLayout(self)
        layout.addLayout(form)
        layout.addLayout(actions)
        layout.addWidget(self.summary_label)
        layout.addWidget(self.tree, 1)
        layout.addWidget(self.buttons)

    def _add_row(
        self, form: QFormLayout, text: str, field: QWidget | QHBoxLayout, buddy: QWidget
    ) -> None:
        label = QLabel(text, self)
        label.setBuddy(buddy)
        form.addRow(label, field)

    def _connect_signals(self) -> None:
        self.check_button.clicked.connect(self._on_check_button_clicked)
        self.cancel_button.clicked.connect(self._on_cancel_button_clicked)
        self.ca_bundle_button.clicked.connect(self._on_ca_bundle_button_clicked)
        self._relay.step_finished.connect(self._on_relay_step_finished)
        self.buttons.rejected.connect(self.reject)
        self.finished.connect(self._on_dialog_finished)

    # ---- inputs ----

    def load_profile(self) -> None:
        """Fill the fields from the selected profile (nothing while checking)."""
        profile = self._session.profile if self._session is not None else None
        if profile is None or self._checking is not None:
            return
        self.login_url_edit.setText(profile.login_url)
        self.proxy_edit.setText(profile.proxy)
        self.ca_bundle_edit.setText(profile.ca_bundle)

    def showEvent(self, event: QShowEvent) -> None:
        super().showEvent(event)
        self.load_profile()

    @Slot()
    def _on_ca_bundle_button_clicked(self) -> None:
        chosen = ask_ca_bundle(self, self.ca_bundle_edit.text())
        if chosen:
            self.ca_bundle_edit.setText(chosen)

    def _input_problems(self) -> dict[FieldNote, list[Finding]]:
        """The same checks as step 2, so nothing unusable is sent to the worker."""
        url_check = check_login_url(self.login_url_edit.text())
        return {
            self.login_url_note: url_check.findings,
            self.proxy_note: check_proxy(self.proxy_edit.text()),
            self.ca_bundle_note: check_ca_bundle(self.ca_bundle_edit.text()),
        }

    # ---- checking ----

    @Slot()
    def _on_check_button_clicked(self) -> None:
        problems = self._input_problems()
        for note, findings in problems.items():
            note.show_findings(findings)
        if any(problems.values()):
            self._show_idle("Correct the fields above, then check again.")
            return

        self._stop_running_check()
        self._run_id = next(self._run_ids)
        self.tree.clear()
        self.copy_button.set_text_to_copy("")
        show_state_text(self.summary_label, StepState.NONE, "Checking...")
        self.check_button.setEnabled(False)
        self.cancel_button.setEnabled(True)
        work = functools.partial(
            _check_work,
            self.login_url_edit.text().strip(),
            self.proxy_edit.text().strip(),
            self.ca_bundle_edit.text().strip(),
            functools.partial(_relay_step, self._relay, self._run_id),
        )
        self._checking = self._tasks.run(
            "Checking the connection", work, self._on_check_done, self._on_check_failed
        )

    @Slot(int, object)
    def _on_relay_step_finished(self, run_id: int, step: CheckStep) -> None:
        if run_id != self._run_id or self._checking is None:
            return  # a step of a check that was cancelled or replaced
        self._add_step(step)

    def _on_check_done(self, report: ConnectivityReport) -> None:
        self._checking = None
        self._show_report(report)

    def _on_check_failed(self, error: BaseException) -> None:
        self._checking = None
        if not isinstance(error, SfjwtError):
            self._show_idle("")
            raise error  # a bug: the app-wide hook reports it
        code = error.code
        note = self.ca_bundle_note if code.startswith("ca_bundle") else None
        note = self.proxy_note if code.startswith("proxy") else note
        (note or self.login_url_note).show_findings([error_finding(error)])
        self._show_idle("Correct the fields above, then check again.")

    @Slot()
    def _on_cancel_button_clicked(self) -> None:
        if self._checking is None:
            return
        self._stop_running_check()
        self._show_idle("")
        text = "Cancelled; the steps shown are the ones that had finished."
        show_state_text(self.summary_label, StepState.WARNING, text)

    @Slot(int)
    def _on_dialog_finished(self, _result: int) -> None:
        self._on_cancel_button_clicked()

    def _stop_running_check(self) -> None:
        if self._checking is not None:
            self._checking.cancel()
            self._checking = None
        self._run_id = 0

    # ---- showing ----

    def _show_idle(self, text: str) -> None:
        self.check_button.setEnabled(True)
        self.cancel_button.setEnabled(False)
        if text:
            show_state_text(self.summary_label, StepState.NONE, text)

    def _add_step(self, step: CheckStep) -> None:
        state = _STATES.get(step.state.value, StepState.NONE)
        item = QTreeWidgetItem(
            [step.title, step.state.value, f"{step.elapsed_ms:.0f} ms", step.message]
        )
        set_state_icon(self.tree, item, 0, state)
        item.setToolTip(DETAILS_COLUMN, step.message)
        for label, value in step.facts:
            child = QTreeWidgetItem([label, "", "", value])
            child.setToolTip(DETAILS_COLUMN, value)
            item.addChild(child)
        if step.fix:
            item.addChild(QTreeWidgetItem(["Fix", "", "", step.fix]))
        self.tree.addTopLevelItem(item)
        item.setExpanded(True)

    def _show_report(self, report: ConnectivityReport) -> None:
        # Rebuilt from the report: it is complete even if a step's signal was late.
        self.tree.clear()
        for step in report.steps:
            self._add_step(step)
        self._show_idle("")
        self.copy_button.set_text_to_copy(report_text(report))
        failed = report.failed_step
        if report.ok:
            text = f"Reachable: {report.url} answered; {report.total_ms:.0f} ms in all."
            show_state_text(self.summary_label, StepState.DONE, text)
        elif failed is not None:
            text = f"Not reachable: {failed.title} failed. {failed.fix}".strip()
            show_state_text(self.summary_label, StepState.ERROR, text)
        else:
            show_state_text(self.summary_label, StepState.WARNING, "Cancelled.")


def report_text(report: ConnectivityReport) -> str:
    """The check as plain text, for a ticket or a chat with IT."""
    proxy = report.proxy or "none (direct)"
    lines = [f"Connectivity check of {report.url} (proxy: {proxy})"]
    for step in report.steps:
        lines.append(f"[{step.state.value}] {step.title} ({step.elapsed_ms:.0f} ms)")
        lines.append(f"    {step.message}")
        lines.extend(f"    {label}: {value}" for label, value in step.facts)
        if step.fix:
            lines.append(f"    Fix: {step.fix}")
    verdict = "reachable" if report.ok else "not reachable"
    lines.append(f"Result: {verdict}.")
    return "\n".join(lines)


def _relay_step(relay: _StepRelay, run_id: int, step: CheckStep) -> None:
    try:
        relay.step_finished.emit(run_id, step)
    except RuntimeError:
        # The dialog was closed and deleted while the check ran.
        logger.debug("A connectivity step finished after its dialog closed")


def _check_work(
    login_url: str,
    proxy: str,
    ca_bundle: str,
    on_step: Callable[[CheckStep], None],
    cancel: threading.Event,
) -> ConnectivityReport:
    from sfjwt_gui.engine.connectivity import check_connectivity

    return check_connectivity(
        login_url, proxy=proxy, ca_bundle=ca_bundle, cancel=cancel, on_step=on_step
    )
