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
import json
import logging
import math
import os
import re
import unicodedata
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from sfjwt_gui.engine import paths
from sfjwt_gui.engine.atomic import describe_os_error, write_atomic, write_failed_error
from sfjwt_gui.engine.errors import ProfileError

logger = logging.getLogger(__name__)

SCHEMA_VERSION = 1
MAX_NAME_LENGTH = 80
MAX_FILE_BYTES = 1_000_000

# Matched against a key name lower-cased and stripped of punctuation. The
# patterns stay text until first used (re caches them compiled): loading
# profiles at start-up rarely needs them.
_SENSITIVE_WORDS = (
    r"passphrase|password|secret|privatekey|accesstoken|refreshtoken|idtoken|assertion"
)
_SECRET_NAMES = frozenset({"token", "jwt"})
_CONTROL_CATEGORIES = frozenset({"Cc", "Cs", "Zl", "Zp"})
_WINDOWS_RESERVED = frozenset(
    {"con", "prn", "aux", "nul"}
    | {f"com{n}" for n in range(1, 10)}
    | {f"lpt{n}" for n in range(1, 10)}
)
_NUMBERED_SUFFIX = r"\s\(\d+\)$"
_CORRUPT_FIX = "Re-create or import the profile again; the damaged file is kept."


class _CorruptError(ProfileError):
    """Profile data that cannot be understood; ``detail`` says what is wrong."""

    def __init__(self, detail: str, path: Path | None = None) -> None:
        where = f"The profile file {path.name}" if path else "The profile data"
        super().__init__(
            f"{where} is damaged: {detail}.", code="profile_corrupt", fix=_CORRUPT_FIX
        )
        self.detail = detail


class _TooNewError(ProfileError):
    """A file written by a newer sfjwt-gui; it must be left exactly as it is."""

    def __init__(
        self, version: int, profile_name: str, path: Path | None = None
    ) -> None:
        where = f"The profile file {path.name}" if path else "This profile"
        super().__init__(
            f"{where} was written by a newer sfjwt-gui (format {version}, this "
            f"version reads up to {SCHEMA_VERSION}); update the app.",
            code="profile_too_new",
            fix="Update sfjwt-gui to use this profile; the file is left untouched.",
        )
        self.version = version
        self.profile_name = profile_name


def is_secret_key(key: str) -> bool:
    """True for a field name that would hold a secret (password, token, ...)."""
    normalized = re.sub(r"[^a-z0-9]", "", key.lower())
    if normalized in _SECRET_NAMES:
        return True
    return re.search(_SENSITIVE_WORDS, normalized) is not None


def validate_name(name: str) -> str:
    """The profile name, stripped; ProfileError(profile_name_invalid) if unusable."""
    fix = f"Use 1 to {MAX_NAME_LENGTH} characters without control characters."
    if not isinstance(name, str):
        raise ProfileError(
            "A profile name must be text.", code="profile_name_invalid", fix=fix
        )

    stripped = name.strip()
    if not stripped:
        raise ProfileError(
            "A profile needs a name.", code="profile_name_invalid", fix=fix
        )
    if len(stripped) > MAX_NAME_LENGTH:
        raise ProfileError(
            f"The profile name is {len(stripped)} characters long.",
            code="profile_name_invalid",
            fix=fix,
        )
    if any(unicodedata.category(char) in _CONTROL_CATEGORIES for char in stripped):
        raise ProfileError(
            "The profile name contains control characters (such as a line break).",
            code="profile_name_invalid",
            fix=fix,
        )
    return stripped


def slugify(name: str) -> str:
    """A file-name-safe, lower-case ASCII form of a name (never empty)."""
    ascii_text = unicodedata.normalize("NFKD", name).encode("ascii", "ignore").decode()
    slug = re.sub(r"[^a-z0-9]+", "-", ascii_text.lower()).strip("-")[:60].strip("-")
    if not slug:
        return "profile"
    if slug in _WINDOWS_RESERVED:
        return f"{slug}-profile"
    return slug


