"""The demo org's scenarios: each one answers like the failure it reproduces."""

from __future__ import annotations

import json
import time
from email.utils import parsedate_to_datetime

import pytest
from cryptography.hazmat.primitives.asymmetric import rsa
from demo_requests import KeyPair, get, login, oauth_error

from sfjwt_gui.demo.org import DemoOrg
from sfjwt_gui.demo.scenarios import SCENARIOS
from sfjwt_gui.demo.settings import HUGE_ANSWER_BYTES, DemoSettings
from sfjwt_gui.engine.catalog import CATALOG
from sfjwt_gui.engine.errors import UsageError


@pytest.fixture
def org(key_pair: KeyPair) -> DemoOrg:
    return DemoOrg(DemoSettings(certificate=key_pair[1]))


@pytest.fixture
def key(key_pair: KeyPair) -> rsa.RSAPrivateKey:
    return key_pair[0]


OAUTH_FAILURE_ANSWERS = {
    "user_not_approved": ("invalid_grant", "user hasn't approved this consumer"),
    "login_rate": ("invalid_grant", "login rate exceeded"),
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
        "refresh_token scope is required and the connected app should be installed "
        "and preauthorized.",
    ),
    "unknown_error": ("unknown_error", "retry your request"),
    "audience_invalid": ("invalid_grant", "audience is invalid"),
    "wrong_certificate": ("invalid_grant", "invalid assertion"),
    "propagation_delay": ("invalid_client_id", "client identifier invalid"),
    "clock_skew": ("invalid_grant", "expired authorization code"),
}


@pytest.mark.parametrize("scenario", sorted(OAUTH_FAILURE_ANSWERS))
def test_oauth_failure_scenarios_answer_like_salesforce(
    org: DemoOrg, key: rsa.RSAPrivateKey, scenario: str
) -> None:
    org.set_scenario(scenario)
    # A 180 s assertion from the real clock, as a client with a right clock sends.
    response = login(org, key, exp=int(time.time()) + 180)

    assert oauth_error(response) == (400, *OAUTH_FAILURE_ANSWERS[scenario])
    assert response.headers["Cache-Control"] == "no-store"
    assert org.login_count == 0


@pytest.mark.parametrize(
    ("scenario", "status", "words"),
    [
        ("html_answer", 200, "<title>Login | Salesforce</title>"),
        ("server_error", 500, "internal server error"),
        ("service_unavailable", 503, "Service Unavailable"),
    ],
)
def test_web_page_scenarios_answer_html(
    org: DemoOrg, key: rsa.RSAPrivateKey, scenario: str, status: int, words: str
) -> None:
    org.set_scenario(scenario)

    response = login(org, key)

    assert response.status == status
    assert response.headers["Content-Type"].startswith("text/html")
    assert words in response.body.decode()


def test_sandbox_scenario_accepts_the_test_audience(
    org: DemoOrg, key: rsa.RSAPrivateKey
) -> None:
    org.set_scenario("audience_invalid")

    assert login(org, key, aud="https://test.salesforce.com").status == 200


def test_wrong_certificate_scenario_leaves_the_uploaded_one_alone(
    org: DemoOrg, key: rsa.RSAPrivateKey, key_pair: KeyPair
) -> None:
    org.set_scenario("wrong_certificate")
    refused = login(org, key)
    org.set_scenario("normal")

    assert oauth_error(refused)[2] == "invalid assertion"
    assert org.settings.certificate is key_pair[1]
    assert login(org, key).status == 200


def test_propagation_delay_ends_after_the_configured_time(
    org: DemoOrg, key: rsa.RSAPrivateKey
) -> None:
    org.settings.propagation_delay_s = 300
    org.set_scenario("propagation_delay")
    early = login(org, key)

    org.settings.clock_offset_s += 301

    assert oauth_error(early)[1] == "invalid_client_id"
    assert login(org, key).status == 200


