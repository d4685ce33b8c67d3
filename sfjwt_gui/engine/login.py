"""One JWT bearer login, from the user's inputs to a diagnosed result.

Both the window and the command line call :func:`run_login`; it never raises
for anything the user or the network can cause.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from cryptography import x509
from cryptography.hazmat.primitives.asymmetric import rsa

from sfjwt_gui.engine.assertion import (
    DEFAULT_LIFETIME_S,
    JWT_BEARER_GRANT,
    build_claims,
    decode_jwt,
    sign_assertion,
    verify_signature,
)
from sfjwt_gui.engine.catalog import CATALOG, make_finding
from sfjwt_gui.engine.diagnose import AnswerContext, diagnose_answer
from sfjwt_gui.engine.errors import SfjwtError
from sfjwt_gui.engine.exchange import DEFAULT_TIMEOUT_S, HttpClient, HttpRecord
from sfjwt_gui.engine.findings import Finding, has_error, sort_findings
from sfjwt_gui.engine.loginurl import LoginTarget, effective_audience
from sfjwt_gui.engine.preflight import (
    check_audience,
    check_ca_bundle,
    check_client_id,
    check_login_url,
    check_numbers,
    check_username,
)
from sfjwt_gui.engine.preflight_keys import check_certificate, check_key
from sfjwt_gui.engine.proxies import check_proxy
from sfjwt_gui.engine.tokeninfo import TokenInfo, VerificationStep, verify_token

if TYPE_CHECKING:
    from sfjwt_gui.engine.profiles import Profile

logger = logging.getLogger(__name__)


class ExitStatus:
    """Exit statuses of `sfjwt login`, also used to summarise a result."""

    OK = 0
    REFUSED = 1
    USAGE = 2
    NETWORK = 3
    PREFLIGHT = 4


@dataclass
class LoginSettings:
    """Everything one test login needs. ``passphrase`` is held, never shown."""

    login_url: str
    client_id: str
    username: str
    key_path: str
    cert_path: str = ""
    audience: str = ""
    passphrase: bytes | None = field(default=None, repr=False)
    lifetime_s: int = DEFAULT_LIFETIME_S
    timeout_s: float = DEFAULT_TIMEOUT_S
    ca_bundle: str = ""
    proxy: str = ""
    my_domain_audience: bool = False
    verify_token: bool = False
    revoke_after: bool = False
    extra_claims: Mapping[str, Any] | None = None

    @classmethod
    def from_profile(
        cls, profile: Profile, passphrase: bytes | None = None, **options: Any
    ) -> LoginSettings:
        """A saved profile as login inputs; ``options`` set the run's switches."""
        return cls(
            login_url=profile.login_url,
            client_id=profile.client_id,
            username=profile.username,
            key_path=profile.key_path,
            cert_path=profile.cert_path,
            audience=profile.audience,
            passphrase=passphrase,
            lifetime_s=profile.lifetime_s,
            timeout_s=profile.timeout_s,
            ca_bundle=profile.ca_bundle,
            proxy=profile.proxy,
            **options,
        )


@dataclass
class LoginResult:
    """What happened, in the order it happened; secrets kept out of repr.

    ``findings`` holds every finding, errors first. ``preflight_findings`` holds
    those of the checks made before anything was signed or sent, so a view can
    list them as their own group ahead of what the request and answer showed.
    """

    findings: list[Finding] = field(default_factory=list)
    preflight_findings: list[Finding] = field(default_factory=list)
    target: LoginTarget | None = None
    audience: str = ""
    audience_reason: str = ""
    header: dict[str, Any] = field(default_factory=dict)
    claims: dict[str, Any] = field(default_factory=dict)
    assertion: str = field(default="", repr=False)
    signature_verified: bool | None = None
    certificate: x509.Certificate | None = field(default=None, repr=False)
    token_request: HttpRecord | None = field(default=None, repr=False)
    token: TokenInfo | None = None
    verification: list[VerificationStep] = field(default_factory=list)
    timings_ms: dict[str, float] = field(default_factory=dict)
    sent: bool = False

    @property
    def ok(self) -> bool:
        return self.token is not None

    @property
    def exit_status(self) -> int:
        if self.ok:
            return ExitStatus.OK
        if not self.sent:
            return ExitStatus.PREFLIGHT
        record = self.token_request
        body = record.json() if record is not None else None
        if isinstance(body, dict) and "error" in body:
            return ExitStatus.REFUSED
        return ExitStatus.NETWORK

    @property
    def cancelled(self) -> bool:
        return any(finding.code == "cancelled" for finding in self.findings)

    @property
    def answer_findings(self) -> list[Finding]:
        """The findings after the checks: signing, sending and the answer."""
        return [
            finding
            for finding in self.findings
            if not any(finding is checked for checked in self.preflight_findings)
        ]


PreflightCallback = Callable[[list[Finding]], None]


