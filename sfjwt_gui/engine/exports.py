"""Hand-off formats for a test: the same login as a command, code or report.

Every format is a pure function of the login's inputs and, where it helps, the
test's result. Only one holds a secret: the curl command with the tested
assertion, made when the user asks for exactly that. The others name the key
file and read its passphrase from ``SFJWT_KEY_PASSPHRASE``.
"""

from __future__ import annotations

import contextlib
import errno
import json
import logging
import os
import shlex
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from enum import Enum
from pathlib import Path
from typing import TYPE_CHECKING

from sfjwt_gui.engine import snippets, snippets_node_go, support_report
from sfjwt_gui.engine.errors import OutputExistsError, SfjwtError, UsageError
from sfjwt_gui.engine.export_inputs import (
    DIRECT_PROXY,
    EXPORTED_BY,
    JWT_BEARER_GRANT,
    PASSPHRASE_ENV,
    ExportInputs,
    KeyForm,
    comment_text,
    inputs_from_settings,
    pem_key_command,
)
from sfjwt_gui.engine.loginurl import (
    GS1_AUDIENCE,
    PRODUCTION_AUDIENCE,
    SANDBOX_AUDIENCE,
)

if TYPE_CHECKING:
    from sfjwt_gui.engine.filekinds import FileIdentity
    from sfjwt_gui.engine.login import LoginResult, LoginSettings

logger = logging.getLogger(__name__)

PRIVATE_FILE_MODE = 0o600
SHARED_FILE_MODE = 0o644
_PROXY_VARIABLES = ("HTTPS_PROXY", "https_proxy", "HTTP_PROXY", "http_proxy")


class ExportFormat(str, Enum):
    """The formats of `sfjwt export --format` and the window's Export menu."""

    SF = "sf"
    CURL = "curl"
    PYTHON = "python"
    SIMPLE_SALESFORCE = "simple-salesforce"
    NODE = "node"
    GO = "go"
    REPORT_MD = "report-md"
    REPORT_JSON = "report-json"


@dataclass(frozen=True)
class FormatInfo:
    """How a format is named, saved and treated."""

    label: str
    file_name: str
    is_report: bool = False


FORMATS: dict[ExportFormat, FormatInfo] = {
    ExportFormat.SF: FormatInfo("Salesforce CLI (sf org login jwt)", "sf-login.sh"),
    ExportFormat.CURL: FormatInfo("curl (signs with openssl)", "curl-login.sh"),
    ExportFormat.PYTHON: FormatInfo("Python (requests + PyJWT)", "sf_jwt_login.py"),
    ExportFormat.SIMPLE_SALESFORCE: FormatInfo(
        "Python (simple-salesforce)", "sf_simple_salesforce_login.py"
    ),
    ExportFormat.NODE: FormatInfo(
        "Node.js (jsforce + jsonwebtoken)", "sf-jwt-login.js"
    ),
    ExportFormat.GO: FormatInfo("Go (golang-jwt v5)", "main.go"),
    ExportFormat.REPORT_MD: FormatInfo(
        "Support report (Markdown)", "sfjwt-report.md", is_report=True
    ),
    ExportFormat.REPORT_JSON: FormatInfo(
        "Support report (JSON)", "sfjwt-report.json", is_report=True
    ),
}


def render_export(
    export_format: ExportFormat,
    settings: LoginSettings,
    result: LoginResult | None = None,
    *,
    profile_name: str = "",
    key_identity: FileIdentity | None = None,
    include_assertion: bool = False,
) -> str:
    """The text of one export. Raises SfjwtError when the inputs cannot make it.

    ``include_assertion`` (curl only) writes in the assertion of ``result``
    instead of signing a fresh one: a secret until the assertion expires.
    """
    if FORMATS[export_format].is_report:
        report = support_report.build_report(
            settings,
            result,
            profile_name=profile_name,
            key_description=key_identity.description if key_identity else "",
        )
        if export_format is ExportFormat.REPORT_JSON:
            return support_report.report_json(report)
        return support_report.report_markdown(report)

    inputs = inputs_from_settings(
        settings, profile_name=profile_name, key_identity=key_identity
    )
    if export_format is ExportFormat.CURL:
        if include_assertion:
            return curl_with_assertion(inputs, result)
        return curl_script(inputs)
    writers = {
        ExportFormat.SF: sf_command,
        ExportFormat.PYTHON: snippets.python_requests,
        ExportFormat.SIMPLE_SALESFORCE: snippets.python_simple_salesforce,
        ExportFormat.NODE: snippets_node_go.node_jsforce,
        ExportFormat.GO: snippets_node_go.go_golang_jwt,
    }
    return writers[export_format](inputs)


# -- sf ------------------------------------------------------------------------

# FIXME(exports): the sf and curl exports are bash scripts; on Windows they need
# Git Bash or WSL. A PowerShell variant would need its own way to sign (curl's
# script leans on openssl and process substitution).


