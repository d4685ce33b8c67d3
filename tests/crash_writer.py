"""Profile and history writers to be killed mid-write, for test_crash_safety.

Run as ``python tests/crash_writer.py DIR``. The process imports the engine
once and then obeys one command per line on stdin, answering on stdout:

- ``go``: fork a writer and answer ``writer PID``. The writer saves the
  profiles of NAMES through a ProfileStore in DIR/profiles, alternating between
  two versions of each, appends to each one's history in DIR/history, and
  writes ``op N`` after every finished operation, until it is killed.
- ``reap PID``: wait for that writer to end and answer ``reaped PID``.

Forking keeps each start to a millisecond or two, so a test can kill hundreds
of writers in a few seconds; each writer is still a process of its own, with
its own store, exactly as a crashed app or command would be.
"""

from __future__ import annotations

import os
import sys
import time
from pathlib import Path

from sfjwt_gui.engine.history import HistoryEntry, HistoryStore
from sfjwt_gui.engine.profile_format import Profile
from sfjwt_gui.engine.profiles import ProfileStore

NAMES = ("Acme", "Beta Org", "Çà et là", "Delta (2)")
# Small, so that the writers compact their history files often.
HISTORY_LIMIT = 25
# The second version is large: its write takes long enough to be cut short.
LARGE_NOTES = "version B " * 3000


def version(name: str, number: int) -> Profile:
    """Version 0 or 1 of a profile, without the timestamps a save adds."""
    if number == 0:
        return Profile(
            name=name,
            login_url="https://acme.my.salesforce.com",
            client_id="3MVG9version0",
            username="a@acme.example",
            notes="version A",
        )
    return Profile(
        name=name,
        login_url="https://test.salesforce.com",
        client_id="3MVG9version1",
        username="b@acme.example.sandbox",
        lifetime_s=240,
        timeout_s=12.5,
        notes=LARGE_NOTES,
        checklist=["create_app", "upload_cert", "pre_authorize"],
    )


def history_entry(order: int) -> HistoryEntry:
    """An entry whose summary orders it: a later entry has a larger number."""
    return HistoryEntry(
        at="2026-01-01T00:00:00Z",
        ok=order % 2 == 0,
        codes=() if order % 2 == 0 else ("user_not_approved",),
        status=200 if order % 2 == 0 else 400,
        elapsed_ms=12.5,
        summary=str(order),
        login_url="https://acme.my.salesforce.com",
    )


def _say(text: str) -> None:
    # One write() of a short line: never interleaved with the other process.
    os.write(1, f"{text}\n".encode())


def write_forever(folder: Path) -> None:
    """Save both versions of every profile in turn, with history, until killed."""
    store = ProfileStore(folder / "profiles")
    history = HistoryStore(folder / "history")
    history.MAX_ENTRIES = HISTORY_LIMIT
    operations = 0
    round_number = 0
    while True:
        for name in NAMES:
            store.save(version(name, round_number % 2))
            operations += 1
            _say(f"op {operations}")
            # The monotonic clock is shared by all processes: later is larger.
            history.append(name, history_entry(time.monotonic_ns()))
            operations += 1
            _say(f"op {operations}")
        round_number += 1


def serve(folder: Path) -> int:
    for line in sys.stdin:
        command, _, argument = line.strip().partition(" ")
        if command == "go":
            pid = os.fork()
            if pid == 0:
                try:
                    write_forever(folder)
                finally:
                    os._exit(1)
            _say(f"writer {pid}")
        elif command == "reap":
            os.waitpid(int(argument), 0)
            _say(f"reaped {argument}")
    return 0


if __name__ == "__main__":
    sys.exit(serve(Path(sys.argv[1])))
