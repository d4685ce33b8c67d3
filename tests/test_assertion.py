"""The JWT assertion: building, signing, decoding, verifying and explaining it."""

from __future__ import annotations

import base64
import json

import jwt
import pytest
from cryptography import x509
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec, rsa
from hypothesis import given, settings
from hypothesis import strategies as st

from sfjwt_gui.engine.assertion import (
    DEFAULT_LIFETIME_S,
    JWT_BEARER_GRANT,
    build_claims,
    decode_jwt,
    describe_epoch,
    explain_claims,
    explain_header,
    mask_signature,
    sign_assertion,
    verify_signature,
)
from sfjwt_gui.engine.errors import JwtFormatError, KeyFileError, UsageError

KeyPair = tuple[rsa.RSAPrivateKey, x509.Certificate]

NOW = 1_796_317_200.0  # 2026-12-03 17:00:00 UTC
CLIENT_ID = "3MVG9fe4g9fhX0E5abcdefGHIJKLmnopQRSTuvwxYZ0123456789"
USERNAME = "integration@acme.com.uat"
AUDIENCE = "https://test.salesforce.com"


def _b64url(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def _b64url_json(value: object) -> str:
    return _b64url(json.dumps(value).encode("utf-8"))


def _signed(key: rsa.RSAPrivateKey, **extra: object) -> str:
    claims = build_claims(
        client_id=CLIENT_ID, username=USERNAME, audience=AUDIENCE, now=NOW, extra=extra
    )
    return sign_assertion(claims, key)


def test_grant_type_and_default_lifetime() -> None:
    assert JWT_BEARER_GRANT == "urn:ietf:params:oauth:grant-type:jwt-bearer"
    assert DEFAULT_LIFETIME_S == 180


def test_claims_have_exactly_the_four_salesforce_claims() -> None:
    claims = build_claims(
        client_id=CLIENT_ID, username=USERNAME, audience=AUDIENCE, now=NOW + 0.9
    )

    assert claims == {
        "iss": CLIENT_ID,
        "sub": USERNAME,
        "aud": AUDIENCE,
        "exp": 1_796_317_380,
    }


def test_lifetime_and_extra_claims() -> None:
    claims = build_claims(
        client_id=f"  {CLIENT_ID}\n",
        username=USERNAME,
        audience=AUDIENCE,
        lifetime_s=60,
        now=NOW,
        extra={"scope": "api", "iat": int(NOW)},
    )

    assert claims["iss"] == CLIENT_ID
    assert claims["exp"] == int(NOW) + 60
    assert claims["scope"] == "api"
    assert claims["iat"] == int(NOW)


def test_claims_use_the_clock_when_no_time_is_given() -> None:
    import time

    before = time.time()
    claims = build_claims(client_id=CLIENT_ID, username=USERNAME, audience=AUDIENCE)
    after = time.time()

    assert int(before) + 180 <= claims["exp"] <= int(after) + 180


@pytest.mark.parametrize(
    ("field", "code"),
    [("client_id", "client_id_missing"), ("username", "username_missing")],
)
def test_missing_inputs_are_usage_errors(field: str, code: str) -> None:
    inputs = {"client_id": CLIENT_ID, "username": USERNAME, "audience": AUDIENCE}
    inputs[field] = "  "

    with pytest.raises(UsageError) as caught:
        build_claims(
            client_id=inputs["client_id"],
            username=inputs["username"],
            audience=inputs["audience"],
        )

    assert caught.value.code == code


def test_header_is_exactly_rs256_jwt(key_pair: KeyPair) -> None:
    token = _signed(key_pair[0])
    raw_header = base64.urlsafe_b64decode(token.split(".")[0] + "==")

    assert json.loads(raw_header) == {"alg": "RS256", "typ": "JWT"}
    assert decode_jwt(token).header == {"alg": "RS256", "typ": "JWT"}


def test_round_trip_verifies_only_with_the_matching_certificate(
    key_pair: KeyPair, other_key_pair: KeyPair
) -> None:
    key, certificate = key_pair
    token = _signed(key, scope="api")

    decoded = decode_jwt(token)

    assert decoded.claims["sub"] == USERNAME
    assert decoded.claims["scope"] == "api"
    assert decoded.alg == "RS256"
    assert token == f"{decoded.signing_input}.{decoded.signature}"
    assert verify_signature(token, certificate) is True
    assert verify_signature(token, key) is True
    assert verify_signature(token, key.public_key()) is True
    assert verify_signature(token, other_key_pair[1]) is False


def test_a_standard_library_accepts_the_assertion(key_pair: KeyPair) -> None:
    key, certificate = key_pair
    token = sign_assertion(
        build_claims(client_id=CLIENT_ID, username=USERNAME, audience=AUDIENCE), key
    )

    public_key = certificate.public_key()
    assert isinstance(public_key, rsa.RSAPublicKey)
    claims = jwt.decode(token, public_key, algorithms=["RS256"], audience=AUDIENCE)

    assert claims["iss"] == CLIENT_ID


def test_changed_payload_no_longer_verifies(key_pair: KeyPair) -> None:
    key, certificate = key_pair
    header, _, signature = _signed(key).split(".")
    forged_payload = _b64url_json({"iss": CLIENT_ID, "sub": "admin@acme.com"})

    assert verify_signature(f"{header}.{forged_payload}.{signature}", certificate) is (
        False
    )


def test_hs256_token_does_not_verify(key_pair: KeyPair) -> None:
    token = jwt.encode({"iss": CLIENT_ID}, "a-shared-secret-of-32-bytes-long", "HS256")

    assert decode_jwt(token).alg == "HS256"
    assert verify_signature(token, key_pair[1]) is False


def test_unsigned_token_does_not_verify(key_pair: KeyPair) -> None:
    token = f"{_b64url_json({'alg': 'none'})}.{_b64url_json({'iss': 'x'})}."

    assert decode_jwt(token).signature == ""
    assert verify_signature(token, key_pair[1]) is False


def test_non_rsa_key_cannot_sign_and_cannot_verify(key_pair: KeyPair) -> None:
    ec_key = ec.generate_private_key(ec.SECP256R1())
    claims = build_claims(client_id=CLIENT_ID, username=USERNAME, audience=AUDIENCE)

    with pytest.raises(KeyFileError):
        sign_assertion(claims, ec_key)  # type: ignore[arg-type]
    assert verify_signature(_signed(key_pair[0]), ec_key.public_key()) is False  # type: ignore[arg-type]


def test_claims_that_are_not_json_are_usage_errors(key_pair: KeyPair) -> None:
    with pytest.raises(UsageError) as caught:
        sign_assertion({"iss": CLIENT_ID, "exp": {1, 2}}, key_pair[0])

    assert caught.value.code == "claims_invalid"


def test_decode_tolerates_how_tokens_get_pasted(key_pair: KeyPair) -> None:
    token = _signed(key_pair[0])
    wrapped = "\n".join(token[i : i + 60] for i in range(0, len(token), 60))

    assert decode_jwt(f"  Bearer {token}\n").signature == decode_jwt(token).signature
    assert decode_jwt(f"\n{wrapped}\n").signing_input == decode_jwt(token).signing_input


def test_decoded_repr_hides_the_signature(key_pair: KeyPair) -> None:
    decoded = decode_jwt(_signed(key_pair[0]))

    assert decoded.signature not in repr(decoded)


def test_private_key_pasted_instead_of_a_jwt(key_pair: KeyPair) -> None:
    pem = (
        key_pair[0]
        .private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
        .decode("ascii")
    )

    with pytest.raises(JwtFormatError) as caught:
        decode_jwt(pem)

    assert "private key" in caught.value.message
    assert pem.splitlines()[1] not in str(caught.value)


def test_access_token_pasted_instead_of_a_jwt() -> None:
    session_id = "00D5g000000AbCd!AR8AQK0zB.pQ_uJx7dGk2fH9sLmN3oP4qR5sT6uV7wX8yZ9"

    with pytest.raises(JwtFormatError) as caught:
        decode_jwt(session_id)

    assert "access token" in caught.value.message
    assert "00D...!" in caught.value.message
    assert "AR8AQ" not in str(caught.value)


def test_plain_base64_is_named_as_such() -> None:
    header = base64.b64encode(b'{"alg":"RS256","typ":"JWT"}').decode().rstrip("=")
    payload = base64.b64encode(b'{"sub":"???>>>"}').decode()
    assert "/" in payload or "+" in payload

    with pytest.raises(JwtFormatError) as caught:
        decode_jwt(f"{header}.{payload}.c2lnbmF0dXJl")

    assert "base64url" in caught.value.message
    assert "'+' or '/'" in caught.value.message


@pytest.mark.parametrize(
    ("text", "words"),
    [
        ("", "empty"),
        ("  \n ", "empty"),
        ("Bearer ", "empty"),
        ("eyJhbGciOiJSUzI1NiJ9.eyJpc3MiOiJ4In0", "2 dot-separated parts"),
        ("eyJhbGciOiJSUzI1NiJ9", "no dots"),
        ("a.b.c.d.e", "encrypted JWT"),
        ('{"iss": "x"}', "JSON"),
        ("eyJhbGciOiJSUzI1NiJ9..c2ln", "payload part of the JWT is empty"),
        ("eyJhbGciOiJSUzI1NiJ9.bm90IGpzb24.c2ln", "payload of the JWT is not JSON"),
        ("eyJhbGciOiJSUzI1NiJ9.WzEsIDJd.c2ln", "not an object"),
        ("eyJhbGciOiJSUzI1NiJ9.eyJ*In0.c2ln", "not valid base64url"),
        ("eyJhbGciOiJSUzI1NiJ9.eyJpc3MiOiJ4In0.c2lnb", "signature part"),
        ("_w.eyJpc3MiOiJ4In0.c2ln", "header of the JWT is not UTF-8"),
        ("-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----", "PEM"),
    ],
)
def test_decode_errors_say_precisely_what_is_wrong(text: str, words: str) -> None:
    with pytest.raises(JwtFormatError) as caught:
        decode_jwt(text)

    assert words in caught.value.message
    assert caught.value.code == "jwt_malformed"
    assert "base64url" in caught.value.fix


def test_decode_of_non_text_is_a_format_error() -> None:
    with pytest.raises(JwtFormatError):
        decode_jwt(None)  # type: ignore[arg-type]


@settings(deadline=None, max_examples=300)
@given(
    st.one_of(
        st.text(),
        st.lists(
            st.text(alphabet="eyJAZaz09-_+/=.{}\"' \n!", max_size=30), max_size=6
        ).map(".".join),
    )
)
def test_decode_never_raises_anything_but_a_format_error(text: str) -> None:
    try:
        decoded = decode_jwt(text)
    except JwtFormatError:
        return
    assert isinstance(decoded.header, dict)
    assert isinstance(decoded.claims, dict)


def test_verify_refuses_text_that_is_not_a_jwt(key_pair: KeyPair) -> None:
    with pytest.raises(JwtFormatError):
        verify_signature("not a token", key_pair[1])


def test_explain_claims_in_plain_words() -> None:
    claims = {"custom": 1, "exp": int(NOW) + 180, "aud": AUDIENCE, "iss": CLIENT_ID}

    lines = explain_claims(claims, now=NOW)

    assert [line.name for line in lines] == ["iss", "aud", "exp", "custom"]
    by_name = {line.name: line for line in lines}
    assert by_name["iss"].meaning.startswith("Consumer key of the connected app")
    assert by_name["iss"].value == CLIENT_ID
    assert by_name["exp"].value == str(int(NOW) + 180)
    assert by_name["exp"].readable == "2026-12-03 17:03:00 UTC (in 3 min)"
    assert by_name["custom"].meaning.startswith("Extra claim")
    assert by_name["aud"].readable == ""


def test_explain_header_warns_about_other_algorithms() -> None:
    good = explain_header({"alg": "RS256", "typ": "JWT"})
    bad = explain_header({"alg": "HS256", "kid": "k1"})

    assert [line.name for line in good] == ["alg", "typ"]
    assert "RS256" in good[0].meaning
    assert "refused" not in good[0].meaning
    assert "HS256 will be refused" in bad[0].meaning
    assert "iss" in bad[1].meaning


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        (NOW + 180, "2026-12-03 17:03:00 UTC (in 3 min)"),
        (int(NOW) - 7200, "2026-12-03 15:00:00 UTC (2 h ago)"),
        (str(int(NOW) + 30), "2026-12-03 17:00:30 UTC (in 30 s)"),
        (" 1796317200 ", "2026-12-03 17:00:00 UTC (now)"),
        (NOW + 86400 * 10, "2026-12-13 17:00:00 UTC (in 10 days)"),
        (NOW - 86400 * 365 * 30, "1996-12-10 17:00:00 UTC (30 years ago)"),
        (0, "1970-01-01 00:00:00 UTC (57 years ago)"),
    ],
)
def test_describe_epoch(value: object, expected: str) -> None:
    assert describe_epoch(value, now=NOW) == expected


