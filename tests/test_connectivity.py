"""The connectivity check, in the engine and as `sfjwt check-connection`.

Run against the demo org (plain http and HTTPS with its own test CA), loopback
proxies that relay or refuse, a name under .invalid and a closed port.
"""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from loopback_servers import (
    CA_SUBJECT,
    SERVER_SUBJECT,
    CaSignedTlsFiles,
    LoopbackServer,
    closed_port,
    forget_trust_from_environment,
    make_ca_signed_tls_files,
    relay_to,
    respond,
    respond_tunnel_refused,
)

from sfjwt_gui.cli.main import main
from sfjwt_gui.demo.rest import API_VERSIONS
from sfjwt_gui.demo.server import DemoServer
from sfjwt_gui.engine.connectivity import (
    CheckState,
    CheckStep,
    ConnectivityReport,
    check_connectivity,
)
from sfjwt_gui.engine.errors import SfjwtError
from sfjwt_gui.engine.profiles import Profile, ProfileStore

ALL_STEPS = ["resolve", "connect", "tls", "services_data"]


@pytest.fixture(autouse=True)
def no_trust_from_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    forget_trust_from_environment(monkeypatch)


@pytest.fixture(scope="module")
def corp_tls(tmp_path_factory: pytest.TempPathFactory) -> CaSignedTlsFiles:
    return make_ca_signed_tls_files(tmp_path_factory.mktemp("corp-tls"))


@pytest.fixture
def https_demo(demo: Any, corp_tls: CaSignedTlsFiles) -> Iterator[DemoServer]:
    server = DemoServer(
        demo.org, tls_cert=corp_tls.cert_path, tls_key=corp_tls.key_path
    )
    server.start()
    yield server
    server.stop()


def port_of(server: DemoServer) -> int:
    return int(server.base_url.rsplit(":", 1)[1])


def keys(report: ConnectivityReport) -> list[str]:
    return [step.key for step in report.steps]


def states(report: ConnectivityReport) -> list[str]:
    return [step.state.value for step in report.steps]


def facts(step: CheckStep) -> dict[str, str]:
    return dict(step.facts)


# ---- the engine --------------------------------------------------------------


def test_the_demo_org_over_http_passes_every_step_in_order(demo: Any) -> None:
    heard: list[CheckStep] = []

    report = check_connectivity(demo.base_url, on_step=heard.append)

    assert report.ok
    assert heard == report.steps  # each step was told as it finished
    assert keys(report) == ALL_STEPS
    assert states(report) == ["ok", "ok", "skipped", "ok"]
    assert all(step.elapsed_ms >= 0 for step in report.steps)
    versions = report.steps[-1]
    assert f"{len(API_VERSIONS)} API versions" in versions.message
    assert facts(versions)["API versions"] == f"{API_VERSIONS[0]} to {API_VERSIONS[-1]}"
    assert report.url == demo.base_url + "/services/data/"


def test_the_https_demo_org_with_its_ca_bundle_shows_the_handshake(
    https_demo: DemoServer, corp_tls: CaSignedTlsFiles
) -> None:
    report = check_connectivity(
        https_demo.base_url, ca_bundle=str(corp_tls.ca_cert_path)
    )

    assert report.ok, report.failed_step
    tls = facts(report.steps[2])
    assert tls["Protocol"].startswith("TLSv1.")
    assert tls["Cipher"]
    assert (tls["Certificate"], tls["Issued by"]) == (SERVER_SUBJECT, CA_SUBJECT)
    assert tls["Verified"] == f"yes, with the CA bundle {corp_tls.ca_cert_path}"


def test_an_untrusted_certificate_stops_the_check_and_is_named(
    https_demo: DemoServer,
) -> None:
    report = check_connectivity(https_demo.base_url)

    assert not report.ok
    assert keys(report) == ["resolve", "connect", "tls"]
    failed = report.steps[-1]
    assert failed.state is CheckState.FAILED
    assert "is not trusted by the system's trust store" in failed.message
    assert f"'{SERVER_SUBJECT}' issued by '{CA_SUBJECT}'" in failed.message
    assert facts(failed)["Verified"] == "no"
    assert "CA bundle" in failed.fix


def test_a_name_that_does_not_exist_fails_at_resolving() -> None:
    report = check_connectivity("https://sfjwt-check.invalid")

    assert keys(report) == ["resolve"]
    assert report.steps[0].state is CheckState.FAILED
    assert "sfjwt-check.invalid could not be resolved (DNS)" in report.steps[0].message
    assert "typing mistakes" in report.steps[0].fix


