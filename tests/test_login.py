"""Whole logins against the demo org over real loopback HTTP: every finding code."""

from __future__ import annotations

import threading
from pathlib import Path
from typing import Any

import pytest
import requests
from loopback_servers import closed_port

from sfjwt_gui.demo.scenarios import SCENARIOS
from sfjwt_gui.engine.assertion import decode_jwt
from sfjwt_gui.engine.catalog import CATALOG, PREFLIGHT_CODES
from sfjwt_gui.engine.findings import Finding
from sfjwt_gui.engine.login import ExitStatus, run_login
from sfjwt_gui.engine.report import result_to_dict


def codes(result: Any) -> list[str]:
    return [finding.code for finding in result.findings]


def test_demo_login_succeeds_and_is_verified(demo: Any) -> None:
    result = run_login(demo.settings(verify_token=True))

    assert result.ok, codes(result)
    assert result.exit_status == ExitStatus.OK
    assert result.findings == []
    assert result.token is not None
    assert result.token.instance_url == demo.base_url
    assert result.token.org_id.startswith("00D")
    assert result.header == {"alg": "RS256", "typ": "JWT"}
    assert result.claims["iss"] == demo.client_id
    assert result.claims["sub"] == demo.username
    assert result.claims["aud"] == "https://login.salesforce.com"
    assert result.signature_verified is True
    assert [step.name for step in result.verification] == ["userinfo", "identity"]
    assert all(step.ok for step in result.verification)
    assert demo.username in result.verification[0].summary


def test_the_assertion_sent_is_what_the_result_shows(demo: Any) -> None:
    result = run_login(demo.settings())

    assert result.token_request is not None
    sent = result.token_request.request_form["assertion"]
    assert sent == result.assertion
    assert decode_jwt(sent).claims == result.claims


def test_revoke_after_login_ends_the_session(demo: Any) -> None:
    result = run_login(demo.settings(revoke_after=True))

    assert result.ok
    assert result.verification[-1].name == "revoke"
    assert result.verification[-1].ok
    assert result.token is not None
    answer = requests.get(
        f"{demo.base_url}/services/oauth2/userinfo",
        headers={"Authorization": f"Bearer {result.token.access_token}"},
        timeout=5,
    )
    assert answer.status_code == 403


FAILING_SCENARIOS = [
    name
    for name, scenario in SCENARIOS.items()
    if scenario.expected_code and name not in {"slow", "trickle", "userinfo_forbidden"}
]


@pytest.mark.parametrize("scenario", FAILING_SCENARIOS)
def test_each_demo_scenario_is_diagnosed_with_its_code(
    demo: Any, scenario: str
) -> None:
    demo.org.set_scenario(scenario)

    result = run_login(demo.settings(verify_token=True))

    expected = SCENARIOS[scenario].expected_code
    assert not result.ok
    assert codes(result)[0] == expected, codes(result)
    assert result.findings[0].fix == CATALOG[expected].fix
    assert result.exit_status in (ExitStatus.REFUSED, ExitStatus.NETWORK)


def test_refused_follow_up_check_is_a_warning_on_a_working_login(demo: Any) -> None:
    demo.org.set_scenario("userinfo_forbidden")

    result = run_login(demo.settings(verify_token=True))

    assert result.ok
    assert codes(result) == ["verification_failed"]
    assert result.findings[0].severity.value == "warning"
    assert "userinfo" in result.findings[0].detail


def test_slow_server_gives_timeout(demo: Any) -> None:
    demo.org.set_scenario("slow")
    demo.org.settings.slow_delay_s = 3.0

    result = run_login(demo.settings(timeout_s=0.5))

    assert codes(result)[0] == "timeout"
    assert result.exit_status == ExitStatus.NETWORK


def test_trickling_body_gives_timeout(demo: Any) -> None:
    demo.org.set_scenario("trickle")

    result = run_login(demo.settings(timeout_s=1.0))

    assert codes(result)[0] == "timeout"


def test_clock_skew_is_reported_beside_the_expiry(demo: Any) -> None:
    demo.org.set_scenario("clock_skew")

    result = run_login(demo.settings())

    assert codes(result) == ["assertion_expired", "clock_skew"]
    assert "clock" in result.findings[0].causes[0]


def test_cancel_before_the_answer(demo: Any) -> None:
    demo.org.set_scenario("slow")
    cancel = threading.Event()
    cancel.set()

    result = run_login(demo.settings(), cancel=cancel)

    assert result.cancelled
    assert not result.ok


def test_connection_refused(demo: Any) -> None:
    url = f"http://127.0.0.1:{closed_port()}"

    result = run_login(demo.settings(login_url=url))

    assert codes(result)[0] == "connection_failed"
    assert result.exit_status == ExitStatus.NETWORK


