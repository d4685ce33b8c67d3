"""What every hand-off export is made from: the login's inputs, secrets left out.

An export names the key file and the environment variable holding its
passphrase; it never holds the key or the passphrase. How a language can read
the key depends on the file's form, so the form travels with the inputs.
"""

from __future__ import annotations

import json
import os
import shlex
import textwrap
from dataclasses import dataclass
from enum import Enum
from typing import TYPE_CHECKING
from urllib.parse import urlsplit, urlunsplit

from sfjwt_gui import APP_NAME, __version__
from sfjwt_gui.engine.errors import UsageError
from sfjwt_gui.engine.filekinds import FileIdentity, FileKind
from sfjwt_gui.engine.loginurl import classify_login_url, effective_audience

if TYPE_CHECKING:
    from sfjwt_gui.engine.login import LoginSettings

# The name of a variable, not a passphrase.
PASSPHRASE_ENV = "SFJWT_KEY_PASSPHRASE"  # noqa: S105
# Where snippets that cannot open the key file's form read a converted PEM key.
PRIVATE_KEY_ENV = "SFJWT_PRIVATE_KEY"
JWT_BEARER_GRANT = "urn:ietf:params:oauth:grant-type:jwt-bearer"
EXPORTED_BY = f"{APP_NAME} {__version__}"
DIRECT_PROXY = "direct"


class KeyForm(str, Enum):
    """How the private key file is stored."""

    PEM = "pem"  # PKCS#1 or PKCS#8 text
    DER = "der"
    PKCS12 = "pkcs12"


@dataclass(frozen=True)
class ExportInputs:
    """One login's settings as an export writes them in."""

    login_url: str
    token_url: str
    audience: str
    client_id: str
    username: str
    key_path: str
    key_form: KeyForm = KeyForm.PEM
    key_encrypted: bool = False
    # "pkcs8" or "pkcs1": what a DER key holds (readers of DER must be told).
    der_type: str = "pkcs8"
    is_sandbox: bool = False
    login_host: str = ""
    lifetime_s: int = 180
    timeout_s: float = 30.0
    ca_bundle: str = ""
    proxy: str = ""
    profile_name: str = ""

    @property
    def plain_pem(self) -> bool:
        """True when any JWT library can read the key file as it is."""
        return self.key_form is KeyForm.PEM and not self.key_encrypted

    @property
    def proxy_url(self) -> str:
        """The profile's own proxy ("" for the environment's or none)."""
        if self.proxy in ("", DIRECT_PROXY):
            return ""
        return without_password(self.proxy)


def inputs_from_settings(
    settings: LoginSettings,
    *,
    profile_name: str = "",
    key_identity: FileIdentity | None = None,
) -> ExportInputs:
    """The export inputs of a login; UsageError or LoginUrlError when unusable.

    ``key_identity`` is what keyfiles.identify_file said about the key file;
    without it the key is taken for an unencrypted PEM file.
    """
    target = classify_login_url(settings.login_url)
    audience, _reason = effective_audience(target, settings.audience)
    values = {
        "consumer key": settings.client_id.strip(),
        "username": settings.username.strip(),
        "private key file": settings.key_path.strip(),
    }
    missing = [name for name, value in values.items() if not value]
    if missing:
        raise UsageError(
            f"The {' and '.join(missing)} {'is' if len(missing) == 1 else 'are'} "
            "empty; an export needs them.",
            code="export_incomplete",
            fix="Fill them in (step 2 of the window, or the login options), then "
            "export again.",
        )

    form, encrypted, der_type = _key_form(key_identity)
    return ExportInputs(
        login_url=target.base_url,
        token_url=target.token_endpoint,
        audience=audience,
        client_id=values["consumer key"],
        username=values["username"],
        key_path=absolute_path(values["private key file"]),
        key_form=form,
        key_encrypted=encrypted,
        der_type=der_type,
        is_sandbox=target.is_sandbox,
        login_host=target.host,
        lifetime_s=settings.lifetime_s,
        timeout_s=settings.timeout_s,
        ca_bundle=absolute_path(settings.ca_bundle.strip()),
        proxy=settings.proxy.strip(),
        profile_name=profile_name,
    )


def absolute_path(path: str) -> str:
    """``path`` with ``~`` expanded, made absolute ("" stays "").

    The app expands ``~`` itself, but an export quotes the path for a shell or
    writes it into code, where nothing would expand it; and the export may run
    from another folder.
    """
    if not path:
        return ""
    return os.path.abspath(os.path.expanduser(path))


def _key_form(identity: FileIdentity | None) -> tuple[KeyForm, bool, str]:
    if identity is None:
        return KeyForm.PEM, False, "pkcs8"
    der_type = "pkcs1" if identity.container == "PKCS#1" else "pkcs8"
    if identity.kind is FileKind.PKCS12:
        return KeyForm.PKCS12, identity.encrypted, der_type
    if identity.encoding == "DER":
        return KeyForm.DER, identity.encrypted, der_type
    return KeyForm.PEM, identity.encrypted, der_type


def without_password(url: str) -> str:
    """A URL with any password in it removed (the user name stays)."""
    try:
        parts = urlsplit(url)
    except ValueError:
        return url
    if parts.password is None:
        return url
    user = parts.username or ""
    host = parts.netloc.rpartition("@")[2]
    return urlunsplit(parts._replace(netloc=f"{user}@{host}" if user else host))


def pem_key_command(inputs: ExportInputs) -> str:
    """A shell command printing the key as unencrypted PEM, for tools that need it.

    The passphrase comes from the environment; the decrypted key only passes
    through a pipe or a private temporary file.
    """
    path = shlex.quote(inputs.key_path)
    passin = f"env:{PASSPHRASE_ENV}" if inputs.key_encrypted else "pass:"
    if inputs.key_form is KeyForm.PKCS12:
        return (
            f"openssl pkcs12 -in {path} -nocerts -nodes -passin {passin} | openssl pkey"
        )
    inform = " -inform DER" if inputs.key_form is KeyForm.DER else ""
    password = f" -passin {passin}" if inputs.key_encrypted else ""
    return f"openssl pkey{inform} -in {path}{password}"


def comment_text(text: str) -> str:
    """``text`` safe inside a one-line comment: no line breaks or control characters."""
    return "".join(char if char.isprintable() else " " for char in text)


def py_string(text: str) -> str:
    """A double-quoted Python string literal."""
    parts = []
    for char in text:
        if char in '\\"':
            parts.append("\\" + char)
        elif char.isprintable():
            parts.append(char)
        else:
            parts.append(repr(char)[1:-1])
    return '"' + "".join(parts) + '"'


def js_string(text: str) -> str:
    """A JavaScript string literal (JSON's escapes are valid JavaScript)."""
    return json.dumps(text)


def go_string(text: str) -> str:
    """A Go interpreted string literal (UTF-8 kept: Go refuses lone surrogates)."""
    return json.dumps(text, ensure_ascii=False)


def snippet_title(inputs: ExportInputs, what: str) -> list[str]:
    """The opening lines of a snippet: who logs in, with what, exported by whom."""
    text = (
        f"Log in to Salesforce as {comment_text(inputs.username)} with the JWT "
        f"bearer flow, using {what} (exported by {EXPORTED_BY})."
    )
    return textwrap.wrap(text, width=76, break_on_hyphens=False)
