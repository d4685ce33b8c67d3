"""What the diagnosis says about each kind of answer, before any server is involved."""

from __future__ import annotations

import datetime as dt
import json
from email.utils import format_datetime

import pytest

from sfjwt_gui.engine.catalog import CATALOG
from sfjwt_gui.engine.diagnose import AnswerContext, diagnose_answer, oauth_error_code
from sfjwt_gui.engine.exchange import FailureCode, HttpRecord, TransportFailure
from sfjwt_gui.engine.loginurl import classify_login_url

NOW = dt.datetime(2026, 12, 3, 17, 0, tzinfo=dt.timezone.utc)


def answer(
    status: int,
    body: object,
    *,
    content_type: str = "application/json;charset=UTF-8",
    date: dt.datetime | None = NOW,
) -> HttpRecord:
    raw = body if isinstance(body, bytes) else json.dumps(body).encode()
    headers = {"Content-Type": content_type}
    if date is not None:
        headers["Date"] = format_datetime(date, usegmt=True)
    return HttpRecord(
        method="POST",
        url="https://login.salesforce.com/services/oauth2/token",
        request_headers={},
        request_form={},
        started_at=NOW,
        elapsed_ms=120.0,
        status=status,
        response_headers=headers,
        body=raw,
    )


def oauth(error: str, description: str) -> HttpRecord:
    return answer(400, {"error": error, "error_description": description})


@pytest.mark.parametrize(
    ("error", "description", "code"),
    [
        ("invalid_grant", "user hasn't approved this consumer", "user_not_approved"),
        ("invalid_grant", "audience is invalid", "audience_invalid"),
        ("invalid_grant", "invalid assertion", "invalid_assertion"),
        ("invalid_grant", "expired authorization code", "assertion_expired"),
        ("invalid_client_id", "client identifier invalid", "client_id_invalid"),
        (
            "invalid_request",
            "refresh_token scope is required and the connected app should be "
            "installed and preauthorized.",
            "refresh_scope_missing",
        ),
        (
            "invalid_app_access",
            "user is not admin approved to access this app",
            "app_not_admin_approved",
        ),
        (
            "app_not_found",
            "External client app is not installed in this org",
            "eca_not_installed",
        ),
        ("invalid_client", "invalid client credentials", "hmac_signed"),
        ("invalid_client", "app must be installed into org", "app_not_installed"),
        (
            "unsupported_grant_type",
            "grant type not supported",
            "unsupported_grant_type",
        ),
        ("invalid_request", "grant type is missing", "unsupported_grant_type"),
        ("invalid_grant", "login rate exceeded", "login_rate_exceeded"),
        ("rate_limit_exceeded", "Number of logins exceeded", "login_rate_exceeded"),
        ("invalid_grant", "IP restricted or invalid login hours", "ip_restricted"),
        ("invalid_grant", "ip restricted", "ip_restricted"),
        ("invalid_grant", "inactive user", "inactive_user"),
        ("inactive_user", "User is inactive", "inactive_user"),
        ("inactive_org", "org is locked, closed, or suspended", "inactive_org"),
        ("invalid_scope", "requested scope is invalid", "scope_invalid"),
        ("unknown_error", "retry your request", "oauth_error_unknown"),
    ],
)
def test_every_catalogued_salesforce_error_gets_its_own_finding(
    error: str, description: str, code: str
) -> None:
    findings = diagnose_answer(oauth(error, description), AnswerContext())

    assert [finding.code for finding in findings] == [code]
    assert description in findings[0].detail
    assert findings[0].fix == CATALOG[code].fix


def test_unknown_error_keeps_salesforce_words_for_the_user() -> None:
    findings = diagnose_answer(oauth("weird_thing", "Something new"), AnswerContext())

    assert findings[0].code == "oauth_error_unknown"
    assert "weird_thing" in findings[0].detail
    assert "Something new" in findings[0].detail


def test_error_matching_ignores_case_and_spacing() -> None:
    assert (
        oauth_error_code(" INVALID_GRANT", "Audience Is Invalid ") == "audience_invalid"
    )


