"""Turning the token endpoint's answer (or its absence) into findings."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sfjwt_gui.engine.catalog import make_finding
from sfjwt_gui.engine.exchange import HttpRecord
from sfjwt_gui.engine.findings import Finding
from sfjwt_gui.engine.loginurl import LoginTarget, normalise_audience
from sfjwt_gui.engine.preflight import (
    PRODUCTION_AUDIENCE,
    SANDBOX_AUDIENCE,
    looks_like_sandbox_username,
)

CLOCK_SKEW_LIMIT_S = 60.0


@dataclass(frozen=True)
class AnswerContext:
    """What was sent, so the diagnosis can narrow the causes."""

    target: LoginTarget | None = None
    audience: str = ""
    username: str = ""
    alg: str = "RS256"
    exp: float | None = None
    sent_at: float | None = None
    signature_verified: bool | None = None  # None: no certificate to check with


# (error, words in error_description) -> finding code; the first match wins,
# so the more specific rows come first.
_OAUTH_ERRORS: tuple[tuple[str, str, str], ...] = (
    ("invalid_grant", "hasn't approved", "user_not_approved"),
    ("invalid_grant", "has not approved", "user_not_approved"),
    ("invalid_grant", "audience", "audience_invalid"),
    ("invalid_grant", "invalid assertion", "invalid_assertion"),
    ("invalid_grant", "expired", "assertion_expired"),
    ("invalid_grant", "rate exceeded", "login_rate_exceeded"),
    ("invalid_grant", "ip restricted", "ip_restricted"),
    ("invalid_grant", "login hours", "ip_restricted"),
    ("invalid_grant", "inactive user", "inactive_user"),
    ("invalid_grant", "user is inactive", "inactive_user"),
    ("invalid_grant", "not admin approved", "app_not_admin_approved"),
    ("invalid_client_id", "", "client_id_invalid"),
    ("invalid_request", "refresh_token scope", "refresh_scope_missing"),
    ("invalid_request", "grant type", "unsupported_grant_type"),
    ("invalid_app_access", "", "app_not_admin_approved"),
    ("app_not_found", "", "eca_not_installed"),
    ("invalid_client", "must be installed", "app_not_installed"),
    ("invalid_client", "", "hmac_signed"),
    ("unsupported_grant_type", "", "unsupported_grant_type"),
    ("rate_limit_exceeded", "", "login_rate_exceeded"),
    ("inactive_user", "", "inactive_user"),
    ("inactive_org", "", "inactive_org"),
    ("invalid_scope", "", "scope_invalid"),
)


def oauth_error_code(error: str, description: str) -> str:
    """The finding code for an OAuth error pair; unknown pairs get a generic one."""
    error = error.strip().lower()
    description = description.strip().lower()
    for wire_error, words, code in _OAUTH_ERRORS:
        if error == wire_error and words in description:
            return code
    return "oauth_error_unknown"


def diagnose_answer(record: HttpRecord, context: AnswerContext) -> list[Finding]:
    """Findings for one token request; an empty list means logged in cleanly."""
    findings = _clock_findings(record)
    if record.failure is not None:
        # The finding is read by people: the exception text behind the failure
        # stays in the record (the Response tab, the JSON report) for support.
        code = record.failure.code.value
        return [make_finding(code, record.failure.message), *findings]

    body = record.json()
    if isinstance(body, dict) and "error" in body:
        return [_oauth_finding(body, record, context), *findings]
    if record.status is not None and 300 <= record.status < 400:
        location = record.header("Location") or "nowhere"
        detail = f"HTTP {record.status}: the server redirects to {location}."
        return [make_finding("http_error", detail), *findings]
    if record.status is not None and record.status >= 500:
        return [_http_error(record), *findings]
    if body is None:
        return [_not_json(record), *findings]
    if record.status == 200 and isinstance(body, dict) and body.get("access_token"):
        return findings
    return [_http_error(record), *findings]


def _clock_findings(record: HttpRecord) -> list[Finding]:
    skew = record.clock_skew_s
    if skew is None or abs(skew) <= CLOCK_SKEW_LIMIT_S:
        return []
    direction = "ahead of" if skew > 0 else "behind"
    detail = (
        f"The server's clock is {abs(skew):.0f} s {direction} this computer's "
        f"(server Date: {record.header('Date') or '?'})."
    )
    return [make_finding("clock_skew", detail, evidence={"skew_s": f"{skew:.0f}"})]


def _http_error(record: HttpRecord) -> Finding:
    kind = "an HTML page" if "html" in record.content_type else "a non-token answer"
    detail = f"HTTP {record.status} {record.reason}".rstrip() + f", with {kind}."
    return make_finding("http_error", detail)


def _not_json(record: HttpRecord) -> Finding:
    content_type = record.content_type or "no content type"
    detail = f"HTTP {record.status} answered with {content_type}, not JSON."
    causes: tuple[str, ...] = ()
    if "html" in content_type:
        causes = (
            "The login URL leads to a web page (Lightning, Experience Cloud page "
            "or a typo) instead of a Salesforce login host.",
        )
    elif "json" in content_type:
        causes = ("The answer was cut short or damaged on the way.",)
    return make_finding("not_json", detail, causes_first=causes)


def _oauth_finding(
    body: dict[str, Any], record: HttpRecord, ctx: AnswerContext
) -> Finding:
    error = str(body.get("error", ""))
    description = str(body.get("error_description", ""))
    code = oauth_error_code(error, description)
    detail = f'Salesforce answered HTTP {record.status}: {error}: "{description}".'
    evidence = {"error": error, "error_description": description}
    narrow = _NARROWERS.get(code)
    causes = narrow(ctx) if narrow else ()
    return make_finding(code, detail, causes_first=causes, evidence=evidence)


def _host_audience_disagree(ctx: AnswerContext) -> str:
    """A sentence when the login host and the audience point to different orgs."""
    if ctx.target is None or not ctx.audience:
        return ""
    audience = normalise_audience(ctx.audience)
    if ctx.target.is_sandbox and audience == PRODUCTION_AUDIENCE:
        return (
            f"The login URL {ctx.target.base_url} is a sandbox but the audience is "
            f"production ({audience})."
        )
    if not ctx.target.is_sandbox and audience == SANDBOX_AUDIENCE:
        return (
            f"The login URL {ctx.target.base_url} is production but the audience "
            f"is the sandbox one ({audience})."
        )
    return ""


def _narrow_not_approved(ctx: AnswerContext) -> tuple[str, ...]:
    mismatch = _host_audience_disagree(ctx)
    causes = [mismatch] if mismatch else []
    target = ctx.target
    if target and not target.is_sandbox and looks_like_sandbox_username(ctx.username):
        causes.append(
            f"The username {ctx.username} looks like a sandbox user, but the "
            "login URL is production."
        )
    return tuple(causes)


def _narrow_audience(ctx: AnswerContext) -> tuple[str, ...]:
    mismatch = _host_audience_disagree(ctx)
    if mismatch:
        return (mismatch,)
    if ctx.target is not None and ctx.target.kind.value.startswith("my_domain"):
        return (
            "This is a My Domain URL: classic connected apps expect login/test as "
            "audience, external client apps (Spring '26 and later) the My Domain.",
        )
    return ()


def _narrow_assertion(ctx: AnswerContext) -> tuple[str, ...]:
    if ctx.signature_verified is True:
        return (
            "The assertion verifies against the certificate you gave, so the "
            "certificate uploaded to the connected app is a different one.",
        )
    if ctx.signature_verified is False:
        return (
            "The assertion does not verify against the certificate you gave: "
            "the private key and that certificate are not a pair.",
        )
    return ()


def _narrow_expired(ctx: AnswerContext) -> tuple[str, ...]:
    if ctx.exp is None or ctx.sent_at is None:
        return ()
    if ctx.exp < ctx.sent_at:
        return (
            f"exp was already {ctx.sent_at - ctx.exp:.0f} s in the past when sent.",
        )
    return (
        "exp was in the future by this computer's clock, so the server's clock "
        "and this one disagree.",
    )


def _narrow_hmac(ctx: AnswerContext) -> tuple[str, ...]:
    if ctx.alg.upper().startswith("HS"):
        return (f"The assertion's header says alg {ctx.alg}.",)
    return ()


_NARROWERS = {
    "user_not_approved": _narrow_not_approved,
    "audience_invalid": _narrow_audience,
    "invalid_assertion": _narrow_assertion,
    "assertion_expired": _narrow_expired,
    "hmac_signed": _narrow_hmac,
}
