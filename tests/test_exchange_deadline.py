"""One deadline for the whole exchange, and a cancel that reaches a waiting request.

Servers here answer slowly on purpose (their pacing is the server's, the tests
never sleep): a head trickled a byte at a time keeps every socket read short,
so only a deadline over the whole exchange can end it. Each test bounds how
long the request took far below how long the server would go on.
"""

from __future__ import annotations

import contextlib
import os
import socket
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from loopback_servers import (
    Connection,
    LoopbackServer,
    ReceivedRequest,
    Responder,
    TlsFiles,
    TrickledHead,
    closed_port,
    make_tls_files,
    relay_to,
    respond_json,
)

from sfjwt_gui.engine.deadline import Watchdog
from sfjwt_gui.engine.exchange import FailureCode, HttpClient, HttpRecord

TIMEOUT_S = 0.5
# A correctness bound, not a benchmark: the deadline plus room for a busy machine.
ENDED_WITHIN_S = 3 * TIMEOUT_S + 1.0
# Cancelled requests use a long timeout, so only the cancel can end them early.
LONG_TIMEOUT_S = 30.0
INTERVAL_S = 0.05
STATUS_LINE = b"HTTP/1.1 200 OK\r\n"
ROUTES = ["http", "https", "https_via_connect_proxy", "http_via_proxy"]


@pytest.fixture(scope="module")
def tls_files(tmp_path_factory: pytest.TempPathFactory) -> TlsFiles:
    return make_tls_files(tmp_path_factory.mktemp("tls"))


@pytest.fixture(autouse=True)
def no_proxy_exceptions(monkeypatch: pytest.MonkeyPatch) -> None:
    """Loopback goes through the proxy too, whatever this machine's NO_PROXY says."""
    for name in ("NO_PROXY", "no_proxy"):
        monkeypatch.delenv(name, raising=False)


@dataclass
class Route:
    """Where a client sends its requests, and the proxy in between (if any)."""

    url: str
    client: HttpClient
    proxy: LoopbackServer | None


@contextlib.contextmanager
def route_to(
    name: str, responder: Responder, tls_files: TlsFiles, timeout: float
) -> Iterator[Route]:
    """A server answering with ``responder``, reached the way ``name`` says."""
    tls = tls_files.server_context() if name.startswith("https") else None
    with contextlib.ExitStack() as stack:
        server = stack.enter_context(LoopbackServer(responder, tls=tls))
        proxy = None
        if name.endswith("proxy"):
            proxy = stack.enter_context(LoopbackServer(relay_to(server.port)))
        client = HttpClient(
            timeout=timeout,
            ca_bundle=tls_files.cert_path,
            proxy=proxy.base_url if proxy else "direct",
        )
        stack.enter_context(client)
        yield Route(server.url("/services/oauth2/token"), client, proxy)


def timed_get(
    client: HttpClient, url: str, cancel: threading.Event | None = None
) -> tuple[HttpRecord, float]:
    started = time.monotonic()
    record = client.get(url, cancel=cancel)
    return record, time.monotonic() - started


def assert_went_through_proxy(route: Route) -> None:
    if route.proxy is not None:
        assert route.proxy.received, "the proxy was not used"
        if route.url.startswith("https"):
            assert route.proxy.received[0].method == "CONNECT"


@pytest.mark.parametrize("route_name", ROUTES)
@pytest.mark.parametrize(
    "at_once", [b"", STATUS_LINE], ids=["status_line_trickles", "headers_trickle"]
)
def test_a_trickling_head_ends_at_the_deadline(
    tls_files: TlsFiles, route_name: str, at_once: bytes
) -> None:
    head = TrickledHead(INTERVAL_S, at_once=at_once)
    assert head.duration_s > 4 * ENDED_WITHIN_S  # far longer than the deadline

    with route_to(route_name, head, tls_files, TIMEOUT_S) as route:
        record, took = timed_get(route.client, route.url)
        still_sending = not head.finished.is_set()
        assert_went_through_proxy(route)

    assert record.failure is not None
    assert record.failure.code is FailureCode.TIMEOUT
    assert record.failure.message == f"No answer from 127.0.0.1 within {TIMEOUT_S:g} s."
    # A head cut short is no answer, even where what came parses as one.
    assert (record.status, record.response_headers, record.body) == (None, {}, b"")
    assert took < ENDED_WITHIN_S
    assert still_sending
    assert head.sent < len(head.data) // 2


@pytest.mark.parametrize("route_name", ROUTES)
def test_cancel_stops_a_request_waiting_for_its_headers(
    tls_files: TlsFiles, route_name: str
) -> None:
    cancel = threading.Event()

    def status_line_then_cancel(request: ReceivedRequest, conn: Connection) -> None:
        if conn.send(STATUS_LINE + b"X-Partial: yes\r\n"):
            cancel.set()
            conn.hold()

    with route_to(
        route_name, status_line_then_cancel, tls_files, LONG_TIMEOUT_S
    ) as route:
        record, took = timed_get(route.client, route.url, cancel)
        assert_went_through_proxy(route)

    assert cancel.is_set()
    assert record.failure is not None
    assert record.failure.code is FailureCode.CANCELLED
    assert record.failure.message == (
        "The request was cancelled while waiting for the answer."
    )
    assert record.status is None
    assert took < ENDED_WITHIN_S


