"""Test history: newest first, paged, bounded, and robust against torn lines."""

from __future__ import annotations

import json
import os
import stat
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from sfjwt_gui.engine.errors import ProfileError
from sfjwt_gui.engine.history import HistoryEntry, HistoryStore


def make_entry(number: int, *, ok: bool = True) -> HistoryEntry:
    return HistoryEntry(
        at=f"2024-05-01T10:{number // 60 % 60:02d}:{number % 60:02d}Z",
        ok=ok,
        codes=() if ok else ("invalid_grant_not_approved", "audience_login"),
        status=200 if ok else 400,
        elapsed_ms=100.0 + number,
        summary=f"test number {number}",
        login_url="https://login.salesforce.com",
    )


def history_files(config: Path) -> list[Path]:
    return sorted((config / "history").iterdir())


def numbers(entries: list[HistoryEntry]) -> list[int]:
    return [int(entry.summary.rsplit(" ", 1)[1]) for entry in entries]


def test_entries_come_back_newest_first_with_every_field() -> None:
    store = HistoryStore()
    written = [make_entry(1), make_entry(2, ok=False), make_entry(3)]
    for entry in written:
        store.append("Prod", entry)

    read = HistoryStore().entries("Prod")

    assert read == list(reversed(written))
    assert read[1].codes == ("invalid_grant_not_approved", "audience_login")
    assert HistoryStore().last("prod") == written[-1]


def test_unknown_profile_has_an_empty_history() -> None:
    store = HistoryStore()

    assert store.entries("Nobody") == []
    assert store.count("Nobody") == 0
    assert store.last("Nobody") is None


def test_paging_walks_from_newest_to_oldest() -> None:
    store = HistoryStore()
    for number in range(25):
        store.append("Prod", make_entry(number))

    assert numbers(store.entries("Prod", limit=10)) == list(range(24, 14, -1))
    assert numbers(store.entries("Prod", limit=10, offset=10)) == list(range(14, 4, -1))
    assert numbers(store.entries("Prod", limit=10, offset=20)) == [4, 3, 2, 1, 0]
    assert store.entries("Prod", limit=10, offset=30) == []
    assert store.count("Prod") == 25


@pytest.mark.skipif(os.name == "nt", reason="POSIX permission bits")
def test_history_file_is_0600_in_a_0700_folder(isolated_config: Path) -> None:
    HistoryStore().append("Prod", make_entry(1))

    (file,) = history_files(isolated_config)
    assert stat.S_IMODE(file.stat().st_mode) == 0o600
    assert stat.S_IMODE(file.parent.stat().st_mode) == 0o700


def test_torn_last_line_is_skipped_and_the_next_append_survives(
    isolated_config: Path,
) -> None:
    store = HistoryStore()
    for number in range(3):
        store.append("Prod", make_entry(number))
    (file,) = history_files(isolated_config)
    with file.open("ab") as handle:
        handle.write(b'{"at": "2024-05-01T11:00:00Z", "ok": tr')

    assert numbers(store.entries("Prod")) == [2, 1, 0]

    store.append("Prod", make_entry(3))
    assert numbers(HistoryStore().entries("Prod")) == [3, 2, 1, 0]


def test_garbage_lines_anywhere_are_skipped(isolated_config: Path) -> None:
    store = HistoryStore()
    store.append("Prod", make_entry(0))
    (file,) = history_files(isolated_config)
    with file.open("ab") as handle:
        handle.write(b"not json at all\n\xff\xfe\n[1,2]\n")
        handle.write(b'{"at": 5, "ok": true, "codes": []}\n')
        handle.write(b'{"at": "x", "ok": true, "codes": [1]}\n\n')
    store.append("Prod", make_entry(1))

    assert numbers(store.entries("Prod")) == [1, 0]
    assert store.count("Prod") == 2


