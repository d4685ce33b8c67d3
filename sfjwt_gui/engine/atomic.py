"""Write files so that a crash leaves either the old content or the new, never half.

Profiles, history and app state all go through here: the data lands in a
private temporary file beside the target (mode set at creation, so there is no
moment where others can read it) and is then swapped in with one rename.
"""

from __future__ import annotations

import contextlib
import errno
import logging
import os
import time
from pathlib import Path

from sfjwt_gui.engine.errors import ProfileError

logger = logging.getLogger(__name__)

PRIVATE_DIR_MODE = 0o700

_REASONS: dict[int, str] = {
    errno.ENOSPC: "the disk is full",
    errno.EROFS: "the disk or folder is read-only",
    errno.EACCES: "permission was denied",
    errno.EPERM: "permission was denied",
}
if hasattr(errno, "EDQUOT"):
    _REASONS[errno.EDQUOT] = "the disk quota is used up"

_WRITE_FIX = (
    "Free some disk space or make the folder writable (or point SFJWT_CONFIG_DIR "
    "at a writable folder), then try again."
)
_TEMP_ATTEMPTS = 20
_TEMP_SUFFIX = ".tmp"
# No write takes this long: a temporary file this old was left by a crash.
STALE_TEMP_AGE_S = 3600.0


def describe_os_error(exc: OSError) -> str:
    """A short, human reason for an OS error: 'the disk is full', ..."""
    if exc.errno in _REASONS:
        return _REASONS[exc.errno]
    return exc.strerror or exc.__class__.__name__


def write_failed_error(
    path: Path, exc: OSError, *, action: str = "save"
) -> ProfileError:
    """The ProfileError for a file that could not be written, moved or removed."""
    reason = describe_os_error(exc)
    return ProfileError(
        f"Could not {action} {path.name} in {path.parent}: {reason}.",
        code="write_failed",
        fix=_WRITE_FIX,
    )


def ensure_private_dir(folder: Path) -> None:
    """Create ``folder`` and any missing parents, each one readable by the owner only.

    Folders that already exist keep their permissions: they may be shared on
    purpose. Raises OSError.
    """
    missing: list[Path] = []
    current = folder
    while not current.is_dir():
        missing.append(current)
        if current.parent == current:
            break
        current = current.parent

    for directory in reversed(missing):
        try:
            directory.mkdir(mode=PRIVATE_DIR_MODE)
        except FileExistsError:
            if not directory.is_dir():
                raise
            continue
        # mkdir's mode is filtered by the umask; this makes it exact.
        os.chmod(directory, PRIVATE_DIR_MODE)


def write_atomic(path: Path, data: bytes, *, mode: int = 0o600) -> None:
    """Replace ``path`` with ``data`` in one step, the file having ``mode``.

    Raises ProfileError(code="write_failed") naming the folder and the reason.
    """
    folder = path.parent
    try:
        ensure_private_dir(folder)
    except OSError as exc:
        raise write_failed_error(path, exc) from exc

    temp_path: Path | None = None
    try:
        descriptor, temp_path = _open_temp_file(folder, path.name, mode)
        with os.fdopen(descriptor, "wb") as handle:
            handle.write(data)
            handle.flush()
            os.fsync(handle.fileno())

        os.replace(temp_path, path)
        temp_path = None
    except OSError as exc:
        if temp_path is not None:
            with contextlib.suppress(OSError):
                temp_path.unlink()
        raise write_failed_error(path, exc) from exc

    _fsync_directory(folder)


def _open_temp_file(folder: Path, target_name: str, mode: int) -> tuple[int, Path]:
    """A new file beside the target, created with ``mode`` (O_EXCL: never reused)."""
    flags = os.O_CREAT | os.O_EXCL | os.O_WRONLY | getattr(os, "O_BINARY", 0)
    for _ in range(_TEMP_ATTEMPTS):
        # os.urandom, as secrets.token_hex does, without importing secrets
        # (hmac, hashlib and OpenSSL) on the window's start-up path.
        candidate = folder / f".{target_name}.{os.urandom(6).hex()}{_TEMP_SUFFIX}"
        try:
            descriptor = os.open(candidate, flags, mode)
        except FileExistsError:
            continue
        if hasattr(os, "fchmod"):
            # The umask may have removed bits the caller asked for.
            try:
                os.fchmod(descriptor, mode)
            except OSError:
                os.close(descriptor)
                with contextlib.suppress(OSError):
                    candidate.unlink()
                raise
        return descriptor, candidate
    raise FileExistsError(errno.EEXIST, "no free temporary file name", str(folder))


def remove_stale_temp_files(entries: list[Path]) -> None:
    """Delete the temporary files among ``entries`` that a crashed write left.

    Only files older than STALE_TEMP_AGE_S go: a younger one may belong to a
    write still under way in another process.
    """
    now = time.time()
    for path in entries:
        if not (path.name.startswith(".") and path.name.endswith(_TEMP_SUFFIX)):
            continue
        try:
            if now - path.stat().st_mtime > STALE_TEMP_AGE_S:
                path.unlink()
                logger.info("Removed %s, left by a write that did not finish", path)
        except OSError as exc:
            logger.debug("Could not remove %s: %s", path, exc)


def _fsync_directory(folder: Path) -> None:
    """Make the rename itself durable; not every OS or file system allows it."""
    if os.name == "nt":
        return
    try:
        descriptor = os.open(folder, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(descriptor)
    except OSError as exc:
        logger.debug("Could not fsync folder %s: %s", folder, exc)
    finally:
        os.close(descriptor)