def test_a_closed_port_fails_at_connecting() -> None:
    port = closed_port()

    report = check_connectivity(f"http://127.0.0.1:{port}")

    assert keys(report) == ["resolve", "connect"]
    failed = report.steps[-1]
    assert (
        failed.message == f"Could not connect to 127.0.0.1:{port}: connection refused."
    )
    assert "check the port" in failed.fix


def test_through_a_proxy_the_tunnel_is_a_step_of_its_own(
    https_demo: DemoServer,
    corp_tls: CaSignedTlsFiles,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    with LoopbackServer(relay_to(port_of(https_demo))) as proxy:
        monkeypatch.setenv("HTTPS_PROXY", proxy.base_url)
        report = check_connectivity(
            https_demo.base_url, ca_bundle=str(corp_tls.ca_cert_path)
        )

    assert report.ok, report.failed_step
    assert report.proxy == proxy.base_url
    resolve, connect = report.steps[0], report.steps[1]
    assert resolve.title == "Resolve the proxy 127.0.0.1"
    assert connect.title == f"Connect to the proxy {proxy.base_url}"
    assert "opened a tunnel" in connect.message
    assert facts(connect)["Proxy answer"] == "HTTP/1.1 200 Connection established"
    # One tunnel for the handshake step, one for the GET, like the login's.
    tunnel = ("CONNECT", f"127.0.0.1:{port_of(https_demo)}")
    assert [(r.method, r.target) for r in proxy.received] == [tunnel, tunnel]


def test_plain_http_through_the_profile_proxy_is_fetched_by_the_proxy(
    demo: Any,
) -> None:
    with LoopbackServer(relay_to(port_of(demo.server))) as proxy:
        report = check_connectivity(demo.base_url, proxy=proxy.base_url)

    assert report.ok, report.failed_step
    assert "it fetches" in report.steps[1].message
    assert [(r.method, r.target) for r in proxy.received] == [
        ("GET", f"{demo.base_url}/services/data/")
    ]


@pytest.mark.parametrize(
    ("status", "words", "fix_words"),
    [
        (407, "wants a user name and password", "HTTPS_PROXY"),
        (403, "403 Forbidden", "allow the Salesforce hosts"),
    ],
)
def test_a_refusing_proxy_is_named_at_the_connect_step(
    https_demo: DemoServer, status: int, words: str, fix_words: str
) -> None:
    with LoopbackServer(respond_tunnel_refused(status)) as proxy:
        report = check_connectivity(https_demo.base_url, proxy=proxy.base_url)

    assert keys(report) == ["resolve", "connect"]
    failed = report.steps[-1]
    assert failed.message.startswith(f"The proxy {proxy.base_url} answered {status}")
    assert words in failed.message
    assert fix_words in failed.fix


def test_a_salesforce_host_behind_an_inspecting_proxy_is_called_out(
    https_demo: DemoServer,
) -> None:
    with LoopbackServer(relay_to(port_of(https_demo))) as proxy:
        report = check_connectivity(
            "https://login.salesforce.com", proxy=proxy.base_url
        )

    failed = report.steps[-1]
    assert failed.key == "tls"
    assert "most likely a proxy that inspects TLS traffic" in failed.message
    assert CA_SUBJECT in failed.fix


def test_a_page_that_is_not_salesforce_fails_the_last_step(tmp_path: Path) -> None:
    page = respond(200, b"<html>Welcome</html>", content_type="text/html")
    with LoopbackServer(page) as server:
        report = check_connectivity(server.base_url)

    failed = report.steps[-1]
    assert failed.key == "services_data"
    assert failed.state is CheckState.FAILED
    assert "text/html instead of Salesforce's list of API versions" in failed.message
    assert [r.target for r in server.received] == ["/services/data/"]
    assert "authorization" not in server.received[0].headers


def test_cancel_stops_between_steps(demo: Any) -> None:
    cancel = threading.Event()

    def cancel_after_first(step: CheckStep) -> None:
        cancel.set()

    report = check_connectivity(
        demo.base_url, cancel=cancel, on_step=cancel_after_first
    )

    assert report.cancelled
    assert not report.ok
    assert keys(report) == ["resolve"]


# ---- NO_PROXY with the environment's proxy ---------------------------------------


def dead_environment_proxy(monkeypatch: pytest.MonkeyPatch) -> str:
    """Point HTTPS_PROXY and HTTP_PROXY at a closed port: using them must fail."""
    dead = f"http://127.0.0.1:{closed_port()}"
    monkeypatch.setenv("HTTPS_PROXY", dead)
    monkeypatch.setenv("HTTP_PROXY", dead)
    return dead


def assert_went_direct(report: ConnectivityReport, host: str, port: int) -> None:
    assert report.ok, report.failed_step
    assert report.proxy == ""
    resolve, connect = report.steps[0], report.steps[1]
    assert resolve.title == f"Resolve {host}"
    assert connect.title == f"Connect to {host}:{port}"
    assert "Proxy answer" not in facts(connect)


@pytest.fixture
def demo_by_name(demo: Any) -> Iterator[DemoServer]:
    """The demo org at http://localhost:PORT, for NO_PROXY entries naming a host."""
    server = DemoServer(demo.org, host="localhost")
    server.start()
    yield server
    server.stop()


@pytest.mark.parametrize("no_proxy", ["127.0.0.1", "sfjwt.example, 127.0.0.0/8"])
def test_no_proxy_addresses_send_the_check_direct_past_the_environment_proxy(
    demo: Any, monkeypatch: pytest.MonkeyPatch, no_proxy: str
) -> None:
    dead_environment_proxy(monkeypatch)
    monkeypatch.setenv("NO_PROXY", no_proxy)

    report = check_connectivity(demo.base_url)

    assert_went_direct(report, "127.0.0.1", port_of(demo.server))


@pytest.mark.parametrize("entry", ["localhost", "localhost:{port}"])
def test_no_proxy_host_names_with_or_without_port_send_the_check_direct(
    demo_by_name: DemoServer, monkeypatch: pytest.MonkeyPatch, entry: str
) -> None:
    port = port_of(demo_by_name)
    dead_environment_proxy(monkeypatch)
    monkeypatch.setenv("no_proxy", entry.format(port=port))

    report = check_connectivity(demo_by_name.base_url)

    assert_went_direct(report, "localhost", port)


def test_no_proxy_sends_the_https_check_direct_with_its_handshake(
    https_demo: DemoServer,
    corp_tls: CaSignedTlsFiles,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    dead_environment_proxy(monkeypatch)
    monkeypatch.setenv("NO_PROXY", "127.0.0.1")

    report = check_connectivity(
        https_demo.base_url, ca_bundle=str(corp_tls.ca_cert_path)
    )

    assert_went_direct(report, "127.0.0.1", port_of(https_demo))
    assert facts(report.steps[2])["Certificate"] == SERVER_SUBJECT


@pytest.mark.parametrize("no_proxy", ["", "sfjwt.example"])
def test_without_no_proxy_for_the_host_the_dead_environment_proxy_is_named(
    demo: Any, monkeypatch: pytest.MonkeyPatch, no_proxy: str
) -> None:
    dead = dead_environment_proxy(monkeypatch)
    monkeypatch.setenv("NO_PROXY", no_proxy)

    report = check_connectivity(demo.base_url)

    assert report.proxy == dead
    assert keys(report) == ["resolve", "connect"]
    resolve, connect = report.steps
    assert resolve.title == "Resolve the proxy 127.0.0.1"
    assert connect.state is CheckState.FAILED
    assert connect.message == (
        f"Could not connect to the proxy {dead}: connection refused."
    )
    assert "proxy address" in connect.fix


SALESFORCE = "https://login.salesforce.com"


@pytest.mark.parametrize(
    ("login_url", "proxy", "ca_bundle", "code"),
    [
        ("http://login.salesforce.com", "", "", "login_url_insecure"),
        ("not a url", "", "", "login_url_invalid"),
        (SALESFORCE, "http://a:pw1234@p:1", "", "proxy_has_password"),
        (SALESFORCE, "socks5://p:1", "", "proxy_invalid"),
        (SALESFORCE, "", "/nowhere/ca.pem", "ca_bundle_missing"),
    ],
)
def test_unusable_inputs_are_refused_before_any_step(
    login_url: str, proxy: str, ca_bundle: str, code: str
) -> None:
    heard: list[CheckStep] = []

    with pytest.raises(SfjwtError) as refused:
        check_connectivity(
            login_url, proxy=proxy, ca_bundle=ca_bundle, on_step=heard.append
        )

    assert refused.value.code == code
    assert "pw1234" not in str(refused.value)
    assert heard == []


def test_the_report_is_plain_json(demo: Any) -> None:
    report = check_connectivity(demo.base_url)

    data = json.loads(json.dumps(report.to_dict()))

    assert data["ok"] is True
    assert [step["step"] for step in data["steps"]] == ALL_STEPS
    assert data["steps"][0]["facts"]["Addresses"] == "127.0.0.1"


# ---- the command line ------------------------------------------------------------


def test_cli_prints_every_step_and_exits_0(
    demo: Any, capsys: pytest.CaptureFixture[str]
) -> None:
    status = main(["check-connection", "--login-url", demo.base_url])

    out = capsys.readouterr().out
    assert status == 0
    for line in ("ok       Resolve 127.0.0.1", "skipped  TLS handshake"):
        assert line in out
    assert "ok       GET /services/data/" in out
    assert f"Reachable: {demo.base_url}/services/data/ answered" in out


def test_cli_json_and_exit_3_when_a_step_fails(
    capsys: pytest.CaptureFixture[str],
) -> None:
    port = closed_port()

    status = main(
        ["check-connection", "--login-url", f"http://127.0.0.1:{port}", "--json"]
    )

    data = json.loads(capsys.readouterr().out)
    assert status == 3
    assert data["ok"] is False
    assert [step["state"] for step in data["steps"]] == ["ok", "failed"]
    assert "connection refused" in data["steps"][1]["message"]


def test_cli_takes_login_url_proxy_and_bundle_from_a_profile(
    https_demo: DemoServer,
    corp_tls: CaSignedTlsFiles,
    capsys: pytest.CaptureFixture[str],
) -> None:
    with LoopbackServer(relay_to(port_of(https_demo))) as proxy:
        ProfileStore().save(
            Profile(
                name="Corp",
                login_url=https_demo.base_url,
                proxy=proxy.base_url,
                ca_bundle=str(corp_tls.ca_cert_path),
            )
        )
        status = main(["check-connection", "--profile", "Corp"])

    out = capsys.readouterr().out
    assert status == 0, out
    assert f"proxy: {proxy.base_url} (hosts in NO_PROXY still go direct)" in out
    assert "opened a tunnel" in out
    assert proxy.received


def test_cli_options_override_the_profile(
    demo: Any, capsys: pytest.CaptureFixture[str]
) -> None:
    with LoopbackServer(respond_tunnel_refused(403)) as proxy:
        ProfileStore().save(
            Profile(name="Demo", login_url=demo.base_url, proxy=proxy.base_url)
        )
        status = main(["check-connection", "--profile", "Demo", "--proxy", "direct"])

    assert status == 0
    assert proxy.received == []
    assert "proxy: none (direct" in capsys.readouterr().out


@pytest.mark.parametrize(("no_proxy", "status"), [("127.0.0.1", 0), ("", 3)])
def test_cli_honours_no_proxy_when_the_proxy_comes_from_the_environment(
    demo: Any,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
    no_proxy: str,
    status: int,
) -> None:
    dead = dead_environment_proxy(monkeypatch)
    monkeypatch.setenv("NO_PROXY", no_proxy)
    ProfileStore().save(Profile(name="Env", login_url=demo.base_url, proxy=""))

    exit_status = main(["check-connection", "--profile", "Env"])

    out = capsys.readouterr().out
    assert exit_status == status, out
    if no_proxy:
        # The proxy line must not leave the user expecting the proxy to be used.
        assert f"(proxy: {dead} (from HTTPS_PROXY; hosts in NO_PROXY go direct))" in out
        assert f"ok       Connect to 127.0.0.1:{port_of(demo.server)}" in out
        assert f"Reachable: {demo.base_url}/services/data/ answered" in out
    else:
        assert f"(proxy: {dead} (from HTTPS_PROXY))" in out
        assert f"failed   Connect to the proxy {dead}" in out
        assert f"Not reachable: stopped at Connect to the proxy {dead}." in out


def test_cli_refuses_a_proxy_password_without_repeating_it(
    capsys: pytest.CaptureFixture[str],
) -> None:
    status = main(
        [
            "check-connection",
            "--login-url",
            "https://login.salesforce.com",
            "--proxy",
            "http://ops:hunter2hunter2@proxy:3128",
        ]
    )

    captured = capsys.readouterr()
    assert status == 2
    assert "written with a password" in captured.err
    assert captured.out == ""
    assert "hunter2hunter2" not in captured.out + captured.err