def test_wrong_key_is_caught_locally_before_sending(
    demo: Any, tmp_path: Path, other_key_pair: Any
) -> None:
    from cryptography.hazmat.primitives import serialization

    other_key = tmp_path / "other.key"
    other_key.write_bytes(
        other_key_pair[0].private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
    )
    before = demo.org.login_count

    result = run_login(demo.settings(key_path=str(other_key)))

    assert codes(result) == ["cert_key_mismatch"]
    assert not result.sent
    assert result.exit_status == ExitStatus.PREFLIGHT
    assert demo.org.login_count == before


def test_wrong_certificate_uploaded_is_narrowed_by_the_local_check(demo: Any) -> None:
    demo.org.set_scenario("wrong_certificate")

    result = run_login(demo.settings())

    assert codes(result)[0] == "invalid_assertion"
    assert "different one" in result.findings[0].causes[0]


def test_sandbox_audience_mismatch_then_fixed_by_override(demo: Any) -> None:
    demo.org.set_scenario("audience_invalid")

    refused = run_login(demo.settings())
    accepted = run_login(demo.settings(audience="https://test.salesforce.com"))

    assert codes(refused)[0] == "audience_invalid"
    assert accepted.ok
    assert accepted.claims["aud"] == "https://test.salesforce.com"
    assert "Set by you" in accepted.audience_reason


@pytest.mark.parametrize(
    ("change", "code"),
    [
        ({"login_url": "not a url"}, "login_url_invalid"),
        ({"login_url": "http://login.salesforce.com"}, "login_url_insecure"),
        ({"login_url": "https://acme.lightning.force.com"}, "login_url_lightning"),
        ({"client_id": ""}, "client_id_missing"),
        ({"username": ""}, "username_missing"),
        ({"key_path": ""}, "key_missing"),
    ],
)
def test_preflight_errors_stop_before_sending(
    demo: Any, change: dict[str, str], code: str
) -> None:
    before = demo.org.login_count

    result = run_login(demo.settings(**change))

    assert code in codes(result)
    assert code in PREFLIGHT_CODES
    assert not result.sent
    assert demo.org.login_count == before


def test_preflight_warnings_do_not_stop_the_login(demo: Any) -> None:
    result = run_login(demo.settings(cert_path=""))

    assert result.ok
    assert codes(result) == ["cert_missing"]


def test_the_checks_before_sending_are_kept_apart_from_the_answer(demo: Any) -> None:
    demo.org.set_scenario("user_not_approved")

    result = run_login(demo.settings(cert_path=""))

    assert [finding.code for finding in result.preflight_findings] == ["cert_missing"]
    assert [finding.code for finding in result.answer_findings] == ["user_not_approved"]
    assert codes(result) == ["user_not_approved", "cert_missing"]


def test_the_checks_are_handed_over_before_anything_is_sent(demo: Any) -> None:
    handed: list[tuple[list[str], int]] = []

    def on_preflight(findings: list[Finding]) -> None:
        handed.append(([item.code for item in findings], demo.org.login_count))

    before = demo.org.login_count
    result = run_login(demo.settings(cert_path=""), on_preflight=on_preflight)

    assert result.ok
    assert handed == [(["cert_missing"], before)]
    assert demo.org.login_count == before + 1


def test_checks_that_stop_the_login_are_the_result_not_handed_over(
    demo: Any,
) -> None:
    handed: list[list[Finding]] = []

    result = run_login(demo.settings(client_id=""), on_preflight=handed.append)

    assert handed == []
    assert not result.sent
    assert "client_id_missing" in codes(result)
    assert result.preflight_findings == result.findings
    assert result.answer_findings == []


def test_json_result_masks_secrets_unless_asked(demo: Any) -> None:
    result = run_login(demo.settings())
    assert result.token is not None
    token = result.token.access_token
    signature = result.assertion.rsplit(".", 1)[1]

    masked = repr(result_to_dict(result))
    shown = repr(result_to_dict(result, show_secrets=True))

    assert token not in masked
    assert signature not in masked
    assert token in shown
    assert signature in shown
    assert token not in repr(result)


def test_a_passphrase_protected_p12_serves_as_key_and_certificate(
    demo: Any, tmp_path: Path, key_pair: Any
) -> None:
    from cryptography.hazmat.primitives.serialization import (
        BestAvailableEncryption,
        pkcs12,
    )

    bundle = tmp_path / "integration.p12"
    bundle.write_bytes(
        pkcs12.serialize_key_and_certificates(
            b"integration",
            key_pair[0],
            key_pair[1],
            None,
            BestAvailableEncryption(b"bundle pass"),
        )
    )

    result = run_login(
        demo.settings(
            key_path=str(bundle), cert_path=str(bundle), passphrase=b"bundle pass"
        )
    )

    assert result.ok, codes(result)
    assert result.signature_verified is True
