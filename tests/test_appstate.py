"""App state: remembered between runs, harmless when lost or damaged."""

from __future__ import annotations

import json
import logging
import os
import stat
from pathlib import Path

import pytest

from sfjwt_gui.engine.appstate import AppState, load_app_state, save_app_state
from sfjwt_gui.engine.errors import ProfileError


def full_state() -> AppState:
    return AppState(
        last_profile="Prod",
        window_geometry="AdnQywADAAAAAAAAAAAAGQ==",
        window_state="AAAA/wAAAAD9AAAAAA==",
        splitter_state="AAAA/wAAAAEAAAAC",
        demo_port=8765,
        first_run_done=True,
        extra={"theme": "dark", "recent": ["a", "b"]},
    )


def test_missing_file_gives_defaults() -> None:
    assert load_app_state() == AppState()


def test_state_round_trips_through_the_default_file(isolated_config: Path) -> None:
    save_app_state(full_state())

    assert load_app_state() == full_state()
    assert (isolated_config / "state.json").is_file()


@pytest.mark.skipif(os.name == "nt", reason="POSIX permission bits")
def test_state_file_is_0600(tmp_path: Path) -> None:
    path = tmp_path / "elsewhere" / "state.json"

    save_app_state(full_state(), path)

    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert load_app_state(path) == full_state()


@pytest.mark.parametrize("content", [b"{broken", b"[]", b"\xff\xfe", b'"text"'])
def test_damaged_file_gives_defaults_and_a_log_line(
    isolated_config: Path, content: bytes, caplog: pytest.LogCaptureFixture
) -> None:
    isolated_config.mkdir(parents=True)
    (isolated_config / "state.json").write_bytes(content)

    with caplog.at_level(logging.WARNING):
        state = load_app_state()

    assert state == AppState()
    assert "state.json" in caplog.text


def test_one_wrong_field_keeps_the_rest(isolated_config: Path) -> None:
    isolated_config.mkdir(parents=True)
    document = {
        "last_profile": "Prod",
        "window_geometry": 42,
        "demo_port": 70000,
        "first_run_done": "yes",
        "unknown": 1,
    }
    (isolated_config / "state.json").write_text(json.dumps(document))

    assert load_app_state() == AppState(last_profile="Prod")


def test_secret_looking_extra_keys_are_never_stored(isolated_config: Path) -> None:
    state = AppState(extra={"theme": "dark", "access_token": "00Dxx!SECRETVALUE"})

    save_app_state(state)

    stored = (isolated_config / "state.json").read_bytes()
    assert b"SECRETVALUE" not in stored
    assert b"access_token" not in stored
    assert load_app_state().extra == {"theme": "dark"}
    assert state.extra["access_token"] == "00Dxx!SECRETVALUE"


def test_unstorable_values_are_refused_without_touching_the_file(
    isolated_config: Path,
) -> None:
    save_app_state(full_state())
    before = (isolated_config / "state.json").read_bytes()

    with pytest.raises(ProfileError) as not_json:
        save_app_state(AppState(extra={"when": object()}))
    with pytest.raises(ProfileError) as bad_port:
        save_app_state(AppState(demo_port=-1))

    assert not_json.value.code == "app_state_invalid"
    assert bad_port.value.code == "app_state_invalid"
    assert (isolated_config / "state.json").read_bytes() == before


def test_unwritable_location_gives_write_failed(tmp_path: Path) -> None:
    blocker = tmp_path / "blocker"
    blocker.write_text("a file, not a folder")

    with pytest.raises(ProfileError) as excinfo:
        save_app_state(full_state(), blocker / "state.json")

    assert excinfo.value.code == "write_failed"
