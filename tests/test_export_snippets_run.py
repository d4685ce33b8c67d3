"""Each exported command and snippet, run exactly as printed, logs in to the demo org.

curl and the requests + PyJWT script always run; simple-salesforce, Node.js,
Go and the Salesforce CLI run where their toolchain is installed (CI installs
jsforce and jsonwebtoken into .ci-cache/node-snippets) and skip otherwise.
simple-salesforce's own login only reaches Salesforce host names: a relay proxy
answers for them with the demo org over HTTPS, on this computer.
"""

from __future__ import annotations

import os
import shlex
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from cryptography.hazmat.primitives import serialization
from loopback_servers import (
    CaSignedTlsFiles,
    LoopbackServer,
    closed_port,
    forget_trust_from_environment,
    make_ca_signed_tls_files,
    relay_to,
)
from snippet_runs import (
    RUN_TIMEOUT_S,
    KeyPair,
    assert_logged_in,
    exported,
    node_with_modules,
    run,
    run_line,
    salesforce_hosts_on_loopback,
    write_key,
)

from sfjwt_gui.demo.settings import SANDBOX_AUDIENCE
from sfjwt_gui.engine.export_inputs import py_string
from sfjwt_gui.engine.exports import ExportFormat

SALESFORCE_HOSTS = (
    "login.salesforce.com",
    "test.salesforce.com",
    "acme.my.salesforce.com",
)

needs_openssl = pytest.mark.skipif(shutil.which("openssl") is None, reason="no openssl")
needs_bash = pytest.mark.skipif(shutil.which("bash") is None, reason="no bash")


@needs_bash
@needs_openssl
@pytest.mark.parametrize("form", ["pem", "locked-pem", "locked-der", "p12"])
def test_the_curl_script_signs_with_openssl_and_logs_in(
    demo: Any, key_pair: KeyPair, tmp_path: Path, form: str
) -> None:
    key_path = write_key(tmp_path / f"key.{form}", key_pair, form)
    script = exported(demo, ExportFormat.CURL, key_path)

    output = run(["bash", "-c", script])

    assert '"access_token"' in output
    assert f'"instance_url":"{demo.base_url}"' in output.replace(" ", "")
    assert demo.org.login_count == 1


@pytest.mark.parametrize("form", ["pem", "locked-pem", "locked-der", "p12"])
def test_the_requests_pyjwt_script_logs_in(
    demo: Any, key_pair: KeyPair, tmp_path: Path, form: str
) -> None:
    key_path = write_key(tmp_path / f"key.{form}", key_pair, form)
    script = tmp_path / "sf_jwt_login.py"
    script.write_text(exported(demo, ExportFormat.PYTHON, key_path))

    output = run([sys.executable, str(script)])

    assert_logged_in(output, demo)
    assert "access_token" not in output
    assert "!" not in output


