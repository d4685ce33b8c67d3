"""Describing keys and certificates the way openssl does, and matching them."""

from __future__ import annotations

import datetime as dt
import shutil
import subprocess
from pathlib import Path

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import ec, rsa
from cryptography.x509.oid import NameOID

from sfjwt_gui.engine import certinfo, keys
from sfjwt_gui.engine.keys import Subject

Pair = tuple[rsa.RSAPrivateKey, x509.Certificate]
NOW = dt.datetime(2031, 1, 10, 8, 30, tzinfo=dt.timezone.utc)

needs_openssl = pytest.mark.skipif(shutil.which("openssl") is None, reason="no openssl")


def _openssl(*args: str, stdin: bytes | None = None) -> bytes:
    result = subprocess.run(
        ["openssl", *args], input=stdin, capture_output=True, check=True
    )
    return result.stdout


def _value_after_equals(output: bytes) -> str:
    return output.decode().strip().split("=", 1)[1]


def _issued_by(
    issuer: Pair,
    subject_key: rsa.RSAPrivateKey,
    algorithm: hashes.SHA256 | hashes.SHA384,
) -> x509.Certificate:
    issuer_key, issuer_cert = issuer
    name = x509.Name(
        [
            x509.NameAttribute(NameOID.ORGANIZATION_NAME, "Acme"),
            x509.NameAttribute(NameOID.COMMON_NAME, "issued"),
        ]
    )
    return (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(issuer_cert.subject)
        .public_key(subject_key.public_key())
        .serial_number(0x0ABC)
        .not_valid_before(NOW)
        .not_valid_after(NOW + dt.timedelta(days=10))
        .sign(issuer_key, algorithm)
    )


@needs_openssl
def test_certificate_facts_agree_with_openssl(tmp_path: Path, key_pair: Pair) -> None:
    _key, cert = key_pair
    path = tmp_path / "server.crt"
    path.write_text(certinfo.certificate_pem_text(cert))
    crt = str(path)

    info = certinfo.describe_certificate(cert)

    sha256 = _openssl("x509", "-in", crt, "-noout", "-fingerprint", "-sha256")
    sha1 = _openssl("x509", "-in", crt, "-noout", "-fingerprint", "-sha1")
    serial = _openssl("x509", "-in", crt, "-noout", "-serial")
    subject = _openssl("x509", "-in", crt, "-noout", "-subject", "-nameopt", "RFC2253")
    end = _openssl("x509", "-in", crt, "-noout", "-enddate")
    assert info.sha256_fingerprint == _value_after_equals(sha256)
    assert info.sha1_fingerprint == _value_after_equals(sha1)
    assert info.serial_hex == _value_after_equals(serial)
    assert info.subject == _value_after_equals(subject)
    not_after = dt.datetime.strptime(_value_after_equals(end), "%b %d %H:%M:%S %Y GMT")
    assert info.not_after == not_after.replace(tzinfo=dt.timezone.utc)


@needs_openssl
def test_short_serial_is_printed_like_openssl(
    tmp_path: Path, key_pair: Pair, other_key_pair: Pair
) -> None:
    cert = _issued_by(other_key_pair, key_pair[0], hashes.SHA256())
    path = tmp_path / "issued.crt"
    path.write_text(certinfo.certificate_pem_text(cert))

    serial = _openssl("x509", "-in", str(path), "-noout", "-serial")

    assert certinfo.describe_certificate(cert).serial_hex == "0ABC"
    assert _value_after_equals(serial) == "0ABC"


@needs_openssl
def test_public_key_hash_agrees_with_openssl(tmp_path: Path, key_pair: Pair) -> None:
    key, _cert = key_pair
    path = tmp_path / "server.key"
    path.write_bytes(keys.private_key_pem(key))

    public_der = _openssl("pkey", "-in", str(path), "-pubout", "-outform", "DER")
    digest = _openssl("dgst", "-sha256", "-c", stdin=public_der)

    info = certinfo.describe_key(key)
    assert info.public_sha256 == digest.decode().split("= ")[1].strip().upper()
    assert (info.key_type, info.bits) == ("RSA", 2048)


def test_different_keys_have_different_hashes(
    key_pair: Pair, other_key_pair: Pair
) -> None:
    first = certinfo.describe_key(key_pair[0])
    second = certinfo.describe_key(other_key_pair[0])

    assert first.public_sha256 != second.public_sha256


