"""Hostile key and certificate files: whatever the bytes, only KeyFileError comes out.

Each property runs a thousand generated cases, the same ones on every run
(derandomized, no example database), on random bytes, on damaged copies of real
files in every format the app reads, and on wrong passphrases. The real files
are made once per session from the 2048-bit test key; the PKCS#12 bundle uses
a single key-derivation round so that a thousand attempts stay quick.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from cryptography.hazmat.primitives.serialization import pkcs12
from hypothesis import given
from hypothesis import strategies as st
from property_settings import THOROUGH

from sfjwt_gui.engine.errors import KeyFileError, SfjwtError
from sfjwt_gui.engine.filekinds import FileIdentity, FileKind
from sfjwt_gui.engine.keyfiles import (
    identify_bytes,
    load_certificate,
    load_pkcs12,
    load_private_key,
)

PASSPHRASE = b"correct horse"
PEM_LABELS = (
    "PRIVATE KEY",
    "ENCRYPTED PRIVATE KEY",
    "RSA PRIVATE KEY",
    "EC PRIVATE KEY",
    "CERTIFICATE",
    "CERTIFICATE REQUEST",
    "PUBLIC KEY",
    "OPENSSH PRIVATE KEY",
    "PKCS7",
)


@dataclass(frozen=True)
class Sample:
    """One real file: its bytes and the passphrase that opens it (None: none)."""

    data: bytes
    passphrase: bytes | None

    def __repr__(self) -> str:
        # Failure reports print the fixture: a few lines, not every byte.
        return f"Sample({len(self.data)} bytes)"


def _private(
    key: rsa.RSAPrivateKey,
    encoding: serialization.Encoding,
    form: serialization.PrivateFormat,
    encrypted: bool = False,
) -> Sample:
    protection: serialization.KeySerializationEncryption = (
        serialization.BestAvailableEncryption(PASSPHRASE)
        if encrypted
        else serialization.NoEncryption()
    )
    return Sample(
        key.private_bytes(encoding, form, protection),
        PASSPHRASE if encrypted else None,
    )


def _bundle(key: rsa.RSAPrivateKey, cert: x509.Certificate, encrypted: bool) -> Sample:
    if not encrypted:
        protection: serialization.KeySerializationEncryption = (
            serialization.NoEncryption()
        )
    else:
        protection = (
            serialization.PrivateFormat.PKCS12.encryption_builder()
            .kdf_rounds(1)
            .key_cert_algorithm(pkcs12.PBES.PBESv2SHA256AndAES256CBC)
            .hmac_hash(hashes.SHA256())
            .build(PASSPHRASE)
        )
    data = pkcs12.serialize_key_and_certificates(b"sfjwt", key, cert, None, protection)
    return Sample(data, PASSPHRASE if encrypted else None)


@pytest.fixture(scope="session")
def samples(
    key_pair: tuple[rsa.RSAPrivateKey, x509.Certificate],
) -> dict[str, Sample]:
    """Every format the app reads, made from the test key pair."""
    key, cert = key_pair
    pem, der = serialization.Encoding.PEM, serialization.Encoding.DER
    pkcs8 = serialization.PrivateFormat.PKCS8
    pkcs1 = serialization.PrivateFormat.TraditionalOpenSSL
    cert_pem = cert.public_bytes(pem)
    key_pem = _private(key, pem, pkcs8).data
    return {
        "pkcs8_pem": _private(key, pem, pkcs8),
        "pkcs8_der": _private(key, der, pkcs8),
        "pkcs1_pem": _private(key, pem, pkcs1),
        "pkcs1_der": _private(key, der, pkcs1),
        "pkcs8_pem_encrypted": _private(key, pem, pkcs8, encrypted=True),
        "pkcs8_der_encrypted": _private(key, der, pkcs8, encrypted=True),
        "pkcs1_pem_encrypted": _private(key, pem, pkcs1, encrypted=True),
        "cert_pem": Sample(cert_pem, None),
        "cert_der": Sample(cert.public_bytes(der), None),
        "key_and_cert_pem": Sample(
            b"Bag Attributes\n    localKeyID: 01\r\n" + key_pem + cert_pem, None
        ),
        "p12_plain": _bundle(key, cert, encrypted=False),
        "p12_encrypted": _bundle(key, cert, encrypted=True),
    }


def _public_numbers(key: rsa.RSAPrivateKey) -> rsa.RSAPublicNumbers:
    return key.public_key().public_numbers()


def documented_outcome(call: Callable[[], object]) -> object:
    """What ``call`` returns, or the engine error it raises; anything else fails."""
    try:
        return call()
    except SfjwtError as error:
        caught = error
    assert isinstance(caught, KeyFileError)
    assert caught.message.strip()
    assert caught.fix.strip()
    return caught


def every_reader(data: bytes, passphrase: bytes | None) -> list[object]:
    """Feed ``data`` to each public reader; results or KeyFileErrors, in order."""
    identity = identify_bytes(data)  # documented never to raise
    assert isinstance(identity, FileIdentity)
    assert identity.description
    return [
        identity,
        documented_outcome(lambda: load_private_key(data, passphrase)),
        documented_outcome(lambda: load_certificate(data, passphrase)),
        documented_outcome(lambda: load_pkcs12(data, passphrase)),
    ]


# ---- strategies --------------------------------------------------------------

base64_text = st.text(
    alphabet="ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/=\n: -",
    max_size=600,
)


@st.composite
def pem_shaped(draw: st.DrawFn) -> bytes:
    """A PEM frame with a known label around random base64-ish text."""
    label = draw(st.sampled_from(PEM_LABELS))
    body = draw(base64_text)
    headers = draw(st.sampled_from(["", "Proc-Type: 4,ENCRYPTED\nDEK-Info: x\n\n"]))
    text = f"-----BEGIN {label}-----\n{headers}{body}\n-----END {label}-----\n"
    return text.encode("ascii")


@st.composite
def der_shaped(draw: st.DrawFn) -> bytes:
    """A SEQUENCE header (sometimes with a long length form) and random content."""
    length_bytes = draw(st.sampled_from([b"", b"\x81", b"\x82", b"\x84", b"\x85"]))
    return b"\x30" + length_bytes + draw(st.binary(max_size=800))


hostile_bytes = st.one_of(
    st.binary(max_size=2000),
    pem_shaped(),
    der_shaped(),
    st.binary(max_size=200).map(lambda tail: b"\xff\xfe" + tail),  # "UTF-16"
)


@st.composite
def damaged(draw: st.DrawFn, data: bytes) -> bytes:
    """``data`` truncated, bit-flipped, cut or spliced, one to three times."""
    result = bytearray(data)
    for _ in range(draw(st.integers(1, 3))):
        if not result:
            break
        where = draw(st.integers(0, len(result) - 1))
        action = draw(st.sampled_from(["truncate", "flip", "cut", "splice"]))
        if action == "truncate":
            del result[where:]
        elif action == "flip":
            result[where] ^= 1 << draw(st.integers(0, 7))
        elif action == "cut":
            del result[where : where + draw(st.integers(1, 64))]
        else:
            result[where:where] = draw(st.binary(min_size=1, max_size=16))
    return bytes(result)


# ---- properties --------------------------------------------------------------


@THOROUGH
@given(data=hostile_bytes, passphrase=st.sampled_from([None, b"", PASSPHRASE]))
def test_random_bytes_give_only_key_file_errors(
    data: bytes, passphrase: bytes | None
) -> None:
    every_reader(data, passphrase)


@THOROUGH
@given(choice=st.data())
def test_damaged_copies_of_real_files_give_only_key_file_errors(
    samples: dict[str, Sample], choice: st.DataObject
) -> None:
    name = choice.draw(st.sampled_from(sorted(samples)), label="sample")
    sample = samples[name]
    data = choice.draw(damaged(sample.data), label="damaged")
    passphrase = choice.draw(st.sampled_from([None, sample.passphrase, b"nope"]))

    loaded = every_reader(data, passphrase)[1]

    # A damaged key either fails or, when the damage missed the key itself
    # (a header line, a trailing certificate), is still exactly that key.
    if isinstance(loaded, rsa.RSAPrivateKey):
        original = load_private_key(sample.data, sample.passphrase)
        assert _public_numbers(loaded) == _public_numbers(original)


@THOROUGH
@given(
    name=st.sampled_from(
        [
            "pkcs8_pem_encrypted",
            "pkcs8_der_encrypted",
            "pkcs1_pem_encrypted",
            "p12_encrypted",
        ]
    ),
    secret=st.binary(min_size=1, max_size=40),
)
def test_a_wrong_passphrase_is_named_and_never_repeated(
    samples: dict[str, Sample], name: str, secret: bytes
) -> None:
    # A marker around the random part lets the message be searched for it.
    wrong = b"wrong-" + secret + b"-passphrase"
    sample = samples[name]
    reader = load_pkcs12 if name.startswith("p12") else load_private_key

    with pytest.raises(KeyFileError) as caught:
        reader(sample.data, wrong)

    assert caught.value.code == "key_passphrase_wrong"
    assert "passphrase" in caught.value.message
    assert wrong.decode("utf-8", "replace") not in str(caught.value)
    assert wrong.decode("latin-1") not in str(caught.value)


pem_noise = st.text(
    alphabet="abcdefghijklmnopqrstuvwxyz ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789:=.",
    max_size=80,
)


@THOROUGH
@given(
    name=st.sampled_from(["pkcs8_pem", "pkcs1_pem", "key_and_cert_pem"]),
    before=st.lists(pem_noise, max_size=3),
    after=st.lists(pem_noise, max_size=3),
    line_end=st.sampled_from(["\n", "\r\n"]),
    wrapping=st.sampled_from(["plain", "bom", "utf16"]),
)
def test_intact_keys_load_whatever_text_surrounds_them(
    samples: dict[str, Sample],
    key_pair: tuple[rsa.RSAPrivateKey, x509.Certificate],
    name: str,
    before: list[str],
    after: list[str],
    line_end: str,
    wrapping: str,
) -> None:
    # As saved by an editor, a Windows tool or openssl with its "Bag Attributes".
    pem_lines = samples[name].data.decode("ascii").splitlines()
    text = line_end.join([*before, *pem_lines, *after]) + line_end
    data = text.encode("ascii")
    if wrapping == "bom":
        data = b"\xef\xbb\xbf" + data
    elif wrapping == "utf16":
        data = text.encode("utf-16")

    loaded = load_private_key(data)

    assert _public_numbers(loaded) == _public_numbers(key_pair[0])
    assert identify_bytes(data).kind is FileKind.PRIVATE_KEY
