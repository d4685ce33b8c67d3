"""Masking of secrets before anything is shown, logged, exported or printed."""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping

HIDDEN = "hidden"

# What a secret looks like when it turns up where it should not: a PEM private
# key, a compact JWT (its signature is the secret part) and a Salesforce
# session id (org id, "!", opaque part).
_PEM_PRIVATE = re.compile(
    r"-----BEGIN [A-Z0-9 ]*PRIVATE KEY-----.*?-----END [A-Z0-9 ]*PRIVATE KEY-----",
    re.DOTALL,
)
_JWT = re.compile(r"\b(eyJ[A-Za-z0-9_-]*\.[A-Za-z0-9_-]*)\.([A-Za-z0-9_-]{16,})")
_SESSION_ID = re.compile(r"\b(00D[A-Za-z0-9]{12,15})![A-Za-z0-9._]{16,}")

SECRET_FORM_FIELDS = frozenset(
    {"assertion", "token", "access_token", "client_secret", "password"}
)


def mask_token(token: str) -> str:
    """Show enough of an access token to recognise it, never enough to use it."""
    if not token:
        return ""
    org, bang, _ = token.partition("!")
    if bang and len(org) in (15, 18):
        return f"{org}!<{HIDDEN}, {len(token)} chars>"
    return f"{token[:4]}…<{HIDDEN}, {len(token)} chars>"


def mask_assertion(assertion: str) -> str:
    """Keep a JWT's header and claims (readable by anyone) and hide its signature."""
    parts = assertion.split(".")
    if len(parts) == 3:
        return f"{parts[0]}.{parts[1]}.<signature {HIDDEN}, {len(parts[2])} chars>"
    return hidden_text(assertion)


def hidden_text(text: str) -> str:
    """Nothing of ``text`` but its length."""
    return f"<{HIDDEN}, {len(text)} chars>"


def mask_form(form: Mapping[str, str]) -> dict[str, str]:
    """A copy of a request form with its secret fields masked."""
    masked: dict[str, str] = {}
    for name, value in form.items():
        if name == "assertion":
            masked[name] = mask_assertion(value)
        elif name in SECRET_FORM_FIELDS:
            masked[name] = mask_token(value)
        else:
            masked[name] = value
    return masked


def scrub(text: str, secrets: Iterable[str] = ()) -> str:
    """Remove known secrets, and anything shaped like one, from free text."""
    for secret in secrets:
        if secret and len(secret) >= 4:
            text = text.replace(secret, f"<{HIDDEN}>")
    text = _PEM_PRIVATE.sub(f"<private key {HIDDEN}>", text)
    text = _JWT.sub(lambda match: f"{match.group(1)}.<signature {HIDDEN}>", text)
    return _SESSION_ID.sub(lambda match: f"{match.group(1)}!<{HIDDEN}>", text)
