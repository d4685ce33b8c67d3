"""Saying what any file is: a key, a certificate, a PKCS#12 bundle, or something else.

Users often pick the wrong file (the certificate instead of the key, an OpenSSH
key, a CSR), so the description names what the file actually holds.
"""

from __future__ import annotations

import base64
import logging
import struct
from dataclasses import replace
from pathlib import Path

from cryptography import x509
from cryptography.exceptions import UnsupportedAlgorithm
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.types import (
    PrivateKeyTypes,
    PublicKeyTypes,
)
from cryptography.hazmat.primitives.serialization import pkcs12

from sfjwt_gui.engine.certinfo import common_name, key_summary, key_type_and_bits
from sfjwt_gui.engine.filekinds import FileIdentity, FileKind
from sfjwt_gui.engine.keyparse import (
    CERT_PEM_LABELS,
    CSR_PEM_LABELS,
    MAX_FILE_BYTES,
    OPENSSH_PRIVATE_LABEL,
    PRIVATE_PEM_LABELS,
    PUBLIC_PEM_LABELS,
    SSH_PUBLIC_PREFIXES,
    PemBlock,
    der_key_container,
    looks_like_pkcs12,
    normalise,
    pem_blocks,
    pem_payload,
    read_source,
)

logger = logging.getLogger(__name__)


NOT_A_KEY_OR_CERT = "not a key or certificate"
TOO_LARGE = "file is too large to be a key or certificate"

# ---- words -------------------------------------------------------------------


def with_article(phrase: str) -> str:
    """``phrase`` with "a" or "an" in front, as it is spoken."""
    first = phrase.split(" ", 1)[0]
    spoken_vowel = first[:1].lower() in "aeiou" or first in ("RSA", "X.509", "SSH")
    return f"{'an' if spoken_vowel else 'a'} {phrase}"


def _form(*parts: str, encrypted: bool = False) -> str:
    words = [part for part in parts if part] + (["encrypted"] if encrypted else [])
    return f" ({', '.join(words)})" if words else ""


def _name_for_humans(name: x509.Name) -> str:
    cn = common_name(name)
    return f"CN={cn}" if cn else (name.rfc4514_string() or "an empty subject")


# ---- identification ----------------------------------------------------------


def identify_bytes(data: bytes) -> FileIdentity:
    """What ``data`` is; never raises, whatever the bytes."""
    try:
        return _identify(data)
    except Exception:
        # Anything that trips a parser is simply not something we can use.
        logger.debug("Identification failed", exc_info=True)
        return FileIdentity(FileKind.UNKNOWN, NOT_A_KEY_OR_CERT)


def identify_file(path: Path) -> FileIdentity:
    """What the file at ``path`` is; KeyFileError if it cannot be read."""
    return identify_bytes(read_source(path, "key_missing")[0])


def _identify(raw: bytes) -> FileIdentity:
    if len(raw) > MAX_FILE_BYTES:
        return FileIdentity(FileKind.UNKNOWN, TOO_LARGE)
    data = normalise(raw)
    if not data.strip():
        return FileIdentity(FileKind.EMPTY, "empty file")

    blocks = pem_blocks(data)
    if blocks:
        return _identify_pem(blocks)
    stripped = data.strip()
    if stripped.startswith(SSH_PUBLIC_PREFIXES):
        key = serialization.load_ssh_public_key(stripped.split(b"\n")[0])
        return _ssh_identity(FileKind.OPENSSH_PUBLIC_KEY, "OpenSSH public key", key, "")
    if stripped.startswith(b"---- BEGIN SSH2 PUBLIC KEY"):
        return FileIdentity(
            FileKind.OPENSSH_PUBLIC_KEY,
            "SSH public key (RFC 4716)",
            container="OpenSSH",
        )
    if data[:1] == b"\x30":
        return _identify_der(data)
    return FileIdentity(FileKind.UNKNOWN, NOT_A_KEY_OR_CERT)


def _identify_pem(blocks: list[PemBlock]) -> FileIdentity:
    identities = [identify_pem_block_safely(block) for block in blocks]
    # A private key is what matters most in a combined file, then a certificate.
    rank = {FileKind.PRIVATE_KEY: 0, FileKind.CERTIFICATE: 1}
    main = min(identities, key=lambda identity: rank.get(identity.kind, 2))
    others = [identity for identity in identities if identity is not main]
    if not others:
        return main
    extra = ", ".join(with_article(identity.description) for identity in others)
    return replace(main, description=f"{main.description}; the file also holds {extra}")


