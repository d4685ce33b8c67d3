"""Profiles: saved, listed, renamed, exported; never a secret; damaged files survive."""

from __future__ import annotations

import dataclasses
import errno
import json
import logging
import os
import stat
from collections.abc import Callable
from datetime import datetime
from pathlib import Path
from typing import Any

import pytest

from sfjwt_gui.engine.atomic import write_atomic
from sfjwt_gui.engine.errors import ProfileError
from sfjwt_gui.engine.profiles import (
    SCHEMA_VERSION,
    Profile,
    ProfileStore,
    slugify,
    validate_name,
)

POSIX_ONLY = pytest.mark.skipif(os.name == "nt", reason="POSIX permission bits")
SECRET_VALUES = {
    "passphrase": "hunter2-passphrase",
    "password": "pa55word-value",
    "private_key": "-----BEGIN PRIVATE KEY-----MIIEvQ",
    "access_token": "00Dxx0000001gPL!AQ4AQtoken",
    "client_secret": "C0NSUMER-SECRET-9999",
    "assertion": "eyJhbGciOiJSUzI1NiJ9.eyJpc3MiOiJ4In0.c2lnbmF0dXJl",
}


def full_profile(name: str = "Production") -> Profile:
    return Profile(
        name=name,
        login_url="https://acme.my.salesforce.com",
        audience="https://login.salesforce.com",
        client_id="3MVG9consumerkey",
        username="integration@acme.com",
        key_path="/keys/server.key",
        cert_path="/keys/server.crt",
        lifetime_s=300,
        timeout_s=12.5,
        ca_bundle="/etc/ssl/corp.pem",
        notes="Owned by the data team\nsecond line",
        is_demo=False,
    )


def profile_dir(config: Path) -> Path:
    return config / "profiles"


def write_json(path: Path, document: Any) -> bytes:
    path.parent.mkdir(parents=True, exist_ok=True)
    data = json.dumps(document).encode()
    path.write_bytes(data)
    return data


def without_timestamps(profile: Profile) -> Profile:
    return dataclasses.replace(profile, created_at="", updated_at="")


