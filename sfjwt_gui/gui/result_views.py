"""The result of a test login, readable at a glance: banner, diagnosis, details.

``ResultView`` holds the summary banner and one tab per part of the result;
the JWT, request and response tabs live in result_jwt.py and result_http.py.
"""

from __future__ import annotations

import html
from typing import TYPE_CHECKING, NamedTuple

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (
    QLabel,
    QScrollArea,
    QTabWidget,
    QTreeWidget,
    QTreeWidgetItem,
    QVBoxLayout,
    QWidget,
)

from sfjwt_gui.engine.findings import Finding, Severity
from sfjwt_gui.gui.palette_follow import StateLabel, set_state_icon
from sfjwt_gui.gui.result_http import RequestView, ResponseView
from sfjwt_gui.gui.result_jwt import JwtView
from sfjwt_gui.gui.sidebar_rows import last_test_line
from sfjwt_gui.gui.widgets import (
    Card,
    CopyButton,
    StepState,
    severity_state,
    state_color,
)

if TYPE_CHECKING:
    from sfjwt_gui.engine.history import HistoryEntry
    from sfjwt_gui.engine.login import LoginResult
    from sfjwt_gui.engine.tokeninfo import VerificationStep

NO_TEST_YET = "No test run yet for this profile."
BEFORE_SENDING = "Checked before sending"
AFTER_SENDING = "The request and its answer"
NOTHING_TO_FIX = "Nothing to fix."
SEVERITY_WORDS = {
    Severity.ERROR: "Error",
    Severity.WARNING: "Warning",
    Severity.INFO: "Note",
}


def earlier_test_text(entry: HistoryEntry | None) -> str:
    """What the banner says of the newest recorded test before one is run."""
    if entry is None:
        return NO_TEST_YET
    then = "its details" if entry.ok else "the diagnosis"
    return f"Last test: {last_test_line(entry)}. Test again to see {then}."


def banner_text(result: LoginResult) -> tuple[str, StepState]:
    """The one line on top of a result, and the state that colours it."""
    if result.ok and result.token is not None:
        who = result.claims.get("sub", "?")
        org = result.token.org_id or "?"
        instance = result.token.instance_url or "?"
        elapsed = result.timings_ms.get("token_request", 0.0)
        text = f"Logged in as {who} into org {org} at {instance} in {elapsed:.0f} ms"
        return text, StepState.DONE
    if result.cancelled:
        return "Cancelled", StepState.NONE

    errors = [finding for finding in result.findings if finding.is_error]
    if not result.sent:
        return "Not sent: fix these first", StepState.ERROR
    if not errors:
        return "Not logged in", StepState.ERROR
    record = result.token_request
    if record is not None and record.failure is None and record.status is not None:
        return f"Salesforce refused the login: {errors[0].title}", StepState.ERROR
    return f"The login request failed: {errors[0].title}", StepState.ERROR


class FindingGroup(NamedTuple):
    """Findings listed together under one heading ("" for none)."""

    heading: str
    findings: list[Finding]
    # Said under the heading when there are no findings; "" leaves the group out.
    when_empty: str = ""


def finding_groups(result: LoginResult) -> list[FindingGroup]:
    """The checks made before sending first, then what the request showed."""
    return [
        FindingGroup(BEFORE_SENDING, result.preflight_findings),
        FindingGroup(AFTER_SENDING, result.answer_findings),
    ]


def _text_label(html: str, parent: QWidget) -> QLabel:
    label = QLabel(html, parent)
    label.setWordWrap(True)
    label.setTextFormat(Qt.TextFormat.RichText)
    label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
    return label


