"""The profile list beside the steps: each profile with its state, and its commands.

A row shows the name, the last test and the certificate's days left. The
certificates are read off the GUI thread (a PKCS#12 bundle may need a slow key
derivation), from finish_start() on, which the window calls right after its
first paint; until then a row says "checking...". What the rows say, and when
they say it, is sidebar_rows' part; the commands live in sidebar_actions.
"""

from __future__ import annotations

from PySide6.QtCore import QSize, Signal, Slot
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
from sfjwt_gui.engine.profiles import ProfileProblem
from sfjwt_gui.gui.palette_follow import StateLabel
from sfjwt_gui.gui.session import ProfileSession
from sfjwt_gui.gui.sidebar_actions import ProfileActions
from sfjwt_gui.gui.sidebar_rows import (
    CERT_LINE_ROLE,
    ROW_STATE_ROLE,
    TEST_LINE_ROLE,
    ProfileRows,
)
from sfjwt_gui.gui.tasks import TaskRunner
from sfjwt_gui.gui.widgets import StepState


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
        self._shown_problems: set[tuple[str, str]] = set()
        self.commands = ProfileActions(self)
        self.new_action = self.commands.new_action
        self.duplicate_action = self.commands.duplicate_action
        self.rename_action = self.commands.rename_action
        self.delete_action = self.commands.delete_action
        self.import_action = self.commands.import_action
        self.export_action = self.commands.export_action
        self._build_ui()
        self._rows = ProfileRows(self.list, session, tasks)
        self._connect_signals()
        self._update_actions()

    # ---- building ---------------------------------------------------------

    def _build_ui(self) -> None:
        self.banner = QFrame(self)
        self.banner.setFrameShape(QFrame.Shape.StyledPanel)
        self.banner_label = StateLabel(self.banner)
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

        # Alt+R: Alt+P is taken on the steps (Pass&phrase, Res&ponse).
        heading = QLabel("P&rofiles", self)
        self.list = QListWidget(self)
        self.list.setAccessibleName("Profiles")
        self.list.setUniformItemSizes(True)
        # Room between the rows of three lines, so that each reads as one; the
        # badges as big as a line of text, as in the step strip.
        metrics = self.fontMetrics()
        self.list.setSpacing(max(metrics.horizontalAdvance("x") // 2, 2))
        self.list.setIconSize(QSize(metrics.height(), metrics.height()))
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

        self.message_label = StateLabel(self)
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
        self.session.history_changed.connect(self._on_session_history_changed)
        self.session.profile_changed.connect(self._on_session_profile_changed)
        self._tasks.task_ended.connect(self._on_tasks_task_ended)

    # ---- public -----------------------------------------------------------

    def finish_start(self) -> None:
        """After the window's first paint: fill the other rows, read certificates."""
        if self._started:
            return
        self._started = True
        self.commands.add_delete_key()
        self._rows.start()

    def reload(self, select: str | None = None) -> None:
        """Read the profiles again and select ``select`` (default: keep the current)."""
        wanted = select or self.current_name()
        listing = self.session.store.list()
        self._show_problems(listing.problems)

        self._populating = True
        try:
            row = self._rows.replace(listing.profiles, wanted)
        finally:
            self._populating = False
        self.profiles_listed.emit(self.list.count())

        self.list.setCurrentRow(row)
        if row < 0:
            self._select_in_session(None)
        self._update_actions()

    def profile_names(self) -> list[str]:
        return self._rows.names()

    def current_name(self) -> str | None:
        return self._rows.name_at(self.list.currentRow())

    def name_at(self, row: int) -> str | None:
        """The profile name shown in ``row`` of the list, if there is one."""
        return self._rows.name_at(row)

    def select_profile(self, name: str) -> None:
        row = self._rows.row_of(name)
        if row >= 0:
            self.list.setCurrentRow(row)

    def row_lines(self, name: str) -> tuple[str, str, str]:
        """The three lines a row shows: name, last test, certificate.

        A row still waiting for its details shows only its name.
        """
        item = self._item(name)
        return (
            self._rows.name_at(self.list.row(item)) or "",
            str(item.data(TEST_LINE_ROLE) or ""),
            str(item.data(CERT_LINE_ROLE) or ""),
        )

    def row_state(self, name: str) -> StepState:
        value = self._item(name).data(ROW_STATE_ROLE)
        return StepState.NONE if value is None else StepState(value)

    def rows_waiting(self) -> int:
        """How many rows still wait to show their last test and certificate."""
        return self._rows.waiting()

    def forget_certificate(self, name: str) -> None:
        """Drop what is known about a profile's certificate (renamed or deleted)."""
        self._rows.certificates.forget(name.strip().casefold())

    # ---- rows -------------------------------------------------------------

    def _item(self, name: str) -> QListWidgetItem:
        item = self._rows.item(name)
        if item is None:
            raise KeyError(name)
        return item

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
        lines = "<br>".join(_escape(problem.message) for problem in new)
        self.banner_label.show_state(
            StepState.WARNING, f"<b>Some profiles could not be loaded.</b><br>{lines}"
        )
        self.banner.setVisible(True)

    # ---- messages and state -----------------------------------------------

    def show_error(self, error: SfjwtError) -> None:
        text = _escape(error.message)
        if error.fix:
            text += "<br>" + _escape(error.fix)
        self.message_label.show_state(StepState.ERROR, text)
        self.message_label.setVisible(True)
        self.status_message.emit(error.message)

    def clear_error(self) -> None:
        self.message_label.clear()
        self.message_label.setVisible(False)

    def restyle(self) -> None:
        # The labels redraw themselves; the rows' badges are pixmaps.
        self._rows.restyle()

    def _update_actions(self) -> None:
        has_current = self.list.currentItem() is not None
        for action in self.commands.needs_selection:
            action.setEnabled(has_current)
        for label, button in self.buttons.items():
            if label not in ("New", "Import"):
                button.setEnabled(has_current)

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
        name = None if current is None else self._rows.name_at(self.list.row(current))
        self._select_in_session(name)
        self._update_actions()

    @Slot()
    def _on_session_profile_changed(self) -> None:
        profile = self.session.profile
        if profile is None or profile.name == self.current_name():
            return
        if self._rows.row_of(profile.name) < 0:
            self.reload(select=profile.name)
        else:
            self.select_profile(profile.name)

    @Slot(str)
    def _on_session_saved(self, name: str) -> None:
        if self._rows.row_of(name) < 0:
            self.reload()
            return
        key = name.strip().casefold()
        profile = self.session.profile
        if profile is not None and profile.name.casefold() == key:
            cert_path = profile.cert_path
        else:
            # An edit kept from before was saved at last: rare, so read the file.
            try:
                cert_path = self.session.store.get(name).cert_path
            except ProfileError:
                cert_path = self._rows.cert_path_of(key)
        self._rows.saved(key, cert_path)

    @Slot(str)
    def _on_tasks_task_ended(self, _task_name: str) -> None:
        # Key generation may have written a new certificate under a file name
        # that other profiles use too; only files that changed are read.
        self._rows.check_certificates()

    @Slot(str)
    def _on_session_history_changed(self, name: str) -> None:
        # Only the tested profile's row has something new to say.
        self._rows.fill(name.strip().casefold(), read_history=True)

    @Slot()
    def _on_dismiss_clicked(self) -> None:
        self.banner.setVisible(False)


def _escape(text: str) -> str:
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