def mode_of(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


def error_code(excinfo: pytest.ExceptionInfo[ProfileError]) -> str:
    return excinfo.value.code


# --- saving and reading ------------------------------------------------------


def test_saved_profile_reads_back_identically_in_a_new_store() -> None:
    saved = ProfileStore().save(full_profile())

    loaded = ProfileStore().get("Production")

    assert loaded == saved
    assert without_timestamps(loaded) == full_profile()
    assert datetime.fromisoformat(loaded.created_at.replace("Z", "+00:00"))
    assert loaded.updated_at >= loaded.created_at


def test_save_returns_a_copy_and_keeps_created_at_on_update() -> None:
    store = ProfileStore()
    original = full_profile()
    first = store.save(original)

    second = store.save(dataclasses.replace(first, notes="changed"))

    assert original.updated_at == ""
    assert second.created_at == first.created_at
    assert store.get("production").notes == "changed"


@POSIX_ONLY
def test_profile_file_is_0600_in_0700_folders(isolated_config: Path) -> None:
    ProfileStore().save(full_profile())

    folder = profile_dir(isolated_config)
    (file,) = folder.iterdir()
    assert mode_of(file) == 0o600
    assert mode_of(folder) == 0o700
    assert mode_of(isolated_config) == 0o700


def test_file_holds_schema_version_and_the_real_name(isolated_config: Path) -> None:
    ProfileStore().save(full_profile("Acme / Prod #1"))

    (file,) = profile_dir(isolated_config).iterdir()
    document = json.loads(file.read_text())
    assert file.name == "acme-prod-1.json"
    assert document["schema_version"] == SCHEMA_VERSION
    assert document["profile"]["name"] == "Acme / Prod #1"


def test_listing_is_sorted_by_name_ignoring_case() -> None:
    store = ProfileStore()
    for name in ("gamma", "Alpha", "beta"):
        store.save(Profile(name=name))

    assert store.names() == ["Alpha", "beta", "gamma"]
    assert ProfileStore().list().problems == []


def test_names_are_unique_ignoring_case(isolated_config: Path) -> None:
    store = ProfileStore()
    store.create(Profile(name="Prod"))

    with pytest.raises(ProfileError) as excinfo:
        store.create(Profile(name="  PROD "))
    assert error_code(excinfo) == "profile_exists"
    assert "Prod (2)" in excinfo.value.fix or "PROD (2)" in excinfo.value.fix

    store.save(Profile(name="prod", notes="updated"))
    assert store.names() == ["prod"]
    assert len(list(profile_dir(isolated_config).iterdir())) == 1


def test_names_that_make_the_same_file_name_get_separate_files() -> None:
    store = ProfileStore()
    store.save(Profile(name="My Org", username="a@x.com"))
    store.save(Profile(name="my-org", username="b@x.com"))

    fresh = ProfileStore()
    assert fresh.get("My Org").username == "a@x.com"
    assert fresh.get("my-org").username == "b@x.com"


def test_a_profile_added_by_another_process_is_found() -> None:
    window_store = ProfileStore()
    assert window_store.names() == []

    ProfileStore().save(Profile(name="From CLI"))

    assert window_store.exists("from cli")
    assert window_store.get("From CLI").name == "From CLI"


def test_saving_an_existing_profile_does_not_list_the_folder(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    store = ProfileStore()
    profile = store.save(full_profile())
    store.list()

    def no_listing() -> None:
        raise AssertionError("save() listed the whole folder")

    monkeypatch.setattr(store, "list", no_listing)
    for number in range(5):
        profile = store.save(dataclasses.replace(profile, notes=f"edit {number}"))

    assert ProfileStore().get("Production").notes == "edit 4"


def test_get_of_unknown_profile_says_not_found() -> None:
    with pytest.raises(ProfileError) as excinfo:
        ProfileStore().get("Nope")

    assert error_code(excinfo) == "profile_not_found"
    assert "Nope" in excinfo.value.message


def test_saving_wrong_types_is_refused_before_writing(isolated_config: Path) -> None:
    bad = dataclasses.replace(full_profile(), lifetime_s="300")  # type: ignore[arg-type]

    with pytest.raises(ProfileError) as excinfo:
        ProfileStore().save(bad)

    assert error_code(excinfo) == "profile_invalid"
    assert not profile_dir(isolated_config).exists()


# --- names -------------------------------------------------------------------


def test_validate_name_strips_and_accepts_80_characters() -> None:
    assert validate_name("  Sandbox  ") == "Sandbox"
    assert validate_name("x" * 80) == "x" * 80


@pytest.mark.parametrize(
    "name", ["", "   ", "x" * 81, "two\nlines", "tab\there", "a\x00b"]
)
def test_validate_name_rejects_unusable_names(name: str) -> None:
    with pytest.raises(ProfileError) as excinfo:
        validate_name(name)

    assert error_code(excinfo) == "profile_name_invalid"
    assert excinfo.value.fix


def test_slugify_is_safe_for_every_file_system() -> None:
    assert slugify("Ünïcode Org") == "unicode-org"
    assert slugify("../../etc/passwd") == "etc-passwd"
    assert slugify("CON") == "con-profile"
    assert slugify("日本") == "profile"


def test_unique_name_counts_up_ignoring_case() -> None:
    store = ProfileStore()
    assert store.unique_name("Demo") == "Demo"

    store.create(Profile(name="Demo"))
    assert store.unique_name("demo") == "demo (2)"

    store.create(Profile(name="Demo (2)"))
    assert store.unique_name("Demo") == "Demo (3)"
    assert store.unique_name("Demo (2)") == "Demo (3)"


def test_unique_name_stays_within_the_length_limit() -> None:
    store = ProfileStore()
    long_name = "L" * 80
    store.create(Profile(name=long_name))

    candidate = store.unique_name(long_name)

    assert candidate.endswith(" (2)")
    assert validate_name(candidate) == candidate


# --- rename, duplicate, delete -------------------------------------------------


def test_rename_moves_the_profile(isolated_config: Path) -> None:
    store = ProfileStore()
    store.save(full_profile("Old"))

    renamed = store.rename("old", "New")

    assert renamed.name == "New"
    assert without_timestamps(renamed) == full_profile("New")
    fresh = ProfileStore()
    assert fresh.names() == ["New"]
    assert not fresh.exists("Old")
    assert [p.name for p in profile_dir(isolated_config).iterdir()] == ["new.json"]


def test_rename_can_change_only_the_case() -> None:
    store = ProfileStore()
    store.save(Profile(name="prod"))

    store.rename("prod", "Prod")

    assert ProfileStore().names() == ["Prod"]


def test_rename_refuses_a_taken_name_and_unknown_profiles() -> None:
    store = ProfileStore()
    store.save(Profile(name="A"))
    store.save(Profile(name="B"))

    with pytest.raises(ProfileError) as taken:
        store.rename("A", "b")
    with pytest.raises(ProfileError) as missing:
        store.rename("C", "D")

    assert error_code(taken) == "profile_exists"
    assert error_code(missing) == "profile_not_found"
    assert ProfileStore().names() == ["A", "B"]


def test_duplicate_copies_every_setting_under_a_new_name() -> None:
    store = ProfileStore()
    store.save(full_profile("Prod"))

    copy = store.duplicate("Prod", "Prod copy")

    assert without_timestamps(copy) == full_profile("Prod copy")
    assert ProfileStore().names() == ["Prod", "Prod copy"]
    with pytest.raises(ProfileError) as excinfo:
        store.duplicate("Prod", "PROD COPY")
    assert error_code(excinfo) == "profile_exists"


def test_delete_removes_the_profile_and_its_file(isolated_config: Path) -> None:
    store = ProfileStore()
    store.save(Profile(name="Gone"))
    store.save(Profile(name="Kept"))

    store.delete("gone")

    assert ProfileStore().names() == ["Kept"]
    assert [p.name for p in profile_dir(isolated_config).iterdir()] == ["kept.json"]
    with pytest.raises(ProfileError) as excinfo:
        store.delete("Gone")
    assert error_code(excinfo) == "profile_not_found"


# --- secrets -------------------------------------------------------------------


def test_secret_keys_in_a_file_are_dropped_and_never_written_back(
    isolated_config: Path, caplog: pytest.LogCaptureFixture
) -> None:
    path = profile_dir(isolated_config) / "prod.json"
    body = {**full_profile("Prod").to_dict(), **SECRET_VALUES}
    write_json(path, {"schema_version": 1, "profile": body})
    store = ProfileStore()

    with caplog.at_level(logging.WARNING):
        loaded = store.get("Prod")
    store.save(loaded)

    stored = path.read_bytes()
    assert without_timestamps(loaded) == full_profile("Prod")
    for key, value in SECRET_VALUES.items():
        assert key.encode() not in stored
        assert value.encode() not in stored
        assert value not in caplog.text
        assert repr(key) in caplog.text


def test_import_drops_secret_keys(tmp_path: Path, isolated_config: Path) -> None:
    source = tmp_path / "shared.json"
    body = {**full_profile("Shared").to_dict(), **SECRET_VALUES}
    write_json(source, {"schema_version": 1, "profile": body})

    ProfileStore().import_file(source)

    (stored,) = profile_dir(isolated_config).iterdir()
    data = stored.read_bytes()
    assert not any(value.encode() in data for value in SECRET_VALUES.values())
    assert without_timestamps(ProfileStore().get("Shared")) == full_profile("Shared")


def test_unknown_harmless_keys_are_ignored() -> None:
    profile = Profile.from_dict({"name": "X", "colour": "blue", "lifetime_s": 60})

    assert profile == Profile(name="X", lifetime_s=60)


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("name", 5),
        ("login_url", ["https://x"]),
        ("lifetime_s", "180"),
        ("lifetime_s", True),
        ("lifetime_s", 1.5),
        ("timeout_s", "30"),
        ("timeout_s", float("nan")),
        ("is_demo", "yes"),
        ("checklist", "oauth_enabled"),
        ("checklist", ["oauth_enabled", 3]),
    ],
)
def test_from_dict_refuses_wrong_types(field: str, value: Any) -> None:
    data = {"name": "X", field: value}

    with pytest.raises(ProfileError) as excinfo:
        Profile.from_dict(data)

    assert error_code(excinfo) == "profile_corrupt"
    assert field in excinfo.value.message


