"""One table of network faults, staged on loopback, for every layer's tests.

Each ``FaultCase`` names a fault, how to stage it (against the demo org or a
loopback server of tests/loopback_servers.py) and what a correct diagnosis
says about it: the finding code that must come first, words its text must
contain and the exit status of `sfjwt login`. The engine, command-line and
window tests, and the fault benchmark, all walk this one table.

Staging is a context manager: it yields a ``FaultTarget`` (the login URL and
settings that lead into the fault) and takes the fault down afterwards.
"""

from __future__ import annotations

import contextlib
import os
import re
import socket
import threading
import uuid
from collections.abc import Callable, Iterator, Mapping
from contextlib import AbstractContextManager, contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Protocol

import pytest
from loopback_servers import (
    Connection,
    LoopbackServer,
    ReceivedRequest,
    TrickledHead,
    closed_port,
    make_tls_files,
    never_respond,
    reset_mid_body,
    respond_tunnel_refused,
)

from sfjwt_gui.demo.org import DemoOrg
from sfjwt_gui.demo.server import DemoServer
from sfjwt_gui.engine.exchange import MAX_BODY_BYTES
from sfjwt_gui.engine.login import ExitStatus
from sfjwt_gui.engine.profiles import Profile

HUGE_BODY_BYTES = 64 * 1024 * 1024
# Short, so the faults that wait for the deadline keep the tests quick.
SHORT_TIMEOUT_S = 1.0
# Generous, so a busy machine never turns another fault into a timeout.
NORMAL_TIMEOUT_S = 10.0
TRICKLE_INTERVAL_S = 0.05

# What must never reach a person reading a diagnosis: raw exception text.
UNREADABLE = re.compile(
    r"Traceback|<object| object at 0x|ConnectionPool\(|Max retries exceeded"
    r"|Caused by|\[Errno|\b\w+(?:Error|Exception)\("
)


class FaultNotStaged(Exception):
    """This machine cannot stage the fault (e.g. its resolver answers .invalid)."""


@dataclass(frozen=True)
class FaultContext:
    """Where faults are staged: a running demo org and a scratch folder."""

    org: DemoOrg
    base_url: str  # the demo org over plain http on loopback
    workdir: Path


@dataclass
class FaultTarget:
    """Settings that lead a login into one fault, and how to check it happened."""

    login_url: str
    timeout_s: float = NORMAL_TIMEOUT_S
    proxy: str = ""  # the profile's own proxy setting
    env: dict[str, str] = field(default_factory=dict)
    # Things the message must name, known only once staged (host:port, proxy).
    names: tuple[str, ...] = ()
    # Raises AssertionError when the fault did not happen the intended way.
    confirm: Callable[[], None] = lambda: None


Stager = Callable[[FaultContext], AbstractContextManager[FaultTarget]]


@dataclass(frozen=True)
class FaultCase:
    """One fault and what a correct diagnosis of it says."""

    name: str
    stage: Stager
    code: str  # the finding code that must come first
    words: tuple[str, ...]  # in the finding's title or detail, any case
    exit_status: int = ExitStatus.NETWORK
    # The login lasts until its timeout: long enough to use the window meanwhile.
    waits_for_timeout: bool = False


class DemoLogin(Protocol):
    """The demo org's login inputs (the conftest's ``demo`` fixture has them)."""

    @property
    def client_id(self) -> str: ...
    @property
    def username(self) -> str: ...
    @property
    def key_path(self) -> Path: ...
    @property
    def cert_path(self) -> Path: ...


class RunningDemo(Protocol):
    """The running demo org (the conftest's ``demo`` fixture)."""

    @property
    def org(self) -> DemoOrg: ...
    @property
    def base_url(self) -> str: ...


def fault_profile(demo: DemoLogin, target: FaultTarget, name: str = "Fault") -> Profile:
    """A profile that logs in to the demo org's user, into the fault."""
    return Profile(
        name=name,
        login_url=target.login_url,
        client_id=demo.client_id,
        username=demo.username,
        key_path=str(demo.key_path),
        cert_path=str(demo.cert_path),
        timeout_s=target.timeout_s,
        proxy=target.proxy,
    )


def unreadable_parts(text: str) -> list[str]:
    """The pieces of ``text`` that are raw exception text, not sentences."""
    return [match.group(0) for match in UNREADABLE.finditer(text)]


@contextmanager
def environment(values: Mapping[str, str]) -> Iterator[None]:
    """Set environment variables for the block (outside pytest's monkeypatch)."""
    saved = {name: os.environ.get(name) for name in values}
    os.environ.update(values)
    try:
        yield
    finally:
        for name, value in saved.items():
            if value is None:
                os.environ.pop(name, None)
            else:
                os.environ[name] = value


# Loopback-only faults ------------------------------------------------------


