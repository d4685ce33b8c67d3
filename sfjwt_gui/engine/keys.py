"""Make an RSA key and a self-signed certificate, and write them to disk safely.

Salesforce checks a JWT bearer assertion with the public key of the certificate
uploaded to the connected app, so the user needs an RSA key pair and an X.509
certificate for it. A self-signed one is accepted.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import logging
import os
import secrets
from pathlib import Path

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import rsa

from sfjwt_gui.engine.errors import KeyFileError, OutputExistsError, UsageError
from sfjwt_gui.engine.keyspec import (
    DEFAULT_DAYS,
    KEY_SIZES,
    MAX_DAYS,
    Subject,
    WrittenFiles,
)

__all__ = [
    "DEFAULT_DAYS",
    "KEY_SIZES",
    "MAX_DAYS",
    "Subject",
    "WrittenFiles",
    "certificate_pem",
    "generate_private_key",
    "private_key_pem",
    "self_signed_certificate",
    "write_key_and_certificate",
]

logger = logging.getLogger(__name__)

# A certificate made "now" is valid from a minute ago, so a server whose
# clock runs slightly behind does not see it as not yet valid.
CLOCK_SKEW = dt.timedelta(minutes=1)

KEY_FILE_MODE = 0o600
CERT_FILE_MODE = 0o644
NEW_DIR_MODE = 0o700


def generate_private_key(bits: int = 2048) -> rsa.RSAPrivateKey:
    """A new RSA private key of one of the sizes in ``KEY_SIZES``."""
    if bits not in KEY_SIZES:
        sizes = ", ".join(str(size) for size in KEY_SIZES)
        raise UsageError(
            f"{bits} bits is not an offered RSA key size.",
            fix=f"Choose one of {sizes} bits.",
        )
    logger.info("Generating a %d-bit RSA key", bits)
    return rsa.generate_private_key(public_exponent=65537, key_size=bits)


def self_signed_certificate(
    key: rsa.RSAPrivateKey,
    subject: Subject,
    *,
    days: int = DEFAULT_DAYS,
    now: dt.datetime | None = None,
) -> x509.Certificate:
    """A self-signed SHA-256 certificate for ``key``, valid for ``days`` days."""
    if not 1 <= days <= MAX_DAYS:
        raise UsageError(
            f"A certificate cannot be valid for {days} days.",
            fix=f"Choose between 1 and {MAX_DAYS} days (365 is usual).",
        )
    name = subject.to_x509_name()

    start = _as_utc(now or dt.datetime.now(dt.timezone.utc))
    builder = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(start - CLOCK_SKEW)
        .not_valid_after(start + dt.timedelta(days=days))
        .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
        .add_extension(_signature_only_key_usage(), critical=True)
        .add_extension(
            x509.SubjectKeyIdentifier.from_public_key(key.public_key()), critical=False
        )
    )
    cert = builder.sign(key, hashes.SHA256())
    logger.info(
        "Made a self-signed certificate for %s, %d days", name.rfc4514_string(), days
    )
    return cert


def _signature_only_key_usage() -> x509.KeyUsage:
    return x509.KeyUsage(
        digital_signature=True,
        content_commitment=False,
        key_encipherment=False,
        data_encipherment=False,
        key_agreement=False,
        key_cert_sign=False,
        crl_sign=False,
        encipher_only=False,
        decipher_only=False,
    )


def _as_utc(moment: dt.datetime) -> dt.datetime:
    # A naive time is taken to be UTC already; certificates only speak UTC.
    if moment.tzinfo is None:
        return moment.replace(tzinfo=dt.timezone.utc)
    return moment.astimezone(dt.timezone.utc)


def private_key_pem(key: rsa.RSAPrivateKey, passphrase: bytes | None = None) -> bytes:
    """The key as PKCS#8 PEM, encrypted when a passphrase is given."""
    if passphrase is None:
        encryption: serialization.KeySerializationEncryption = (
            serialization.NoEncryption()
        )
    elif not passphrase:
        raise UsageError(
            "The passphrase for the private key is empty.",
            fix="Enter a passphrase, or choose to save the key without one.",
        )
    else:
        # BestAvailableEncryption gives PKCS#8 "ENCRYPTED PRIVATE KEY" with
        # PBES2: PBKDF2-HMAC-SHA256 and AES-256-CBC (checked with `openssl
        # asn1parse` on cryptography 50 / OpenSSL 3.0; a test guards it, and
        # another has `openssl pkey` read the key back).
        encryption = serialization.BestAvailableEncryption(passphrase)
    return key.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, encryption
    )


def certificate_pem(cert: x509.Certificate) -> bytes:
    """The certificate as PEM, the form Salesforce's upload expects."""
    return cert.public_bytes(serialization.Encoding.PEM)