def test_describe_epoch_of_a_millisecond_exp() -> None:
    # What the Salesforce CLI sends: Date.now() + 300, in milliseconds.
    text = describe_epoch(int(NOW * 1000) + 300, now=NOW)

    assert text.startswith("beyond year 9999 (in ")
    assert "years" in text
    assert "as milliseconds: 2026-12-03 17:00:00 UTC" in text
    # Too large even for milliseconds: no misleading date at all.
    assert "milliseconds" not in describe_epoch(10**15, now=NOW)


@pytest.mark.parametrize(
    "value", ["soon", None, True, float("nan"), float("inf"), [1], {"a": 1}, "1e999"]
)
def test_describe_epoch_of_a_non_date(value: object) -> None:
    assert describe_epoch(value, now=NOW) == "not a date"


def test_mask_signature_hides_only_the_signature(key_pair: KeyPair) -> None:
    token = _signed(key_pair[0])
    header, payload, signature = token.split(".")

    masked = mask_signature(f"Bearer {token}\n")

    assert masked == f"{header}.{payload}.<signature hidden, {len(signature)} chars>"
    assert signature not in masked


def test_mask_signature_hides_everything_that_is_not_a_jwt() -> None:
    session_id = "00D5g000000AbCd!AR8AQK0zB.pQ_uJx7dGk2fH9sLmN3oP4"

    assert mask_signature(f" {session_id} ") == f"<hidden, {len(session_id)} chars>"
