"""Generating a key and certificate, and writing them safely."""

from __future__ import annotations

import datetime as dt
import errno
import os
import shutil
import stat
import subprocess
from pathlib import Path

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from cryptography.x509.oid import NameOID

from sfjwt_gui.engine import keys
from sfjwt_gui.engine.certinfo import key_matches_certificate
from sfjwt_gui.engine.errors import KeyFileError, OutputExistsError, UsageError
from sfjwt_gui.engine.keyfiles import load_certificate, load_private_key
from sfjwt_gui.engine.keys import Subject

NOW = dt.datetime(2030, 5, 17, 12, 0, tzinfo=dt.timezone.utc)
PASSPHRASE = b"correct horse battery"

needs_openssl = pytest.mark.skipif(shutil.which("openssl") is None, reason="no openssl")


@pytest.fixture(scope="module")
def fresh_key() -> rsa.RSAPrivateKey:
    return keys.generate_private_key(2048)


@pytest.fixture(scope="module")
def fresh_cert(fresh_key: rsa.RSAPrivateKey) -> x509.Certificate:
    return keys.self_signed_certificate(fresh_key, Subject("sfjwt integration"))


def _mode(path: Path) -> int:
    return stat.S_IMODE(os.stat(path).st_mode)


# ---- generating --------------------------------------------------------------


def test_generated_key_is_2048_bit_rsa(fresh_key: rsa.RSAPrivateKey) -> None:
    assert fresh_key.key_size == 2048
    assert fresh_key.public_key().public_numbers().e == 65537


def test_generates_3072_bit_key() -> None:
    assert keys.generate_private_key(3072).key_size == 3072


@pytest.mark.slow
def test_generates_4096_bit_key() -> None:
    assert keys.generate_private_key(4096).key_size == 4096


@pytest.mark.parametrize("bits", [512, 1024, 2047, 8192])
def test_refuses_key_sizes_not_offered(bits: int) -> None:
    with pytest.raises(UsageError, match=str(bits)):
        keys.generate_private_key(bits)


def test_certificate_carries_every_subject_field(
    fresh_key: rsa.RSAPrivateKey,
) -> None:
    subject = Subject(
        common_name="sfjwt integration",
        organization="Acme",
        organizational_unit="IT",
        locality="Berlin",
        state="Berlin",
        country="de",
        email="ops@example.com",
    )

    cert = keys.self_signed_certificate(fresh_key, subject, now=NOW)

    def value(oid: x509.ObjectIdentifier) -> object:
        return cert.subject.get_attributes_for_oid(oid)[0].value

    assert value(NameOID.COMMON_NAME) == "sfjwt integration"
    assert value(NameOID.ORGANIZATION_NAME) == "Acme"
    assert value(NameOID.ORGANIZATIONAL_UNIT_NAME) == "IT"
    assert value(NameOID.LOCALITY_NAME) == "Berlin"
    assert value(NameOID.STATE_OR_PROVINCE_NAME) == "Berlin"
    assert value(NameOID.COUNTRY_NAME) == "DE"
    assert value(NameOID.EMAIL_ADDRESS) == "ops@example.com"
    assert cert.issuer == cert.subject


def test_empty_subject_fields_are_left_out(fresh_key: rsa.RSAPrivateKey) -> None:
    cert = keys.self_signed_certificate(fresh_key, Subject("only cn", locality="  "))

    assert cert.subject.rfc4514_string() == "CN=only cn"


def test_certificate_is_sha256_non_ca_signature_only(
    fresh_cert: x509.Certificate, fresh_key: rsa.RSAPrivateKey
) -> None:
    assert isinstance(fresh_cert.signature_hash_algorithm, hashes.SHA256)

    constraints = fresh_cert.extensions.get_extension_for_class(x509.BasicConstraints)
    assert constraints.critical
    assert constraints.value.ca is False

    usage = fresh_cert.extensions.get_extension_for_class(x509.KeyUsage)
    assert usage.critical
    assert usage.value.digital_signature
    assert not usage.value.key_encipherment
    assert not usage.value.key_cert_sign
    assert not usage.value.content_commitment

    key_id = fresh_cert.extensions.get_extension_for_class(x509.SubjectKeyIdentifier)
    expected = x509.SubjectKeyIdentifier.from_public_key(fresh_key.public_key())
    assert key_id.value == expected
    assert key_matches_certificate(fresh_key, fresh_cert)