@needs_bash
@needs_openssl
def test_exports_of_home_relative_paths_name_the_files_and_log_in(
    demo: Any,
    key_pair: KeyPair,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """``~`` is expanded by the app, so an export must not leave it to the shell."""
    home = tmp_path / "home"
    (home / "keys").mkdir(parents=True)
    key_path = write_key(home / "keys" / "server.key", key_pair, "locked-pem")
    bundle = home / "corp-ca.pem"
    bundle.write_bytes(key_pair[1].public_bytes(serialization.Encoding.PEM))
    monkeypatch.setenv("HOME", str(home))

    curl = exported(
        demo, ExportFormat.CURL, "~/keys/server.key", ca_bundle="~/corp-ca.pem"
    )
    python = exported(
        demo, ExportFormat.PYTHON, "~/keys/server.key", ca_bundle="~/corp-ca.pem"
    )
    script = tmp_path / "sf_jwt_login.py"
    script.write_text(python)

    assert f"-sign {shlex.quote(str(key_path))}" in curl
    assert f"--cacert {shlex.quote(str(bundle))}" in curl
    assert f"KEY_FILE = Path({py_string(str(key_path))})" in python
    assert f"CA_BUNDLE = {py_string(str(bundle))}" in python
    assert "~/" not in curl + python
    run(["bash", "-c", curl])
    assert_logged_in(run([sys.executable, str(script)]), demo)
    assert demo.org.login_count == 2


@pytest.mark.parametrize("setting", ["proxy", "direct", "proxy-but-no-proxy-host"])
def test_the_python_script_takes_the_profiles_proxy_over_the_environment(
    demo: Any, key_pair: KeyPair, tmp_path: Path, setting: str
) -> None:
    """HTTPS_PROXY names a dead proxy: only the profile's choice can log in."""
    demo_port = int(demo.base_url.rsplit(":", 1)[1])
    dead_proxy = f"http://127.0.0.1:{closed_port()}"
    no_proxy = "127.0.0.1" if setting == "proxy-but-no-proxy-host" else ""
    key_path = write_key(tmp_path / "key.pem", key_pair, "pem")
    script = tmp_path / "sf_jwt_login.py"

    with LoopbackServer(relay_to(demo_port)) as proxy:
        chosen = {"proxy": proxy.base_url, "direct": "direct"}.get(setting, dead_proxy)
        script.write_text(exported(demo, ExportFormat.PYTHON, key_path, proxy=chosen))

        output = run(
            [sys.executable, str(script)],
            HTTPS_PROXY=dead_proxy,
            HTTP_PROXY=dead_proxy,
            NO_PROXY=no_proxy,
        )

    assert_logged_in(output, demo)
    relayed = [demo.base_url + "/services/oauth2/token"] if setting == "proxy" else []
    assert [request.target for request in proxy.received] == relayed


def test_the_python_script_reports_a_refusal_and_fails(
    demo: Any, key_pair: KeyPair, tmp_path: Path
) -> None:
    key_path = write_key(tmp_path / "key.pem", key_pair, "pem")
    demo.org.set_scenario("audience_invalid")
    script = tmp_path / "sf_jwt_login.py"
    script.write_text(exported(demo, ExportFormat.PYTHON, key_path))

    done = subprocess.run(
        [sys.executable, str(script)],
        capture_output=True,
        text=True,
        check=False,
        timeout=RUN_TIMEOUT_S,
    )

    assert done.returncode == 1
    assert "Login refused: HTTP 400" in done.stderr
    assert "audience is invalid" in done.stderr


def test_the_simple_salesforce_script_hands_on_the_session(
    demo: Any, key_pair: KeyPair, tmp_path: Path
) -> None:
    """Against a host simple-salesforce cannot build, the script logs in itself.

    A stand-in simple_salesforce module records what the script hands it, so the
    login half runs for real even where simple-salesforce is not installed.
    """
    key_path = write_key(tmp_path / "key.pem", key_pair, "locked-pem")
    stand_in = tmp_path / "stand_in" / "simple_salesforce"
    stand_in.mkdir(parents=True)
    (stand_in / "__init__.py").write_text(
        "class Salesforce:\n"
        "    def __init__(self, instance_url, session_id):\n"
        "        assert session_id.startswith('00D') and '!' in session_id\n"
        "        print('simple-salesforce got', instance_url)\n"
    )
    script = tmp_path / "login_simple.py"
    script.write_text(exported(demo, ExportFormat.SIMPLE_SALESFORCE, key_path))

    output = run([sys.executable, str(script)], PYTHONPATH=str(stand_in.parent))

    assert f"simple-salesforce got {demo.base_url}" in output
    assert_logged_in(output, demo)


def test_the_simple_salesforce_script_with_the_real_library(
    demo: Any, key_pair: KeyPair, tmp_path: Path
) -> None:
    pytest.importorskip("simple_salesforce")
    key_path = write_key(tmp_path / "key.pem", key_pair, "pem")
    script = tmp_path / "login_simple.py"
    script.write_text(exported(demo, ExportFormat.SIMPLE_SALESFORCE, key_path))

    assert_logged_in(run([sys.executable, str(script)]), demo)


@pytest.fixture(scope="module")
def salesforce_tls(tmp_path_factory: pytest.TempPathFactory) -> CaSignedTlsFiles:
    """A test CA and a certificate for the Salesforce hosts, served by the demo org."""
    directory = tmp_path_factory.mktemp("salesforce-tls")
    return make_ca_signed_tls_files(directory, dns_names=SALESFORCE_HOSTS)


@pytest.mark.parametrize(
    ("host", "form"),
    [
        ("login.salesforce.com", "pem"),
        ("test.salesforce.com", "locked-pem"),
        ("acme.my.salesforce.com", "p12"),
    ],
)
def test_simple_salesforces_own_jwt_login_runs_as_printed(
    demo: Any,
    key_pair: KeyPair,
    tmp_path: Path,
    salesforce_tls: CaSignedTlsFiles,
    monkeypatch: pytest.MonkeyPatch,
    host: str,
    form: str,
) -> None:
    """On a Salesforce host the script leaves the login to simple-salesforce.

    The user's HTTPS_PROXY leads to a relay that answers for the Salesforce host
    with the demo org, whose certificate the script trusts through
    REQUESTS_CA_BUNDLE: the library's own requests reach the demo org unchanged.
    """
    pytest.importorskip(
        "simple_salesforce",
        reason="simple-salesforce is not installed: pip install simple-salesforce",
    )
    forget_trust_from_environment(monkeypatch)
    if host.startswith("test."):
        demo.org.settings.accepted_audiences = (SANDBOX_AUDIENCE,)
    key_path = write_key(tmp_path / f"key.{form}", key_pair, form)
    text = exported(
        demo, ExportFormat.SIMPLE_SALESFORCE, key_path, login_url=f"https://{host}"
    )
    script = tmp_path / "login_simple.py"
    script.write_text(text)

    with salesforce_hosts_on_loopback(demo.org, salesforce_tls) as (org, proxy):
        output = run(
            [sys.executable, str(script)],
            HTTPS_PROXY=proxy.base_url,
            REQUESTS_CA_BUNDLE=str(salesforce_tls.ca_cert_path),
        )

    assert "sf = Salesforce(\n    username=USERNAME," in text
    assert "import jwt" not in text
    assert output == f"Logged in: {org.base_url}\n"
    assert demo.org.login_count == 1
    assert [(r.method, r.target) for r in proxy.received] == [
        ("CONNECT", f"{host}:443")
    ]


@pytest.mark.slow
@pytest.mark.parametrize("form", ["locked-pem", "locked-der", "p12"])
def test_the_node_script_logs_in(
    demo: Any, key_pair: KeyPair, tmp_path: Path, form: str
) -> None:
    node_env = node_with_modules()
    if node_env is None:
        pytest.skip("node with jsforce and jsonwebtoken not available")
    if form == "p12" and shutil.which("openssl") is None:
        pytest.skip("no openssl")
    key_path = write_key(tmp_path / f"key.{form}", key_pair, form)
    text = exported(demo, ExportFormat.NODE, key_path)
    (tmp_path / "sf-jwt-login.js").write_text(text)

    output = run(["bash", "-c", run_line(text, "// Run: ")], cwd=tmp_path, **node_env)

    assert_logged_in(output, demo)


@pytest.mark.slow
@pytest.mark.skipif(shutil.which("go") is None, reason="Go not installed")
@pytest.mark.parametrize("form", ["pem", "locked-pem"])
def test_the_go_program_logs_in(
    demo: Any, key_pair: KeyPair, tmp_path: Path, form: str
) -> None:
    key_path = write_key(tmp_path / f"key.{form}", key_pair, form)
    text = exported(demo, ExportFormat.GO, key_path)
    module = tmp_path / "sfjwtlogin"
    module.mkdir()
    (module / "main.go").write_text(text)
    go_env = {"GOFLAGS": "-mod=mod", "GO111MODULE": "on"}
    run(["go", "mod", "init", "sfjwtlogin"], cwd=module, **go_env)
    fetched = subprocess.run(
        ["go", "get", "github.com/golang-jwt/jwt/v5"],
        cwd=module,
        capture_output=True,
        text=True,
        check=False,
        env={**os.environ, **go_env},
        timeout=RUN_TIMEOUT_S,
    )
    if fetched.returncode != 0:
        pytest.skip("golang-jwt v5 cannot be fetched here (no Go module proxy)")

    output = run(["bash", "-c", run_line(text, "// Run: ")], cwd=module, **go_env)

    assert_logged_in(output, demo)


@pytest.mark.slow
@pytest.mark.skipif(shutil.which("sf") is None, reason="Salesforce CLI not on PATH")
@needs_openssl
def test_the_sf_command_logs_in(demo: Any, key_pair: KeyPair, tmp_path: Path) -> None:
    key_path = write_key(tmp_path / "key.pem", key_pair, "locked-pem")
    script = exported(demo, ExportFormat.SF, key_path)
    home = tmp_path / "home"
    home.mkdir()

    output = run(
        ["bash", "-c", script],
        HOME=str(home),
        SF_DISABLE_TELEMETRY="true",
        SF_AUTOUPDATE_DISABLE="true",
        SF_USE_GENERIC_UNIX_KEYCHAIN="true",
    )

    assert "Successfully authorized" in output
    assert demo.org.login_count >= 1
