"""Checks run before anything is sent; each returns findings, never raises.

The window calls the single-field checks as the user types; the login runs
them all and sends nothing when one of them is an error.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path

from sfjwt_gui.engine.catalog import make_finding
from sfjwt_gui.engine.errors import LoginUrlError
from sfjwt_gui.engine.findings import Finding
from sfjwt_gui.engine.loginurl import (
    LoginKind,
    LoginTarget,
    classify_login_url,
    normalise_audience,
)

MIN_KEY_BITS = 2048
EXPIRY_WARNING_DAYS = 30
PRODUCTION_AUDIENCE = "https://login.salesforce.com"
PRODUCTION_KINDS = (LoginKind.PRODUCTION, LoginKind.MY_DOMAIN)
SANDBOX_AUDIENCE = "https://test.salesforce.com"

_CONSUMER_KEY = re.compile(r"^[A-Za-z0-9._]{40,256}$")
_USERNAME = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")

# The last label of a sandbox username is the sandbox's name; these are the
# names teams pick most often for their sandboxes.
SANDBOX_SUFFIXES = frozenset(
    {
        "dev",
        "devint",
        "develop",
        "uat",
        "qa",
        "test",
        "sit",
        "staging",
        "stage",
        "sandbox",
        "sbx",
        "full",
        "fullcopy",
        "partial",
        "preprod",
        "prod2",
        "int",
        "train",
        "training",
        "hotfix",
        "stg",
        "uat1",
        "uat2",
        "dev1",
        "dev2",
    }
)


@dataclass
class UrlCheck:
    target: LoginTarget | None = None
    findings: list[Finding] = field(default_factory=list)


def check_client_id(client_id: str) -> list[Finding]:
    value = client_id.strip()
    if not value:
        return [make_finding("client_id_missing")]
    if not _CONSUMER_KEY.match(value):
        reason = "It contains spaces or characters a consumer key never has."
        if len(value) < 40:
            reason = f"It is only {len(value)} characters long."
        return [make_finding("client_id_format", reason)]
    if not value.startswith("3MVG"):
        return [make_finding("client_id_format", "It does not start with 3MVG.")]
    return []


def check_username(username: str, target: LoginTarget | None = None) -> list[Finding]:
    value = username.strip()
    if not value:
        return [make_finding("username_missing")]
    if "&amp;" in value or "%40" in value or not _USERNAME.match(value):
        return [make_finding("username_format", f"The username is {value!r}.")]
    on_production = target is not None and target.kind in PRODUCTION_KINDS
    if on_production and target and looks_like_sandbox_username(value):
        return [
            make_finding(
                "sandbox_user_on_production",
                f"{value} ends in .{_last_label(value)}, but {target.base_url} "
                "is a production login URL.",
            )
        ]
    return []


def _last_label(username: str) -> str:
    return username.rsplit(".", 1)[-1].lower()


def looks_like_sandbox_username(username: str) -> bool:
    return _last_label(username) in SANDBOX_SUFFIXES


def check_login_url(login_url: str, *, my_domain_audience: bool = False) -> UrlCheck:
    try:
        target = classify_login_url(login_url, my_domain_audience=my_domain_audience)
    except LoginUrlError as error:
        return UrlCheck(findings=[make_finding(error.code, str(error))])
    return UrlCheck(target=target)


def check_audience(target: LoginTarget, audience: str) -> list[Finding]:
    """Warn when the audience belongs to another kind of org than the URL."""
    chosen = normalise_audience(audience)
    if not chosen or chosen == normalise_audience(target.default_audience):
        return []
    if target.is_sandbox and chosen == PRODUCTION_AUDIENCE:
        return [_audience_mismatch(target, chosen, "a sandbox")]
    if target.kind in PRODUCTION_KINDS and chosen == SANDBOX_AUDIENCE:
        return [_audience_mismatch(target, chosen, "a production org")]
    return []


def _audience_mismatch(target: LoginTarget, audience: str, org: str) -> Finding:
    return make_finding(
        "audience_mismatch",
        f"The audience is {audience}, but {target.base_url} is the login URL of "
        f"{org} (automatic audience: {target.default_audience}).",
        evidence={"audience": audience, "login_url": target.base_url},
    )


def check_numbers(*, timeout_s: object, lifetime_s: object) -> list[Finding]:
    """Timeout and lifetime must be positive numbers (a bool is not a number)."""
    findings = []
    if not _positive(timeout_s):
        findings.append(
            make_finding("timeout_invalid", f"The timeout is {timeout_s!r}.")
        )
    if not _positive(lifetime_s) or not float(str(lifetime_s)).is_integer():
        detail = f"The lifetime is {lifetime_s!r}."
        findings.append(make_finding("lifetime_invalid", detail))
    return findings


def _positive(value: object) -> bool:
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        return False
    return 0 < value < float("inf")


def check_ca_bundle(ca_bundle: str) -> list[Finding]:
    if not ca_bundle.strip():
        return []
    path = Path(ca_bundle).expanduser()
    if not path.is_file():
        return [make_finding("ca_bundle_missing", f"There is no file at {path}.")]
    return []