def test_validity_is_the_days_asked_plus_a_minute_of_skew(
    fresh_key: rsa.RSAPrivateKey,
) -> None:
    cert = keys.self_signed_certificate(fresh_key, Subject("x"), days=30, now=NOW)

    assert cert.not_valid_before_utc == NOW - dt.timedelta(minutes=1)
    assert cert.not_valid_after_utc == NOW + dt.timedelta(days=30)


def test_naive_now_is_taken_as_utc(fresh_key: rsa.RSAPrivateKey) -> None:
    naive = NOW.replace(tzinfo=None)

    cert = keys.self_signed_certificate(fresh_key, Subject("x"), days=1, now=naive)

    assert cert.not_valid_after_utc == NOW + dt.timedelta(days=1)


def test_serial_numbers_differ(fresh_key: rsa.RSAPrivateKey) -> None:
    first = keys.self_signed_certificate(fresh_key, Subject("x"), now=NOW)
    second = keys.self_signed_certificate(fresh_key, Subject("x"), now=NOW)

    assert first.serial_number != second.serial_number


@pytest.mark.parametrize("days", [1, 3650, keys.MAX_DAYS])
def test_accepts_day_counts_in_range(fresh_key: rsa.RSAPrivateKey, days: int) -> None:
    cert = keys.self_signed_certificate(fresh_key, Subject("x"), days=days, now=NOW)

    assert cert.not_valid_after_utc - NOW == dt.timedelta(days=days)


@pytest.mark.parametrize("days", [0, -5, keys.MAX_DAYS + 1])
def test_refuses_day_counts_out_of_range(
    fresh_key: rsa.RSAPrivateKey, days: int
) -> None:
    with pytest.raises(UsageError, match="days"):
        keys.self_signed_certificate(fresh_key, Subject("x"), days=days)


@pytest.mark.parametrize(
    ("subject", "words"),
    [
        (Subject(""), "common name"),
        (Subject("   "), "common name"),
        (Subject("x", country="USA"), "two-letter"),
        (Subject("x", country="1A"), "two-letter"),
        (Subject("x" * 65), "common name"),
    ],
)
def test_bad_subjects_are_usage_errors(
    fresh_key: rsa.RSAPrivateKey, subject: Subject, words: str
) -> None:
    with pytest.raises(UsageError, match=words):
        keys.self_signed_certificate(fresh_key, subject)


# ---- serialising -------------------------------------------------------------


def test_plain_key_pem_is_unencrypted_pkcs8(fresh_key: rsa.RSAPrivateKey) -> None:
    assert keys.private_key_pem(fresh_key).startswith(b"-----BEGIN PRIVATE KEY-----")


def test_encrypted_key_pem_needs_the_passphrase(fresh_key: rsa.RSAPrivateKey) -> None:
    pem = keys.private_key_pem(fresh_key, PASSPHRASE)

    assert pem.startswith(b"-----BEGIN ENCRYPTED PRIVATE KEY-----")
    loaded = serialization.load_pem_private_key(pem, PASSPHRASE)
    assert isinstance(loaded, rsa.RSAPrivateKey)
    assert loaded.private_numbers() == fresh_key.private_numbers()


def test_empty_passphrase_is_refused(fresh_key: rsa.RSAPrivateKey) -> None:
    with pytest.raises(UsageError, match="passphrase"):
        keys.private_key_pem(fresh_key, b"")


def test_certificate_pem(fresh_cert: x509.Certificate) -> None:
    pem = keys.certificate_pem(fresh_cert)

    assert pem.startswith(b"-----BEGIN CERTIFICATE-----")
    assert x509.load_pem_x509_certificate(pem) == fresh_cert


# ---- writing -----------------------------------------------------------------


