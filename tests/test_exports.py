"""Hand-off exports: what each format says, and that none leaks a secret."""

from __future__ import annotations

import importlib.metadata
import json
import sys
from pathlib import Path
from typing import Any

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa

from sfjwt_gui import __version__
from sfjwt_gui.engine.errors import UsageError
from sfjwt_gui.engine.export_inputs import (
    ExportInputs,
    KeyForm,
    inputs_from_settings,
    py_string,
)
from sfjwt_gui.engine.exports import (
    FORMATS,
    ExportFormat,
    curl_script,
    holds_secret,
    render_export,
    sf_command,
)
from sfjwt_gui.engine.keyfiles import identify_file
from sfjwt_gui.engine.keys import private_key_pem
from sfjwt_gui.engine.login import LoginResult, LoginSettings, run_login
from sfjwt_gui.engine.snippets import python_requests, python_simple_salesforce
from sfjwt_gui.engine.snippets_node_go import go_golang_jwt, node_jsforce
from sfjwt_gui.engine.support_report import (
    build_report,
    environment_info,
    report_markdown,
)

KeyPair = tuple[rsa.RSAPrivateKey, x509.Certificate]
PASSPHRASE = "Zq9-unguessable-passphrase"


def inputs(**changes: Any) -> ExportInputs:
    values: dict[str, Any] = {
        "login_url": "https://acme.my.salesforce.com",
        "token_url": "https://acme.my.salesforce.com/services/oauth2/token",
        "audience": "https://login.salesforce.com",
        "client_id": "3MVG9example",
        "username": "it@acme.example",
        "key_path": "/keys/server.key",
        "login_host": "acme.my.salesforce.com",
        "profile_name": "Acme Prod",
    }
    values.update(changes)
    return ExportInputs(**values)


def login_settings(**changes: str) -> LoginSettings:
    """Settings for a made-up org, changed by ``changes``."""
    values: dict[str, Any] = {
        "login_url": "https://login.salesforce.com",
        "client_id": "3MVG9x",
        "username": "u@x.example",
        "key_path": "/k.pem",
    }
    values.update(changes)
    return LoginSettings(**values)


@pytest.fixture
def locked_key(tmp_path: Path, key_pair: KeyPair) -> Path:
    path = tmp_path / "locked.key"
    path.write_bytes(private_key_pem(key_pair[0], PASSPHRASE.encode()))
    return path


# -- what each format says -----------------------------------------------------


def test_sf_command_names_app_key_user_and_login_url_with_an_alias() -> None:
    text = sf_command(inputs())

    assert "sf org login jwt \\\n" in text
    assert "--client-id 3MVG9example" in text
    assert "--jwt-key-file /keys/server.key" in text
    assert "--username it@acme.example" in text
    assert "--instance-url https://acme.my.salesforce.com" in text
    assert "--alias acme-prod" in text
    # The CLI picks https://login.salesforce.com itself for a production host.
    assert "SF_AUDIENCE_URL" not in text


def test_sf_command_sets_the_audience_the_cli_would_not_choose() -> None:
    my_domain = "https://acme.my.salesforce.com"
    text = sf_command(inputs(audience=my_domain, ca_bundle="/etc/corp.pem"))

    assert f"SF_AUDIENCE_URL={my_domain} NODE_EXTRA_CA_CERTS=/etc/corp.pem" in text
    sandbox = sf_command(
        inputs(audience="https://test.salesforce.com", is_sandbox=True)
    )
    assert "SF_AUDIENCE_URL" not in sandbox


def test_sf_command_decrypts_a_locked_key_into_a_private_temporary_file() -> None:
    text = sf_command(inputs(key_encrypted=True))

    assert "umask 077 && mktemp" in text
    assert "trap 'rm -f \"$SFJWT_KEY_FILE\"' EXIT" in text
    assert "-passin env:SFJWT_KEY_PASSPHRASE" in text
    assert '--jwt-key-file "$SFJWT_KEY_FILE"' in text