def test_checklist_is_saved_and_defaults_to_empty_for_older_files() -> None:
    store = ProfileStore()
    store.save(Profile(name="Ticked", checklist=["oauth_enabled", "scopes"]))
    older = Profile.from_dict({"name": "Older"})

    reloaded = ProfileStore().get("Ticked")

    assert reloaded.checklist == ["oauth_enabled", "scopes"]
    assert older.checklist == []


def test_from_dict_accepts_whole_number_timeouts_as_float() -> None:
    profile = Profile.from_dict({"name": "X", "timeout_s": 10})

    assert profile.timeout_s == 10.0
    assert isinstance(profile.timeout_s, float)


# --- damaged and newer files ---------------------------------------------------


@pytest.mark.parametrize(
    "content",
    [
        b"{not json",
        b"[1, 2, 3]",
        b'{"schema_version": 1, "profile": {"name": "Bad", "lifetime_s": "x"}}',
        b'{"schema_version": 1, "profile": "Bad"}',
        b'{"schema_version": "one", "profile": {"name": "Bad"}}',
        b"\xff\xfe\x00garbage",
    ],
)
def test_damaged_file_is_set_aside_and_the_others_still_load(
    isolated_config: Path, content: bytes
) -> None:
    ProfileStore().save(Profile(name="Good"))
    damaged = profile_dir(isolated_config) / "bad.json"
    damaged.write_bytes(content)

    listing = ProfileStore().list()

    assert [p.name for p in listing.profiles] == ["Good"]
    (problem,) = listing.problems
    assert problem.code == "profile_corrupt"
    assert problem.path == damaged
    assert not damaged.exists()
    (moved,) = profile_dir(isolated_config).glob("bad.json.corrupt-*")
    assert moved.read_bytes() == content
    assert "bad.json" in problem.message
    assert str(moved) in problem.message
    assert ProfileStore().list().problems == []