def test_write_then_load_back(
    tmp_path: Path, fresh_key: rsa.RSAPrivateKey, fresh_cert: x509.Certificate
) -> None:
    out_dir = tmp_path / "new" / "keys"

    written = keys.write_key_and_certificate(out_dir, fresh_key, fresh_cert)

    assert written.key_path == out_dir / "server.key"
    assert written.cert_path == out_dir / "server.crt"
    assert _mode(written.key_path) == 0o600
    assert _mode(written.cert_path) == 0o644
    assert _mode(out_dir) == 0o700
    loaded_key = load_private_key(written.key_path)
    assert loaded_key.private_numbers() == fresh_key.private_numbers()
    assert load_certificate(written.cert_path) == fresh_cert
    assert sorted(path.name for path in out_dir.iterdir()) == [
        "server.crt",
        "server.key",
    ]


def test_existing_folder_keeps_its_mode(
    tmp_path: Path, fresh_key: rsa.RSAPrivateKey, fresh_cert: x509.Certificate
) -> None:
    tmp_path.chmod(0o755)

    keys.write_key_and_certificate(tmp_path, fresh_key, fresh_cert)

    assert _mode(tmp_path) == 0o755


def test_modes_hold_under_a_strict_umask(
    tmp_path: Path, fresh_key: rsa.RSAPrivateKey, fresh_cert: x509.Certificate
) -> None:
    old_umask = os.umask(0o077)
    try:
        written = keys.write_key_and_certificate(tmp_path, fresh_key, fresh_cert)
    finally:
        os.umask(old_umask)

    assert _mode(written.key_path) == 0o600
    assert _mode(written.cert_path) == 0o644


def test_custom_file_names(
    tmp_path: Path, fresh_key: rsa.RSAPrivateKey, fresh_cert: x509.Certificate
) -> None:
    written = keys.write_key_and_certificate(
        tmp_path, fresh_key, fresh_cert, key_name="jwt.key", cert_name="jwt.crt"
    )

    assert written.key_path.name == "jwt.key"
    assert load_certificate(tmp_path / "jwt.crt") == fresh_cert


@pytest.mark.parametrize(
    ("key_name", "cert_name"),
    [("../server.key", "server.crt"), ("", "server.crt"), ("same", "same")],
)
def test_bad_file_names_are_usage_errors(
    tmp_path: Path,
    fresh_key: rsa.RSAPrivateKey,
    fresh_cert: x509.Certificate,
    key_name: str,
    cert_name: str,
) -> None:
    with pytest.raises(UsageError):
        keys.write_key_and_certificate(
            tmp_path, fresh_key, fresh_cert, key_name=key_name, cert_name=cert_name
        )

    assert list(tmp_path.iterdir()) == []


def test_encrypted_key_round_trip(
    tmp_path: Path, fresh_key: rsa.RSAPrivateKey, fresh_cert: x509.Certificate
) -> None:
    written = keys.write_key_and_certificate(
        tmp_path, fresh_key, fresh_cert, passphrase=PASSPHRASE
    )

    with pytest.raises(KeyFileError) as missing:
        load_private_key(written.key_path)
    assert missing.value.code == "key_encrypted"
    loaded = load_private_key(written.key_path, PASSPHRASE)
    assert loaded.private_numbers() == fresh_key.private_numbers()


def test_refuses_to_overwrite_and_writes_nothing(
    tmp_path: Path, fresh_key: rsa.RSAPrivateKey, fresh_cert: x509.Certificate
) -> None:
    existing = tmp_path / "server.crt"
    existing.write_text("keep me")

    with pytest.raises(OutputExistsError) as caught:
        keys.write_key_and_certificate(tmp_path, fresh_key, fresh_cert)

    assert "server.crt" in caught.value.message
    assert "overwrit" in caught.value.fix
    assert existing.read_text() == "keep me"
    assert not (tmp_path / "server.key").exists()


def test_force_overwrites_with_private_mode(
    tmp_path: Path, fresh_key: rsa.RSAPrivateKey, fresh_cert: x509.Certificate
) -> None:
    old_key = tmp_path / "server.key"
    old_key.write_text("old key")
    old_key.chmod(0o644)
    (tmp_path / "server.crt").write_text("old cert")

    written = keys.write_key_and_certificate(
        tmp_path, fresh_key, fresh_cert, force=True
    )

    assert _mode(written.key_path) == 0o600
    assert load_private_key(written.key_path).private_numbers() == (
        fresh_key.private_numbers()
    )
    assert load_certificate(written.cert_path) == fresh_cert


