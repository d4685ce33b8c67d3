"""The demo org's token endpoint, request by request, without sockets."""

from __future__ import annotations

import base64
import json
import threading
from collections.abc import Callable
from typing import Any

import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from demo_requests import (
    BASE_URL,
    FORM,
    GRANT,
    LOGIN,
    REMOVE,
    TOKEN_PATH,
    KeyPair,
    access_token,
    login,
    make_claims,
    oauth_error,
    post_token,
    sign,
)

from sfjwt_gui.demo.org import DemoOrg
from sfjwt_gui.demo.settings import DEMO_CLIENT_ID, DemoSettings


@pytest.fixture
def org(key_pair: KeyPair) -> DemoOrg:
    return DemoOrg(DemoSettings(certificate=key_pair[1]))


@pytest.fixture
def key(key_pair: KeyPair) -> rsa.RSAPrivateKey:
    return key_pair[0]


# -- the demo org's identity ------------------------------------------------


def test_demo_client_id_looks_like_a_real_consumer_key() -> None:
    assert len(DEMO_CLIENT_ID) == 85
    assert DEMO_CLIENT_ID.startswith("3MVG9")
    assert set(DEMO_CLIENT_ID) <= set(
        "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789._"
    )


def test_default_org_and_user_ids_have_18_characters() -> None:
    settings = DemoSettings()

    assert len(settings.org_id) == 18
    assert settings.org_id.startswith("00D")
    assert len(settings.user_id) == 18
    assert settings.user_id.startswith("005")


# -- success -------------------------------------------------------------------


def test_valid_assertion_gets_the_documented_token_answer(
    org: DemoOrg, key: rsa.RSAPrivateKey
) -> None:
    before_ms = int(org.now() * 1000)
    response = login(org, key)

    assert response.status == 200
    assert response.headers["Content-Type"] == "application/json;charset=UTF-8"
    assert response.headers["Cache-Control"] == "no-store"
    payload = json.loads(response.body)
    settings = org.settings
    assert payload["access_token"].startswith(settings.org_id[:15] + "!")
    assert payload["instance_url"] == BASE_URL
    assert payload["id"] == f"{BASE_URL}/id/{settings.org_id}/{settings.user_id}"
    assert payload["token_type"] == "Bearer"
    assert payload["scope"] == "api id web"
    assert before_ms <= int(payload["issued_at"]) <= int(org.now() * 1000)
    assert len(base64.b64decode(payload["signature"], validate=True)) == 32
    assert "refresh_token" not in payload
    assert "expires_in" not in payload
    assert org.login_count == 1


def test_each_login_gets_a_different_token(
    org: DemoOrg, key: rsa.RSAPrivateKey
) -> None:
    assert access_token(org, key) != access_token(org, key)


def test_issued_at_and_signature_can_be_left_out(
    org: DemoOrg, key: rsa.RSAPrivateKey
) -> None:
    org.settings.include_issued_at = False

    payload = json.loads(login(org, key).body)

    assert "issued_at" not in payload
    assert "signature" not in payload
    assert payload["token_type"] == "Bearer"


@pytest.mark.parametrize(
    "make_exp",
    [
        pytest.param(lambda now: int(now) + 180, id="seconds"),
        pytest.param(lambda now: str(int(now) + 180), id="numeric-string"),
        pytest.param(lambda now: now + 180.5, id="float"),
        pytest.param(lambda now: int(now * 1000) + 300, id="milliseconds-like-sf-cli"),
        pytest.param(lambda now: int(now) - 100, id="just-past-within-leeway"),
        pytest.param(lambda now: int(now), id="exactly-now"),
    ],
)
def test_accepted_expiry_forms(
    org: DemoOrg, key: rsa.RSAPrivateKey, make_exp: Callable[[float], Any]
) -> None:
    response = login(org, key, exp=make_exp(org.now()))

    assert response.status == 200, response.body


def test_expiry_past_the_leeway_is_expired(
    org: DemoOrg, key: rsa.RSAPrivateKey
) -> None:
    response = login(org, key, exp=int(org.now()) - 181 - 5)

    assert oauth_error(response) == (400, "invalid_grant", "expired authorization code")


def test_expiry_leeway_is_a_setting(org: DemoOrg, key: rsa.RSAPrivateKey) -> None:
    org.settings.exp_leeway_s = 0

    response = login(org, key, exp=int(org.now()) - 10)

    assert oauth_error(response)[2] == "expired authorization code"


