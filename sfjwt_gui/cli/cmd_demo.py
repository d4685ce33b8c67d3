"""`sfjwt demo`: run the local demo org in the foreground."""

from __future__ import annotations

import argparse
import shlex
import sys
import time
from pathlib import Path

from sfjwt_gui.cli.output import Style, print_rows
from sfjwt_gui.demo.materials import ensure_demo_materials
from sfjwt_gui.demo.org import DemoOrg
from sfjwt_gui.demo.scenarios import SCENARIOS
from sfjwt_gui.demo.server import DemoServer
from sfjwt_gui.demo.settings import DEMO_CLIENT_ID, DEMO_USERNAME, DemoSettings
from sfjwt_gui.engine.keyfiles import load_certificate


def run(args: argparse.Namespace) -> int:
    style = Style(sys.stdout)
    if args.list_scenarios:
        for scenario in SCENARIOS.values():
            sys.stdout.write(f"{style.bold(scenario.name)}  {scenario.title}\n")
            sys.stdout.write(f"    {scenario.description}\n")
        return 0

    key_hint = "YOUR_KEY_FILE"
    if args.cert:
        certificate = load_certificate(Path(args.cert).expanduser())
    else:
        materials = ensure_demo_materials()
        certificate = materials.certificate
        key_hint = str(materials.key_path)

    settings = DemoSettings(
        client_id=args.client_id or DEMO_CLIENT_ID,
        username=args.username or DEMO_USERNAME,
        certificate=certificate,
    )
    org = DemoOrg(settings)
    org.set_scenario(args.scenario)
    server = DemoServer(org, port=args.port)
    server.start()

    command = [
        "sfjwt",
        "login",
        "--login-url",
        server.base_url,
        "--client-id",
        settings.client_id,
        "--username",
        settings.username,
        "--key",
        key_hint,
    ]
    sys.stdout.write(style.bold("Demo org running.") + " Press Ctrl+C to stop.\n")
    print_rows(
        [
            ("Login URL", server.base_url),
            ("Consumer key", settings.client_id),
            ("Username", settings.username),
            ("Private key", key_hint),
            ("Scenario", f"{args.scenario}: {SCENARIOS[args.scenario].title}"),
        ],
        style,
        sys.stdout,
    )
    sys.stdout.write(f"\nTry:\n  {shlex.join(command)}\n")
    sys.stdout.flush()
    try:
        # Waiting in short slices keeps Ctrl+C responsive on every platform.
        while True:
            time.sleep(0.5)
    except KeyboardInterrupt:
        sys.stdout.write("\nDemo org stopped.\n")
    finally:
        server.stop()
    return 0
