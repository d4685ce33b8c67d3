"""The demo org over real loopback HTTP(S), as clients and the Salesforce CLI see it."""

from __future__ import annotations

import datetime as dt
import ipaddress
import os
import shutil
import socket
import subprocess
import threading
import time
import xml.etree.ElementTree as ET
from collections.abc import Callable, Iterator
from email.utils import parsedate_to_datetime
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

import jwt
import pytest
import requests
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from cryptography.x509.oid import NameOID

from sfjwt_gui.demo.org import DemoOrg
from sfjwt_gui.demo.server import DemoServer
from sfjwt_gui.demo.settings import HUGE_ANSWER_BYTES, DemoSettings
from sfjwt_gui.engine.errors import KeyFileError, UsageError

KeyPair = tuple[rsa.RSAPrivateKey, x509.Certificate]

GRANT = "urn:ietf:params:oauth:grant-type:jwt-bearer"
LOGIN = "https://login.salesforce.com"
# Connect and read timeouts for every request: a broken server fails the test
# instead of hanging it.
TIMEOUT = (5.0, 30.0)


@pytest.fixture
def org(key_pair: KeyPair) -> DemoOrg:
    return DemoOrg(DemoSettings(certificate=key_pair[1]))


@pytest.fixture
def server(org: DemoOrg) -> Iterator[DemoServer]:
    with DemoServer(org) as running:
        yield running


def assertion_for(org: DemoOrg, key: rsa.RSAPrivateKey) -> str:
    claims = {
        "iss": org.settings.client_id,
        "sub": org.settings.username,
        "aud": LOGIN,
        "exp": int(time.time()) + 180,
    }
    return jwt.encode(claims, key, algorithm="RS256")


def token_form(org: DemoOrg, key: rsa.RSAPrivateKey) -> dict[str, str]:
    return {"grant_type": GRANT, "assertion": assertion_for(org, key)}


def wait_until(
    condition: Callable[[], bool], what: str, within_s: float = 10.0
) -> None:
    deadline = time.monotonic() + within_s
    while not condition():
        if time.monotonic() > deadline:
            pytest.fail(f"timed out waiting for {what}")
        threading.Event().wait(0.01)


def test_token_and_follow_up_calls_round_trip(
    org: DemoOrg, server: DemoServer, key_pair: KeyPair
) -> None:
    with requests.Session() as session:
        answer = session.post(
            server.base_url + "/services/oauth2/token",
            data=token_form(org, key_pair[0]),
            timeout=TIMEOUT,
        )
        token = answer.json()["access_token"]
        bearer = {"Authorization": f"Bearer {token}"}

        userinfo = session.get(
            server.base_url + "/services/oauth2/userinfo",
            headers=bearer,
            timeout=TIMEOUT,
        )
        identity = session.get(
            answer.json()["id"],
            params={"format": "json", "oauth_token": token},
            timeout=TIMEOUT,
        )
        organization = session.get(
            server.base_url + "/services/data/v60.0/query",
            params={"q": "SELECT Name, IsSandbox FROM Organization"},
            headers=bearer,
            timeout=TIMEOUT,
        )
        dev_hub_probe = session.get(
            server.base_url + "/services/data/v51.0/query",
            params={"q": "SELECT Id FROM ScratchOrgInfo limit 1"},
            headers=bearer,
            timeout=TIMEOUT,
        )
        limits = session.get(
            server.base_url + "/services/data/v60.0/limits",
            headers=bearer,
            timeout=TIMEOUT,
        )
        revoked = session.post(
            server.base_url + "/services/oauth2/revoke",
            data={"token": token},
            timeout=TIMEOUT,
        )
        after_revoke = session.get(
            server.base_url + "/services/oauth2/userinfo",
            headers=bearer,
            timeout=TIMEOUT,
        )
        rest_after_revoke = session.get(
            server.base_url + "/services/data/v60.0/limits",
            headers=bearer,
            timeout=TIMEOUT,
        )

    assert answer.status_code == 200
    assert answer.json()["instance_url"] == server.base_url
    assert "refresh_token" not in answer.json()
    assert userinfo.json()["preferred_username"] == org.settings.username
    assert identity.json()["username"] == org.settings.username
    assert organization.json()["records"][0]["Name"] == "sfjwt Demo Org"
    assert dev_hub_probe.status_code == 400
    assert limits.json()["DailyApiRequests"]["Max"] == 15000
    assert limits.headers["Sforce-Limit-Info"].startswith("api-usage=")
    assert revoked.status_code == 200
    assert after_revoke.status_code == 403
    assert after_revoke.text == "Bad_OAuth_Token"
    assert rest_after_revoke.status_code == 401
    assert rest_after_revoke.json()[0]["errorCode"] == "INVALID_SESSION_ID"


