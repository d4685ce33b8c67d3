"""No secret leaves the app unless the user asks: every byte it wrote is searched.

The command line and the window run the whole flow against the demo org with
a known key, passphrase and (issued by the demo org) access tokens and
assertions; then every file under the test's folder, stdout and stderr are
searched for each secret. HOME and the XDG folders point into that folder too,
so a file written anywhere but the config, log, key and export folders is
searched as well. Only the key file the user asked for may hold the key.
"""

from __future__ import annotations

import base64
import logging
import os
import stat
import subprocess
import sys
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa

from sfjwt_gui.demo.org import DemoOrg
from sfjwt_gui.demo.server import DemoServer
from sfjwt_gui.demo.settings import DEMO_CLIENT_ID, DEMO_USERNAME, DemoSettings

PASSPHRASE = "hygiene-Passphrase-7Q2x"
WINDOW_TIMEOUT_MS = 30_000


@dataclass
class Flow:
    """What one run of the flow produced; everything it wrote is under ``root``."""

    root: Path
    outputs: list[bytes] = field(default_factory=list)
    # The key file the user asked for: the one file that may hold the key.
    key_path: Path = field(init=False)

    def __post_init__(self) -> None:
        self.key_path = self.keys / "server.key"

    @property
    def config(self) -> Path:
        return self.root / "config"

    @property
    def logs(self) -> Path:
        return self.root / "logs"

    @property
    def keys(self) -> Path:
        return self.root / "keys"

    @property
    def exports(self) -> Path:
        return self.root / "exports"

    def places(self) -> dict[str, str]:
        """Variables that put every folder the app could write to under root."""
        home = self.root / "home"
        # An existing home, as every user has: a missing one changes behaviour.
        home.mkdir(exist_ok=True)
        return {
            "SFJWT_CONFIG_DIR": str(self.config),
            "SFJWT_LOG_DIR": str(self.logs),
            "HOME": str(home),
            "XDG_CONFIG_HOME": str(home / ".config"),
            "XDG_DATA_HOME": str(home / ".local" / "share"),
            "XDG_STATE_HOME": str(home / ".local" / "state"),
            "XDG_CACHE_HOME": str(home / ".cache"),
        }

    def env(self) -> dict[str, str]:
        return {
            **os.environ,
            **self.places(),
            "SFJWT_TEST_PASSPHRASE": PASSPHRASE,
        }

    def sfjwt(self, *args: str, expect: int = 0) -> str:
        done = subprocess.run(
            [sys.executable, "-m", "sfjwt_gui.cli.main", *args],
            env=self.env(),
            capture_output=True,
            timeout=120,
            check=False,
        )
        self.outputs += [done.stdout, done.stderr]
        assert done.returncode == expect, done.stderr.decode(errors="replace")
        return done.stdout.decode()

    def written_bytes(self) -> Iterator[tuple[str, bytes]]:
        """Every file under root but the key file, then the app's output."""
        for path in sorted(self.root.rglob("*")):
            if path.is_file() and path != self.key_path:
                yield str(path), path.read_bytes()
        for number, output in enumerate(self.outputs):
            yield f"output {number}", output


def secret_forms(key: rsa.RSAPrivateKey) -> dict[str, bytes]:
    """The key in every form a careless program might write it."""
    numbers = key.private_numbers()
    der = key.private_bytes(
        serialization.Encoding.DER,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    )
    traditional = key.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.TraditionalOpenSSL,
        serialization.NoEncryption(),
    )
    forms = {
        "passphrase": PASSPHRASE.encode(),
        "key DER": der,
        "private exponent (hex)": f"{numbers.d:x}".encode(),
        "private exponent (decimal)": str(numbers.d).encode(),
    }
    # Any 64-character line of the unencrypted PEM bodies would be key material.
    pkcs8_body = base64.encodebytes(der).decode().replace("\n", "")
    forms["key PEM (PKCS#8)"] = pkcs8_body[64:128].encode()
    traditional_lines = traditional.decode().splitlines()
    forms["key PEM (PKCS#1)"] = traditional_lines[2].encode()
    return forms


def app_options(base_url: str, key_path: Path) -> tuple[str, ...]:
    """The demo org's connected-app options of `sfjwt login` and `profiles add`."""
    return (
        "--login-url", base_url,
        "--client-id", DEMO_CLIENT_ID,
        "--username", DEMO_USERNAME,
        "--key", str(key_path),
    )  # fmt: skip