def identify_pem_block_safely(block: PemBlock) -> FileIdentity:
    try:
        return _identify_pem_block(block)
    except Exception:
        # Broken base64 or DER inside a block we know by its label.
        logger.debug("PEM block %r cannot be parsed", block.label, exc_info=True)
    kind = FileKind.UNKNOWN
    if block.label in PRIVATE_PEM_LABELS:
        kind = FileKind.PRIVATE_KEY
    elif block.label in CERT_PEM_LABELS:
        kind = FileKind.CERTIFICATE
    elif block.label == OPENSSH_PRIVATE_LABEL:
        kind = FileKind.OPENSSH_PRIVATE_KEY
    label = block.label.lower()
    return FileIdentity(kind, f"damaged PEM block {label!r}", "PEM")


def _identify_pem_block(block: PemBlock) -> FileIdentity:
    label = block.label
    if label in PRIVATE_PEM_LABELS:
        return _identify_private_pem(block)
    if label == OPENSSH_PRIVATE_LABEL:
        return _identify_openssh_private(block)
    if label in CERT_PEM_LABELS:
        return _cert_identity(x509.load_der_x509_certificate(pem_payload(block)), "PEM")
    if label in CSR_PEM_LABELS:
        return _csr_identity(x509.load_der_x509_csr(pem_payload(block)), "PEM")
    if label in PUBLIC_PEM_LABELS:
        key = serialization.load_pem_public_key(block.text)
        container = "PKCS#1" if label.startswith("RSA") else ""
        return _public_identity(key, "PEM", container)
    if label in ("PKCS7", "CMS"):
        return FileIdentity(FileKind.UNKNOWN, "PKCS#7 certificate bundle (.p7b)", "PEM")
    return FileIdentity(
        FileKind.UNKNOWN, f"PEM block {label!r}, {NOT_A_KEY_OR_CERT}", "PEM"
    )


def _identify_private_pem(block: PemBlock) -> FileIdentity:
    container = PRIVATE_PEM_LABELS[block.label]
    legacy_type = block.label.split(" ")[0] if container != "PKCS#8" else ""
    if block.label == "ENCRYPTED PRIVATE KEY" or block.encrypted_legacy:
        # Type and size are inside the encrypted part: unknown until decrypted.
        what = f"{legacy_type} private key".lstrip()
        return FileIdentity(
            FileKind.PRIVATE_KEY,
            what + _form(container, "PEM", encrypted=True),
            "PEM",
            container,
            legacy_type,
            None,
            True,
        )
    try:
        # Only the type and size are wanted here; the loader that hands the key
        # out for signing runs the full (slow, ~45 ms) RSA consistency check.
        key = serialization.load_pem_private_key(
            block.text, None, unsafe_skip_rsa_key_validation=True
        )
    except (ValueError, TypeError, UnsupportedAlgorithm):
        what = f"damaged or unsupported {legacy_type} private key".replace("  ", " ")
        return FileIdentity(FileKind.PRIVATE_KEY, what + _form(container, "PEM"), "PEM")
    return _private_identity(key, "PEM", container)


def _identify_openssh_private(block: PemBlock) -> FileIdentity:
    cipher, public_blob = _openssh_header(pem_payload(block))
    key_name = _ssh_string(public_blob, 0)[0]
    public_line = key_name + b" " + base64.b64encode(public_blob)
    key = serialization.load_ssh_public_key(public_line)
    return _ssh_identity(
        FileKind.OPENSSH_PRIVATE_KEY,
        "OpenSSH private key",
        key,
        "PEM",
        cipher != b"none",
    )


def _openssh_header(payload: bytes) -> tuple[bytes, bytes]:
    """Cipher name and first public key of an "openssh-key-v1" blob."""
    magic = b"openssh-key-v1\x00"
    if not payload.startswith(magic):
        raise ValueError("not an OpenSSH key")
    cipher, position = _ssh_string(payload, len(magic))
    _kdf, position = _ssh_string(payload, position)
    _kdf_options, position = _ssh_string(payload, position)
    position += 4  # number of keys
    public_blob, _position = _ssh_string(payload, position)
    return cipher, public_blob


