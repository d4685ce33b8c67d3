"""What a login URL is, where its token endpoint lives and which audience it wants.

Salesforce accepts the JWT bearer grant on a few kinds of host (the login hosts,
an org's My Domain, an Experience Cloud site, or a proxy in front of them) and
each kind expects a particular ``aud`` claim. This module turns whatever the
user typed or pasted into a :class:`LoginTarget` that says all of that, or into
a :class:`LoginUrlError` that says what to type instead.
"""

from __future__ import annotations

import ipaddress
import logging
import re
from dataclasses import dataclass
from enum import Enum
from urllib.parse import SplitResult, urlsplit

from sfjwt_gui.engine.errors import LoginUrlError

logger = logging.getLogger(__name__)

PRODUCTION_AUDIENCE = "https://login.salesforce.com"
SANDBOX_AUDIENCE = "https://test.salesforce.com"
GS1_AUDIENCE = "https://gs1.salesforce.com"
TOKEN_PATH = "/services/oauth2/token"  # noqa: S105 (a URL path, not a secret)

_EXAMPLE = "https://login.salesforce.com or https://acme.my.salesforce.com"
_DEFAULT_PORTS = {"https": 443, "http": 80}
_LABEL = re.compile(r"^[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?$")
_SCHEME_WITH_SLASHES = re.compile(r"^[a-z][a-z0-9+.-]*://", re.IGNORECASE)
# A word and a colon not followed by a port number ("mailto:x", "https:host").
_SCHEME_WITHOUT_SLASHES = re.compile(
    r"^[a-z][a-z0-9+-]*:(?!\d+(?:[/?#]|$))", re.IGNORECASE
)
_LEGACY_INSTANCE = re.compile(r"^cs\d+$")


class LoginKind(str, Enum):
    """The kind of host a login URL points at."""

    PRODUCTION = "production"
    SANDBOX = "sandbox"
    MY_DOMAIN = "my_domain"
    MY_DOMAIN_SANDBOX = "my_domain_sandbox"
    EXPERIENCE_CLOUD = "experience_cloud"
    LIGHTNING = "lightning"
    LOOPBACK = "loopback"
    OTHER = "other"


@dataclass(frozen=True)
class LoginTarget:
    """A login URL understood: where to post the assertion and what ``aud`` to use."""

    base_url: str
    host: str
    kind: LoginKind
    token_endpoint: str
    default_audience: str
    audience_reason: str
    description: str
    is_sandbox: bool
    is_loopback: bool


def is_loopback_host(host: str) -> bool:
    """True for localhost, 127.0.0.0/8 and ::1 (brackets and a final dot allowed)."""
    name = host.strip().lower().rstrip(".")
    if name.startswith("[") and name.endswith("]"):
        name = name[1:-1]
    if name == "localhost":
        return True

    try:
        address = ipaddress.ip_address(name)
    except ValueError:
        return False

    if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped:
        return address.ipv4_mapped.is_loopback
    return address.is_loopback


def normalise_audience(text: str) -> str:
    """Strip spaces and one trailing slash; lowercase the scheme and host only."""
    audience = text.strip()
    if audience.endswith("/"):
        audience = audience[:-1]

    scheme, separator, rest = audience.partition("://")
    if not separator:
        return audience
    authority, slash, path = rest.partition("/")
    return f"{scheme.lower()}://{authority.lower()}{slash}{path}"


def effective_audience(target: LoginTarget, override: str) -> tuple[str, str]:
    """The audience to sign with and a sentence saying why.

    A non-empty ``override`` wins over the automatic choice.
    """
    chosen = normalise_audience(override)
    if chosen:
        return chosen, f"Set by you (automatic would be {target.default_audience})."
    return target.default_audience, target.audience_reason


def classify_login_url(text: str, *, my_domain_audience: bool = False) -> LoginTarget:
    """Understand a login URL as typed or pasted by the user.

    With ``my_domain_audience`` a My Domain URL is its own audience (what
    external client apps expect since Spring '26) instead of the login host.
    Raises :class:`LoginUrlError` for anything that cannot reach a token endpoint.
    """
    parts = _split(text)
    scheme = parts.scheme.lower()
    host = _checked_host(parts)
    port = _checked_port(parts)

    if host.endswith(".lightning.force.com") or host == "lightning.force.com":
        raise _lightning_error(host)

    loopback = is_loopback_host(host)
    if scheme == "http" and not loopback:
        raise LoginUrlError(
            f"The login URL uses http:// for {host}; Salesforce only answers over "
            "https://, and the assertion must not travel unencrypted.",
            code="login_url_insecure",
            fix=f"Use https://{host} instead (http:// is allowed only for this "
            "computer: localhost or 127.0.0.1).",
        )

    kind = LoginKind.LOOPBACK if loopback else _kind_of_host(host)
    authority = f"[{host}]" if ":" in host else host
    if port is not None and port != _DEFAULT_PORTS[scheme]:
        authority = f"{authority}:{port}"
    base_url = f"{scheme}://{authority}{_kept_path(parts.path, host, kind)}"

    audience, reason = _audience_for(kind, host, base_url, my_domain_audience)
    target = LoginTarget(
        base_url=base_url,
        host=host,
        kind=kind,
        token_endpoint=base_url + TOKEN_PATH,
        default_audience=audience,
        audience_reason=reason,
        description=_describe(kind, host),
        is_sandbox=_is_sandbox(kind, host),
        is_loopback=loopback,
    )
    logger.debug("Login URL %s classified as %s", base_url, kind.value)
    return target


