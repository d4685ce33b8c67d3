"""The four steps of the connectivity check, each returning a StepOutcome.

``Probe`` keeps the socket from one step to the next: resolve finds the
addresses, connect opens the connection (through the proxy's CONNECT tunnel
when there is one), the handshake verifies TLS on it the way the login does,
and the last step asks for /services/data/ with the login's own HTTP client.
Nothing here raises for what the network does: every problem is an outcome.
"""

from __future__ import annotations

import contextlib
import socket
import ssl
import threading
from dataclasses import dataclass
from enum import Enum
from typing import Any
from urllib.parse import urlsplit

from sfjwt_gui.engine.catalog import CATALOG
from sfjwt_gui.engine.exchange import HttpClient
from sfjwt_gui.engine.httprecord import HttpRecord
from sfjwt_gui.engine.proxies import (
    ProxyAddress,
    TunnelRefusedError,
    open_tunnel,
    refusal_fix,
)
from sfjwt_gui.engine.tlsinfo import (
    PresentedCertificate,
    explain_presented,
    fetch_presented_certificate,
    verifying_context,
)

VERSIONS_PATH = "/services/data/"
_SHOWN_ADDRESSES = 6

Facts = tuple[tuple[str, str], ...]


class CheckState(str, Enum):
    OK = "ok"
    FAILED = "failed"
    SKIPPED = "skipped"


@dataclass(frozen=True)
class StepOutcome:
    """What one step found: a title, a state, a sentence, a fix, the facts seen."""

    title: str
    state: CheckState
    message: str
    fix: str = ""
    facts: Facts = ()


def _ok(title: str, message: str, facts: Facts = ()) -> StepOutcome:
    return StepOutcome(title, CheckState.OK, message, facts=facts)


def _failed(title: str, message: str, fix: str, facts: Facts = ()) -> StepOutcome:
    return StepOutcome(title, CheckState.FAILED, message, fix, facts)


