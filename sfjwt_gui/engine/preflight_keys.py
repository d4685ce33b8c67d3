"""Checks of the key and certificate files, run before anything is sent.

Separate from the other checks because it needs cryptography, which the
window loads only when it works with files.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from pathlib import Path

from cryptography import x509
from cryptography.hazmat.primitives.asymmetric import rsa

from sfjwt_gui.engine.catalog import make_finding
from sfjwt_gui.engine.certinfo import describe_certificate, key_matches_certificate
from sfjwt_gui.engine.errors import KeyFileError
from sfjwt_gui.engine.findings import Finding
from sfjwt_gui.engine.keyfiles import load_certificate, load_private_key
from sfjwt_gui.engine.preflight import EXPIRY_WARNING_DAYS, MIN_KEY_BITS


@dataclass
class KeyCheck:
    key: rsa.RSAPrivateKey | None = None
    findings: list[Finding] = field(default_factory=list)


@dataclass
class CertCheck:
    certificate: x509.Certificate | None = None
    findings: list[Finding] = field(default_factory=list)


def check_key(key_path: str, passphrase: bytes | None = None) -> KeyCheck:
    if not key_path.strip():
        return KeyCheck(findings=[make_finding("key_missing")])
    try:
        key = load_private_key(Path(key_path).expanduser(), passphrase)
    except KeyFileError as error:
        return KeyCheck(findings=[make_finding(error.code, str(error))])
    if key.key_size < MIN_KEY_BITS:
        detail = f"The key has {key.key_size} bits."
        return KeyCheck(key=key, findings=[make_finding("key_too_small", detail)])
    return KeyCheck(key=key)


def check_certificate(
    cert_path: str,
    key: rsa.RSAPrivateKey | None = None,
    *,
    passphrase: bytes | None = None,
    now: dt.datetime | None = None,
) -> CertCheck:
    """``passphrase`` opens a PKCS#12 bundle holding both key and certificate."""
    if not cert_path.strip():
        return CertCheck(findings=[make_finding("cert_missing")])
    try:
        certificate = load_certificate(Path(cert_path).expanduser(), passphrase)
    except KeyFileError as error:
        return CertCheck(findings=[make_finding("cert_unreadable", str(error))])

    findings: list[Finding] = []
    info = describe_certificate(certificate)
    days_left = info.days_left(now)
    if info.is_expired(now):
        ended = info.not_after.strftime("%Y-%m-%d")
        findings.append(make_finding("cert_expired", f"It expired on {ended}."))
    elif days_left <= EXPIRY_WARNING_DAYS:
        findings.append(
            make_finding("cert_expires_soon", f"It expires in {days_left} days.")
        )

    if key is not None and not key_matches_certificate(key, certificate):
        findings.append(
            make_finding(
                "cert_key_mismatch",
                f"The key's public part differs from the one in {info.subject}.",
            )
        )
    return CertCheck(certificate=certificate, findings=findings)
