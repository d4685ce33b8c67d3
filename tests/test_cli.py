"""The `sfjwt` command line: exit statuses, JSON, human output, profiles, keys."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from sfjwt_gui.cli.main import main
from sfjwt_gui.engine.profiles import ProfileStore


def sfjwt(
    *args: str, env: dict[str, str] | None = None
) -> subprocess.CompletedProcess[str]:
    """Run the command line as a separate process, as a user or script would."""
    return subprocess.run(
        [sys.executable, "-m", "sfjwt_gui.cli.main", *args],
        capture_output=True,
        text=True,
        check=False,
        env={**os.environ, **(env or {})},
        timeout=60,
    )


def login_args(demo: Any, *extra: str) -> list[str]:
    return [
        "login",
        "--login-url",
        demo.base_url,
        "--client-id",
        demo.client_id,
        "--username",
        demo.username,
        "--key",
        str(demo.key_path),
        "--cert",
        str(demo.cert_path),
        "--timeout",
        "5",
        *extra,
    ]


def add_acme_profile(demo: Any, *extra: str) -> subprocess.CompletedProcess[str]:
    """`sfjwt profiles add Acme` with the demo org's login options."""
    return sfjwt(
        "profiles", "add", "Acme",
        "--login-url", demo.base_url,
        "--client-id", demo.client_id,
        "--username", demo.username,
        "--key", str(demo.key_path),
        *extra,
    )  # fmt: skip


def test_login_json_success(demo: Any) -> None:
    done = sfjwt(*login_args(demo, "--json", "--verify"))

    assert done.returncode == 0, done.stderr
    data = json.loads(done.stdout)
    assert data["ok"] is True
    assert data["findings"] == []
    assert data["header"]["alg"] == "RS256"
    assert data["claims"]["sub"] == demo.username
    assert data["request"]["url"] == f"{demo.base_url}/services/oauth2/token"
    assert data["response"]["status"] == 200
    assert "Content-Type" in data["response"]["headers"]
    token = data["token"]
    assert token["instance_url"] == demo.base_url
    assert token["org_id"].startswith("00D")
    assert token["user_id"].startswith("005")
    assert "hidden" in token["access_token"]
    assert "hidden" in data["response"]["body"]["access_token"]
    assert data["verification"][0]["ok"] is True


def test_login_show_secrets_prints_the_token(demo: Any) -> None:
    done = sfjwt(*login_args(demo, "--json", "--show-secrets"))

    token = json.loads(done.stdout)["token"]["access_token"]
    assert "hidden" not in token
    assert token.startswith("00D")


def test_refused_login_exits_1_with_the_diagnosis(demo: Any) -> None:
    demo.org.set_scenario("user_not_approved")

    done = sfjwt(*login_args(demo, "--json"))

    assert done.returncode == 1
    finding = json.loads(done.stdout)["findings"][0]
    assert finding["code"] == "user_not_approved"
    assert finding["severity"] == "error"
    assert finding["title"]
    assert "Permitted Users" in finding["fix"]


def test_network_failure_exits_3(demo: Any) -> None:
    demo.org.set_scenario("html_answer")

    done = sfjwt(*login_args(demo, "--json"))

    assert done.returncode == 3
    assert json.loads(done.stdout)["findings"][0]["code"] == "not_json"


def test_preflight_error_exits_4_and_sends_nothing(demo: Any) -> None:
    before = demo.org.login_count

    done = sfjwt(
        *login_args(demo, "--json"), "--login-url", "https://x.lightning.force.com"
    )

    assert done.returncode == 4
    assert json.loads(done.stdout)["findings"][0]["code"] == "login_url_lightning"
    assert demo.org.login_count == before


def test_missing_options_exit_2_with_a_usage_message() -> None:
    done = sfjwt("login", "--client-id", "x")

    assert done.returncode == 2
    assert "--login-url" in done.stderr
    assert "Traceback" not in done.stderr


def test_unknown_command_exits_2() -> None:
    assert sfjwt("frobnicate").returncode == 2


