"""A login result as plain data: for `--json`, the window's views and exports.

Secrets are masked unless the caller explicitly asks for them.
"""

from __future__ import annotations

import json
from typing import Any

from sfjwt_gui.engine.exchange import HttpRecord
from sfjwt_gui.engine.login import LoginResult
from sfjwt_gui.engine.redact import mask_assertion, mask_form, mask_token, scrub

SECRET_BODY_FIELDS = ("access_token", "refresh_token")


def result_to_dict(
    result: LoginResult, *, show_secrets: bool = False
) -> dict[str, Any]:
    """The whole result; with show_secrets the assertion and token are in clear."""
    record = result.token_request
    secrets = _secrets(result)
    data: dict[str, Any] = {
        "ok": result.ok,
        "exit_status": result.exit_status,
        "sent": result.sent,
        "findings": [finding.to_dict() for finding in result.findings],
        # Those of the checks made before sending, again, as their own group.
        "preflight_findings": [
            finding.to_dict() for finding in result.preflight_findings
        ],
        "login_url": result.target.base_url if result.target else "",
        "login_kind": result.target.kind.value if result.target else "",
        "audience": result.audience,
        "audience_reason": result.audience_reason,
        "header": result.header,
        "claims": result.claims,
        "assertion": (
            result.assertion if show_secrets else mask_assertion(result.assertion)
        )
        if result.assertion
        else "",
        "signature_verified": result.signature_verified,
        "request": request_to_dict(record, show_secrets=show_secrets)
        if record
        else None,
        "response": response_to_dict(record, secrets, show_secrets=show_secrets)
        if record
        else None,
        "token": result.token.to_dict(show_secrets=show_secrets)
        if result.token
        else None,
        "verification": [
            {"name": step.name, "ok": step.ok, "summary": step.summary, **step.details}
            for step in result.verification
        ],
        "timings_ms": {
            name: round(value, 1) for name, value in result.timings_ms.items()
        },
    }
    return data


def _secrets(result: LoginResult) -> list[str]:
    secrets = []
    if result.token is not None:
        secrets.append(result.token.access_token)
    if result.assertion:
        secrets.append(result.assertion.rsplit(".", 1)[-1])
    return secrets


def request_to_dict(
    record: HttpRecord, *, show_secrets: bool = False
) -> dict[str, Any]:
    form = dict(record.request_form) if show_secrets else mask_form(record.request_form)
    return {
        "method": record.method,
        "url": record.url,
        "headers": dict(record.request_headers),
        "form": form,
        "started_at": record.started_at.isoformat(),
    }


def response_to_dict(
    record: HttpRecord, secrets: list[str], *, show_secrets: bool = False
) -> dict[str, Any]:
    body = record.json()
    if isinstance(body, dict) and not show_secrets:
        body = {
            name: mask_token(str(value)) if name in SECRET_BODY_FIELDS else value
            for name, value in body.items()
        }
    if body is None:
        text = record.text
        body = text if show_secrets else scrub(text, secrets)
    return {
        "status": record.status,
        "reason": record.reason,
        "headers": dict(record.response_headers),
        "body": body,
        "body_truncated": record.body_truncated,
        "elapsed_ms": round(record.elapsed_ms, 1) if record.elapsed_ms else None,
        "server_date": record.server_date.isoformat() if record.server_date else None,
        "clock_skew_s": round(record.clock_skew_s, 1)
        if record.clock_skew_s is not None
        else None,
        "failure": {
            "code": record.failure.code.value,
            "message": record.failure.message,
            "detail": record.failure.detail,
        }
        if record.failure
        else None,
    }


def pretty_body(record: HttpRecord, *, show_secrets: bool = False) -> str:
    """The response body for display: indented JSON, or the text as received."""
    secrets: list[str] = []
    body = response_to_dict(record, secrets, show_secrets=show_secrets)["body"]
    if isinstance(body, str):
        return body
    return json.dumps(body, indent=2, ensure_ascii=False)