def sf_command(inputs: ExportInputs) -> str:
    """`sf org login jwt` with the same app, user, key and login URL (bash)."""
    lines = [
        f"# Salesforce CLI login as {comment_text(inputs.username)} "
        f"(exported by {EXPORTED_BY}).",
    ]
    key_argument = shlex.quote(inputs.key_path)
    if not inputs.plain_pem:
        # The CLI reads only unencrypted PEM keys: a private copy lives as
        # long as the shell that runs this.
        lines += [
            "# sf reads only an unencrypted PEM key: a private temporary copy is "
            "made and removed on exit.",
            *_passphrase_comment(inputs),
            'SFJWT_KEY_FILE="$(umask 077 && mktemp)"',
            "trap 'rm -f \"$SFJWT_KEY_FILE\"' EXIT",
            f'{pem_key_command(inputs)} > "$SFJWT_KEY_FILE"',
        ]
        key_argument = '"$SFJWT_KEY_FILE"'

    prefix: list[str] = []
    if inputs.proxy == DIRECT_PROXY:
        prefix.append("env " + " ".join(f"-u {name}" for name in _PROXY_VARIABLES))
    if inputs.audience != _sf_default_audience(inputs):
        # Without it the CLI picks the audience from the login URL by itself.
        prefix.append(f"SF_AUDIENCE_URL={shlex.quote(inputs.audience)}")
    if inputs.ca_bundle:
        prefix.append(f"NODE_EXTRA_CA_CERTS={shlex.quote(inputs.ca_bundle)}")
    if inputs.proxy_url:
        prefix.append(f"HTTPS_PROXY={shlex.quote(inputs.proxy_url)}")

    command = [" ".join([*prefix, "sf org login jwt"])]
    command.append(f"--client-id {shlex.quote(inputs.client_id)}")
    command.append(f"--jwt-key-file {key_argument}")
    command.append(f"--username {shlex.quote(inputs.username)}")
    command.append(f"--instance-url {shlex.quote(inputs.login_url)}")
    alias = _alias(inputs.profile_name)
    if alias:
        command.append(f"--alias {shlex.quote(alias)}")
    lines.append(" \\\n  ".join(command))
    return "\n".join(lines) + "\n"


def _sf_default_audience(inputs: ExportInputs) -> str:
    """The audience the Salesforce CLI chooses for this login URL on its own."""
    if inputs.login_host == "gs1.salesforce.com":
        return GS1_AUDIENCE
    return SANDBOX_AUDIENCE if inputs.is_sandbox else PRODUCTION_AUDIENCE


def _alias(profile_name: str) -> str:
    from sfjwt_gui.engine.profile_format import slugify

    return slugify(profile_name) if profile_name.strip() else ""


def _passphrase_comment(inputs: ExportInputs) -> list[str]:
    if not inputs.key_encrypted:
        return []
    return [f"# The key's passphrase is read from ${PASSPHRASE_ENV}."]


# -- curl ----------------------------------------------------------------------


def curl_script(inputs: ExportInputs) -> str:
    """bash: sign a fresh assertion with openssl, then post it with curl.

    Holds no secret: the key stays in its file and the assertion, valid for
    the profile's lifetime, exists only in the running shell.
    """
    claims_start = json.dumps(
        {"iss": inputs.client_id, "sub": inputs.username, "aud": inputs.audience},
        ensure_ascii=False,
        separators=(",", ":"),
    )[:-1]
    lines = [
        f"# Log in as {comment_text(inputs.username)} with openssl and curl "
        f"(bash; exported by {EXPORTED_BY}).",
        "# openssl signs a fresh assertion with the key file; the key never "
        "leaves this computer.",
        *_passphrase_comment(inputs),
        "# The answer holds the access token: keep it out of tickets and chats.",
        "b64url() { openssl base64 -A | tr '+/' '-_' | tr -d '='; }",
        'SFJWT_HEADER="$(printf \'%s\' \'{"alg":"RS256","typ":"JWT"}\' | b64url)"',
        f'SFJWT_EXP="$(( $(date +%s) + {int(inputs.lifetime_s)} ))"',
        'SFJWT_CLAIMS="$(printf \'%s,"exp":%s}\' '
        f'{shlex.quote(claims_start)} "$SFJWT_EXP" | b64url)"',
        'SFJWT_SIGNATURE="$(printf \'%s.%s\' "$SFJWT_HEADER" "$SFJWT_CLAIMS" \\\n'
        f'  | openssl dgst -sha256 -sign {_openssl_sign_key(inputs)} | b64url)"',
        'SFJWT_ASSERTION="$SFJWT_HEADER.$SFJWT_CLAIMS.$SFJWT_SIGNATURE"',
    ]
    data = [
        "--data-urlencode " + shlex.quote(f"grant_type={JWT_BEARER_GRANT}"),
        '--data-urlencode "assertion=$SFJWT_ASSERTION"',
    ]
    lines.append(_curl_lines(inputs.token_url, _curl_network_options(inputs), data))
    return "\n".join(lines) + "\n"


