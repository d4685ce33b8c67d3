"""One deadline for a whole HTTP exchange, and a cancel that reaches a waiting read.

requests and urllib3 bound each socket operation, not the exchange: a server
that sends its status line a byte at a time, each byte within the socket
timeout, holds a request open for as long as it likes, and a thread blocked in
a read never looks at a cancel event. A ``Watchdog`` runs beside one exchange;
at the deadline, or once the cancel event is set, it shuts down the sockets
the exchange uses, so whatever waits on them (the tunnel through a proxy, the
TLS handshake, the status line, the headers, the body) fails at once. The
exchange then reports that failure as the timeout or cancel it was.

The sockets come from the connections themselves: pools of an adapter from
this module (``DeadlineAdapter``) make connections that hand each socket they
open, or reuse, to the watchdog of the exchange running in their thread.
Without one they behave exactly as urllib3's own.
"""

from __future__ import annotations

import contextlib
import enum
import logging
import socket
import threading
import time
from collections.abc import Iterator
from types import TracebackType
from typing import Any, Protocol, cast

from requests.adapters import HTTPAdapter
from urllib3.connection import HTTPConnection
from urllib3.connectionpool import HTTPConnectionPool
from urllib3.poolmanager import PoolManager

from sfjwt_gui.engine.httprecord import FailureCode
from sfjwt_gui.engine.tlsinfo import SystemTrustAdapter

__all__ = [
    "DeadlineAdapter",
    "DeadlineSystemTrustAdapter",
    "Phase",
    "Watchdog",
    "watch_pool_manager",
]

logger = logging.getLogger(__name__)

# How late a cancel may be noticed: an Event cannot wake another waiter.
CANCEL_POLL_S = 0.05


class Phase(enum.Enum):
    """Where an exchange was when its watchdog stopped it."""

    CONNECTING = "connecting"  # TCP, the proxy's tunnel, the TLS handshake
    WAITING = "waiting"  # sending the request, waiting for status and headers
    READING = "reading"  # the headers are in, the body is arriving


class _HasFileno(Protocol):
    def fileno(self) -> int: ...


class Watchdog:
    """Stops one exchange at ``deadline`` (time.monotonic) or when cancelled.

    Use it as a context manager around the exchange, in the exchange's thread;
    leaving it ends the watchdog's thread and closes what it held.
    """

    def __init__(self, deadline: float, cancel: threading.Event | None) -> None:
        self._deadline = deadline
        self._cancel = cancel
        self._lock = threading.Lock()
        self._done = threading.Event()
        # Duplicates of the exchange's sockets: unlike the connection's own
        # object, a duplicate stays usable when TLS wraps (and detaches) it.
        self._sockets: list[socket.socket] = []
        self._owners: set[int] = set()
        self._connecting = 0
        self._headers_in = False
        self._closed = False
        self._thread: threading.Thread | None = None
        self._outer: Watchdog | None = None
        self.stopped_by: FailureCode | None = None
        self.stopped_while = Phase.WAITING

    def __enter__(self) -> Watchdog:
        self._outer = _current.watchdog
        _current.watchdog = self
        self._thread = threading.Thread(
            target=self._run, name="sfjwt-exchange-deadline", daemon=True
        )
        self._thread.start()
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        _current.watchdog = self._outer
        self._done.set()
        if self._thread is not None:
            self._thread.join()

        with self._lock:
            self._closed = True
            sockets, self._sockets = self._sockets, []
        for sock in sockets:
            sock.close()

    def watch(self, owner: object, sock: _HasFileno, *, reused: bool = False) -> None:
        """Take ``sock`` of connection ``owner`` into the exchange's sockets.

        ``reused``: a pooled connection's socket, skipped if already watched.
        """
        with self._lock:
            if self._closed or (reused and id(owner) in self._owners):
                return

            copy = _duplicate(sock)
            if copy is None:
                return

            self._owners.add(id(owner))
            self._sockets.append(copy)
            # A retry's new connection must not outlive a stop already made.
            if self.stopped_by is not None:
                _shut(copy)

    @contextlib.contextmanager
    def connecting(self) -> Iterator[None]:
        """Mark the block as connecting (for the message if it is stopped)."""
        with self._lock:
            self._connecting += 1
        try:
            yield
        finally:
            with self._lock:
                self._connecting -= 1

    def headers_arrived(self) -> bool:
        """Note that the answer's head is in; False if stopped before it was.

        A status line cut short by a shutdown can still parse (as "HTTP/1.1
        200" with no headers), so only an answer from before the stop counts.
        """
        with self._lock:
            self._headers_in = True
            return self.stopped_by is None

    def _run(self) -> None:
        cancel = self._cancel
        while True:
            left = self._deadline - time.monotonic()
            if left <= 0:
                self._stop(FailureCode.TIMEOUT)
                return

            pause = left if cancel is None else min(left, CANCEL_POLL_S)
            if self._done.wait(pause):
                return

            if cancel is not None and cancel.is_set():
                self._stop(FailureCode.CANCELLED)
                return

    def _stop(self, code: FailureCode) -> None:
        with self._lock:
            if self._closed or self.stopped_by is not None:
                return

            self.stopped_by = code
            if self._connecting:
                self.stopped_while = Phase.CONNECTING
            elif self._headers_in:
                self.stopped_while = Phase.READING
            for sock in self._sockets:
                _shut(sock)
            watched = len(self._sockets)
        logger.debug(
            "Exchange stopped (%s) while %s; %d socket(s) shut down",
            code.value,
            self.stopped_while.value,
            watched,
        )