def test_curl_script_signs_a_fresh_assertion_and_quotes_every_value() -> None:
    text = curl_script(inputs(username="o'brien@acme.example", lifetime_s=120))

    assert "openssl dgst -sha256 -sign /keys/server.key" in text
    assert "$(date +%s) + 120" in text
    assert "'\"'\"'" in text  # the quote in the username survives the shell
    assert '--data-urlencode "assertion=$SFJWT_ASSERTION"' in text
    assert "https://acme.my.salesforce.com/services/oauth2/token" in text


def test_curl_script_follows_the_profile_network_settings() -> None:
    assert "--noproxy '*'" in curl_script(inputs(proxy="direct"))
    proxied = curl_script(inputs(proxy="http://user:pw@proxy.corp:3128"))
    assert "--proxy http://user@proxy.corp:3128" in proxied
    assert "pw@" not in proxied
    assert "--cacert /etc/corp.pem" in curl_script(inputs(ca_bundle="/etc/corp.pem"))


def test_python_snippet_writes_the_values_in_and_reads_secrets_from_outside() -> None:
    text = python_requests(inputs(key_encrypted=True, username='say "hi"@x.example'))

    assert 'TOKEN_URL = "https://acme.my.salesforce.com/services/oauth2/token"' in text
    assert 'AUDIENCE = "https://login.salesforce.com"' in text
    assert 'USERNAME = "say \\"hi\\"@x.example"' in text
    assert 'os.environ["SFJWT_KEY_PASSPHRASE"]' in text
    assert 'algorithm="RS256"' in text
    compile(text, "sf_jwt_login.py", "exec")


def test_python_snippet_follows_the_profile_network_settings() -> None:
    direct = python_requests(inputs(proxy="direct"))
    proxied = python_requests(inputs(proxy="http://me:pw@proxy.corp:3128"))
    trusted = python_requests(inputs(ca_bundle="/etc/corp.pem"))

    assert "session.trust_env = False" in direct
    assert 'PROXY = "http://me@proxy.corp:3128"' in proxied
    # Given with the request: requests lets HTTPS_PROXY win over session.proxies.
    assert "proxies=proxies" in proxied
    assert "session.proxies" not in proxied
    assert "pw@" not in proxied
    assert 'CA_BUNDLE = "/etc/corp.pem"' in trusted
    assert "verify=CA_BUNDLE" in trusted
    for text in (direct, proxied, trusted):
        compile(text, "sf_jwt_login.py", "exec")


def test_python_string_literals_round_trip() -> None:
    for text in ["plain", 'qu"ote', "back\\slash", "line\nbreak", "é ü 😀", "it's"]:
        assert eval(py_string(text)) == text  # noqa: S307 (our own literal)


def test_simple_salesforce_uses_its_own_jwt_login_for_salesforce_hosts() -> None:
    text = python_simple_salesforce(inputs())

    assert 'domain="login"' in text
    assert 'instance_url="acme.my"' in text
    assert '"simple-salesforce>=1.12.6"' in text
    assert "privatekey_file=str(KEY_FILE)" in text
    compile(text, "login.py", "exec")


def test_simple_salesforce_decrypts_a_locked_key_before_handing_it_over() -> None:
    text = python_simple_salesforce(
        inputs(login_url="https://login.salesforce.com", key_encrypted=True)
    )

    assert "privatekey=private_key_pem()" in text
    assert "instance_url" not in text
    compile(text, "login.py", "exec")


def test_simple_salesforce_signs_itself_for_hosts_it_cannot_build() -> None:
    site = "https://acme.my.site.com/partners"
    text = python_simple_salesforce(inputs(login_url=site, audience=site))

    assert "Salesforce(\n    instance_url=" in text
    assert "jwt.encode(" in text


def test_node_snippet_reads_der_keys_with_their_type_and_passphrase() -> None:
    text = node_jsforce(
        inputs(key_form=KeyForm.DER, key_encrypted=True, der_type="pkcs8")
    )

    assert 'format: "der"' in text
    assert 'type: "pkcs8"' in text
    assert "passphrase: process.env.SFJWT_KEY_PASSPHRASE" in text
    assert 'const LOGIN_URL = "https://acme.my.salesforce.com";' in text
    assert "conn.authorize(" in text