class DiagnosisCard(Card):
    """One finding: what, why (ranked causes), the fix and where to look."""

    def __init__(self, finding: Finding, parent: QWidget | None = None) -> None:
        super().__init__(finding.title, parent)
        self.finding = finding
        self.restyle()
        self.title_label.setTextInteractionFlags(
            Qt.TextInteractionFlag.TextSelectableByMouse
        )
        self.setAccessibleName(finding.title)

        if finding.detail:
            self.body.addWidget(_text_label(html.escape(finding.detail), self))
        if finding.causes:
            causes = "".join(
                f"<li>{html.escape(cause)}</li>" for cause in finding.causes
            )
            self.body.addWidget(
                _text_label(f"<b>Likely causes</b><ol>{causes}</ol>", self)
            )
        self.body.addWidget(
            _text_label(f"<b>Fix:</b> {html.escape(finding.fix)}", self)
        )
        if finding.where_to_look:
            self.body.addWidget(
                _text_label(
                    f"<b>Where to look:</b> {html.escape(finding.where_to_look)}", self
                )
            )

        self.copy_button = CopyButton("Copy", self)
        self.copy_button.setAccessibleName(f"Copy {finding.title}")
        self.copy_button.set_text_to_copy(finding.as_text())
        self.body.addWidget(self.copy_button, 0, Qt.AlignmentFlag.AlignLeft)

    def restyle(self) -> None:
        finding = self.finding
        color = state_color(severity_state(finding.severity)).name()
        word = SEVERITY_WORDS[finding.severity]
        self.title_label.setText(
            f'<b style="color:{color}">{html.escape(finding.title)}</b>'
            f" <small>({word}, {html.escape(finding.code)})</small>"
        )


class DiagnosisView(QScrollArea):
    """The findings of a result as cards, in groups, errors first in each."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWidgetResizable(True)
        self.setAccessibleName("Diagnosis")
        self.cards: list[DiagnosisCard] = []
        self.headings: list[QLabel] = []
        self._shown: list[QWidget] = []
        self._container = QWidget(self)
        self._layout = QVBoxLayout(self._container)
        self.empty_label = QLabel(NOTHING_TO_FIX, self._container)
        self._layout.addWidget(self.empty_label)
        self._layout.addStretch(1)
        self.setWidget(self._container)

    def heading_texts(self) -> list[str]:
        return [heading.accessibleName() for heading in self.headings]

    def show_findings(self, findings: list[Finding]) -> None:
        self.show_groups([FindingGroup("", findings)])

    def show_groups(self, groups: list[FindingGroup]) -> None:
        """Each group's heading, then its cards; "Nothing to fix." if all empty."""
        for widget in self._shown:
            # Hidden at once: deleteLater leaves it painted until the next loop.
            self._layout.removeWidget(widget)
            widget.hide()
            widget.deleteLater()
        self._shown, self.cards, self.headings = [], [], []

        for group in groups:
            if not group.findings and not group.when_empty:
                continue
            if group.heading:
                text = f"<b>{html.escape(group.heading)}</b>"
                heading = _text_label(text, self._container)
                heading.setAccessibleName(group.heading)
                self.headings.append(heading)
                self._add(heading)
            if not group.findings:
                self._add(QLabel(group.when_empty, self._container))
            for finding in group.findings:
                card = DiagnosisCard(finding, self._container)
                self.cards.append(card)
                self._add(card)
        self.empty_label.setVisible(not self._shown)

    def _add(self, widget: QWidget) -> None:
        # Ahead of the "nothing to fix" label and the stretch, in order.
        self._layout.insertWidget(len(self._shown), widget)
        self._shown.append(widget)


