"""Saved connection profiles: one JSON file per profile in the profiles folder.

A file reads ``{"schema_version": 1, "profile": {...}}``. A profile never holds
a secret: keys that look like one (passphrase, token, ...) are dropped when a
file is read and so are never written back. Damaged files are moved aside and
reported; files from a newer sfjwt-gui are reported and never touched.
"""

from __future__ import annotations

import builtins
import contextlib
import dataclasses
import itertools
import logging
import os
import re
from dataclasses import dataclass
from pathlib import Path

from sfjwt_gui.engine import paths
from sfjwt_gui.engine.atomic import (
    describe_os_error,
    remove_stale_temp_files,
    write_atomic,
    write_failed_error,
)
from sfjwt_gui.engine.errors import ProfileError
from sfjwt_gui.engine.profile_format import (
    MAX_NAME_LENGTH,
    NUMBERED_SUFFIX,
    SCHEMA_VERSION,
    CorruptError,
    Profile,
    ProfileListing,
    ProfileProblem,
    TooNewError,
    encode_profile,
    is_secret_key,
    profile_from_bytes,
    read_limited,
    slugify,
    utc_now,
    validate_name,
)

logger = logging.getLogger(__name__)

__all__ = [
    "SCHEMA_VERSION",
    "Profile",
    "ProfileListing",
    "ProfileProblem",
    "ProfileStore",
    "is_secret_key",
    "slugify",
    "validate_name",
]


def _key(name: str) -> str:
    return name.casefold()


@dataclass
class _IndexEntry:
    name: str
    path: Path
    newer_version: int = 0  # the file's schema_version when it is too new, else 0