class Probe:
    """One run of the check against ``url``; holds the socket between the steps."""

    def __init__(
        self,
        url: str,
        *,
        proxy_setting: str,
        proxy: str | None,
        ca_bundle: str,
        timeout: float,
        cancel: threading.Event | None,
    ) -> None:
        parts = urlsplit(url)
        self.url = url
        self.scheme = parts.scheme.lower()
        self.host = parts.hostname or ""
        self.port = parts.port or (443 if self.scheme == "https" else 80)
        self.proxy_setting = proxy_setting
        self.proxy = ProxyAddress.parse(proxy) if proxy else None
        self.ca_bundle = ca_bundle
        self.timeout = timeout
        self.cancel = cancel
        self.addresses: list[tuple[socket.AddressFamily, Any]] = []
        self.sock: socket.socket | None = None

    def close(self) -> None:
        if self.sock is not None:
            with contextlib.suppress(OSError):
                self.sock.close()
            self.sock = None

    def resolve(self) -> StepOutcome:
        proxy = self.proxy
        host, port = (proxy.host, proxy.port) if proxy else (self.host, self.port)
        title = f"Resolve the proxy {host}" if proxy else f"Resolve {host}"
        try:
            infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
        except (OSError, UnicodeError) as error:
            reason = _reason(error, self.timeout)
            if proxy is not None:
                return _failed(
                    title,
                    f"The proxy host {host} could not be resolved (DNS): {reason}.",
                    "Check the proxy address (the profile's proxy setting or "
                    "HTTPS_PROXY), or ask IT for the right one.",
                )
            return _failed(
                title,
                f"The host name {host} could not be resolved (DNS): {reason}.",
                "Check the login URL for typing mistakes. Behind a corporate "
                "proxy, outside names may only resolve through the proxy: set "
                "HTTPS_PROXY or the profile's proxy.",
            )

        for family, _type, _proto, _name, sockaddr in infos:
            if (family, sockaddr) not in self.addresses:
                self.addresses.append((family, sockaddr))
        shown = _shown_addresses([str(sockaddr[0]) for _f, sockaddr in self.addresses])
        message = f"{host} has the address{'es' if len(self.addresses) > 1 else ''} "
        message += f"{shown}."
        if proxy is not None:
            message += f" The proxy looks up {self.host} itself."
        return _ok(title, message, (("Host", host), ("Addresses", shown)))

    def connect(self) -> StepOutcome:
        proxy = self.proxy
        where = f"the proxy {proxy.shown}" if proxy else f"{self.host}:{self.port}"
        title = f"Connect to {where}"
        error: OSError | None = None
        for family, sockaddr in self.addresses:
            sock = socket.socket(family, socket.SOCK_STREAM)
            sock.settimeout(self.timeout)
            try:
                sock.connect(sockaddr)
            except OSError as failure:
                sock.close()
                error = failure
                continue
            self.sock = sock
            break

        if self.sock is None:
            reason = _reason(error, self.timeout) if error else "no address to try"
            return _failed(
                title,
                f"Could not connect to {where}: {reason}.",
                _connect_fix(error, proxy is not None),
            )

        peer = self.sock.getpeername()
        peer_text = f"{peer[0]}:{peer[1]}"
        facts: Facts = (("Connected to", peer_text),)
        if proxy is None:
            return _ok(title, f"Connected to {peer_text}.", facts)
        if self.scheme != "https":
            message = f"Connected to {where} ({peer_text}); it fetches {self.url}."
            return _ok(title, message, facts)
        return self.tunnel(title, self.sock, proxy, (peer_text, facts))

    def tunnel(
        self,
        title: str,
        sock: socket.socket,
        proxy: ProxyAddress,
        peer: tuple[str, Facts],
    ) -> StepOutcome:
        peer_text, facts = peer
        try:
            status_line = open_tunnel(sock, proxy, self.host, self.port)
        except TunnelRefusedError as refused:
            answer = f"{refused.status} {refused.reason}".strip()
            return _failed(
                title,
                str(refused),
                refusal_fix(refused.status),
                (*facts, ("Proxy answer", answer)),
            )
        except OSError as error:
            return _failed(
                title,
                f"The proxy {proxy.shown} did not open a tunnel to "
                f"{self.host}:{self.port}: {_reason(error, self.timeout)}.",
                "Check that the address is a web proxy, and ask IT whether it "
                "lets this computer reach Salesforce.",
                facts,
            )
        message = (
            f"Connected to the proxy {proxy.shown} ({peer_text}); it opened a "
            f"tunnel to {self.host}:{self.port} ({status_line})."
        )
        return _ok(title, message, (*facts, ("Proxy answer", status_line)))

    def handshake(self) -> StepOutcome:
        title = "TLS handshake"
        if self.scheme != "https":
            return StepOutcome(
                title,
                CheckState.SKIPPED,
                "Plain http: no TLS. It is only allowed to this computer (the "
                "demo org).",
            )
        if self.sock is None:
            return _failed(title, "There is no connection to secure.", "")
        try:
            context, trusted = verifying_context(self.ca_bundle)
        except (ssl.SSLError, OSError) as error:
            return _failed(
                title,
                f"The CA bundle {self.ca_bundle} cannot be used: "
                f"{_reason(error, self.timeout)}.",
                CATALOG["ca_bundle_missing"].fix,
            )
        try:
            tls = context.wrap_socket(self.sock, server_hostname=self.host)
        except ssl.SSLCertVerificationError as error:
            reason = error.verify_message or error.reason or "unknown reason"
            message = f"The certificate of {self.host} is not trusted by {trusted}: "
            return self.untrusted(title, message + f"{reason}.")
        except (ssl.SSLError, OSError) as error:
            return _failed(
                title,
                f"The TLS handshake with {self.host} failed: "
                f"{_reason(error, self.timeout)}.",
                "A proxy or firewall may be interfering with TLS; try from another "
                "network, or ask IT.",
            )

        self.sock = tls
        der = tls.getpeercert(binary_form=True)
        cert = PresentedCertificate.from_der(der) if der else None
        cipher = tls.cipher()
        protocol = tls.version() or "TLS"
        facts = [("Protocol", protocol), ("Cipher", cipher[0] if cipher else "?")]
        if cert is not None:
            facts += [("Certificate", cert.subject), ("Issued by", cert.issuer)]
        facts.append(("Verified", f"yes, with {trusted}"))
        shown = f"'{cert.subject}'" if cert else "of the server"
        message = (
            f"{protocol} with {cipher[0] if cipher else 'an unknown cipher'}; "
            f"the certificate {shown} is trusted by {trusted}."
        )
        return _ok(title, message, tuple(facts))

    def untrusted(self, title: str, message: str) -> StepOutcome:
        """The handshake refused the certificate: look at it again, unverified."""
        presented = fetch_presented_certificate(
            self.host,
            self.port,
            proxy=self.proxy.url if self.proxy else None,
            timeout=self.timeout,
        )
        if presented is None:
            return _failed(
                title, message, CATALOG["tls_error"].fix, (("Verified", "no"),)
            )
        sentence, fix = explain_presented(presented, self.host)
        facts = (
            ("Certificate", presented.subject),
            ("Issued by", presented.issuer),
            ("Self-signed", "yes" if presented.self_signed else "no"),
            ("SHA-256", presented.sha256),
            ("Verified", "no"),
        )
        return _failed(title, f"{message} {sentence}", fix, facts)

    def read_versions(self) -> StepOutcome:
        title = f"GET {VERSIONS_PATH}"
        # The request goes the way the login's does (same client, proxy and
        # trust), on a connection of its own.
        self.close()
        with HttpClient(
            timeout=self.timeout,
            ca_bundle=self.ca_bundle or None,
            proxy=self.proxy_setting,
        ) as http:
            record = http.get(self.url, cancel=self.cancel)

        if record.failure is not None:
            fix = CATALOG[record.failure.code.value].fix
            return _failed(title, record.failure.message, fix)
        return _judge_versions(title, record)


