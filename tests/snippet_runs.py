"""Running exported snippets as a user would, against the demo org on loopback.

The key is written in the form under test, the export rendered for it, and the
command run in a child process with the passphrase in its environment. For
exports that only work against real Salesforce host names, the demo org also
serves HTTPS behind a relay proxy that answers for those names on this computer.
"""

from __future__ import annotations

import os
import shutil
import subprocess
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from cryptography import x509
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from cryptography.hazmat.primitives.serialization import pkcs12
from loopback_servers import CaSignedTlsFiles, LoopbackServer, relay_to

from sfjwt_gui.demo.server import DemoServer
from sfjwt_gui.engine.exports import ExportFormat, render_export
from sfjwt_gui.engine.keyfiles import identify_file

KeyPair = tuple[rsa.RSAPrivateKey, x509.Certificate]
PASSPHRASE = "run the snippet, 7 words long"
RUN_TIMEOUT_S = 120
NODE_MODULES = (
    Path(__file__).parent.parent / ".ci-cache" / "node-snippets" / "node_modules"
)


def write_key(path: Path, key_pair: KeyPair, form: str) -> Path:
    """The test key in one of the forms a user may have: pem, locked-pem, der, p12."""
    key, cert = key_pair
    locked = serialization.BestAvailableEncryption(PASSPHRASE.encode())
    if form == "pem":
        data = key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
    elif form == "locked-pem":
        data = key.private_bytes(
            serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, locked
        )
    elif form == "locked-der":
        data = key.private_bytes(
            serialization.Encoding.DER, serialization.PrivateFormat.PKCS8, locked
        )
    else:
        data = pkcs12.serialize_key_and_certificates(b"sfjwt", key, cert, None, locked)
    path.write_bytes(data)
    return path


def exported(
    demo: Any, export_format: ExportFormat, key_path: Path | str, **changes: str
) -> str:
    """The export of the demo login with this key file, ``changes`` applied."""
    settings = demo.settings(key_path=str(key_path), cert_path="", **changes)
    return render_export(
        export_format,
        settings,
        profile_name="Demo",
        key_identity=identify_file(Path(key_path).expanduser()),
    )


def run(command: list[str], *, cwd: Path | None = None, **env: str) -> str:
    """Run like a user's shell: the passphrase in the environment, nothing else."""
    done = subprocess.run(
        command,
        capture_output=True,
        text=True,
        check=False,
        cwd=cwd,
        env={**os.environ, "SFJWT_KEY_PASSPHRASE": PASSPHRASE, **env},
        timeout=RUN_TIMEOUT_S,
    )
    assert done.returncode == 0, done.stdout + done.stderr
    return done.stdout


def assert_logged_in(output: str, demo: Any) -> None:
    user_id = demo.org.settings.user_id
    assert f"Logged in: {demo.base_url} as user {user_id}" in output
    assert demo.org.login_count >= 1


def node_with_modules() -> dict[str, str] | None:
    """NODE_PATH under which jsforce and jsonwebtoken resolve; None if they do not."""
    node = shutil.which("node")
    if node is None:
        return None
    env = {**os.environ}
    if NODE_MODULES.is_dir():
        env["NODE_PATH"] = str(NODE_MODULES)
    probe = subprocess.run(
        [node, "-e", "require('jsforce'); require('jsonwebtoken')"],
        capture_output=True,
        check=False,
        env=env,
        timeout=RUN_TIMEOUT_S,
    )
    return {"NODE_PATH": env.get("NODE_PATH", "")} if probe.returncode == 0 else None


def run_line(text: str, prefix: str) -> str:
    """The command line the snippet's header says to run it with."""
    lines = [line for line in text.splitlines() if line.startswith(prefix)]
    assert len(lines) == 1, text
    return lines[0][len(prefix) :]


@contextmanager
def salesforce_hosts_on_loopback(
    org: Any, tls: CaSignedTlsFiles
) -> Iterator[tuple[DemoServer, LoopbackServer]]:
    """The demo org over HTTPS and a proxy that tunnels any host name to it.

    ``tls`` must name the Salesforce hosts the client asks for: through the
    tunnel the client checks the demo org's certificate against them, trusting
    ``tls.ca_cert_path`` (give it as REQUESTS_CA_BUNDLE).
    """
    https_demo = DemoServer(org, tls_cert=tls.cert_path, tls_key=tls.key_path)
    https_demo.start()
    try:
        port = int(https_demo.base_url.rsplit(":", 1)[1])
        with LoopbackServer(relay_to(port)) as proxy:
            yield https_demo, proxy
    finally:
        https_demo.stop()
