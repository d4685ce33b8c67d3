"""The profile list beside the steps: each profile with its state, and its commands.

A row shows the name, the last test and the certificate's days left. The
certificates are read off the GUI thread (a PKCS#12 bundle may need a slow key
derivation), from finish_start() on, which the window calls right after its
first paint; until then a row says "checking...". The commands themselves
live in sidebar_actions.
"""

from __future__ import annotations

import logging

from PySide6.QtCore import Signal, Slot
from PySide6.QtWidgets import (
    QFrame,
    QGridLayout,
    QHBoxLayout,
    QLabel,
    QListWidget,
    QListWidgetItem,
    QPushButton,
    QToolButton,
    QVBoxLayout,
    QWidget,
)

from sfjwt_gui.engine.errors import ProfileError, SfjwtError
from sfjwt_gui.engine.history import HistoryEntry
from sfjwt_gui.engine.profiles import Profile, ProfileProblem
from sfjwt_gui.gui.session import ProfileSession
from sfjwt_gui.gui.sidebar_actions import ProfileActions
from sfjwt_gui.gui.sidebar_rows import (
    ACCESSIBLE_TEXT_ROLE,
    CERT_LINE_ROLE,
    CERT_STATE_ROLE,
    NO_CERTIFICATE,
    ROW_STATE_ROLE,
    TEST_LINE_ROLE,
    CertificateWork,
    CertStatus,
    FileStamp,
    file_stamp,
    last_test_line,
    row_state,
)
from sfjwt_gui.gui.tasks import TaskRunner
from sfjwt_gui.gui.widgets import StepState, state_color, state_icon

logger = logging.getLogger(__name__)


