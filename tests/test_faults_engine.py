"""Network faults through the engine: each one named by its finding, in plain words.

Every fault of the shared table (tests/fault_servers.py) is staged on loopback
and a whole login is run into it from a saved profile, as the window and the
command line do.
"""

from __future__ import annotations

import tracemalloc
from pathlib import Path
from typing import Any

import pytest
from fault_servers import (
    FAULT_CASES,
    FAULTS,
    FaultCase,
    FaultTarget,
    fault_profile,
    missing_words,
    profile_files,
    staged_in_test,
    unreadable_parts,
)

from sfjwt_gui.engine.catalog import CATALOG
from sfjwt_gui.engine.httprecord import FailureCode
from sfjwt_gui.engine.login import LoginResult, LoginSettings, run_login
from sfjwt_gui.engine.profiles import Profile, ProfileStore

MEMORY_LIMIT_BYTES = 8 * 1024 * 1024


def save_profile(demo: Any, target: FaultTarget) -> Profile:
    return ProfileStore().save(fault_profile(demo, target))


def login_into(demo: Any, target: FaultTarget) -> LoginResult:
    profile = save_profile(demo, target)
    return run_login(LoginSettings.from_profile(profile))


def codes(result: LoginResult) -> list[str]:
    return [finding.code for finding in result.findings]


@pytest.mark.parametrize("case", FAULT_CASES)
def test_fault_is_diagnosed_in_plain_words_and_the_profile_is_kept(
    case: FaultCase,
    demo: Any,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    with staged_in_test(case, demo, tmp_path, monkeypatch) as target:
        profile = save_profile(demo, target)
        saved_files = profile_files()
        result = run_login(LoginSettings.from_profile(ProfileStore().get(profile.name)))
        target.confirm()

    # The right finding comes first, with the catalog's title and fix.
    assert result.sent
    assert not result.ok
    assert codes(result)[0] == case.code, codes(result)
    first = result.findings[0]
    assert first.is_error
    assert (first.title, first.fix) == (
        CATALOG[case.code].title,
        CATALOG[case.code].fix,
    )
    assert missing_words(case, target, f"{first.title}\n{first.detail}") == []
    assert result.exit_status == case.exit_status

    # Every finding reads as sentences, never as exception text.
    for finding in result.findings:
        shown = "\n".join((finding.title, finding.detail, *finding.causes, finding.fix))
        assert unreadable_parts(shown) == [], shown

    # A test login never writes to its profile.
    assert saved_files
    assert profile_files() == saved_files


def test_64_mib_answer_is_cut_at_the_cap_without_holding_it(
    demo: Any, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    [case] = [case for case in FAULTS if case.name == "body_64_mib"]

    with staged_in_test(case, demo, tmp_path, monkeypatch) as target:
        tracemalloc.start()
        try:
            result = login_into(demo, target)
            _, peak = tracemalloc.get_traced_memory()
        finally:
            tracemalloc.stop()
        target.confirm()

    record = result.token_request
    assert record is not None
    assert record.body_truncated
    assert peak < MEMORY_LIMIT_BYTES


def test_the_table_covers_every_transport_failure_but_cancel() -> None:
    table_codes = {case.code for case in FAULTS}
    transport = {code.value for code in FailureCode} - {FailureCode.CANCELLED.value}

    assert transport <= table_codes
    assert len({case.name for case in FAULTS}) == len(FAULTS)
