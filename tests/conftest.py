"""Shared fixtures: a private config dir per test, offscreen Qt, one test key pair."""

from __future__ import annotations

import datetime as dt
import os
from collections.abc import Iterator
from pathlib import Path

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import rsa
from cryptography.x509.oid import NameOID

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")


@pytest.fixture(autouse=True)
def isolated_config(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    """Every test gets its own config and log folders, never the user's."""
    config = tmp_path / "config"
    monkeypatch.setenv("SFJWT_CONFIG_DIR", str(config))
    monkeypatch.setenv("SFJWT_LOG_DIR", str(tmp_path / "logs"))
    for name in ("HTTPS_PROXY", "https_proxy", "HTTP_PROXY", "http_proxy", "ALL_PROXY"):
        monkeypatch.delenv(name, raising=False)
    yield config


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