def test_clock_skew_scenario_shows_in_the_date_header(
    org: DemoOrg, key: rsa.RSAPrivateKey
) -> None:
    org.set_scenario("clock_skew")

    response = login(org, key, exp=int(time.time()) + 180)

    server_time = parsedate_to_datetime(response.headers["Date"]).timestamp()
    assert 590 <= server_time - time.time() <= 610
    assert oauth_error(response)[2] == "expired authorization code"


def test_clock_offset_setting_shows_in_the_date_header(org: DemoOrg) -> None:
    org.settings.clock_offset_s = -7200

    response = get(org, "/services/data")

    server_time = parsedate_to_datetime(response.headers["Date"]).timestamp()
    assert -7210 <= server_time - time.time() <= -7190


def test_slow_scenario_delays_a_normal_answer(
    org: DemoOrg, key: rsa.RSAPrivateKey
) -> None:
    org.settings.slow_delay_s = 7.5
    org.set_scenario("slow")

    response = login(org, key)

    assert response.delay_s == 7.5
    assert response.status == 200
    assert "access_token" in json.loads(response.body)


def test_truncated_json_scenario_cuts_the_body(
    org: DemoOrg, key: rsa.RSAPrivateKey
) -> None:
    org.set_scenario("truncated_json")

    response = login(org, key)

    assert response.status == 200
    assert response.headers["Content-Type"].startswith("application/json")
    assert response.body.startswith(b'{"access_token":')
    with pytest.raises(json.JSONDecodeError):
        json.loads(response.body)


def test_invalid_utf8_scenario_damages_the_text(
    org: DemoOrg, key: rsa.RSAPrivateKey
) -> None:
    org.set_scenario("invalid_utf8")

    response = login(org, key)

    assert response.status == 200
    with pytest.raises(UnicodeDecodeError):
        response.body.decode("utf-8")


def test_huge_answer_scenario_streams_two_mebibytes_of_json(
    org: DemoOrg, key: rsa.RSAPrivateKey
) -> None:
    org.set_scenario("huge_answer")

    response = login(org, key)

    assert response.body_stream is not None
    chunks = list(response.body_stream())
    assert max(len(chunk) for chunk in chunks) < HUGE_ANSWER_BYTES // 4
    body = b"".join(chunks)
    assert len(body) == HUGE_ANSWER_BYTES
    assert response.headers["Content-Length"] == str(HUGE_ANSWER_BYTES)
    assert "access_token" in json.loads(body)


@pytest.mark.parametrize("scenario", ["reset", "trickle"])
def test_transport_scenarios_ask_the_server_to_misbehave(
    org: DemoOrg, key: rsa.RSAPrivateKey, scenario: str
) -> None:
    org.set_scenario(scenario)

    response = login(org, key)

    assert response.behaviour == scenario
    assert response.status == 200


@pytest.mark.parametrize("scenario", list(SCENARIOS))
def test_no_scenario_ever_answers_a_refresh_token(
    org: DemoOrg, key: rsa.RSAPrivateKey, scenario: str
) -> None:
    org.set_scenario(scenario)

    response = login(org, key)

    body = response.body
    if response.body_stream is not None:
        body = b"".join(response.body_stream())
    assert b'"refresh_token":' not in body
    assert b'"expires_in":' not in body
    assert "Date" in response.headers


def test_unknown_scenario_is_refused_with_the_valid_names(org: DemoOrg) -> None:
    with pytest.raises(UsageError) as raised:
        org.set_scenario("sunny")

    assert "sunny" in raised.value.message
    assert "user_not_approved" in raised.value.fix
    assert org.settings.scenario == "normal"


def test_unknown_scenario_in_the_settings_is_refused() -> None:
    with pytest.raises(UsageError):
        DemoOrg(DemoSettings(scenario="sunny"))


def test_scenarios_are_listed_normal_first_with_known_finding_codes() -> None:
    known_codes = set(CATALOG) | {""}

    assert next(iter(SCENARIOS)) == "normal"
    assert len(SCENARIOS) >= 23
    for name, scenario in SCENARIOS.items():
        assert scenario.name == name
        assert scenario.title
        assert scenario.description
        assert scenario.expected_code in known_codes
