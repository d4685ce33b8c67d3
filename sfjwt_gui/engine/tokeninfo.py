"""The issued token, and the follow-up calls that prove it works."""

from __future__ import annotations

import logging
import threading
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlsplit

from sfjwt_gui.engine.errors import SfjwtError
from sfjwt_gui.engine.exchange import HttpClient, HttpRecord
from sfjwt_gui.engine.redact import mask_token

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class TokenInfo:
    """The fields of a successful token response. The token itself stays out of repr."""

    access_token: str = field(repr=False)
    instance_url: str = ""
    id_url: str = ""
    org_id: str = ""
    user_id: str = ""
    scope: str = ""
    token_type: str = ""
    issued_at: str = ""
    extra: dict[str, str] = field(default_factory=dict)

    @classmethod
    def from_response(cls, body: dict[str, Any]) -> TokenInfo:
        id_url = str(body.get("id", ""))
        org_id, user_id = ids_from_identity_url(id_url)
        known = {"access_token", "instance_url", "id", "scope", "token_type"}
        extra = {
            name: str(value)
            for name, value in body.items()
            if name not in known and name != "signature"
        }
        return cls(
            access_token=str(body.get("access_token", "")),
            instance_url=str(body.get("instance_url", "")).rstrip("/"),
            id_url=id_url,
            org_id=org_id,
            user_id=user_id,
            scope=str(body.get("scope", "")),
            token_type=str(body.get("token_type", "")),
            issued_at=str(body.get("issued_at", "")),
            extra=extra,
        )

    @property
    def masked_token(self) -> str:
        return mask_token(self.access_token)

    def to_dict(self, *, show_secrets: bool = False) -> dict[str, Any]:
        return {
            "access_token": self.access_token if show_secrets else self.masked_token,
            "instance_url": self.instance_url,
            "id": self.id_url,
            "org_id": self.org_id,
            "user_id": self.user_id,
            "scope": self.scope,
            "token_type": self.token_type,
            "issued_at": self.issued_at,
        }


def ids_from_identity_url(id_url: str) -> tuple[str, str]:
    """Org and user ids are the last two segments of the identity URL."""
    try:
        path = urlsplit(id_url).path
    except ValueError:  # e.g. "https://[" from a server we do not control
        return "", ""
    segments = [part for part in path.split("/") if part]
    if len(segments) >= 3 and segments[-3] == "id":
        return segments[-2], segments[-1]
    return "", ""


@dataclass
class VerificationStep:
    """One follow-up call: what was asked, what came back, in plain words."""

    name: str
    ok: bool
    summary: str
    record: HttpRecord | None = field(default=None, repr=False)
    details: dict[str, str] = field(default_factory=dict)


def _checked_get(
    http: HttpClient,
    url: str,
    token: TokenInfo,
    cancel: threading.Event | None,
    params: dict[str, str] | None = None,
) -> HttpRecord | str:
    """GET a URL the server gave us; a URL we refuse to call comes back as text."""
    try:
        return http.get(url, bearer=token.access_token, params=params, cancel=cancel)
    except SfjwtError as error:
        return f"Not called: {error}"


def verify_token(
    http: HttpClient,
    token: TokenInfo,
    *,
    revoke: bool = False,
    cancel: threading.Event | None = None,
) -> list[VerificationStep]:
    """Ask who the token belongs to (userinfo, identity), then revoke if asked."""
    steps = [_userinfo(http, token, cancel)]
    if token.id_url:
        steps.append(_identity(http, token, cancel))
    if revoke:
        steps.append(_revoke(http, token, cancel))
    return steps


def _userinfo(
    http: HttpClient, token: TokenInfo, cancel: threading.Event | None
) -> VerificationStep:
    url = f"{token.instance_url}/services/oauth2/userinfo"
    record = _checked_get(http, url, token, cancel)
    if isinstance(record, str):
        return VerificationStep("userinfo", False, record)
    body = record.json()
    if not record.ok or not isinstance(body, dict):
        return VerificationStep("userinfo", False, _failure_text(record), record)
    details = _pick(body, "preferred_username", "name", "email", "organization_id")
    who = details.get("preferred_username") or details.get("name", "?")
    summary = f"Token belongs to {who} in org {details.get('organization_id', '?')}."
    return VerificationStep("userinfo", True, summary, record, details)


def _identity(
    http: HttpClient, token: TokenInfo, cancel: threading.Event | None
) -> VerificationStep:
    # The identity URL comes from the server's answer: one we refuse to call
    # is reported like any other failed step, not as a failed login.
    record = _checked_get(http, token.id_url, token, cancel, {"format": "json"})
    if isinstance(record, str):
        return VerificationStep("identity", False, record)
    body = record.json()
    if not record.ok or not isinstance(body, dict):
        return VerificationStep("identity", False, _failure_text(record), record)
    details = _pick(
        body, "username", "display_name", "user_type", "organization_id", "active"
    )
    summary = (
        f"Identity URL confirms {details.get('username', '?')} "
        f"({details.get('user_type', 'user')}, active: {details.get('active', '?')})."
    )
    return VerificationStep("identity", True, summary, record, details)


def _revoke(
    http: HttpClient, token: TokenInfo, cancel: threading.Event | None
) -> VerificationStep:
    url = f"{token.instance_url}/services/oauth2/revoke"
    try:
        record = http.post_form(url, {"token": token.access_token}, cancel=cancel)
    except SfjwtError as error:
        return VerificationStep("revoke", False, f"Not called: {error}")
    if record.ok:
        return VerificationStep("revoke", True, "Token revoked.", record)
    return VerificationStep("revoke", False, _failure_text(record), record)


def _pick(body: dict[str, Any], *names: str) -> dict[str, str]:
    return {name: str(body[name]) for name in names if name in body}


def _failure_text(record: HttpRecord) -> str:
    if record.failure is not None:
        return record.failure.message
    snippet = record.text.strip().replace("\n", " ")[:120]
    return f"HTTP {record.status}: {snippet}"
