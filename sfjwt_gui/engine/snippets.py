"""Working login code to hand on in Python: requests + PyJWT, and simple-salesforce.

Each snippet signs a fresh assertion with the same claims the test used (or,
for simple-salesforce's own login, the same audience), posts it to the same
token URL and prints where it logged in, never the token. The key is read
from its file, its passphrase from ``SFJWT_KEY_PASSPHRASE``. Node.js and Go
live in snippets_node_go.py.
"""

from __future__ import annotations

import re

from sfjwt_gui.engine.export_inputs import (
    DIRECT_PROXY,
    JWT_BEARER_GRANT,
    PASSPHRASE_ENV,
    ExportInputs,
    KeyForm,
    py_string,
    snippet_title,
)

# What simple-salesforce can reach: https://NAME.salesforce.com, no port or path.
_SALESFORCE_HOST_URL = re.compile(r"^https://([a-z0-9.-]+)\.salesforce\.com$")


# -- Python --------------------------------------------------------------------


def python_requests(inputs: ExportInputs) -> str:
    """A Python script: PyJWT signs, requests posts."""
    lines = [
        *_python_docstring(inputs, "requests and PyJWT", "requests pyjwt cryptography"),
        *_python_imports(inputs),
        "",
        *_python_constants(inputs),
        "",
        "",
        *_python_load_key_function(inputs),
        "",
        "",
        *_python_login(inputs),
        "print(f\"Logged in: {answer['instance_url']} as user {user_id}\")",
    ]
    return "\n".join(lines) + "\n"


def python_simple_salesforce(inputs: ExportInputs) -> str:
    """simple-salesforce's own JWT login where it can reach the host, else ours."""
    native = _simple_salesforce_domains(inputs)
    # Its own login takes no CA bundle or proxy across versions (requests, then
    # httpx): with either set, the script logs in itself as the test did.
    own_network = bool(inputs.ca_bundle) or inputs.proxy != ""
    if native is None or own_network:
        return _simple_salesforce_session(inputs)
    domain, token_host = native

    # instance_url, a token host apart from the audience, came in 1.12.6.
    packages = '"simple-salesforce>=1.12.6"' if token_host else "simple-salesforce"
    if not inputs.plain_pem:
        packages += " cryptography"
    lines = [
        *_python_docstring(inputs, "simple-salesforce", packages),
        *(["import os"] if inputs.key_encrypted else []),
        "from pathlib import Path",
        "",
        *([] if inputs.plain_pem else _python_key_imports(inputs, for_conversion=True)),
        "from simple_salesforce import Salesforce",
        "",
        f"CLIENT_ID = {py_string(inputs.client_id)}",
        f"USERNAME = {py_string(inputs.username)}",
        f"KEY_FILE = Path({py_string(inputs.key_path)})",
        "",
    ]
    key_argument = "privatekey_file=str(KEY_FILE)"
    if not inputs.plain_pem:
        # simple-salesforce hands the key to PyJWT as it is: decrypt it first.
        key_argument = "privatekey=private_key_pem()"
        lines += [
            "",
            *_python_load_key_function(inputs),
            "",
            "",
            "def private_key_pem():",
            "    return load_key().private_bytes(",
            "        serialization.Encoding.PEM,",
            "        serialization.PrivateFormat.PKCS8,",
            "        serialization.NoEncryption(),",
            "    ).decode()",
            "",
        ]
    lines += [
        "",
        f"# domain sets the audience: https://{domain}.salesforce.com",
        "sf = Salesforce(",
        "    username=USERNAME,",
        "    consumer_key=CLIENT_ID,",
        f"    {key_argument},",
        f"    domain={py_string(domain)},",
        *([f"    instance_url={py_string(token_host)},"] if token_host else []),
        ")",
        'print(f"Logged in: https://{sf.sf_instance}")',
    ]
    return "\n".join(lines) + "\n"


def _simple_salesforce_domains(inputs: ExportInputs) -> tuple[str, str] | None:
    """simple-salesforce's ``domain`` (the audience) and ``instance_url`` (host).

    None when it cannot express this login: it builds both URLs as
    https://NAME.salesforce.com.
    """
    audience = _SALESFORCE_HOST_URL.match(inputs.audience.lower())
    token_host = _SALESFORCE_HOST_URL.match(inputs.login_url.lower())
    if audience is None or token_host is None:
        return None
    domain, host = audience.group(1), token_host.group(1)
    return domain, "" if host == domain else host


def _simple_salesforce_session(inputs: ExportInputs) -> str:
    """Log in with PyJWT and requests, then hand the session to simple-salesforce.

    For hosts simple-salesforce cannot build (a site, a proxy, the demo org) and
    for profiles with their own CA bundle or proxy.
    """
    lines = [
        *_python_docstring(
            inputs,
            "simple-salesforce",
            "simple-salesforce requests pyjwt cryptography",
            "simple-salesforce's own JWT login reaches only "
            "https://NAME.salesforce.com hosts,\nand not through this profile's CA "
            "bundle or proxy: this script signs and posts\nthe assertion itself, "
            "as sfjwt-gui does, then hands the session to simple-salesforce.",
        ),
        *_python_imports(inputs),
        "from simple_salesforce import Salesforce",
        "",
        *_python_constants(inputs),
        "",
        "",
        *_python_load_key_function(inputs),
        "",
        "",
        *_python_login(inputs),
        "sf = Salesforce(",
        '    instance_url=answer["instance_url"], session_id=answer["access_token"]',
        ")",
        "print(f\"Logged in: {answer['instance_url']} as user {user_id}\")",
    ]
    return "\n".join(lines) + "\n"


