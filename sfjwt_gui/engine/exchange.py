"""One HTTP exchange with a login host, recorded for support; failures are data.

``HttpClient`` sends the token request (and the follow-up GETs that prove a
token works) and returns an ``HttpRecord`` holding everything a support
engineer needs: what was sent, what came back, how long it took, and - when
the network, TLS or a proxy got in the way - a ``TransportFailure`` instead of
an exception. Only input the user controls (a bad URL, a missing CA bundle,
an unusable proxy setting) raises, and then an ``SfjwtError``.

TLS is verified with the operating system's trust store unless a CA bundle is
given (see tlsinfo); the proxy follows the profile's setting (see proxies).
The timeout is one deadline for the whole exchange, from connecting to the
last byte of the body, and a cancel event stops it at any point (see deadline).
"""

from __future__ import annotations

import contextlib
import logging
import math
import socket
import ssl
import threading
import time
from collections.abc import Iterator, Mapping
from datetime import datetime, timezone
from http.client import HTTPException
from pathlib import Path
from types import TracebackType
from urllib.parse import quote, quote_plus, urlsplit

import requests
import urllib3.exceptions

from sfjwt_gui import __version__
from sfjwt_gui.engine.deadline import (
    DeadlineAdapter,
    DeadlineSystemTrustAdapter,
    Phase,
    Watchdog,
)
from sfjwt_gui.engine.errors import LoginUrlError, UsageError
from sfjwt_gui.engine.httprecord import FailureCode, HttpRecord, TransportFailure
from sfjwt_gui.engine.loginurl import is_loopback_host
from sfjwt_gui.engine.proxies import (
    normalised_proxy,
    proxy_for_url,
    without_credentials,
)
from sfjwt_gui.engine.tlsinfo import (
    FETCH_TIMEOUT_S,
    describe_tls_failure,
    system_trust_context,
)

__all__ = [
    "DEFAULT_TIMEOUT_S",
    "MAX_BODY_BYTES",
    "FailureCode",
    "HttpClient",
    "HttpRecord",
    "TransportFailure",
    "check_url_allowed",
    "is_loopback_host",
]

logger = logging.getLogger(__name__)

MAX_BODY_BYTES = 1024 * 1024
DEFAULT_TIMEOUT_S = 30.0
USER_AGENT = f"sfjwt-gui/{__version__}"
HIDDEN = "<hidden>"

_CHUNK_BYTES = 64 * 1024
_MAX_DETAIL_CHARS = 600
# Shorter values cannot carry a secret, and blanking them would garble the text.
_MIN_SCRUBBED_CHARS = 4
_TUNNEL_FAILED = "Tunnel connection failed:"
# Everything that can come out of requests, urllib3 or the socket below them.
_TRANSPORT_ERRORS = (
    requests.RequestException,
    urllib3.exceptions.HTTPError,
    HTTPException,
    OSError,
    ValueError,
)


def check_url_allowed(url: str) -> None:
    """Refuse a URL that is unparseable, or plain http:// to another computer."""
    invalid = f"The URL {_shown_url(url)!r} is not usable"
    fix = "Enter a URL such as https://login.salesforce.com."
    if not isinstance(url, str) or not url or any(c.isspace() for c in url):
        raise LoginUrlError(f"{invalid}.", fix=fix)

    try:
        parts = urlsplit(url)
        host = parts.hostname or ""
        _ = parts.port  # parsing the port is what raises for a bad one
    except ValueError as exc:
        raise LoginUrlError(f"{invalid}: {exc}.", fix=fix) from None

    scheme = parts.scheme.lower()
    if scheme not in ("http", "https") or not host:
        raise LoginUrlError(f"{invalid}: it needs https:// and a host.", fix=fix)

    if scheme == "http" and not is_loopback_host(host):
        raise LoginUrlError(
            f"http://{host} is not encrypted; plain http:// is only sent to this "
            "computer (127.0.0.1, localhost, ::1).",
            code="login_url_insecure",
            fix=f"Use https://{host} instead.",
        )


