"""The demo org on a loopback socket: a small threaded HTTP/1.1 (or HTTPS) server.

The server only moves bytes: ``DemoOrg.handle`` decides every answer, and the
server delivers it as asked (late, cut short, or one byte at a time). Waits
happen on an Event, so ``stop()`` ends every connection in well under a second.
"""

from __future__ import annotations

import contextlib
import ipaddress
import logging
import socket
import socketserver
import ssl
import sys
import threading
from email.utils import formatdate
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from types import TracebackType
from typing import Any

from sfjwt_gui.demo.org import DemoOrg, DemoResponse
from sfjwt_gui.demo.settings import MAX_REQUEST_BODY_BYTES, TEXT_CONTENT_TYPE
from sfjwt_gui.engine.errors import KeyFileError, UsageError

logger = logging.getLogger(__name__)

_POLL_INTERVAL_S = 0.1
_IDLE_CONNECTION_TIMEOUT_S = 30.0
_TLS_HANDSHAKE_TIMEOUT_S = 5.0
_STOP_JOIN_S = 0.8
_MAX_CHUNK_LINE_BYTES = 1024


class DemoServer:
    """Serves one ``DemoOrg`` on a loopback address, in the background or foreground."""

    def __init__(
        self,
        org: DemoOrg,
        *,
        host: str = "127.0.0.1",
        port: int = 0,
        tls_cert: Path | None = None,
        tls_key: Path | None = None,
    ) -> None:
        _require_loopback(host)
        if not 0 <= port <= 65535:
            raise UsageError(
                f"Port {port} does not exist.",
                fix="Give a port between 1 and 65535, or 0 for any free port.",
            )
        self.org = org
        # Set once stop() begins: waiting answers give up instead of sleeping on.
        self.stopping = threading.Event()
        tls_context = _tls_context(tls_cert, tls_key)
        bind_host = "127.0.0.1" if host.lower() == "localhost" else host.strip("[]")
        self._httpd = _DemoHTTPServer(self, bind_host, port, tls_context)

        scheme = "https" if tls_context is not None else "http"
        url_host = f"[{bind_host}]" if ":" in bind_host else host
        self.base_url = f"{scheme}://{url_host}:{self._httpd.server_address[1]}"
        self._lock = threading.Lock()
        self._thread: threading.Thread | None = None
        self._serving = False
        self._stopped = False

    def start(self) -> None:
        """Serve on a background daemon thread; the socket already listens."""
        self._begin_serving()
        self._thread = threading.Thread(
            target=self._httpd.serve_forever,
            kwargs={"poll_interval": _POLL_INTERVAL_S},
            name="sfjwt-demo-server",
            daemon=True,
        )
        self._thread.start()
        logger.info("Demo org listening on %s", self.base_url)

    def serve_forever(self) -> None:
        """Serve in this thread until ``stop()`` or Ctrl+C."""
        self._begin_serving()
        logger.info("Demo org listening on %s", self.base_url)
        try:
            self._httpd.serve_forever(poll_interval=_POLL_INTERVAL_S)
        except KeyboardInterrupt:
            logger.info("Demo org interrupted")
        finally:
            self.stop()

    def stop(self) -> None:
        """Close the socket and every connection, and wait for the threads."""
        with self._lock:
            if self._stopped:
                return
            self._stopped = True
            serving = self._serving

        self.stopping.set()
        if serving:
            # Only a running serve loop can acknowledge a shutdown request.
            self._httpd.shutdown()
        self._httpd.server_close()
        self._httpd.cut_connections()

        if self._thread is not None and self._thread is not threading.current_thread():
            self._thread.join(_STOP_JOIN_S)
        self._httpd.join_handlers(_STOP_JOIN_S)
        logger.info("Demo org on %s stopped", self.base_url)

    def _begin_serving(self) -> None:
        with self._lock:
            if self._stopped or self._serving:
                raise UsageError(
                    "This demo server has already been started or stopped.",
                    fix="Create a new DemoServer to serve again.",
                )
            self._serving = True

    def __enter__(self) -> DemoServer:
        self.start()
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        self.stop()


