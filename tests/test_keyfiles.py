"""Telling what a file is, and loading keys and certificates from any common form."""

from __future__ import annotations

import contextlib
import errno
import os
import shutil
import subprocess
from collections.abc import Callable
from pathlib import Path

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec, ed25519, rsa
from cryptography.hazmat.primitives.serialization import pkcs12
from cryptography.x509.oid import NameOID
from hypothesis import given, settings
from hypothesis import strategies as st

from sfjwt_gui.engine.errors import KeyFileError
from sfjwt_gui.engine.keyfiles import (
    MAX_FILE_BYTES,
    FileKind,
    identify_bytes,
    identify_file,
    load_certificate,
    load_pkcs12,
    load_private_key,
)

Pair = tuple[rsa.RSAPrivateKey, x509.Certificate]
PASSPHRASE = b"s3cret-Phrase"

needs_openssl = pytest.mark.skipif(shutil.which("openssl") is None, reason="no openssl")


def _pem(key: rsa.RSAPrivateKey, fmt: serialization.PrivateFormat) -> bytes:
    return key.private_bytes(
        serialization.Encoding.PEM, fmt, serialization.NoEncryption()
    )


def _pkcs8(key: rsa.RSAPrivateKey) -> bytes:
    return _pem(key, serialization.PrivateFormat.PKCS8)


def _cert_pem(cert: x509.Certificate) -> bytes:
    return cert.public_bytes(serialization.Encoding.PEM)


def _same_key(left: rsa.RSAPrivateKey, right: rsa.RSAPrivateKey) -> bool:
    return left.private_numbers() == right.private_numbers()


def _load_error(source: Path | bytes, passphrase: bytes | None = None) -> KeyFileError:
    with pytest.raises(KeyFileError) as caught:
        load_private_key(source, passphrase)
    return caught.value


def _openssl(*args: str) -> None:
    subprocess.run(["openssl", *args], check=True, capture_output=True)


# ---- the good forms ----------------------------------------------------------


def test_pkcs8_pem_key(key_pair: Pair) -> None:
    key, _cert = key_pair

    identity = identify_bytes(_pkcs8(key))

    assert identity.kind is FileKind.PRIVATE_KEY
    assert identity.description == "RSA private key, 2048 bits (PKCS#8, PEM)"
    assert (identity.container, identity.encoding) == ("PKCS#8", "PEM")
    assert (identity.key_type, identity.bits, identity.encrypted) == (
        "RSA",
        2048,
        False,
    )
    assert _same_key(load_private_key(_pkcs8(key)), key)


def test_pkcs1_pem_key(key_pair: Pair) -> None:
    key, _cert = key_pair
    data = _pem(key, serialization.PrivateFormat.TraditionalOpenSSL)
    assert data.startswith(b"-----BEGIN RSA PRIVATE KEY-----")

    identity = identify_bytes(data)

    assert identity.container == "PKCS#1"
    assert identity.bits == 2048
    assert _same_key(load_private_key(data), key)


@pytest.mark.parametrize(
    ("fmt", "container"),
    [
        (serialization.PrivateFormat.PKCS8, "PKCS#8"),
        (serialization.PrivateFormat.TraditionalOpenSSL, "PKCS#1"),
    ],
)
def test_der_key(
    tmp_path: Path, key_pair: Pair, fmt: serialization.PrivateFormat, container: str
) -> None:
    key, _cert = key_pair
    path = tmp_path / "server.der"
    path.write_bytes(
        key.private_bytes(serialization.Encoding.DER, fmt, serialization.NoEncryption())
    )

    identity = identify_file(path)

    assert (identity.kind, identity.encoding) == (FileKind.PRIVATE_KEY, "DER")
    assert identity.container == container
    assert _same_key(load_private_key(path), key)


