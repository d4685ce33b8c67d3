"""Say what any file is, and load private keys and certificates from it.

Users often pick the wrong file (the certificate instead of the key, an OpenSSH
key, a CSR), so every failure names what the file actually holds. PEM or DER,
PKCS#1, PKCS#8 and PKCS#12 are read; PEM text may carry a BOM, Windows line
ends or openssl's "Bag Attributes" lines around the blocks.
"""

from __future__ import annotations

import base64
import logging
import re
import struct
from collections.abc import Callable
from dataclasses import dataclass, replace
from enum import Enum
from pathlib import Path

from cryptography import x509
from cryptography.exceptions import UnsupportedAlgorithm
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from cryptography.hazmat.primitives.asymmetric.types import (
    PrivateKeyTypes,
    PublicKeyTypes,
)
from cryptography.hazmat.primitives.serialization import pkcs12

from sfjwt_gui.engine.certinfo import common_name, key_summary, key_type_and_bits
from sfjwt_gui.engine.errors import KeyFileError

logger = logging.getLogger(__name__)

MAX_FILE_BYTES = 1024 * 1024


class FileKind(str, Enum):
    PRIVATE_KEY = "private_key"
    CERTIFICATE = "certificate"
    PKCS12 = "pkcs12"
    PUBLIC_KEY = "public_key"
    CSR = "csr"
    OPENSSH_PRIVATE_KEY = "openssh_private_key"
    OPENSSH_PUBLIC_KEY = "openssh_public_key"
    EMPTY = "empty"
    UNKNOWN = "unknown"


@dataclass(frozen=True)
class FileIdentity:
    """What a file holds, in words for the user and in fields for code."""

    kind: FileKind
    description: str
    encoding: str = ""
    container: str = ""
    key_type: str = ""
    bits: int | None = None
    encrypted: bool = False


NOT_A_KEY_OR_CERT = "not a key or certificate"
TOO_LARGE = "file is too large to be a key or certificate"

_PRIVATE_PEM_LABELS = {
    "PRIVATE KEY": "PKCS#8",
    "ENCRYPTED PRIVATE KEY": "PKCS#8",
    "RSA PRIVATE KEY": "PKCS#1",
    "EC PRIVATE KEY": "SEC1",
    "DSA PRIVATE KEY": "",
}
_CERT_PEM_LABELS = ("CERTIFICATE", "X509 CERTIFICATE", "TRUSTED CERTIFICATE")
_CSR_PEM_LABELS = ("CERTIFICATE REQUEST", "NEW CERTIFICATE REQUEST")
_PUBLIC_PEM_LABELS = ("PUBLIC KEY", "RSA PUBLIC KEY")
_OPENSSH_PRIVATE_LABEL = "OPENSSH PRIVATE KEY"
_PEM_BLOCK = re.compile(
    rb"-----BEGIN ([A-Z0-9 #]+)-----(.*?)-----END \1-----", re.DOTALL
)
_SSH_PUBLIC_PREFIXES = (b"ssh-", b"ecdsa-sha2-", b"sk-ssh-", b"sk-ecdsa-")
_PKCS7_DATA_OIDS = (
    bytes.fromhex("06092a864886f70d010701"),  # pkcs7-data
    bytes.fromhex("06092a864886f70d010702"),  # pkcs7-signedData
)
_Loader = Callable[[bytes, "bytes | None"], PrivateKeyTypes]


@dataclass(frozen=True)
class _PemBlock:
    label: str
    text: bytes  # the block alone, rebuilt with clean "\n" line ends
    encrypted_legacy: bool  # PKCS#1/SEC1 "Proc-Type: 4,ENCRYPTED"


# ---- reading raw bytes -------------------------------------------------------


def _normalise(data: bytes) -> bytes:
    """Text as saved by Windows tools becomes plain ASCII-compatible bytes."""
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        # PowerShell's ">" writes UTF-16; a PEM file saved that way is common.
        try:
            return data.decode("utf-16").encode("ascii", "ignore")
        except UnicodeDecodeError:
            return data
    return data.removeprefix(b"\xef\xbb\xbf")


def _pem_blocks(data: bytes) -> list[_PemBlock]:
    blocks = []
    for match in _PEM_BLOCK.finditer(data):
        label = match.group(1).decode("ascii")
        lines = [line.strip() for line in match.group(2).splitlines()]
        headers = [line for line in lines if b":" in line]
        payload = b"".join(b"".join(line.split()) for line in lines if b":" not in line)
        wrapped = [payload[start : start + 64] for start in range(0, len(payload), 64)]
        # Headers (legacy encryption) are separated from the base64 by a blank line.
        body = [*headers, b""] if headers else []
        begin, end = f"-----BEGIN {label}-----", f"-----END {label}-----"
        text = b"\n".join([begin.encode(), *body, *wrapped, end.encode(), b""])
        encrypted = any(
            line.replace(b" ", b"") == b"Proc-Type:4,ENCRYPTED" for line in headers
        )
        blocks.append(_PemBlock(label, text, encrypted))
    return blocks