def test_history_is_bounded_at_max_entries(isolated_config: Path) -> None:
    store = HistoryStore()
    total = 2 * HistoryStore.MAX_ENTRIES + 50
    for number in range(total):
        store.append("Prod", make_entry(number))

    (file,) = history_files(isolated_config)
    line_count = file.read_bytes().count(b"\n")
    everything = HistoryStore().entries("Prod", limit=10 * HistoryStore.MAX_ENTRIES)

    assert line_count <= 2 * HistoryStore.MAX_ENTRIES
    assert HistoryStore().count("Prod") == HistoryStore.MAX_ENTRIES
    assert numbers(everything) == list(
        range(total - 1, total - 1 - HistoryStore.MAX_ENTRIES, -1)
    )


def test_newest_entries_of_a_long_history_are_read_from_the_end(
    isolated_config: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    folder = isolated_config / "history"
    HistoryStore().append("Big", make_entry(0))
    (file,) = history_files(isolated_config)
    lines = [json.dumps(make_entry(n).to_dict()) + "\n" for n in range(10_000)]
    file.write_text("".join(lines))
    parsed: list[int] = []
    real_loads: Callable[..., Any] = json.loads

    def counting_loads(text: str, *args: Any, **kwargs: Any) -> Any:
        parsed.append(1)
        return real_loads(text, *args, **kwargs)

    monkeypatch.setattr(json, "loads", counting_loads)
    newest = HistoryStore(folder).entries("Big", limit=20)
    page = HistoryStore(folder).entries("Big", limit=5, offset=100)

    assert numbers(newest) == list(range(9999, 9979, -1))
    assert numbers(page) == list(range(9899, 9894, -1))
    assert len(parsed) <= 20 + 105
    assert file.read_bytes().count(b"\n") == 10_000


def test_rename_moves_the_history_and_delete_removes_it() -> None:
    store = HistoryStore()
    store.append("Old", make_entry(1))
    store.append("Other", make_entry(2))

    store.rename("Old", "New")

    assert numbers(store.entries("New")) == [1]
    assert store.entries("Old") == []

    store.delete("new")
    store.delete("never existed")
    store.rename("never existed", "Whatever")

    assert store.entries("New") == []
    assert numbers(store.entries("Other")) == [2]


def test_names_ignore_case_and_similar_names_stay_apart() -> None:
    store = HistoryStore()
    store.append("My Org", make_entry(1))
    store.append("my-org", make_entry(2))
    store.append("MY ORG", make_entry(3))

    assert numbers(store.entries("my org")) == [3, 1]
    assert numbers(store.entries("My-Org")) == [2]


def test_invalid_profile_name_is_refused() -> None:
    with pytest.raises(ProfileError) as excinfo:
        HistoryStore().append("bad\nname", make_entry(1))

    assert excinfo.value.code == "profile_name_invalid"


def test_unwritable_history_folder_gives_write_failed(tmp_path: Path) -> None:
    blocker = tmp_path / "history"
    blocker.write_text("a file where the folder should be")

    with pytest.raises(ProfileError) as excinfo:
        HistoryStore(blocker).append("Prod", make_entry(1))

    assert excinfo.value.code == "write_failed"
    assert excinfo.value.fix


def test_history_saved_under_the_older_file_name_is_still_found(
    isolated_config: Path,
) -> None:
    import hashlib

    folder = isolated_config / "history"
    folder.mkdir(parents=True)
    digest = hashlib.sha256(b"acme prod").hexdigest()[:12]
    older = folder / f"acme-prod-{digest}.jsonl"
    older.write_text(json.dumps(make_entry(7).to_dict()) + "\n")

    store = HistoryStore()
    assert numbers(store.entries("Acme Prod")) == [7]

    store.append("Acme Prod", make_entry(8))
    assert numbers(HistoryStore().entries("ACME PROD")) == [8, 7]
    assert not older.exists()
    assert len(history_files(isolated_config)) == 1
