"""Requests to the demo org without sockets, shared by the demo org's tests."""

from __future__ import annotations

import json
from typing import Any
from urllib.parse import urlencode

import jwt
from cryptography import x509
from cryptography.hazmat.primitives.asymmetric import rsa

from sfjwt_gui.demo.org import DemoOrg, DemoResponse

KeyPair = tuple[rsa.RSAPrivateKey, x509.Certificate]

BASE_URL = "http://127.0.0.1:8123"
TOKEN_PATH = "/services/oauth2/token"
GRANT = "urn:ietf:params:oauth:grant-type:jwt-bearer"
FORM = "application/x-www-form-urlencoded"
LOGIN = "https://login.salesforce.com"
REMOVE = object()


def make_claims(org: DemoOrg, **overrides: Any) -> dict[str, Any]:
    claims: dict[str, Any] = {
        "iss": org.settings.client_id,
        "sub": org.settings.username,
        "aud": LOGIN,
        "exp": int(org.now()) + 180,
    }
    claims.update(overrides)
    return {name: value for name, value in claims.items() if value is not REMOVE}


def sign(
    key: Any, claims: dict[str, Any], *, algorithm: str = "RS256", **headers: Any
) -> str:
    # PyJWS signs the claims as given, even the malformed ones under test.
    payload = json.dumps(claims).encode()
    return jwt.PyJWS().encode(
        payload, key, algorithm=algorithm, headers=headers or None
    )


def post_token(
    org: DemoOrg,
    form: dict[str, str],
    *,
    content_type: str = FORM,
) -> DemoResponse:
    body = urlencode(form).encode()
    headers = {"Content-Type": content_type} if content_type else {}
    return org.handle("POST", TOKEN_PATH, headers, body, base_url=BASE_URL)


def login(org: DemoOrg, key: Any, **overrides: Any) -> DemoResponse:
    assertion = sign(key, make_claims(org, **overrides))
    return post_token(org, {"grant_type": GRANT, "assertion": assertion})


def oauth_error(response: DemoResponse) -> tuple[int, str, str]:
    payload = json.loads(response.body)
    return response.status, payload["error"], payload["error_description"]


def get(
    org: DemoOrg, path: str, token: str | None = None, method: str = "GET"
) -> DemoResponse:
    headers = {"Authorization": f"Bearer {token}"} if token else {}
    return org.handle(method, path, headers, b"", base_url=BASE_URL)


def access_token(org: DemoOrg, key: Any) -> str:
    response = login(org, key)
    assert response.status == 200
    return str(json.loads(response.body)["access_token"])
