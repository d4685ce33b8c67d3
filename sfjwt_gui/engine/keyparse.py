"""Reading the raw bytes of key and certificate files: PEM blocks and DER."""

from __future__ import annotations

import base64
import re
from dataclasses import dataclass
from pathlib import Path

from sfjwt_gui.engine.errors import KeyFileError

MAX_FILE_BYTES = 1024 * 1024

PRIVATE_PEM_LABELS = {
    "PRIVATE KEY": "PKCS#8",
    "ENCRYPTED PRIVATE KEY": "PKCS#8",
    "RSA PRIVATE KEY": "PKCS#1",
    "EC PRIVATE KEY": "SEC1",
    "DSA PRIVATE KEY": "",
}
CERT_PEM_LABELS = ("CERTIFICATE", "X509 CERTIFICATE", "TRUSTED CERTIFICATE")
CSR_PEM_LABELS = ("CERTIFICATE REQUEST", "NEW CERTIFICATE REQUEST")
PUBLIC_PEM_LABELS = ("PUBLIC KEY", "RSA PUBLIC KEY")
OPENSSH_PRIVATE_LABEL = "OPENSSH PRIVATE KEY"
PEM_BLOCK = re.compile(
    rb"-----BEGIN ([A-Z0-9 #]+)-----(.*?)-----END \1-----", re.DOTALL
)
SSH_PUBLIC_PREFIXES = (b"ssh-", b"ecdsa-sha2-", b"sk-ssh-", b"sk-ecdsa-")
PKCS7_DATA_OIDS = (
    bytes.fromhex("06092a864886f70d010701"),  # pkcs7-data
    bytes.fromhex("06092a864886f70d010702"),  # pkcs7-signedData
)


@dataclass(frozen=True)
class PemBlock:
    label: str
    text: bytes  # the block alone, rebuilt with clean "\n" line ends
    encrypted_legacy: bool  # PKCS#1/SEC1 "Proc-Type: 4,ENCRYPTED"


# ---- reading raw bytes -------------------------------------------------------


def normalise(data: bytes) -> bytes:
    """Text as saved by Windows tools becomes plain ASCII-compatible bytes."""
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        # PowerShell's ">" writes UTF-16; a PEM file saved that way is common.
        try:
            return data.decode("utf-16").encode("ascii", "ignore")
        except UnicodeDecodeError:
            return data
    return data.removeprefix(b"\xef\xbb\xbf")


def pem_blocks(data: bytes) -> list[PemBlock]:
    blocks = []
    for match in PEM_BLOCK.finditer(data):
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
        blocks.append(PemBlock(label, text, encrypted))
    return blocks


def pem_payload(block: PemBlock) -> bytes:
    lines = block.text.split(b"\n")[1:-2]
    return base64.b64decode(b"".join(line for line in lines if b":" not in line))


def der_children(data: bytes, count: int) -> list[tuple[int, bytes]]:
    """The first ``count`` elements inside an outer DER SEQUENCE (tag, content)."""
    tag, position, _length = der_header(data, 0)
    if tag != 0x30:
        return []
    children: list[tuple[int, bytes]] = []
    while len(children) < count and position < len(data):
        tag, start, length = der_header(data, position)
        children.append((tag, data[start : start + length]))
        position = start + length
    return children


def der_header(data: bytes, position: int) -> tuple[int, int, int]:
    tag, length = data[position], data[position + 1]
    position += 2
    if length & 0x80:
        size = length & 0x7F
        if not 1 <= size <= 4 or position + size > len(data):
            raise ValueError("not DER")
        length = int.from_bytes(data[position : position + size], "big")
        position += size
    return tag, position, length


def looks_like_pkcs12(data: bytes) -> bool:
    try:
        children = der_children(data, 2)
    except (IndexError, ValueError):
        return False
    return (
        len(children) == 2
        and children[0] == (0x02, b"\x03")
        and children[1][0] == 0x30
        and children[1][1].startswith(PKCS7_DATA_OIDS)
    )


def der_key_container(data: bytes) -> str:
    try:
        children = der_children(data, 2)
    except (IndexError, ValueError):
        return ""
    second_tag = children[1][0] if len(children) == 2 else 0
    return {0x30: "PKCS#8", 0x04: "SEC1", 0x02: "PKCS#1"}.get(second_tag, "")


def read_source(source: Path | bytes, missing_code: str) -> tuple[bytes, str]:
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
