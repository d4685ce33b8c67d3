"""The demo org's scenarios: each one puts the org into one known broken state.

A scenario reproduces one failure the way Salesforce (or the network in
between) shows it, so users can see what a diagnosis says about it and support
staff can reproduce a customer's case. ``expected_code`` is the finding code a
correct client should report against it ("" for a successful login).
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

from cryptography import x509

from sfjwt_gui.engine.keys import generate_private_key, self_signed_certificate
from sfjwt_gui.engine.keyspec import Subject


@dataclass(frozen=True)
class Scenario:
    """One state of the demo org; ``description`` says what is wrong in the org."""

    name: str
    title: str
    description: str
    expected_code: str


_ALL = (
    Scenario(
        "normal",
        "Everything set up right",
        "The app holds your certificate and the user is pre-authorized: "
        "logins succeed.",
        "",
    ),
    Scenario(
        "user_not_approved",
        "User not approved",
        "The user's profile is not assigned to the app and the user never "
        "approved it, so Salesforce refuses to log them in.",
        "user_not_approved",
    ),
    Scenario(
        "audience_invalid",
        "Sandbox audience",
        "The org is a sandbox: it only accepts assertions whose audience is "
        "https://test.salesforce.com.",
        "audience_invalid",
    ),
    Scenario(
        "wrong_certificate",
        "Another certificate uploaded",
        "Someone uploaded a different certificate to the app, so the signature "
        "made with your private key does not verify.",
        "invalid_assertion",
    ),
    Scenario(
        "propagation_delay",
        "App edited moments ago",
        "The app was created or edited just now and Salesforce does not know its "
        "consumer key yet; it starts working after the propagation delay.",
        "client_id_invalid",
    ),
    Scenario(
        "clock_skew",
        "Server clock 10 minutes ahead",
        "The server's clock runs 10 minutes ahead of yours, so an assertion valid "
        "for 3 minutes has already expired when it arrives.",
        "assertion_expired",
    ),
    Scenario(
        "login_rate",
        "Hourly login limit reached",
        "The user has used up the logins allowed per hour (about 3,600).",
        "login_rate_exceeded",
    ),
    Scenario(
        "ip_restricted",
        "IP address not allowed",
        "This computer's address is outside the user's Login IP Ranges, or the "
        "login happens outside the profile's login hours.",
        "ip_restricted",
    ),
    Scenario(
        "inactive_user",
        "User deactivated",
        "The integration user has been deactivated.",
        "inactive_user",
    ),
    Scenario(
        "inactive_org",
        "Org locked",
        "The org is locked, closed or suspended (an expired trial, a deleted "
        "scratch org).",
        "inactive_org",
    ),
    Scenario(
        "app_not_admin_approved",
        "User not admin approved",
        "The app admits only admin-approved users and the user holds no profile "
        "or permission set linked to it.",
        "app_not_admin_approved",
    ),
    Scenario(
        "eca_not_installed",
        "External client app missing",
        "The external client app does not exist in this org: it was created in "
        "another org or is not installed here.",
        "eca_not_installed",
    ),
    Scenario(
        "refresh_scope_missing",
        "refresh_token scope missing",
        "The app lacks the refresh_token, offline_access scope, or it is not "
        "installed and pre-authorized.",
        "refresh_scope_missing",
    ),
    Scenario(
        "app_not_installed",
        "Connected app not installed",
        "The org blocks connected apps that are not installed, and this one is not.",
        "app_not_installed",
    ),
    Scenario(
        "invalid_scope",
        "Invalid scope",
        "The connected app's scopes are invalid for this login.",
        "scope_invalid",
    ),
    Scenario(
        "userinfo_forbidden",
        "Token issued, userinfo refused",
        "The login succeeds, but the app lacks the scope that lets the token read "
        "userinfo, so the follow-up check is refused.",
        "verification_failed",
    ),
    Scenario(
        "unknown_error",
        "Unknown error",
        "Salesforce answers with a generic error that only asks to retry.",
        "oauth_error_unknown",
    ),
    Scenario(
        "html_answer",
        "Web page instead of the token endpoint",
        "The login URL leads to a web login page, not to the token endpoint.",
        "not_json",
    ),
    Scenario(
        "server_error",
        "Internal server error",
        "The server fails with an internal error (HTTP 500).",
        "http_error",
    ),
    Scenario(
        "service_unavailable",
        "Service unavailable",
        "The service is down for maintenance (HTTP 503).",
        "http_error",
    ),
    Scenario(
        "slow",
        "Slow answer",
        "The server takes several seconds before answering, then answers "
        "normally; a client with a short timeout gives up.",
        "",
    ),
    Scenario(
        "truncated_json",
        "Answer cut short",
        "The answer stops in the middle, so it is not complete JSON.",
        "not_json",
    ),
    Scenario(
        "invalid_utf8",
        "Damaged characters",
        "The answer contains bytes that are not valid UTF-8.",
        "not_json",
    ),
    Scenario(
        "huge_answer",
        "Huge answer",
        "The answer is 2 MiB long, far more than any token response.",
        "response_too_large",
    ),
    Scenario(
        "reset",
        "Connection cut",
        "The connection is cut while the answer is being sent.",
        "connection_failed",
    ),
    Scenario(
        "trickle",
        "Answer trickles in",
        "The answer arrives one byte at a time, too slowly to ever finish in time.",
        "timeout",
    ),
)

SCENARIOS: dict[str, Scenario] = {scenario.name: scenario for scenario in _ALL}

# The OAuth error the org answers once every check of the assertion passed.
OAUTH_FAILURES: dict[str, tuple[str, str]] = {
    "user_not_approved": ("invalid_grant", "user hasn't approved this consumer"),
    "ip_restricted": ("invalid_grant", "IP restricted or invalid login hours"),
    "inactive_user": ("invalid_grant", "inactive user"),
    "inactive_org": ("inactive_org", "org is locked, closed, or suspended"),
    "app_not_admin_approved": (
        "invalid_app_access",
        "user is not admin approved to access this app",
    ),
    "eca_not_installed": (
        "app_not_found",
        "External client app is not installed in this org",
    ),
    "refresh_scope_missing": (
        "invalid_request",
        "refresh_token scope is required and the connected app should be "
        "installed and preauthorized.",
    ),
    "app_not_installed": ("invalid_client", "app must be installed into org"),
    # Wording unconfirmed: Salesforce documents only the label of this error.
    "invalid_scope": (
        "invalid_scope",
        "requested scope is invalid, unknown, or malformed",
    ),
    "unknown_error": ("unknown_error", "retry your request"),
}

LOGIN_PAGE_HTML = """<!DOCTYPE html>
<html lang="en"><head><meta charset="UTF-8"><title>Login | Salesforce</title></head>
<body><div id="content"><div id="header">Salesforce</div>
<form name="login" method="post" action="/">
<label for="username">Username</label><input id="username" name="username" type="email">
<label for="password">Password</label><input id="password" name="pw" type="password">
<input id="Login" type="submit" value="Log In">
</form></div></body></html>
"""

SERVER_ERROR_HTML = """<!DOCTYPE html>
<html><head><title>Error</title></head>
<body><h1>An internal server error has occurred</h1>
<p>An error has occurred while processing your request. Please try again later.</p>
</body></html>
"""

SERVICE_UNAVAILABLE_HTML = """<!DOCTYPE html>
<html><head><title>Service Unavailable</title></head>
<body><h1>Service Unavailable</h1>
<p>The server is temporarily unable to service your request due to maintenance
downtime or capacity problems. Please try again later.</p>
</body></html>
"""

# Answers that come from outside the OAuth service (a web page, a failing front
# end): the request never reaches the token logic, so no check runs.
FOREIGN_PAGES: dict[str, tuple[int, str]] = {
    "html_answer": (200, LOGIN_PAGE_HTML),
    "server_error": (500, SERVER_ERROR_HTML),
    "service_unavailable": (503, SERVICE_UNAVAILABLE_HTML),
}

_PADDING_CHUNK_BYTES = 64 * 1024


def truncated(body: bytes) -> bytes:
    """The first half of ``body``: valid bytes, but JSON cut in the middle."""
    return body[: len(body) // 2]


def with_invalid_utf8(body: bytes) -> bytes:
    """``body`` with two bytes that never occur in UTF-8 inside its first value."""
    value_start = body.find(b'":"')
    at = value_start + 3 if value_start >= 0 else len(body) // 2
    return body[:at] + b"\xff\xfe" + body[at:]


def padded_json(body: bytes, total_bytes: int) -> Iterator[bytes]:
    """``body`` (a JSON object) grown to exactly ``total_bytes`` by a padding field.

    Yields the answer in chunks so the huge body never exists in memory at once.
    """
    stripped = body.strip()
    if stripped.startswith(b"{") and stripped.endswith(b"}") and stripped != b"{}":
        head = stripped[:-1] + b',"padding":"'
    else:
        head = b'{"padding":"'
    tail = b'"}'
    remaining = max(total_bytes - len(head) - len(tail), 0)

    yield head
    while remaining > 0:
        size = min(remaining, _PADDING_CHUNK_BYTES)
        yield b"x" * size
        remaining -= size
    yield tail


def throwaway_certificate() -> x509.Certificate:
    """A certificate nobody else holds the key of, for wrong_certificate."""
    key = generate_private_key(2048)
    return self_signed_certificate(key, Subject(common_name="another app key"))
