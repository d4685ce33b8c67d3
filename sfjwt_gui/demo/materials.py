"""The demo org's own key pair, kept in the config dir and reused across runs."""

from __future__ import annotations

import logging
from dataclasses import dataclass
from pathlib import Path

from cryptography import x509

from sfjwt_gui.engine import paths
from sfjwt_gui.engine.certinfo import key_matches_certificate
from sfjwt_gui.engine.errors import KeyFileError
from sfjwt_gui.engine.keyfiles import load_certificate, load_private_key
from sfjwt_gui.engine.keys import (
    Subject,
    generate_private_key,
    self_signed_certificate,
    write_key_and_certificate,
)

logger = logging.getLogger(__name__)

DEMO_SUBJECT = Subject(common_name="sfjwt demo org", organization="sfjwt-gui demo")


@dataclass(frozen=True)
class DemoMaterials:
    key_path: Path
    cert_path: Path
    certificate: x509.Certificate


def demo_dir() -> Path:
    return paths.config_dir() / "demo"


def ensure_demo_materials(directory: Path | None = None) -> DemoMaterials:
    """Reuse the demo key pair if it is intact, otherwise make a new one."""
    folder = directory or demo_dir()
    key_path, cert_path = folder / "demo.key", folder / "demo.crt"
    try:
        key = load_private_key(key_path)
        certificate = load_certificate(cert_path)
    except KeyFileError:
        logger.info("Creating the demo key pair in %s", folder)
        key = generate_private_key(2048)
        certificate = self_signed_certificate(key, DEMO_SUBJECT)
        write_key_and_certificate(
            folder,
            key,
            certificate,
            force=True,
            key_name=key_path.name,
            cert_name=cert_path.name,
        )
        return DemoMaterials(key_path, cert_path, certificate)

    if not key_matches_certificate(key, certificate):
        logger.warning("Demo key and certificate differ; making a new pair")
        key_path.unlink()
        return ensure_demo_materials(folder)
    return DemoMaterials(key_path, cert_path, certificate)