def _ssh_string(data: bytes, position: int) -> tuple[bytes, int]:
    (length,) = struct.unpack_from(">I", data, position)
    start = position + 4
    if start + length > len(data):
        raise ValueError("truncated SSH data")
    return data[start : start + length], start + length


def _identify_der(data: bytes) -> FileIdentity:
    try:
        return _cert_identity(x509.load_der_x509_certificate(data), "DER")
    except ValueError:
        pass
    try:
        return _csr_identity(x509.load_der_x509_csr(data), "DER")
    except ValueError:
        pass
    try:
        key = serialization.load_der_private_key(
            data, None, unsafe_skip_rsa_key_validation=True
        )
        return _private_identity(key, "DER", der_key_container(data))
    except TypeError:
        return FileIdentity(
            FileKind.PRIVATE_KEY,
            "private key" + _form("PKCS#8", "DER", encrypted=True),
            "DER",
            "PKCS#8",
            encrypted=True,
        )
    except (ValueError, UnsupportedAlgorithm):
        pass
    try:
        return _public_identity(serialization.load_der_public_key(data), "DER", "")
    except (ValueError, UnsupportedAlgorithm):
        pass
    if looks_like_pkcs12(data):
        return _identify_pkcs12(data)
    return FileIdentity(FileKind.UNKNOWN, NOT_A_KEY_OR_CERT)


def _identify_pkcs12(data: bytes) -> FileIdentity:
    locked = FileIdentity(
        FileKind.PKCS12,
        "PKCS#12 bundle (.p12/.pfx), protected by a passphrase",
        "DER",
        "PKCS#12",
        encrypted=True,
    )
    for password in (None, b""):
        try:
            key, cert, others = pkcs12.load_key_and_certificates(data, password)
            cert = cert or next(iter(others), None)
            break
        except (ValueError, UnsupportedAlgorithm):
            continue
    else:
        return locked

    parts = [key_summary(key, "private key")] if key is not None else []
    if cert is not None:
        parts.append(f"certificate for {_name_for_humans(cert.subject)}")
    contents = " and ".join(parts) or "nothing usable"
    key_type, bits = key_type_and_bits(key) if key is not None else ("", None)
    return FileIdentity(
        FileKind.PKCS12,
        f"PKCS#12 bundle (.p12/.pfx) with {contents}",
        "DER",
        "PKCS#12",
        key_type,
        bits,
    )


def _private_identity(
    key: PrivateKeyTypes, encoding: str, container: str
) -> FileIdentity:
    key_type, bits = key_type_and_bits(key)
    description = key_summary(key, "private key") + _form(container, encoding)
    return FileIdentity(
        FileKind.PRIVATE_KEY, description, encoding, container, key_type, bits
    )


def _public_identity(
    key: PublicKeyTypes, encoding: str, container: str
) -> FileIdentity:
    key_type, bits = key_type_and_bits(key)
    description = key_summary(key, "public key") + _form(container, encoding)
    return FileIdentity(
        FileKind.PUBLIC_KEY, description, encoding, container, key_type, bits
    )


def _ssh_identity(
    kind: FileKind,
    what: str,
    key: PublicKeyTypes,
    encoding: str,
    encrypted: bool = False,
) -> FileIdentity:
    key_type, bits = key_type_and_bits(key)
    size = f", {bits} bits" if key_type in ("RSA", "DSA") else ""
    description = f"{what} ({key_type}{size}{', encrypted' if encrypted else ''})"
    return FileIdentity(
        kind, description, encoding, "OpenSSH", key_type, bits, encrypted
    )


def _cert_identity(cert: x509.Certificate, encoding: str) -> FileIdentity:
    key_type, bits = key_type_and_bits(cert.public_key())
    description = f"X.509 certificate ({encoding}) for {_name_for_humans(cert.subject)}"
    return FileIdentity(
        FileKind.CERTIFICATE, description, encoding, "X.509", key_type, bits
    )


def _csr_identity(csr: x509.CertificateSigningRequest, encoding: str) -> FileIdentity:
    key_type, bits = key_type_and_bits(csr.public_key())
    description = (
        f"certificate signing request (CSR) for {_name_for_humans(csr.subject)}"
    )
    return FileIdentity(FileKind.CSR, description, encoding, "", key_type, bits)