def test_encrypted_der_key(key_pair: Pair) -> None:
    key, _cert = key_pair
    data = key.private_bytes(
        serialization.Encoding.DER,
        serialization.PrivateFormat.PKCS8,
        serialization.BestAvailableEncryption(PASSPHRASE),
    )

    assert identify_bytes(data).encrypted
    assert _load_error(data).code == "key_encrypted"
    assert _same_key(load_private_key(data, PASSPHRASE), key)


def test_der_certificate(tmp_path: Path, key_pair: Pair) -> None:
    _key, cert = key_pair
    path = tmp_path / "server.cer"
    path.write_bytes(cert.public_bytes(serialization.Encoding.DER))

    identity = identify_file(path)

    assert identity.kind is FileKind.CERTIFICATE
    assert identity.encoding == "DER"
    assert "CN=sfjwt test" in identity.description
    assert load_certificate(path) == cert


def test_windows_text_with_bom_crlf_and_bag_attributes(
    tmp_path: Path, key_pair: Pair
) -> None:
    key, cert = key_pair
    text = (
        b"Bag Attributes\n    localKeyID: 01 00 00 00\n"
        b"    friendlyName: sfjwt\nKey Attributes: <No Attributes>\n"
        + _pkcs8(key)
        + b"Bag Attributes\n    localKeyID: 01 00 00 00\n"
        b"subject=CN = sfjwt test\nissuer=CN = sfjwt test\n" + _cert_pem(cert)
    )
    path = tmp_path / "bundle.pem"
    path.write_bytes(b"\xef\xbb\xbf" + text.replace(b"\n", b"\r\n"))

    assert _same_key(load_private_key(path), key)
    assert load_certificate(path) == cert
    assert identify_file(path).kind is FileKind.PRIVATE_KEY


def test_utf16_text_saved_by_powershell(key_pair: Pair) -> None:
    key, cert = key_pair

    data = _cert_pem(cert).decode().encode("utf-16")

    assert load_certificate(data) == cert
    assert _same_key(load_private_key(_pkcs8(key).decode().encode("utf-16")), key)


def test_bom_before_an_openssh_public_key_line(key_pair: Pair) -> None:
    line = (
        key_pair[0]
        .public_key()
        .public_bytes(
            serialization.Encoding.OpenSSH, serialization.PublicFormat.OpenSSH
        )
    )

    identity = identify_bytes(b"\xef\xbb\xbf" + line + b" me@laptop\r\n")

    assert identity.kind is FileKind.OPENSSH_PUBLIC_KEY
    assert identity.bits == 2048


def test_file_of_blank_lines_is_empty() -> None:
    assert identify_bytes(b"\xef\xbb\xbf\r\n  \r\n").kind is FileKind.EMPTY


def test_block_squashed_onto_one_line_still_loads(key_pair: Pair) -> None:
    key, _cert = key_pair
    one_line = b" ".join(_pkcs8(key).split(b"\n"))

    assert _same_key(load_private_key(one_line), key)


def test_first_key_and_first_certificate_win(
    key_pair: Pair, other_key_pair: Pair
) -> None:
    key, cert = key_pair
    other_key, other_cert = other_key_pair
    data = _cert_pem(cert) + _pkcs8(key) + _cert_pem(other_cert) + _pkcs8(other_key)

    assert _same_key(load_private_key(data), key)
    assert load_certificate(data) == cert
    description = identify_bytes(data).description
    assert description.startswith("RSA private key")
    assert "also holds" in description


def test_passphrase_given_for_plain_key_is_ignored(key_pair: Pair) -> None:
    key, _cert = key_pair

    assert _same_key(load_private_key(_pkcs8(key), b"unneeded"), key)


# ---- keys encrypted by openssl -----------------------------------------------