def issued_secrets(tokens: list[str], assertions: list[str]) -> dict[str, bytes]:
    """The access tokens and assertion signatures the demo org handed out or saw."""
    secrets = {}
    for number, token in enumerate(tokens):
        secrets[f"access token {number}"] = token.encode()
        # The opaque part alone, in case a token is cut into pieces.
        secrets[f"access token {number} (body)"] = token.split("!", 1)[1].encode()
    for number, assertion in enumerate(assertions):
        secrets[f"assertion signature {number}"] = assertion.rsplit(".", 1)[1].encode()
    return secrets


def find_leaks(flow: Flow, secrets: dict[str, bytes]) -> list[str]:
    leaks = []
    for where, data in flow.written_bytes():
        for name, secret in secrets.items():
            if secret and secret in data:
                leaks.append(f"{name} in {where}")
    return leaks


@pytest.fixture
def app_logging() -> Iterator[None]:
    """The app's logging (memory tail and log file), at DEBUG to catch more."""
    from sfjwt_gui.engine import logsetup

    root = logging.getLogger()
    previous = root.level
    logsetup.configure_logging(level=logging.DEBUG)
    yield
    root.setLevel(previous)


@pytest.fixture
def flow(tmp_path: Path) -> Flow:
    return Flow(tmp_path)


def start_demo_org(cert_path: Path) -> DemoServer:
    cert = x509.load_pem_x509_certificate(cert_path.read_bytes())
    server = DemoServer(DemoOrg(DemoSettings(certificate=cert)))
    server.start()
    return server


def test_command_line_flow_writes_no_secret_anywhere(flow: Flow) -> None:
    flow.exports.mkdir()
    flow.sfjwt(
        "keygen", "--out", str(flow.keys), "--passphrase-env", "SFJWT_TEST_PASSPHRASE"
    )
    assert stat.S_IMODE(flow.key_path.stat().st_mode) == 0o600
    key = serialization.load_pem_private_key(
        flow.key_path.read_bytes(), PASSPHRASE.encode()
    )
    assert isinstance(key, rsa.RSAPrivateKey)

    server = start_demo_org(flow.keys / "server.crt")
    try:
        assert server.base_url.startswith("http://127.0.0.1:")
        flow.sfjwt(
            "-v",
            "inspect",
            str(flow.key_path),
            str(flow.keys / "server.crt"),
            "--passphrase-env",
            "SFJWT_TEST_PASSPHRASE",
            "--json",
        )
        flow.sfjwt(
            "profiles",
            "add",
            "Hygiene",
            *app_options(server.base_url, flow.key_path),
            "--cert",
            str(flow.keys / "server.crt"),
        )
        for extra in ((), ("--json",), ("--verify",), ("--revoke", "--json")):
            flow.sfjwt(
                "-v",
                "login",
                "--profile",
                "Hygiene",
                "--passphrase-env",
                "SFJWT_TEST_PASSPHRASE",
                *extra,
            )
        export_formats = (
            "sf", "curl", "python", "simple-salesforce", "node", "go",
            "report-md", "report-json",
        )  # fmt: skip
        for export_format in export_formats:
            for destination in (("--out", str(flow.exports / export_format)), ()):
                flow.sfjwt(
                    "export",
                    "--profile",
                    "Hygiene",
                    "--format",
                    export_format,
                    "--passphrase-env",
                    "SFJWT_TEST_PASSPHRASE",
                    *destination,
                )
        flow.sfjwt("profiles", "show", "Hygiene", "--json")
        flow.sfjwt("profiles", "export", "Hygiene", str(flow.config / "export.json"))
        org = server.org
        tokens, assertions = org.issued_tokens, org.received_assertions
    finally:
        server.stop()

    # Four logins, and one more for each report export.
    assert len(tokens) == 8
    assert len(assertions) == 8
    assert len(list(flow.exports.iterdir())) == len(export_formats)
    secrets = {**secret_forms(key), **issued_secrets(tokens, assertions)}

    assert find_leaks(flow, secrets) == []
    assert any(path.suffix == ".log" for path in flow.logs.rglob("*"))


def test_the_token_is_printed_only_when_the_user_asks(flow: Flow) -> None:
    flow.sfjwt("keygen", "--out", str(flow.keys))
    server = start_demo_org(flow.keys / "server.crt")
    try:
        login = ("login", *app_options(server.base_url, flow.key_path))
        hidden = flow.sfjwt(*login)
        shown = flow.sfjwt(*login, "--show-secrets")
        tokens = server.org.issued_tokens
    finally:
        server.stop()

    assert tokens[0] not in hidden
    assert tokens[1] in shown


