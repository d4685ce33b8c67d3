"""Describe keys and certificates, and tell whether a key fits a certificate.

Salesforce verifies the assertion with the public key of the uploaded
certificate, so "does my key match the certificate I uploaded?" is the first
question when a login answers ``invalid assertion``. Fingerprints are shown
the way ``openssl x509 -fingerprint`` prints them, so users can compare.
"""

from __future__ import annotations

import datetime as dt
import hashlib
from dataclasses import dataclass

from cryptography import x509
from cryptography.exceptions import InvalidSignature, UnsupportedAlgorithm
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import dh, dsa, ec, ed448, ed25519, rsa
from cryptography.hazmat.primitives.asymmetric.types import (
    PrivateKeyTypes,
    PublicKeyTypes,
)

_EC_CURVE_NAMES = {"secp256r1": "P-256", "secp384r1": "P-384", "secp521r1": "P-521"}


@dataclass(frozen=True)
class KeyInfo:
    """A private key's type, size and the SHA-256 of its public half."""

    key_type: str
    bits: int
    public_sha256: str  # SHA-256 of the DER SubjectPublicKeyInfo, colon hex


@dataclass(frozen=True)
class CertInfo:
    """What a user needs to know about a certificate, in display form."""

    subject: str
    issuer: str
    common_name: str
    serial_hex: str
    not_before: dt.datetime
    not_after: dt.datetime
    sha256_fingerprint: str
    sha1_fingerprint: str
    key_type: str
    key_bits: int
    signature_hash: str
    self_signed: bool

    def days_left(self, now: dt.datetime | None = None) -> int:
        """Days until expiry, counting a started day as a day; negative once expired.

        A certificate made just now for 365 days has 365 days left, and one
        that expired an hour ago has -1.
        """
        remaining = self.not_after - _utc(now)
        if remaining <= dt.timedelta(0):
            return remaining // dt.timedelta(days=1)
        return -(-remaining // dt.timedelta(days=1))

    def is_expired(self, now: dt.datetime | None = None) -> bool:
        # Salesforce keeps accepting an expired certificate, so callers should
        # warn about this, not refuse.
        return _utc(now) > self.not_after


def describe_key(key: rsa.RSAPrivateKey) -> KeyInfo:
    """Type, size and public-key hash of a private key."""
    key_type, bits = key_type_and_bits(key)
    spki = key.public_key().public_bytes(
        serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo
    )
    return KeyInfo(key_type, bits or 0, colon_hex(hashlib.sha256(spki).digest()))


def describe_certificate(cert: x509.Certificate) -> CertInfo:
    """The facts about ``cert`` that the app shows and compares."""
    try:
        key_type, bits = key_type_and_bits(cert.public_key())
    except (ValueError, UnsupportedAlgorithm):
        key_type, bits = "unknown", None
    try:
        algorithm = cert.signature_hash_algorithm
        signature_hash = algorithm.name if algorithm is not None else ""
    except UnsupportedAlgorithm:
        signature_hash = "unknown"

    return CertInfo(
        subject=cert.subject.rfc4514_string(),
        issuer=cert.issuer.rfc4514_string(),
        common_name=common_name(cert.subject),
        serial_hex=_serial_hex(cert.serial_number),
        not_before=cert.not_valid_before_utc,
        not_after=cert.not_valid_after_utc,
        sha256_fingerprint=colon_hex(cert.fingerprint(hashes.SHA256())),
        # SHA-1 only as a display fingerprint: some consoles still show it.
        sha1_fingerprint=colon_hex(cert.fingerprint(hashes.SHA1())),  # noqa: S303
        key_type=key_type,
        key_bits=bits or 0,
        signature_hash=signature_hash,
        self_signed=_is_self_signed(cert),
    )


def key_matches_certificate(key: rsa.RSAPrivateKey, cert: x509.Certificate) -> bool:
    """True when ``cert`` carries the public half of ``key``."""
    try:
        cert_key = cert.public_key()
    except (ValueError, UnsupportedAlgorithm):
        return False
    own_key = key.public_key()
    if isinstance(own_key, rsa.RSAPublicKey) and isinstance(cert_key, rsa.RSAPublicKey):
        return own_key.public_numbers() == cert_key.public_numbers()
    return _spki(own_key) == _spki(cert_key)


def certificate_pem_text(cert: x509.Certificate) -> str:
    """The certificate as PEM text, ready to paste into Salesforce."""
    return cert.public_bytes(serialization.Encoding.PEM).decode("ascii")


def key_type_and_bits(key: PrivateKeyTypes | PublicKeyTypes) -> tuple[str, int | None]:
    """("RSA", 2048), ("EC", 256), ("Ed25519", 256); size None when it has none."""
    if isinstance(key, (rsa.RSAPrivateKey, rsa.RSAPublicKey)):
        return "RSA", key.key_size
    if isinstance(key, (ec.EllipticCurvePrivateKey, ec.EllipticCurvePublicKey)):
        return "EC", key.curve.key_size
    if isinstance(key, (dsa.DSAPrivateKey, dsa.DSAPublicKey)):
        return "DSA", key.key_size
    if isinstance(key, (ed25519.Ed25519PrivateKey, ed25519.Ed25519PublicKey)):
        return "Ed25519", 256
    if isinstance(key, (ed448.Ed448PrivateKey, ed448.Ed448PublicKey)):
        return "Ed448", 456
    if isinstance(key, (dh.DHPrivateKey, dh.DHPublicKey)):
        return "DH", key.key_size
    name = type(key).__name__.lstrip("_")
    return name.replace("PrivateKey", "").replace("PublicKey", ""), None


def key_summary(key: PrivateKeyTypes | PublicKeyTypes, role: str = "key") -> str:
    """Words for a key: "RSA private key, 2048 bits", "EC public key (P-256)"."""
    key_type, bits = key_type_and_bits(key)
    if isinstance(key, (ec.EllipticCurvePrivateKey, ec.EllipticCurvePublicKey)):
        curve = _EC_CURVE_NAMES.get(key.curve.name, key.curve.name)
        return f"EC {role} ({curve})"
    if key_type in ("RSA", "DSA", "DH") and bits:
        return f"{key_type} {role}, {bits} bits"
    return f"{key_type} {role}"


def common_name(name: x509.Name) -> str:
    """The first CN of ``name``, or "" when it has none."""
    attributes = name.get_attributes_for_oid(x509.NameOID.COMMON_NAME)
    if not attributes:
        return ""
    value = attributes[0].value
    return value if isinstance(value, str) else value.decode("utf-8", "replace")


def colon_hex(digest: bytes) -> str:
    """Bytes as "AB:CD:..", the form openssl prints fingerprints in."""
    return ":".join(f"{byte:02X}" for byte in digest)


def _serial_hex(serial: int) -> str:
    # openssl prints serials as whole bytes of uppercase hex ("serial=0A1B...").
    text = f"{serial:X}"
    return text if len(text) % 2 == 0 else f"0{text}"


def _is_self_signed(cert: x509.Certificate) -> bool:
    if cert.subject != cert.issuer:
        return False
    try:
        cert.verify_directly_issued_by(cert)
    except (ValueError, TypeError, InvalidSignature, UnsupportedAlgorithm):
        return False
    return True


def _spki(key: PublicKeyTypes) -> bytes:
    return key.public_bytes(
        serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo
    )


def _utc(moment: dt.datetime | None) -> dt.datetime:
    if moment is None:
        return dt.datetime.now(dt.timezone.utc)
    if moment.tzinfo is None:
        return moment.replace(tzinfo=dt.timezone.utc)  # naive means UTC here
    return moment
