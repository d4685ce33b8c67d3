"""Which proxy a request to the login host goes through, and the CONNECT tunnel.

A profile's ``proxy`` setting is one of:

- "" - the environment decides: HTTPS_PROXY (or HTTP_PROXY for http://) and
  NO_PROXY, the way curl, the Salesforce CLI and requests read them;
- "direct" - no proxy at all, even when the environment names one;
- a proxy URL such as ``http://proxy.example.com:3128`` ("proxy:3128" means
  http://). Hosts listed in NO_PROXY still go direct, as with curl's --proxy:
  NO_PROXY names the hosts the network reaches without any proxy.

A proxy password never goes into a profile, which is a plain file that gets
exported and attached to tickets: credentials belong in HTTPS_PROXY, in the
environment, and are sent from there.
"""

from __future__ import annotations

import base64
import contextlib
import socket
from dataclasses import dataclass
from urllib.parse import SplitResult, unquote, urlsplit

from sfjwt_gui.engine.catalog import make_finding
from sfjwt_gui.engine.errors import UsageError
from sfjwt_gui.engine.findings import Finding

DIRECT = "direct"
SUPPORTED_SCHEMES = ("http", "https")
PROXY_EXAMPLE = "http://proxy.example.com:3128"

_MAX_ANSWER_BYTES = 64 * 1024
_NEEDS_AUTHENTICATION = 407


def normalised_proxy(setting: str) -> str:
    """The setting as "", "direct" or a proxy URL with a scheme.

    Raises UsageError (code proxy_invalid or proxy_has_password) for a value
    that cannot be used; the message never repeats a password.
    """
    text = setting.strip() if isinstance(setting, str) else ""
    if not isinstance(setting, str) or any(c.isspace() for c in text):
        raise _invalid("it contains spaces or is not text")
    if not text or text.lower() == DIRECT:
        return text.lower()

    url = text if "://" in text else f"http://{text}"
    try:
        parts = urlsplit(url)
        host = parts.hostname or ""
        port = parts.port
    except ValueError:
        raise _invalid("its host or port cannot be read") from None

    if parts.password is not None:
        raise UsageError(
            f"The proxy {without_credentials(url)} is written with a password.",
            code="proxy_has_password",
            fix="Remove the user name and password from the proxy field and put "
            "them into HTTPS_PROXY in the environment instead "
            "(http://user:password@proxy:port); profiles are never a place "
            "for passwords.",
        )
    scheme = parts.scheme.lower()
    if scheme not in SUPPORTED_SCHEMES:
        raise _invalid(
            f"{scheme}:// proxies are not supported, only http:// and https://"
        )
    if not host:
        raise _invalid("it has no host name")
    if parts.path not in ("", "/") or parts.query or parts.fragment:
        raise _invalid("a proxy address has no path")
    if port == 0:
        raise _invalid("its port is not a number between 1 and 65535")
    return url.rstrip("/")


def _invalid(reason: str) -> UsageError:
    return UsageError(
        f"The proxy setting cannot be used: {reason}.",
        code="proxy_invalid",
        fix=f'Leave it empty to use HTTPS_PROXY from the environment, type "{DIRECT}" '
        f"for no proxy, or give a proxy URL such as {PROXY_EXAMPLE}.",
    )


def check_proxy(setting: str) -> list[Finding]:
    """Findings for the proxy field; [] when it can be used as it is."""
    try:
        normalised_proxy(setting)
    except UsageError as error:
        return [make_finding(error.code, error.message)]
    return []


def proxy_for_url(setting: str, url: str, *, trust_env: bool = True) -> str | None:
    """The proxy URL a request to ``url`` goes through; None means direct.

    ``trust_env`` False ignores HTTPS_PROXY and NO_PROXY, as requests does.
    """
    # requests is imported here: the window checks the field as it is typed
    # and has no other use for it until a test runs.
    from requests.utils import (
        get_environ_proxies,
        select_proxy,
        should_bypass_proxies,
    )

    chosen = normalised_proxy(setting)
    if chosen == DIRECT:
        return None
    if chosen:
        if trust_env and should_bypass_proxies(url, no_proxy=None):
            return None
        return chosen
    if not trust_env:
        return None
    proxy: str | None = select_proxy(url, get_environ_proxies(url, no_proxy=None))
    return proxy


def describe_setting(setting: str) -> str:
    """The proxy setting in words, for the window and the command line."""
    try:
        chosen = normalised_proxy(setting)
    except UsageError:
        return "not usable"
    if chosen == DIRECT:
        return "none (direct, whatever the environment says)"
    if chosen:
        return f"{chosen} (hosts in NO_PROXY still go direct)"
    from urllib.request import getproxies

    from requests.utils import select_proxy

    environment = getproxies()
    from_environment = select_proxy("https://login.salesforce.com", environment)
    if not from_environment:
        return "none (HTTPS_PROXY is not set)"
    # Without this the check and login of a host listed in NO_PROXY would go
    # direct right under a line naming the proxy.
    exceptions = "; hosts in NO_PROXY go direct" if environment.get("no") else ""
    return f"{without_credentials(from_environment)} (from HTTPS_PROXY{exceptions})"


