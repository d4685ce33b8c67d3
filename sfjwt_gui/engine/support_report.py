"""A support report of one test: what went in, what was sent and answered, why.

Made to be attached to a ticket, so nothing secret survives: the assertion's
signature and the access token are masked, and every text is scrubbed of the
run's known secrets (and of anything shaped like one) before it is written.
"""

from __future__ import annotations

import datetime as dt
import json
import platform
import re
import sys
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from sfjwt_gui.engine.export_inputs import EXPORTED_BY, without_password
from sfjwt_gui.engine.redact import scrub

if TYPE_CHECKING:
    from sfjwt_gui.engine.login import LoginResult, LoginSettings

REPORT_TITLE = "sfjwt-gui support report"
REPORT_FORMAT_VERSION = 1
NO_SECRETS_NOTE = (
    "Secrets are left out: the private key, its passphrase, the assertion's "
    "signature and the access token."
)
_LIBRARIES = ("cryptography", "requests", "PyJWT")
# PyPI's wheels are PySide6-Essentials (what the app needs) and PySide6 (all).
_PYSIDE_DISTRIBUTIONS = ("PySide6-Essentials", "PySide6")
NOT_INSTALLED = "not installed"


def environment_info() -> dict[str, str]:
    """App, OS, Python, Qt and library versions, for the report's last section."""
    info = {
        "App": EXPORTED_BY,
        "OS": platform.platform(),
        "Python": f"{platform.python_version()} ({platform.python_implementation()})",
        "Qt": _qt_version(),
    }
    for name in _LIBRARIES:
        info[name] = _library_version(name)
    return info


def _qt_version() -> str:
    qtcore = sys.modules.get("PySide6.QtCore")
    if qtcore is not None:
        pyside_version = getattr(sys.modules["PySide6"], "__version__", "unknown")
        return f"Qt {qtcore.qVersion()}, PySide6 {pyside_version}"

    # The command line never loads Qt, and must not load it just to report it:
    # the installed PySide6 is read from its metadata. PySide6 is numbered after
    # the Qt it is built for; a fourth number marks a fix of the binding only.
    for distribution in _PYSIDE_DISTRIBUTIONS:
        pyside_version = _library_version(distribution)
        if pyside_version != NOT_INSTALLED:
            qt_version = ".".join(pyside_version.split(".")[:3])
            return f"Qt {qt_version}, PySide6 {pyside_version} (installed, not loaded)"
    return NOT_INSTALLED


def _library_version(name: str) -> str:
    from importlib.metadata import PackageNotFoundError, version

    try:
        return version(name)
    except PackageNotFoundError:
        return NOT_INSTALLED


def build_report(
    settings: LoginSettings,
    result: LoginResult | None,
    *,
    profile_name: str = "",
    key_description: str = "",
    now: dt.datetime | None = None,
    environment: Mapping[str, str] | None = None,
) -> dict[str, Any]:
    """The report as plain data, secrets masked and scrubbed."""
    from sfjwt_gui.engine.assertion import describe_epoch
    from sfjwt_gui.engine.report import result_to_dict
    from sfjwt_gui.engine.summary import one_line_summary

    moment = now or dt.datetime.now(dt.timezone.utc)
    report: dict[str, Any] = {
        "report": REPORT_TITLE,
        "format_version": REPORT_FORMAT_VERSION,
        "generated_at": moment.isoformat(timespec="seconds"),
        "note": NO_SECRETS_NOTE,
        "summary": one_line_summary(result) if result else "No test was run.",
        "inputs": _inputs(settings, profile_name, key_description),
        "result": None,
        "environment": dict(environment or environment_info()),
    }
    if result is not None:
        data = result_to_dict(result)
        data["claims_readable"] = {
            name: describe_epoch(result.claims[name], now=moment.timestamp())
            for name in ("exp", "iat", "nbf")
            if name in result.claims
        }
        report["result"] = data
    secrets = _secrets(settings, result)
    return {name: _scrubbed(value, secrets) for name, value in report.items()}


def _inputs(
    settings: LoginSettings, profile_name: str, key_description: str
) -> dict[str, Any]:
    proxy = settings.proxy.strip()
    return {
        "profile": profile_name,
        "login_url": settings.login_url,
        "client_id": settings.client_id,
        "username": settings.username,
        "audience": settings.audience or "automatic",
        "key_file": settings.key_path,
        "key_file_holds": key_description,
        "certificate_file": settings.cert_path,
        "lifetime_s": settings.lifetime_s,
        "timeout_s": settings.timeout_s,
        "ca_bundle": settings.ca_bundle,
        "proxy": without_password(proxy) if proxy else "from the environment",
    }


def _secrets(settings: LoginSettings, result: LoginResult | None) -> list[str]:
    secrets = []
    if settings.passphrase:
        secrets.append(settings.passphrase.decode("utf-8", errors="ignore"))
    if result is not None:
        if result.assertion:
            secrets += [result.assertion, result.assertion.rpartition(".")[2]]
        if result.token is not None:
            secrets.append(result.token.access_token)
    # Longest first: a secret containing another is removed whole.
    return sorted((item for item in secrets if item), key=len, reverse=True)


