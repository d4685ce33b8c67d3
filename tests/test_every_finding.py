"""Every code of the diagnosis catalog, produced by a real run over loopback HTTP.

Each recipe sets up one situation against the demo org (or, for the few that
cannot happen on loopback, stops before sending) and the last test proves that
together the recipes cover the whole catalog.
"""

from __future__ import annotations

import datetime as dt
import threading
from collections.abc import Callable
from pathlib import Path
from typing import Any

import jwt
import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec, rsa
from cryptography.x509.oid import NameOID
from loopback_servers import (
    LoopbackServer,
    closed_port,
    make_tls_files,
    respond_tunnel_refused,
)

from sfjwt_gui.demo.server import DemoServer
from sfjwt_gui.engine.catalog import CATALOG
from sfjwt_gui.engine.diagnose import AnswerContext, diagnose_answer
from sfjwt_gui.engine.exchange import HttpClient
from sfjwt_gui.engine.login import run_login

Recipe = Callable[[Any, Path, pytest.MonkeyPatch], list[str]]
RECIPES: dict[str, Recipe] = {}


def recipe(*codes: str) -> Callable[[Recipe], Recipe]:
    def register(function: Recipe) -> Recipe:
        for code in codes:
            RECIPES[code] = function
        return function

    return register


def login_codes(demo: Any, **changes: Any) -> list[str]:
    return [finding.code for finding in run_login(demo.settings(**changes)).findings]


def pem_key(path: Path, key: Any, passphrase: bytes | None = None) -> str:
    encryption: serialization.KeySerializationEncryption = (
        serialization.BestAvailableEncryption(passphrase)
        if passphrase
        else serialization.NoEncryption()
    )
    path.write_bytes(
        key.private_bytes(
            serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, encryption
        )
    )
    return str(path)


def cert_ending(demo: Any, path: Path, ends_in: dt.timedelta) -> str:
    """A certificate for the demo key that ends ``ends_in`` from now."""
    key = serialization.load_pem_private_key(demo.key_path.read_bytes(), None)
    assert isinstance(key, rsa.RSAPrivateKey)
    now = dt.datetime.now(dt.timezone.utc)
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "dated")])
    cert = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - dt.timedelta(days=400))
        .not_valid_after(now + ends_in)
        .sign(key, hashes.SHA256())
    )
    path.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    return str(path)


SCENARIO_CODES = {
    "user_not_approved": "user_not_approved",
    "audience_invalid": "audience_invalid",
    "wrong_certificate": "invalid_assertion",
    "clock_skew": "assertion_expired",
    "propagation_delay": "client_id_invalid",
    "refresh_scope_missing": "refresh_scope_missing",
    "app_not_admin_approved": "app_not_admin_approved",
    "eca_not_installed": "eca_not_installed",
    "app_not_installed": "app_not_installed",
    "login_rate": "login_rate_exceeded",
    "ip_restricted": "ip_restricted",
    "inactive_user": "inactive_user",
    "inactive_org": "inactive_org",
    "invalid_scope": "scope_invalid",
    "unknown_error": "oauth_error_unknown",
    "html_answer": "not_json",
    "server_error": "http_error",
    "huge_answer": "response_too_large",
    "reset": "connection_failed",
}


