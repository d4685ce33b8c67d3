"""Loopback HTTP(S) servers for tests, able to misbehave on demand.

A ``LoopbackServer`` listens on 127.0.0.1, reads each request, records it in
``received`` and hands it, with the open ``Connection``, to a responder: a
function that writes whatever bytes the test wants (a normal answer, nothing at
all, a trickle, a reset...). Every connection is answered once and closed.

The responder factories below cover the usual cases; write your own with the
``Connection`` methods for anything else. Because a request is recorded before
its responder runs, once a client call has returned, every request that call
made is already in ``received``.

A server answering CONNECT with ``respond(403)`` is a proxy that refuses to
tunnel; ``received`` then shows the CONNECT, proving the proxy path was taken.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import email.utils
import ipaddress
import json
import socket
import ssl
import struct
import threading
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from types import TracebackType
from urllib.parse import parse_qsl

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID

_HEADER_LIMIT = 64 * 1024
_READ_TIMEOUT_S = 10.0
_JOIN_TIMEOUT_S = 5.0


@dataclass
class ReceivedRequest:
    """One request as the server read it."""

    method: str
    target: str
    headers: dict[str, str] = field(default_factory=dict)
    body: bytes = b""

    def header(self, name: str) -> str:
        """A request header by case-insensitive name, "" when absent."""
        return self.headers.get(name.lower(), "")

    @property
    def form(self) -> dict[str, str]:
        """The body parsed as application/x-www-form-urlencoded."""
        return dict(parse_qsl(self.body.decode("utf-8"), keep_blank_values=True))


class Connection:
    """The server side of one client connection, as a responder sees it."""

    def __init__(self, sock: socket.socket, stopping: threading.Event) -> None:
        self._sock = sock
        self._stopping = stopping

    def send(self, data: bytes) -> bool:
        """Send bytes; False once the client has gone away."""
        try:
            self._sock.sendall(data)
        except OSError:
            return False
        return True

    def send_head(
        self,
        status: int,
        headers: Mapping[str, str] | None = None,
        *,
        reason: str = "",
    ) -> bool:
        """Send the status line and headers (a Date header is added if absent)."""
        all_headers = {"Connection": "close", **(headers or {})}
        if not any(name.lower() == "date" for name in all_headers):
            all_headers["Date"] = http_date(dt.datetime.now(dt.timezone.utc))
        lines = [f"HTTP/1.1 {status} {reason or _REASONS.get(status, 'Status')}"]
        lines.extend(f"{name}: {value}" for name, value in all_headers.items())
        return self.send(("\r\n".join(lines) + "\r\n\r\n").encode("latin-1"))

    def pause(self, seconds: float) -> bool:
        """Pace a slow answer; returns True (stop now) when the server is stopping."""
        return self._stopping.wait(seconds)

    def hold(self) -> None:
        """Keep the connection open without answering until the server stops."""
        self._stopping.wait()

    def read_request(self) -> ReceivedRequest | None:
        """Read the next request on this kept-alive connection (None: none came)."""
        return _read_request(self._sock)

    def reset(self) -> None:
        """Abort the connection with a TCP reset instead of a clean close."""
        try:
            self._sock.setsockopt(
                socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0)
            )
        finally:
            self._sock.close()


Responder = Callable[[ReceivedRequest, Connection], None]


class LoopbackServer:
    """A threaded server on 127.0.0.1; pass ``tls`` to make it speak HTTPS.

    Use it as a context manager; ``url(path)`` builds an address on it.
    """

    def __init__(
        self, responder: Responder, *, tls: ssl.SSLContext | None = None
    ) -> None:
        self.responder = responder
        self.received: list[ReceivedRequest] = []
        self._tls = tls
        self._stopping = threading.Event()
        self._changed = threading.Condition()
        self._threads: list[threading.Thread] = []
        self._open: set[socket.socket] = set()
        self._listener = socket.create_server(("127.0.0.1", 0))
        self._listener.settimeout(0.1)
        self.port: int = self._listener.getsockname()[1]
        self._accepting = threading.Thread(target=self._accept_loop, daemon=True)
        self._accepting.start()

    @property
    def base_url(self) -> str:
        scheme = "https" if self._tls else "http"
        return f"{scheme}://127.0.0.1:{self.port}"

    def url(self, path: str = "/") -> str:
        return self.base_url + path

    def wait_for_requests(
        self, count: int, timeout: float = 5.0
    ) -> list[ReceivedRequest]:
        """Block until ``count`` requests arrived (AssertionError after ``timeout``)."""
        with self._changed:
            arrived = self._changed.wait_for(
                lambda: len(self.received) >= count, timeout
            )
        assert arrived, f"expected {count} request(s), got {len(self.received)}"
        return list(self.received)

    def stop(self) -> None:
        """Stop accepting, cut every open connection and wait for the threads."""
        self._stopping.set()
        with contextlib.suppress(OSError):
            self._listener.shutdown(socket.SHUT_RDWR)  # wakes a waiting accept()
        self._listener.close()
        with self._changed:
            still_open = list(self._open)
        for sock in still_open:
            with contextlib.suppress(OSError):
                sock.shutdown(socket.SHUT_RDWR)
        self._accepting.join(_JOIN_TIMEOUT_S)
        for thread in list(self._threads):
            thread.join(_JOIN_TIMEOUT_S)

    def __enter__(self) -> LoopbackServer:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        self.stop()

    def _accept_loop(self) -> None:
        while not self._stopping.is_set():
            try:
                sock, _ = self._listener.accept()
            except TimeoutError:
                continue
            except OSError:
                return
            thread = threading.Thread(target=self._serve, args=(sock,), daemon=True)
            self._threads.append(thread)
            thread.start()

    def _serve(self, plain: socket.socket) -> None:
        with self._changed:
            self._open.add(plain)
        sock = plain
        try:
            plain.settimeout(_READ_TIMEOUT_S)
            if self._tls is not None:
                sock = self._tls.wrap_socket(plain, server_side=True)
            request = _read_request(sock)
            if request is None:
                return
            with self._changed:
                self.received.append(request)
                self._changed.notify_all()
            self.responder(request, Connection(sock, self._stopping))
        except OSError:
            # The client hung up, failed the TLS handshake or was cut on purpose.
            pass
        finally:
            with self._changed:
                self._open.discard(plain)
            sock.close()
            plain.close()


def _read_request(sock: socket.socket) -> ReceivedRequest | None:
    data = b""
    while b"\r\n\r\n" not in data:
        chunk = sock.recv(4096)
        if not chunk or len(data) > _HEADER_LIMIT:
            return None
        data += chunk

    head, _, body = data.partition(b"\r\n\r\n")
    request_line, *header_lines = head.decode("latin-1").split("\r\n")
    method, target, _version = request_line.split(" ", 2)
    headers: dict[str, str] = {}
    for line in header_lines:
        name, _, value = line.partition(":")
        headers[name.strip().lower()] = value.strip()

    length = int(headers.get("content-length", "0") or 0)
    while len(body) < length:
        chunk = sock.recv(length - len(body))
        if not chunk:
            break
        body += chunk
    return ReceivedRequest(method, target, headers, body)


_REASONS = {
    200: "OK",
    302: "Found",
    400: "Bad Request",
    403: "Forbidden",
    407: "Proxy Authentication Required",
    500: "Internal Server Error",
}


def http_date(moment: dt.datetime) -> str:
    """``moment`` formatted for a Date header."""
    return email.utils.format_datetime(moment.astimezone(dt.timezone.utc), usegmt=True)


# Responder factories ------------------------------------------------------------


def respond(
    status: int = 200,
    body: bytes = b"",
    *,
    content_type: str = "application/json;charset=UTF-8",
    headers: Mapping[str, str] | None = None,
) -> Responder:
    """A complete, well-formed answer."""

    def responder(request: ReceivedRequest, conn: Connection) -> None:
        head = {"Content-Type": content_type, "Content-Length": str(len(body))}
        if conn.send_head(status, {**head, **(headers or {})}):
            conn.send(body)

    return responder


def respond_json(
    payload: object, status: int = 200, *, headers: Mapping[str, str] | None = None
) -> Responder:
    """A JSON answer, as Salesforce sends it."""
    return respond(status, json.dumps(payload).encode("utf-8"), headers=headers)


def respond_tunnel_refused(status: int = 403) -> Responder:
    """A proxy's refusal of a CONNECT (or any request): status line, no body."""

    def responder(request: ReceivedRequest, conn: Connection) -> None:
        conn.send_head(status, {"Content-Length": "0"})

    return responder


