"""Each exported command and snippet, run exactly as printed, logs in to the demo org.

curl and the requests + PyJWT script always run; simple-salesforce, Node.js,
Go and the Salesforce CLI run where their toolchain is installed (CI installs
jsforce and jsonwebtoken into .ci-cache/node-snippets) and skip otherwise.
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
from cryptography import x509
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from cryptography.hazmat.primitives.serialization import pkcs12
from loopback_servers import LoopbackServer, closed_port, relay_to

from sfjwt_gui.engine.export_inputs import py_string
from sfjwt_gui.engine.exports import ExportFormat, render_export
from sfjwt_gui.engine.keyfiles import identify_file

KeyPair = tuple[rsa.RSAPrivateKey, x509.Certificate]
PASSPHRASE = "run the snippet, 7 words long"
NODE_MODULES = (
    Path(__file__).parent.parent / ".ci-cache" / "node-snippets" / "node_modules"
)
RUN_TIMEOUT_S = 120

needs_openssl = pytest.mark.skipif(shutil.which("openssl") is None, reason="no openssl")
needs_bash = pytest.mark.skipif(shutil.which("bash") is None, reason="no bash")


def write_key(path: Path, key_pair: KeyPair, form: str) -> Path:
    """The test key in one of the forms a user may have: pem, locked-pem, der, p12."""
    key, cert = key_pair
    locked = serialization.BestAvailableEncryption(PASSPHRASE.encode())
    if form == "pem":
        data = key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
    elif form == "locked-pem":
        data = key.private_bytes(
            serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, locked
        )
    elif form == "locked-der":
        data = key.private_bytes(
            serialization.Encoding.DER, serialization.PrivateFormat.PKCS8, locked
        )
    else:
        data = pkcs12.serialize_key_and_certificates(b"sfjwt", key, cert, None, locked)
    path.write_bytes(data)
    return path


def exported(
    demo: Any, export_format: ExportFormat, key_path: Path | str, **changes: str
) -> str:
    """The export of the demo login with this key file, ``changes`` applied."""
    settings = demo.settings(key_path=str(key_path), cert_path="", **changes)
    return render_export(
        export_format,
        settings,
        profile_name="Demo",
        key_identity=identify_file(Path(key_path).expanduser()),
    )


def run(command: list[str], *, cwd: Path | None = None, **env: str) -> str:
    """Run like a user's shell: the passphrase in the environment, nothing else."""
    done = subprocess.run(
        command,
        capture_output=True,
        text=True,
        check=False,
        cwd=cwd,
        env={**os.environ, "SFJWT_KEY_PASSPHRASE": PASSPHRASE, **env},
        timeout=RUN_TIMEOUT_S,
    )
    assert done.returncode == 0, done.stdout + done.stderr
    return done.stdout


def assert_logged_in(output: str, demo: Any) -> None:
    user_id = demo.org.settings.user_id
    assert f"Logged in: {demo.base_url} as user {user_id}" in output
    assert demo.org.login_count >= 1


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


def node_with_modules() -> dict[str, str] | None:
    """NODE_PATH under which jsforce and jsonwebtoken resolve; None if they do not."""
    node = shutil.which("node")
    if node is None:
        return None
    env = {**os.environ}
    if NODE_MODULES.is_dir():
        env["NODE_PATH"] = str(NODE_MODULES)
    probe = subprocess.run(
        [node, "-e", "require('jsforce'); require('jsonwebtoken')"],
        capture_output=True,
        check=False,
        env=env,
        timeout=RUN_TIMEOUT_S,
    )
    return {"NODE_PATH": env.get("NODE_PATH", "")} if probe.returncode == 0 else None


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


def run_line(text: str, prefix: str) -> str:
    """The command line the snippet's header says to run it with."""
    lines = [line for line in text.splitlines() if line.startswith(prefix)]
    assert len(lines) == 1, text
    return lines[0][len(prefix) :]


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