@pytest.mark.parametrize("exp", [REMOVE, "soon", True, None, "NaN", [1]])
def test_missing_or_non_numeric_expiry_is_an_invalid_assertion(
    org: DemoOrg, key: rsa.RSAPrivateKey, exp: Any
) -> None:
    response = login(org, key, exp=exp)

    assert oauth_error(response) == (400, "invalid_grant", "invalid assertion")


def test_prn_wins_over_sub(org: DemoOrg, key: rsa.RSAPrivateKey) -> None:
    username = org.settings.username

    good_prn = login(org, key, sub="someone@else.example", prn=username)
    bad_prn = login(org, key, sub=username, prn="someone@else.example")

    assert good_prn.status == 200
    assert oauth_error(bad_prn)[2] == "user hasn't approved this consumer"


def test_prn_alone_is_enough(org: DemoOrg, key: rsa.RSAPrivateKey) -> None:
    response = login(org, key, sub=REMOVE, prn=org.settings.username)

    assert response.status == 200


@pytest.mark.parametrize("sub", [REMOVE, "someone@else.example", 42])
def test_unknown_user_gets_the_configured_error(
    org: DemoOrg, key: rsa.RSAPrivateKey, sub: Any
) -> None:
    org.settings.unknown_user_error = "user is not known here"

    response = login(org, key, sub=sub)

    assert oauth_error(response) == (400, "invalid_grant", "user is not known here")


def test_username_matches_without_regard_to_case(
    org: DemoOrg, key: rsa.RSAPrivateKey
) -> None:
    response = login(org, key, sub=org.settings.username.upper())

    assert response.status == 200


def test_xml_escaped_username_is_an_unknown_user(
    key: rsa.RSAPrivateKey, key_pair: KeyPair
) -> None:
    org = DemoOrg(DemoSettings(certificate=key_pair[1], username="r&d@demo.example"))

    escaped = login(org, key, sub="r&amp;d@demo.example")
    raw = login(org, key, sub="r&d@demo.example")

    assert oauth_error(escaped)[1] == "invalid_grant"
    assert raw.status == 200


def test_optional_claims_headers_and_client_id_field_are_tolerated(
    org: DemoOrg, key: rsa.RSAPrivateKey
) -> None:
    now = int(org.now())
    claims = make_claims(
        org,
        iat=now,
        nbf=now + 3600,
        jti="abc-123",
        scope="api",
        alg="RS256",
        custom={"anything": [1, 2]},
    )
    assertion = sign(key, claims, typ="JWT", kid="my-key")

    response = post_token(
        org,
        {"grant_type": GRANT, "assertion": assertion, "client_id": DEMO_CLIENT_ID},
    )

    assert response.status == 200, response.body


def test_form_content_type_may_carry_a_charset(
    org: DemoOrg, key: rsa.RSAPrivateKey
) -> None:
    assertion = sign(key, make_claims(org))
    form = {"grant_type": GRANT, "assertion": assertion}

    response = post_token(org, form, content_type=FORM + ";charset=UTF-8")

    assert response.status == 200


# -- refusals, in the order Salesforce checks -----------------------------------


def test_json_body_is_an_unsupported_grant_type(
    org: DemoOrg, key: rsa.RSAPrivateKey
) -> None:
    body = json.dumps({"grant_type": GRANT, "assertion": sign(key, make_claims(org))})

    response = org.handle(
        "POST",
        TOKEN_PATH,
        {"Content-Type": "application/json"},
        body.encode(),
        base_url=BASE_URL,
    )

    assert oauth_error(response) == (
        400,
        "unsupported_grant_type",
        "grant type not supported",
    )


@pytest.mark.parametrize(
    ("form", "content_type"),
    [
        pytest.param({"assertion": "x.y.z"}, FORM, id="missing-grant"),
        pytest.param({"grant_type": "password"}, FORM, id="other-grant"),
        pytest.param({"grant_type": GRANT.upper()}, FORM, id="grant-wrong-case"),
        pytest.param({"grant_type": GRANT}, "text/plain", id="text-content-type"),
        pytest.param({"grant_type": GRANT}, "", id="no-content-type"),
    ],
)
def test_form_problems_are_unsupported_grant_type(
    org: DemoOrg, form: dict[str, str], content_type: str
) -> None:
    response = post_token(org, form, content_type=content_type)

    assert oauth_error(response)[1:] == (
        "unsupported_grant_type",
        "grant type not supported",
    )


def _private_key_text(org: DemoOrg, key: rsa.RSAPrivateKey) -> str:
    return key.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    ).decode()