def _pem_payload(block: _PemBlock) -> bytes:
    lines = block.text.split(b"\n")[1:-2]
    return base64.b64decode(b"".join(line for line in lines if b":" not in line))


def _der_children(data: bytes, count: int) -> list[tuple[int, bytes]]:
    """The first ``count`` elements inside an outer DER SEQUENCE (tag, content)."""
    tag, position, _length = _der_header(data, 0)
    if tag != 0x30:
        return []
    children: list[tuple[int, bytes]] = []
    while len(children) < count and position < len(data):
        tag, start, length = _der_header(data, position)
        children.append((tag, data[start : start + length]))
        position = start + length
    return children


def _der_header(data: bytes, position: int) -> tuple[int, int, int]:
    tag, length = data[position], data[position + 1]
    position += 2
    if length & 0x80:
        size = length & 0x7F
        if not 1 <= size <= 4 or position + size > len(data):
            raise ValueError("not DER")
        length = int.from_bytes(data[position : position + size], "big")
        position += size
    return tag, position, length


def _looks_like_pkcs12(data: bytes) -> bool:
    try:
        children = _der_children(data, 2)
    except (IndexError, ValueError):
        return False
    return (
        len(children) == 2
        and children[0] == (0x02, b"\x03")
        and children[1][0] == 0x30
        and children[1][1].startswith(_PKCS7_DATA_OIDS)
    )


def _der_key_container(data: bytes) -> str:
    try:
        children = _der_children(data, 2)
    except (IndexError, ValueError):
        return ""
    second_tag = children[1][0] if len(children) == 2 else 0
    return {0x30: "PKCS#8", 0x04: "SEC1", 0x02: "PKCS#1"}.get(second_tag, "")


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
    return identify_bytes(_read_source(path, "key_missing")[0])


def _identify(raw: bytes) -> FileIdentity:
    if len(raw) > MAX_FILE_BYTES:
        return FileIdentity(FileKind.UNKNOWN, TOO_LARGE)
    data = _normalise(raw)
    if not data.strip():
        return FileIdentity(FileKind.EMPTY, "empty file")

    blocks = _pem_blocks(data)
    if blocks:
        return _identify_pem(blocks)
    stripped = data.strip()
    if stripped.startswith(_SSH_PUBLIC_PREFIXES):
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


def _identify_pem(blocks: list[_PemBlock]) -> FileIdentity:
    identities = [_identify_pem_block_safely(block) for block in blocks]
    # A private key is what matters most in a combined file, then a certificate.
    rank = {FileKind.PRIVATE_KEY: 0, FileKind.CERTIFICATE: 1}
    main = min(identities, key=lambda identity: rank.get(identity.kind, 2))
    others = [identity for identity in identities if identity is not main]
    if not others:
        return main
    extra = ", ".join(with_article(identity.description) for identity in others)
    return replace(main, description=f"{main.description}; the file also holds {extra}")


def _identify_pem_block_safely(block: _PemBlock) -> FileIdentity:
    try:
        return _identify_pem_block(block)
    except Exception:
        # Broken base64 or DER inside a block we know by its label.
        logger.debug("PEM block %r cannot be parsed", block.label, exc_info=True)
    kind = FileKind.UNKNOWN
    if block.label in _PRIVATE_PEM_LABELS:
        kind = FileKind.PRIVATE_KEY
    elif block.label in _CERT_PEM_LABELS:
        kind = FileKind.CERTIFICATE
    elif block.label == _OPENSSH_PRIVATE_LABEL:
        kind = FileKind.OPENSSH_PRIVATE_KEY
    label = block.label.lower()
    return FileIdentity(kind, f"damaged PEM block {label!r}", "PEM")


def _identify_pem_block(block: _PemBlock) -> FileIdentity:
    label = block.label
    if label in _PRIVATE_PEM_LABELS:
        return _identify_private_pem(block)
    if label == _OPENSSH_PRIVATE_LABEL:
        return _identify_openssh_private(block)
    if label in _CERT_PEM_LABELS:
        return _cert_identity(
            x509.load_der_x509_certificate(_pem_payload(block)), "PEM"
        )
    if label in _CSR_PEM_LABELS:
        return _csr_identity(x509.load_der_x509_csr(_pem_payload(block)), "PEM")
    if label in _PUBLIC_PEM_LABELS:
        key = serialization.load_pem_public_key(block.text)
        container = "PKCS#1" if label.startswith("RSA") else ""
        return _public_identity(key, "PEM", container)
    if label in ("PKCS7", "CMS"):
        return FileIdentity(FileKind.UNKNOWN, "PKCS#7 certificate bundle (.p7b)", "PEM")
    return FileIdentity(
        FileKind.UNKNOWN, f"PEM block {label!r}, {NOT_A_KEY_OR_CERT}", "PEM"
    )


def _identify_private_pem(block: _PemBlock) -> FileIdentity:
    container = _PRIVATE_PEM_LABELS[block.label]
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
        key = serialization.load_pem_private_key(block.text, None)
    except (ValueError, TypeError, UnsupportedAlgorithm):
        what = f"damaged or unsupported {legacy_type} private key".replace("  ", " ")
        return FileIdentity(FileKind.PRIVATE_KEY, what + _form(container, "PEM"), "PEM")
    return _private_identity(key, "PEM", container)


