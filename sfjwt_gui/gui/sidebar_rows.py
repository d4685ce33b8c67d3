"""What each row of the profile list says, kept up to date.

A row has three lines: the name, the last test ("Passed 14:02"), and the
certificate ("Certificate: 300 days left"), beside a state badge. Qt's own item
delegate paints them, in the style and colours of the platform; a delegate of
our own would load a dozen Qt classes and their enum types (some 4 ms) before
the window's first paint. Each line is also kept in a role of its own.

A long list must not hold up the window's first paint: only the rows that can
show then get their details at once; the others get them a slice per turn of
the event loop once the window has painted, the rows on screen first. Later
changes (a certificate read, a test run) touch only the rows they change.
"""

from __future__ import annotations

import logging
import time
from typing import TYPE_CHECKING

from PySide6.QtCore import QObject, QPoint, QTimer, Slot
from PySide6.QtGui import QGuiApplication
from PySide6.QtWidgets import QListWidget, QListWidgetItem

from sfjwt_gui.engine.errors import ProfileError
from sfjwt_gui.gui.sidebar_certs import CertificateChecks, CertStatus
from sfjwt_gui.gui.widgets import DECORATION_ROLE, StepState, state_pixmap

if TYPE_CHECKING:
    import datetime as dt

    from PySide6.QtGui import QPixmap

    from sfjwt_gui.engine.history import HistoryEntry
    from sfjwt_gui.engine.profiles import Profile
    from sfjwt_gui.gui.session import ProfileSession
    from sfjwt_gui.gui.tasks import TaskRunner

logger = logging.getLogger(__name__)

# Item data roles by number: Qt.ItemDataRole.AccessibleTextRole is 11 and
# UserRole 256. Spelling them through Qt's namespace would build its ninety
# enum types (tens of milliseconds) before the window's first paint.
ACCESSIBLE_TEXT_ROLE = 11
ROW_STATE_ROLE = 256  # the row's StepState value (Qt.ItemDataRole.UserRole)
TEST_LINE_ROLE = ROW_STATE_ROLE + 1
CERT_LINE_ROLE = ROW_STATE_ROLE + 2
CERT_STATE_ROLE = ROW_STATE_ROLE + 3

# Lists this long get every row's details before the first paint, as so few
# cost nothing worth noticing; longer ones only the rows that can show.
EAGER_ROWS = 40
# How long one slice of row updates may hold the GUI thread.
SLICE_SECONDS = 0.010


def last_test_line(entry: HistoryEntry | None, now: dt.datetime | None = None) -> str:
    """ "Never tested", "Passed 14:02" or "Failed 14:05 - user_not_approved"."""
    if entry is None:
        return "Never tested"
    outcome = "Passed" if entry.ok else "Failed"
    line = f"{outcome} {_when(entry.at, now)}".rstrip()
    if not entry.ok and entry.codes:
        line += f" - {entry.codes[0]}"
    return line


def _when(iso_text: str, now: dt.datetime | None) -> str:
    # Imported here: a profile never tested needs no dates.
    import datetime as dt

    try:
        moment = dt.datetime.fromisoformat(iso_text.replace("Z", "+00:00"))
    except ValueError:
        return ""
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=dt.timezone.utc)
    local = moment.astimezone()
    today = (now or dt.datetime.now(dt.timezone.utc)).astimezone().date()
    if local.date() == today:
        return f"{local:%H:%M}"
    return f"{local:%Y-%m-%d %H:%M}"


def row_state(entry: HistoryEntry | None, cert: CertStatus) -> StepState:
    """The badge: a failed test or a broken certificate first, then warnings."""
    if (entry is not None and not entry.ok) or cert.state is StepState.ERROR:
        return StepState.ERROR
    if cert.state is StepState.WARNING:
        return StepState.WARNING
    if entry is not None and entry.ok:
        return StepState.DONE
    return StepState.NONE


