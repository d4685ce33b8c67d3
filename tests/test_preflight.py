"""Checks that run before anything is sent, as the window shows them per field."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec, rsa
from cryptography.x509.oid import NameOID

from sfjwt_gui.engine.loginurl import classify_login_url
from sfjwt_gui.engine.preflight import (
    check_audience,
    check_client_id,
    check_login_url,
    check_username,
)
from sfjwt_gui.engine.preflight_keys import check_certificate, check_key

GOOD_KEY = "3MVG9" + "A" * 80
PROD = "https://login.salesforce.com"
SANDBOX_USER = "sandbox_user_on_production"
KeyPair = tuple[rsa.RSAPrivateKey, x509.Certificate]


def codes(findings: list) -> list[str]:  # type: ignore[type-arg]
    return [finding.code for finding in findings]


def write_key(path: Path, key: object, password: bytes | None = None) -> Path:
    encryption: serialization.KeySerializationEncryption = (
        serialization.BestAvailableEncryption(password)
        if password
        else serialization.NoEncryption()
    )
    path.write_bytes(
        key.private_bytes(  # type: ignore[attr-defined]
            serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, encryption
        )
    )
    return path


def write_cert(path: Path, cert: x509.Certificate) -> Path:
    path.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    return path


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("", ["client_id_missing"]),
        ("   ", ["client_id_missing"]),
        (GOOD_KEY, []),
        (f"  {GOOD_KEY}\n", []),
        ("3MVG9short", ["client_id_format"]),
        ("ABCD" + "A" * 80, ["client_id_format"]),
        ("3MVG9 " + "A" * 80, ["client_id_format"]),
    ],
)
def test_consumer_key(value: str, expected: list[str]) -> None:
    assert codes(check_client_id(value)) == expected


def test_short_consumer_key_says_how_long_it_is() -> None:
    [finding] = check_client_id("3MVG9short")

    assert "10 characters" in finding.detail


@pytest.mark.parametrize(
    ("username", "url", "expected"),
    [
        ("", PROD, ["username_missing"]),
        ("admin@acme.com", PROD, []),
        ("admin", PROD, ["username_format"]),
        ("a&amp;b@acme.com", PROD, ["username_format"]),
        ("admin@acme.com.uat", PROD, [SANDBOX_USER]),
        ("admin@acme.com.uat", "https://test.salesforce.com", []),
        ("admin@acme.com.uat", "https://acme.my.salesforce.com", [SANDBOX_USER]),
        ("admin@acme.com.uat", "https://acme--uat.sandbox.my.salesforce.com", []),
    ],
)  # fmt: skip
def test_username(username: str, url: str, expected: list[str]) -> None:
    assert codes(check_username(username, classify_login_url(url))) == expected


@pytest.mark.parametrize(
    ("url", "code"),
    [
        ("", "login_url_invalid"),
        ("http://login.salesforce.com", "login_url_insecure"),
        ("https://acme.lightning.force.com", "login_url_lightning"),
    ],
)
def test_login_url_problems_carry_their_code_and_explanation(
    url: str, code: str
) -> None:
    check = check_login_url(url)

    assert check.target is None
    assert codes(check.findings) == [code]
    assert check.findings[0].detail


def test_lightning_finding_names_the_my_domain_to_use() -> None:
    [finding] = check_login_url(
        "https://acme.lightning.force.com/lightning/page"
    ).findings

    assert "https://acme.my.salesforce.com" in finding.detail


def test_production_audience_on_sandbox_is_a_mismatch() -> None:
    target = classify_login_url("https://test.salesforce.com")

    [finding] = check_audience(target, "https://login.salesforce.com/")

    assert finding.code == "audience_mismatch"
    assert finding.severity.value == "warning"


def test_matching_or_empty_audience_is_fine() -> None:
    target = classify_login_url("https://login.salesforce.com")

    assert check_audience(target, "") == []
    assert check_audience(target, "https://login.salesforce.com") == []


def test_key_checks(tmp_path: Path, key_pair: KeyPair) -> None:
    key, _ = key_pair
    plain = write_key(tmp_path / "plain.key", key)
    locked = write_key(tmp_path / "locked.key", key, b"open sesame")

    assert codes(check_key("").findings) == ["key_missing"]
    assert codes(check_key(str(tmp_path / "nope.key")).findings) == ["key_missing"]
    assert check_key(str(plain)).key is not None
    assert codes(check_key(str(locked)).findings) == ["key_encrypted"]
    assert codes(check_key(str(locked), b"wrong").findings) == ["key_passphrase_wrong"]
    assert check_key(str(locked), b"open sesame").findings == []


def test_small_and_non_rsa_keys_are_refused(tmp_path: Path) -> None:
    small = rsa.generate_private_key(public_exponent=65537, key_size=1024)  # noqa: S505
    curve = ec.generate_private_key(ec.SECP256R1())

    small_check = check_key(str(write_key(tmp_path / "small.key", small)))
    curve_check = check_key(str(write_key(tmp_path / "ec.key", curve)))

    assert codes(small_check.findings) == ["key_too_small"]
    assert "1024" in small_check.findings[0].detail
    assert codes(curve_check.findings) == ["key_not_rsa"]


def test_certificate_checks(
    tmp_path: Path, key_pair: KeyPair, other_key_pair: KeyPair
) -> None:
    key, cert = key_pair
    cert_path = str(write_cert(tmp_path / "server.crt", cert))

    assert codes(check_certificate("").findings) == ["cert_missing"]
    assert check_certificate(cert_path, key).findings == []
    mismatch = check_certificate(cert_path, other_key_pair[0])
    assert codes(mismatch.findings) == ["cert_key_mismatch"]
    not_a_cert = str(write_key(tmp_path / "key.pem", key))
    assert codes(check_certificate(not_a_cert).findings) == ["cert_unreadable"]


def _cert_valid_until(key: rsa.RSAPrivateKey, end: dt.datetime) -> x509.Certificate:
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "dated")])
    return (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(7)
        .not_valid_before(end - dt.timedelta(days=400))
        .not_valid_after(end)
        .sign(key, hashes.SHA256())
    )


def test_expired_and_expiring_certificates_warn(
    tmp_path: Path, key_pair: KeyPair
) -> None:
    key, _ = key_pair
    now = dt.datetime.now(dt.timezone.utc)
    expired = write_cert(
        tmp_path / "old.crt", _cert_valid_until(key, now - dt.timedelta(days=3))
    )
    soon = write_cert(
        tmp_path / "soon.crt", _cert_valid_until(key, now + dt.timedelta(days=10))
    )

    [old_finding] = check_certificate(str(expired), key).findings
    [soon_finding] = check_certificate(str(soon), key).findings

    assert old_finding.code == "cert_expired"
    assert old_finding.severity.value == "warning"
    assert "keeps accepting" in old_finding.fix
    assert soon_finding.code == "cert_expires_soon"
    assert "days" in soon_finding.detail
