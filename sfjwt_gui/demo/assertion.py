"""Reading a token request the way the demo org does: the form and the JWT in it.

Parsing is deliberately strict where Salesforce is (base64url only) and lenient
where it is (numeric-string ``exp``, unknown claims), so the demo org refuses
and accepts the same assertions.
"""

from __future__ import annotations

import base64
import binascii
import json
import math
import re
from collections.abc import Mapping
from typing import Any
from urllib.parse import parse_qsl

from sfjwt_gui.demo.settings import FORM_CONTENT_TYPE

_BASE64URL_PART = re.compile(r"[A-Za-z0-9_-]+")
_NUMERIC_TEXT = re.compile(r"[+-]?(\d+(\.\d*)?|\.\d+)([eE][+-]?\d+)?")

INVALID_ASSERTION = ("invalid_grant", "invalid assertion")


class Refusal(Exception):
    """A request refused with an OAuth error (``error``, ``error_description``)."""

    def __init__(self, error: str, description: str) -> None:
        super().__init__(f"{error}: {description}")
        self.error = error
        self.description = description


def read_form(headers: Mapping[str, str], body: bytes) -> dict[str, str] | None:
    """The form fields (first value of each), or None if the body is not a form.

    ``headers`` must have lower-case names.
    """
    media_type = headers.get("content-type", "").split(";")[0].strip().lower()
    if media_type != FORM_CONTENT_TYPE:
        return None
    text = body.decode("utf-8", errors="replace")
    form: dict[str, str] = {}
    for name, value in parse_qsl(text, keep_blank_values=True):
        form.setdefault(name, value)
    return form


def parse_jwt(assertion: str) -> tuple[dict[str, Any], dict[str, Any]]:
    """Header and claims of a compact JWT; Refusal "invalid assertion" otherwise.

    Each part must be strict base64url: an assertion encoded with plain base64
    ('+', '/', '=') fails at Salesforce, so it fails here too.
    """
    parts = assertion.split(".")
    if len(parts) != 3 or not all(_BASE64URL_PART.fullmatch(part) for part in parts):
        raise Refusal(*INVALID_ASSERTION)

    try:
        header = json.loads(_base64url_decode(parts[0]))
        claims = json.loads(_base64url_decode(parts[1]))
    except (ValueError, binascii.Error):
        raise Refusal(*INVALID_ASSERTION) from None

    if not isinstance(header, dict) or not isinstance(claims, dict):
        raise Refusal(*INVALID_ASSERTION)
    return header, claims


def _base64url_decode(part: str) -> bytes:
    return base64.urlsafe_b64decode(part + "=" * (-len(part) % 4))


def expiry_seconds(value: object) -> float | None:
    """``exp`` in seconds from a JSON number or a numeric string; None if neither.

    No upper bound: the Salesforce CLI sends milliseconds and logs in daily.
    """
    if isinstance(value, bool) or not isinstance(value, (int, float, str)):
        return None
    if isinstance(value, str) and not _NUMERIC_TEXT.fullmatch(value.strip()):
        return None

    try:
        seconds = float(value)
    except OverflowError:
        return math.inf
    return None if math.isnan(seconds) else seconds


def without_slash(url: str) -> str:
    """``url`` without one trailing slash."""
    return url[:-1] if url.endswith("/") else url


def bearer_token(headers: Mapping[str, str]) -> str | None:
    """The token of an ``Authorization: Bearer`` (or ``OAuth``) header, if any."""
    scheme, _, token = headers.get("authorization", "").strip().partition(" ")
    if scheme.lower() in ("bearer", "oauth") and token.strip():
        return token.strip()
    return None