class VerificationView(QTreeWidget):
    """The follow-up calls that prove the token works (userinfo, identity)."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setColumnCount(2)
        self.setHeaderLabels(["Check", "Result"])
        self.setAccessibleName("Verification")
        self.setWordWrap(True)

    def show_steps(self, steps: list[VerificationStep]) -> None:
        self.clear()
        if not steps:
            QTreeWidgetItem(self, ["-", "No verification ran (no token issued)."])
            return
        for step in steps:
            state = StepState.DONE if step.ok else StepState.ERROR
            item = QTreeWidgetItem(self, [step.name, step.summary])
            set_state_icon(self, item, 0, state)
            for name, value in step.details.items():
                QTreeWidgetItem(item, [name, value])
            item.setExpanded(True)
        self.resizeColumnToContents(0)


class ResultView(QWidget):
    """Banner on top, then Diagnosis, JWT, Request, Response and Verification tabs."""

    status_message = Signal(str)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._build_ui()
        self._connect_signals()
        self.clear()

    def _build_ui(self) -> None:
        self.banner = StateLabel(self)
        self.banner.setWordWrap(True)
        self.banner.setTextInteractionFlags(
            Qt.TextInteractionFlag.TextSelectableByMouse
        )
        self.banner.setAccessibleName("Test result")
        font = self.banner.font()
        font.setPointSizeF(font.pointSizeF() * 1.15)
        self.banner.setFont(font)

        # The tabs first: Tab goes from the tab bar to the shown tab's page.
        self.tabs = QTabWidget(self)
        self.tabs.setAccessibleName("Result details")
        self.tabs.tabBar().setAccessibleName("Result details")
        self.diagnosis = DiagnosisView(self)
        self.jwt_view = JwtView(self)
        self.request_view = RequestView(self)
        self.response_view = ResponseView(self)
        self.verification_view = VerificationView(self)

        self.tabs.addTab(self.diagnosis, "&Diagnosis")
        self.tabs.addTab(self.jwt_view, "&JWT")
        self.tabs.addTab(self.request_view, "Re&quest")
        self.tabs.addTab(self.response_view, "Res&ponse")
        self.tabs.addTab(self.verification_view, "&Verification")

        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.banner)
        layout.addWidget(self.tabs, 1)

    def _connect_signals(self) -> None:
        self.request_view.status_message.connect(self.status_message)
        self.response_view.status_message.connect(self.status_message)

    def clear(self, message: str = NO_TEST_YET) -> None:
        """No result shown; ``message`` says what is known of earlier tests."""
        self.show_message(message, StepState.NONE)
        self.diagnosis.show_findings([])
        self.jwt_view.show_result(None)
        self.request_view.show_record(None)
        self.response_view.show_result(None)
        self.verification_view.show_steps([])

    def show_message(self, text: str, state: StepState) -> None:
        self.banner.show_state(state, html.escape(text), bold=True)
        self.banner.setAccessibleDescription(text)

    def banner_plain_text(self) -> str:
        return self.banner.accessibleDescription()

    def show_result(self, result: LoginResult) -> None:
        text, state = banner_text(result)
        self.show_message(text, state)
        self.diagnosis.show_groups(finding_groups(result))
        self.jwt_view.show_result(result)
        self.request_view.show_record(result.token_request)
        self.response_view.show_result(result)
        self.verification_view.show_steps(result.verification)
        self.tabs.setCurrentWidget(self.diagnosis)

    def show_checking(self) -> None:
        """A test has started: the checks before sending are under way."""
        self.clear("Checking the settings, key and certificate...")
        when_empty = "Checking..."
        self.diagnosis.show_groups([FindingGroup(BEFORE_SENDING, [], when_empty)])
        self.tabs.setCurrentWidget(self.diagnosis)

    def show_checked(self, findings: list[Finding]) -> None:
        """The checks let the login go on; their findings stay while it runs."""
        self.show_message("Checked; sending the login request...", StepState.NONE)
        no_problem = "No problems found."
        self.diagnosis.show_groups([FindingGroup(BEFORE_SENDING, findings, no_problem)])
        self.tabs.setCurrentWidget(self.diagnosis)

    def show_findings(self, text: str, findings: list[Finding]) -> None:
        """A result that never reached the engine's login (an error before it)."""
        self.clear()
        self.show_message(text, StepState.ERROR)
        self.diagnosis.show_findings(findings)
        self.tabs.setCurrentWidget(self.diagnosis)