class HttpClient:
    """Sends requests with one session; every answer or failure is an HttpRecord.

    TLS is always verified: against ``ca_bundle`` when given, else with the
    system's trust store (on a session this client creates). ``proxy`` is ""
    (the environment's HTTPS_PROXY and NO_PROXY, unless the session's
    ``trust_env`` is off), "direct", or a proxy URL (NO_PROXY still applies).
    Redirects are never followed: a 3xx is recorded as it came.
    ``timeout`` is one deadline for each whole exchange: connecting, the proxy's
    tunnel, TLS, the status line, the headers and the body. A session given by
    the caller is used as it is: only connections of its ``DeadlineAdapter``
    mounts are stopped at the deadline or on cancel while they wait; the body
    is cut off at the deadline in any case.
    """

    def __init__(
        self,
        *,
        timeout: float = DEFAULT_TIMEOUT_S,
        ca_bundle: str | Path | None = None,
        session: requests.Session | None = None,
        proxy: str = "",
    ) -> None:
        if not isinstance(timeout, (int, float)) or not 0 < timeout < math.inf:
            raise UsageError(
                f"The timeout must be a positive number of seconds, not {timeout!r}.",
                fix="Enter a timeout such as 30.",
            )

        self._verify: str | bool = True
        if ca_bundle is not None and str(ca_bundle).strip():
            bundle = Path(ca_bundle).expanduser()
            if not bundle.exists():
                raise UsageError(
                    f"The CA bundle {bundle} does not exist.",
                    fix="Choose the PEM file of your network's certificate "
                    "authority, or leave the CA bundle empty.",
                )
            self._verify = str(bundle)

        self._proxy = normalised_proxy(proxy)
        self._timeout = float(timeout)
        self._owns_session = session is None
        self._session = session if session is not None else requests.Session()
        if self._owns_session:
            context = system_trust_context() if self._verify is True else None
            https = (
                DeadlineAdapter()
                if context is None
                else DeadlineSystemTrustAdapter(context)
            )
            self._session.mount("https://", https)
            self._session.mount("http://", DeadlineAdapter())

    def __enter__(self) -> HttpClient:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        self.close()

    def close(self) -> None:
        """Close the session (only when this client created it)."""
        if self._owns_session:
            self._session.close()

    def post_form(
        self,
        url: str,
        form: Mapping[str, str],
        *,
        cancel: threading.Event | None = None,
    ) -> HttpRecord:
        """POST ``form`` url-encoded to ``url`` (the token request)."""
        return self._exchange("POST", url, form=dict(form), cancel=cancel)

    def get(
        self,
        url: str,
        *,
        bearer: str | None = None,
        params: Mapping[str, str] | None = None,
        cancel: threading.Event | None = None,
    ) -> HttpRecord:
        """GET ``url``, with ``Authorization: Bearer`` when ``bearer`` is given."""
        query = dict(params or {})
        return self._exchange("GET", url, params=query, bearer=bearer, cancel=cancel)

    def _exchange(
        self,
        method: str,
        url: str,
        *,
        form: dict[str, str] | None = None,
        params: dict[str, str] | None = None,
        bearer: str | None = None,
        cancel: threading.Event | None,
    ) -> HttpRecord:
        check_url_allowed(url)
        headers = {"User-Agent": USER_AGENT, "Accept": "application/json"}
        if bearer is not None:
            headers["Authorization"] = f"Bearer {bearer}"
        try:
            prepared = self._session.prepare_request(
                requests.Request(method, url, headers, data=form, params=params)
            )
        except _TRANSPORT_ERRORS as exc:
            raise LoginUrlError(
                f"The URL {_shown_url(url)!r} is not usable ({type(exc).__name__}).",
                fix="Check the host name for typing mistakes.",
            ) from None

        record = HttpRecord(
            method=method,
            url=prepared.url or url,
            request_headers=_masked_headers(prepared.headers),
            request_form=dict(form or {}),
            started_at=datetime.now(timezone.utc),
        )
        secrets = [*(form or {}).values(), *(params or {}).values(), bearer or ""]
        run = _Exchange(record, self._timeout, secrets, cancel)
        if cancel is not None and cancel.is_set():
            run.fail(FailureCode.CANCELLED, "The request was cancelled before sending.")
            return run.finish()

        with run.watchdog:
            self._send(prepared, run, cancel)

        run.note_stop()
        return run.finish()

    def _send(
        self,
        prepared: requests.PreparedRequest,
        run: _Exchange,
        cancel: threading.Event | None,
    ) -> None:
        """Send the request and read the answer into the record (watched)."""
        record = run.record
        try:
            # What Session.request would do: apply proxy/CA settings from the
            # environment (when trust_env) on top of ours.
            settings = self._session.merge_environment_settings(
                record.url, {}, True, self._verify, None
            )
            if self._proxy:
                settings["proxies"] = self._fixed_proxies(record.url)
            run.use_proxy(requests.utils.select_proxy(record.url, settings["proxies"]))
            response = self._session.send(
                prepared,
                timeout=(self._timeout, self._timeout),
                allow_redirects=False,
                **settings,
            )
        except _TRANSPORT_ERRORS as exc:
            run.fail_from(exc, reading_body=False)
            return

        try:
            if run.watchdog.headers_arrived():
                record.status = response.status_code
                record.reason = response.reason or ""
                record.response_headers = dict(response.headers)
                run.read_body(response, cancel)
        finally:
            with contextlib.suppress(*_TRANSPORT_ERRORS):
                response.close()

    def _fixed_proxies(self, url: str) -> dict[str, str]:
        """The proxies for ``url`` when the profile overrides the environment."""
        chosen = proxy_for_url(self._proxy, url, trust_env=self._session.trust_env)
        return {"http": chosen, "https": chosen} if chosen else {}