def test_self_signed_certificate_description(key_pair: Pair) -> None:
    info = certinfo.describe_certificate(key_pair[1])

    assert info.common_name == "sfjwt test"
    assert info.subject == info.issuer == "CN=sfjwt test"
    assert info.self_signed
    assert info.signature_hash == "sha256"
    assert (info.key_type, info.key_bits) == ("RSA", 2048)
    assert info.not_before.tzinfo is not None
    assert info.not_after.utcoffset() == dt.timedelta(0)


def test_certificate_issued_by_another_key(
    key_pair: Pair, other_key_pair: Pair
) -> None:
    cert = _issued_by(other_key_pair, key_pair[0], hashes.SHA384())

    info = certinfo.describe_certificate(cert)

    assert not info.self_signed
    assert info.issuer == "CN=sfjwt other"
    assert info.subject == "CN=issued,O=Acme"
    assert info.signature_hash == "sha384"


def test_certificate_without_common_name(key_pair: Pair) -> None:
    key = key_pair[0]
    name = x509.Name([x509.NameAttribute(NameOID.ORGANIZATION_NAME, "Acme")])
    cert = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(7)
        .not_valid_before(NOW)
        .not_valid_after(NOW + dt.timedelta(days=1))
        .sign(key, hashes.SHA256())
    )

    info = certinfo.describe_certificate(cert)

    assert info.common_name == ""
    assert info.self_signed


def test_key_matches_its_own_certificate(key_pair: Pair) -> None:
    assert certinfo.key_matches_certificate(*key_pair)


def test_key_does_not_match_another_certificate(
    key_pair: Pair, other_key_pair: Pair
) -> None:
    assert not certinfo.key_matches_certificate(key_pair[0], other_key_pair[1])
    assert not certinfo.key_matches_certificate(other_key_pair[0], key_pair[1])


def test_key_does_not_match_a_non_rsa_certificate(key_pair: Pair) -> None:
    ec_key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "ec")])
    ec_cert = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(ec_key.public_key())
        .serial_number(1)
        .not_valid_before(NOW)
        .not_valid_after(NOW + dt.timedelta(days=1))
        .sign(ec_key, hashes.SHA256())
    )

    assert not certinfo.key_matches_certificate(key_pair[0], ec_cert)
    info = certinfo.describe_certificate(ec_cert)
    assert (info.key_type, info.key_bits) == ("EC", 256)


def test_days_left_for_an_expired_certificate(key_pair: Pair) -> None:
    made = NOW - dt.timedelta(days=400)
    cert = keys.self_signed_certificate(key_pair[0], Subject("old"), now=made)

    info = certinfo.describe_certificate(cert)

    assert info.days_left(NOW) == -35
    assert info.is_expired(NOW)


def test_days_left_for_a_fresh_certificate(key_pair: Pair) -> None:
    cert = keys.self_signed_certificate(key_pair[0], Subject("new"), days=90, now=NOW)

    info = certinfo.describe_certificate(cert)

    assert info.days_left(NOW) == 90
    assert info.days_left(NOW + dt.timedelta(days=89, hours=23)) == 1
    assert info.days_left(NOW + dt.timedelta(days=90, seconds=1)) == -1
    assert not info.is_expired(NOW)
    assert info.is_expired(NOW + dt.timedelta(days=90, seconds=1))


def test_naive_now_counts_as_utc(key_pair: Pair) -> None:
    cert = keys.self_signed_certificate(key_pair[0], Subject("new"), days=10, now=NOW)

    info = certinfo.describe_certificate(cert)

    assert info.days_left(NOW.replace(tzinfo=None)) == 10


def test_certificate_pem_text_loads_back(key_pair: Pair) -> None:
    text = certinfo.certificate_pem_text(key_pair[1])

    assert text.startswith("-----BEGIN CERTIFICATE-----\n")
    assert x509.load_pem_x509_certificate(text.encode()) == key_pair[1]


def test_key_summaries() -> None:
    ec_public = ec.generate_private_key(ec.SECP384R1()).public_key()

    assert certinfo.key_summary(ec_public, "public key") == "EC public key (P-384)"
    assert certinfo.key_type_and_bits(ec_public) == ("EC", 384)


def test_rsa_key_summary(key_pair: Pair) -> None:
    summary = certinfo.key_summary(key_pair[0], "private key")

    assert summary == "RSA private key, 2048 bits"


def test_fingerprint_changes_with_the_certificate(
    key_pair: Pair, other_key_pair: Pair
) -> None:
    first = certinfo.describe_certificate(key_pair[1])
    second = certinfo.describe_certificate(other_key_pair[1])

    assert first.sha256_fingerprint != second.sha256_fingerprint
    assert len(first.sha256_fingerprint.split(":")) == 32
    assert first.sha256_fingerprint == first.sha256_fingerprint.upper()