def _python_docstring(
    inputs: ExportInputs, what: str, packages: str, remark: str = ""
) -> list[str]:
    title = snippet_title(inputs, what)
    lines = [f'"""{title[0]}', *title[1:], ""]
    if remark:
        lines += [remark, ""]
    lines.append(f"Needs: pip install {packages}")
    if inputs.key_encrypted:
        lines.append(f"The key's passphrase is read from ${PASSPHRASE_ENV}.")
    if not inputs.ca_bundle:
        lines.append(
            "Behind a proxy that re-signs TLS: pip install truststore, then run first:"
        )
        lines.append("    import truststore; truststore.inject_into_ssl()")
    return [*lines, '"""', ""]


def _python_imports(inputs: ExportInputs) -> list[str]:
    return [
        *(["import os"] if inputs.key_encrypted else []),
        "import time",
        "from pathlib import Path",
        "",
        "import jwt",
        "import requests",
        *_python_key_imports(inputs, for_conversion=False),
    ]


def _python_key_imports(inputs: ExportInputs, *, for_conversion: bool) -> list[str]:
    if inputs.key_form is KeyForm.PKCS12:
        loader = "pkcs12"
    elif inputs.key_form is KeyForm.DER:
        loader = "load_der_private_key"
    else:
        loader = "load_pem_private_key"
    lines = []
    if for_conversion:
        lines.append("from cryptography.hazmat.primitives import serialization")
    lines.append(f"from cryptography.hazmat.primitives.serialization import {loader}")
    return lines


def _python_constants(inputs: ExportInputs) -> list[str]:
    lines = [
        f"TOKEN_URL = {py_string(inputs.token_url)}",
        f"CLIENT_ID = {py_string(inputs.client_id)}",
        f"USERNAME = {py_string(inputs.username)}",
        f"AUDIENCE = {py_string(inputs.audience)}",
        f"KEY_FILE = Path({py_string(inputs.key_path)})",
        f"LIFETIME_S = {int(inputs.lifetime_s)}",
    ]
    if inputs.ca_bundle:
        lines.append(f"CA_BUNDLE = {py_string(inputs.ca_bundle)}")
    if inputs.proxy_url:
        lines.append(f"PROXY = {py_string(inputs.proxy_url)}")
    return lines


def _python_load_key_function(inputs: ExportInputs) -> list[str]:
    lines = ["def load_key():"]
    argument = "None"
    if inputs.key_encrypted:
        lines.append(
            f"    passphrase = os.environ[{py_string(PASSPHRASE_ENV)}].encode()"
        )
        argument = "passphrase"
    if inputs.key_form is KeyForm.PKCS12:
        lines += [
            "    key, _cert, _others = pkcs12.load_key_and_certificates(",
            f"        KEY_FILE.read_bytes(), {argument}",
            "    )",
            "    return key",
        ]
    elif inputs.key_form is KeyForm.DER:
        lines.append(
            f"    return load_der_private_key(KEY_FILE.read_bytes(), {argument})"
        )
    else:
        lines.append(
            f"    return load_pem_private_key(KEY_FILE.read_bytes(), {argument})"
        )
    return lines


def _python_login(inputs: ExportInputs) -> list[str]:
    """Sign, post, stop on a refusal; leaves ``answer`` and ``user_id``."""
    session_lines = ["session = requests.Session()"]
    network = ", verify=CA_BUNDLE" if inputs.ca_bundle else ""
    if inputs.proxy == DIRECT_PROXY:
        session_lines.append("session.trust_env = False  # the profile uses no proxy")
    elif inputs.proxy_url:
        session_lines += [
            "# The profile's proxy, given with the request so HTTPS_PROXY cannot",
            "# override it; hosts in NO_PROXY still go direct.",
            'proxies = {"https": PROXY, "http": PROXY}',
            "if requests.utils.should_bypass_proxies(TOKEN_URL, no_proxy=None):",
            "    proxies = {}",
        ]
        network += ", proxies=proxies"
    return [
        "claims = {",
        '    "iss": CLIENT_ID,',
        '    "sub": USERNAME,',
        '    "aud": AUDIENCE,',
        '    "exp": int(time.time()) + LIFETIME_S,',
        "}",
        'assertion = jwt.encode(claims, load_key(), algorithm="RS256")',
        *session_lines,
        "form = {",
        f'    "grant_type": {py_string(JWT_BEARER_GRANT)},',
        '    "assertion": assertion,',
        "}",
        "response = session.post(",
        f"    TOKEN_URL, data=form, timeout={float(inputs.timeout_s)!r}{network}",
        ")",
        "if response.status_code != 200:",
        '    raise SystemExit(f"Login refused: HTTP {response.status_code} '
        '{response.text}")',
        "answer = response.json()",
        'user_id = answer["id"].rstrip("/").rpartition("/")[2]',
    ]