def test_get_of_a_profile_damaged_since_listing_sets_it_aside(
    isolated_config: Path,
) -> None:
    store = ProfileStore()
    store.save(Profile(name="Soon bad"))
    path = profile_dir(isolated_config) / "soon-bad.json"
    path.write_text("{")

    with pytest.raises(ProfileError) as excinfo:
        store.get("Soon bad")

    assert error_code(excinfo) == "profile_corrupt"
    assert not path.exists()
    assert list(profile_dir(isolated_config).glob("soon-bad.json.corrupt-*"))
    assert not store.exists("Soon bad")


def future_document(name: str) -> dict[str, Any]:
    return {
        "schema_version": SCHEMA_VERSION + 1,
        "profile": {"name": name, "login": {"url": "https://x"}},
    }


def test_file_from_a_newer_version_is_reported_and_never_touched(
    isolated_config: Path,
) -> None:
    path = profile_dir(isolated_config) / "future.json"
    original = write_json(path, future_document("Future"))
    ProfileStore().save(Profile(name="Today"))
    store = ProfileStore()

    listing = store.list()
    too_new, exists = "profile_too_new", "profile_exists"
    attempts: list[tuple[Callable[[], object], str]] = [
        (lambda: store.get("Future"), too_new),
        (lambda: store.save(Profile(name="future")), too_new),
        (lambda: store.create(Profile(name="Future")), exists),
        (lambda: store.rename("Future", "Past"), too_new),
        (lambda: store.rename("Today", "FUTURE"), exists),
        (lambda: store.duplicate("Future", "Copy"), too_new),
        (lambda: store.delete("Future"), too_new),
        (lambda: store.export("Future", isolated_config / "out.json"), too_new),
    ]
    for attempt, expected_code in attempts:
        with pytest.raises(ProfileError) as excinfo:
            attempt()
        assert error_code(excinfo) == expected_code
        assert path.read_bytes() == original

    assert [p.name for p in listing.profiles] == ["Today"]
    (problem,) = listing.problems
    assert problem.code == "profile_too_new"
    assert "newer sfjwt-gui" in problem.message
    assert "update the app" in problem.message
    assert sorted(p.name for p in profile_dir(isolated_config).iterdir()) == [
        "future.json",
        "today.json",
    ]