def test_identity_url_arrives_as_xml_when_asked(
    org: DemoOrg, server: DemoServer, key_pair: KeyPair
) -> None:
    answer = requests.post(
        server.base_url + "/services/oauth2/token",
        data=token_form(org, key_pair[0]),
        timeout=TIMEOUT,
    )

    identity = requests.get(
        answer.json()["id"],
        params={"version": "60.0", "oauth_token": answer.json()["access_token"]},
        headers={"Accept": "application/xml"},
        timeout=TIMEOUT,
    )

    assert identity.status_code == 200
    assert identity.headers["Content-Type"] == "application/xml;charset=UTF-8"
    root = ET.fromstring(identity.content)  # noqa: S314 - the demo org's own answer
    assert root.findtext("username") == org.settings.username
    assert root.findtext("urls/sobjects") == (
        server.base_url + "/services/data/v60.0/sobjects/"
    )


def test_oauth_error_arrives_with_salesforce_envelope(
    org: DemoOrg, server: DemoServer, other_key_pair: KeyPair
) -> None:
    answer = requests.post(
        server.base_url + "/services/oauth2/token",
        data=token_form(org, other_key_pair[0]),
        timeout=TIMEOUT,
    )

    assert answer.status_code == 400
    assert answer.headers["Content-Type"] == "application/json;charset=UTF-8"
    assert answer.headers["Cache-Control"] == "no-store"
    assert answer.json() == {
        "error": "invalid_grant",
        "error_description": "invalid assertion",
    }


def test_chunked_request_body_is_read(
    org: DemoOrg, server: DemoServer, key_pair: KeyPair
) -> None:
    form = token_form(org, key_pair[0])
    encoded = urlencode(form)

    def pieces() -> Iterator[bytes]:
        data = encoded.encode()
        for start in range(0, len(data), 100):
            yield data[start : start + 100]

    answer = requests.post(
        server.base_url + "/services/oauth2/token",
        data=pieces(),
        headers={"Content-Type": "application/x-www-form-urlencoded"},
        timeout=TIMEOUT,
    )

    assert answer.request.headers.get("Transfer-Encoding") == "chunked"
    assert answer.status_code == 200, answer.text
    assert org.login_count == 1


def test_oversized_request_body_is_refused(server: DemoServer) -> None:
    answer = requests.post(
        server.base_url + "/services/oauth2/token",
        data=b"a" * (2 * 1024 * 1024),
        headers={"Content-Type": "application/x-www-form-urlencoded"},
        timeout=TIMEOUT,
    )

    assert answer.status_code == 413


def test_date_header_shows_the_server_clock(org: DemoOrg, server: DemoServer) -> None:
    org.settings.clock_offset_s = 900

    answer = requests.get(server.base_url + "/services/data", timeout=TIMEOUT)

    server_time = parsedate_to_datetime(answer.headers["Date"]).timestamp()
    assert 890 <= server_time - time.time() <= 910


def test_unknown_path_gets_a_not_found_page(server: DemoServer) -> None:
    answer = requests.get(server.base_url + "/one/one.app", timeout=TIMEOUT)

    assert answer.status_code == 404
    assert answer.headers["Content-Type"].startswith("text/html")
    assert "Date" in answer.headers


def test_stop_does_not_wait_for_a_slow_answer(org: DemoOrg, key_pair: KeyPair) -> None:
    org.settings.slow_delay_s = 600
    org.set_scenario("slow")
    server = DemoServer(org)
    server.start()
    outcome: list[BaseException | int] = []

    def ask() -> None:
        try:
            answer = requests.post(
                server.base_url + "/services/oauth2/token",
                data=token_form(org, key_pair[0]),
                timeout=TIMEOUT,
            )
            outcome.append(answer.status_code)
        except requests.RequestException as error:
            outcome.append(error)

    client = threading.Thread(target=ask)
    client.start()
    wait_until(lambda: org.login_count == 1, "the slow request to arrive")

    stopper = threading.Thread(target=server.stop)
    stopper.start()
    # Far below the 600 s the answer would take: stop() did not wait for it.
    stopper.join(20)
    client.join(20)

    assert not stopper.is_alive()
    assert not client.is_alive()
    assert len(outcome) == 1
    assert isinstance(outcome[0], requests.ConnectionError)