def test_cancel_stops_a_tls_handshake_that_never_finishes(
    tls_files: TlsFiles,
) -> None:
    cancel = threading.Event()
    listener = socket.create_server(("127.0.0.1", 0))
    port = listener.getsockname()[1]
    accepted: list[socket.socket] = []

    def read_client_hello() -> None:
        # A server that takes the connection and the ClientHello, then nothing.
        sock, _ = listener.accept()
        accepted.append(sock)
        sock.settimeout(LONG_TIMEOUT_S)
        if sock.recv(1):
            cancel.set()

    server = threading.Thread(target=read_client_hello, daemon=True)
    server.start()
    try:
        with HttpClient(timeout=LONG_TIMEOUT_S, ca_bundle=tls_files.cert_path) as http:
            record, took = timed_get(http, f"https://127.0.0.1:{port}/", cancel)
    finally:
        server.join(LONG_TIMEOUT_S)
        for sock in [*accepted, listener]:
            sock.close()

    assert cancel.is_set()
    assert record.failure is not None
    assert record.failure.code is FailureCode.CANCELLED
    assert took < ENDED_WITHIN_S


def test_a_proxy_trickling_its_tunnel_answer_times_out_while_connecting() -> None:
    head = TrickledHead(INTERVAL_S)
    target = f"https://127.0.0.1:{closed_port()}"

    with LoopbackServer(head) as proxy:
        with HttpClient(timeout=TIMEOUT_S, proxy=proxy.base_url) as http:
            record, took = timed_get(http, target)
        tunnels = [(r.method, r.target) for r in proxy.received]

    assert tunnels == [("CONNECT", target.removeprefix("https://"))]
    assert record.failure is not None
    assert record.failure.code is FailureCode.TIMEOUT
    assert record.failure.message == (
        f"Could not connect to {target.removeprefix('https://')} through the proxy "
        f"{proxy.base_url} within {TIMEOUT_S:g} s."
    )
    assert took < ENDED_WITHIN_S
    assert head.sent < len(head.data) // 2


def test_a_reused_connection_is_held_to_the_deadline_too() -> None:
    head = TrickledHead(INTERVAL_S, at_once=STATUS_LINE)
    answered = respond_json({"ok": True}, headers={"Connection": "keep-alive"})
    second: list[ReceivedRequest] = []

    def answer_then_trickle(request: ReceivedRequest, conn: Connection) -> None:
        answered(request, conn)
        again = conn.read_request()
        if again is not None:
            second.append(again)
            head(again, conn)

    with LoopbackServer(answer_then_trickle) as server:
        with HttpClient(timeout=TIMEOUT_S) as http:
            first, _ = timed_get(http, server.url("/first"))
            record, took = timed_get(http, server.url("/second"))
        connections = len(server.received)

    assert first.ok
    # One connection carried both requests: the second went out on it again.
    assert connections == 1
    assert [r.target for r in second] == ["/second"]
    assert record.failure is not None
    assert record.failure.code is FailureCode.TIMEOUT
    assert took < ENDED_WITHIN_S
    assert head.sent < len(head.data) // 2


def test_a_body_without_length_cut_at_the_deadline_is_not_a_whole_answer() -> None:
    def start_then_fall_silent(request: ReceivedRequest, conn: Connection) -> None:
        # The pause puts the body's socket timeout well past the deadline.
        started = conn.send_head(200, {"Content-Type": "application/json"})
        if started and not conn.pause(TIMEOUT_S / 2) and conn.send(b'{"access'):
            conn.hold()

    with (
        LoopbackServer(start_then_fall_silent) as server,
        HttpClient(timeout=TIMEOUT_S) as http,
    ):
        record, took = timed_get(http, server.url("/token"))

    assert record.failure is not None
    assert record.failure.code is FailureCode.TIMEOUT
    assert record.failure.message == (
        f"127.0.0.1 did not finish sending its answer within {TIMEOUT_S:g} s."
    )
    assert (record.status, record.body) == (200, b'{"access')
    assert not record.ok
    assert took < ENDED_WITHIN_S


def _open_descriptors() -> int | None:
    folder = Path("/proc/self/fd")
    return len(os.listdir(folder)) if folder.is_dir() else None


def _deadline_threads() -> list[threading.Thread]:
    return [t for t in threading.enumerate() if t.name == "sfjwt-exchange-deadline"]


def test_exchanges_leave_no_thread_or_socket_behind() -> None:
    before = _open_descriptors()

    head = TrickledHead(INTERVAL_S)
    with (
        LoopbackServer(respond_json({"ok": True})) as fine,
        LoopbackServer(head) as slow,
    ):
        with HttpClient(timeout=TIMEOUT_S) as http:
            answers = [http.get(fine.url(f"/{n}")) for n in range(3)]
            stopped = http.get(slow.url("/slow"))
            assert _deadline_threads() == []
        assert head.finished.wait(LONG_TIMEOUT_S)

    assert all(answer.ok for answer in answers)
    assert stopped.failure is not None
    assert stopped.failure.code is FailureCode.TIMEOUT
    if before is not None:
        assert _open_descriptors() == before


def test_a_socket_watched_after_the_stop_is_shut_at_once() -> None:
    cancel = threading.Event()
    pairs = [socket.socketpair() for _ in range(2)]
    for ours, _theirs in pairs:
        ours.settimeout(LONG_TIMEOUT_S)

    try:
        with Watchdog(time.monotonic() + LONG_TIMEOUT_S, cancel) as watchdog:
            first, second = (ours for ours, _theirs in pairs)
            watchdog.watch(first, first)
            cancel.set()
            # Blocks until the watchdog notices the cancel and shuts it down.
            assert first.recv(1) == b""
            # As a retry's new connection would be, after the stop.
            watchdog.watch(second, second)
            assert second.recv(1) == b""
    finally:
        for pair in pairs:
            for sock in pair:
                sock.close()

    assert watchdog.stopped_by is FailureCode.CANCELLED
    assert _deadline_threads() == []
