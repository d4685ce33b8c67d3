"""What one row of the profile list says (sidebar_delegate paints it).

A row has three lines: the name in bold, the last test ("Passed 14:02"), and
the certificate ("Certificate: 300 days left"), with a state badge.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from sfjwt_gui.engine.errors import SfjwtError
from sfjwt_gui.gui.widgets import StepState

if TYPE_CHECKING:
    import datetime as dt
    import threading

    from sfjwt_gui.engine.history import HistoryEntry

# Item data roles by number: Qt.ItemDataRole.AccessibleTextRole is 11 and
# UserRole 256. Spelling them through Qt's namespace would build its ninety
# enum types (tens of milliseconds) before the window's first paint.
ACCESSIBLE_TEXT_ROLE = 11
ROW_STATE_ROLE = 256  # the row's StepState value (Qt.ItemDataRole.UserRole)
TEST_LINE_ROLE = ROW_STATE_ROLE + 1
CERT_LINE_ROLE = ROW_STATE_ROLE + 2
CERT_STATE_ROLE = ROW_STATE_ROLE + 3

EXPIRY_WARNING_DAYS = 30
NO_CERTIFICATE = "Certificate: none yet"


@dataclass(frozen=True)
class CertStatus:
    """The certificate line of a row, its state and a longer explanation."""

    line: str
    state: StepState
    detail: str = ""


def certificate_status(
    cert_path: str, passphrase: bytes | None, now: dt.datetime | None = None
) -> CertStatus:
    """Read the certificate and say how long it stays valid. Runs off the GUI thread."""
    if not cert_path:
        return CertStatus(NO_CERTIFICATE, StepState.NONE)

    from sfjwt_gui.engine.certinfo import describe_certificate
    from sfjwt_gui.engine.keyfiles import load_certificate

    try:
        info = describe_certificate(
            load_certificate(Path(cert_path).expanduser(), passphrase)
        )
    except SfjwtError as error:
        if "passphrase" in error.code:
            return CertStatus("Certificate: locked", StepState.NONE, error.message)
        return CertStatus("Certificate: cannot be read", StepState.ERROR, error.message)

    days = info.days_left(now)
    detail = f"{info.subject}, valid until {info.not_after:%Y-%m-%d}"
    if info.is_expired(now):
        return CertStatus("Certificate: expired", StepState.WARNING, detail)
    unit = "day" if days == 1 else "days"
    state = StepState.WARNING if days < EXPIRY_WARNING_DAYS else StepState.DONE
    return CertStatus(f"Certificate: {days} {unit} left", state, detail)


FileStamp = tuple[str, int, int]


def file_stamp(path: str) -> FileStamp:
    """Path, modification time and size: changes when the file is rewritten."""
    try:
        info = Path(path).expanduser().stat()
    except OSError:
        return (path, -1, -1)
    return (path, info.st_mtime_ns, info.st_size)


class CertificateWork:
    """TaskRunner work: the certificate status of several profiles at once.

    Each result carries the file stamp taken when the read was asked for, so a
    file rewritten meanwhile is read again.
    """

    def __init__(
        self,
        requests: dict[str, tuple[str, bytes | None]],
        stamps: dict[str, FileStamp],
    ) -> None:
        self._requests = requests
        self._stamps = stamps

    def __call__(
        self, cancel: threading.Event
    ) -> dict[str, tuple[FileStamp, CertStatus]]:
        found: dict[str, tuple[FileStamp, CertStatus]] = {}
        for name, (cert_path, passphrase) in self._requests.items():
            if cancel.is_set():
                break
            status = certificate_status(cert_path, passphrase)
            found[name] = (self._stamps[name], status)
        return found


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