@pytest.fixture(scope="module")
def openssl_keys(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    if shutil.which("openssl") is None:
        pytest.skip("no openssl")
    folder = tmp_path_factory.mktemp("openssl")
    pkcs8 = folder / "pkcs8.key"
    legacy = folder / "legacy.key"
    secret = f"pass:{PASSPHRASE.decode()}"
    _openssl(
        "genpkey", "-algorithm", "RSA", "-aes256", "-pass", secret, "-out", str(pkcs8)
    )
    _openssl(
        "genrsa",
        "-aes256",
        "-traditional",
        "-passout",
        secret,
        "-out",
        str(legacy),
        "2048",
    )
    return {"pkcs8": pkcs8, "legacy": legacy}


@pytest.mark.parametrize(
    ("name", "header", "container"),
    [
        ("pkcs8", b"-----BEGIN ENCRYPTED PRIVATE KEY-----", "PKCS#8"),
        (
            "legacy",
            b"-----BEGIN RSA PRIVATE KEY-----\nProc-Type: 4,ENCRYPTED",
            "PKCS#1",
        ),
    ],
)
def test_openssl_encrypted_keys(
    openssl_keys: dict[str, Path], name: str, header: bytes, container: str
) -> None:
    path = openssl_keys[name]
    assert path.read_bytes().startswith(header)

    identity = identify_file(path)
    key = load_private_key(path, PASSPHRASE)
    wrong = _load_error(path, b"not it")
    missing = _load_error(path)

    assert identity.encrypted
    assert identity.container == container
    assert key.key_size == 2048
    assert wrong.code == "key_passphrase_wrong"
    assert missing.code == "key_encrypted"
    assert "passphrase" in missing.fix
    for error in (wrong, missing):
        assert PASSPHRASE.decode() not in str(error)
        assert "not it" not in str(error)


# ---- PKCS#12 -----------------------------------------------------------------


def _p12(pair: Pair, passphrase: bytes | None) -> bytes:
    key, cert = pair
    encryption: serialization.KeySerializationEncryption = (
        serialization.BestAvailableEncryption(passphrase)
        if passphrase
        else serialization.NoEncryption()
    )
    return pkcs12.serialize_key_and_certificates(b"sfjwt", key, cert, None, encryption)


def test_pkcs12_with_passphrase(tmp_path: Path, key_pair: Pair) -> None:
    key, cert = key_pair
    path = tmp_path / "bundle.p12"
    path.write_bytes(_p12(key_pair, PASSPHRASE))

    loaded_key, loaded_cert = load_pkcs12(path, PASSPHRASE)

    assert loaded_key is not None
    assert _same_key(loaded_key, key)
    assert loaded_cert == cert
    assert _same_key(load_private_key(path, PASSPHRASE), key)
    assert load_certificate(path, PASSPHRASE) == cert
    identity = identify_file(path)
    assert (identity.kind, identity.encrypted) == (FileKind.PKCS12, True)


def test_pkcs12_passphrase_errors(key_pair: Pair) -> None:
    data = _p12(key_pair, PASSPHRASE)

    with pytest.raises(KeyFileError) as missing:
        load_pkcs12(data)
    with pytest.raises(KeyFileError) as wrong:
        load_pkcs12(data, b"nope")
    with pytest.raises(KeyFileError) as wrong_for_cert:
        load_certificate(data, b"nope")

    assert missing.value.code == "key_encrypted"
    assert wrong.value.code == "key_passphrase_wrong"
    assert wrong_for_cert.value.code == "key_passphrase_wrong"


def test_pkcs12_without_passphrase(key_pair: Pair) -> None:
    key, cert = key_pair
    data = _p12(key_pair, None)

    loaded_key, loaded_cert = load_pkcs12(data)
    again_key, _again_cert = load_pkcs12(data, b"typed anyway")

    assert loaded_key is not None
    assert again_key is not None
    assert _same_key(loaded_key, key)
    assert _same_key(again_key, key)
    assert loaded_cert == cert
    identity = identify_bytes(data)
    assert identity.kind is FileKind.PKCS12
    assert not identity.encrypted
    assert "CN=sfjwt test" in identity.description


def test_pkcs12_with_only_a_certificate(key_pair: Pair) -> None:
    _key, cert = key_pair
    data = pkcs12.serialize_key_and_certificates(
        b"sfjwt", None, cert, None, serialization.NoEncryption()
    )

    assert load_certificate(data) == cert
    assert load_pkcs12(data) == (None, cert)
    assert _load_error(data).code == "key_unreadable"


@needs_openssl
@pytest.mark.parametrize("passphrase", [PASSPHRASE, b""])
def test_pkcs12_exported_by_openssl(
    tmp_path: Path, key_pair: Pair, passphrase: bytes
) -> None:
    key, cert = key_pair
    (tmp_path / "k.pem").write_bytes(_pkcs8(key))
    (tmp_path / "c.pem").write_bytes(_cert_pem(cert))
    bundle = tmp_path / "bundle.pfx"
    _openssl(
        "pkcs12", "-export", "-inkey", str(tmp_path / "k.pem"),
        "-in", str(tmp_path / "c.pem"), "-passout", f"pass:{passphrase.decode()}",
        "-out", str(bundle),
    )  # fmt: skip

    loaded_key, loaded_cert = load_pkcs12(bundle, passphrase or None)

    assert loaded_key is not None
    assert _same_key(loaded_key, key)
    assert loaded_cert == cert


def test_load_pkcs12_on_a_pem_file(key_pair: Pair) -> None:
    key, _cert = key_pair

    with pytest.raises(KeyFileError) as caught:
        load_pkcs12(_pkcs8(key))

    assert caught.value.code == "key_unreadable"
    assert "RSA private key" in caught.value.message


# ---- the wrong file ----------------------------------------------------------


def _public_key_pem(pair: Pair) -> bytes:
    return (
        pair[0]
        .public_key()
        .public_bytes(
            serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
        )
    )


def _openssh_private(pair: Pair) -> bytes:
    return pair[0].private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.OpenSSH,
        serialization.NoEncryption(),
    )