@pytest.mark.parametrize(
    "make_assertion",
    [
        pytest.param(lambda org, key: None, id="missing"),
        pytest.param(lambda org, key: "", id="empty"),
        pytest.param(lambda org, key: "not a jwt", id="text"),
        pytest.param(_private_key_text, id="private-key-pasted"),
        pytest.param(
            lambda org, key: ".".join(sign(key, make_claims(org)).split(".")[:2]),
            id="two-parts",
        ),
        pytest.param(lambda org, key: "e30.bm90IGpzb24.c2ln", id="payload-not-json"),
        pytest.param(lambda org, key: "W10.e30.c2ln", id="header-not-object"),
    ],
)
def test_anything_but_a_compact_jwt_is_an_invalid_assertion(
    org: DemoOrg, key: rsa.RSAPrivateKey, make_assertion: Callable[..., Any]
) -> None:
    assertion = make_assertion(org, key)
    form = {"grant_type": GRANT}
    if assertion is not None:
        form["assertion"] = assertion

    response = post_token(org, form)

    assert oauth_error(response) == (400, "invalid_grant", "invalid assertion")


def test_plain_base64_signature_is_an_invalid_assertion(
    org: DemoOrg, key: rsa.RSAPrivateKey
) -> None:
    # Sign until the signature holds a character that differs in plain base64.
    for attempt in range(50):
        assertion = sign(key, make_claims(org, jti=str(attempt)))
        head, payload, signature = assertion.split(".")
        if "-" in signature or "_" in signature:
            break
    plain = signature.replace("-", "+").replace("_", "/")
    plain += "=" * (-len(plain) % 4)

    response = post_token(
        org, {"grant_type": GRANT, "assertion": f"{head}.{payload}.{plain}"}
    )

    assert oauth_error(response)[2] == "invalid assertion"


def test_hmac_signed_assertion_is_invalid_client(org: DemoOrg) -> None:
    assertion = sign(
        "a-shared-secret-of-32-bytes-long!", make_claims(org), algorithm="HS256"
    )

    response = post_token(org, {"grant_type": GRANT, "assertion": assertion})

    assert oauth_error(response) == (
        400,
        "invalid_client",
        "invalid client credentials",
    )


def test_hmac_is_refused_before_the_issuer_is_looked_at(org: DemoOrg) -> None:
    claims = make_claims(org, iss="not-the-consumer-key")
    assertion = sign("s" * 64, claims, algorithm="HS512")

    response = post_token(org, {"grant_type": GRANT, "assertion": assertion})

    assert oauth_error(response)[1] == "invalid_client"


@pytest.mark.parametrize("iss", [REMOVE, "3MVG9someOtherApp", DEMO_CLIENT_ID[:-1], 7])
def test_unknown_issuer_is_client_identifier_invalid(
    org: DemoOrg, key: rsa.RSAPrivateKey, iss: Any
) -> None:
    response = login(org, key, iss=iss)

    assert oauth_error(response) == (
        400,
        "invalid_client_id",
        "client identifier invalid",
    )


def test_issuer_is_checked_before_the_signature(
    org: DemoOrg, other_key_pair: KeyPair
) -> None:
    response = login(org, other_key_pair[0], iss="3MVG9someOtherApp")

    assert oauth_error(response)[1] == "invalid_client_id"


def test_signature_by_another_key_is_an_invalid_assertion(
    org: DemoOrg, other_key_pair: KeyPair
) -> None:
    response = login(org, other_key_pair[0])

    assert oauth_error(response) == (400, "invalid_grant", "invalid assertion")


def test_no_certificate_uploaded_is_an_invalid_assertion(
    key: rsa.RSAPrivateKey, key_pair: KeyPair
) -> None:
    org = DemoOrg(DemoSettings())

    refused = login(org, key)
    org.register_certificate(key_pair[1])
    accepted = login(org, key)

    assert oauth_error(refused)[2] == "invalid assertion"
    assert accepted.status == 200


def test_uploading_another_certificate_stops_the_old_key(
    org: DemoOrg, key: rsa.RSAPrivateKey, other_key_pair: KeyPair
) -> None:
    org.register_certificate(other_key_pair[1])

    assert oauth_error(login(org, key))[2] == "invalid assertion"
    assert login(org, other_key_pair[0]).status == 200


@pytest.mark.parametrize("algorithm", ["RS512", "PS256"])
def test_other_rsa_algorithms_are_an_invalid_assertion(
    org: DemoOrg, key: rsa.RSAPrivateKey, algorithm: str
) -> None:
    assertion = sign(key, make_claims(org), algorithm=algorithm)

    response = post_token(org, {"grant_type": GRANT, "assertion": assertion})

    assert oauth_error(response)[2] == "invalid assertion"