def _checked_field(key: str, value: Any) -> Any:
    """``value`` if it has the type field ``key`` needs, else _CorruptError."""
    if _FIELD_TYPES[key] == "str":
        expected, valid = "text", isinstance(value, str)
    elif key == "lifetime_s":
        expected = "a whole number"
        valid = isinstance(value, int) and not isinstance(value, bool)
    elif key == "timeout_s":
        expected = "a number"
        valid = (
            isinstance(value, (int, float))
            and not isinstance(value, bool)
            and math.isfinite(value)
        )
        if valid:
            value = float(value)
    elif key == "checklist":
        expected = "a list of texts"
        valid = isinstance(value, list) and all(isinstance(item, str) for item in value)
        if valid:
            value = list(value)
    else:
        expected, valid = "true or false", isinstance(value, bool)

    if not valid:
        raise _CorruptError(f"the field {key!r} must be {expected}")
    return value


@dataclass
class Profile:
    """Everything needed to try one JWT bearer login, minus any secret."""

    name: str
    login_url: str = ""
    audience: str = ""  # "" = chosen automatically from the login URL
    client_id: str = ""
    username: str = ""
    key_path: str = ""
    cert_path: str = ""
    lifetime_s: int = 180
    timeout_s: float = 30.0
    ca_bundle: str = ""
    notes: str = ""
    is_demo: bool = False
    # Ids of the connected-app setup steps the user has ticked off.
    checklist: list[str] = dataclasses.field(default_factory=list)
    created_at: str = ""  # ISO-8601 UTC, set by the store
    updated_at: str = ""

    def to_dict(self) -> dict[str, Any]:
        return dataclasses.asdict(self)

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> Profile:
        """A profile from its dict; secret-looking keys are dropped, unknown ignored.

        Raises ProfileError(code="profile_corrupt") when a field has the wrong type.
        """
        if not isinstance(data, Mapping):
            raise _CorruptError("the profile is not a JSON object")

        values: dict[str, Any] = {}
        dropped: list[str] = []
        for key, value in data.items():
            if not isinstance(key, str):
                continue
            if key in _FIELD_TYPES:
                values[key] = _checked_field(key, value)
            elif is_secret_key(key):
                dropped.append(key)

        if "name" not in values:
            raise _CorruptError("the profile has no name")
        try:
            values["name"] = validate_name(values["name"])
        except ProfileError as exc:
            raise _CorruptError(f"its name is unusable ({exc.message})") from exc

        for key in dropped:
            logger.warning(
                "Dropped field %r from profile %r: profiles never store secrets",
                key,
                values["name"],
            )
        return cls(**values)


# With postponed annotations a field's type is its annotation text: "str", ...
_FIELD_TYPES = {field.name: str(field.type) for field in dataclasses.fields(Profile)}


@dataclass(frozen=True)
class ProfileProblem:
    """A profile file that could not be loaded, and what was done about it."""

    path: Path
    code: str
    message: str


@dataclass(frozen=True)
class ProfileListing:
    profiles: list[Profile]
    problems: list[ProfileProblem]


def _migrate_v0(data: dict[str, Any]) -> dict[str, Any]:
    """v0 had no schema_version and called the lifetime "token_lifetime"."""
    body = data.get("profile")
    if not isinstance(body, dict):
        raise _CorruptError('it has no "profile" object')

    body = dict(body)
    if "token_lifetime" in body:
        lifetime = body.pop("token_lifetime")
        body.setdefault("lifetime_s", lifetime)
    return {**data, "schema_version": 1, "profile": body}


# Step N upgrades a version-N document to version N + 1, so the ladder always
# has SCHEMA_VERSION steps and runs from whatever version the file has.
_MIGRATIONS: tuple[Callable[[dict[str, Any]], dict[str, Any]], ...] = (_migrate_v0,)


def _migrate(data: dict[str, Any]) -> dict[str, Any]:
    """The document upgraded to SCHEMA_VERSION; refuses newer ones."""
    version = data.get("schema_version", 0)
    if not isinstance(version, int) or isinstance(version, bool) or version < 0:
        raise _CorruptError("its schema_version is not a whole number")
    if version > SCHEMA_VERSION:
        body = data.get("profile")
        name = body.get("name") if isinstance(body, dict) else None
        raise _TooNewError(version, name.strip() if isinstance(name, str) else "")

    for step in _MIGRATIONS[version:]:
        data = step(data)
    return data


def _read_limited(path: Path) -> bytes:
    """The file's bytes; a file bigger than any profile is damaged. Raises OSError."""
    with path.open("rb") as handle:
        raw = handle.read(MAX_FILE_BYTES + 1)
    if len(raw) > MAX_FILE_BYTES:
        raise _CorruptError("it is far larger than any profile", path)
    return raw


