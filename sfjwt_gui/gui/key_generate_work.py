"""The work behind Generate: make a key and certificate off the GUI thread, write both.

Qt-free. The RSA generation cannot be interrupted, so Cancel is honoured at the
one point that matters to the user: before anything is written to disk.
"""

from __future__ import annotations

import dataclasses
import threading
from dataclasses import dataclass
from pathlib import Path

from sfjwt_gui.engine.keyspec import Subject, WrittenFiles


@dataclass(frozen=True)
class GenerateRequest:
    """Everything the worker needs, copied off the widgets before it starts."""

    bits: int
    subject: Subject
    days: int
    folder: Path
    force: bool
    passphrase: bytes | None = dataclasses.field(default=None, repr=False)


class WriteGate:
    """Decides, once and for both threads, whether Cancel or the file write wins.

    Without it a Cancel arriving while the files are being written would drop a
    result whose files already exist, and the window could not say so.
    """

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._writing = False
        self._cancelled = False
        self._cancel_refused = False

    @property
    def cancelled(self) -> bool:
        return self._cancelled

    @property
    def cancel_refused(self) -> bool:
        """A Cancel came once the files were being written."""
        return self._cancel_refused

    def may_write(self) -> bool:
        """For the worker: True when it may write; any Cancel is too late then."""
        with self._lock:
            self._writing = not self._cancelled
            return self._writing

    def cancel(self, cancel_event: threading.Event) -> bool:
        """For the GUI: True when cancelled before any file was written."""
        with self._lock:
            if self._writing:
                self._cancel_refused = True
                return False
            self._cancelled = True
            cancel_event.set()
            return True


def generate_files(
    request: GenerateRequest, gate: WriteGate, cancel: threading.Event
) -> WrittenFiles | None:
    """Make the key and certificate and write both; None when cancelled in time."""
    # cryptography loads here, in the worker, not when the window starts.
    from sfjwt_gui.engine.keys import (
        generate_private_key,
        self_signed_certificate,
        write_key_and_certificate,
    )

    key = generate_private_key(request.bits)
    certificate = self_signed_certificate(key, request.subject, days=request.days)
    if cancel.is_set() or not gate.may_write():
        return None
    return write_key_and_certificate(
        request.folder,
        key,
        certificate,
        passphrase=request.passphrase,
        force=request.force,
    )