def _scenario_recipe(scenario: str) -> Recipe:
    def run(demo: Any, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> list[str]:
        demo.org.set_scenario(scenario)
        return login_codes(demo)

    return run


for _scenario, _code in SCENARIO_CODES.items():
    RECIPES[_code] = _scenario_recipe(_scenario)


@recipe("clock_skew")
def _skewed_clock(demo: Any, tmp_path: Path, mp: pytest.MonkeyPatch) -> list[str]:
    demo.org.set_scenario("clock_skew")
    return login_codes(demo)


@recipe("verification_failed")
def _userinfo_refused(demo: Any, tmp_path: Path, mp: pytest.MonkeyPatch) -> list[str]:
    demo.org.set_scenario("userinfo_forbidden")
    return login_codes(demo, verify_token=True)


@recipe("timeout")
def _slow(demo: Any, tmp_path: Path, mp: pytest.MonkeyPatch) -> list[str]:
    demo.org.set_scenario("slow")
    demo.org.settings.slow_delay_s = 3.0
    return login_codes(demo, timeout_s=0.5)


@recipe("connection_failed")
def _refused(demo: Any, tmp_path: Path, mp: pytest.MonkeyPatch) -> list[str]:
    return login_codes(demo, login_url=f"http://127.0.0.1:{closed_port()}")


@recipe("cancelled")
def _cancelled(demo: Any, tmp_path: Path, mp: pytest.MonkeyPatch) -> list[str]:
    cancel = threading.Event()
    cancel.set()
    result = run_login(demo.settings(), cancel=cancel)
    return [finding.code for finding in result.findings]


def _https_demo(demo: Any, tmp_path: Path) -> tuple[DemoServer, str]:
    tls = make_tls_files(tmp_path)
    server = DemoServer(demo.org, tls_cert=tls.cert_path, tls_key=tls.key_path)
    server.start()
    return server, str(tls.cert_path)


@recipe("tls_error")
def _untrusted_tls(demo: Any, tmp_path: Path, mp: pytest.MonkeyPatch) -> list[str]:
    server, ca_bundle = _https_demo(demo, tmp_path)
    try:
        refused = login_codes(demo, login_url=server.base_url)
        trusted = login_codes(demo, login_url=server.base_url, ca_bundle=ca_bundle)
    finally:
        server.stop()
    assert trusted == [], "the same server is trusted with its CA bundle"
    return refused


@recipe("proxy_error")
def _proxy_refuses(demo: Any, tmp_path: Path, mp: pytest.MonkeyPatch) -> list[str]:
    server, ca_bundle = _https_demo(demo, tmp_path)
    try:
        with LoopbackServer(respond_tunnel_refused(403)) as proxy:
            mp.setenv("HTTPS_PROXY", proxy.base_url)
            codes = login_codes(demo, login_url=server.base_url, ca_bundle=ca_bundle)
            assert proxy.received, "the request went through the proxy"
    finally:
        server.stop()
    return codes


def _post(demo: Any, form: dict[str, str], alg: str = "RS256") -> list[str]:
    with HttpClient(timeout=5) as client:
        record = client.post_form(f"{demo.base_url}/services/oauth2/token", form)
    return [f.code for f in diagnose_answer(record, AnswerContext(alg=alg))]


@recipe("hmac_signed")
def _hs256(demo: Any, tmp_path: Path, mp: pytest.MonkeyPatch) -> list[str]:
    claims = {
        "iss": demo.client_id,
        "sub": demo.username,
        "exp": 2_000_000_000,
        "aud": "https://login.salesforce.com",
    }
    shared_secret = "the-certificate-text-used-as-a-shared-secret"
    assertion = jwt.encode(claims, shared_secret, algorithm="HS256")
    grant = "urn:ietf:params:oauth:grant-type:jwt-bearer"
    return _post(demo, {"grant_type": grant, "assertion": assertion}, alg="HS256")


@recipe("unsupported_grant_type")
def _bad_grant(demo: Any, tmp_path: Path, mp: pytest.MonkeyPatch) -> list[str]:
    return _post(demo, {"grant_type": "jwt-bearer", "assertion": "x.y.z"})


@recipe("key_missing")
def _no_key(demo: Any, tmp_path: Path, mp: pytest.MonkeyPatch) -> list[str]:
    return login_codes(demo, key_path=str(tmp_path / "gone.key"))


@recipe("key_unreadable")
def _cert_as_key(demo: Any, tmp_path: Path, mp: pytest.MonkeyPatch) -> list[str]:
    return login_codes(demo, key_path=str(demo.cert_path))


@recipe("key_encrypted", "key_passphrase_wrong")
def _locked(demo: Any, tmp_path: Path, mp: pytest.MonkeyPatch) -> list[str]:
    key = serialization.load_pem_private_key(demo.key_path.read_bytes(), None)
    path = pem_key(tmp_path / "locked.key", key, b"right")
    opened = login_codes(demo, key_path=path, passphrase=b"right")
    assert opened == [], opened
    return login_codes(demo, key_path=path) + login_codes(
        demo, key_path=path, passphrase=b"wrong"
    )


@recipe("key_not_rsa")
def _ec(demo: Any, tmp_path: Path, mp: pytest.MonkeyPatch) -> list[str]:
    path = pem_key(tmp_path / "ec.key", ec.generate_private_key(ec.SECP256R1()))
    return login_codes(demo, key_path=path, cert_path="")


@recipe("key_too_small")
def _small(demo: Any, tmp_path: Path, mp: pytest.MonkeyPatch) -> list[str]:
    small = rsa.generate_private_key(public_exponent=65537, key_size=1024)  # noqa: S505
    return login_codes(demo, key_path=pem_key(tmp_path / "small.key", small))


@recipe("cert_unreadable")
def _key_as_cert(demo: Any, tmp_path: Path, mp: pytest.MonkeyPatch) -> list[str]:
    return login_codes(demo, cert_path=str(demo.key_path))


@recipe("cert_missing")
def _no_cert(demo: Any, tmp_path: Path, mp: pytest.MonkeyPatch) -> list[str]:
    return login_codes(demo, cert_path="")


@recipe("cert_key_mismatch")
def _other_cert(demo: Any, tmp_path: Path, mp: pytest.MonkeyPatch) -> list[str]:
    other = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    return login_codes(demo, key_path=pem_key(tmp_path / "other.key", other))


@recipe("cert_expired")
def _expired(demo: Any, tmp_path: Path, mp: pytest.MonkeyPatch) -> list[str]:
    path = cert_ending(demo, tmp_path / "old.crt", dt.timedelta(days=-2))
    return login_codes(demo, cert_path=path)


@recipe("cert_expires_soon")
def _expiring(demo: Any, tmp_path: Path, mp: pytest.MonkeyPatch) -> list[str]:
    path = cert_ending(demo, tmp_path / "soon.crt", dt.timedelta(days=9))
    return login_codes(demo, cert_path=path)


@recipe("client_id_missing")
def _no_client_id(demo: Any, tmp_path: Path, mp: pytest.MonkeyPatch) -> list[str]:
    return login_codes(demo, client_id="")


@recipe("client_id_format")
def _short_client_id(demo: Any, tmp_path: Path, mp: pytest.MonkeyPatch) -> list[str]:
    return login_codes(demo, client_id="3MVG9short")


@recipe("username_missing")
def _no_user(demo: Any, tmp_path: Path, mp: pytest.MonkeyPatch) -> list[str]:
    return login_codes(demo, username="")


@recipe("username_format")
def _odd_user(demo: Any, tmp_path: Path, mp: pytest.MonkeyPatch) -> list[str]:
    return login_codes(demo, username="integration")


@recipe("login_url_invalid", "login_url_insecure", "login_url_lightning")
def _bad_urls(demo: Any, tmp_path: Path, mp: pytest.MonkeyPatch) -> list[str]:
    urls = (
        "https://",
        "http://login.salesforce.com",
        "https://acme.lightning.force.com",
    )
    return [code for url in urls for code in login_codes(demo, login_url=url)]


@recipe("timeout_invalid", "lifetime_invalid")
def _zeroes(demo: Any, tmp_path: Path, mp: pytest.MonkeyPatch) -> list[str]:
    return login_codes(demo, timeout_s=0, lifetime_s=0)


@recipe("ca_bundle_missing")
def _no_bundle(demo: Any, tmp_path: Path, mp: pytest.MonkeyPatch) -> list[str]:
    return login_codes(demo, ca_bundle=str(tmp_path / "corporate-root.pem"))


@recipe("proxy_invalid", "proxy_has_password")
def _bad_proxies(demo: Any, tmp_path: Path, mp: pytest.MonkeyPatch) -> list[str]:
    with LoopbackServer(respond_tunnel_refused(403)) as proxy:
        codes = login_codes(demo, proxy="socks5://127.0.0.1:1080")
        codes += login_codes(demo, proxy=f"http://ops:hunter22@127.0.0.1:{proxy.port}")
    assert proxy.received == [], "nothing is sent with an unusable proxy"
    return codes


@recipe("settings_invalid")
def _unsignable(demo: Any, tmp_path: Path, mp: pytest.MonkeyPatch) -> list[str]:
    return login_codes(demo, extra_claims={"when": object()})


# A login URL on loopback is neither production nor sandbox, so these two are
# shown with real Salesforce hosts and a missing key, which stops the login
# before anything could leave the machine.
@recipe("audience_mismatch")
def _mismatch(demo: Any, tmp_path: Path, mp: pytest.MonkeyPatch) -> list[str]:
    return login_codes(
        demo,
        login_url="https://test.salesforce.com",
        audience="https://login.salesforce.com",
        key_path="",
    )


@recipe("sandbox_user_on_production")
def _sandbox_user(demo: Any, tmp_path: Path, mp: pytest.MonkeyPatch) -> list[str]:
    return login_codes(
        demo,
        login_url="https://login.salesforce.com",
        username="integration@acme.com.uat",
        key_path="",
    )


@pytest.mark.parametrize("code", sorted(RECIPES))
def test_recipe_produces_its_finding(
    code: str, demo: Any, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    produced = RECIPES[code](demo, tmp_path, monkeypatch)

    assert code in produced, produced


def test_recipes_cover_the_whole_catalog() -> None:
    assert sorted(set(CATALOG) - set(RECIPES)) == []
