"""Say what any file is, and load private keys and certificates from it.

Users often pick the wrong file (the certificate instead of the key, an OpenSSH
key, a CSR), so every failure names what the file actually holds. PEM or DER,
PKCS#1, PKCS#8 and PKCS#12 are read; PEM text may carry a BOM, Windows line
ends or openssl's "Bag Attributes" lines around the blocks.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from pathlib import Path

from cryptography import x509
from cryptography.exceptions import InvalidSignature, UnsupportedAlgorithm
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import padding, rsa
from cryptography.hazmat.primitives.asymmetric.types import (
    PrivateKeyTypes,
)
from cryptography.hazmat.primitives.serialization import pkcs12

from sfjwt_gui.engine.certinfo import key_summary
from sfjwt_gui.engine.errors import KeyFileError
from sfjwt_gui.engine.filekinds import FileIdentity, FileKind
from sfjwt_gui.engine.keyidentify import (  # re-exported: the public face
    NOT_A_KEY_OR_CERT,
    TOO_LARGE,
    identify_bytes,
    identify_file,
    identify_pem_block_safely,
    with_article,
)
from sfjwt_gui.engine.keyparse import (
    CERT_PEM_LABELS,
    MAX_FILE_BYTES,
    PRIVATE_PEM_LABELS,
    looks_like_pkcs12,
    normalise,
    pem_blocks,
    pem_payload,
    read_source,
)

logger = logging.getLogger(__name__)

_Loader = Callable[[bytes, "bytes | None"], PrivateKeyTypes]

__all__ = [
    "MAX_FILE_BYTES",
    "NOT_A_KEY_OR_CERT",
    "TOO_LARGE",
    "FileIdentity",
    "FileKind",
    "identify_bytes",
    "identify_file",
    "load_certificate",
    "load_pkcs12",
    "load_private_key",
    "with_article",
]


# ---- loading -----------------------------------------------------------------


def load_private_key(
    source: Path | bytes, passphrase: bytes | None = None
) -> rsa.RSAPrivateKey:
    """The RSA private key in ``source`` (a path or the file's bytes).

    Takes the first private key of a PEM file, a DER key or a PKCS#12 bundle's
    key. Raises KeyFileError whose ``code`` says what went wrong.
    """
    raw, where = read_source(source, "key_missing")
    _check_size(raw, where, "key_unreadable")

    key = _find_private_key(normalise(raw), passphrase, where)
    if key is None:
        raise _not_a_key(identify_bytes(raw), where, source)
    return _require_rsa(key, where)


def _find_private_key(
    data: bytes, passphrase: bytes | None, where: str
) -> PrivateKeyTypes | None:
    """The first private key in ``data``; None when it holds none at all."""
    blocks = pem_blocks(data)
    key_blocks = [block for block in blocks if block.label in PRIVATE_PEM_LABELS]
    if key_blocks:
        identity = identify_pem_block_safely(key_blocks[0])
        return _open_key(_load_pem, key_blocks[0].text, passphrase, identity, where)
    if blocks or data[:1] != b"\x30":
        return None

    if looks_like_pkcs12(data):
        bundle_key, _cert = _open_pkcs12(data, passphrase, where)
        if bundle_key is None:
            raise KeyFileError(
                f"{where}This PKCS#12 bundle holds no private key.",
                code="key_unreadable",
                fix="Export it again with the private key, or pick the .key file.",
            )
        return bundle_key

    identity = identify_bytes(data)
    if identity.kind is not FileKind.PRIVATE_KEY:
        return None
    return _open_key(_load_der, data, passphrase, identity, where)


def load_certificate(
    source: Path | bytes, passphrase: bytes | None = None
) -> x509.Certificate:
    """The first X.509 certificate in ``source`` (PEM, DER or PKCS#12)."""
    raw, where = read_source(source, "cert_missing")
    _check_size(raw, where, "cert_unreadable")
    data = normalise(raw)

    blocks = pem_blocks(data)
    cert_blocks = [block for block in blocks if block.label in CERT_PEM_LABELS]
    if cert_blocks:
        try:
            return x509.load_der_x509_certificate(pem_payload(cert_blocks[0]))
        except ValueError as exc:
            raise KeyFileError(
                f"{where}The certificate in this file is damaged and cannot be read.",
                code="cert_unreadable",
                fix="Copy or download the certificate again.",
            ) from exc

    if not blocks and data[:1] == b"\x30":
        if looks_like_pkcs12(data):
            _key, cert = _open_pkcs12(data, passphrase, where)
            if cert is None:
                raise KeyFileError(
                    f"{where}This PKCS#12 bundle holds no certificate.",
                    code="cert_unreadable",
                    fix="Pick the .crt certificate file instead.",
                )
            return cert
        try:
            return x509.load_der_x509_certificate(data)
        except ValueError:
            pass

    raise _not_a_certificate(identify_bytes(raw), where)


def load_pkcs12(
    source: Path | bytes, passphrase: bytes | None = None
) -> tuple[rsa.RSAPrivateKey | None, x509.Certificate | None]:
    """The private key and certificate of a PKCS#12 (.p12/.pfx) bundle."""
    raw, where = read_source(source, "key_missing")
    _check_size(raw, where, "key_unreadable")
    if not looks_like_pkcs12(raw):
        identity = identify_bytes(raw)
        raise KeyFileError(
            f"{where}{_is_not(identity, 'a PKCS#12 (.p12/.pfx) bundle')}",
            code="key_unreadable",
            fix="Pick the .p12 or .pfx file, or load the key and certificate apart.",
        )
    key, cert = _open_pkcs12(raw, passphrase, where)
    return (_require_rsa(key, where) if key is not None else None), cert


def _check_size(data: bytes, where: str, code: str) -> None:
    if len(data) > MAX_FILE_BYTES:
        raise KeyFileError(
            f"{where}This {TOO_LARGE} (over {MAX_FILE_BYTES // 1024} KiB).",
            code=code,
            fix="Pick the key or certificate file itself.",
        )


# OpenSSL's RSA key check holds the GIL for 50 ms (2048 bits) to 300 ms (4096
# bits), freezing the window while a worker loads a key. Loading without it and
# then making and checking one signature proves what matters here - that the
# key signs correctly - in about a millisecond.
def _load_pem(blob: bytes, password: bytes | None) -> PrivateKeyTypes:
    return serialization.load_pem_private_key(
        blob, password, unsafe_skip_rsa_key_validation=True
    )


def _load_der(blob: bytes, password: bytes | None) -> PrivateKeyTypes:
    return serialization.load_der_private_key(
        blob, password, unsafe_skip_rsa_key_validation=True
    )


def _signs_correctly(key: rsa.RSAPrivateKey) -> bool:
    message = b"sfjwt-gui key self-check"
    try:
        signature = key.sign(message, padding.PKCS1v15(), hashes.SHA256())
        key.public_key().verify(signature, message, padding.PKCS1v15(), hashes.SHA256())
    except (InvalidSignature, ValueError):
        return False
    return True


def _open_key(
    load: _Loader,
    blob: bytes,
    passphrase: bytes | None,
    identity: FileIdentity,
    where: str,
) -> PrivateKeyTypes:
    """Decrypt and parse a key, turning cryptography's errors into ours."""
    password = passphrase or None
    try:
        return load(blob, password)
    except TypeError as exc:
        if password is None:
            raise KeyFileError(
                f"{where}This is {with_article(identity.description)}; "
                "it needs its passphrase.",
                code="key_encrypted",
                fix="Enter the key's passphrase.",
            ) from exc
    except ValueError as exc:
        if password is not None:
            raise KeyFileError(
                f"{where}The passphrase does not open this {identity.description}.",
                code="key_passphrase_wrong",
                fix="Enter the passphrase set when the key was made; case matters.",
            ) from exc
        raise _damaged_key(identity, where) from exc
    except UnsupportedAlgorithm as exc:
        raise _damaged_key(identity, where) from exc

    # A passphrase was given for a key that has none: the key is usable as it is.
    return _open_key(load, blob, None, identity, where)


def _damaged_key(identity: FileIdentity, where: str) -> KeyFileError:
    return KeyFileError(
        f"{where}The private key in this file ({identity.description}) is damaged or "
        "uses a format or encryption sfjwt-gui cannot read.",
        code="key_unreadable",
        fix="Copy the key file again, or generate a new key.",
    )


def _open_pkcs12(
    data: bytes, passphrase: bytes | None, where: str
) -> tuple[PrivateKeyTypes | None, x509.Certificate | None]:
    # A bundle "without passphrase" may have been made with none or an empty one.
    attempts = [passphrase] if passphrase and _fits_pkcs12(passphrase) else []
    for password in [*attempts, None, b""]:
        try:
            key, cert, others = pkcs12.load_key_and_certificates(data, password)
        except ValueError:
            continue
        except UnsupportedAlgorithm as exc:
            raise KeyFileError(
                f"{where}This PKCS#12 bundle uses an encryption sfjwt-gui cannot read.",
                code="key_unreadable",
                fix="Export it again with AES-256 encryption, or export the key and "
                "certificate as PEM files.",
            ) from exc
        # Without a key, the bundle's certificates all count as "additional".
        return key, cert or next(iter(others), None)

    if passphrase:
        raise KeyFileError(
            f"{where}The passphrase does not open this PKCS#12 (.p12/.pfx) bundle.",
            code="key_passphrase_wrong",
            fix="Enter the passphrase set when the bundle was exported.",
        )
    raise KeyFileError(
        f"{where}This PKCS#12 (.p12/.pfx) bundle is protected by a passphrase.",
        code="key_encrypted",
        fix="Enter the bundle's passphrase.",
    )


def _fits_pkcs12(passphrase: bytes) -> bool:
    """Whether the PKCS#12 loader can try ``passphrase`` at all.

    Its passwords are UTF-8 text without NUL. Instead of refusing other bytes,
    the loader panics on a NUL (an exception that not even ``except Exception``
    catches) and raises a TypeError on invalid UTF-8. Such a passphrase cannot
    open any bundle, so it is simply a wrong one.
    """
    if b"\x00" in passphrase:
        return False
    try:
        passphrase.decode("utf-8")
    except UnicodeDecodeError:
        return False
    return True


def _require_rsa(key: PrivateKeyTypes, where: str) -> rsa.RSAPrivateKey:
    if isinstance(key, rsa.RSAPrivateKey):
        if not _signs_correctly(key):
            raise KeyFileError(
                f"{where}This RSA private key is damaged: a signature made with it "
                "does not verify against its own public key.",
                code="key_unreadable",
                fix="Use an intact copy of the key, or generate a new key pair.",
            )
        return key
    raise KeyFileError(
        f"{where}This is {with_article(key_summary(key, 'private key'))}. Salesforce's "
        "JWT bearer flow signs with RS256, which needs an RSA key.",
        code="key_not_rsa",
        fix="Generate an RSA key (2048 bits or more) and upload its certificate.",
    )


def _is_not(identity: FileIdentity, wanted: str) -> str:
    """ "This is an X.509 certificate (PEM) for CN=x, not a private key." """
    if identity.kind is FileKind.EMPTY:
        return f"This file is empty, so it is not {wanted}."
    if identity.kind is FileKind.UNKNOWN:
        return f"This is not {wanted} ({identity.description})."
    return f"This is {with_article(identity.description)}, not {wanted}."


def _not_a_key(
    identity: FileIdentity, where: str, source: Path | bytes
) -> KeyFileError:
    fix = "Pick the private key file (.key, or a .pem with a PRIVATE KEY block)."
    if identity.kind in (FileKind.CERTIFICATE, FileKind.CSR):
        fix = "Pick the .key file that was generated with it."
    elif identity.kind in (FileKind.PUBLIC_KEY, FileKind.OPENSSH_PUBLIC_KEY):
        fix = "A public key cannot sign; pick the private key file it belongs to."
    elif identity.kind is FileKind.OPENSSH_PRIVATE_KEY:
        file_name = "FILE" if isinstance(source, (bytes, bytearray)) else str(source)
        if " " in file_name:
            file_name = f'"{file_name}"'

        fix = (
            f"Convert a copy to PEM with `ssh-keygen -p -m PEM -f {file_name}`, "
            "or generate a new key."
        )
    wanted = "a private key"
    if identity.kind is FileKind.OPENSSH_PRIVATE_KEY:
        wanted = "a PEM private key"
    return KeyFileError(
        f"{where}{_is_not(identity, wanted)}", code="key_unreadable", fix=fix
    )


def _not_a_certificate(identity: FileIdentity, where: str) -> KeyFileError:
    fix = "Pick the .crt certificate file (it starts with -----BEGIN CERTIFICATE-----)."
    if identity.kind in (FileKind.PRIVATE_KEY, FileKind.OPENSSH_PRIVATE_KEY):
        fix = "Pick the .crt certificate file made with this key."
    elif identity.kind is FileKind.CSR:
        fix = (
            "Upload the certificate issued for this request, or make a self-signed one."
        )
    return KeyFileError(
        f"{where}{_is_not(identity, 'a certificate')}",
        code="cert_unreadable",
        fix=fix,
    )