def _openssh_public(pair: Pair) -> bytes:
    return (
        pair[0]
        .public_key()
        .public_bytes(
            serialization.Encoding.OpenSSH, serialization.PublicFormat.OpenSSH
        )
    )


def _csr(pair: Pair) -> bytes:
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "wanted")])
    request = x509.CertificateSigningRequestBuilder().subject_name(name)
    csr = request.sign(pair[0], hashes.SHA256())
    return csr.public_bytes(serialization.Encoding.PEM)


WRONG_FILES: dict[str, tuple[Callable[[Pair], bytes], FileKind, str]] = {
    "certificate": (
        lambda p: _cert_pem(p[1]),
        FileKind.CERTIFICATE,
        "X.509 certificate",
    ),
    "public key": (_public_key_pem, FileKind.PUBLIC_KEY, "RSA public key"),
    "openssh private": (_openssh_private, FileKind.OPENSSH_PRIVATE_KEY, "OpenSSH"),
    "openssh public": (_openssh_public, FileKind.OPENSSH_PUBLIC_KEY, "OpenSSH public"),
    "csr": (_csr, FileKind.CSR, "certificate signing request"),
    "random bytes": (lambda p: os.urandom(700), FileKind.UNKNOWN, "not a key"),
    "text": (lambda p: b"hello, world\n", FileKind.UNKNOWN, "not a key"),
    "empty": (lambda p: b"", FileKind.EMPTY, "empty"),
}


@pytest.mark.parametrize("name", list(WRONG_FILES))
def test_wrong_file_as_key_says_what_it_is(
    tmp_path: Path, key_pair: Pair, name: str
) -> None:
    build, kind, words = WRONG_FILES[name]
    path = tmp_path / "picked.key"
    path.write_bytes(build(key_pair))

    error = _load_error(path)

    assert identify_file(path).kind is kind
    assert error.code == "key_unreadable"
    assert words in error.message
    assert str(path) in error.message
    assert error.fix