def write_key_and_certificate(
    out_dir: Path,
    key: rsa.RSAPrivateKey,
    cert: x509.Certificate,
    *,
    passphrase: bytes | None = None,
    force: bool = False,
    key_name: str = "server.key",
    cert_name: str = "server.crt",
) -> WrittenFiles:
    """Write the key (mode 0600) and the certificate (0644) into ``out_dir``.

    Nothing is written when either file exists, unless ``force`` is set.
    """
    _check_file_name(key_name)
    _check_file_name(cert_name)
    if key_name == cert_name:
        raise UsageError(
            f"The key and the certificate would both be written to {key_name}.",
            fix="Give the key and the certificate different file names.",
        )

    key_bytes = private_key_pem(key, passphrase)
    cert_bytes = certificate_pem(cert)
    key_path = out_dir / key_name
    cert_path = out_dir / cert_name
    if not force:
        _refuse_existing(key_path, cert_path)

    try:
        _make_output_dir(out_dir)
        _write_files_atomically(
            [
                (key_path, key_bytes, KEY_FILE_MODE),
                (cert_path, cert_bytes, CERT_FILE_MODE),
            ]
        )
    except OSError as exc:
        raise KeyFileError(
            f"Cannot write the key and certificate into the folder {out_dir}: "
            f"{exc.strerror or exc}.",
            code="write_failed",
            fix="Choose a folder you can write to and check that the disk is not full.",
        ) from exc

    logger.info("Wrote private key %s and certificate %s", key_path, cert_path)
    return WrittenFiles(key_path=key_path, cert_path=cert_path)


def _check_file_name(name: str) -> None:
    if not name or name in (".", "..") or "/" in name or os.sep in name:
        raise UsageError(
            f"{name!r} is not a plain file name.",
            fix="Give a file name without a folder, such as server.key.",
        )


def _refuse_existing(*targets: Path) -> None:
    existing = [path for path in targets if path.exists() or path.is_symlink()]
    if not existing:
        return
    names = " and ".join(str(path) for path in existing)
    verb = "exists" if len(existing) == 1 else "exist"
    raise OutputExistsError(
        f"{names} already {verb}; nothing was written.",
        fix="Choose another folder, or allow overwriting the existing files.",
    )


def _make_output_dir(out_dir: Path) -> None:
    if out_dir.is_dir():
        return
    out_dir.mkdir(parents=True, mode=NEW_DIR_MODE)
    # mkdir's mode is reduced by the umask; the folder holds a private key.
    os.chmod(out_dir, NEW_DIR_MODE)


def _write_files_atomically(files: list[tuple[Path, bytes, int]]) -> None:
    """Write every file to a temporary name first, then move all into place.

    A failure part-way leaves the old files (if any) untouched.
    """
    # FIXME(keys-write): not all-or-nothing across the two files: if the second
    # os.replace fails, the new key sits beside the old certificate. A rollback
    # would need the old files kept aside first. The no-overwrite check before
    # this call is also not atomic against another program creating the files.
    temporaries: list[tuple[Path, Path]] = []
    try:
        for target, data, mode in files:
            temporary = _write_private_temp(target, data, mode)
            temporaries.append((temporary, target))
        for temporary, target in temporaries:
            os.replace(temporary, target)
    finally:
        for temporary, _target in temporaries:
            with contextlib.suppress(FileNotFoundError):
                temporary.unlink()
    _sync_dir(files[0][0].parent)


def _write_private_temp(target: Path, data: bytes, mode: int) -> Path:
    temporary = target.with_name(f".{target.name}.{secrets.token_hex(6)}.tmp")
    flags = os.O_CREAT | os.O_EXCL | os.O_WRONLY | getattr(os, "O_BINARY", 0)
    # The file has its final mode from the moment it exists, so a private key
    # is never readable by others, not even for an instant.
    descriptor = os.open(temporary, flags, mode)
    try:
        try:
            if hasattr(os, "fchmod"):
                os.fchmod(descriptor, mode)  # the umask may have removed bits
            _write_all(descriptor, data)
            os.fsync(descriptor)
        finally:
            os.close(descriptor)
    except BaseException:
        with contextlib.suppress(FileNotFoundError):
            temporary.unlink()
        raise
    return temporary


def _write_all(descriptor: int, data: bytes) -> None:
    view = memoryview(data)
    while view:
        written = os.write(descriptor, view)
        view = view[written:]


def _sync_dir(folder: Path) -> None:
    # Makes the renames durable; not possible on every platform, never fatal.
    try:
        descriptor = os.open(folder, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(descriptor)
    except OSError:
        logger.debug("Could not fsync folder %s", folder)
    finally:
        os.close(descriptor)