class ProfileStore:
    """The profiles folder. Keeps a name -> file index so that save() stays cheap."""

    def __init__(self, directory: Path | None = None) -> None:
        self.directory = directory if directory is not None else paths.profiles_dir()
        self._index: dict[str, _IndexEntry] | None = None

    def list(self) -> ProfileListing:
        """Every readable profile, sorted by name; bad files become problems."""
        profiles: builtins.list[Profile] = []
        problems: builtins.list[ProfileProblem] = []
        index: dict[str, _IndexEntry] = {}

        for path in self._profile_files(problems):
            try:
                profile = profile_from_bytes(read_limited(path), path)
            except FileNotFoundError:
                continue
            except OSError as exc:
                message = f"Could not read {path.name}: {describe_os_error(exc)}."
                problems.append(ProfileProblem(path, "profile_unreadable", message))
                continue
            except TooNewError as exc:
                problems.append(ProfileProblem(path, exc.code, exc.message))
                if exc.profile_name:
                    entry = _IndexEntry(exc.profile_name, path, exc.version)
                    index.setdefault(_key(exc.profile_name), entry)
                continue
            except CorruptError as exc:
                problems.append(self._set_aside(path, exc))
                continue

            other = index.get(_key(profile.name))
            if other is not None:
                message = (
                    f"{path.name} holds the profile {profile.name!r}, which "
                    f"{other.path.name} already holds; it was skipped."
                )
                problems.append(ProfileProblem(path, "profile_duplicate", message))
                continue
            index[_key(profile.name)] = _IndexEntry(profile.name, path)
            profiles.append(profile)

        self._index = index
        profiles.sort(key=lambda item: (item.name.casefold(), item.name))
        return ProfileListing(profiles, problems)

    def names(self) -> builtins.list[str]:
        return [profile.name for profile in self.list().profiles]

    def get(self, name: str) -> Profile:
        """The profile called ``name`` (any case)."""
        entry = self._require(name)
        try:
            return profile_from_bytes(read_limited(entry.path), entry.path)
        except FileNotFoundError:
            self._entries().pop(_key(entry.name), None)
            raise self._not_found(name) from None
        except OSError as exc:
            raise ProfileError(
                f"Could not read {entry.path.name}: {describe_os_error(exc)}.",
                code="profile_unreadable",
                fix="Check the permissions of the profiles folder.",
            ) from exc
        except CorruptError as exc:
            self._entries().pop(_key(entry.name), None)
            problem = self._set_aside(entry.path, exc)
            raise ProfileError(problem.message, code=problem.code, fix=exc.fix) from exc

    def exists(self, name: str) -> bool:
        try:
            return self._find(validate_name(name)) is not None
        except ProfileError:
            return False

    def save(self, profile: Profile) -> Profile:
        """Create or update; returns a copy with the timestamps set."""
        name = validate_name(profile.name)
        index = self._entries()
        entry = index.get(_key(name))
        if entry is not None and entry.newer_version:
            raise TooNewError(entry.newer_version, entry.name, entry.path)

        now = utc_now()
        saved = dataclasses.replace(
            profile, name=name, created_at=profile.created_at or now, updated_at=now
        )
        try:
            Profile.from_dict(saved.to_dict())
        except CorruptError as exc:
            raise ProfileError(
                f"The profile {name!r} cannot be saved: {exc.detail}.",
                code="profile_invalid",
                fix="Correct that field and save again.",
            ) from exc

        path = entry.path if entry is not None else self._free_path(name)
        write_atomic(path, encode_profile(saved), mode=0o600)
        index[_key(name)] = _IndexEntry(name, path)
        return saved

    def create(self, profile: Profile) -> Profile:
        """Save a new profile; ProfileError(profile_exists) if the name is taken."""
        name = validate_name(profile.name)
        if self.exists(name):
            raise self._exists_error(name)
        return self.save(profile)

    def rename(self, old: str, new: str) -> Profile:
        new_name = validate_name(new)
        profile = self.get(old)
        old_entry = self._require(old)
        if _key(new_name) != _key(old_entry.name) and self.exists(new_name):
            raise self._exists_error(new_name)

        old_path = old_entry.path
        keeps_file = _key(new_name) == _key(old_entry.name)
        if keeps_file or old_path.stem == slugify(new_name):
            new_path = old_path
        else:
            new_path = self._free_path(new_name)
        renamed = dataclasses.replace(profile, name=new_name, updated_at=utc_now())
        write_atomic(new_path, encode_profile(renamed), mode=0o600)

        if new_path != old_path:
            try:
                old_path.unlink()
            except FileNotFoundError:
                pass
            except OSError as exc:
                # Two files with the same profile would both load: undo the copy.
                with contextlib.suppress(OSError):
                    new_path.unlink()
                raise write_failed_error(old_path, exc, action="rename") from exc

        index = self._entries()
        index.pop(_key(old_entry.name), None)
        index[_key(new_name)] = _IndexEntry(new_name, new_path)
        return renamed

    def duplicate(self, name: str, new_name: str) -> Profile:
        copy = dataclasses.replace(
            self.get(name), name=new_name, created_at="", updated_at=""
        )
        return self.create(copy)

    def delete(self, name: str) -> None:
        entry = self._require(name)
        try:
            # The file may have been replaced by a newer sfjwt-gui since listing.
            profile_from_bytes(read_limited(entry.path), entry.path)
        except (OSError, CorruptError):
            pass
        except TooNewError as exc:
            entry.newer_version = exc.version
            raise

        try:
            entry.path.unlink()
        except FileNotFoundError:
            pass
        except OSError as exc:
            raise write_failed_error(entry.path, exc, action="delete") from exc
        self._entries().pop(_key(entry.name), None)

    def export(self, name: str, destination: Path) -> None:
        """Write the profile to ``destination`` in the same format, mode 0600."""
        write_atomic(destination, encode_profile(self.get(name)), mode=0o600)

    def import_file(
        self, source: Path, *, name: str | None = None, replace: bool = False
    ) -> Profile:
        """Add the profile held in ``source`` (an export, or any older format)."""
        try:
            raw = read_limited(source)
        except OSError as exc:
            raise ProfileError(
                f"Could not read {source}: {describe_os_error(exc)}.",
                code="profile_unreadable",
                fix="Check the path and the file's permissions.",
            ) from exc

        profile = profile_from_bytes(raw, source)
        new_name = validate_name(name) if name is not None else profile.name
        profile = dataclasses.replace(
            profile, name=new_name, created_at="", updated_at=""
        )
        if not replace and self.exists(new_name):
            raise self._exists_error(new_name)
        return self.save(profile)

    def unique_name(self, base: str) -> str:
        """``base`` if free, else "base (2)", "base (3)", ..."""
        wanted = base.strip() or "Profile"
        self.list()
        if not self._taken(wanted):
            return validate_name(wanted)

        stem = validate_name(re.sub(NUMBERED_SUFFIX, "", wanted) or wanted)
        for number in itertools.count(2):
            suffix = f" ({number})"
            candidate = stem[: MAX_NAME_LENGTH - len(suffix)].rstrip() + suffix
            if not self._taken(candidate):
                return candidate
        raise AssertionError("unreachable")  # pragma: no cover

    def _entries(self) -> dict[str, _IndexEntry]:
        if self._index is None:
            self.list()
        return self._index if self._index is not None else {}

    def _taken(self, name: str) -> bool:
        return _key(name) in self._entries()

    def _find(self, name: str) -> _IndexEntry | None:
        """The index entry of ``name``; a miss re-reads the folder once."""
        entry = self._entries().get(_key(name))
        if entry is None:
            # Another sfjwt process (the CLI beside the window) may have added it.
            self.list()
            entry = self._entries().get(_key(name))
        return entry

    def _require(self, name: str) -> _IndexEntry:
        entry = self._find(validate_name(name))
        if entry is None:
            raise self._not_found(name)
        if entry.newer_version:
            raise TooNewError(entry.newer_version, entry.name, entry.path)
        return entry

    def _free_path(self, name: str) -> Path:
        """A file for a new profile: never one in the index or already on disk."""
        slug = slugify(name)
        taken = {entry.path.name for entry in self._entries().values()}
        candidate = f"{slug}.json"
        number = 2
        while candidate in taken or (self.directory / candidate).exists():
            candidate = f"{slug}-{number}.json"
            number += 1
        return self.directory / candidate

    def _profile_files(
        self, problems: builtins.list[ProfileProblem]
    ) -> builtins.list[Path]:
        try:
            entries = builtins.list(self.directory.iterdir())
        except FileNotFoundError:
            return []
        except OSError as exc:
            message = f"Could not list {self.directory}: {describe_os_error(exc)}."
            problems.append(
                ProfileProblem(self.directory, "profile_unreadable", message)
            )
            return []

        remove_stale_temp_files(entries)
        return sorted(
            path
            for path in entries
            if path.suffix == ".json" and not path.name.startswith(".")
        )

    def _set_aside(self, path: Path, error: CorruptError) -> ProfileProblem:
        """Move a damaged file out of the way so it stops failing every listing."""
        from datetime import datetime, timezone

        stamp = datetime.now(timezone.utc).strftime("%Y%m%dT%H%M%SZ")
        target = path.with_name(f"{path.name}.corrupt-{stamp}")
        for number in itertools.count(2):
            if not target.exists():
                break
            target = path.with_name(f"{path.name}.corrupt-{stamp}-{number}")

        try:
            os.rename(path, target)
        except OSError as exc:
            logger.warning("Could not move damaged profile %s aside: %s", path, exc)
            reason = describe_os_error(exc)
            message = f"{error.message} It could not be moved aside: {reason}."
            return ProfileProblem(path, "profile_corrupt", message)

        logger.warning("Moved damaged profile %s to %s: %s", path, target, error.detail)
        message = f"{error.message} It was moved aside to {target}."
        return ProfileProblem(path, "profile_corrupt", message)

    def _not_found(self, name: str) -> ProfileError:
        return ProfileError(
            f"There is no profile named {name.strip()!r}.",
            code="profile_not_found",
            fix=f"Pick one of the saved profiles (they are in {self.directory}).",
        )

    def _exists_error(self, name: str) -> ProfileError:
        return ProfileError(
            f"A profile named {name!r} already exists (names ignore case).",
            code="profile_exists",
            fix=f"Choose another name, such as {self.unique_name(name)!r}.",
        )