def run_login(
    settings: LoginSettings,
    *,
    client: HttpClient | None = None,
    cancel: threading.Event | None = None,
    now: float | None = None,
    on_preflight: PreflightCallback | None = None,
) -> LoginResult:
    """Check, sign, send and diagnose one login. Never raises for user errors.

    ``on_preflight`` gets the findings of the checks made before sending, on
    the caller's thread, once they let the login go on: a window shows them
    while the request runs.
    """
    result = LoginResult()
    started = time.perf_counter()

    key = _preflight(settings, result)
    result.timings_ms["preflight"] = _ms_since(started)
    result.preflight_findings = sort_findings(result.findings)
    result.findings = list(result.preflight_findings)
    if key is None or has_error(result.findings):
        logger.info("Login stopped before sending: %s", _codes(result.findings))
        return result

    if on_preflight is not None:
        on_preflight(list(result.preflight_findings))

    try:
        _sign_and_send(settings, result, key, client, cancel, now)
    except SfjwtError as error:
        # Inputs the checks above let through but the signer or the HTTP
        # client still refused: say so as a finding, like everything else.
        code = error.code if error.code in CATALOG else "settings_invalid"
        result.findings.append(make_finding(code, str(error)))

    result.timings_ms["total"] = _ms_since(started)
    result.findings = sort_findings(result.findings)
    logger.info(
        "Login to %s as %s: %s in %.0f ms",
        result.target.token_endpoint if result.target else "?",
        settings.username.strip(),
        "ok" if result.ok else _codes(result.findings),
        result.timings_ms["total"],
    )
    return result


def _sign_and_send(
    settings: LoginSettings,
    result: LoginResult,
    key: rsa.RSAPrivateKey,
    client: HttpClient | None,
    cancel: threading.Event | None,
    now: float | None,
) -> None:
    signing_started = time.perf_counter()
    issued_at = time.time() if now is None else now
    claims = build_claims(
        client_id=settings.client_id.strip(),
        username=settings.username.strip(),
        audience=result.audience,
        lifetime_s=settings.lifetime_s,
        now=issued_at,
        extra=settings.extra_claims,
    )
    result.assertion = sign_assertion(claims, key)
    decoded = decode_jwt(result.assertion)
    result.header, result.claims = decoded.header, decoded.claims
    if result.certificate is not None:
        result.signature_verified = verify_signature(
            result.assertion, result.certificate
        )
    result.timings_ms["sign"] = _ms_since(signing_started)

    owns_client = client is None
    http = client or HttpClient(
        timeout=settings.timeout_s,
        ca_bundle=settings.ca_bundle or None,
        proxy=settings.proxy,
    )
    try:
        _send(settings, result, http, cancel, issued_at)
    finally:
        if owns_client:
            http.close()


def _preflight(
    settings: LoginSettings, result: LoginResult
) -> rsa.RSAPrivateKey | None:
    findings = result.findings
    url_check = check_login_url(
        settings.login_url, my_domain_audience=settings.my_domain_audience
    )
    findings.extend(url_check.findings)
    result.target = url_check.target
    if result.target is not None:
        result.audience, result.audience_reason = effective_audience(
            result.target, settings.audience
        )
        findings.extend(check_audience(result.target, result.audience))

    findings.extend(
        check_numbers(timeout_s=settings.timeout_s, lifetime_s=settings.lifetime_s)
    )
    findings.extend(check_ca_bundle(settings.ca_bundle))
    findings.extend(check_proxy(settings.proxy))
    findings.extend(check_client_id(settings.client_id))
    findings.extend(check_username(settings.username, result.target))

    key_check = check_key(settings.key_path, settings.passphrase)
    findings.extend(key_check.findings)
    cert_check = check_certificate(
        settings.cert_path, key_check.key, passphrase=settings.passphrase
    )
    findings.extend(cert_check.findings)
    result.certificate = cert_check.certificate

    if result.target is None:
        return None
    return key_check.key


def _send(
    settings: LoginSettings,
    result: LoginResult,
    http: HttpClient,
    cancel: threading.Event | None,
    issued_at: float,
) -> None:
    if result.target is None:  # _preflight returned no key without a target
        return
    form = {"grant_type": JWT_BEARER_GRANT, "assertion": result.assertion}
    record = http.post_form(result.target.token_endpoint, form, cancel=cancel)
    result.sent = True
    result.token_request = record
    result.timings_ms["token_request"] = record.elapsed_ms or 0.0

    exp = result.claims.get("exp")
    context = AnswerContext(
        target=result.target,
        audience=result.audience,
        username=settings.username.strip(),
        alg=str(result.header.get("alg", "")),
        exp=float(exp) if isinstance(exp, (int, float)) else None,
        sent_at=issued_at,
        signature_verified=result.signature_verified,
    )
    result.findings.extend(diagnose_answer(record, context))
    body = record.json()
    if has_error(result.findings) or not isinstance(body, dict):
        return
    result.token = TokenInfo.from_response(body)

    if settings.verify_token or settings.revoke_after:
        verify_started = time.perf_counter()
        steps = verify_token(
            http, result.token, revoke=settings.revoke_after, cancel=cancel
        )
        result.verification = steps
        result.timings_ms["verification"] = _ms_since(verify_started)
        for step in steps:
            if not step.ok:
                result.findings.append(
                    make_finding("verification_failed", f"{step.name}: {step.summary}")
                )


def _ms_since(started: float) -> float:
    return (time.perf_counter() - started) * 1000.0


def _codes(findings: list[Finding]) -> str:
    return ", ".join(finding.code for finding in findings) or "no findings"