def test_certificate_as_key_points_to_the_key_file(key_pair: Pair) -> None:
    error = _load_error(_cert_pem(key_pair[1]))

    assert error.message.startswith("This is an X.509 certificate")
    assert error.message.endswith("not a private key.")
    assert ".key" in error.fix


def test_openssh_key_fix_names_ssh_keygen(tmp_path: Path, key_pair: Pair) -> None:
    path = tmp_path / "id_rsa"
    path.write_bytes(_openssh_private(key_pair))

    error = _load_error(path)

    assert f"ssh-keygen -p -m PEM -f {path}" in error.fix
    assert "RSA, 2048 bits" in identify_file(path).description


@pytest.mark.parametrize(
    ("key", "words"),
    [
        (ec.generate_private_key(ec.SECP256R1()), "EC private key (P-256)"),
        (ed25519.Ed25519PrivateKey.generate(), "Ed25519 private key"),
    ],
)
def test_non_rsa_keys_are_refused(
    key: ec.EllipticCurvePrivateKey | ed25519.Ed25519PrivateKey, words: str
) -> None:
    data = key.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    )

    error = _load_error(data)

    assert identify_bytes(data).description.startswith(words)
    assert error.code == "key_not_rsa"
    assert words in error.message
    assert "RS256" in error.message
    assert "RSA" in error.fix


def test_encrypted_ec_key_is_refused_after_decryption() -> None:
    key = ec.generate_private_key(ec.SECP384R1())
    data = key.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.BestAvailableEncryption(PASSPHRASE),
    )

    assert _load_error(data).code == "key_encrypted"
    assert _load_error(data, PASSPHRASE).code == "key_not_rsa"


def test_missing_key_file(tmp_path: Path) -> None:
    path = tmp_path / "nowhere" / "server.key"

    error = _load_error(path)

    assert error.code == "key_missing"
    assert str(path) in error.message
    with pytest.raises(KeyFileError) as identified:
        identify_file(path)
    assert identified.value.code == "key_missing"


def test_folder_instead_of_key_file(tmp_path: Path) -> None:
    assert _load_error(tmp_path).code == "key_missing"


def test_unreadable_key_file(tmp_path: Path, key_pair: Pair) -> None:
    path = tmp_path / "server.key"
    path.write_bytes(_pkcs8(key_pair[0]))
    path.chmod(0)
    try:
        if os.access(path, os.R_OK):
            pytest.skip("this user can read any file (root)")
        error = _load_error(path)
    finally:
        path.chmod(0o600)

    assert error.code == "key_missing"
    assert "cannot be read" in error.message


