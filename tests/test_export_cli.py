"""`sfjwt export`: formats, files, the login it runs for reports, and saving."""

from __future__ import annotations

import importlib.metadata
import json
import os
import stat
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from cryptography import x509
from cryptography.hazmat.primitives.asymmetric import rsa

from sfjwt_gui.cli.main import build_parser
from sfjwt_gui.engine.errors import OutputExistsError, SfjwtError
from sfjwt_gui.engine.exports import ExportFormat, write_export
from sfjwt_gui.engine.keys import private_key_pem

KeyPair = tuple[rsa.RSAPrivateKey, x509.Certificate]
PASSPHRASE = "Zq9-unguessable-passphrase"


def sfjwt(*args: str) -> subprocess.CompletedProcess[str]:
    """Run the command line as a separate process, as a script would."""
    return subprocess.run(
        [sys.executable, "-m", "sfjwt_gui.cli.main", *args],
        capture_output=True,
        text=True,
        check=False,
        env={**os.environ, "SFJWT_KEY_PASSPHRASE": PASSPHRASE},
        timeout=60,
    )


def demo_options(demo: Any, key_path: Path | None = None) -> list[str]:
    return [
        "--login-url", demo.base_url,
        "--client-id", demo.client_id,
        "--username", demo.username,
        "--key", str(key_path or demo.key_path),
        "--timeout", "5",
    ]  # fmt: skip


@pytest.fixture
def locked_key(tmp_path: Path, key_pair: KeyPair) -> Path:
    path = tmp_path / "locked.key"
    path.write_bytes(private_key_pem(key_pair[0], PASSPHRASE.encode()))
    return path


# -- saving ---------------------------------------------------------------------


def test_write_export_refuses_to_replace_and_keeps_secret_files_private(
    tmp_path: Path,
) -> None:
    path = tmp_path / "curl.sh"
    write_export(path, "first\n")

    with pytest.raises(OutputExistsError):
        write_export(path, "second\n")
    write_export(path, "secret\n", private=True, force=True)

    assert path.read_text() == "secret\n"
    if os.name == "posix":
        assert stat.S_IMODE(path.stat().st_mode) == 0o600


def test_write_export_names_an_unwritable_target(tmp_path: Path) -> None:
    with pytest.raises(SfjwtError, match="Could not write"):
        write_export(tmp_path / "missing" / "out.md", "x")


# -- the command line -------------------------------------------------------------


def test_every_engine_format_is_offered_by_the_command_line() -> None:
    parser = build_parser()

    for item in ExportFormat:
        assert (
            parser.parse_args(["export", "--format", item.value]).format == item.value
        )


def test_cli_code_export_needs_no_login(demo: Any) -> None:
    done = sfjwt("export", "--format", "python", *demo_options(demo))

    assert done.returncode == 0, done.stderr
    assert f'KEY_FILE = Path("{demo.key_path}")' in done.stdout
    assert demo.org.login_count == 0


def test_cli_report_runs_the_login_and_never_loads_qt(
    demo: Any, locked_key: Path
) -> None:
    done = sfjwt(
        "export", "--format", "report-json",
        *demo_options(demo, locked_key), "--passphrase-env", "SFJWT_KEY_PASSPHRASE",
    )  # fmt: skip

    assert done.returncode == 0, done.stderr
    report = json.loads(done.stdout)
    assert report["result"]["ok"] is True
    pyside = importlib.metadata.version("PySide6-Essentials")
    assert f"PySide6 {pyside} (installed, not loaded)" in report["environment"]["Qt"]
    assert "Login: Logged in as" in done.stderr
    assert demo.org.login_count == 1


def test_cli_writes_files_and_refuses_to_overwrite_without_force(
    demo: Any, tmp_path: Path
) -> None:
    out = tmp_path / "sf-login.sh"
    first = sfjwt("export", "--format", "sf", *demo_options(demo), "--out", str(out))
    again = sfjwt("export", "--format", "go", *demo_options(demo), "--out", str(out))
    forced = sfjwt(
        "export", "--format", "go", *demo_options(demo), "--out", str(out), "--force"
    )

    assert first.returncode == 0, first.stderr
    assert again.returncode == 2
    assert "already exists" in again.stderr
    assert forced.returncode == 0
    assert "package main" in out.read_text()


def test_cli_curl_with_the_assertion_is_written_private(
    demo: Any, tmp_path: Path
) -> None:
    out = tmp_path / "curl.sh"
    done = sfjwt(
        "export", "--format", "curl", "--include-assertion",
        *demo_options(demo), "--out", str(out),
    )  # fmt: skip

    assert done.returncode == 0, done.stderr
    assert "mode 0600" in done.stderr
    assert "# SECRET" in out.read_text()
    if os.name == "posix":
        assert stat.S_IMODE(out.stat().st_mode) == 0o600


def test_cli_include_assertion_only_applies_to_curl(demo: Any) -> None:
    done = sfjwt(
        "export", "--format", "python", "--include-assertion", *demo_options(demo)
    )

    assert done.returncode == 2
    assert "--include-assertion only applies to --format curl" in done.stderr


def test_cli_exports_a_saved_profile_with_its_name_as_alias(demo: Any) -> None:
    added = sfjwt("profiles", "add", "Acme Demo", *demo_options(demo))
    assert added.returncode == 0, added.stderr

    done = sfjwt("export", "--profile", "Acme Demo", "--format", "sf")

    assert done.returncode == 0, done.stderr
    assert "--alias acme-demo" in done.stdout
    assert f"--instance-url {demo.base_url}" in done.stdout
