"""The first-start page: try the demo org, or set up your own org."""

from __future__ import annotations

from PySide6.QtCore import Signal, Slot
from PySide6.QtGui import QShowEvent
from PySide6.QtWidgets import (
    QCommandLinkButton,
    QHBoxLayout,
    QLabel,
    QSizePolicy,
    QVBoxLayout,
    QWidget,
)

from sfjwt_gui import APP_NAME
from sfjwt_gui.gui.widgets import section_label

DEMO_TEXT = "Try the &demo org"
DEMO_DETAIL = (
    "Starts a stand-in of Salesforce on this computer, creates a Demo profile "
    "already filled in, and walks you through the same steps to a working login."
)
OWN_ORG_TEXT = "Set up &my org"
OWN_ORG_DETAIL = (
    "Creates an empty profile for your org: make or pick a key pair, enter the "
    "connected app's details, then test the login."
)


class WelcomePage(QWidget):
    """Shown while no profile exists.

    Signals:
        demo_requested(): the user chose the demo org.
        own_org_requested(): the user chose to set up their own org.
    """

    demo_requested = Signal()
    own_org_requested = Signal()

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._build_ui()
        self._connect_signals()

    def _build_ui(self) -> None:
        title = section_label(f"Welcome to {APP_NAME}", self)
        intro = QLabel(
            "This app takes you from a key pair to a working Salesforce JWT bearer "
            "token, and explains what went wrong when a login fails.",
            self,
        )
        intro.setWordWrap(True)

        self.demo_button = QCommandLinkButton(DEMO_TEXT, DEMO_DETAIL, self)
        self.demo_button.setAccessibleName("Try the demo org")
        self.demo_button.setAccessibleDescription(DEMO_DETAIL)
        self.own_org_button = QCommandLinkButton(OWN_ORG_TEXT, OWN_ORG_DETAIL, self)
        self.own_org_button.setAccessibleName("Set up my org")
        self.own_org_button.setAccessibleDescription(OWN_ORG_DETAIL)
        for button in (self.demo_button, self.own_org_button):
            # Outside a dialog only auto-default buttons answer Enter.
            button.setAutoDefault(True)

        column = QWidget(self)
        column.setMaximumWidth(self.fontMetrics().horizontalAdvance("x") * 90)
        column.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Preferred)
        column_layout = QVBoxLayout(column)
        column_layout.addWidget(title)
        column_layout.addWidget(intro)
        column_layout.addSpacing(self.fontMetrics().lineSpacing())
        column_layout.addWidget(self.demo_button)
        column_layout.addWidget(self.own_org_button)
        column_layout.addStretch(1)

        layout = QHBoxLayout(self)
        layout.addStretch(1)
        layout.addWidget(column, 6)
        layout.addStretch(1)
        self.setTabOrder(self.demo_button, self.own_org_button)

    def _connect_signals(self) -> None:
        self.demo_button.clicked.connect(self._on_demo_clicked)
        self.own_org_button.clicked.connect(self._on_own_org_clicked)

    def showEvent(self, event: QShowEvent) -> None:
        super().showEvent(event)
        # The reason is OtherFocusReason; naming it would load Qt's namespace.
        self.demo_button.setFocus()

    @Slot()
    def _on_demo_clicked(self) -> None:
        self.demo_requested.emit()

    @Slot()
    def _on_own_org_clicked(self) -> None:
        self.own_org_requested.emit()