class ProfileSidebar(QWidget):
    """Lists the saved profiles with their state; selecting one opens it.

    Signals:
        status_message(str): a short text for the status bar.
        profiles_listed(int): the list was read again and holds this many
            profiles; emitted before one of them is selected.
    """

    status_message = Signal(str)
    profiles_listed = Signal(int)

    def __init__(
        self,
        session: ProfileSession,
        tasks: TaskRunner,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self.session = session
        self._tasks = tasks
        self._populating = False
        self._started = False
        self._has_delegate = False
        # Profile name -> certificate path, as last listed.
        self._listed_cert_paths: dict[str, str] = {}
        self._shown_problems: set[tuple[str, str]] = set()
        # Profile name (casefolded) -> the certificate file's stamp when it was
        # read, and what it said; a different stamp means "read it again".
        self._cert_status: dict[str, tuple[FileStamp, CertStatus]] = {}
        self._checking: set[str] = set()
        self.commands = ProfileActions(self)
        self.new_action = self.commands.new_action
        self.duplicate_action = self.commands.duplicate_action
        self.rename_action = self.commands.rename_action
        self.delete_action = self.commands.delete_action
        self.import_action = self.commands.import_action
        self.export_action = self.commands.export_action
        self._build_ui()
        self._connect_signals()
        self._update_actions()

    # ---- building ---------------------------------------------------------

    def _build_ui(self) -> None:
        self.banner = QFrame(self)
        self.banner.setFrameShape(QFrame.Shape.StyledPanel)
        self.banner_label = QLabel(self.banner)
        self.banner_label.setWordWrap(True)
        self.banner_label.setAccessibleName("Profile problems")
        self.dismiss_button = QToolButton(self.banner)
        self.dismiss_button.setText("Dismiss")
        self.dismiss_button.setAccessibleName("Dismiss profile problems")
        button_column = QVBoxLayout()
        button_column.addWidget(self.dismiss_button)
        button_column.addStretch(1)
        banner_layout = QHBoxLayout(self.banner)
        banner_layout.addWidget(self.banner_label, 1)
        banner_layout.addLayout(button_column)
        self.banner.setVisible(False)

        heading = QLabel("&Profiles", self)
        self.list = QListWidget(self)
        self.list.setAccessibleName("Profiles")
        self.list.setUniformItemSizes(True)
        self.list.setMinimumWidth(self.fontMetrics().horizontalAdvance("x") * 28)
        self.list.addAction(self.delete_action)
        heading.setBuddy(self.list)

        self.buttons: dict[str, QPushButton] = {}
        grid = QGridLayout()
        actions = (
            ("New", self.new_action),
            ("Duplicate", self.duplicate_action),
            ("Rename", self.rename_action),
            ("Delete", self.delete_action),
            ("Import", self.import_action),
            ("Export", self.export_action),
        )
        for position, (label, action) in enumerate(actions):
            # Text set apart: QPushButton(text, parent) has an icon overload,
            # and resolving it loads QIcon's enum types before the first paint.
            button = QPushButton(self)
            button.setText(label)
            button.setAccessibleName(label)
            button.setToolTip(action.statusTip())
            button.clicked.connect(action.trigger)
            grid.addWidget(button, position // 3, position % 3)
            self.buttons[label] = button

        self.message_label = QLabel(self)
        self.message_label.setWordWrap(True)
        self.message_label.setAccessibleName("Profile message")
        self.message_label.setVisible(False)

        layout = QVBoxLayout(self)
        layout.addWidget(self.banner)
        layout.addWidget(heading)
        layout.addWidget(self.list, 1)
        layout.addLayout(grid)
        layout.addWidget(self.message_label)

    def _connect_signals(self) -> None:
        self.list.currentItemChanged.connect(self._on_list_current_changed)
        self.dismiss_button.clicked.connect(self._on_dismiss_clicked)
        self.session.saved.connect(self._on_session_saved)
        self.session.tested.connect(self._on_session_tested)
        self.session.profile_changed.connect(self._on_session_profile_changed)
        self._tasks.task_ended.connect(self._on_tasks_task_ended)

    # ---- public -----------------------------------------------------------

    def finish_start(self) -> None:
        """After the window's first paint: read the certificates, arm Del."""
        if self._started:
            return
        self._started = True
        self.commands.add_delete_key()
        cert_paths = dict(self._listed_cert_paths)
        profile = self.session.profile
        if profile is not None and profile.name in cert_paths:
            cert_paths[profile.name] = profile.cert_path  # may be edited since
        self._check_certificates(cert_paths)

    def reload(self, select: str | None = None) -> None:
        """Read the profiles again and select ``select`` (default: keep the current)."""
        wanted = select or self.current_name()
        listing = self.session.store.list()
        self._show_problems(listing.problems)

        if listing.profiles:
            self._ensure_delegate()
        self._populating = True
        try:
            self.list.clear()
            for profile in listing.profiles:
                self.list.addItem(self._make_item(profile))
        finally:
            self._populating = False
        self._listed_cert_paths = {
            profile.name: profile.cert_path for profile in listing.profiles
        }
        if self._started:
            self._check_certificates(self._listed_cert_paths)
        self.profiles_listed.emit(self.list.count())

        row = self._row_of(wanted) if wanted else -1
        if row < 0 and self.list.count():
            row = 0
        self.list.setCurrentRow(row)
        if row < 0:
            self._select_in_session(None)
        self._update_actions()

    def profile_names(self) -> list[str]:
        return [self.list.item(row).text() for row in range(self.list.count())]

    def current_name(self) -> str | None:
        item = self.list.currentItem()
        return item.text() if item is not None else None

    def select_profile(self, name: str) -> None:
        row = self._row_of(name)
        if row >= 0:
            self.list.setCurrentRow(row)

    def row_lines(self, name: str) -> tuple[str, str, str]:
        """The three lines a row shows: name, last test, certificate."""
        item = self.list.item(self._row_of(name))
        if item is None:
            raise KeyError(name)
        return (
            item.text(),
            str(item.data(TEST_LINE_ROLE)),
            str(item.data(CERT_LINE_ROLE)),
        )

    def row_state(self, name: str) -> StepState:
        item = self.list.item(self._row_of(name))
        if item is None:
            raise KeyError(name)
        return StepState(item.data(ROW_STATE_ROLE))

    # ---- rows -------------------------------------------------------------

    def _ensure_delegate(self) -> None:
        # Set once there is a row: the painting classes are not needed before.
        if not self._has_delegate:
            from sfjwt_gui.gui.sidebar_delegate import ProfileRowDelegate

            self.list.setItemDelegate(ProfileRowDelegate(self.list))
            self._has_delegate = True

    def _row_of(self, name: str) -> int:
        wanted = name.strip().casefold()
        for row in range(self.list.count()):
            if self.list.item(row).text().casefold() == wanted:
                return row
        return -1

    def _make_item(self, profile: Profile) -> QListWidgetItem:
        item = QListWidgetItem(profile.name)
        self._fill_item(item, profile.cert_path)
        return item

    def _fill_item(self, item: QListWidgetItem, cert_path: str) -> None:
        name = item.text()
        entry = self._last_entry(name)
        cert = self._known_cert_status(name, cert_path)
        state = row_state(entry, cert)
        test_text = last_test_line(entry)
        item.setData(TEST_LINE_ROLE, test_text)
        item.setData(CERT_LINE_ROLE, cert.line)
        item.setData(CERT_STATE_ROLE, cert.state)
        item.setData(ROW_STATE_ROLE, state.value)
        item.setIcon(state_icon(state))
        item.setData(ACCESSIBLE_TEXT_ROLE, f"{name}. {test_text}. {cert.line}.")
        tip = [name, test_text]
        if entry is not None and entry.summary:
            tip.append(entry.summary)
        tip.append(cert.detail or cert.line)
        item.setToolTip("\n".join(tip))

    def _last_entry(self, name: str) -> HistoryEntry | None:
        try:
            return self.session.history.last(name)
        except ProfileError as error:
            logger.warning("History of %s unreadable: %s", name, error.message)
            return None

    def _known_cert_status(self, name: str, cert_path: str) -> CertStatus:
        if not cert_path:
            return CertStatus(NO_CERTIFICATE, StepState.NONE)
        known = self._cert_status.get(name.casefold())
        if known is not None and known[0] == file_stamp(cert_path):
            return known[1]
        return CertStatus("Certificate: checking...", StepState.NONE)

    def _check_certificates(self, cert_paths: dict[str, str]) -> None:
        """Read the certificates that changed, off the GUI thread.

        A PKCS#12 bundle may need a slow key derivation, and the first read
        imports the crypto modules, which the window's first paint can do without.
        """
        requests: dict[str, tuple[str, bytes | None]] = {}
        for name, cert_path in cert_paths.items():
            known = self._cert_status.get(name.casefold())
            fresh = known is not None and known[0] == file_stamp(cert_path)
            if not cert_path or fresh or name.casefold() in self._checking:
                continue
            passphrase = self.session.passphrase_for(cert_path)
            requests[name] = (cert_path, passphrase)
        if not requests:
            return
        self._checking.update(name.casefold() for name in requests)
        stamps = {name: file_stamp(path) for name, (path, _) in requests.items()}
        self._tasks.run(
            "Checking certificates",
            CertificateWork(requests, stamps),
            self._on_certificates_checked,
            self._on_certificates_failed,
        )

    def _on_certificates_checked(self, result: object) -> None:
        if not isinstance(result, dict):
            return
        for name, (stamp, status) in result.items():
            self._checking.discard(name.casefold())
            self._cert_status[name.casefold()] = (stamp, status)
            row = self._row_of(name)
            if row >= 0:
                self._fill_item(self.list.item(row), self._cert_path_of(name))
        self.list.viewport().update()

    def _on_certificates_failed(self, error: BaseException) -> None:
        self._checking.clear()
        # Reading certificates never raises for a bad file; anything else is a bug.
        raise error

    def _cert_path_of(self, name: str) -> str:
        profile = self.session.profile
        if profile is not None and profile.name.casefold() == name.casefold():
            return profile.cert_path
        try:
            return self.session.store.get(name).cert_path
        except ProfileError:
            return ""

    def _show_problems(self, problems: list[ProfileProblem]) -> None:
        new = [
            problem
            for problem in problems
            if (str(problem.path), problem.code) not in self._shown_problems
        ]
        if not new:
            return
        self._shown_problems.update((str(p.path), p.code) for p in new)
        # Set here, not when built: Qt's namespace need not load for a start
        # without problems.
        from PySide6.QtCore import Qt

        self.banner_label.setTextInteractionFlags(
            Qt.TextInteractionFlag.TextSelectableByMouse
        )
        color = state_color(StepState.WARNING, self.palette()).name()
        lines = "<br>".join(_escape(problem.message) for problem in new)
        self.banner_label.setText(
            f'<span style="color:{color}"><b>Some profiles could not be loaded.</b>'
            f"<br>{lines}</span>"
        )
        self.banner.setVisible(True)

    # ---- messages and state -----------------------------------------------

    def show_error(self, error: SfjwtError) -> None:
        color = state_color(StepState.ERROR, self.palette()).name()
        text = _escape(error.message)
        if error.fix:
            text += "<br>" + _escape(error.fix)
        self.message_label.setText(f'<span style="color:{color}">{text}</span>')
        self.message_label.setVisible(True)
        self.status_message.emit(error.message)

    def clear_error(self) -> None:
        self.message_label.clear()
        self.message_label.setVisible(False)

    def _update_actions(self) -> None:
        has_current = self.list.currentItem() is not None
        for action in self.commands.needs_selection:
            action.setEnabled(has_current)
        for label, button in self.buttons.items():
            if label not in ("New", "Import"):
                button.setEnabled(has_current)

    def forget_certificate(self, name: str) -> None:
        """Drop what is known about a profile's certificate (renamed or deleted)."""
        self._cert_status.pop(name.casefold(), None)

    def _select_in_session(self, name: str | None) -> None:
        current = self.session.profile
        if name is not None and current is not None and current.name == name:
            return
        if name is None and current is None:
            return
        self.session.select(name)

    # ---- slots ------------------------------------------------------------

    @Slot(QListWidgetItem, QListWidgetItem)
    def _on_list_current_changed(
        self, current: QListWidgetItem | None, _previous: QListWidgetItem | None
    ) -> None:
        if self._populating:
            return
        self._select_in_session(current.text() if current is not None else None)
        self._update_actions()

    @Slot()
    def _on_session_profile_changed(self) -> None:
        profile = self.session.profile
        if profile is None or profile.name == self.current_name():
            return
        if self._row_of(profile.name) < 0:
            self.reload(select=profile.name)
        else:
            self.select_profile(profile.name)

    @Slot(str)
    def _on_session_saved(self, name: str) -> None:
        row = self._row_of(name)
        if row < 0:
            self.reload()
            return
        cert_path = self._cert_path_of(name)
        self._fill_item(self.list.item(row), cert_path)
        if self._started:
            self._check_certificates({name: cert_path})
        self.list.viewport().update()

    @Slot(str)
    def _on_tasks_task_ended(self, _task_name: str) -> None:
        # Key generation may write a new certificate under the same file name.
        profile = self.session.profile
        if not self._started:
            return
        if profile is not None and self._row_of(profile.name) >= 0:
            self._check_certificates({profile.name: profile.cert_path})

    @Slot(object)
    def _on_session_tested(self, _result: object) -> None:
        for row in range(self.list.count()):
            item = self.list.item(row)
            self._fill_item(item, self._cert_path_of(item.text()))
        self.list.viewport().update()

    @Slot()
    def _on_dismiss_clicked(self) -> None:
        self.banner.setVisible(False)


def _escape(text: str) -> str:
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