def test_read_only_folder_gives_write_failed(
    tmp_path: Path, fresh_key: rsa.RSAPrivateKey, fresh_cert: x509.Certificate
) -> None:
    locked = tmp_path / "locked"
    locked.mkdir()
    locked.chmod(0o500)
    try:
        if os.access(locked, os.W_OK):
            pytest.skip("this user can write to read-only folders (root)")

        with pytest.raises(KeyFileError) as caught:
            keys.write_key_and_certificate(locked, fresh_key, fresh_cert)
    finally:
        locked.chmod(0o700)

    assert caught.value.code == "write_failed"
    assert str(locked) in caught.value.message
    assert caught.value.fix


def test_full_disk_gives_write_failed_and_leaves_old_files(
    tmp_path: Path,
    fresh_key: rsa.RSAPrivateKey,
    fresh_cert: x509.Certificate,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    (tmp_path / "server.key").write_text("old key")

    def disk_full(descriptor: int, data: bytes) -> None:
        raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))

    monkeypatch.setattr(keys, "_write_all", disk_full)

    with pytest.raises(KeyFileError) as caught:
        keys.write_key_and_certificate(tmp_path, fresh_key, fresh_cert, force=True)

    assert caught.value.code == "write_failed"
    assert str(tmp_path) in caught.value.message
    assert os.strerror(errno.ENOSPC) in caught.value.message
    assert [path.name for path in tmp_path.iterdir()] == ["server.key"]
    assert (tmp_path / "server.key").read_text() == "old key"


def test_a_file_in_place_of_the_folder_gives_write_failed(
    tmp_path: Path, fresh_key: rsa.RSAPrivateKey, fresh_cert: x509.Certificate
) -> None:
    blocker = tmp_path / "keys"
    blocker.write_text("not a folder")

    with pytest.raises(KeyFileError) as caught:
        keys.write_key_and_certificate(blocker, fresh_key, fresh_cert)

    assert caught.value.code == "write_failed"


# ---- openssl reads what we write ---------------------------------------------


@needs_openssl
def test_openssl_reads_our_encrypted_key(
    tmp_path: Path, fresh_key: rsa.RSAPrivateKey, fresh_cert: x509.Certificate
) -> None:
    written = keys.write_key_and_certificate(
        tmp_path, fresh_key, fresh_cert, passphrase=PASSPHRASE
    )

    result = subprocess.run(
        [
            "openssl",
            "pkey",
            "-in",
            str(written.key_path),
            "-passin",
            f"pass:{PASSPHRASE.decode()}",
            "-pubout",
        ],
        capture_output=True,
        check=True,
    )

    expected = fresh_key.public_key().public_bytes(
        serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
    )
    assert result.stdout == expected


@needs_openssl
def test_openssl_refuses_our_key_with_a_wrong_passphrase(
    tmp_path: Path, fresh_key: rsa.RSAPrivateKey, fresh_cert: x509.Certificate
) -> None:
    written = keys.write_key_and_certificate(
        tmp_path, fresh_key, fresh_cert, passphrase=PASSPHRASE
    )

    result = subprocess.run(
        ["openssl", "pkey", "-in", str(written.key_path), "-passin", "pass:wrong"],
        capture_output=True,
        check=False,
    )

    assert result.returncode != 0


@needs_openssl
def test_openssl_sees_the_certificate_extensions(
    tmp_path: Path, fresh_key: rsa.RSAPrivateKey, fresh_cert: x509.Certificate
) -> None:
    written = keys.write_key_and_certificate(tmp_path, fresh_key, fresh_cert)

    text = subprocess.run(
        ["openssl", "x509", "-in", str(written.cert_path), "-noout", "-text"],
        capture_output=True,
        check=True,
        text=True,
    ).stdout

    assert "CA:FALSE" in text
    assert "Digital Signature" in text
    assert "sha256WithRSAEncryption" in text
    assert "Key Encipherment" not in text


@needs_openssl
def test_encrypted_key_uses_aes_256_with_pbkdf2(fresh_key: rsa.RSAPrivateKey) -> None:
    pem = keys.private_key_pem(fresh_key, PASSPHRASE)

    structure = subprocess.run(
        ["openssl", "asn1parse"], input=pem, capture_output=True, check=True
    ).stdout.decode()

    assert ":PBES2" in structure
    assert ":PBKDF2" in structure
    assert ":aes-256-cbc" in structure