def test_unsigned_assertion_is_an_invalid_assertion(org: DemoOrg) -> None:
    header = base64.urlsafe_b64encode(b'{"alg":"none"}').rstrip(b"=").decode()
    payload = base64.urlsafe_b64encode(json.dumps(make_claims(org)).encode())
    assertion = f"{header}.{payload.rstrip(b'=').decode()}.c2ln"

    response = post_token(org, {"grant_type": GRANT, "assertion": assertion})

    assert oauth_error(response)[2] == "invalid assertion"


@pytest.mark.parametrize(
    "aud",
    [
        pytest.param([LOGIN], id="list"),
        pytest.param("https://test.salesforce.com", id="sandbox"),
        pytest.param("https://acme.my.salesforce.com", id="my-domain"),
        pytest.param(LOGIN + "//", id="two-slashes"),
        pytest.param(REMOVE, id="missing"),
    ],
)
def test_unaccepted_audience_is_audience_invalid(
    org: DemoOrg, key: rsa.RSAPrivateKey, aud: Any
) -> None:
    response = login(org, key, aud=aud)

    assert oauth_error(response) == (400, "invalid_grant", "audience is invalid")


def test_audience_with_one_trailing_slash_is_accepted(
    org: DemoOrg, key: rsa.RSAPrivateKey
) -> None:
    assert login(org, key, aud=LOGIN + "/").status == 200


def test_accepted_audiences_are_a_setting(org: DemoOrg, key: rsa.RSAPrivateKey) -> None:
    org.settings.accepted_audiences = ("https://acme.my.salesforce.com/",)

    assert login(org, key, aud="https://acme.my.salesforce.com").status == 200
    assert oauth_error(login(org, key, aud=LOGIN))[2] == "audience is invalid"


def test_signature_is_checked_before_the_audience(
    org: DemoOrg, other_key_pair: KeyPair
) -> None:
    response = login(org, other_key_pair[0], aud="https://test.salesforce.com")

    assert oauth_error(response)[2] == "invalid assertion"


def test_audience_is_checked_before_the_expiry(
    org: DemoOrg, key: rsa.RSAPrivateKey
) -> None:
    response = login(org, key, aud="https://test.salesforce.com", exp=1)

    assert oauth_error(response)[2] == "audience is invalid"


def test_expiry_is_checked_before_the_user(
    org: DemoOrg, key: rsa.RSAPrivateKey
) -> None:
    response = login(org, key, exp=1, sub="someone@else.example")

    assert oauth_error(response)[2] == "expired authorization code"


def test_user_is_checked_before_the_scenario_failure(
    org: DemoOrg, key: rsa.RSAPrivateKey
) -> None:
    org.settings.unknown_user_error = "no such user"
    org.set_scenario("inactive_org")

    response = login(org, key, sub="someone@else.example")

    assert oauth_error(response)[2] == "no such user"


def test_scenario_failure_comes_before_the_login_count(
    org: DemoOrg, key: rsa.RSAPrivateKey
) -> None:
    org.settings.login_rate_per_hour = 0
    org.set_scenario("ip_restricted")

    response = login(org, key)

    assert oauth_error(response)[2] == "IP restricted or invalid login hours"


# -- login rate ----------------------------------------------------------------


def test_logins_beyond_the_hourly_limit_are_refused(
    org: DemoOrg, key: rsa.RSAPrivateKey
) -> None:
    org.settings.login_rate_per_hour = 2

    answers = [login(org, key).status for _ in range(2)]
    refused = login(org, key)

    assert answers == [200, 200]
    assert oauth_error(refused) == (400, "invalid_grant", "login rate exceeded")
    assert org.login_count == 2


def test_login_limit_frees_up_after_an_hour(
    org: DemoOrg, key: rsa.RSAPrivateKey
) -> None:
    org.settings.login_rate_per_hour = 1
    assert login(org, key).status == 200
    assert login(org, key).status == 400

    org.settings.clock_offset_s += 3601

    assert login(org, key).status == 200
    assert org.login_count == 2


def test_concurrent_logins_are_all_counted(
    org: DemoOrg, key: rsa.RSAPrivateKey
) -> None:
    assertions = [sign(key, make_claims(org, jti=str(n))) for n in range(16)]
    statuses: list[int] = []

    def log_in(assertion: str) -> None:
        form = {"grant_type": GRANT, "assertion": assertion}
        statuses.append(post_token(org, form).status)

    threads = [threading.Thread(target=log_in, args=(a,)) for a in assertions]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(30)

    assert statuses == [200] * 16
    assert org.login_count == 16