class _DemoHTTPServer(ThreadingHTTPServer):
    """ThreadingHTTPServer that tracks its connections so stop() can cut them."""

    daemon_threads = True
    # stop() joins the handler threads itself, with a deadline.
    block_on_close = False
    # On Windows SO_REUSEADDR would let two servers share one port.
    allow_reuse_address = sys.platform != "win32"

    def __init__(
        self,
        demo: DemoServer,
        host: str,
        port: int,
        tls_context: ssl.SSLContext | None,
    ) -> None:
        self.demo = demo
        self.tls_context = tls_context
        self._connections: dict[threading.Thread, socket.socket] = {}
        self._connections_lock = threading.Lock()
        if ":" in host:
            self.address_family = socket.AF_INET6
        try:
            super().__init__((host, port), _DemoRequestHandler)
        except OSError as error:
            reason = error.strerror or str(error)
            raise UsageError(
                f"The demo org cannot listen on {host}:{port}: {reason}.",
                fix="Choose another port, or 0 for any free port.",
            ) from None

    def server_bind(self) -> None:
        # HTTPServer.server_bind looks up the host's full name, which can hang
        # for seconds on a badly configured resolver; the name is never used.
        socketserver.TCPServer.server_bind(self)
        host, port = self.server_address[:2]
        self.server_name = str(host)
        self.server_port = int(port)

    def finish_request(self, request: Any, client_address: Any) -> None:
        connection: socket.socket = request
        self._track(connection)
        try:
            if self.tls_context is not None:
                request.settimeout(_TLS_HANDSHAKE_TIMEOUT_S)
                connection = self.tls_context.wrap_socket(request, server_side=True)
                self._track(connection)
            if not self.demo.stopping.is_set():
                _DemoRequestHandler(connection, client_address, self)
        except (ssl.SSLError, OSError) as error:
            logger.debug("Demo server connection ended: %s", type(error).__name__)
        finally:
            with self._connections_lock:
                self._connections.pop(threading.current_thread(), None)
            if connection is not request:
                connection.close()

    def _track(self, connection: socket.socket) -> None:
        with self._connections_lock:
            self._connections[threading.current_thread()] = connection

    def cut_connections(self) -> None:
        """Shut every open connection down, waking handlers blocked on it."""
        with self._connections_lock:
            connections = list(self._connections.values())
        for connection in connections:
            # The plain socket call: it must not touch a TLS object that the
            # handler thread may be using at this very moment.
            with contextlib.suppress(OSError):
                socket.socket.shutdown(connection, socket.SHUT_RDWR)

    def join_handlers(self, timeout_s: float) -> None:
        with self._connections_lock:
            threads = list(self._connections)
        each = timeout_s / max(len(threads), 1)
        for thread in threads:
            thread.join(each)

    def handle_error(self, request: Any, client_address: Any) -> None:
        logger.debug("Demo server: error on a connection", exc_info=True)


class _BadRequestBody(Exception):
    def __init__(self, status: int, message: str) -> None:
        super().__init__(message)
        self.status = status
        self.message = message


