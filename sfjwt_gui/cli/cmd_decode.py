"""`sfjwt decode`: read any JWT, optionally checking its signature."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from sfjwt_gui.cli.output import Style, print_json, print_rows
from sfjwt_gui.engine.assertion import (
    decode_jwt,
    explain_claims,
    explain_header,
    verify_signature,
)
from sfjwt_gui.engine.keyfiles import load_certificate

NOT_VERIFIED = 1


def run(args: argparse.Namespace) -> int:
    text = sys.stdin.read() if args.jwt == "-" else args.jwt
    decoded = decode_jwt(text)
    verified: bool | None = None
    if args.cert:
        certificate = load_certificate(Path(args.cert).expanduser())
        verified = verify_signature(
            text.strip().removeprefix("Bearer ").strip(), certificate
        )

    if args.json:
        print_json(
            {
                "header": decoded.header,
                "claims": decoded.claims,
                "signature_verified": verified,
            }
        )
        return NOT_VERIFIED if verified is False else 0

    style = Style(sys.stdout)
    out = sys.stdout
    out.write(style.bold("Header") + "\n")
    print_rows(
        [
            (line.name, f"{line.value}  {style.dim(line.meaning)}")
            for line in explain_header(decoded.header)
        ],
        style,
        out,
    )
    out.write("\n" + style.bold("Claims") + "\n")
    rows = []
    for line in explain_claims(decoded.claims):
        value = f"{line.value} = {line.readable}" if line.readable else line.value
        rows.append((line.name, f"{value}  {style.dim(line.meaning)}"))
    print_rows(rows, style, out)
    if verified is not None:
        verdict = style.green("verifies") if verified else style.red("does NOT verify")
        out.write(f"\nSignature {verdict} against {args.cert}\n")
    return NOT_VERIFIED if verified is False else 0