class _Current(threading.local):
    watchdog: Watchdog | None = None


_current = _Current()


class _QuietAfterStop(logging.Filter):
    """Drops urllib3's warnings about an answer a watchdog has cut short.

    A head cut off mid-line fails to parse, and urllib3 logs that with its
    traceback; the exchange reports it as the timeout or cancel it was.
    """

    def filter(self, record: logging.LogRecord) -> bool:
        watchdog = _current.watchdog
        return watchdog is None or watchdog.stopped_by is None


logging.getLogger("urllib3.connection").addFilter(_QuietAfterStop())


def _duplicate(sock: _HasFileno) -> socket.socket | None:
    try:
        return socket.socket(fileno=socket.dup(sock.fileno()))
    except OSError:
        return None  # already closed: nothing left to stop


def _shut(sock: socket.socket) -> None:
    # Shutdown, unlike close, acts on the connection behind every descriptor
    # of it, and wakes a thread blocked on any of them.
    with contextlib.suppress(OSError):
        sock.shutdown(socket.SHUT_RDWR)


class _WatchedConnection(HTTPConnection):
    """Hands its sockets to the watchdog of the exchange running in its thread."""

    def _new_conn(self) -> socket.socket:
        sock = super()._new_conn()
        watchdog = _current.watchdog
        if watchdog is not None:
            watchdog.watch(self, sock)
        return sock

    def connect(self) -> None:
        watchdog = _current.watchdog
        if watchdog is None:
            super().connect()
            return

        with watchdog.connecting():
            super().connect()

    def request(self, *args: Any, **kwargs: Any) -> None:
        watchdog = _current.watchdog
        if watchdog is not None and self.sock is not None:
            watchdog.watch(self, self.sock, reused=True)
        super().request(*args, **kwargs)


_watched_pools: dict[type[HTTPConnectionPool], type[HTTPConnectionPool]] = {}
_watched_pools_lock = threading.Lock()


def _watched_pool_class(pool: type[HTTPConnectionPool]) -> type[HTTPConnectionPool]:
    """``pool`` with connections that report to the watchdog (SOCKS ones too)."""
    if issubclass(pool.ConnectionCls, _WatchedConnection):
        return pool

    with _watched_pools_lock:
        watched = _watched_pools.get(pool)
        if watched is None:
            base = pool.ConnectionCls
            try:
                connection = type(
                    f"Watched{base.__name__}",
                    (_WatchedConnection, base),
                    {"__module__": __name__},
                )
            except TypeError:
                # Not an urllib3 connection underneath: leave it unwatched.
                logger.debug("Connections of %s cannot be watched", pool.__name__)
                watched = pool
            else:
                attributes = {"ConnectionCls": connection, "__module__": __name__}
                watched = cast(
                    "type[HTTPConnectionPool]",
                    type(f"Watched{pool.__name__}", (pool,), attributes),
                )
            _watched_pools[pool] = watched
    return watched


def watch_pool_manager(manager: PoolManager) -> None:
    """Make the pools ``manager`` creates from now on report to watchdogs."""
    manager.pool_classes_by_scheme = {
        scheme: _watched_pool_class(pool)
        for scheme, pool in manager.pool_classes_by_scheme.items()
    }


class DeadlineAdapter(HTTPAdapter):
    """An HTTPAdapter whose connections, direct or through a proxy, are watched."""

    def init_poolmanager(self, *args: Any, **kwargs: Any) -> None:
        super().init_poolmanager(*args, **kwargs)
        watch_pool_manager(self.poolmanager)

    def proxy_manager_for(self, proxy: str, **proxy_kwargs: Any) -> Any:
        manager = super().proxy_manager_for(proxy, **proxy_kwargs)
        watch_pool_manager(manager)
        return manager


class DeadlineSystemTrustAdapter(DeadlineAdapter, SystemTrustAdapter):
    """SystemTrustAdapter (the OS trust store) with watched connections."""