def _invalid_host() -> str:
    # A fresh name each time, so no cache anywhere can have an answer for it.
    return f"sfjwt-fault-{uuid.uuid4().hex[:12]}.invalid"


@contextmanager
def _refused(ctx: FaultContext) -> Iterator[FaultTarget]:
    port = closed_port()
    yield FaultTarget(f"http://127.0.0.1:{port}", names=(f"127.0.0.1:{port}",))


@contextmanager
def _unknown_host(ctx: FaultContext) -> Iterator[FaultTarget]:
    host = _invalid_host()
    try:
        socket.getaddrinfo(host, 443)
    except socket.gaierror:
        pass
    else:
        raise FaultNotStaged("this resolver answers for the reserved .invalid domain")
    yield FaultTarget(f"https://{host}", names=(host,))


@contextmanager
def _loopback(
    responder: Callable[[ReceivedRequest, Connection], None],
    timeout_s: float = NORMAL_TIMEOUT_S,
) -> Iterator[FaultTarget]:
    with LoopbackServer(responder) as server:
        yield FaultTarget(server.base_url, timeout_s, names=("127.0.0.1",))


def _reset(ctx: FaultContext) -> AbstractContextManager[FaultTarget]:
    return _loopback(reset_mid_body(b'{"access_token": "00D5g000', 4096))


def _silent(ctx: FaultContext) -> AbstractContextManager[FaultTarget]:
    return _loopback(never_respond(), timeout_s=SHORT_TIMEOUT_S)


@contextmanager
def _head_trickles(ctx: FaultContext) -> Iterator[FaultTarget]:
    # A byte every 50 ms: each read of the head succeeds, the head never ends.
    head = TrickledHead(TRICKLE_INTERVAL_S)

    def confirm() -> None:
        # The login gave up at its deadline, long before the head was all out.
        assert head.finished.wait(NORMAL_TIMEOUT_S), "the server is still sending"
        assert 0 < head.sent < len(head.data) // 2, head.sent

    with LoopbackServer(head) as server:
        yield FaultTarget(
            server.base_url, SHORT_TIMEOUT_S, names=("127.0.0.1",), confirm=confirm
        )


class CountingStream:
    """A responder streaming ``size`` zero bytes; counts what it got to send."""

    def __init__(self, size: int, piece: int = 64 * 1024) -> None:
        self.size = size
        self.piece = piece
        self.sent = 0
        self.finished = threading.Event()

    def __call__(self, request: ReceivedRequest, conn: Connection) -> None:
        zeros = bytes(self.piece)
        head = {"Content-Type": "application/json", "Content-Length": str(self.size)}
        try:
            if not conn.send_head(200, head):
                return
            while self.sent < self.size:
                piece = zeros[: min(self.piece, self.size - self.sent)]
                if not conn.send(piece):
                    return
                self.sent += len(piece)
        finally:
            self.finished.set()


@contextmanager
def _huge(ctx: FaultContext) -> Iterator[FaultTarget]:
    stream = CountingStream(HUGE_BODY_BYTES)

    def confirm() -> None:
        # The client hung up after the cap: the server never got the whole
        # body out (socket buffers hold a few MiB at most).
        assert stream.finished.wait(NORMAL_TIMEOUT_S), "the server is still sending"
        assert MAX_BODY_BYTES <= stream.sent < HUGE_BODY_BYTES // 2, stream.sent

    with LoopbackServer(stream) as server:
        yield FaultTarget(server.base_url, names=("127.0.0.1",), confirm=confirm)


# Faults of the demo org ------------------------------------------------------


def _scenario(name: str, timeout_s: float = NORMAL_TIMEOUT_S) -> Stager:
    @contextmanager
    def stage(ctx: FaultContext) -> Iterator[FaultTarget]:
        ctx.org.set_scenario(name)
        try:
            yield FaultTarget(ctx.base_url, timeout_s)
        finally:
            ctx.org.set_scenario("normal")

    return stage


@contextmanager
def _trickle(ctx: FaultContext) -> Iterator[FaultTarget]:
    settings = ctx.org.settings
    interval = settings.trickle_interval_s
    # A byte every 50 ms: never silent for a whole timeout, never done in one.
    settings.trickle_interval_s = TRICKLE_INTERVAL_S
    try:
        with _scenario("trickle", timeout_s=SHORT_TIMEOUT_S)(ctx) as target:
            target.names = ("127.0.0.1",)
            yield target
    finally:
        settings.trickle_interval_s = interval


@contextmanager
def _untrusted(ctx: FaultContext) -> Iterator[FaultTarget]:
    # The demo org over HTTPS with a certificate of its own making, whose
    # file (the CA bundle that would make it work) is deliberately not given.
    tls = make_tls_files(ctx.workdir / f"tls-{uuid.uuid4().hex[:8]}")
    server = DemoServer(ctx.org, tls_cert=tls.cert_path, tls_key=tls.key_path)
    server.start()
    try:
        yield FaultTarget(server.base_url, names=("127.0.0.1",))
    finally:
        server.stop()