def never_respond() -> Responder:
    """Read the request, then say nothing until the server stops."""

    def responder(request: ReceivedRequest, conn: Connection) -> None:
        conn.hold()

    return responder


def trickle(body: bytes, interval_s: float) -> Responder:
    """Send the headers at once, then the body one byte per ``interval_s``."""

    def responder(request: ReceivedRequest, conn: Connection) -> None:
        head = {"Content-Type": "application/json", "Content-Length": str(len(body))}
        if not conn.send_head(200, head):
            return
        for index in range(len(body)):
            if not conn.send(body[index : index + 1]) or conn.pause(interval_s):
                return

    return responder


class TrickledHead:
    """A responder sending its status line and headers one byte per ``interval_s``.

    ``at_once`` goes out first in one piece (e.g. the status line, so only the
    headers trickle). ``sent`` counts the bytes of ``data`` that got out and
    ``finished`` is set once the responder stops: everything sent, the client
    gone or the server stopping.
    """

    def __init__(
        self, interval_s: float, *, at_once: bytes = b"", filler_headers: int = 12
    ) -> None:
        fillers = "".join(
            f"X-Filler-{n:02d}: waiting\r\n" for n in range(filler_headers)
        )
        rest = f"{fillers}Content-Length: 2\r\n\r\n{{}}".encode("latin-1")
        self.data = b"HTTP/1.1 200 OK\r\n" + rest
        assert self.data.startswith(at_once)
        self.interval_s = interval_s
        self.at_once = at_once
        self.sent = 0
        self.finished = threading.Event()

    @property
    def duration_s(self) -> float:
        """How long sending the whole head takes."""
        return (len(self.data) - len(self.at_once)) * self.interval_s

    def __call__(self, request: ReceivedRequest, conn: Connection) -> None:
        try:
            if self.at_once and not conn.send(self.at_once):
                return
            self.sent = len(self.at_once)
            while self.sent < len(self.data):
                if not conn.send(self.data[self.sent : self.sent + 1]):
                    return
                self.sent += 1
                if conn.pause(self.interval_s):
                    return
        finally:
            self.finished.set()


