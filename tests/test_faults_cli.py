"""Network faults through `sfjwt login`, run as a separate process as users run it.

For each fault of the shared table (tests/fault_servers.py): the exit status
says "network", the output names the problem in sentences (never a
traceback or exception text), a profile used for the login is left byte for
byte as it was, and a login from flags writes nothing to the config folder.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from fault_servers import (
    FAULT_CASES,
    FaultCase,
    FaultTarget,
    config_files,
    fault_profile,
    missing_words,
    profile_files,
    staged_in_test,
    unreadable_parts,
)

from sfjwt_gui.engine.catalog import CATALOG
from sfjwt_gui.engine.profiles import ProfileStore


def sfjwt(target: FaultTarget, *args: str) -> subprocess.CompletedProcess[str]:
    """`sfjwt ARGS` in its own process, with the fault's environment."""
    return subprocess.run(
        [sys.executable, "-m", "sfjwt_gui.cli.main", *args],
        capture_output=True,
        text=True,
        check=False,
        env={**os.environ, **target.env},
        timeout=60,
    )


def login_options(demo: Any, target: FaultTarget) -> list[str]:
    options = [
        "--login-url", target.login_url,
        "--client-id", demo.client_id,
        "--username", demo.username,
        "--key", str(demo.key_path),
        "--cert", str(demo.cert_path),
        "--timeout", f"{target.timeout_s:g}",
    ]  # fmt: skip
    if target.proxy:
        options += ["--proxy", target.proxy]
    return options


@pytest.mark.parametrize("case", FAULT_CASES)
def test_plain_output_names_the_problem_and_exits_with_network(
    case: FaultCase,
    demo: Any,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    with staged_in_test(case, demo, tmp_path, monkeypatch) as target:
        ProfileStore().save(fault_profile(demo, target))
        saved_files = config_files()
        done = sfjwt(target, "login", *login_options(demo, target))
        target.confirm()

    assert done.returncode == case.exit_status, done.stdout + done.stderr
    entry = CATALOG[case.code]
    assert "Login failed." in done.stdout
    # The request went out, so its findings come under their own heading.
    answer = done.stdout.split("Login failed.", 1)[1].lstrip()
    assert answer.startswith("The request and its answer:")
    first_finding = answer.split(":", 1)[1].lstrip()
    assert first_finding.startswith(f"error: {entry.title} [{case.code}]")
    assert f"Fix: {entry.fix}" in done.stdout
    assert missing_words(case, target, first_finding.split("Fix:", 1)[0]) == []
    assert unreadable_parts(done.stdout + done.stderr) == [], done.stdout
    # A login from flags touches no profile, history or setting.
    assert config_files() == saved_files


@pytest.mark.parametrize("case", FAULT_CASES)
def test_json_output_of_a_profile_login_and_the_profile_is_kept(
    case: FaultCase,
    demo: Any,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    with staged_in_test(case, demo, tmp_path, monkeypatch) as target:
        ProfileStore().save(fault_profile(demo, target))
        saved_files = profile_files()
        done = sfjwt(target, "login", "--profile", "Fault", "--json")
        target.confirm()

    assert done.returncode == case.exit_status, done.stdout + done.stderr
    assert "Traceback" not in done.stderr
    report = json.loads(done.stdout)
    assert report["exit_status"] == case.exit_status
    assert report["sent"] is True
    findings = report["findings"]
    assert findings[0]["code"] == case.code, [item["code"] for item in findings]
    first_text = f"{findings[0]['title']}\n{findings[0]['detail']}"
    assert missing_words(case, target, first_text) == []
    for finding in findings:
        shown = "\n".join((finding["title"], finding["detail"], finding["fix"]))
        assert unreadable_parts(shown) == [], shown
    assert profile_files() == saved_files
