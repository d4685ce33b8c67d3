"""Key generation: RSA key plus self-signed certificate, as the app makes them.

RSA key generation searches for primes, so its time varies a lot from one key
to the next; the table gives the median and the range of several keys.
"""

from __future__ import annotations

import statistics
import time

from sfjwt_gui.engine.keys import generate_private_key, self_signed_certificate
from sfjwt_gui.engine.keyspec import Subject

# Fewer 4096-bit keys: each takes around a second on a small machine.
RUNS_PER_SIZE = {2048: 9, 3072: 7, 4096: 5}


def _one_key_and_certificate(bits: int) -> float:
    started = time.perf_counter()
    key = generate_private_key(bits)
    self_signed_certificate(key, Subject(common_name="sfjwt benchmark"))
    return time.perf_counter() - started


def run() -> list[tuple[str, str, str]]:
    rows = []
    for bits, runs in RUNS_PER_SIZE.items():
        samples = [_one_key_and_certificate(bits) * 1000 for _ in range(runs)]
        rows.append(
            (
                f"RSA {bits} + certificate",
                f"{statistics.median(samples):.0f} ms",
                f"median of {runs}, range {min(samples):.0f}-{max(samples):.0f} ms",
            )
        )
    return rows