def reset_mid_body(sent: bytes, declared_length: int) -> Responder:
    """Promise ``declared_length`` bytes, send ``sent``, then reset the connection."""

    def responder(request: ReceivedRequest, conn: Connection) -> None:
        head = {
            "Content-Type": "application/json",
            "Content-Length": str(declared_length),
        }
        if conn.send_head(200, head) and conn.send(sent):
            conn.reset()

    return responder


def stream_zeros(size: int, *, piece: int = 64 * 1024) -> Responder:
    """A ``size``-byte body of zeros, sent piece by piece until the client leaves."""
    zeros = bytes(piece)

    def responder(request: ReceivedRequest, conn: Connection) -> None:
        head = {"Content-Type": "application/octet-stream", "Content-Length": str(size)}
        if not conn.send_head(200, head):
            return
        remaining = size
        while remaining > 0 and conn.send(zeros[: min(piece, remaining)]):
            remaining -= piece

    return responder


def send_raw(data: bytes) -> Responder:
    """Send exactly ``data`` (status line included), for malformed answers."""

    def responder(request: ReceivedRequest, conn: Connection) -> None:
        conn.send(data)

    return responder


# Addresses and certificates ------------------------------------------------------


def closed_port() -> int:
    """A loopback port that nothing listens on (bound, read, released)."""
    with socket.create_server(("127.0.0.1", 0)) as probe:
        port: int = probe.getsockname()[1]
    return port


@dataclass(frozen=True)
class TlsFiles:
    """A self-signed certificate and its key, as PEM files."""

    cert_path: Path
    key_path: Path

    def server_context(self) -> ssl.SSLContext:
        """An SSL context for ``LoopbackServer(tls=...)`` serving this certificate."""
        context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        context.load_cert_chain(self.cert_path, self.key_path)
        return context