class _Exchange:
    """One request while it runs: reads the body, records failures, finishes."""

    def __init__(
        self,
        record: HttpRecord,
        timeout: float,
        secrets: list[str],
        cancel: threading.Event | None = None,
    ) -> None:
        self.record = record
        self.timeout = timeout
        long_enough = {s for s in secrets if len(s) >= _MIN_SCRUBBED_CHARS}
        self.secrets = sorted(long_enough, key=len, reverse=True)
        self.proxy: str | None = None
        self.started = time.monotonic()
        self.deadline = self.started + timeout
        self.watchdog = Watchdog(self.deadline, cancel)
        parts = urlsplit(record.url)
        self.host = parts.hostname or "the server"
        self.port = parts.port or (443 if parts.scheme.lower() == "https" else 80)
        shown_host = f"[{self.host}]" if ":" in self.host else self.host
        self.host_port = f"{shown_host}:{self.port}"

    def use_proxy(self, proxy: str | None) -> None:
        """Note the proxy in use; its password must never reach a detail."""
        self.proxy = proxy
        password = urlsplit(proxy or "").password
        if password:
            self.secrets.insert(0, password)

    def read_body(
        self, response: requests.Response, cancel: threading.Event | None
    ) -> None:
        """Read the body in chunks, within the size cap and the deadline."""
        # read1 returns whatever has arrived, so a server that trickles bytes
        # cannot hold one read open past the deadline (urllib3 1.x lacks it).
        read = getattr(response.raw, "read1", None) or response.raw.read
        body = bytearray()
        try:
            while True:
                if cancel is not None and cancel.is_set():
                    self.fail(
                        FailureCode.CANCELLED,
                        "The request was cancelled while reading the answer.",
                    )
                    break

                if time.monotonic() > self.deadline:
                    self.fail(FailureCode.TIMEOUT, self.unfinished_message())
                    break

                chunk = read(_CHUNK_BYTES, decode_content=True)
                if not chunk:
                    break

                room = MAX_BODY_BYTES - len(body)
                body += chunk[:room]
                if len(chunk) > room:
                    self.record.body_truncated = True
                    self.fail(
                        FailureCode.RESPONSE_TOO_LARGE,
                        f"The answer from {self.host} is larger than "
                        f"{MAX_BODY_BYTES // 1024} KiB; only its start was kept.",
                    )
                    break
        except _TRANSPORT_ERRORS as exc:
            self.fail_from(exc, reading_body=True)
        self.record.body = bytes(body)

    def fail(self, code: FailureCode, message: str, detail: str = "") -> None:
        for secret in self.secrets:
            for variant in (secret, quote_plus(secret), quote(secret, safe="")):
                detail = detail.replace(variant, HIDDEN)
        detail = detail[:_MAX_DETAIL_CHARS]
        self.record.failure = TransportFailure(code, message, detail)

    def fail_from(self, exc: BaseException, *, reading_body: bool) -> None:
        # Once the watchdog has shut the sockets, any error is its doing.
        if self.watchdog.stopped_by is not None:
            code, message = self.describe_stop()
        else:
            code, message = self.describe(list(_exception_chain(exc)), reading_body)
        self.fail(code, message, f"{type(exc).__name__}: {exc}")

    def note_stop(self) -> None:
        """Record a stop by the watchdog that left no error of its own behind.

        A body without a length just ends when its socket is shut down, and a
        cut status line may parse: neither is an answer.
        """
        if self.watchdog.stopped_by is not None and self.record.failure is None:
            self.fail(*self.describe_stop())

    def describe_stop(self) -> tuple[FailureCode, str]:
        """The failure for the watchdog's stop, by where the exchange was."""
        phase = self.watchdog.stopped_while
        if self.watchdog.stopped_by is FailureCode.CANCELLED:
            doing = "reading" if phase is Phase.READING else "waiting for"
            return (
                FailureCode.CANCELLED,
                f"The request was cancelled while {doing} the answer.",
            )

        seconds = f"{self.timeout:g} s"
        if phase is Phase.READING:
            return FailureCode.TIMEOUT, self.unfinished_message()
        if phase is Phase.WAITING:
            return FailureCode.TIMEOUT, f"No answer from {self.host} within {seconds}."
        if self.proxy:
            proxy = without_credentials(self.proxy)
            message = (
                f"Could not connect to {self.host_port} through the proxy {proxy} "
                f"within {seconds}."
            )
            return FailureCode.TIMEOUT, message
        message = f"Could not connect to {self.host_port} within {seconds}."
        return FailureCode.TIMEOUT, message

    def unfinished_message(self) -> str:
        return (
            f"{self.host} did not finish sending its answer within {self.timeout:g} s."
        )

    def describe(
        self, chain: list[BaseException], reading_body: bool
    ) -> tuple[FailureCode, str]:
        """A failure code and a plain sentence for a transport exception."""
        seconds = f"{self.timeout:g} s"
        if _has(chain, requests.exceptions.ConnectTimeout):
            message = f"Could not connect to {self.host_port} within {seconds}."
            return FailureCode.TIMEOUT, message
        if _has(chain, requests.exceptions.ProxyError, urllib3.exceptions.ProxyError):
            return FailureCode.PROXY_ERROR, self.describe_proxy(chain)
        if _has(chain, requests.exceptions.InvalidProxyURL):
            return FailureCode.PROXY_ERROR, f"The proxy {self.proxy} is not a URL."
        if _has(chain, requests.exceptions.SSLError, ssl.SSLError):
            timeout = min(self.timeout, FETCH_TIMEOUT_S)
            message = describe_tls_failure(
                chain, self.host, self.port, proxy=self.proxy, timeout=timeout
            )
            return FailureCode.TLS_ERROR, message
        # Not urllib3's TimeoutError: its NewConnectionError (refused, DNS) is one.
        timeouts = (requests.Timeout, urllib3.exceptions.ReadTimeoutError)
        if _has(chain, *timeouts, TimeoutError):
            if reading_body:
                return FailureCode.TIMEOUT, f"{self.host} went silent for {seconds}."
            return FailureCode.TIMEOUT, f"No answer from {self.host} within {seconds}."
        if reading_body:
            message = f"The connection to {self.host} was cut while reading the answer."
            return FailureCode.CONNECTION_FAILED, message
        if _has(chain, socket.gaierror, *_name_resolution_errors()):
            message = f"The host name {self.host} could not be resolved (DNS)."
            return FailureCode.CONNECTION_FAILED, message
        message = f"Could not connect to {self.host_port}: {_socket_reason(chain)}."
        return FailureCode.CONNECTION_FAILED, message

    def describe_proxy(self, chain: list[BaseException]) -> str:
        proxy = without_credentials(self.proxy or "")
        for error in chain:
            text = str(error)
            if text.startswith(_TUNNEL_FAILED):
                answer = text[len(_TUNNEL_FAILED) :].strip()
                if answer.startswith("407"):
                    answer += " (the proxy wants a user name and password)"
                return f"The proxy {proxy} answered {answer}."
        if _has(chain, socket.gaierror, *_name_resolution_errors()):
            return f"The proxy host of {proxy} could not be resolved (DNS)."
        if _has(chain, ConnectionRefusedError):
            return f"The proxy {proxy} refused the connection."
        return f"Could not go through the proxy {proxy}: {_socket_reason(chain)}."

    def finish(self) -> HttpRecord:
        """Stamp the elapsed time, log the outcome and hand the record over."""
        record = self.record
        record.elapsed_ms = (time.monotonic() - self.started) * 1000
        outcome = record.failure.code.value if record.failure else record.status
        shown = _shown_url(record.url)
        elapsed = record.elapsed_ms
        logger.debug("%s %s -> %s in %.0f ms", record.method, shown, outcome, elapsed)
        return record


