"""The work behind the Tools dialogs: inspect a file, check a key against a cert.

These functions run on TaskRunner's worker threads, so they touch no widget and
import nothing from Qt. Problems the user can cause come back inside the
report, never as an exception, so the dialog can show every one of them at once.
"""

from __future__ import annotations

import hashlib
import logging
from dataclasses import dataclass
from pathlib import Path

from cryptography import x509
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa

from sfjwt_gui.engine.assertion import build_claims, sign_assertion, verify_signature
from sfjwt_gui.engine.certinfo import (
    CertInfo,
    KeyInfo,
    colon_hex,
    describe_certificate,
    describe_key,
    key_matches_certificate,
)
from sfjwt_gui.engine.errors import SfjwtError
from sfjwt_gui.engine.keyfiles import (
    FileIdentity,
    FileKind,
    identify_file,
    load_certificate,
    load_pkcs12,
    load_private_key,
)

logger = logging.getLogger(__name__)

PASSPHRASE_CODES = ("key_encrypted", "key_passphrase_wrong")

# The test assertion only proves that key and certificate fit; it is never sent.
_CHECK_CLIENT_ID = "sfjwt-gui-match-check"
_CHECK_USERNAME = "match-check@example.invalid"
_CHECK_AUDIENCE = "https://login.salesforce.com"


def public_key_sha256(source: x509.Certificate | rsa.RSAPrivateKey) -> str:
    """SHA-256 of the DER public key: equal for a key and its certificate."""
    public_key = source.public_key()
    der = public_key.public_bytes(
        serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo
    )
    return colon_hex(hashlib.sha256(der).digest())


@dataclass(frozen=True)
class FileReport:
    """What one inspected file holds, or why it could not be read further."""

    path: Path
    identity: FileIdentity | None = None
    key_info: KeyInfo | None = None
    cert_info: CertInfo | None = None
    cert_public_sha256: str = ""
    problem: SfjwtError | None = None

    @property
    def locked(self) -> bool:
        """True when a passphrase is what stands between the user and the key."""
        return self.problem is not None and self.problem.code in PASSPHRASE_CODES

    @property
    def has_key(self) -> bool:
        return self.key_info is not None

    @property
    def has_certificate(self) -> bool:
        return self.cert_info is not None


def inspect_file(path: Path, passphrase: bytes | None = None) -> FileReport:
    """Identify ``path`` and, for keys, certificates and bundles, describe them."""
    try:
        identity = identify_file(path)
    except SfjwtError as error:
        return FileReport(path, problem=error)

    logger.info("Inspecting %s: %s", path.name, identity.kind.value)
    try:
        if identity.kind is FileKind.PRIVATE_KEY:
            key = load_private_key(path, passphrase)
            return FileReport(path, identity, key_info=describe_key(key))

        if identity.kind is FileKind.CERTIFICATE:
            return _with_certificate(FileReport(path, identity), load_certificate(path))

        if identity.kind is FileKind.PKCS12:
            bundle_key, bundle_cert = load_pkcs12(path, passphrase)
            report = FileReport(
                path,
                identity,
                key_info=describe_key(bundle_key) if bundle_key is not None else None,
            )
            return _with_certificate(report, bundle_cert)
    except SfjwtError as error:
        return FileReport(path, identity, problem=error)

    return FileReport(path, identity)


def _with_certificate(report: FileReport, cert: x509.Certificate | None) -> FileReport:
    if cert is None:
        return report
    return FileReport(
        report.path,
        report.identity,
        key_info=report.key_info,
        cert_info=describe_certificate(cert),
        cert_public_sha256=public_key_sha256(cert),
        problem=report.problem,
    )


@dataclass(frozen=True)
class MatchReport:
    """The outcome of checking a private key against a certificate."""

    key_error: SfjwtError | None = None
    cert_error: SfjwtError | None = None
    check_error: SfjwtError | None = None
    key_public_sha256: str = ""
    cert_sha256: str = ""
    cert_public_sha256: str = ""
    key_matches: bool = False
    signature_verifies: bool = False

    @property
    def complete(self) -> bool:
        """Both files were read and the test assertion was signed."""
        return not (self.key_error or self.cert_error or self.check_error)

    @property
    def belong_together(self) -> bool:
        return self.complete and self.key_matches and self.signature_verifies


def check_pair(
    key_path: Path, cert_path: Path, passphrase: bytes | None = None
) -> MatchReport:
    """Load both files, compare them and sign-then-verify a test assertion."""
    key: rsa.RSAPrivateKey | None = None
    cert: x509.Certificate | None = None
    key_error: SfjwtError | None = None
    cert_error: SfjwtError | None = None
    try:
        key = load_private_key(key_path, passphrase)
    except SfjwtError as error:
        key_error = error
    try:
        cert = load_certificate(cert_path, passphrase)
    except SfjwtError as error:
        cert_error = error
    if key is None or cert is None:
        return MatchReport(key_error=key_error, cert_error=cert_error)

    key_hash = public_key_sha256(key)
    cert_hash = public_key_sha256(cert)
    cert_fingerprint = describe_certificate(cert).sha256_fingerprint
    try:
        claims = build_claims(
            client_id=_CHECK_CLIENT_ID,
            username=_CHECK_USERNAME,
            audience=_CHECK_AUDIENCE,
        )
        verifies = verify_signature(sign_assertion(claims, key), cert)
    except SfjwtError as error:
        return MatchReport(
            check_error=error,
            key_public_sha256=key_hash,
            cert_sha256=cert_fingerprint,
            cert_public_sha256=cert_hash,
        )

    matches = key_matches_certificate(key, cert)
    logger.info(
        "Checked %s against %s: match=%s, verifies=%s",
        key_path.name,
        cert_path.name,
        matches,
        verifies,
    )
    return MatchReport(
        key_public_sha256=key_hash,
        cert_sha256=cert_fingerprint,
        cert_public_sha256=cert_hash,
        key_matches=matches,
        signature_verifies=verifies,
    )
