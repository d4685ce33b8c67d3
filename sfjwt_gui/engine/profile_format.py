"""The profile file format: the Profile record, names, secrets kept out, migration.

A file reads ``{"schema_version": 1, "profile": {...}}``. ``profiles`` stores
and finds the files; this module says what is in one.
"""

from __future__ import annotations

import dataclasses
import logging
import math
import re
import unicodedata
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any, NamedTuple

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
NUMBERED_SUFFIX = r"\s\(\d+\)$"
_CORRUPT_FIX = "Re-create or import the profile again; the damaged file is kept."


class CorruptError(ProfileError):
    """Profile data that cannot be understood; ``detail`` says what is wrong."""

    def __init__(self, detail: str, path: Path | None = None) -> None:
        where = f"The profile file {path.name}" if path else "The profile data"
        super().__init__(
            f"{where} is damaged: {detail}.", code="profile_corrupt", fix=_CORRUPT_FIX
        )
        self.detail = detail


class TooNewError(ProfileError):
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
    """``value`` if it has the type field ``key`` needs, else CorruptError."""
    if _FIELD_TYPES[key] == "str":
        expected, valid = "text", isinstance(value, str)
    elif key == "lifetime_s":
        expected = "a whole number"
        valid = isinstance(value, int) and not isinstance(value, bool)
    elif key == "timeout_s":
        expected = "a number"
        valid = isinstance(value, (int, float)) and not isinstance(value, bool)
        if valid:
            try:
                value = float(value)
            except OverflowError:  # JSON allows whole numbers of any size
                valid = False
            else:
                valid = math.isfinite(value)
    elif key == "checklist":
        expected = "a list of texts"
        valid = isinstance(value, list) and all(isinstance(item, str) for item in value)
        if valid:
            value = list(value)
    else:
        expected, valid = "true or false", isinstance(value, bool)

    if not valid:
        raise CorruptError(f"the field {key!r} must be {expected}")
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
    # "" = the environment's HTTPS_PROXY/NO_PROXY, "direct" = no proxy, else a
    # proxy URL without credentials.
    proxy: str = ""
    # Remember the key's passphrase in the OS keychain (never in this file).
    use_keychain: bool = False
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
            raise CorruptError("the profile is not a JSON object")

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
            raise CorruptError("the profile has no name")
        try:
            values["name"] = validate_name(values["name"])
        except ProfileError as exc:
            raise CorruptError(f"its name is unusable ({exc.message})") from exc

        for key in dropped:
            logger.warning(
                "Dropped field %r from profile %r: profiles never store secrets",
                key,
                values["name"],
            )
        return cls(**values)


# With postponed annotations a field's type is its annotation text: "str", ...
_FIELD_TYPES = {field.name: str(field.type) for field in dataclasses.fields(Profile)}


# Listings are NamedTuples, not frozen dataclasses: both are made before the
# window's first paint, and defining a frozen dataclass takes some 0.5 ms.
class ProfileProblem(NamedTuple):
    """A profile file that could not be loaded, and what was done about it."""

    path: Path
    code: str
    message: str


class ProfileListing(NamedTuple):
    profiles: list[Profile]
    problems: list[ProfileProblem]


def _migrate_v0(data: dict[str, Any]) -> dict[str, Any]:
    """v0 had no schema_version and called the lifetime "token_lifetime"."""
    body = data.get("profile")
    if not isinstance(body, dict):
        raise CorruptError('it has no "profile" object')

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
        raise CorruptError("its schema_version is not a whole number")
    if version > SCHEMA_VERSION:
        body = data.get("profile")
        name = body.get("name") if isinstance(body, dict) else None
        raise TooNewError(version, name.strip() if isinstance(name, str) else "")

    for step in _MIGRATIONS[version:]:
        data = step(data)
    return data


def read_limited(path: Path) -> bytes:
    """The file's bytes; a file bigger than any profile is damaged. Raises OSError."""
    with path.open("rb") as handle:
        raw = handle.read(MAX_FILE_BYTES + 1)
    if len(raw) > MAX_FILE_BYTES:
        raise CorruptError("it is far larger than any profile", path)
    return raw


def profile_from_bytes(raw: bytes, path: Path) -> Profile:
    import json  # not at the top: a first start reads no profile (see appstate)

    try:
        document = json.loads(raw.decode("utf-8-sig"))
    except (ValueError, RecursionError) as exc:
        raise CorruptError("it is not valid JSON text", path) from exc
    if not isinstance(document, dict):
        raise CorruptError("it does not hold a JSON object", path)

    try:
        document = _migrate(document)
        body = document.get("profile")
        if not isinstance(body, dict):
            raise CorruptError('it has no "profile" object')
        return Profile.from_dict(body)
    except TooNewError as exc:
        raise TooNewError(exc.version, exc.profile_name, path) from exc
    except CorruptError as exc:
        raise CorruptError(exc.detail, path) from exc


def encode_profile(profile: Profile) -> bytes:
    document = {"schema_version": SCHEMA_VERSION, "profile": profile.to_dict()}
    import json

    return (json.dumps(document, indent=2) + "\n").encode("utf-8")


def utc_now() -> str:
    # Imported here, as in _set_aside: listing profiles needs no clock.
    from datetime import datetime, timezone

    return (
        datetime.now(timezone.utc).isoformat(timespec="seconds").replace("+00:00", "Z")
    )