def test_node_and_go_read_a_pkcs12_key_converted_by_openssl() -> None:
    for text in (
        node_jsforce(inputs(key_form=KeyForm.PKCS12, key_encrypted=True)),
        go_golang_jwt(inputs(key_form=KeyForm.PKCS12, key_encrypted=True)),
    ):
        assert 'SFJWT_PRIVATE_KEY="$(openssl pkcs12 -in /keys/server.key' in text
        assert "-passin env:SFJWT_KEY_PASSPHRASE | openssl pkey)" in text


def test_go_snippet_uses_golang_jwt_v5_with_a_single_string_audience() -> None:
    text = go_golang_jwt(inputs(timeout_s=2.5))

    assert '"github.com/golang-jwt/jwt/v5"' in text
    assert "dgrijalva" not in text
    assert '"aud": audience,' in text
    assert "jwt.MapClaims{" in text
    assert "RegisteredClaims" not in text
    assert "Timeout: 2500 * time.Millisecond" in text


def test_exports_need_the_app_the_user_and_the_key() -> None:
    settings = login_settings(client_id="", username="u", key_path="")

    with pytest.raises(UsageError, match="consumer key and private key file are empty"):
        inputs_from_settings(settings)


def test_code_exports_name_home_relative_files_by_their_absolute_path(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The app expands ``~``; a quoted shell word or a string in code would not."""
    monkeypatch.setenv("HOME", str(tmp_path))
    settings = login_settings(key_path="~/keys/server.key", ca_bundle="~/corp.pem")

    exported = inputs_from_settings(settings)
    texts = {
        item: render_export(item, settings)
        for item in ExportFormat
        if not FORMATS[item].is_report
    }

    assert exported.key_path == str(tmp_path / "keys" / "server.key")
    assert exported.ca_bundle == str(tmp_path / "corp.pem")
    for item, text in texts.items():
        assert exported.key_path in text, item
        assert "~/" not in text, item


def test_export_inputs_take_the_key_form_from_the_file(locked_key: Path) -> None:
    settings = login_settings(
        login_url="login.salesforce.com", key_path=str(locked_key)
    )

    found = inputs_from_settings(settings, key_identity=identify_file(locked_key))

    assert found.key_form is KeyForm.PEM
    assert found.key_encrypted
    assert found.token_url == "https://login.salesforce.com/services/oauth2/token"
    assert found.audience == "https://login.salesforce.com"


def test_curl_with_the_assertion_needs_a_signed_one() -> None:
    settings = login_settings()

    with pytest.raises(UsageError, match="no tested assertion"):
        render_export(
            ExportFormat.CURL, settings, LoginResult(), include_assertion=True
        )


# -- no secret survives ---------------------------------------------------------


@pytest.fixture
def tested(demo: Any, locked_key: Path) -> tuple[LoginSettings, LoginResult]:
    settings = demo.settings(key_path=str(locked_key), passphrase=PASSPHRASE.encode())
    result = run_login(settings)
    assert result.ok
    assert result.token is not None
    return settings, result


def secrets_of(result: LoginResult, key_pair: KeyPair) -> dict[str, str]:
    assert result.token is not None
    pem_lines = (
        key_pair[0]
        .private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
        .decode()
        .splitlines()[1:-1]
    )
    secrets = {f"key line {n}": line for n, line in enumerate(pem_lines)}
    secrets["passphrase"] = PASSPHRASE
    secrets["access token"] = result.token.access_token
    secrets["access token's secret part"] = result.token.access_token.split("!")[1]
    secrets["assertion signature"] = result.assertion.rpartition(".")[2]
    return secrets


@pytest.mark.parametrize("export_format", list(ExportFormat))
def test_no_export_holds_a_secret(
    tested: tuple[LoginSettings, LoginResult],
    key_pair: KeyPair,
    locked_key: Path,
    export_format: ExportFormat,
) -> None:
    settings, result = tested
    text = render_export(
        export_format,
        settings,
        result,
        profile_name="Demo",
        key_identity=identify_file(locked_key),
    )

    leaked = [
        name for name, secret in secrets_of(result, key_pair).items() if secret in text
    ]
    assert leaked == []
    assert not holds_secret(export_format, include_assertion=False)


def test_only_curl_with_the_assertion_holds_one_and_says_so(
    tested: tuple[LoginSettings, LoginResult], key_pair: KeyPair
) -> None:
    settings, result = tested
    text = render_export(ExportFormat.CURL, settings, result, include_assertion=True)

    assert result.assertion in text
    assert "# SECRET: anyone holding this command can log in" in text
    assert "expires at 20" in text
    assert holds_secret(ExportFormat.CURL, include_assertion=True)
    others = secrets_of(result, key_pair)
    del others["assertion signature"]
    assert [name for name, secret in others.items() if secret in text] == []


def test_the_report_scrubs_a_secret_wherever_it_turns_up(
    tested: tuple[LoginSettings, LoginResult], key_pair: KeyPair
) -> None:
    settings, result = tested
    assert result.token is not None
    # A careless note holding the token and the passphrase must not carry them out.
    settings.login_url = f"{settings.login_url}?sid={result.token.access_token}"
    settings.ca_bundle = f"/etc/ssl/{PASSPHRASE}.pem"

    text = report_markdown(build_report(settings, result))

    assert [name for name, s in secrets_of(result, key_pair).items() if s in text] == []
    assert "<hidden>" in text


# -- reports ----------------------------------------------------------------------


def test_report_json_holds_inputs_claims_request_answer_and_versions(
    tested: tuple[LoginSettings, LoginResult], locked_key: Path
) -> None:
    settings, result = tested
    text = render_export(
        ExportFormat.REPORT_JSON,
        settings,
        result,
        profile_name="Demo",
        key_identity=identify_file(locked_key),
    )
    report = json.loads(text)

    assert report["inputs"]["profile"] == "Demo"
    assert report["inputs"]["username"] == settings.username
    assert "encrypted" in report["inputs"]["key_file_holds"]
    data = report["result"]
    assert data["claims"]["sub"] == settings.username
    assert data["header"]["alg"] == "RS256"
    assert "UTC" in data["claims_readable"]["exp"]
    assert "hidden" in data["request"]["form"]["assertion"]
    assert "hidden" in data["response"]["body"]["access_token"]
    assert data["response"]["status"] == 200
    assert "token_request" in data["timings_ms"]
    environment = report["environment"]
    assert environment["App"] == f"sfjwt-gui {__version__}"
    for name in ("OS", "Python", "Qt", "cryptography", "requests", "PyJWT"):
        assert environment[name]


def test_report_names_the_installed_qt_without_loading_it(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """As `sfjwt export` makes it: PySide6 is installed but never imported."""
    monkeypatch.delitem(sys.modules, "PySide6.QtCore", raising=False)
    pyside = importlib.metadata.version("PySide6-Essentials")
    qt = ".".join(pyside.split(".")[:3])

    shown = environment_info()["Qt"]

    assert shown == f"Qt {qt}, PySide6 {pyside} (installed, not loaded)"
    assert "PySide6.QtCore" not in sys.modules


def test_report_says_when_qt_is_not_installed(monkeypatch: pytest.MonkeyPatch) -> None:
    def missing(name: str) -> str:
        raise importlib.metadata.PackageNotFoundError(name)

    monkeypatch.delitem(sys.modules, "PySide6.QtCore", raising=False)
    monkeypatch.setattr(importlib.metadata, "version", missing)

    assert environment_info()["Qt"] == "not installed"


def test_report_markdown_lists_findings_with_causes_and_fix(demo: Any) -> None:
    demo.org.set_scenario("audience_invalid")
    settings = demo.settings()
    result = run_login(settings)

    text = render_export(ExportFormat.REPORT_MD, settings, result)

    assert text.startswith("# sfjwt-gui support report\n")
    assert "## Findings" in text
    assert "Likely causes, most likely first:" in text
    assert "Fix: " in text
    assert "audience is invalid" in text
    assert "| Audience | https://login.salesforce.com |" in text
    assert "## Environment" in text