def without_credentials(url: str) -> str:
    """``url`` without the user name and password before its host."""
    scheme, separator, rest = url.partition("://")
    authority, slash, path = rest.partition("/")
    if not separator or "@" not in authority:
        return url
    return f"{scheme}://{authority.rsplit('@', 1)[1]}{slash}{path}"


def describe_refusal(proxy: str, status: int, reason: str) -> str:
    """A sentence saying the proxy refused, with its address but no password."""
    answer = f"{status} {reason}".strip()
    if status == _NEEDS_AUTHENTICATION:
        answer += " (the proxy wants a user name and password)"
    return f"The proxy {without_credentials(proxy)} answered {answer}."


def refusal_fix(status: int) -> str:
    """What to do about a proxy's refusal to open a tunnel."""
    if status == _NEEDS_AUTHENTICATION:
        return (
            "Put the proxy user name and password into HTTPS_PROXY in the "
            "environment (http://user:password@proxy:port), or ask IT which "
            "proxy lets this computer through without a password."
        )
    return (
        "Ask IT to allow the Salesforce hosts through the proxy, or check the "
        'proxy setting (empty uses HTTPS_PROXY, "direct" uses no proxy).'
    )


class TunnelRefusedError(OSError):
    """The proxy answered CONNECT with something other than 2xx."""

    def __init__(self, proxy: str, status: int, reason: str) -> None:
        super().__init__(describe_refusal(proxy, status, reason))
        self.proxy = without_credentials(proxy)
        self.status = status
        self.reason = reason


@dataclass(frozen=True)
class ProxyAddress:
    """Where a proxy listens, and the header that carries its credentials."""

    url: str
    host: str
    port: int
    authorization: str = ""  # a Proxy-Authorization value; never shown

    @property
    def shown(self) -> str:
        return without_credentials(self.url)

    @classmethod
    def parse(cls, proxy: str) -> ProxyAddress:
        """Read a proxy URL, as given by the profile or the environment."""
        url = proxy if "://" in proxy else f"http://{proxy}"
        parts: SplitResult = urlsplit(url)
        default_port = 443 if parts.scheme.lower() == "https" else 80
        authorization = ""
        if parts.username is not None:
            pair = f"{unquote(parts.username)}:{unquote(parts.password or '')}"
            authorization = "Basic " + base64.b64encode(pair.encode()).decode("ascii")
        return cls(url, parts.hostname or "", parts.port or default_port, authorization)


def open_tunnel(sock: socket.socket, proxy: ProxyAddress, host: str, port: int) -> str:
    """Ask the proxy on ``sock`` for a tunnel to host:port; returns its status line.

    Raises TunnelRefusedError for a refusal and OSError when the proxy hangs
    up or does not speak HTTP.
    """
    authority = f"[{host}]:{port}" if ":" in host else f"{host}:{port}"
    lines = [f"CONNECT {authority} HTTP/1.1", f"Host: {authority}"]
    if proxy.authorization:
        lines.append(f"Proxy-Authorization: {proxy.authorization}")
    sock.sendall(("\r\n".join(lines) + "\r\n\r\n").encode("latin-1"))

    # A proxy sends nothing after its answer until the client speaks, so
    # reading whole chunks cannot swallow the server's first bytes.
    answer = b""
    while b"\r\n\r\n" not in answer:
        chunk = sock.recv(4096)
        if not chunk or len(answer) > _MAX_ANSWER_BYTES:
            raise ConnectionError(f"The proxy {proxy.shown} hung up during CONNECT.")
        answer += chunk

    status_line = answer.split(b"\r\n", 1)[0].decode("latin-1", errors="replace")
    _version, _space, rest = status_line.partition(" ")
    code_text, _space, reason = rest.partition(" ")
    if not code_text.isdigit():
        shown_line = status_line[:80]
        raise ConnectionError(
            f"The proxy {proxy.shown} did not answer like a proxy: {shown_line!r}."
        )
    status = int(code_text)
    if not 200 <= status < 300:
        raise TunnelRefusedError(proxy.url, status, reason.strip())
    return status_line


def connect_through(
    proxy: ProxyAddress, host: str, port: int, timeout: float
) -> socket.socket:
    """A socket tunnelled through ``proxy`` to host:port (CONNECT answered)."""
    if proxy.url.lower().startswith("https://"):
        # FIXME(https-proxy): reaching a server through an https:// proxy needs
        # TLS inside TLS, which only requests does here (for the login itself);
        # the connectivity check and the certificate lookup stop at this point.
        raise ConnectionError(
            f"The proxy {proxy.shown} is reached over https://, which this check "
            "cannot look through; the login itself can use it."
        )
    sock = socket.create_connection((proxy.host, proxy.port), timeout=timeout)
    try:
        open_tunnel(sock, proxy, host, port)
    except BaseException:
        with contextlib.suppress(OSError):
            sock.close()
        raise
    return sock