class ProfileRows(QObject):
    """The rows of the profile list and what they say, by case-folded name.

    Rows waiting for their details show only the name; start() (after the
    window's first paint) fills them and has the certificates read. A row's
    text is its three lines, so names are kept here, by row.
    """

    def __init__(
        self, view: QListWidget, session: ProfileSession, tasks: TaskRunner
    ) -> None:
        super().__init__(view)
        self._view = view
        self._session = session
        self._started = False
        self._check_next = False  # read the certificates on the next turn
        # Row numbers, not items: a Python wrapper kept past its item's
        # deletion by the list could be handed out for an unrelated object.
        self._rows: dict[str, int] = {}
        self._names: list[str] = []
        # The certificate path as last listed or saved, the last test as read,
        # and the certificate status each row shows.
        self._listed_cert_paths: dict[str, str] = {}
        self._last_tests: dict[str, HistoryEntry | None] = {}
        self._shown_certs: dict[str, CertStatus] = {}
        # Rows waiting for their details, in order; True: read the history too.
        self._waiting: dict[str, bool] = {}
        self._badges: dict[StepState, QPixmap] = {}
        self.certificates = CertificateChecks(
            tasks, session.passphrase_for, self._on_certificates_checked
        )
        self._fill_timer = QTimer(self)
        self._fill_timer.setSingleShot(True)
        self._fill_timer.setInterval(0)
        self._fill_timer.timeout.connect(self._on_fill_timer_timeout)

    def start(self) -> None:
        """After the window's first paint: fill every row, read the certificates.

        Both start on the next turn of the event loop, apart from the rest of
        the window's start-up work.
        """
        self._started = True
        self._check_next = True
        self._fill_timer.start()

    def check_certificates(self) -> None:
        """Read again, off the GUI thread, the certificates whose files changed."""
        if self._started:
            self.certificates.check(
                {key: self.cert_path_of(key) for key in self._listed_cert_paths}
            )

    def replace(self, profiles: list[Profile], wanted: str | None) -> int:
        """List ``profiles``; returns the row of ``wanted`` (else 0, or -1 if none)."""
        names = [profile.name for profile in profiles]
        self._view.clear()
        self._view.addItems(names)
        self._names = names
        self._rows = {name.casefold(): row for row, name in enumerate(names)}
        self._listed_cert_paths = {
            profile.name.casefold(): profile.cert_path for profile in profiles
        }
        self._last_tests.clear()
        self._shown_certs.clear()
        self._waiting = dict.fromkeys(self._rows, True)

        row = self.row_of(wanted) if wanted else -1
        if row < 0 and names:
            row = 0
        for shown in self._rows_on_first_look(len(names), row):
            self.fill(names[shown].casefold())
        self.check_certificates()
        self._fill_soon()
        return row

    def item(self, name: str) -> QListWidgetItem | None:
        row = self.row_of(name)
        return self._view.item(row) if row >= 0 else None

    def row_of(self, name: str) -> int:
        return self._rows.get(name.strip().casefold(), -1)

    def name_at(self, row: int) -> str | None:
        """The profile name of ``row``, or None when there is no such row."""
        return self._names[row] if 0 <= row < len(self._names) else None

    def names(self) -> list[str]:
        return list(self._names)

    def waiting(self) -> int:
        return len(self._waiting)

    def cert_path_of(self, key: str) -> str:
        profile = self._session.profile
        if profile is not None and profile.name.casefold() == key:
            return profile.cert_path  # may be edited since it was listed
        return self._listed_cert_paths.get(key, "")

    def saved(self, key: str, cert_path: str) -> None:
        """The profile was written with this certificate: show it, read it."""
        self._listed_cert_paths[key] = cert_path
        self.fill(key)
        if self._started:
            self.certificates.check({key: cert_path})

    def fill(self, key: str, *, read_history: bool = False) -> None:
        """Give a row its last test, certificate line, badge and tooltip."""
        row = self.row_of(key)
        item = self._view.item(row) if row >= 0 else None
        if item is None:
            return
        name = self._names[row]
        read_history = self._waiting.pop(key, False) or read_history
        if read_history or key not in self._last_tests:
            self._last_tests[key] = self._read_last_test(name)
        entry = self._last_tests[key]
        cert = self.certificates.status(key, self.cert_path_of(key))
        self._shown_certs[key] = cert

        state = row_state(entry, cert)
        test_text = last_test_line(entry)
        item.setText(f"{name}\n{test_text}\n{cert.line}")
        item.setData(TEST_LINE_ROLE, test_text)
        item.setData(CERT_LINE_ROLE, cert.line)
        item.setData(CERT_STATE_ROLE, cert.state)
        item.setData(ROW_STATE_ROLE, state.value)
        item.setData(DECORATION_ROLE, self._badge(state))
        item.setData(ACCESSIBLE_TEXT_ROLE, f"{name}. {test_text}. {cert.line}.")
        tip = [name, test_text]
        if entry is not None and entry.summary:
            tip.append(entry.summary)
        tip.append(cert.detail or cert.line)
        item.setToolTip("\n".join(tip))

    def restyle(self) -> None:
        """Draw the badges again, in the colours of the new palette."""
        self._badges.clear()
        for row in range(self._view.count()):
            item = self._view.item(row)
            value = item.data(ROW_STATE_ROLE)
            if value is not None:  # None: the row still waits for its details
                item.setData(DECORATION_ROLE, self._badge(StepState(value)))

    def _badge(self, state: StepState) -> QPixmap:
        # One badge per state, shared by every row.
        badge = self._badges.get(state)
        if badge is None:
            # The step strip's size, so that both share one drawing of it.
            size = self._view.fontMetrics().height()
            badge = self._badges[state] = state_pixmap(state, size)
        return badge

    def _read_last_test(self, name: str) -> HistoryEntry | None:
        try:
            return self._session.history.last(name)
        except ProfileError as error:
            logger.warning("History of %s unreadable: %s", name, error.message)
            return None

    def _rows_on_first_look(self, count: int, current: int) -> list[int]:
        """The rows that may show when the list is next painted.

        Those at the top and those around the current row, to which the list
        scrolls; no screen holds more rows of three lines than it is high.
        """
        if count <= EAGER_ROWS:
            return list(range(count))
        screens = QGuiApplication.screens()
        heights = [screen.availableGeometry().height() for screen in screens]
        line = max(self._view.fontMetrics().lineSpacing(), 1)
        per_screen = max(heights) // (3 * line) + 1 if heights else EAGER_ROWS
        around = range(max(current - per_screen, 0), min(current + per_screen, count))
        return sorted({*range(min(per_screen, count)), *around})

    def _fill_soon(self) -> None:
        if self._waiting and self._started:
            self._fill_timer.start()

    def _fill_slice(self) -> None:
        """Fill waiting rows, those on screen first, until the slice's time is up."""
        deadline = time.perf_counter() + SLICE_SECONDS
        on_screen = self._keys_on_screen()
        for key in on_screen:
            if key in self._waiting:
                self.fill(key)

        # The list repaints all it shows on any row's change; rows off screen
        # change silently and are painted as they are when scrolled to.
        model = self._view.model()
        was_blocked = model.blockSignals(True)
        try:
            for key in list(self._waiting):
                if time.perf_counter() >= deadline:
                    break
                if key not in on_screen:
                    self.fill(key)
        finally:
            model.blockSignals(was_blocked)
        self._fill_soon()

    def _keys_on_screen(self) -> set[str]:
        view = self._view
        if not view.isVisible() or not view.count():
            return set()
        area = view.viewport().rect()
        top = self._row_near(area.top(), 1)
        if top < 0:
            return set()
        bottom = self._row_near(area.bottom(), -1)
        last = bottom if bottom >= top else view.count() - 1
        return {self._names[row].casefold() for row in range(top, last + 1)}

    def _row_near(self, y: int, direction: int) -> int:
        """The row at height ``y`` of the viewport, or -1 if none is near.

        A row's rectangle leaves out the spacing around it, so a height in
        that gap is looked past, towards ``direction`` (1: down, -1: up).
        """
        view = self._view
        spacing = view.spacing()
        x = view.viewport().rect().left() + spacing + 1
        for offset in range(2 * spacing + 2):
            row = view.indexAt(QPoint(x, y + direction * offset)).row()
            if row >= 0:
                return row
        return -1

    def _on_certificates_checked(self, statuses: dict[str, CertStatus]) -> None:
        # Only rows whose certificate line changes need touching.
        for key, status in statuses.items():
            shown = self._shown_certs.get(key, status)  # none shown: waiting
            if shown != status and key not in self._waiting:
                self._waiting[key] = False
        self._fill_slice()

    @Slot()
    def _on_fill_timer_timeout(self) -> None:
        if self._check_next:
            self._check_next = False
            self.check_certificates()
            self._fill_timer.start()
            return
        self._fill_slice()
