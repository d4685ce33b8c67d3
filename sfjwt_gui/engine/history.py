"""The test history of each profile: one JSON Lines file per profile, newest last.

Appending is one O_APPEND write, so a crash can at worst leave a torn last line;
such lines (and any other garbage) are skipped when reading. Reading the newest
entries reads the file from its end, so a long history costs no more than a
short one.
"""

from __future__ import annotations

import logging
import math
import os
import re
import zlib
from collections.abc import Iterator
from pathlib import Path
from typing import Any, NamedTuple

from sfjwt_gui.engine import paths
from sfjwt_gui.engine.atomic import (
    describe_os_error,
    ensure_private_dir,
    remove_stale_temp_files,
    write_atomic,
    write_failed_error,
)
from sfjwt_gui.engine.errors import ProfileError
from sfjwt_gui.engine.profiles import slugify, validate_name

logger = logging.getLogger(__name__)

_BLOCK_SIZE = 64 * 1024


# A NamedTuple, not a frozen dataclass: it is read before the window's first
# paint, and defining a frozen dataclass takes some 0.5 ms.
class HistoryEntry(NamedTuple):
    """The outcome of one login test."""

    at: str  # ISO-8601 UTC
    ok: bool
    codes: tuple[str, ...]  # finding codes of that test
    status: int | None = None  # HTTP status of the token request
    elapsed_ms: float | None = None
    summary: str = ""  # one line, e.g. "user hasn't approved this consumer"
    login_url: str = ""

    def to_dict(self) -> dict[str, Any]:
        return {
            "at": self.at,
            "ok": self.ok,
            "codes": list(self.codes),
            "status": self.status,
            "elapsed_ms": self.elapsed_ms,
            "summary": self.summary,
            "login_url": self.login_url,
        }


def _is_finite_number(value: Any) -> bool:
    if not isinstance(value, (int, float)) or isinstance(value, bool):
        return False
    try:
        return math.isfinite(value)
    except OverflowError:  # JSON allows whole numbers of any size
        return False


def _entry_from_line(line: bytes) -> HistoryEntry | None:
    """The entry a line holds, or None for a torn or foreign line."""
    import json  # not at the top: a first start reads no history (see appstate)

    try:
        data = json.loads(line.decode("utf-8"))
    except (ValueError, RecursionError):
        return None
    if not isinstance(data, dict):
        return None

    codes = data.get("codes", [])
    status = data.get("status")
    elapsed = data.get("elapsed_ms")
    summary = data.get("summary", "")
    login_url = data.get("login_url", "")
    valid = (
        isinstance(data.get("at"), str)
        and isinstance(data.get("ok"), bool)
        and isinstance(codes, list)
        and all(isinstance(code, str) for code in codes)
        and (status is None or (_is_finite_number(status) and status % 1 == 0))
        and (elapsed is None or _is_finite_number(elapsed))
        and isinstance(summary, str)
        and isinstance(login_url, str)
    )
    if not valid:
        return None

    return HistoryEntry(
        at=data["at"],
        ok=data["ok"],
        codes=tuple(codes),
        status=None if status is None else int(status),
        elapsed_ms=None if elapsed is None else float(elapsed),
        summary=summary,
        login_url=login_url,
    )


# sfjwt-gui 0.1 named history files "<slug>-<12 hex digits of SHA-256>.jsonl".
_LEGACY_NAME = re.compile(r".+-[0-9a-f]{12}\.jsonl")


def _lines_newest_first(path: Path) -> Iterator[bytes]:
    """The file's non-empty lines, last first, reading blocks from the end."""
    try:
        handle = path.open("rb")
    except FileNotFoundError:
        return
    with handle:
        position = handle.seek(0, os.SEEK_END)
        partial = b""
        while position > 0:
            size = min(_BLOCK_SIZE, position)
            position -= size
            handle.seek(position)
            pieces = (handle.read(size) + partial).split(b"\n")
            # The first piece may continue in the block before this one.
            partial = pieces[0]
            for line in reversed(pieces[1:]):
                if line.strip():
                    yield line
        if partial.strip():
            yield partial