def _masked_headers(headers: Mapping[str, str]) -> dict[str, str]:
    masked = dict(headers)
    for name, value in headers.items():
        if name.lower() in ("authorization", "proxy-authorization"):
            scheme = value.split(" ", 1)[0] if " " in value else "Bearer"
            masked[name] = f"{scheme} {HIDDEN}"
        elif name.lower() == "cookie":
            masked[name] = HIDDEN
    return masked


def _exception_chain(exc: BaseException) -> Iterator[BaseException]:
    """The exception and everything it wraps (causes, contexts, reasons, args)."""
    pending = [exc]
    seen: set[int] = set()
    while pending:
        error = pending.pop(0)
        if id(error) in seen:
            continue
        seen.add(id(error))
        yield error
        wrapped = [
            error.__cause__,
            error.__context__,
            getattr(error, "reason", None),
            getattr(error, "original_error", None),
            *error.args,
        ]
        pending.extend(item for item in wrapped if isinstance(item, BaseException))


def _has(chain: list[BaseException], *types: type[BaseException]) -> bool:
    return any(isinstance(error, types) for error in chain)


def _name_resolution_errors() -> tuple[type[BaseException], ...]:
    # urllib3 2 raises NameResolutionError; urllib3 1 only carries the gaierror.
    error_type = getattr(urllib3.exceptions, "NameResolutionError", None)
    return (error_type,) if isinstance(error_type, type) else ()


def _socket_reason(chain: list[BaseException]) -> str:
    if _has(chain, ConnectionRefusedError):
        return "connection refused"
    if _has(chain, ConnectionResetError):
        return "the connection was reset"
    for error in chain:
        if isinstance(error, OSError) and error.strerror:
            return error.strerror.lower()
    return "the connection failed"


def _shown_url(url: object) -> str:
    """A URL fit for messages and logs: no credentials, query or fragment."""
    if not isinstance(url, str):
        return f"({type(url).__name__})"
    without_query = url.split("?", 1)[0].split("#", 1)[0]
    return without_credentials(without_query)[:200]