@contextmanager
def _proxy_refuses(ctx: FaultContext) -> Iterator[FaultTarget]:
    # A host only a proxy could reach (.invalid never resolves): no NO_PROXY
    # rule for loopback can route around the proxy, and nothing but the
    # proxy is ever contacted.
    host = _invalid_host()
    with LoopbackServer(respond_tunnel_refused(403)) as proxy:

        def confirm() -> None:
            tunnels = [(r.method, r.target) for r in proxy.received]
            assert tunnels == [("CONNECT", f"{host}:443")], tunnels

        yield FaultTarget(
            f"https://{host}",
            env={"HTTPS_PROXY": proxy.base_url},
            names=(f"127.0.0.1:{proxy.port}",),
            confirm=confirm,
        )


@contextmanager
def _proxy_setting_refuses(ctx: FaultContext) -> Iterator[FaultTarget]:
    with _proxy_refuses(ctx) as target:
        target.proxy = target.env.pop("HTTPS_PROXY")
        yield target


FAULTS: tuple[FaultCase, ...] = (
    FaultCase("connection_refused", _refused, "connection_failed", ("refused",)),
    FaultCase(
        "dns_failure", _unknown_host, "connection_failed", ("could not be resolved",)
    ),
    FaultCase("reset_mid_body", _reset, "connection_failed", ("cut",)),
    FaultCase(
        "headers_never_come",
        _silent,
        "timeout",
        ("no answer", "1 s"),
        waits_for_timeout=True,
    ),
    FaultCase(
        "headers_trickle",
        _head_trickles,
        "timeout",
        ("no answer", "1 s"),
        waits_for_timeout=True,
    ),
    FaultCase(
        "body_trickles",
        _trickle,
        "timeout",
        ("did not finish", "1 s"),
        waits_for_timeout=True,
    ),
    FaultCase(
        "http_500_html", _scenario("server_error"), "http_error", ("500", "html")
    ),
    FaultCase(
        "http_503_html",
        _scenario("service_unavailable"),
        "http_error",
        ("503", "html"),
    ),
    FaultCase(
        "http_200_html", _scenario("html_answer"), "not_json", ("200", "text/html")
    ),
    FaultCase("truncated_json", _scenario("truncated_json"), "not_json", ("not json",)),
    FaultCase("invalid_utf8", _scenario("invalid_utf8"), "not_json", ("not json",)),
    FaultCase("body_64_mib", _huge, "response_too_large", ("larger than",)),
    FaultCase("tls_untrusted", _untrusted, "tls_error", ("certificate",)),
    FaultCase("proxy_refuses", _proxy_refuses, "proxy_error", ("proxy", "403")),
    # The same proxy named by the profile (or --proxy), not by the environment.
    FaultCase(
        "proxy_setting_refuses",
        _proxy_setting_refuses,
        "proxy_error",
        ("proxy", "403"),
    ),
)


# The table as parameters of a test, each case named in the test id.
FAULT_CASES = [pytest.param(case, id=case.name) for case in FAULTS]


def missing_words(case: FaultCase, target: FaultTarget, text: str) -> list[str]:
    """The case's words and the target's names that ``text`` lacks."""
    lowered = text.lower()
    wanted = [*case.words, *(name.lower() for name in target.names)]
    return [word for word in wanted if word not in lowered]


@contextmanager
def staged_in_test(
    case: FaultCase,
    demo: RunningDemo,
    workdir: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> Iterator[FaultTarget]:
    """Stage ``case`` in a test: its environment set, skipped where impossible.

    ``demo`` is the running demo org; ``workdir`` a scratch folder (tmp_path).
    """
    ctx = FaultContext(demo.org, demo.base_url, workdir)
    with contextlib.ExitStack() as stack:
        try:
            target = stack.enter_context(case.stage(ctx))
        except FaultNotStaged as reason:
            pytest.skip(str(reason))
        for name, value in target.env.items():
            monkeypatch.setenv(name, value)
        yield target


def profile_files() -> dict[str, bytes]:
    """Every file of the profiles folder, by name, as bytes."""
    from sfjwt_gui.engine import paths

    folder = paths.profiles_dir()
    return {
        path.name: path.read_bytes()
        for path in sorted(folder.glob("*"))
        if path.is_file()
    }


def config_files() -> dict[str, bytes]:
    """Every file under the config folder, by path inside it, as bytes."""
    from sfjwt_gui.engine import paths

    folder = paths.config_dir()
    return {
        path.relative_to(folder).as_posix(): path.read_bytes()
        for path in sorted(folder.rglob("*"))
        if path.is_file()
    }