class HistoryStore:
    """The history folder: what each profile's tests gave, newest first."""

    MAX_ENTRIES = 1000  # per profile; the file is compacted when it holds 2x

    def __init__(self, directory: Path | None = None) -> None:
        self.directory = directory if directory is not None else paths.history_dir()
        # path -> (file size, line count) as of our last look, so that appends
        # need not count lines again unless someone else wrote to the file.
        self._line_counts: dict[Path, tuple[int, int]] = {}
        # File names of an older naming scheme, listed once, on first need.
        self._legacy_names: set[str] | None = None

    def append(self, profile_name: str, entry: HistoryEntry) -> None:
        """Add one entry at the end of the profile's history (mode 0600)."""
        path = self._path(profile_name)
        import json

        line = json.dumps(entry.to_dict(), separators=(",", ":")) + "\n"
        try:
            ensure_private_dir(self.directory)
            size_before, size_after = self._append_line(path, line.encode("utf-8"))
        except OSError as exc:
            raise write_failed_error(path, exc) from exc

        cached = self._line_counts.get(path)
        if cached is not None and cached[0] == size_before:
            lines = cached[1] + 1
        else:
            try:
                lines = self._count_lines(path)
            except OSError as exc:
                logger.warning("Could not count the lines of %s: %s", path, exc)
                return
        self._line_counts[path] = (size_after, lines)

        if lines > 2 * self.MAX_ENTRIES:
            try:
                self._compact(path)
            except (OSError, ProfileError) as exc:
                # The entry is saved; an over-long file only costs disk space.
                logger.warning("Could not compact history %s: %s", path, exc)

    def entries(
        self, profile_name: str, *, limit: int = 100, offset: int = 0
    ) -> list[HistoryEntry]:
        """Up to ``limit`` entries, newest first, after skipping ``offset``."""
        path = self._path(profile_name)
        wanted_end = min(max(offset, 0) + max(limit, 0), self.MAX_ENTRIES)
        found: list[HistoryEntry] = []
        seen = 0
        try:
            for line in _lines_newest_first(path):
                if seen >= wanted_end:
                    break
                entry = _entry_from_line(line)
                if entry is None:
                    continue
                if seen >= offset:
                    found.append(entry)
                seen += 1
        except OSError as exc:
            raise ProfileError(
                f"Could not read the test history {path.name} in {path.parent}: "
                f"{describe_os_error(exc)}.",
                code="history_unreadable",
                fix="Check the permissions of that folder, or delete the file.",
            ) from exc
        return found

    def count(self, profile_name: str) -> int:
        """How many entries entries() can return (at most MAX_ENTRIES)."""
        return len(self.entries(profile_name, limit=self.MAX_ENTRIES))

    def last(self, profile_name: str) -> HistoryEntry | None:
        newest = self.entries(profile_name, limit=1)
        return newest[0] if newest else None

    def rename(self, old: str, new: str) -> None:
        """Move the history along with a renamed profile."""
        old_path, new_path = self._path(old), self._path(new)
        if old_path == new_path:
            return

        try:
            os.replace(old_path, new_path)
        except FileNotFoundError:
            pass
        except OSError as exc:
            raise write_failed_error(old_path, exc, action="rename") from exc
        self._line_counts.pop(old_path, None)
        self._line_counts.pop(new_path, None)

    def delete(self, profile_name: str) -> None:
        path = self._path(profile_name)
        try:
            path.unlink(missing_ok=True)
        except OSError as exc:
            raise write_failed_error(path, exc, action="delete") from exc
        self._line_counts.pop(path, None)

    def _path(self, profile_name: str) -> Path:
        """The file of a profile: slug plus a checksum, so names never clash."""
        # A CRC, not a cryptographic hash: hashlib loads OpenSSL, which the
        # window's first paint (it shows each profile's last test) can do without.
        name = validate_name(profile_name)
        checksum = zlib.crc32(name.casefold().encode("utf-8"))
        path = self.directory / f"{slugify(name)}-{checksum:08x}.jsonl"
        if not path.exists():
            self._adopt_legacy_file(name, path)
        return path

    def _adopt_legacy_file(self, name: str, path: Path) -> None:
        """Rename a history that sfjwt-gui 0.1 named by SHA-256, if there is one."""
        if self._legacy_names is None:
            try:
                listing = os.listdir(self.directory)
            except OSError:
                listing = []
            self._legacy_names = {
                entry for entry in listing if _LEGACY_NAME.fullmatch(entry)
            }
        if not self._legacy_names:
            return

        import hashlib

        digest = hashlib.sha256(name.casefold().encode("utf-8")).hexdigest()[:12]
        legacy = f"{slugify(name)}-{digest}.jsonl"
        if legacy not in self._legacy_names:
            return
        try:
            os.replace(self.directory / legacy, path)
        except OSError as exc:
            logger.warning("Could not rename the history %s: %s", legacy, exc)
            return
        self._legacy_names.discard(legacy)

    @staticmethod
    def _append_line(path: Path, data: bytes) -> tuple[int, int]:
        """Append ``data``; returns the file size before and after. Raises OSError."""
        flags = os.O_RDWR | os.O_APPEND | os.O_CREAT | getattr(os, "O_BINARY", 0)
        descriptor = os.open(path, flags, 0o600)
        try:
            size_before = os.fstat(descriptor).st_size
            if size_before > 0:
                os.lseek(descriptor, -1, os.SEEK_END)
                if os.read(descriptor, 1) != b"\n":
                    # A torn line from a crash: end it, or this entry would be lost
                    # glued to it.
                    data = b"\n" + data
            written = 0
            while written < len(data):
                written += os.write(descriptor, data[written:])
            return size_before, os.fstat(descriptor).st_size
        finally:
            os.close(descriptor)

    @staticmethod
    def _count_lines(path: Path) -> int:
        with path.open("rb") as handle:
            return sum(
                chunk.count(b"\n")
                for chunk in iter(lambda: handle.read(_BLOCK_SIZE), b"")
            )

    def _compact(self, path: Path) -> None:
        """Keep only the newest MAX_ENTRIES valid lines."""
        # Compactions are rare: a fine moment to clear what crashed ones left.
        remove_stale_temp_files(list(self.directory.iterdir()))
        kept: list[bytes] = []
        for line in _lines_newest_first(path):
            if len(kept) >= self.MAX_ENTRIES:
                break
            if _entry_from_line(line) is not None:
                kept.append(line)

        # FIXME(history-compaction): an entry another process appends between
        # the read above and the replace below is lost; tests run one at a time
        # per profile, so this is rare and costs one history line.
        data = b"".join(line + b"\n" for line in reversed(kept))
        write_atomic(path, data, mode=0o600)
        self._line_counts[path] = (len(data), len(kept))
        logger.info("Compacted history %s to %d entries", path.name, len(kept))