class _DemoRequestHandler(BaseHTTPRequestHandler):
    """Reads one request, asks the org, and delivers its answer as told."""

    protocol_version = "HTTP/1.1"
    server_version = "sfjwt-demo-org"
    sys_version = ""
    timeout = _IDLE_CONNECTION_TIMEOUT_S
    server: _DemoHTTPServer

    def date_time_string(self, timestamp: float | None = None) -> str:
        # http.server's own error pages show the org's clock too.
        when = self.server.demo.org.now() if timestamp is None else timestamp
        return formatdate(when, usegmt=True)

    def _serve(self) -> None:
        demo = self.server.demo
        try:
            body = self._read_body()
        except _BadRequestBody as problem:
            self.close_connection = True
            self._write(self._plain(problem.status, problem.message))
            return

        response = demo.org.handle(
            self.command,
            self.path,
            dict(self.headers.items()),
            body,
            base_url=demo.base_url,
            client_ip=str(self.client_address[0]),
        )
        if response.delay_s > 0 and demo.stopping.wait(response.delay_s):
            # Stopping while a slow answer waits: the answer is never sent.
            self.close_connection = True
            return
        self._write(response)

    do_GET = do_POST = do_HEAD = do_PUT = do_PATCH = do_DELETE = _serve

    def _read_body(self) -> bytes:
        if "chunked" in self.headers.get("Transfer-Encoding", "").lower():
            return self._read_chunked_body()

        length_text = self.headers.get("Content-Length")
        if length_text is None:
            return b""
        try:
            length = int(length_text)
        except ValueError:
            raise _BadRequestBody(400, "Bad Content-Length") from None
        if length < 0:
            raise _BadRequestBody(400, "Bad Content-Length")
        if length > MAX_REQUEST_BODY_BYTES:
            raise _BadRequestBody(413, "Request Entity Too Large")

        body = self.rfile.read(length)
        if len(body) != length:
            raise _BadRequestBody(400, "Incomplete body")
        return body

    def _read_chunked_body(self) -> bytes:
        chunks: list[bytes] = []
        total = 0
        while True:
            size_line = self.rfile.readline(_MAX_CHUNK_LINE_BYTES)
            try:
                size = int(size_line.split(b";")[0].strip(), 16)
            except ValueError:
                raise _BadRequestBody(400, "Bad chunk size") from None
            if size < 0:
                raise _BadRequestBody(400, "Bad chunk size")
            if size == 0:
                break
            total += size
            if total > MAX_REQUEST_BODY_BYTES:
                raise _BadRequestBody(413, "Request Entity Too Large")
            chunk = self.rfile.read(size)
            if len(chunk) != size or self.rfile.readline(3) not in (b"\r\n", b"\n"):
                raise _BadRequestBody(400, "Bad chunk")
            chunks.append(chunk)

        # Trailer fields, if any, end with an empty line.
        while self.rfile.readline(_MAX_CHUNK_LINE_BYTES) not in (b"\r\n", b"\n", b""):
            pass
        return b"".join(chunks)

    def _plain(self, status: int, message: str) -> DemoResponse:
        headers = {"Date": self.date_time_string(), "Content-Type": TEXT_CONTENT_TYPE}
        return DemoResponse(status, headers, message.encode("utf-8"))

    def _write(self, response: DemoResponse) -> None:
        headers = dict(response.headers)
        if not any(name.lower() == "content-length" for name in headers):
            headers["Content-Length"] = str(len(response.body))
        if response.behaviour or self.close_connection:
            headers["Connection"] = "close"

        self.send_response_only(response.status)
        for name, value in headers.items():
            self.send_header(name, value)
        self.end_headers()
        self._log_answer(response.status)
        if self.command == "HEAD":
            return

        try:
            self._write_body(response)
        except OSError as error:
            # The client went away (or stop() cut the connection): nothing to do.
            logger.debug("Demo server: answer not delivered (%s)", type(error).__name__)
            self.close_connection = True

    def _write_body(self, response: DemoResponse) -> None:
        stopping = self.server.demo.stopping
        body = response.body
        if response.body_stream is not None:
            for chunk in response.body_stream():
                if stopping.is_set():
                    break
                self.wfile.write(chunk)
        elif response.behaviour == "reset":
            self.wfile.write(body[: len(body) // 2])
            self.close_connection = True
            socket.socket.shutdown(self.connection, socket.SHUT_RDWR)
        elif response.behaviour == "trickle":
            interval = self.server.demo.org.settings.trickle_interval_s
            for index in range(len(body)):
                self.wfile.write(body[index : index + 1])
                if stopping.wait(interval):
                    break
        else:
            self.wfile.write(body)

    def _log_answer(self, status: int) -> None:
        # The path only: query strings can carry tokens (?oauth_token=, ?token=).
        path = self.path.split("?", 1)[0]
        logger.debug("Demo server %s %s -> %s", self.command, path, status)

    def log_message(self, format: str, *args: Any) -> None:
        # http.server's own messages quote the request line, which may hold a
        # token: keep only the first argument (the status code or the error).
        logger.debug("Demo server protocol error: %s", args[0] if args else "")


def _require_loopback(host: str) -> None:
    if host.lower() == "localhost":
        return
    try:
        is_loopback = ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        is_loopback = False
    if not is_loopback:
        raise UsageError(
            f"The demo org only listens on this computer; {host!r} is not a "
            "loopback address.",
            fix="Use 127.0.0.1, ::1 or localhost.",
        )


def _no_passphrase() -> bytes:
    # Without a callback OpenSSL would prompt on the terminal for an encrypted key.
    return b""


def _tls_context(cert: Path | None, key: Path | None) -> ssl.SSLContext | None:
    if cert is None and key is None:
        return None
    if cert is None or key is None:
        raise UsageError(
            "HTTPS needs both a certificate file and its private key file.",
            fix="Give both the TLS certificate and the TLS key, or neither.",
        )

    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    try:
        context.load_cert_chain(str(cert), str(key), password=_no_passphrase)
    except FileNotFoundError as error:
        raise KeyFileError(
            f"The TLS file {error.filename} does not exist.",
            fix="Check the path of the TLS certificate and key.",
        ) from None
    except (ssl.SSLError, OSError, ValueError) as error:
        raise KeyFileError(
            f"The TLS certificate {cert} and key {key} cannot be used together "
            f"({type(error).__name__}).",
            fix="Give a PEM certificate and its unencrypted PEM private key.",
        ) from None
    return context
