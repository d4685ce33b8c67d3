"""What a file can be, as the key and certificate readers report it.

Kept apart from the readers so the window can name file kinds without
loading cryptography.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import Enum


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
