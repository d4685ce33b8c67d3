"""What a row's certificate line says, read off the GUI thread when the file changes.

Part of the profile list's rows (sidebar_rows): the status of each profile's
certificate, its days left, and the task that reads many at once, each file once.
"""

from __future__ import annotations

import time
from pathlib import Path
from typing import TYPE_CHECKING, NamedTuple

from sfjwt_gui.engine.errors import SfjwtError
from sfjwt_gui.gui.widgets import StepState

if TYPE_CHECKING:
    import datetime as dt
    import threading
    from collections.abc import Callable

    from sfjwt_gui.gui.tasks import TaskRunner

EXPIRY_WARNING_DAYS = 30
NO_CERTIFICATE = "Certificate: none yet"


# A NamedTuple rather than a frozen dataclass: cheaper to define at start-up.
class CertStatus(NamedTuple):
    """The certificate line of a row, its state and a longer explanation."""

    line: str
    state: StepState
    detail: str = ""


CHECKING = CertStatus("Certificate: checking...", StepState.NONE)


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

    Each result carries the file's stamp taken just before it was read, so a
    file rewritten meanwhile shows a different stamp and is read again.
    """

    def __init__(self, requests: dict[str, tuple[str, bytes | None]]) -> None:
        self._requests = requests

    def __call__(
        self, cancel: threading.Event
    ) -> dict[str, tuple[FileStamp, CertStatus]]:
        found: dict[str, tuple[FileStamp, CertStatus]] = {}
        # Many profiles may share one certificate: each file is read once.
        read: dict[tuple[FileStamp, bytes | None], CertStatus] = {}
        for key, (cert_path, passphrase) in self._requests.items():
            if cancel.is_set():
                break
            stamp = file_stamp(cert_path)
            status = read.get((stamp, passphrase))
            if status is None:
                status = certificate_status(cert_path, passphrase)
                read[(stamp, passphrase)] = status
                # Hands the GIL to the GUI thread if it waits, rather than
                # keeping it for a whole switch interval.
                time.sleep(0)
            found[key] = (stamp, status)
        return found


class CertificateChecks:
    """What each profile's certificate says, read again when its file changes.

    Profiles go by case-folded name. The reads run on ``tasks``; ``on_checked``
    gets the new statuses, by profile, on the GUI thread.
    """

    def __init__(
        self,
        tasks: TaskRunner,
        passphrase_for: Callable[[str], bytes | None],
        on_checked: Callable[[dict[str, CertStatus]], None],
    ) -> None:
        self._tasks = tasks
        self._passphrase_for = passphrase_for
        self._on_checked = on_checked
        # The certificate file's stamp when it was read, and what it said.
        self._known: dict[str, tuple[FileStamp, CertStatus]] = {}
        self._checking: set[str] = set()

    def status(self, key: str, cert_path: str) -> CertStatus:
        """What the row says now: "checking..." until the file is read as it is."""
        if not cert_path:
            return CertStatus(NO_CERTIFICATE, StepState.NONE)
        known = self._known.get(key)
        if known is not None and known[0] == file_stamp(cert_path):
            return known[1]
        return CHECKING

    def check(self, cert_paths: dict[str, str]) -> None:
        """Read, off the GUI thread, the certificates not read as they are now.

        A PKCS#12 bundle may need a slow key derivation, and the first read
        imports the crypto modules, which the window's first paint can do without.
        """
        requests: dict[str, tuple[str, bytes | None]] = {}
        for key, cert_path in cert_paths.items():
            if not cert_path or key in self._checking:
                continue
            known = self._known.get(key)
            if known is not None and known[0] == file_stamp(cert_path):
                continue
            requests[key] = (cert_path, self._passphrase_for(cert_path))
        if not requests:
            return
        self._checking.update(requests)
        self._tasks.run(
            "Checking certificates",
            CertificateWork(requests),
            self._on_done,
            self._on_failed,
        )

    def forget(self, key: str) -> None:
        """Drop what is known about a profile's certificate (renamed or deleted)."""
        self._known.pop(key, None)

    def _on_done(self, result: object) -> None:
        if not isinstance(result, dict):
            return
        statuses: dict[str, CertStatus] = {}
        for key, (stamp, status) in result.items():
            self._checking.discard(key)
            self._known[key] = (stamp, status)
            statuses[key] = status
        self._on_checked(statuses)

    def _on_failed(self, error: BaseException) -> None:
        self._checking.clear()
        # Reading certificates never raises for a bad file; anything else is a bug.
        raise error