def test_reset_scenario_cuts_the_connection_mid_body(
    org: DemoOrg, server: DemoServer, key_pair: KeyPair
) -> None:
    org.set_scenario("reset")

    # requests reports a body cut short as ChunkedEncodingError ("Connection
    # broken: IncompleteRead"), whatever the transfer encoding.
    cut = (requests.ConnectionError, requests.exceptions.ChunkedEncodingError)
    with pytest.raises(cut, match=r"(?i)connection"):
        requests.post(
            server.base_url + "/services/oauth2/token",
            data=token_form(org, key_pair[0]),
            timeout=TIMEOUT,
        )


def test_trickle_scenario_outlasts_a_read_timeout(
    org: DemoOrg, server: DemoServer, key_pair: KeyPair
) -> None:
    # A pause between bytes far longer than the read timeout.
    org.settings.trickle_interval_s = 5.0
    org.set_scenario("trickle")

    answer = requests.post(
        server.base_url + "/services/oauth2/token",
        data=token_form(org, key_pair[0]),
        timeout=(5.0, 1.0),
        stream=True,
    )

    assert answer.status_code == 200
    assert int(answer.headers["Content-Length"]) > 100
    with pytest.raises(requests.ConnectionError):
        answer.content  # noqa: B018


def test_huge_answer_arrives_whole(
    org: DemoOrg, server: DemoServer, key_pair: KeyPair
) -> None:
    org.set_scenario("huge_answer")

    answer = requests.post(
        server.base_url + "/services/oauth2/token",
        data=token_form(org, key_pair[0]),
        timeout=TIMEOUT,
        stream=True,
    )
    received = sum(len(chunk) for chunk in answer.iter_content(64 * 1024))

    assert answer.headers["Content-Length"] == str(HUGE_ANSWER_BYTES)
    assert received == HUGE_ANSWER_BYTES


def test_truncated_json_scenario_arrives_as_broken_json(
    org: DemoOrg, server: DemoServer, key_pair: KeyPair
) -> None:
    org.set_scenario("truncated_json")

    answer = requests.post(
        server.base_url + "/services/oauth2/token",
        data=token_form(org, key_pair[0]),
        timeout=TIMEOUT,
    )

    assert answer.status_code == 200
    with pytest.raises(requests.JSONDecodeError):
        answer.json()


@pytest.mark.parametrize("host", ["0.0.0.0", "192.0.2.10", "example.com", "::"])
def test_refuses_to_listen_beyond_this_computer(org: DemoOrg, host: str) -> None:
    with pytest.raises(UsageError, match="loopback"):
        DemoServer(org, host=host)


def test_localhost_is_accepted(org: DemoOrg) -> None:
    with DemoServer(org, host="localhost") as server:
        answer = requests.get(server.base_url + "/services/data", timeout=TIMEOUT)

    assert server.base_url.startswith("http://localhost:")
    assert answer.status_code == 200


def test_busy_port_is_a_usage_error(org: DemoOrg, server: DemoServer) -> None:
    port = int(server.base_url.rsplit(":", 1)[1])

    with pytest.raises(UsageError, match=str(port)):
        DemoServer(org, port=port)


def test_stop_is_idempotent_and_a_stopped_server_does_not_restart(
    org: DemoOrg,
) -> None:
    server = DemoServer(org)
    server.start()
    server.stop()
    server.stop()

    with pytest.raises(UsageError):
        server.start()
    with pytest.raises(ConnectionError):
        socket.create_connection(
            ("127.0.0.1", int(server.base_url.rsplit(":", 1)[1])), 2
        )


def test_stop_before_start_releases_the_port(org: DemoOrg) -> None:
    server = DemoServer(org)
    port = int(server.base_url.rsplit(":", 1)[1])

    server.stop()

    with DemoServer(org, port=port) as again:
        assert again.base_url.endswith(f":{port}")


def test_serve_forever_returns_after_stop(org: DemoOrg) -> None:
    server = DemoServer(org)
    serving = threading.Thread(target=server.serve_forever)
    serving.start()
    answer = requests.get(server.base_url + "/services/data", timeout=TIMEOUT)

    server.stop()
    serving.join(20)

    assert answer.status_code == 200
    assert not serving.is_alive()