def test_human_output_is_plain_when_not_a_terminal(demo: Any) -> None:
    done = sfjwt(*login_args(demo))

    assert done.returncode == 0
    assert "Logged in as integration@sfjwt-demo.example" in done.stdout
    assert "\033[" not in done.stdout
    assert "hidden" in done.stdout


def test_human_failure_lists_causes_and_fix(demo: Any) -> None:
    demo.org.set_scenario("audience_invalid")

    done = sfjwt(*login_args(demo))

    assert done.returncode == 1
    assert "Login failed." in done.stdout
    assert "Likely causes" in done.stdout
    assert "Fix:" in done.stdout
    assert "audience_invalid" in done.stdout


def without_cert(args: list[str]) -> list[str]:
    at = args.index("--cert")
    return args[:at] + args[at + 2 :]


def test_human_output_lists_the_checks_before_sending_first(demo: Any) -> None:
    demo.org.set_scenario("user_not_approved")

    done = sfjwt(*without_cert(login_args(demo)))

    assert done.returncode == 1
    out = done.stdout
    before, answer = "Checked before sending:", "The request and its answer:"
    assert out.index(before) < out.index("[cert_missing]") < out.index(answer)
    assert out.index(answer) < out.index("[user_not_approved]")


def test_login_json_adds_the_checks_before_sending(demo: Any) -> None:
    demo.org.set_scenario("user_not_approved")

    done = sfjwt(*without_cert(login_args(demo, "--json")))

    data = json.loads(done.stdout)
    assert [item["code"] for item in data["findings"]] == [
        "user_not_approved",
        "cert_missing",
    ]
    assert [item["code"] for item in data["preflight_findings"]] == ["cert_missing"]


def test_encrypted_key_with_passphrase_from_environment(
    demo: Any, tmp_path: Path
) -> None:
    keys = tmp_path / "keys"
    made = sfjwt(
        "keygen",
        "--out",
        str(keys),
        "--passphrase-env",
        "KEYPASS",
        env={"KEYPASS": "correct horse"},
    )
    assert made.returncode == 0, made.stderr
    demo.org.register_certificate(_load_cert(keys / "server.crt"))
    args = login_args(demo, "--json", "--passphrase-env", "KEYPASS")
    args[args.index("--key") + 1] = str(keys / "server.key")
    args[args.index("--cert") + 1] = str(keys / "server.crt")

    right = sfjwt(*args, env={"KEYPASS": "correct horse"})
    wrong = sfjwt(*args, env={"KEYPASS": "wrong"})

    assert right.returncode == 0, right.stdout
    assert wrong.returncode == 4
    assert json.loads(wrong.stdout)["findings"][0]["code"] == "key_passphrase_wrong"
    assert "correct horse" not in right.stdout + right.stderr + wrong.stdout


def _load_cert(path: Path) -> Any:
    from cryptography import x509

    return x509.load_pem_x509_certificate(path.read_bytes())


def test_keygen_writes_files_and_refuses_to_overwrite(tmp_path: Path) -> None:
    first = sfjwt("keygen", "--out", str(tmp_path), "--cn", "Acme Integration")
    again = sfjwt("keygen", "--out", str(tmp_path))
    forced = sfjwt("keygen", "--out", str(tmp_path), "--force")

    assert first.returncode == 0
    assert "Acme Integration" in first.stdout
    assert "SHA-256" in first.stdout
    assert (tmp_path / "server.key").stat().st_mode & 0o777 == 0o600
    assert again.returncode == 2
    assert "server" in again.stderr
    assert forced.returncode == 0


def test_inspect_says_what_each_file_is_and_whether_they_match(
    demo: Any, tmp_path: Path
) -> None:
    junk = tmp_path / "notes.txt"
    junk.write_text("hello")

    done = sfjwt(
        "inspect", str(demo.key_path), str(demo.cert_path), str(junk), "--json"
    )

    data = json.loads(done.stdout)
    kinds = [entry.get("kind") for entry in data["files"]]
    assert kinds == ["private_key", "certificate", "unknown"]
    assert data["files"][1]["certificate"]["sha256"].count(":") == 31
    assert data["matches"] == [
        {"key": str(demo.key_path), "certificate": str(demo.cert_path), "match": True}
    ]