def _judge_versions(title: str, record: HttpRecord) -> StepOutcome:
    status = record.status or 0
    facts: Facts = (("Status", f"{status} {record.reason}".strip()),)
    body = record.json()
    versions = [
        str(item["version"])
        for item in (body if isinstance(body, list) else [])
        if isinstance(item, dict) and "version" in item
    ]
    if status == 200 and versions:
        facts += (("API versions", f"{versions[0]} to {versions[-1]}"),)
        message = (
            f"HTTP 200: the server lists {len(versions)} API versions, "
            f"{versions[0]} to {versions[-1]}, as Salesforce does."
        )
        return _ok(title, message, facts)

    if 300 <= status < 400:
        location = record.header("Location") or "nowhere"
        return _failed(
            title,
            f"HTTP {status}: the server redirects to {location}.",
            "Use the address it redirects to as the login URL if that is your "
            "org's My Domain; otherwise the login URL is a web page, not a "
            "Salesforce login host.",
            facts,
        )
    kind = record.content_type or "no content type"
    if status == 200:
        message = (
            f"HTTP 200, but with {kind} instead of Salesforce's list of API versions."
        )
    else:
        message = f"HTTP {status} {record.reason}".rstrip() + f", with {kind}."
    return _failed(
        title,
        message,
        "Check the login URL: something other than Salesforce answers there (a web "
        "page, or a proxy or firewall with its own page).",
        facts,
    )


def _shown_addresses(addresses: list[str]) -> str:
    shown = ", ".join(addresses[:_SHOWN_ADDRESSES])
    hidden = len(addresses) - _SHOWN_ADDRESSES
    return f"{shown} and {hidden} more" if hidden > 0 else shown


def _reason(error: BaseException, timeout: float) -> str:
    if isinstance(error, ConnectionRefusedError):
        return "connection refused"
    if isinstance(error, TimeoutError):
        return f"no answer within {timeout:g} s"
    if isinstance(error, ConnectionResetError):
        return "the connection was reset"
    if isinstance(error, ssl.SSLError) and error.reason:
        return str(error.reason)
    if isinstance(error, OSError) and error.strerror:
        return error.strerror[0].lower() + error.strerror[1:]
    return str(error) or type(error).__name__


def _connect_fix(error: OSError | None, through_proxy: bool) -> str:
    if through_proxy:
        return (
            "Check the proxy address and port (the profile's proxy setting or "
            "HTTPS_PROXY) and that the proxy is running; ask IT which proxy to use."
        )
    if isinstance(error, ConnectionRefusedError):
        return (
            "Nothing accepts connections there: check the port in the login URL "
            "and that the server is running."
        )
    return (
        "A firewall may block or silently drop the connection: behind a corporate "
        "proxy set HTTPS_PROXY or the profile's proxy; otherwise check the network."
    )