def _invalid(problem: str) -> LoginUrlError:
    return LoginUrlError(
        f"The login URL is not usable: {problem}. A valid login URL looks like "
        f"{_EXAMPLE}.",
        code="login_url_invalid",
        fix="Enter the org's login host or My Domain URL, starting with https://.",
    )


def _split(text: str) -> SplitResult:
    """Parse the text as a URL, adding https:// when no scheme was typed.

    Messages never repeat the text itself: a pasted URL can carry a session id
    in its query string.
    """
    if not isinstance(text, str):
        raise _invalid("it is not text")
    candidate = text.strip()
    if not candidate:
        raise _invalid("it is empty")
    if any(char.isspace() for char in candidate):
        raise _invalid("it contains spaces")
    if not candidate.isprintable() or "\\" in candidate:
        raise _invalid("it contains characters that cannot appear in a URL")

    if candidate.startswith("//"):
        candidate = "https:" + candidate
    elif not _SCHEME_WITH_SLASHES.match(candidate):
        if _SCHEME_WITHOUT_SLASHES.match(candidate):
            raise _invalid("it is not a web address (it should start with https://)")
        candidate = "https://" + _bracket_bare_ipv6(candidate)

    try:
        parts = urlsplit(candidate)
    except ValueError:
        raise _invalid("its host cannot be read") from None

    if parts.scheme.lower() not in _DEFAULT_PORTS:
        raise _invalid(f"it starts with {parts.scheme.lower()}:// instead of https://")
    if "@" in parts.netloc:
        raise _invalid(
            "it contains a user name or password (user:password@); Salesforce "
            "login URLs never do, and the URL must not carry credentials"
        )
    return parts


def _bracket_bare_ipv6(candidate: str) -> str:
    """Let "::1" typed alone mean the IPv6 loopback rather than a broken port."""
    address, _, rest = candidate.partition("/")
    try:
        ipaddress.IPv6Address(address)
    except ValueError:
        return candidate
    return f"[{address}]" + (f"/{rest}" if rest else "")


def _checked_host(parts: SplitResult) -> str:
    host = (parts.hostname or "").rstrip(".")
    if not host:
        raise _invalid("it has no host name")

    if ":" in host:
        try:
            ipaddress.IPv6Address(host)
        except ValueError:
            raise _invalid("its IPv6 address is not valid") from None
        return host

    if not host.isascii():
        try:
            host = host.encode("idna").decode("ascii")
        except UnicodeError:
            raise _invalid("its host name is not valid") from None

    labels = host.split(".")
    if all(label.isdigit() for label in labels):
        try:
            ipaddress.IPv4Address(host)
        except ValueError:
            raise _invalid("its IP address is not valid") from None
        return host

    if len(host) > 253 or not all(_LABEL.match(label) for label in labels):
        raise _invalid("its host name is not valid")
    if len(labels) == 1 and host != "localhost":
        raise _invalid(
            f"the host {host!r} is a single word (for a My Domain, type "
            f"https://{host}.my.salesforce.com)"
        )
    return host


def _checked_port(parts: SplitResult) -> int | None:
    try:
        port = parts.port
    except ValueError:
        raise _invalid("its port is not a number between 1 and 65535") from None
    if port == 0:
        raise _invalid("its port is not a number between 1 and 65535")
    return port


def _lightning_error(host: str) -> LoginUrlError:
    prefix = host.removesuffix("lightning.force.com").rstrip(".")
    if prefix:
        my_domain = f"https://{prefix}.my.salesforce.com"
        instead = f"Use the org's My Domain instead: {my_domain}."
        fix = f"Enter {my_domain} as the login URL (Setup > My Domain shows it)."
    else:
        instead = "Use the org's My Domain (https://NAME.my.salesforce.com) instead."
        fix = "Enter the My Domain URL shown in Setup > My Domain."
    return LoginUrlError(
        f"{host} is a Lightning Experience address, which cannot log in with a "
        f"JWT. {instead}",
        code="login_url_lightning",
        fix=fix,
    )


def _kind_of_host(host: str) -> LoginKind:
    if host == "login.salesforce.com":
        return LoginKind.PRODUCTION
    if host == "test.salesforce.com":
        return LoginKind.SANDBOX
    if host.endswith(".my.salesforce.com"):
        if _is_sandbox_my_domain(host):
            return LoginKind.MY_DOMAIN_SANDBOX
        return LoginKind.MY_DOMAIN
    if host.endswith((".site.com", ".force.com")):
        return LoginKind.EXPERIENCE_CLOUD
    return LoginKind.OTHER