def test_inspect_reports_a_mismatch(demo: Any, tmp_path: Path) -> None:
    keys = tmp_path / "other"
    sfjwt("keygen", "--out", str(keys))

    done = sfjwt("inspect", str(keys / "server.key"), str(demo.cert_path))

    assert done.returncode == 1
    assert "do NOT belong together" in done.stdout


def test_decode_reads_stdin_and_verifies(demo: Any) -> None:
    from sfjwt_gui.engine.login import run_login

    assertion = run_login(demo.settings()).assertion
    done = subprocess.run(
        [
            sys.executable,
            "-m",
            "sfjwt_gui.cli.main",
            "decode",
            "-",
            "--json",
            "--cert",
            str(demo.cert_path),
        ],
        input=assertion,
        capture_output=True,
        text=True,
        check=False,
    )

    assert done.returncode == 0, done.stderr
    data = json.loads(done.stdout)
    assert data["claims"]["iss"] == demo.client_id
    assert data["signature_verified"] is True


def test_decode_of_garbage_explains(capsys: pytest.CaptureFixture[str]) -> None:
    status = main(["decode", "not-a-jwt"])

    assert status == 2
    assert "three" in capsys.readouterr().err.lower()


def test_profiles_round_trip_and_login_by_profile(demo: Any, tmp_path: Path) -> None:
    added = add_acme_profile(demo, "--cert", str(demo.cert_path))
    assert added.returncode == 0, added.stderr

    logged = sfjwt("login", "--profile", "Acme", "--json")
    listed = json.loads(sfjwt("profiles", "list", "--json").stdout)
    exported = sfjwt("profiles", "export", "Acme", str(tmp_path / "acme.json"))
    deleted = sfjwt("profiles", "delete", "Acme")
    imported = sfjwt("profiles", "import", str(tmp_path / "acme.json"))

    assert logged.returncode == 0, logged.stdout
    [profile] = listed["profiles"]
    assert profile["name"] == "Acme"
    assert profile["last_test"]["ok"] is True
    assert exported.returncode == deleted.returncode == imported.returncode == 0
    assert ProfileStore().get("Acme").client_id == demo.client_id


def test_profile_files_hold_no_secret(demo: Any, isolated_config: Path) -> None:
    add_acme_profile(demo)
    done = sfjwt("login", "--profile", "Acme", "--json", "--show-secrets")
    token = json.loads(done.stdout)["token"]["access_token"]

    for path in isolated_config.rglob("*"):
        if path.is_file():
            data = path.read_bytes()
            assert token.encode() not in data, path
            assert b"PRIVATE KEY" not in data, path


def test_unknown_profile_exits_2() -> None:
    done = sfjwt("login", "--profile", "Nope")

    assert done.returncode == 2
    assert "Nope" in done.stderr


def test_demo_lists_its_scenarios() -> None:
    done = sfjwt("demo", "--list-scenarios")

    assert done.returncode == 0
    assert "user_not_approved" in done.stdout
    assert "html_answer" in done.stdout


def test_version() -> None:
    from sfjwt_gui import __version__

    assert __version__ in sfjwt("--version").stdout


def test_ca_bundle_help_says_it_replaces_the_system_store(
    capsys: pytest.CaptureFixture[str],
) -> None:
    with pytest.raises(SystemExit):
        main(["login", "--help"])
    text = " ".join(capsys.readouterr().out.split())

    assert (
        "trust only the CA certificates in this PEM file, instead of the system's "
        "certificate store" in text
    )
    assert "extra CA" not in text


def test_profiles_add_keeps_a_proxy_but_never_its_password(demo: Any) -> None:
    refused = add_acme_profile(demo, "--proxy", "http://ops:Hunter2pass@proxy:3128")
    assert refused.returncode == 2
    assert "password" in refused.stderr
    assert "Hunter2pass" not in refused.stderr + refused.stdout

    assert add_acme_profile(demo, "--proxy", "proxy.corp.example:3128").returncode == 0
    assert ProfileStore().get("Acme").proxy == "http://proxy.corp.example:3128"
    shown = sfjwt("profiles", "show", "Acme", "--json")
    assert json.loads(shown.stdout)["proxy"] == "http://proxy.corp.example:3128"
