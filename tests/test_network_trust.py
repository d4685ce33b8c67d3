"""Corporate networks: the system trust store, CA bundles, proxies, named certificates.

A loopback HTTPS stand-in serves a certificate from its own test CA. It is
trusted with that CA as bundle (or in the system store), refused otherwise with
the presented certificate named. Loopback proxies record what they are asked:
a relay that forwards everything to a stand-in on this computer (so it can
play a TLS-inspecting proxy for login.salesforce.com without leaving it), and
one that refuses.
"""

from __future__ import annotations

import base64
import logging
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes
from loopback_servers import (
    CA_SUBJECT,
    SERVER_SUBJECT,
    CaSignedTlsFiles,
    LoopbackServer,
    forget_trust_from_environment,
    make_ca_signed_tls_files,
    make_tls_files,
    relay_to,
    respond_json,
    respond_tunnel_refused,
)

from sfjwt_gui.demo.server import DemoServer
from sfjwt_gui.engine import tlsinfo
from sfjwt_gui.engine.errors import UsageError
from sfjwt_gui.engine.exchange import FailureCode, HttpClient
from sfjwt_gui.engine.login import run_login
from sfjwt_gui.engine.proxies import (
    check_proxy,
    describe_setting,
    normalised_proxy,
    proxy_for_url,
)
from sfjwt_gui.engine.tlsinfo import PresentedCertificate, interception_likely

ANSWER = {"hello": "from the stand-in"}
PROXY_PASSWORD = "pr0xy-s3cret"


@pytest.fixture(autouse=True)
def no_trust_from_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    forget_trust_from_environment(monkeypatch)


@pytest.fixture(scope="module")
def corp_tls(tmp_path_factory: pytest.TempPathFactory) -> CaSignedTlsFiles:
    return make_ca_signed_tls_files(tmp_path_factory.mktemp("corp-tls"))


@pytest.fixture
def tls_server(corp_tls: CaSignedTlsFiles) -> Iterator[LoopbackServer]:
    with LoopbackServer(respond_json(ANSWER), tls=corp_tls.server_context()) as server:
        yield server


def server_sha256(corp_tls: CaSignedTlsFiles) -> str:
    cert = x509.load_pem_x509_certificate(corp_tls.cert_path.read_bytes())
    return ":".join(f"{byte:02X}" for byte in cert.fingerprint(hashes.SHA256()))


def get(url: str, **options: Any) -> Any:
    with HttpClient(timeout=5, **options) as http:
        return http.get(url)


# ---- trust -----------------------------------------------------------------


def test_an_unknown_ca_is_refused_and_the_presented_certificate_named(
    corp_tls: CaSignedTlsFiles, tls_server: LoopbackServer
) -> None:
    record = get(tls_server.url("/services/data/"))

    assert record.failure is not None
    assert record.failure.code is FailureCode.TLS_ERROR
    message = record.failure.message
    assert f"presented '{SERVER_SUBJECT}' issued by '{CA_SUBJECT}'" in message
    assert server_sha256(corp_tls) in message
    assert "self-signed" not in message
    assert "CA bundle" in message
    assert tls_server.received == []  # nothing was sent over the refused connection


def test_the_same_server_is_trusted_with_its_ca_as_bundle(
    corp_tls: CaSignedTlsFiles, tls_server: LoopbackServer
) -> None:
    record = get(tls_server.url("/services/data/"), ca_bundle=corp_tls.ca_cert_path)

    assert record.ok
    assert record.json() == ANSWER