def _is_sandbox_my_domain(host: str) -> bool:
    labels = host.split(".")
    if ".sandbox." in host or ".scratch." in host:
        return True
    # Before enhanced domains a sandbox was NAME--SBX.my... and a scratch org
    # NAME.csNN.my...; My Domain names themselves cannot contain "--".
    return "--" in labels[0] or any(_LEGACY_INSTANCE.match(x) for x in labels[1:-3])


def _kept_path(path: str, host: str, kind: LoginKind) -> str:
    """The part of the path that belongs to the base URL.

    Salesforce's own hosts serve the token endpoint at the root, so any pasted
    page path is dropped; sites and proxies keep their prefix.
    """
    salesforce_host = host == "salesforce.com" or host.endswith(".salesforce.com")
    if kind not in {LoginKind.EXPERIENCE_CLOUD, LoginKind.LOOPBACK, LoginKind.OTHER}:
        return ""
    if kind is LoginKind.OTHER and salesforce_host:
        return ""

    kept: list[str] = []
    for segment in path.split("/"):
        if segment.lower() == "services":
            break
        # Experience Cloud pages live under /s/; the site itself is above it.
        if kind is LoginKind.EXPERIENCE_CLOUD and segment == "s":
            break
        if segment:
            kept.append(segment)
    return "".join(f"/{segment}" for segment in kept)


def _audience_for(
    kind: LoginKind, host: str, base_url: str, my_domain_audience: bool
) -> tuple[str, str]:
    if kind is LoginKind.PRODUCTION:
        return PRODUCTION_AUDIENCE, (
            "Production and Developer Edition orgs expect the audience "
            f"{PRODUCTION_AUDIENCE}."
        )
    if kind is LoginKind.SANDBOX:
        return SANDBOX_AUDIENCE, (
            f"Sandbox and scratch orgs expect the audience {SANDBOX_AUDIENCE}."
        )
    if kind in {LoginKind.MY_DOMAIN, LoginKind.MY_DOMAIN_SANDBOX}:
        return _my_domain_audience(kind, base_url, my_domain_audience)
    if kind is LoginKind.EXPERIENCE_CLOUD:
        return base_url, (
            "Users of an Experience Cloud site log in with the site URL as audience."
        )
    if kind is LoginKind.LOOPBACK:
        return PRODUCTION_AUDIENCE, (
            "A server on this computer (the demo org or a proxy) gets the "
            f"production audience {PRODUCTION_AUDIENCE}, as a real org would."
        )
    if host == "gs1.salesforce.com":
        return GS1_AUDIENCE, f"Orgs on instance gs1 expect the audience {GS1_AUDIENCE}."
    return PRODUCTION_AUDIENCE, (
        f"An unrecognised host gets the production audience {PRODUCTION_AUDIENCE}; "
        f"set {SANDBOX_AUDIENCE} yourself if the org behind it is a sandbox."
    )


def _my_domain_audience(
    kind: LoginKind, base_url: str, my_domain_audience: bool
) -> tuple[str, str]:
    if kind is LoginKind.MY_DOMAIN_SANDBOX:
        legacy, org = SANDBOX_AUDIENCE, "sandbox"
    else:
        legacy, org = PRODUCTION_AUDIENCE, "production"

    if my_domain_audience:
        return base_url, (
            "External client apps expect the My Domain URL itself as audience "
            f"since Spring '26; connected apps of a {org} org take {legacy} instead."
        )
    return legacy, (
        f"A My Domain of a {org} org takes the audience {legacy}; external client "
        "apps since Spring '26 may need the My Domain URL itself instead."
    )


def _describe(kind: LoginKind, host: str) -> str:
    if kind is LoginKind.MY_DOMAIN:
        if ".develop." in host:
            return "My Domain of a Developer Edition org."
        if ".trailblaze." in host:
            return "My Domain of a Trailhead Playground."
        return "My Domain of a production or Developer Edition org."
    if kind is LoginKind.MY_DOMAIN_SANDBOX:
        if ".scratch." in host:
            return "My Domain of a scratch org."
        return "My Domain of a sandbox."
    if kind is LoginKind.OTHER and host == "gs1.salesforce.com":
        return "Salesforce instance host gs1."
    return _DESCRIPTIONS[kind]


_DESCRIPTIONS = {
    LoginKind.PRODUCTION: "Production and Developer Edition login host.",
    LoginKind.SANDBOX: "Sandbox login host.",
    LoginKind.EXPERIENCE_CLOUD: "Experience Cloud site.",
    LoginKind.LIGHTNING: "Lightning Experience address (cannot log in).",
    LoginKind.LOOPBACK: "Server on this computer (the demo org or a local proxy).",
    LoginKind.OTHER: "Host not recognised as Salesforce (a proxy, GovCloud or "
    "custom URL).",
}


def _is_sandbox(kind: LoginKind, host: str) -> bool:
    if kind in {LoginKind.SANDBOX, LoginKind.MY_DOMAIN_SANDBOX}:
        return True
    if kind is LoginKind.EXPERIENCE_CLOUD:
        return ".sandbox." in host or ".scratch." in host or "--" in host.split(".")[0]
    return False