def _identify_openssh_private(block: _PemBlock) -> FileIdentity:
    cipher, public_blob = _openssh_header(_pem_payload(block))
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
        key = serialization.load_der_private_key(data, None)
        return _private_identity(key, "DER", _der_key_container(data))
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
    if _looks_like_pkcs12(data):
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


# ---- loading -----------------------------------------------------------------


def load_private_key(
    source: Path | bytes, passphrase: bytes | None = None
) -> rsa.RSAPrivateKey:
    """The RSA private key in ``source`` (a path or the file's bytes).

    Takes the first private key of a PEM file, a DER key or a PKCS#12 bundle's
    key. Raises KeyFileError whose ``code`` says what went wrong.
    """
    raw, where = _read_source(source, "key_missing")
    _check_size(raw, where, "key_unreadable")

    key = _find_private_key(_normalise(raw), passphrase, where)
    if key is None:
        raise _not_a_key(identify_bytes(raw), where, source)
    return _require_rsa(key, where)


def _find_private_key(
    data: bytes, passphrase: bytes | None, where: str
) -> PrivateKeyTypes | None:
    """The first private key in ``data``; None when it holds none at all."""
    blocks = _pem_blocks(data)
    key_blocks = [block for block in blocks if block.label in _PRIVATE_PEM_LABELS]
    if key_blocks:
        identity = _identify_pem_block_safely(key_blocks[0])
        load_pem = serialization.load_pem_private_key
        return _open_key(load_pem, key_blocks[0].text, passphrase, identity, where)
    if blocks or data[:1] != b"\x30":
        return None

    if _looks_like_pkcs12(data):
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
    load_der = serialization.load_der_private_key
    return _open_key(load_der, data, passphrase, identity, where)


def load_certificate(
    source: Path | bytes, passphrase: bytes | None = None
) -> x509.Certificate:
    """The first X.509 certificate in ``source`` (PEM, DER or PKCS#12)."""
    raw, where = _read_source(source, "cert_missing")
    _check_size(raw, where, "cert_unreadable")
    data = _normalise(raw)

    blocks = _pem_blocks(data)
    cert_blocks = [block for block in blocks if block.label in _CERT_PEM_LABELS]
    if cert_blocks:
        try:
            return x509.load_der_x509_certificate(_pem_payload(cert_blocks[0]))
        except ValueError as exc:
            raise KeyFileError(
                f"{where}The certificate in this file is damaged and cannot be read.",
                code="cert_unreadable",
                fix="Copy or download the certificate again.",
            ) from exc

    if not blocks and data[:1] == b"\x30":
        if _looks_like_pkcs12(data):
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
    raw, where = _read_source(source, "key_missing")
    _check_size(raw, where, "key_unreadable")
    if not _looks_like_pkcs12(raw):
        identity = identify_bytes(raw)
        raise KeyFileError(
            f"{where}{_is_not(identity, 'a PKCS#12 (.p12/.pfx) bundle')}",
            code="key_unreadable",
            fix="Pick the .p12 or .pfx file, or load the key and certificate apart.",
        )
    key, cert = _open_pkcs12(raw, passphrase, where)
    return (_require_rsa(key, where) if key is not None else None), cert


def _read_source(source: Path | bytes, missing_code: str) -> tuple[bytes, str]:
    """The bytes of ``source`` and a message prefix naming the file ("" for bytes).

    Reads at most one byte more than ``MAX_FILE_BYTES``, enough to tell that a
    file is too large.
    """
    if isinstance(source, (bytes, bytearray)):
        return bytes(source[: MAX_FILE_BYTES + 1]), ""

    path = Path(source)
    problem = ""
    fix = "Give your user read access to the file, or pick a copy you can read."
    try:
        with path.open("rb") as stream:
            return stream.read(MAX_FILE_BYTES + 1), f"{path}: "
    except FileNotFoundError:
        problem = f"The file {path} does not exist."
        fix = "Check the path, or pick the file again."
    except IsADirectoryError:
        problem = f"{path} is a folder, not a file."
        fix = "Pick the file inside the folder."
    except OSError as exc:
        problem = f"The file {path} cannot be read: {exc.strerror or exc}."
    except ValueError as exc:  # e.g. a NUL character in the path
        problem = f"{path!r} is not a usable file path: {exc}."
        fix = "Pick the file again."
    raise KeyFileError(problem, code=missing_code, fix=fix)


def _check_size(data: bytes, where: str, code: str) -> None:
    if len(data) > MAX_FILE_BYTES:
        raise KeyFileError(
            f"{where}This {TOO_LARGE} (over {MAX_FILE_BYTES // 1024} KiB).",
            code=code,
            fix="Pick the key or certificate file itself.",
        )


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
    attempts = [passphrase] if passphrase else []
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


def _require_rsa(key: PrivateKeyTypes, where: str) -> rsa.RSAPrivateKey:
    if isinstance(key, rsa.RSAPrivateKey):
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