def test_newer_file_without_a_readable_name_keeps_its_file_name(
    isolated_config: Path,
) -> None:
    path = profile_dir(isolated_config) / "future.json"
    original = write_json(path, {"schema_version": 99, "data": "opaque"})
    store = ProfileStore()

    store.save(Profile(name="Future"))

    assert path.read_bytes() == original
    assert store.get("Future").name == "Future"
    assert ProfileStore().list().problems[0].code == "profile_too_new"


def test_import_of_a_newer_file_is_refused(tmp_path: Path) -> None:
    source = tmp_path / "future.json"
    write_json(source, future_document("Future"))

    with pytest.raises(ProfileError) as excinfo:
        ProfileStore().import_file(source)

    assert error_code(excinfo) == "profile_too_new"
    assert ProfileStore().names() == []


# --- migration -----------------------------------------------------------------

V0_BODY = {
    "name": "Legacy",
    "login_url": "https://test.salesforce.com",
    "client_id": "3MVGold",
    "username": "old@acme.com.sandbox",
    "token_lifetime": 240,
}


def test_v0_file_is_migrated_on_load_and_saved_as_current(
    isolated_config: Path,
) -> None:
    path = profile_dir(isolated_config) / "legacy.json"
    write_json(path, {"profile": V0_BODY})
    store = ProfileStore()

    loaded = store.get("Legacy")
    store.save(loaded)

    assert loaded.lifetime_s == 240
    assert loaded.username == "old@acme.com.sandbox"
    document = json.loads(path.read_text())
    assert document["schema_version"] == SCHEMA_VERSION
    assert document["profile"]["lifetime_s"] == 240
    assert "token_lifetime" not in document["profile"]


def test_v0_file_can_be_imported(tmp_path: Path) -> None:
    source = tmp_path / "legacy.json"
    write_json(source, {"profile": V0_BODY})

    imported = ProfileStore().import_file(source, name="Imported legacy")

    assert imported.name == "Imported legacy"
    assert imported.lifetime_s == 240
    assert ProfileStore().get("imported legacy").client_id == "3MVGold"


# --- export and import ---------------------------------------------------------


def test_export_then_import_into_another_store(tmp_path: Path) -> None:
    ProfileStore().save(full_profile("Prod"))
    exported = tmp_path / "export" / "prod.json"

    ProfileStore().export("prod", exported)
    other = ProfileStore(tmp_path / "other-profiles")
    imported = other.import_file(exported)

    assert without_timestamps(imported) == full_profile("Prod")
    assert json.loads(exported.read_text())["schema_version"] == SCHEMA_VERSION
    if os.name != "nt":
        assert mode_of(exported) == 0o600


def test_import_of_a_taken_name_needs_replace_or_a_new_name(tmp_path: Path) -> None:
    store = ProfileStore()
    store.save(full_profile("Prod"))
    source = tmp_path / "prod.json"
    store.export("Prod", source)
    store.save(dataclasses.replace(full_profile("Prod"), notes="local edit"))

    with pytest.raises(ProfileError) as excinfo:
        store.import_file(source)
    renamed = store.import_file(source, name="Prod imported")
    replaced = store.import_file(source, replace=True)

    assert error_code(excinfo) == "profile_exists"
    assert renamed.name == "Prod imported"
    assert replaced.notes == full_profile().notes
    assert ProfileStore().names() == ["Prod", "Prod imported"]