def curl_with_assertion(inputs: ExportInputs, result: LoginResult | None) -> str:
    """curl posting the tested assertion as it was sent: a secret until it expires."""
    from sfjwt_gui.engine.assertion import describe_epoch

    if result is None or not result.assertion:
        raise UsageError(
            "There is no tested assertion to put into the curl command.",
            code="export_no_assertion",
            fix="Run a test first, or export curl without the assertion: it signs "
            "a fresh one with openssl.",
        )
    expires = describe_epoch(result.claims.get("exp")).split(" (")[0]
    form = {"grant_type": JWT_BEARER_GRANT, "assertion": result.assertion}
    lines = [
        f"# Posts the tested assertion for {comment_text(inputs.username)} "
        f"(exported by {EXPORTED_BY}).",
        "# SECRET: anyone holding this command can log in as that user until the "
        f"assertion expires at {expires}.",
        "# Keep it out of tickets and chats; the other exports hold no secret.",
        curl_command(
            inputs.token_url, form, extra_options=_curl_network_options(inputs)
        ),
    ]
    return "\n".join(lines) + "\n"


def _openssl_sign_key(inputs: ExportInputs) -> str:
    path = shlex.quote(inputs.key_path)
    if inputs.key_form is KeyForm.PKCS12:
        return f"<({pem_key_command(inputs)})"
    options = [path]
    if inputs.key_form is KeyForm.DER:
        options.append("-keyform DER")
    if inputs.key_encrypted:
        options.append(f"-passin env:{PASSPHRASE_ENV}")
    return " ".join(options)


def _curl_network_options(inputs: ExportInputs) -> list[str]:
    options: list[str] = []
    if inputs.ca_bundle:
        options += ["--cacert", shlex.quote(inputs.ca_bundle)]
    if inputs.proxy == DIRECT_PROXY:
        options += ["--noproxy", shlex.quote("*")]
    elif inputs.proxy_url:
        options += ["--proxy", shlex.quote(inputs.proxy_url)]
    return options


def curl_command(
    url: str, form: Mapping[str, str], *, extra_options: Sequence[str] = ()
) -> str:
    """A POSIX-shell curl command posting ``form`` to ``url`` exactly as sent.

    The form is copied as given: pass a masked form for display and the real
    one only when the user asked to copy a working command. ``extra_options``
    are already quoted for the shell, each option followed by its value.
    """
    data = [
        "--data-urlencode " + shlex.quote(f"{name}={value}")
        for name, value in form.items()
    ]
    return _curl_lines(url, list(extra_options), data)


def _curl_lines(url: str, options: list[str], data: list[str]) -> str:
    """One line for the call, then each option with its value on a line of its own."""
    lines = ["curl --silent --show-error --request POST " + shlex.quote(url)]
    lines.append("--header " + shlex.quote("Accept: application/json"))
    lines += [
        " ".join(options[index : index + 2]) for index in range(0, len(options), 2)
    ]
    lines += data
    return " \\\n  ".join(lines)


# -- saving --------------------------------------------------------------------


def holds_secret(export_format: ExportFormat, *, include_assertion: bool) -> bool:
    """True for the one export that carries a secret (curl with the assertion)."""
    return export_format is ExportFormat.CURL and include_assertion


def write_export(
    path: Path, text: str, *, private: bool = False, force: bool = False
) -> None:
    """Write an export, 0600 when ``private``; replace a file only with ``force``."""
    flags = os.O_WRONLY | os.O_CREAT | os.O_TRUNC | getattr(os, "O_BINARY", 0)
    if not force:
        flags |= os.O_EXCL
    mode = PRIVATE_FILE_MODE if private else SHARED_FILE_MODE
    try:
        descriptor = os.open(path, flags, mode)
    except FileExistsError:
        raise OutputExistsError(
            f"{path} already exists.",
            fix="Choose another file, or add --force to replace it.",
        ) from None
    except OSError as error:
        raise _write_error(path, error) from None

    try:
        if private and hasattr(os, "fchmod"):
            # A file that already existed keeps its mode through O_TRUNC.
            os.fchmod(descriptor, PRIVATE_FILE_MODE)
        with os.fdopen(descriptor, "w", encoding="utf-8", newline="\n") as handle:
            descriptor = -1
            handle.write(text)
    except OSError as error:
        raise _write_error(path, error) from None
    finally:
        if descriptor >= 0:
            with contextlib.suppress(OSError):
                os.close(descriptor)
    logger.info("Export written to %s", path)


def _write_error(path: Path, error: OSError) -> SfjwtError:
    from sfjwt_gui.engine.atomic import describe_os_error

    reason = describe_os_error(error)
    if error.errno == errno.EISDIR:
        reason = "it is a folder"
    return SfjwtError(
        f"Could not write {path}: {reason}.",
        code="export_write_failed",
        fix="Choose a file in a folder you can write to.",
    )
