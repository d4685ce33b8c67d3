"""`sfjwt keygen` and `sfjwt inspect`."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import Any

from cryptography import x509
from cryptography.hazmat.primitives.asymmetric import rsa

from sfjwt_gui.cli.output import Style, print_json, print_rows
from sfjwt_gui.cli.passphrase import passphrase_from_env
from sfjwt_gui.engine.certinfo import (
    describe_certificate,
    describe_key,
    key_matches_certificate,
)
from sfjwt_gui.engine.errors import KeyFileError
from sfjwt_gui.engine.keyfiles import (
    FileKind,
    identify_file,
    load_certificate,
    load_private_key,
)
from sfjwt_gui.engine.keys import (
    Subject,
    generate_private_key,
    self_signed_certificate,
    write_key_and_certificate,
)

FAILED = 1


def run(args: argparse.Namespace) -> int:
    if args.command == "keygen":
        return keygen(args)
    return inspect(args)


def keygen(args: argparse.Namespace) -> int:
    passphrase = passphrase_from_env(args.passphrase_env)
    key = generate_private_key(args.bits)
    cert = self_signed_certificate(key, Subject(common_name=args.cn), days=args.days)
    written = write_key_and_certificate(
        Path(args.out).expanduser(), key, cert, passphrase=passphrase, force=args.force
    )

    info = describe_certificate(cert)
    style = Style(sys.stdout)
    sys.stdout.write(style.bold("Key and certificate written.") + "\n")
    print_rows(
        [
            (
                "Private key",
                f"{written.key_path} (keep it secret; mode 0600"
                + (", AES-256 encrypted)" if passphrase else ")"),
            ),
            ("Certificate", f"{written.cert_path} (upload this to the connected app)"),
            ("Subject", info.subject),
            ("Valid until", f"{info.not_after:%Y-%m-%d} ({info.days_left()} days)"),
            ("SHA-256", info.sha256_fingerprint),
        ],
        style,
        sys.stdout,
    )
    sys.stdout.write(
        "Next: in Setup > App Manager > your connected app > Edit, tick "
        "Use digital signatures and upload the certificate.\n"
    )
    return 0


def inspect(args: argparse.Namespace) -> int:
    passphrase = passphrase_from_env(args.passphrase_env)
    reports: list[dict[str, Any]] = []
    keys: list[tuple[str, rsa.RSAPrivateKey]] = []
    certs: list[tuple[str, x509.Certificate]] = []
    for name in args.files:
        report = _inspect_one(Path(name), passphrase, keys, certs)
        reports.append(report)

    matches = [
        {
            "key": key_name,
            "certificate": cert_name,
            "match": key_matches_certificate(key, cert),
        }
        for key_name, key in keys
        for cert_name, cert in certs
    ]
    failed = any(report.get("error") for report in reports)
    failed = failed or any(not match["match"] for match in matches)

    if args.json:
        print_json({"files": reports, "matches": matches})
        return FAILED if failed else 0
    _print_inspection(reports, matches)
    return FAILED if failed else 0


def _inspect_one(
    path: Path,
    passphrase: bytes | None,
    keys: list[tuple[str, rsa.RSAPrivateKey]],
    certs: list[tuple[str, x509.Certificate]],
) -> dict[str, Any]:
    report: dict[str, Any] = {"file": str(path)}
    try:
        identity = identify_file(path)
    except KeyFileError as error:
        report["error"] = str(error)
        return report
    report["kind"] = identity.kind.value
    report["description"] = identity.description

    if identity.kind in (FileKind.PRIVATE_KEY, FileKind.PKCS12):
        try:
            key = load_private_key(path, passphrase)
        except KeyFileError as error:
            report["error"] = str(error)
        else:
            info = describe_key(key)
            report["key"] = {
                "type": info.key_type,
                "bits": info.bits,
                "public_sha256": info.public_sha256,
            }
            keys.append((str(path), key))
    if identity.kind in (FileKind.CERTIFICATE, FileKind.PKCS12):
        try:
            cert = load_certificate(path, passphrase)
        except KeyFileError as error:
            report.setdefault("error", str(error))
        else:
            report["certificate"] = _cert_report(cert)
            certs.append((str(path), cert))
    return report


def _cert_report(cert: x509.Certificate) -> dict[str, Any]:
    info = describe_certificate(cert)
    return {
        "subject": info.subject,
        "issuer": info.issuer,
        "serial": info.serial_hex,
        "not_before": info.not_before.isoformat(),
        "not_after": info.not_after.isoformat(),
        "days_left": info.days_left(),
        "sha256": info.sha256_fingerprint,
        "sha1": info.sha1_fingerprint,
        "key": f"{info.key_type} {info.key_bits} bits",
        "signature_hash": info.signature_hash,
        "self_signed": info.self_signed,
    }


def _print_inspection(
    reports: list[dict[str, Any]], matches: list[dict[str, Any]]
) -> None:
    style = Style(sys.stdout)
    out = sys.stdout
    for report in reports:
        out.write(style.bold(report["file"]) + "\n")
        rows = [("What", report.get("description", "?"))]
        if "key" in report:
            key = report["key"]
            rows.append(("Key", f"{key['type']} {key['bits']} bits"))
        if "certificate" in report:
            cert = report["certificate"]
            days = cert["days_left"]
            left = (
                style.red(f"expired {-days} days ago")
                if days < 0
                else f"{days} days left"
            )
            rows += [
                ("Subject", cert["subject"]),
                ("Issuer", cert["issuer"]),
                ("Serial", cert["serial"]),
                (
                    "Valid",
                    f"{cert['not_before'][:10]} to {cert['not_after'][:10]} ({left})",
                ),
                ("SHA-256", cert["sha256"]),
                ("SHA-1", cert["sha1"]),
            ]
        if "error" in report:
            rows.append(("Problem", style.red(report["error"])))
        print_rows(rows, style, out)
        out.write("\n")
    for match in matches:
        verdict = (
            style.green("belong together")
            if match["match"]
            else style.red("do NOT belong together")
        )
        out.write(f"{match['key']} and {match['certificate']} {verdict}\n")