def test_import_of_a_damaged_or_missing_file_leaves_it_alone(tmp_path: Path) -> None:
    damaged = tmp_path / "damaged.json"
    damaged.write_bytes(b"{{{")

    with pytest.raises(ProfileError) as corrupt:
        ProfileStore().import_file(damaged)
    with pytest.raises(ProfileError) as missing:
        ProfileStore().import_file(tmp_path / "absent.json")

    assert error_code(corrupt) == "profile_corrupt"
    assert damaged.read_bytes() == b"{{{"
    assert error_code(missing) == "profile_unreadable"
    assert "absent.json" in missing.value.message


# --- writing safely --------------------------------------------------------------


def test_read_only_folder_gives_write_failed_and_keeps_the_object(
    isolated_config: Path,
) -> None:
    folder = profile_dir(isolated_config)
    folder.mkdir(parents=True)
    folder.chmod(0o500)
    try:
        if os.access(folder, os.W_OK):
            pytest.skip("this user can write to read-only folders (root)")
        profile = full_profile()
        before = dataclasses.replace(profile)

        with pytest.raises(ProfileError) as excinfo:
            ProfileStore().save(profile)

        assert error_code(excinfo) == "write_failed"
        assert str(folder) in excinfo.value.message
        assert excinfo.value.fix
        assert profile == before
    finally:
        folder.chmod(0o700)


@pytest.mark.parametrize(
    ("failing_call", "error_number", "reason"),
    [
        ("fsync", errno.ENOSPC, "the disk is full"),
        ("open", errno.EROFS, "read-only"),
        ("open", errno.EACCES, "permission was denied"),
        ("replace", errno.EPERM, "permission was denied"),
    ],
)
def test_failed_write_keeps_the_old_file_and_leaves_no_temporary_file(
    isolated_config: Path,
    monkeypatch: pytest.MonkeyPatch,
    failing_call: str,
    error_number: int,
    reason: str,
) -> None:
    store = ProfileStore()
    store.save(full_profile())
    folder = profile_dir(isolated_config)
    before = {path.name: path.read_bytes() for path in folder.iterdir()}

    def fail(*args: object, **kwargs: object) -> None:
        raise OSError(error_number, os.strerror(error_number))

    monkeypatch.setattr(f"sfjwt_gui.engine.atomic.os.{failing_call}", fail)
    edited = dataclasses.replace(full_profile(), notes="never stored")
    with pytest.raises(ProfileError) as excinfo:
        store.save(edited)
    monkeypatch.undo()

    assert error_code(excinfo) == "write_failed"
    assert reason in excinfo.value.message
    assert str(folder) in excinfo.value.message
    assert "writable" in excinfo.value.fix
    assert edited.notes == "never stored"
    assert {path.name: path.read_bytes() for path in folder.iterdir()} == before


def test_write_atomic_replaces_content_with_exact_mode(tmp_path: Path) -> None:
    target = tmp_path / "deep" / "er" / "file.bin"
    old_umask = os.umask(0)
    try:
        write_atomic(target, b"first")
        write_atomic(target, b"second", mode=0o640)
    finally:
        os.umask(old_umask)

    assert target.read_bytes() == b"second"
    assert list(target.parent.iterdir()) == [target]
    if os.name != "nt":
        assert mode_of(target) == 0o640
        assert mode_of(tmp_path / "deep") == 0o700
        assert mode_of(tmp_path / "deep" / "er") == 0o700


def test_write_atomic_under_a_file_gives_write_failed(tmp_path: Path) -> None:
    blocker = tmp_path / "blocker"
    blocker.write_text("not a folder")

    with pytest.raises(ProfileError) as excinfo:
        write_atomic(blocker / "file.json", b"{}")

    assert error_code(excinfo) == "write_failed"
    assert blocker.read_text() == "not a folder"