def _profile_from_bytes(raw: bytes, path: Path) -> Profile:
    try:
        document = json.loads(raw.decode("utf-8-sig"))
    except (ValueError, RecursionError) as exc:
        raise _CorruptError("it is not valid JSON text", path) from exc
    if not isinstance(document, dict):
        raise _CorruptError("it does not hold a JSON object", path)

    try:
        document = _migrate(document)
        body = document.get("profile")
        if not isinstance(body, dict):
            raise _CorruptError('it has no "profile" object')
        return Profile.from_dict(body)
    except _TooNewError as exc:
        raise _TooNewError(exc.version, exc.profile_name, path) from exc
    except _CorruptError as exc:
        raise _CorruptError(exc.detail, path) from exc


def _encode(profile: Profile) -> bytes:
    document = {"schema_version": SCHEMA_VERSION, "profile": profile.to_dict()}
    return (json.dumps(document, indent=2) + "\n").encode("utf-8")


def _utc_now() -> str:
    # Imported here, as in _set_aside: listing profiles needs no clock.
    from datetime import datetime, timezone

    return (
        datetime.now(timezone.utc).isoformat(timespec="seconds").replace("+00:00", "Z")
    )


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
                profile = _profile_from_bytes(_read_limited(path), path)
            except FileNotFoundError:
                continue
            except OSError as exc:
                message = f"Could not read {path.name}: {describe_os_error(exc)}."
                problems.append(ProfileProblem(path, "profile_unreadable", message))
                continue
            except _TooNewError as exc:
                problems.append(ProfileProblem(path, exc.code, exc.message))
                if exc.profile_name:
                    entry = _IndexEntry(exc.profile_name, path, exc.version)
                    index.setdefault(_key(exc.profile_name), entry)
                continue
            except _CorruptError as exc:
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
            return _profile_from_bytes(_read_limited(entry.path), entry.path)
        except FileNotFoundError:
            self._entries().pop(_key(entry.name), None)
            raise self._not_found(name) from None
        except OSError as exc:
            raise ProfileError(
                f"Could not read {entry.path.name}: {describe_os_error(exc)}.",
                code="profile_unreadable",
                fix="Check the permissions of the profiles folder.",
            ) from exc
        except _CorruptError as exc:
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
            raise _TooNewError(entry.newer_version, entry.name, entry.path)

        now = _utc_now()
        saved = dataclasses.replace(
            profile, name=name, created_at=profile.created_at or now, updated_at=now
        )
        try:
            Profile.from_dict(saved.to_dict())
        except _CorruptError as exc:
            raise ProfileError(
                f"The profile {name!r} cannot be saved: {exc.detail}.",
                code="profile_invalid",
                fix="Correct that field and save again.",
            ) from exc

        path = entry.path if entry is not None else self._free_path(name)
        write_atomic(path, _encode(saved), mode=0o600)
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
        renamed = dataclasses.replace(profile, name=new_name, updated_at=_utc_now())
        write_atomic(new_path, _encode(renamed), mode=0o600)

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
            _profile_from_bytes(_read_limited(entry.path), entry.path)
        except (OSError, _CorruptError):
            pass
        except _TooNewError as exc:
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
        write_atomic(destination, _encode(self.get(name)), mode=0o600)

    def import_file(
        self, source: Path, *, name: str | None = None, replace: bool = False
    ) -> Profile:
        """Add the profile held in ``source`` (an export, or any older format)."""
        try:
            raw = _read_limited(source)
        except OSError as exc:
            raise ProfileError(
                f"Could not read {source}: {describe_os_error(exc)}.",
                code="profile_unreadable",
                fix="Check the path and the file's permissions.",
            ) from exc

        profile = _profile_from_bytes(raw, source)
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

        stem = validate_name(re.sub(_NUMBERED_SUFFIX, "", wanted) or wanted)
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
            raise _TooNewError(entry.newer_version, entry.name, entry.path)
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
            return sorted(
                path
                for path in self.directory.iterdir()
                if path.suffix == ".json" and not path.name.startswith(".")
            )
        except FileNotFoundError:
            return []
        except OSError as exc:
            message = f"Could not list {self.directory}: {describe_os_error(exc)}."
            problems.append(
                ProfileProblem(self.directory, "profile_unreadable", message)
            )
            return []

    def _set_aside(self, path: Path, error: _CorruptError) -> ProfileProblem:
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