@pytest.mark.skipif(
    not sys.platform.startswith("linux"),
    reason="truststore reads OpenSSL's SSL_CERT_FILE only on Linux",
)
def test_a_ca_in_the_system_trust_store_is_trusted_without_a_bundle(
    corp_tls: CaSignedTlsFiles,
    tls_server: LoopbackServer,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # On Linux the system store is OpenSSL's default file, which SSL_CERT_FILE
    # names: this is where an installed corporate root CA ends up.
    monkeypatch.setenv("SSL_CERT_FILE", str(corp_tls.ca_cert_path))

    record = get(tls_server.url("/services/data/"))

    assert record.ok
    assert record.json() == ANSWER


def test_without_truststore_requests_own_cas_are_used_and_the_log_says_so_once(
    corp_tls: CaSignedTlsFiles,
    tls_server: LoopbackServer,
    monkeypatch: pytest.MonkeyPatch,
    caplog: pytest.LogCaptureFixture,
) -> None:
    monkeypatch.setitem(sys.modules, "truststore", None)  # import fails
    monkeypatch.setattr(tlsinfo, "_fallback_logged", False)
    monkeypatch.setenv("SSL_CERT_FILE", str(corp_tls.ca_cert_path))
    caplog.set_level(logging.WARNING, logger="sfjwt_gui.engine.tlsinfo")

    refused = get(tls_server.url("/services/data/"))
    trusted = get(tls_server.url("/services/data/"), ca_bundle=corp_tls.ca_cert_path)
    refused_again = get(tls_server.url("/services/data/"))

    # The system store is out of play, so SSL_CERT_FILE no longer helps...
    assert refused.failure is not None
    assert refused.failure.code is FailureCode.TLS_ERROR
    assert refused_again.failure is not None
    # ...while a CA bundle still works, and the fallback is logged only once.
    assert trusted.ok
    warnings = [r for r in caplog.records if "system trust store" in r.getMessage()]
    assert len(warnings) == 1


def test_a_self_signed_server_is_called_self_signed(tmp_path: Path) -> None:
    self_signed = make_tls_files(tmp_path, common_name="lonely server")

    with LoopbackServer(
        respond_json(ANSWER), tls=self_signed.server_context()
    ) as server:
        record = get(server.url("/"))

    assert record.failure is not None
    assert "'CN=lonely server', a self-signed certificate" in record.failure.message
    assert "Trust it only if you know this server" in record.failure.message


def test_a_salesforce_host_behind_an_inspecting_proxy_is_called_likely_interception(
    tls_server: LoopbackServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    with LoopbackServer(relay_to(tls_server.port)) as proxy:
        monkeypatch.setenv("HTTPS_PROXY", proxy.base_url)
        record = get("https://login.salesforce.com/services/data/")

    assert record.failure is not None
    message = record.failure.message
    assert "login.salesforce.com could not be verified" in message
    assert f"'{SERVER_SUBJECT}' issued by '{CA_SUBJECT}'" in message
    assert "most likely a proxy that inspects TLS traffic" in message
    assert "system's certificate store" in message
    # The request and the look at the certificate both went through the proxy.
    assert [(r.method, r.target) for r in proxy.received] == [
        ("CONNECT", "login.salesforce.com:443"),
        ("CONNECT", "login.salesforce.com:443"),
    ]


DIGICERT = "CN=DigiCert Global G2 TLS RSA SHA256 2020 CA1"
ZSCALER = "CN=Zscaler Intermediate Root CA"


@pytest.mark.parametrize(
    ("issuer", "organisation", "host", "likely"),
    [
        (DIGICERT, "DigiCert Inc", "login.salesforce.com", False),
        (ZSCALER, "Zscaler Inc.", "login.salesforce.com", True),
        ("CN=Corp Root CA", "", "acme.my.salesforce.com", True),
        ("CN=Corp Root CA", "", "acme.lightning.force.com", True),
        ("CN=Corp Root CA", "", "sso.example.com", False),
    ],
)
def test_interception_is_suspected_only_for_salesforce_hosts_without_a_public_ca(
    issuer: str, organisation: str, host: str, likely: bool
) -> None:
    cert = PresentedCertificate(
        subject=f"CN={host}",
        issuer=issuer,
        self_signed=False,
        sha256="AB:CD",
        issuer_organisation=organisation,
    )

    assert interception_likely(cert, host) is likely


def test_a_failed_login_names_the_intercepting_certificate_in_its_finding(
    demo: Any, corp_tls: CaSignedTlsFiles
) -> None:
    https_demo = DemoServer(
        demo.org, tls_cert=corp_tls.cert_path, tls_key=corp_tls.key_path
    )
    https_demo.start()
    try:
        port = int(https_demo.base_url.rsplit(":", 1)[1])
        with LoopbackServer(relay_to(port)) as proxy:
            settings = demo.settings(
                login_url="https://login.salesforce.com", proxy=proxy.base_url
            )
            result = run_login(settings)
    finally:
        https_demo.stop()

    finding = result.findings[0]
    assert finding.code == "tls_error"
    assert f"'{SERVER_SUBJECT}' issued by '{CA_SUBJECT}'" in finding.detail
    assert "inspects TLS traffic" in finding.detail
    assert "system's certificate store" in finding.fix
    assert proxy.received, "the profile's proxy was used"


# ---- proxies ---------------------------------------------------------------


@pytest.mark.parametrize(
    ("setting", "env_proxy", "no_proxy", "through_proxy"),
    [
        ("", True, "", True),
        ("", True, "127.0.0.1", False),
        ("direct", True, "", False),
        ("PROXY", False, "", True),
        ("PROXY", False, "localhost,127.0.0.1", False),
    ],
    ids=[
        "environment",
        "environment-no-proxy",
        "direct-ignores-environment",
        "profile",
        "profile-no-proxy",
    ],
)
def test_the_proxy_setting_decides_the_path(
    corp_tls: CaSignedTlsFiles,
    tls_server: LoopbackServer,
    monkeypatch: pytest.MonkeyPatch,
    setting: str,
    env_proxy: bool,
    no_proxy: str,
    through_proxy: bool,
) -> None:
    with LoopbackServer(relay_to(tls_server.port)) as proxy:
        if env_proxy:
            monkeypatch.setenv("HTTPS_PROXY", proxy.base_url)
        if no_proxy:
            monkeypatch.setenv("NO_PROXY", no_proxy)
        chosen = proxy.base_url if setting == "PROXY" else setting
        record = get(
            tls_server.url("/services/data/"),
            ca_bundle=corp_tls.ca_cert_path,
            proxy=chosen,
        )

    assert record.ok
    expected = [("CONNECT", f"127.0.0.1:{tls_server.port}")] if through_proxy else []
    assert [(r.method, r.target) for r in proxy.received] == expected
    assert len(tls_server.received) == 1


def test_the_profile_proxy_wins_over_the_environment_proxy(
    corp_tls: CaSignedTlsFiles,
    tls_server: LoopbackServer,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    with (
        LoopbackServer(respond_tunnel_refused(403)) as environment_proxy,
        LoopbackServer(relay_to(tls_server.port)) as profile_proxy,
    ):
        monkeypatch.setenv("HTTPS_PROXY", environment_proxy.base_url)
        record = get(
            tls_server.url("/"),
            ca_bundle=corp_tls.ca_cert_path,
            proxy=profile_proxy.base_url,
        )

    assert record.ok
    assert environment_proxy.received == []
    assert len(profile_proxy.received) == 1


@pytest.mark.parametrize(
    ("status", "words"),
    [(407, "wants a user name and password"), (403, "403 Forbidden")],
)
def test_a_refusing_profile_proxy_is_named_in_the_finding(
    demo: Any, status: int, words: str
) -> None:
    with LoopbackServer(respond_tunnel_refused(status)) as proxy:
        result = run_login(
            demo.settings(
                login_url="https://login.salesforce.com", proxy=proxy.base_url
            )
        )

    finding = result.findings[0]
    assert finding.code == "proxy_error"
    assert f"The proxy {proxy.base_url} answered {status}" in finding.detail
    assert words in finding.detail
    assert [r.method for r in proxy.received] == ["CONNECT"]


def test_proxy_credentials_from_the_environment_are_sent_but_never_shown(
    tls_server: LoopbackServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    with LoopbackServer(relay_to(tls_server.port)) as proxy:
        monkeypatch.setenv(
            "HTTPS_PROXY", f"http://alice:{PROXY_PASSWORD}@127.0.0.1:{proxy.port}"
        )
        record = get("https://login.salesforce.com/")

    expected = "Basic " + base64.b64encode(f"alice:{PROXY_PASSWORD}".encode()).decode()
    # Both the request and the certificate lookup authenticate to the proxy...
    assert [r.header("Proxy-Authorization") for r in proxy.received] == [
        expected,
        expected,
    ]
    # ...and the password shows up nowhere the user or a log could see it.
    assert record.failure is not None
    shown = record.failure.message + record.failure.detail + str(record.request_headers)
    assert PROXY_PASSWORD not in shown
    assert "inspects TLS traffic" in record.failure.message


def test_a_proxy_password_in_the_profile_stops_the_login_before_sending(
    demo: Any,
) -> None:
    with LoopbackServer(respond_tunnel_refused(403)) as proxy:
        result = run_login(
            demo.settings(proxy=f"http://ops:{PROXY_PASSWORD}@127.0.0.1:{proxy.port}")
        )

    assert not result.sent
    assert proxy.received == []
    assert [f.code for f in result.findings] == ["proxy_has_password"]
    finding = result.findings[0]
    assert PROXY_PASSWORD not in finding.as_text()
    assert "HTTPS_PROXY" in finding.fix


@pytest.mark.parametrize(
    ("typed", "normalised"),
    [
        ("", ""),
        ("  ", ""),
        ("direct", "direct"),
        (" DIRECT ", "direct"),
        ("http://proxy.example.com:3128", "http://proxy.example.com:3128"),
        ("proxy.example.com:3128", "http://proxy.example.com:3128"),
        ("https://proxy.example.com/", "https://proxy.example.com"),
        ("http://alice@proxy.example.com:3128", "http://alice@proxy.example.com:3128"),
    ],
)
def test_usable_proxy_settings_are_accepted(typed: str, normalised: str) -> None:
    assert check_proxy(typed) == []
    assert normalised_proxy(typed) == normalised


@pytest.mark.parametrize(
    ("typed", "code"),
    [
        ("socks5://127.0.0.1:1080", "proxy_invalid"),
        ("http://proxy example:3128", "proxy_invalid"),
        ("http://proxy:99999", "proxy_invalid"),
        ("http://proxy:3128/path", "proxy_invalid"),
        ("http://", "proxy_invalid"),
        (f"http://ops:{PROXY_PASSWORD}@proxy:3128", "proxy_has_password"),
        ("http://ops:@proxy:3128", "proxy_has_password"),
    ],
)
def test_unusable_proxy_settings_get_a_finding_with_a_fix(
    typed: str, code: str
) -> None:
    findings = check_proxy(typed)

    assert [f.code for f in findings] == [code]
    assert PROXY_PASSWORD not in findings[0].as_text()
    with pytest.raises(UsageError) as raised:
        HttpClient(proxy=typed)
    assert raised.value.code == code
    assert PROXY_PASSWORD not in str(raised.value)


def test_the_proxy_in_use_is_described_without_its_password(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("HTTPS_PROXY", f"http://ops:{PROXY_PASSWORD}@corp-proxy:8080")

    from_environment = describe_setting("")

    assert "http://corp-proxy:8080" in from_environment
    assert PROXY_PASSWORD not in from_environment
    assert describe_setting("direct").startswith("none")
    assert proxy_for_url("direct", "https://login.salesforce.com") is None
    assert proxy_for_url("", "https://login.salesforce.com") == (
        f"http://ops:{PROXY_PASSWORD}@corp-proxy:8080"
    )