def test_idle_keep_alive_connection_does_not_block_stop(org: DemoOrg) -> None:
    server = DemoServer(org)
    server.start()
    session = requests.Session()
    session.get(server.base_url + "/services/data", timeout=TIMEOUT)

    stopper = threading.Thread(target=server.stop)
    stopper.start()
    stopper.join(20)
    session.close()

    assert not stopper.is_alive()


# -- HTTPS ---------------------------------------------------------------------


def _write_tls_files(folder: Path, key: rsa.RSAPrivateKey) -> tuple[Path, Path]:
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "127.0.0.1")])
    now = dt.datetime.now(dt.timezone.utc)
    names = x509.SubjectAlternativeName(
        [
            x509.DNSName("localhost"),
            x509.IPAddress(ipaddress.ip_address("127.0.0.1")),
        ]
    )
    cert = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - dt.timedelta(minutes=5))
        .not_valid_after(now + dt.timedelta(days=1))
        .add_extension(names, critical=False)
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
        .sign(key, hashes.SHA256())
    )
    cert_path, key_path = folder / "tls.crt", folder / "tls.key"
    cert_path.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    key_path.write_bytes(
        key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
    )
    return cert_path, key_path


def test_https_with_a_certificate_the_client_trusts(
    org: DemoOrg, key_pair: KeyPair, other_key_pair: KeyPair, tmp_path: Path
) -> None:
    cert_path, key_path = _write_tls_files(tmp_path, other_key_pair[0])

    with DemoServer(org, tls_cert=cert_path, tls_key=key_path) as server:
        answer = requests.post(
            server.base_url + "/services/oauth2/token",
            data=token_form(org, key_pair[0]),
            verify=str(cert_path),
            timeout=TIMEOUT,
        )
        with pytest.raises(requests.exceptions.SSLError):
            requests.get(server.base_url + "/services/data", timeout=TIMEOUT)

    assert server.base_url.startswith("https://127.0.0.1:")
    assert answer.status_code == 200
    assert answer.json()["instance_url"] == server.base_url


def test_https_needs_both_files(org: DemoOrg, tmp_path: Path) -> None:
    with pytest.raises(UsageError):
        DemoServer(org, tls_cert=tmp_path / "tls.crt")


def test_unusable_tls_files_are_a_key_file_error(
    org: DemoOrg, other_key_pair: KeyPair, key_pair: KeyPair, tmp_path: Path
) -> None:
    cert_path, _ = _write_tls_files(tmp_path, other_key_pair[0])
    wrong_key = tmp_path / "wrong.key"
    wrong_key.write_bytes(
        key_pair[0].private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
    )

    with pytest.raises(KeyFileError):
        DemoServer(org, tls_cert=cert_path, tls_key=wrong_key)
    with pytest.raises(KeyFileError, match="does not exist"):
        DemoServer(org, tls_cert=tmp_path / "missing.crt", tls_key=wrong_key)


# -- the real Salesforce CLI ------------------------------------------------------


@pytest.mark.slow
@pytest.mark.skipif(
    shutil.which("sf") is None, reason="Salesforce CLI (sf) not on PATH"
)
def test_salesforce_cli_logs_in_to_the_demo_org(
    org: DemoOrg, server: DemoServer, key_pair: KeyPair, tmp_path: Path
) -> None:
    key_file = tmp_path / "server.key"
    key_file.write_bytes(
        key_pair[0].private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
    )
    home = tmp_path / "home"
    home.mkdir()
    env: dict[str, Any] = {
        name: value
        for name, value in os.environ.items()
        if name not in ("SF_AUDIENCE_URL", "SFDX_AUDIENCE_URL")
    }
    env.update(
        HOME=str(home),
        SF_DISABLE_TELEMETRY="true",
        SF_AUTOUPDATE_DISABLE="true",
        SF_USE_GENERIC_UNIX_KEYCHAIN="true",
        SFDX_USE_GENERIC_UNIX_KEYCHAIN="true",
    )

    done = subprocess.run(
        [
            "sf",
            "org",
            "login",
            "jwt",
            "--username",
            org.settings.username,
            "--jwt-key-file",
            str(key_file),
            "--client-id",
            org.settings.client_id,
            "--instance-url",
            server.base_url,
        ],
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )

    assert done.returncode == 0, done.stdout + done.stderr
    assert "Successfully authorized" in done.stdout
    assert org.login_count >= 1
