"""TLS trust for the login host, and what a server presented when trust failed.

Certificates are verified with the operating system's trust store (through
truststore), so a corporate root CA that IT installed on the machine is
trusted as it is by the browser. A CA bundle given in the profile replaces
that: then only the bundle counts. When truststore cannot be used, requests'
own CA list is, and the log says so once.

When verification fails, a second handshake that verifies nothing fetches the
certificate the server presented, only to name it: subject, issuer, whether
it is self-signed and its SHA-256. Nothing is ever sent over that connection.
"""

from __future__ import annotations

import contextlib
import hashlib
import logging
import os
import socket
import ssl
import threading
from dataclasses import dataclass
from typing import Any

from cryptography import x509
from cryptography.x509.oid import NameOID
from requests.adapters import HTTPAdapter
from requests.utils import DEFAULT_CA_BUNDLE_PATH

from sfjwt_gui.engine.certinfo import colon_hex
from sfjwt_gui.engine.proxies import ProxyAddress, connect_through

logger = logging.getLogger(__name__)

SYSTEM_TRUST = "the system's trust store"
BUNDLED_TRUST = "the certificate authorities bundled with requests"
FETCH_TIMEOUT_S = 10.0

# Domains Salesforce serves its login, My Domain and site hosts from.
SALESFORCE_DOMAINS = (
    "salesforce.com",
    "force.com",
    "salesforce-sites.com",
    "site.com",
    "cloudforce.com",
    "database.com",
    "salesforce.mil",
    "sfcrmproducts.cn",
)
# Public certificate authorities; Salesforce's hosts use certificates from
# some of them. An issuer naming none of these on a Salesforce host is most
# likely a proxy that decrypts and re-signs the traffic.
PUBLIC_CA_NAMES = (
    "digicert",
    "sectigo",
    "comodo",
    "globalsign",
    "entrust",
    "let's encrypt",
    "isrg",
    "amazon",
    "google trust services",
    "godaddy",
    "starfield",
    "microsoft",
    "identrust",
    "baltimore",
    "verisign",
    "thawte",
    "geotrust",
    "quovadis",
    "buypass",
    "ssl.com",
    "certum",
    "actalis",
    "harica",
    "telia",
    "swisssign",
    "t-systems",
)

_fallback_lock = threading.Lock()
_fallback_logged = False


def system_trust_context() -> ssl.SSLContext | None:
    """A client context verifying with the OS trust store; None if unavailable."""
    try:
        import truststore

        context: ssl.SSLContext = truststore.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
    except Exception as error:  # any failure means: fall back, say it once
        _log_fallback(error)
        return None
    return context


def _log_fallback(error: BaseException) -> None:
    global _fallback_logged
    with _fallback_lock:
        if _fallback_logged:
            return
        _fallback_logged = True
    logger.warning(
        "The system trust store cannot be used (%s: %s); verifying TLS with %s "
        "instead, so a corporate root CA needs to be given as CA bundle.",
        type(error).__name__,
        error,
        BUNDLED_TRUST,
    )


def environment_ca_bundle() -> str:
    """The CA bundle named by REQUESTS_CA_BUNDLE or CURL_CA_BUNDLE, or ""."""
    for name in ("REQUESTS_CA_BUNDLE", "CURL_CA_BUNDLE"):
        value = os.environ.get(name, "").strip()
        if value:
            return value
    return ""


def verifying_context(ca_bundle: str = "") -> tuple[ssl.SSLContext, str]:
    """A context that verifies like the login does, and what it trusts, in words.

    The profile's CA bundle replaces every other source; without one the
    system store is used, plus REQUESTS_CA_BUNDLE when the environment sets it.
    """
    if ca_bundle.strip():
        bundle = os.path.expanduser(ca_bundle.strip())
        return ssl.create_default_context(cafile=bundle), f"the CA bundle {bundle}"

    context = system_trust_context()
    trusted = SYSTEM_TRUST
    if context is None:
        context = ssl.create_default_context(cafile=DEFAULT_CA_BUNDLE_PATH)
        trusted = BUNDLED_TRUST
    extra = environment_ca_bundle()
    if extra:
        context.load_verify_locations(cafile=extra)
        trusted += f" and {extra} (REQUESTS_CA_BUNDLE)"
    return context, trusted


class SystemTrustAdapter(HTTPAdapter):
    """An adapter that verifies https:// with the given (truststore) context.

    requests would add its own CA file to every connection; with verify=True
    this adapter leaves the context alone, so the OS store decides. A CA file
    passed as ``verify`` is still loaded, on top of the OS store.
    """

    def __init__(self, ssl_context: ssl.SSLContext, **kwargs: Any) -> None:
        # Set before HTTPAdapter.__init__, which builds the pool manager.
        self._ssl_context = ssl_context
        super().__init__(**kwargs)

    def init_poolmanager(self, *args: Any, **kwargs: Any) -> None:
        kwargs["ssl_context"] = self._ssl_context
        super().init_poolmanager(*args, **kwargs)

    def proxy_manager_for(self, proxy: str, **proxy_kwargs: Any) -> Any:
        proxy_kwargs["ssl_context"] = self._ssl_context
        return super().proxy_manager_for(proxy, **proxy_kwargs)

    def cert_verify(self, conn: Any, url: str, verify: Any, cert: Any) -> None:
        super().cert_verify(conn, url, verify, cert)  # type: ignore[no-untyped-call]
        if verify is True:
            conn.ca_certs = None
            conn.ca_cert_dir = None