def test_success_has_no_findings() -> None:
    body = {
        "access_token": "00D!x",
        "instance_url": "https://x",
        "id": "https://x/id/a/b",
    }

    assert diagnose_answer(answer(200, body), AnswerContext()) == []


def test_html_where_json_was_expected_points_at_the_login_url() -> None:
    page = b"<html><body>Login</body></html>"
    record = answer(200, page, content_type="text/html;charset=UTF-8")

    [finding] = diagnose_answer(record, AnswerContext())

    assert finding.code == "not_json"
    assert "text/html" in finding.detail
    assert "web page" in finding.causes[0]


def test_server_error_page_is_an_http_error() -> None:
    record = answer(503, b"<html>Service Unavailable</html>", content_type="text/html")

    [finding] = diagnose_answer(record, AnswerContext())

    assert finding.code == "http_error"
    assert "503" in finding.detail
    assert "HTML" in finding.detail


def test_truncated_json_is_not_json() -> None:
    record = answer(200, b'{"access_token": "00D', content_type="application/json")

    [finding] = diagnose_answer(record, AnswerContext())

    assert finding.code == "not_json"
    assert "cut short" in finding.causes[0]


def test_redirect_names_where_it_leads() -> None:
    record = answer(302, b"", content_type="text/html")
    record.response_headers["Location"] = "https://elsewhere.example/login"

    [finding] = diagnose_answer(record, AnswerContext())

    assert finding.code == "http_error"
    assert "https://elsewhere.example/login" in finding.detail


@pytest.mark.parametrize("code", list(FailureCode))
def test_transport_failures_become_their_findings(code: FailureCode) -> None:
    record = answer(200, b"", date=None)
    record.status = None
    record.failure = TransportFailure(code, f"It failed: {code.value}.", "Detail")

    [finding] = diagnose_answer(record, AnswerContext())

    assert finding.code == code.value
    assert f"It failed: {code.value}." in finding.detail


def test_clock_skew_over_a_minute_is_reported_with_the_refusal() -> None:
    record = oauth("invalid_grant", "expired authorization code")
    record.response_headers["Date"] = format_datetime(
        NOW + dt.timedelta(minutes=10), usegmt=True
    )

    codes = [finding.code for finding in diagnose_answer(record, AnswerContext())]

    assert codes == ["assertion_expired", "clock_skew"]


def test_skew_under_a_minute_is_not_reported() -> None:
    body = {"access_token": "00D!x"}
    record = answer(200, body, date=NOW + dt.timedelta(seconds=30))

    assert diagnose_answer(record, AnswerContext()) == []


def test_not_approved_with_sandbox_host_and_production_audience_says_so_first() -> None:
    context = AnswerContext(
        target=classify_login_url("https://test.salesforce.com"),
        audience="https://login.salesforce.com",
    )

    [finding] = diagnose_answer(
        oauth("invalid_grant", "user hasn't approved this consumer"), context
    )

    assert "sandbox" in finding.causes[0]
    assert "https://login.salesforce.com" in finding.causes[0]


def test_not_approved_with_sandbox_username_on_production_says_so() -> None:
    context = AnswerContext(
        target=classify_login_url("https://login.salesforce.com"),
        audience="https://login.salesforce.com",
        username="admin@acme.com.uat",
    )

    [finding] = diagnose_answer(
        oauth("invalid_grant", "user hasn't approved this consumer"), context
    )

    assert "admin@acme.com.uat" in finding.causes[0]


@pytest.mark.parametrize(
    ("verified", "words"),
    [
        (True, "certificate uploaded to the connected app is a different one"),
        (False, "are not a pair"),
    ],
)
def test_invalid_assertion_uses_the_local_signature_check(
    verified: bool, words: str
) -> None:
    context = AnswerContext(signature_verified=verified)

    [finding] = diagnose_answer(oauth("invalid_grant", "invalid assertion"), context)

    assert words in finding.causes[0]


def test_expired_assertion_with_exp_in_the_future_blames_the_clocks() -> None:
    sent = NOW.timestamp()
    context = AnswerContext(exp=sent + 180, sent_at=sent)

    [finding] = diagnose_answer(
        oauth("invalid_grant", "expired authorization code"), context
    )

    assert "clock" in finding.causes[0]