def make_tls_files(directory: Path, *, common_name: str = "localhost") -> TlsFiles:
    """Write a self-signed certificate valid for localhost and 127.0.0.1.

    It is its own CA (basic constraints CA:TRUE, key cert sign), so the file can
    be used directly as a client's CA bundle, even with strict verification.
    """
    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, common_name)])
    now = dt.datetime.now(dt.timezone.utc)
    subject_key_id = x509.SubjectKeyIdentifier.from_public_key(key.public_key())
    alt_names = x509.SubjectAlternativeName(
        [
            x509.DNSName("localhost"),
            x509.IPAddress(ipaddress.IPv4Address("127.0.0.1")),
        ]
    )
    cert = (
        _day_long_certificate(name, name, key.public_key(), now)
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
        .add_extension(_key_usage(signs_certificates=True), critical=True)
        .add_extension(alt_names, critical=False)
        .add_extension(
            x509.ExtendedKeyUsage([ExtendedKeyUsageOID.SERVER_AUTH]), critical=False
        )
        .add_extension(subject_key_id, critical=False)
        .add_extension(
            x509.AuthorityKeyIdentifier.from_issuer_subject_key_identifier(
                subject_key_id
            ),
            critical=False,
        )
        .sign(key, hashes.SHA256())
    )

    directory.mkdir(parents=True, exist_ok=True)
    cert_path = directory / "loopback-cert.pem"
    key_path = directory / "loopback-key.pem"
    cert_path.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    _write_private_key(key_path, key)
    return TlsFiles(cert_path, key_path)


TEST_CA_NAME = "sfjwt Test Root CA"
TEST_SERVER_NAME = "sfjwt loopback server"
# The names as a certificate's subject shows them.
CA_SUBJECT = f"CN={TEST_CA_NAME}"
SERVER_SUBJECT = f"CN={TEST_SERVER_NAME}"
TRUST_VARIABLES = ("REQUESTS_CA_BUNDLE", "CURL_CA_BUNDLE", "SSL_CERT_FILE")


def forget_trust_from_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    """Unset the machine's own CA variables: they would change what is trusted."""
    for name in TRUST_VARIABLES:
        monkeypatch.delenv(name, raising=False)


@dataclass(frozen=True)
class CaSignedTlsFiles(TlsFiles):
    """A root CA and a server certificate it issued, as PEM files.

    ``ca_cert_path`` is what a client trusts (a CA bundle, SSL_CERT_FILE);
    the server serves ``cert_path`` with ``key_path`` (``server_context()``,
    also for the demo server).
    """

    ca_cert_path: Path


def make_ca_signed_tls_files(
    directory: Path,
    *,
    ca_name: str = TEST_CA_NAME,
    server_name: str = TEST_SERVER_NAME,
    dns_names: tuple[str, ...] = ("localhost",),
) -> CaSignedTlsFiles:
    """Write a root CA and a server certificate for 127.0.0.1 and ``dns_names``.

    Like a corporate root: a client trusts the server only when it trusts the
    CA, and the server's certificate names the CA as its issuer.
    """
    now = dt.datetime.now(dt.timezone.utc)
    ca_key = ec.generate_private_key(ec.SECP256R1())
    ca_subject = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, ca_name)])
    ca_key_id = x509.SubjectKeyIdentifier.from_public_key(ca_key.public_key())
    ca_cert = (
        _day_long_certificate(ca_subject, ca_subject, ca_key.public_key(), now)
        .add_extension(x509.BasicConstraints(ca=True, path_length=0), critical=True)
        .add_extension(_key_usage(signs_certificates=True), critical=True)
        .add_extension(ca_key_id, critical=False)
        .sign(ca_key, hashes.SHA256())
    )

    server_key = ec.generate_private_key(ec.SECP256R1())
    server_subject = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, server_name)])
    alt_names: list[x509.GeneralName] = [x509.DNSName(name) for name in dns_names]
    alt_names.append(x509.IPAddress(ipaddress.IPv4Address("127.0.0.1")))
    server_cert = (
        _day_long_certificate(server_subject, ca_subject, server_key.public_key(), now)
        .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
        .add_extension(_key_usage(signs_certificates=False), critical=True)
        .add_extension(x509.SubjectAlternativeName(alt_names), critical=False)
        .add_extension(
            x509.ExtendedKeyUsage([ExtendedKeyUsageOID.SERVER_AUTH]), critical=False
        )
        .add_extension(
            x509.AuthorityKeyIdentifier.from_issuer_subject_key_identifier(ca_key_id),
            critical=False,
        )
        .sign(ca_key, hashes.SHA256())
    )

    directory.mkdir(parents=True, exist_ok=True)
    files = CaSignedTlsFiles(
        ca_cert_path=directory / "test-root-ca.pem",
        cert_path=directory / "server-cert.pem",
        key_path=directory / "server-key.pem",
    )
    files.ca_cert_path.write_bytes(ca_cert.public_bytes(serialization.Encoding.PEM))
    files.cert_path.write_bytes(server_cert.public_bytes(serialization.Encoding.PEM))
    _write_private_key(files.key_path, server_key)
    return files