def _scrubbed(value: Any, secrets: list[str]) -> Any:
    if isinstance(value, str):
        return scrub(value, secrets)
    if isinstance(value, Mapping):
        return {key: _scrubbed(item, secrets) for key, item in value.items()}
    if isinstance(value, (list, tuple)):
        return [_scrubbed(item, secrets) for item in value]
    return value


def report_json(report: Mapping[str, Any]) -> str:
    """The report as indented JSON."""
    return json.dumps(report, indent=2, ensure_ascii=False, default=str) + "\n"


# -- Markdown ------------------------------------------------------------------


def report_markdown(report: Mapping[str, Any]) -> str:
    """The report as Markdown, readable as plain text too."""
    lines = [
        f"# {REPORT_TITLE}",
        "",
        f"Generated {report['generated_at']} by {report['environment'].get('App')}. "
        f"{report['note']}",
        "",
        "## Outcome",
        "",
        str(report["summary"]),
        "",
        "## Inputs",
        "",
        *_table(report["inputs"]),
    ]
    result = report.get("result")
    if result:
        lines += _result_sections(result)
    lines += ["", "## Environment", "", *_table(report["environment"])]
    return "\n".join(lines) + "\n"


def _result_sections(result: Mapping[str, Any]) -> list[str]:
    lines = ["", "## Findings", ""]
    findings = result.get("findings") or []
    if not findings:
        lines.append("None: nothing to fix.")
    for finding in findings:
        lines += _finding(finding)

    lines += ["", "## Login URL and audience", ""]
    lines += _table(
        {
            "Login URL": result.get("login_url", ""),
            "Kind": result.get("login_kind", ""),
            "Audience": result.get("audience", ""),
            "Why this audience": result.get("audience_reason", ""),
        }
    )
    if result.get("header") or result.get("claims"):
        lines += ["", "## Assertion", "", "Header:", ""]
        lines += _code(json.dumps(result.get("header"), indent=2), "json")
        lines += ["", "Claims:", ""]
        lines += _code(json.dumps(result.get("claims"), indent=2), "json")
        readable = result.get("claims_readable") or {}
        if readable:
            lines += ["", *_table(readable)]
        lines += ["", f"Signature verified locally: {result.get('signature_verified')}"]

    request = result.get("request")
    if request:
        lines += ["", "## Request", "", f"{request['method']} {request['url']}", ""]
        lines += ["Form:", "", *_table(request.get("form") or {})]
        lines += ["", "Headers:", "", *_table(request.get("headers") or {})]
    response = result.get("response")
    if response:
        lines += _response(response)
    verification = result.get("verification") or []
    if verification:
        lines += ["", "## Verification", ""]
        for step in verification:
            mark = "ok" if step.get("ok") else "failed"
            lines.append(f"- {step.get('name')}: {mark} - {step.get('summary')}")
    timings = result.get("timings_ms") or {}
    if timings:
        lines += ["", "## Timings (ms)", ""]
        lines += _table({name: f"{value:.1f}" for name, value in timings.items()})
    return lines


def _finding(finding: Mapping[str, Any]) -> list[str]:
    lines = [
        f"### {finding['severity']}: {finding['title']} ({finding['code']})",
        "",
    ]
    if finding.get("detail"):
        lines += [str(finding["detail"]), ""]
    causes = finding.get("causes") or []
    if causes:
        lines += ["Likely causes, most likely first:", ""]
        lines += [f"{number}. {cause}" for number, cause in enumerate(causes, 1)]
        lines.append("")
    lines.append(f"Fix: {finding.get('fix', '')}")
    if finding.get("where_to_look"):
        lines.append(f"Where to look: {finding['where_to_look']}")
    lines.append("")
    return lines


def _response(response: Mapping[str, Any]) -> list[str]:
    lines = ["", "## Response", ""]
    failure = response.get("failure")
    if failure:
        lines.append(f"No answer: {failure.get('message')} ({failure.get('code')})")
        if failure.get("detail"):
            lines.append(str(failure["detail"]))
    else:
        elapsed = response.get("elapsed_ms")
        took = f" in {elapsed} ms" if elapsed is not None else ""
        lines.append(f"HTTP {response.get('status')} {response.get('reason')}{took}")
    skew = response.get("clock_skew_s")
    if skew is not None:
        lines.append(f"Server clock minus this computer's: {skew} s")
    lines += ["", "Headers:", "", *_table(response.get("headers") or {})]
    body = response.get("body")
    if body not in (None, ""):
        text = body if isinstance(body, str) else json.dumps(body, indent=2)
        lines += ["", "Body:", ""]
        lines += _code(text, "" if isinstance(body, str) else "json")
    return lines


def _table(rows: Mapping[str, Any]) -> list[str]:
    if not rows:
        return ["(none)"]
    lines = ["| Name | Value |", "| --- | --- |"]
    for name, value in rows.items():
        lines.append(f"| {_cell(name)} | {_cell(value)} |")
    return lines


def _cell(value: Any) -> str:
    if value is None or value == "":
        return "-"
    text = value if isinstance(value, str) else json.dumps(value, ensure_ascii=False)
    text = " ".join(text.split())
    return text.replace("\\", "\\\\").replace("|", "\\|")


def _code(text: str, language: str) -> list[str]:
    # A fence longer than any run of backticks inside, so a body cannot end it.
    longest = max((len(run) for run in re.findall(r"`+", text)), default=0)
    fence = "`" * max(3, longest + 1)
    return [f"{fence}{language}", text, fence]
