"""`sfjwt login`: one test login, printed for people or as JSON."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import TYPE_CHECKING, TextIO

from sfjwt_gui.cli.output import (
    Style,
    error_line,
    print_finding,
    print_json,
    print_rows,
)
from sfjwt_gui.cli.passphrase import passphrase_for_key, passphrase_from_env
from sfjwt_gui.engine.assertion import describe_epoch
from sfjwt_gui.engine.errors import ProfileError, UsageError
from sfjwt_gui.engine.keyfiles import identify_file
from sfjwt_gui.engine.login import LoginResult, LoginSettings, run_login
from sfjwt_gui.engine.summary import one_line_summary

if TYPE_CHECKING:
    from sfjwt_gui.engine.profiles import Profile

# Profiles, history and the JSON report are imported only by the runs that use
# them: a login's start-up time is most of its cost.


def run(args: argparse.Namespace) -> int:
    profile = _load_profile(args.profile) if args.profile else None
    settings = settings_from_args(args, profile)

    if settings.passphrase is None and _key_is_encrypted(settings.key_path):
        settings.passphrase = passphrase_for_key(profile, settings.key_path)

    result = run_login(settings)
    if profile is not None:
        _record(profile.name, result)

    if args.json:
        from sfjwt_gui.engine.report import result_to_dict

        print_json(result_to_dict(result, show_secrets=args.show_secrets))
    else:
        print_result(result, show_secrets=args.show_secrets, stream=sys.stdout)
    return result.exit_status


def _load_profile(name: str) -> Profile:
    from sfjwt_gui.engine.profiles import ProfileStore

    return ProfileStore().get(name)


def _record(profile_name: str, result: LoginResult) -> None:
    """Add the test to the profile's history; a disk that refuses only warns.

    The login happened and its result is printed all the same: a full disk or
    a read-only config folder must not swallow the answer the user asked for.
    """
    from sfjwt_gui.engine.history import HistoryStore
    from sfjwt_gui.engine.summary import history_entry

    try:
        HistoryStore().append(profile_name, history_entry(result))
    except ProfileError as error:
        error_line(
            f"warning: this test is not in the history. {error.message} {error.fix}"
        )


def settings_from_args(
    args: argparse.Namespace, profile: Profile | None
) -> LoginSettings:
    """Profile values first, then whatever the command line says."""
    saved = (
        LoginSettings.from_profile(profile)
        if profile is not None
        else LoginSettings(login_url="", client_id="", username="", key_path="")
    )
    values: dict[str, str] = {
        "login_url": args.login_url or saved.login_url,
        "client_id": args.client_id or saved.client_id,
        "username": args.username or saved.username,
        "key_path": args.key or saved.key_path,
    }
    missing = [name for name, value in values.items() if not value]
    if missing and profile is None:
        options = ", ".join(
            "--" + name.replace("_path", "").replace("_", "-") for name in missing
        )
        raise UsageError(
            f"Missing {options}.",
            fix="Give --profile NAME, or all of --login-url, --client-id, "
            "--username and --key.",
        )
    return LoginSettings(
        login_url=values["login_url"],
        client_id=values["client_id"],
        username=values["username"],
        key_path=values["key_path"],
        cert_path=args.cert or saved.cert_path,
        audience=args.audience or saved.audience,
        passphrase=passphrase_from_env(args.passphrase_env),
        lifetime_s=args.lifetime or saved.lifetime_s,
        timeout_s=args.timeout or saved.timeout_s,
        ca_bundle=args.ca_bundle or saved.ca_bundle,
        proxy=saved.proxy if args.proxy is None else args.proxy,
        verify_token=args.verify,
        revoke_after=args.revoke,
    )


def _key_is_encrypted(key_path: str) -> bool:
    try:
        return identify_file(Path(key_path).expanduser()).encrypted
    except Exception:  # the login's own preflight reports file problems
        return False


def print_result(result: LoginResult, *, show_secrets: bool, stream: TextIO) -> None:
    style = Style(stream)
    rows: list[tuple[str, str]] = []
    if result.target is not None:
        target = result.target
        rows.append(("Login URL", f"{target.base_url} - {target.description}"))
        rows.append(("Token endpoint", target.token_endpoint))
        rows.append(("Audience", f"{result.audience} - {result.audience_reason}"))
    if result.claims:
        claims = result.claims
        rows.append(("Claims", f"iss={claims.get('iss')} sub={claims.get('sub')}"))
        rows.append(("Expires", describe_epoch(claims.get("exp"))))
    if result.signature_verified is not None:
        verdict = (
            "verifies against the certificate"
            if result.signature_verified
            else "does NOT verify against the certificate"
        )
        rows.append(("Signature", verdict))
    record = result.token_request
    if record is not None and record.status is not None:
        rows.append(
            ("Answer", f"HTTP {record.status} in {record.elapsed_ms or 0:.0f} ms")
        )
    print_rows(rows, style, stream)
    stream.write("\n")

    if result.ok and result.token is not None:
        stream.write(style.green(style.bold(one_line_summary(result))) + "\n")
        token = result.token.access_token if show_secrets else result.token.masked_token
        print_rows(
            [
                ("Instance", result.token.instance_url),
                ("Scope", result.token.scope),
                ("Access token", token),
            ],
            style,
            stream,
        )
        for step in result.verification:
            mark = style.green("ok") if step.ok else style.red("failed")
            stream.write(f"{step.name}: {mark} - {step.summary}\n")
    elif not result.sent:
        stream.write(style.red(style.bold("Not sent: fix these first.")) + "\n")
    else:
        stream.write(style.red(style.bold("Login failed.")) + "\n")

    # The checks made before sending first, as the window lists them.
    groups = (
        ("Checked before sending:", result.preflight_findings),
        ("The request and its answer:", result.answer_findings),
    )
    for heading, findings in groups:
        if findings:
            stream.write(f"\n{style.bold(heading)}\n")
        for finding in findings:
            stream.write("\n")
            print_finding(finding, style, stream)
