"""Run every benchmark and print one table per area: `python -m tests.benchmarks`."""

from __future__ import annotations

import sys

from . import bench_faults, bench_gui, bench_keys, bench_login, bench_scale
from .common import machine_line, print_table


def main() -> int:
    sys.stdout.write(f"sfjwt-gui benchmarks on {machine_line()}\n")
    print_table("Command line login against the demo org (medians)", bench_login.run())
    print_table("Key generation (engine, in process)", bench_keys.run())
    print_table(
        "Window cold start to first paint (medians; ratios: median of each turn's)",
        bench_gui.cold_start(25),
    )
    print_table("Window at work (medians of 3 runs)", bench_gui.probe(3))
    print_table(
        "Window during network faults (median stall of 3 runs)",
        bench_faults.run(3),
    )
    print_table("A thousand profiles, ten thousand tests", bench_scale.run())
    return 0


if __name__ == "__main__":
    sys.exit(main())