@dataclass(frozen=True)
class PresentedCertificate:
    """The certificate a server showed in its handshake, in display form."""

    subject: str
    issuer: str
    self_signed: bool
    sha256: str
    issuer_organisation: str = ""

    @classmethod
    def from_der(cls, der: bytes) -> PresentedCertificate:
        cert = x509.load_der_x509_certificate(der)
        organisations = cert.issuer.get_attributes_for_oid(NameOID.ORGANIZATION_NAME)
        organisation = str(organisations[0].value) if organisations else ""
        return cls(
            subject=cert.subject.rfc4514_string() or "(empty subject)",
            issuer=cert.issuer.rfc4514_string() or "(empty issuer)",
            self_signed=cert.subject == cert.issuer,
            sha256=colon_hex(hashlib.sha256(der).digest()),
            issuer_organisation=organisation,
        )

    def describe(self) -> str:
        """ "'CN=a' issued by 'CN=b'", and whether it is self-signed."""
        if self.self_signed:
            return f"'{self.subject}', a self-signed certificate"
        return f"'{self.subject}' issued by '{self.issuer}'"

    def to_dict(self) -> dict[str, Any]:
        return {
            "subject": self.subject,
            "issuer": self.issuer,
            "self_signed": self.self_signed,
            "sha256": self.sha256,
        }


def is_salesforce_host(host: str) -> bool:
    name = host.lower().rstrip(".")
    return any(name == d or name.endswith("." + d) for d in SALESFORCE_DOMAINS)


def interception_likely(cert: PresentedCertificate, host: str) -> bool:
    """True when a Salesforce host shows a certificate no public CA issued."""
    if not is_salesforce_host(host):
        return False
    if cert.self_signed:
        return True
    issuer = f"{cert.issuer} {cert.issuer_organisation}".lower()
    return not any(name in issuer for name in PUBLIC_CA_NAMES)


def explain_presented(cert: PresentedCertificate, host: str) -> tuple[str, str]:
    """A sentence naming the presented certificate, and what to do about it."""
    sentence = f"The server presented {cert.describe()} (SHA-256 {cert.sha256})."
    if interception_likely(cert, host):
        sentence += (
            f" {host} is a Salesforce host, whose certificates come from public "
            "certificate authorities: this is most likely a proxy that inspects "
            "TLS traffic, not Salesforce itself."
        )
        fix = (
            f"Ask IT for the root certificate of '{cert.issuer}' and choose it as "
            "the CA bundle, or have it installed in the system's certificate "
            "store. Never turn verification off."
        )
        return sentence, fix
    if cert.self_signed:
        fix = (
            "Trust it only if you know this server: then choose this certificate "
            "as the CA bundle."
        )
        return sentence, fix
    fix = (
        f"If '{cert.issuer}' is your organisation's certificate authority, choose "
        "its certificate as the CA bundle or have it installed in the system's "
        "certificate store."
    )
    return sentence, fix


def describe_tls_failure(
    chain: list[BaseException],
    host: str,
    port: int,
    *,
    proxy: str | None = None,
    timeout: float = FETCH_TIMEOUT_S,
) -> str:
    """A sentence for a failed handshake; names the certificate when it was refused.

    ``chain`` is the exception and everything it wraps.
    """
    for error in chain:
        if isinstance(error, ssl.SSLCertVerificationError):
            reason = error.verify_message or error.reason or "unknown reason"
            message = f"TLS certificate of {host} could not be verified: {reason}."
            presented = fetch_presented_certificate(
                host, port, proxy=proxy, timeout=timeout
            )
            if presented is None:
                return message
            sentence, fix = explain_presented(presented, host)
            return f"{message} {sentence} {fix}"
    for error in chain:
        if isinstance(error, ssl.SSLError) and error.reason:
            return f"The TLS handshake with {host} failed: {error.reason}."
    return f"The TLS connection to {host} failed."


def fetch_presented_certificate(
    host: str,
    port: int,
    *,
    proxy: str | None = None,
    timeout: float = FETCH_TIMEOUT_S,
) -> PresentedCertificate | None:
    """The certificate host:port presents, read without verifying; None if unseen.

    Goes through ``proxy`` (CONNECT first) when one is given, as the failed
    request did. Never raises.
    """
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
    # Only reading the certificate, never trusting the connection: nothing is
    # sent over it and it is closed right after the handshake.
    context.check_hostname = False
    context.verify_mode = ssl.CERT_NONE
    sock: socket.socket | None = None
    try:
        if proxy:
            address = ProxyAddress.parse(proxy)
            sock = connect_through(address, host, port, timeout)
        else:
            sock = socket.create_connection((host, port), timeout=timeout)
        with context.wrap_socket(sock, server_hostname=host) as tls:
            der = tls.getpeercert(binary_form=True)
    except (OSError, ValueError) as error:
        logger.info("Could not read the certificate of %s:%s: %s", host, port, error)
        return None
    finally:
        if sock is not None:
            with contextlib.suppress(OSError):
                sock.close()

    if not der:
        return None
    try:
        return PresentedCertificate.from_der(der)
    except ValueError:
        logger.info("%s:%s presented a certificate that cannot be read", host, port)
        return None
