"""Shared fixtures: a private config dir per test, offscreen Qt, one test key pair."""

from __future__ import annotations

import datetime as dt
import os
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from cryptography.x509.oid import NameOID

if TYPE_CHECKING:
    from sfjwt_gui.engine.profiles import Profile

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")


@pytest.fixture(autouse=True)
def widgets_kept_until_closed(request: pytest.FixtureRequest) -> Iterator[None]:
    """Hold every widget given to qtbot.addWidget until pytest-qt has closed it.

    pytest-qt keeps only a weak reference. A window the test lets go of would
    then be freed by the cyclic garbage collector, which may run inside a slot
    of that very window and free widgets the slot is using. Held here, each is
    closed and deleted between events by pytest-qt's teardown, before this
    fixture lets go of it.
    """
    if "qtbot" not in request.fixturenames:
        yield
        return

    qtbot = request.getfixturevalue("qtbot")
    kept: list[Any] = []
    add_widget = qtbot.addWidget

    def keep_and_add(widget: Any, *, before_close_func: Any = None) -> None:
        kept.append(widget)
        add_widget(widget, before_close_func=before_close_func)

    qtbot.addWidget = keep_and_add
    yield
    kept.clear()


@pytest.fixture(autouse=True)
def isolated_config(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """Every test gets its own config and log folders, never the user's."""
    config = tmp_path / "config"
    monkeypatch.setenv("SFJWT_CONFIG_DIR", str(config))
    monkeypatch.setenv("SFJWT_LOG_DIR", str(tmp_path / "logs"))
    for scheme in ("https", "http", "all", "no"):
        for name in (f"{scheme}_proxy", f"{scheme.upper()}_PROXY"):
            monkeypatch.delenv(name, raising=False)
    return config


def _make_pair(common_name: str) -> tuple[rsa.RSAPrivateKey, x509.Certificate]:
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, common_name)])
    now = dt.datetime.now(dt.timezone.utc)
    cert = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - dt.timedelta(minutes=5))
        .not_valid_after(now + dt.timedelta(days=365))
        .sign(key, hashes.SHA256())
    )
    return key, cert


@pytest.fixture(scope="session")
def key_pair() -> tuple[rsa.RSAPrivateKey, x509.Certificate]:
    """A 2048-bit RSA key and its self-signed certificate, made once per run."""
    return _make_pair("sfjwt test")


@pytest.fixture(scope="session")
def other_key_pair() -> tuple[rsa.RSAPrivateKey, x509.Certificate]:
    """A second, unrelated pair: for mismatches and wrong uploads."""
    return _make_pair("sfjwt other")


@dataclass
class DemoOrgFixture:
    """A running demo org with the test key pair registered, and its login inputs."""

    org: Any
    server: Any
    base_url: str
    key_path: Path
    cert_path: Path
    client_id: str
    username: str

    def settings(self, **overrides: Any) -> Any:
        from sfjwt_gui.engine.login import LoginSettings

        values: dict[str, Any] = {
            "login_url": self.base_url,
            "client_id": self.client_id,
            "username": self.username,
            "key_path": str(self.key_path),
            "cert_path": str(self.cert_path),
            "timeout_s": 5.0,
        }
        values.update(overrides)
        return LoginSettings(**values)

    def profile(self, name: str = "Demo") -> Profile:
        """A profile that logs in to the demo org's user."""
        from sfjwt_gui.engine.profiles import Profile

        return Profile(
            name=name,
            login_url=self.base_url,
            client_id=self.client_id,
            username=self.username,
            key_path=str(self.key_path),
            cert_path=str(self.cert_path),
        )


@pytest.fixture
def demo(
    tmp_path: Path, key_pair: tuple[rsa.RSAPrivateKey, x509.Certificate]
) -> Iterator[DemoOrgFixture]:
    """The demo org on loopback, stopped after the test."""
    from sfjwt_gui.demo.org import DemoOrg
    from sfjwt_gui.demo.server import DemoServer
    from sfjwt_gui.demo.settings import DEMO_CLIENT_ID, DEMO_USERNAME, DemoSettings

    key, cert = key_pair
    key_path = tmp_path / "demo-test.key"
    cert_path = tmp_path / "demo-test.crt"
    key_path.write_bytes(
        key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
    )
    cert_path.write_bytes(cert.public_bytes(serialization.Encoding.PEM))

    org = DemoOrg(DemoSettings(certificate=cert))
    server = DemoServer(org)
    server.start()
    try:
        yield DemoOrgFixture(
            org,
            server,
            server.base_url,
            key_path,
            cert_path,
            DEMO_CLIENT_ID,
            DEMO_USERNAME,
        )
    finally:
        server.stop()