@pytest.mark.gui
@pytest.mark.usefixtures("app_logging")
def test_window_flow_writes_no_secret_and_masks_the_token(
    qtbot: Any,
    isolated_config: Path,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capfdbinary: pytest.CaptureFixture[bytes],
) -> None:
    from PySide6.QtCore import Qt

    from sfjwt_gui.gui.mainwindow import MainWindow
    from sfjwt_gui.gui.page_keys import KeysPage
    from sfjwt_gui.gui.page_test import TestPage
    from sfjwt_gui.gui.passphrase_dialog import PassphraseDialog
    from sfjwt_gui.gui.widgets import StepState

    asked: list[str] = []

    def answer_passphrase(cls: Any, /, parent: Any, key_path: str, **_: Any) -> bytes:
        asked.append(key_path)
        return PASSPHRASE.encode()

    monkeypatch.setattr(PassphraseDialog, "ask", classmethod(answer_passphrase))
    flow = Flow(tmp_path)
    assert flow.config == isolated_config
    for name, value in flow.places().items():
        monkeypatch.setenv(name, value)
    window = MainWindow()
    qtbot.addWidget(window)
    window.show()
    qtbot.waitExposed(window)

    # The demo org, a key with a passphrase, a login with verification.
    qtbot.mouseClick(window.welcome.demo_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: window.steps is not None, timeout=WINDOW_TIMEOUT_MS)
    steps = window.steps
    assert steps is not None
    steps.set_current(0)
    qtbot.waitUntil(lambda: isinstance(steps.page(0), KeysPage))
    keys = steps.page(0)
    assert isinstance(keys, KeysPage)
    panel = keys.generate_panel
    panel.passphrase_edit.edit.setText(PASSPHRASE)
    panel.confirm_edit.edit.setText(PASSPHRASE)
    qtbot.mouseClick(panel.generate_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: keys.state() is StepState.DONE, timeout=WINDOW_TIMEOUT_MS)

    steps.set_current(2)
    qtbot.waitUntil(lambda: isinstance(steps.page(2), TestPage))
    test = steps.page(2)
    assert isinstance(test, TestPage)
    for _ in range(2):
        with qtbot.waitSignal(test.test_finished, timeout=WINDOW_TIMEOUT_MS):
            qtbot.mouseClick(test.test_button, Qt.MouseButton.LeftButton)
    assert test.state() is StepState.DONE

    org = window.demo.org
    assert org is not None
    assert window.demo.base_url.startswith("http://127.0.0.1:")
    tokens, assertions = org.issued_tokens, org.received_assertions
    assert len(tokens) == 2

    # Masked on screen until the user reveals it.
    response = test.result_view.response_view
    assert tokens[-1] not in response.token_label.text()
    response.reveal_button.setChecked(True)
    assert response.token_label.text() == tokens[-1]
    response.reveal_button.setChecked(False)

    # Every export the menu offers, saved; all but the one that says it holds
    # the assertion must be free of secrets.
    from sfjwt_gui.gui.export_menu import ENTRIES, SaveExportDialog

    out = flow.exports
    out.mkdir()
    monkeypatch.setattr(
        SaveExportDialog,
        "ask",
        classmethod(lambda cls, parent, title, suggested: out / suggested.name),
    )
    safe_entries = [entry for entry in ENTRIES if not entry.include_assertion]
    for entry in safe_entries:
        test.export_button.action(entry.key, "save").trigger()
    assert len(list(out.iterdir())) == len(safe_entries)

    window.menus.show_log_action.trigger()
    log_text = window.menus.log_window().text()
    assert "Demo org issued a token" in log_text
    # The log file too, or the search below would find nothing to search there.
    log_files = [path for path in flow.logs.rglob("*") if path.suffix == ".log"]
    assert any(
        "Demo org issued a token" in path.read_text(encoding="utf-8")
        for path in log_files
    )
    profile = window.session.profile
    assert profile is not None
    window.close()

    flow.key_path = Path(profile.key_path)
    assert stat.S_IMODE(flow.key_path.stat().st_mode) == 0o600
    key = serialization.load_pem_private_key(
        flow.key_path.read_bytes(), PASSPHRASE.encode()
    )
    assert isinstance(key, rsa.RSAPrivateKey)

    secrets = {**secret_forms(key), **issued_secrets(tokens, assertions)}
    printed = capfdbinary.readouterr()
    flow.outputs += [log_text.encode(), printed.out, printed.err]
    assert find_leaks(flow, secrets) == []