def _day_long_certificate(
    subject: x509.Name,
    issuer: x509.Name,
    public_key: ec.EllipticCurvePublicKey,
    now: dt.datetime,
) -> x509.CertificateBuilder:
    """A certificate valid from five minutes ago for one day (extensions to add)."""
    return (
        x509.CertificateBuilder()
        .subject_name(subject)
        .issuer_name(issuer)
        .public_key(public_key)
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - dt.timedelta(minutes=5))
        .not_valid_after(now + dt.timedelta(days=1))
    )


def _write_private_key(path: Path, key: ec.EllipticCurvePrivateKey) -> None:
    path.write_bytes(
        key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
    )


def _key_usage(*, signs_certificates: bool) -> x509.KeyUsage:
    return x509.KeyUsage(
        digital_signature=True,
        content_commitment=False,
        key_encipherment=False,
        data_encipherment=False,
        key_agreement=False,
        key_cert_sign=signs_certificates,
        crl_sign=signs_certificates,
        encipher_only=False,
        decipher_only=False,
    )


def relay_to(port: int) -> Responder:
    """A forwarding proxy that sends everything to 127.0.0.1:``port``.

    CONNECT (for https://) is answered 200 and the bytes are piped both ways;
    a plain request in absolute form (for http://) is passed on in origin
    form. Whatever host the client asked for, the bytes stay on this computer:
    that is how a TLS-inspecting proxy stand-in answers for a real host name.
    ``received`` shows what the client asked the proxy for.
    """

    def responder(request: ReceivedRequest, conn: Connection) -> None:
        try:
            upstream = socket.create_connection(("127.0.0.1", port), timeout=5)
        except OSError:
            conn.send_head(502, {"Content-Length": "0"})
            return
        with upstream:
            if request.method == "CONNECT":
                if not conn.send(b"HTTP/1.1 200 Connection established\r\n\r\n"):
                    return
            else:
                upstream.sendall(_origin_form(request))
            _pipe(conn._sock, upstream, conn._stopping)

    return responder


def _origin_form(request: ReceivedRequest) -> bytes:
    target = request.target
    if "://" in target:
        target = "/" + target.split("://", 1)[1].partition("/")[2]
    lines = [f"{request.method} {target} HTTP/1.1"]
    lines.extend(
        f"{name}: {value}"
        for name, value in request.headers.items()
        if not name.startswith("proxy-")
    )
    head = "\r\n".join(lines) + "\r\n\r\n"
    return head.encode("latin-1") + request.body


def _pipe(
    client: socket.socket, upstream: socket.socket, stopping: threading.Event
) -> None:
    """Copy bytes both ways until one side closes or the server stops."""
    import selectors

    peers = {client: upstream, upstream: client}
    with selectors.DefaultSelector() as selector:
        for sock in peers:
            selector.register(sock, selectors.EVENT_READ)
        while not stopping.is_set():
            for key, _events in selector.select(timeout=0.1):
                source = key.fileobj
                assert isinstance(source, socket.socket)
                try:
                    data = source.recv(65536)
                except OSError:
                    return
                if not data:
                    return
                try:
                    peers[source].sendall(data)
                except OSError:
                    return
