"""The connectivity check: can this computer reach the login host at all?

Before any credentials matter, four things must work. Each is a step with its
own timing and, when it fails, a plain message and a fix:

1. resolve - the login host's addresses (through a proxy, the proxy's: the
   proxy resolves the login host itself);
2. connect - a TCP connection, or through a proxy a connection to it and a
   CONNECT tunnel to the login host;
3. tls - the handshake, verified the way the login verifies (the system's
   trust store, or the CA bundle); when it fails, the certificate the server
   presented is named;
4. services_data - GET /services/data/ without credentials, sent the way the
   login sends its request: Salesforce answers anyone with its API versions.

The check stops at the first failure. ``on_step`` hears of each step as it
finishes (on the calling thread) and ``cancel`` is honoured between steps.
"""

from __future__ import annotations

import logging
import math
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from sfjwt_gui.engine.connectivity_steps import (
    VERSIONS_PATH,
    CheckState,
    Facts,
    Probe,
    StepOutcome,
)
from sfjwt_gui.engine.errors import UsageError
from sfjwt_gui.engine.exchange import check_url_allowed
from sfjwt_gui.engine.loginurl import classify_login_url
from sfjwt_gui.engine.proxies import proxy_for_url

__all__ = [
    "DEFAULT_TIMEOUT_S",
    "CheckState",
    "CheckStep",
    "ConnectivityReport",
    "check_connectivity",
]

logger = logging.getLogger(__name__)

DEFAULT_TIMEOUT_S = 10.0


@dataclass(frozen=True)
class CheckStep:
    """One finished step: its outcome in words, timing and the facts seen."""

    key: str  # resolve, connect, tls, services_data
    title: str
    state: CheckState
    message: str
    fix: str = ""
    facts: Facts = ()
    elapsed_ms: float = 0.0

    @classmethod
    def from_outcome(
        cls, key: str, outcome: StepOutcome, elapsed_ms: float
    ) -> CheckStep:
        return cls(
            key=key,
            title=outcome.title,
            state=outcome.state,
            message=outcome.message,
            fix=outcome.fix,
            facts=outcome.facts,
            elapsed_ms=elapsed_ms,
        )

    @property
    def ok(self) -> bool:
        return self.state is not CheckState.FAILED

    def to_dict(self) -> dict[str, Any]:
        return {
            "step": self.key,
            "title": self.title,
            "state": self.state.value,
            "elapsed_ms": round(self.elapsed_ms, 1),
            "message": self.message,
            "fix": self.fix,
            "facts": dict(self.facts),
        }


@dataclass
class ConnectivityReport:
    """Every step run so far; ``ok`` once all four passed."""

    url: str
    host: str
    port: int
    proxy: str = ""  # the proxy used, without credentials; "" is direct
    steps: list[CheckStep] = field(default_factory=list)
    cancelled: bool = False

    @property
    def ok(self) -> bool:
        finished = bool(self.steps) and self.steps[-1].key == "services_data"
        return finished and all(step.ok for step in self.steps)

    @property
    def failed_step(self) -> CheckStep | None:
        return next((step for step in self.steps if not step.ok), None)

    @property
    def total_ms(self) -> float:
        return sum(step.elapsed_ms for step in self.steps)

    def to_dict(self) -> dict[str, Any]:
        return {
            "url": self.url,
            "host": self.host,
            "port": self.port,
            "proxy": self.proxy,
            "ok": self.ok,
            "cancelled": self.cancelled,
            "total_ms": round(self.total_ms, 1),
            "steps": [step.to_dict() for step in self.steps],
        }


StepListener = Callable[[CheckStep], None]


def check_connectivity(
    login_url: str,
    *,
    proxy: str = "",
    ca_bundle: str = "",
    timeout_s: float = DEFAULT_TIMEOUT_S,
    cancel: threading.Event | None = None,
    on_step: StepListener | None = None,
) -> ConnectivityReport:
    """Run the steps against ``login_url`` and report them.

    Raises SfjwtError before any step for inputs that cannot be used (the
    login URL, the proxy setting, a missing CA bundle, the timeout); every
    network problem is a failed step instead.
    """
    target = classify_login_url(login_url)
    check_url_allowed(target.base_url)
    if (
        isinstance(timeout_s, bool)
        or not isinstance(timeout_s, (int, float))
        or not 0 < timeout_s < math.inf
    ):
        raise UsageError(
            f"The timeout must be a positive number of seconds, not {timeout_s!r}.",
            fix="Give a timeout such as 10.",
        )
    bundle = ca_bundle.strip()
    if bundle and not Path(bundle).expanduser().is_file():
        raise UsageError(
            f"The CA bundle {bundle} does not exist.",
            code="ca_bundle_missing",
            fix="Choose the PEM file of your network's certificate authority, or "
            "leave the CA bundle empty.",
        )

    url = target.base_url + VERSIONS_PATH
    probe = Probe(
        url,
        proxy_setting=proxy,
        proxy=proxy_for_url(proxy, url),
        ca_bundle=bundle,
        timeout=float(timeout_s),
        cancel=cancel,
    )
    report = ConnectivityReport(
        url=url,
        host=probe.host,
        port=probe.port,
        proxy=probe.proxy.shown if probe.proxy else "",
    )
    try:
        _run_steps(probe, report, cancel, on_step)
    finally:
        probe.close()
    logger.info(
        "Connectivity check of %s: %s in %.0f ms",
        url,
        "ok" if report.ok else _outcome(report),
        report.total_ms,
    )
    return report


def _outcome(report: ConnectivityReport) -> str:
    if report.cancelled:
        return "cancelled"
    failed = report.failed_step
    return f"failed at {failed.key}" if failed else "incomplete"


def _run_steps(
    probe: Probe,
    report: ConnectivityReport,
    cancel: threading.Event | None,
    on_step: StepListener | None,
) -> None:
    steps = (
        ("resolve", probe.resolve),
        ("connect", probe.connect),
        ("tls", probe.handshake),
        ("services_data", probe.read_versions),
    )
    for key, work in steps:
        if cancel is not None and cancel.is_set():
            report.cancelled = True
            return

        started = time.perf_counter()
        outcome = work()
        elapsed_ms = (time.perf_counter() - started) * 1000.0
        step = CheckStep.from_outcome(key, outcome, elapsed_ms)
        report.steps.append(step)
        if on_step is not None:
            on_step(step)
        if not step.ok:
            return
