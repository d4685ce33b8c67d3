"""Helpers shared by the benchmarks: timing whole processes, printing tables."""

from __future__ import annotations

import os
import platform
import statistics
import subprocess
import sys
import time
from collections.abc import Callable, Sequence


def time_process(argv: Sequence[str], *, env: dict[str, str] | None = None) -> float:
    """Wall-clock seconds for one run of a command, which must succeed."""
    started = time.perf_counter()
    subprocess.run(
        list(argv),
        check=True,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        env={**os.environ, **(env or {})},
    )
    return time.perf_counter() - started


def interleaved_samples(
    runs: int, candidates: dict[str, Callable[[], float]]
) -> dict[str, list[float]]:
    """Each candidate's figures, run in turns so drift hits all of them alike."""
    samples: dict[str, list[float]] = {name: [] for name in candidates}
    for _ in range(runs):
        for name, measure in candidates.items():
            samples[name].append(measure())
    return samples


def median_interleaved(
    runs: int, candidates: dict[str, Callable[[], float]]
) -> dict[str, float]:
    """Median of each candidate, run in turns so drift hits all of them alike."""
    samples = interleaved_samples(runs, candidates)
    return {name: statistics.median(values) for name, values in samples.items()}


def median_paired_ratio(measured: Sequence[float], base: Sequence[float]) -> float:
    """The median of the ratios of figures taken in the same turn.

    On a machine whose speed drifts (a shared VM), a slow spell slows both
    figures of a turn alike, so it moves their ratio less than it moves the
    ratio of two medians.
    """
    return statistics.median(m / b for m, b in zip(measured, base, strict=True))


def median_and_worst(values: Sequence[float], unit: str, digits: int = 1) -> str:
    """'median 6.1 ms (worst 8.0)': the usual run, and how bad the worst one was."""
    median = statistics.median(values)
    return f"median {median:.{digits}f} {unit} (worst {max(values):.{digits}f})"


def machine_line() -> str:
    cpus = os.cpu_count() or 0
    return (
        f"{platform.system()} {platform.machine()}, {cpus} CPUs, "
        f"Python {platform.python_version()}"
    )


def print_table(title: str, rows: list[tuple[str, str, str]]) -> None:
    """Rows of (measure, figure, goal)."""
    width = max(len(row[0]) for row in rows)
    value_width = max(len(row[1]) for row in rows)
    sys.stdout.write(f"\n{title}\n")
    for measure, figure, goal in rows:
        sys.stdout.write(
            f"  {measure.ljust(width)}  {figure.rjust(value_width)}  {goal}\n"
        )
    sys.stdout.flush()