def test_permission_denied_names_the_file(
    tmp_path: Path, key_pair: Pair, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Root can read any file, so the denial is simulated where the file opens.
    path = tmp_path / "server.key"
    path.write_bytes(_pkcs8(key_pair[0]))

    def denied(self: Path, *args: object, **kwargs: object) -> None:
        raise PermissionError(errno.EACCES, os.strerror(errno.EACCES), str(self))

    monkeypatch.setattr(Path, "open", denied)

    error = _load_error(path)
    with pytest.raises(KeyFileError) as cert_error:
        load_certificate(path)

    assert error.code == "key_missing"
    assert cert_error.value.code == "cert_missing"
    assert str(path) in error.message
    assert os.strerror(errno.EACCES) in error.message


def test_private_key_as_certificate(tmp_path: Path, key_pair: Pair) -> None:
    path = tmp_path / "server.crt"
    path.write_bytes(_pkcs8(key_pair[0]))

    with pytest.raises(KeyFileError) as caught:
        load_certificate(path)

    assert caught.value.code == "cert_unreadable"
    assert "private key" in caught.value.message
    assert ".crt" in caught.value.fix


@pytest.mark.parametrize("name", ["csr", "public key", "random bytes", "empty"])
def test_wrong_file_as_certificate(key_pair: Pair, name: str) -> None:
    build, _kind, words = WRONG_FILES[name]

    with pytest.raises(KeyFileError) as caught:
        load_certificate(build(key_pair))

    assert caught.value.code == "cert_unreadable"
    assert words in caught.value.message


def test_missing_certificate_file(tmp_path: Path) -> None:
    with pytest.raises(KeyFileError) as caught:
        load_certificate(tmp_path / "server.crt")

    assert caught.value.code == "cert_missing"
    assert "server.crt" in caught.value.message


def test_too_large_file(tmp_path: Path) -> None:
    path = tmp_path / "movie.pem"
    path.write_bytes(b"-" * (MAX_FILE_BYTES + 1))

    identity = identify_file(path)

    assert identity.kind is FileKind.UNKNOWN
    assert "too large" in identity.description
    assert _load_error(path).code == "key_unreadable"


def test_damaged_key_block(key_pair: Pair) -> None:
    pem = _pkcs8(key_pair[0])
    damaged = pem[:200] + b"!!!!" + pem[300:]

    error = _load_error(damaged)

    assert identify_bytes(damaged).kind is FileKind.PRIVATE_KEY
    assert error.code == "key_unreadable"
    assert "damaged" in error.message


# ---- nothing else escapes ----------------------------------------------------


@settings(max_examples=200, deadline=None)
@given(st.binary(max_size=3000))
def test_identify_never_raises(data: bytes) -> None:
    assert isinstance(identify_bytes(data).kind, FileKind)


@settings(max_examples=100, deadline=None)
@given(
    st.sampled_from(
        [b"\x30\x82\x01\x00", b"-----BEGIN PRIVATE KEY-----\n", b"ssh-rsa "]
    ),
    st.binary(max_size=600),
)
def test_loaders_raise_only_key_file_errors(prefix: bytes, tail: bytes) -> None:
    data = prefix + tail
    for load in (load_private_key, load_certificate, load_pkcs12):
        with contextlib.suppress(KeyFileError):
            load(data)


@pytest.mark.parametrize("cut", [1, 2, 30, 200, 600, 1000])
def test_truncated_files_are_reported_not_crashed(key_pair: Pair, cut: int) -> None:
    key, cert = key_pair
    samples = [
        _pkcs8(key),
        key.private_bytes(
            serialization.Encoding.DER,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        ),
        _p12(key_pair, PASSPHRASE),
        _openssh_private(key_pair),
        cert.public_bytes(serialization.Encoding.DER),
    ]
    for sample in samples:
        truncated = sample[: min(cut, len(sample) - 1)]

        assert isinstance(identify_bytes(truncated).kind, FileKind)
        with pytest.raises(KeyFileError):
            load_private_key(truncated, PASSPHRASE)
        with pytest.raises(KeyFileError):
            load_certificate(truncated)


def test_a_key_whose_parts_do_not_fit_is_reported_damaged(
    tmp_path: Path, key_pair: tuple[rsa.RSAPrivateKey, x509.Certificate]
) -> None:
    numbers = key_pair[0].private_numbers()
    broken = rsa.RSAPrivateNumbers(
        p=numbers.p,
        q=numbers.q,
        # OpenSSL checks a CRT signature and falls back to d, so both must be off.
        d=numbers.d + 2,
        dmp1=numbers.dmp1 + 2,
        dmq1=numbers.dmq1,
        iqmp=numbers.iqmp,
        public_numbers=numbers.public_numbers,
    ).private_key(unsafe_skip_rsa_key_validation=True)
    path = tmp_path / "broken.key"
    path.write_bytes(
        broken.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
    )

    with pytest.raises(KeyFileError) as caught:
        load_private_key(path)

    assert caught.value.code == "key_unreadable"
    assert "damaged" in str(caught.value)
