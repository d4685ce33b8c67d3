"""`sfjwt check-connection`: can this computer reach the login host, step by step?

Resolves the host, connects (through the proxy when there is one), completes
TLS and reads /services/data/ without credentials, printing each step as it
finishes. Exit status 0 when every step passed, 3 when one failed (as `sfjwt
login` does for network problems), 2 for unusable options.
"""

from __future__ import annotations

import argparse
import sys
from typing import TYPE_CHECKING, TextIO

from sfjwt_gui.cli.output import Style, print_json
from sfjwt_gui.engine.errors import UsageError

if TYPE_CHECKING:
    from sfjwt_gui.engine.connectivity import CheckStep, ConnectivityReport

OK_STATUS = 0
NETWORK_STATUS = 3
_STATE_WIDTH = 8


def run(args: argparse.Namespace) -> int:
    from sfjwt_gui.engine.connectivity import DEFAULT_TIMEOUT_S, check_connectivity
    from sfjwt_gui.engine.proxies import normalised_proxy

    login_url, proxy, ca_bundle = _inputs(args)
    normalised_proxy(proxy)  # an unusable proxy is a usage error, said up front
    stream = sys.stdout
    style = Style(stream)
    printer = None if args.json else _StepPrinter(style, stream)
    if printer is not None:
        stream.write(f"Checking {login_url} (proxy: {_proxy_words(proxy)})\n\n")
        stream.flush()

    report = check_connectivity(
        login_url,
        proxy=proxy,
        ca_bundle=ca_bundle,
        timeout_s=DEFAULT_TIMEOUT_S if args.timeout is None else args.timeout,
        on_step=printer.print_step if printer is not None else None,
    )

    if printer is None:
        print_json(report.to_dict())
    else:
        print_verdict(report, style, stream)
    return OK_STATUS if report.ok else NETWORK_STATUS


def _inputs(args: argparse.Namespace) -> tuple[str, str, str]:
    """Login URL, proxy setting and CA bundle: the profile's, then the options."""
    login_url, proxy, ca_bundle = args.login_url or "", "", ""
    if args.profile:
        from sfjwt_gui.engine.profiles import ProfileStore

        profile = ProfileStore().get(args.profile)
        login_url, proxy, ca_bundle = (
            profile.login_url,
            profile.proxy,
            profile.ca_bundle,
        )
        if not login_url.strip():
            raise UsageError(
                f"The profile {args.profile!r} has no login URL yet.",
                fix="Set one in the window (step 2) or give --login-url instead.",
            )
    if args.proxy is not None:
        proxy = args.proxy
    if args.ca_bundle is not None:
        ca_bundle = args.ca_bundle
    return login_url, proxy, ca_bundle


def _proxy_words(setting: str) -> str:
    from sfjwt_gui.engine.proxies import describe_setting

    return describe_setting(setting)


class _StepPrinter:
    """Writes each step the moment it finishes."""

    def __init__(self, style: Style, stream: TextIO) -> None:
        self._style = style
        self._stream = stream

    def print_step(self, step: CheckStep) -> None:
        style = self._style
        colour = {"ok": style.green, "failed": style.red}.get(
            step.state.value, style.dim
        )
        mark = colour(step.state.value.ljust(_STATE_WIDTH))
        indent = " " * (_STATE_WIDTH + 1)
        timing = style.dim(f"{step.elapsed_ms:.0f} ms")
        lines = [f"{mark} {style.bold(step.title)}  {timing}"]
        lines.append(f"{indent}{step.message}")
        lines.extend(f"{indent}{label}: {value}" for label, value in step.facts)
        if step.fix:
            lines.append(f"{indent}Fix: {step.fix}")
        self._stream.write("\n".join(lines) + "\n")
        self._stream.flush()


def print_verdict(report: ConnectivityReport, style: Style, stream: TextIO) -> None:
    """The one line that sums the check up."""
    stream.write("\n")
    if report.ok:
        text = f"Reachable: {report.url} answered in {report.total_ms:.0f} ms in all."
        stream.write(style.green(style.bold(text)) + "\n")
        return
    failed = report.failed_step
    where = failed.title if failed is not None else "an unfinished step"
    stream.write(style.red(style.bold(f"Not reachable: stopped at {where}.")) + "\n")
