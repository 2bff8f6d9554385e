"""`renkei demo` (four weeks of the sample project) beside the fixed cost of any `renkei` start.

Run by hand (never in the test suite):

    .venv/bin/python benchmarks/bench_demo.py [--runs 3]

Baseline: `renkei db upgrade` on a fresh SQLite file (interpreter start, imports, migrations),
measured in the same run because the machine is shared and noisy. Target: the demo, digest and
workbook included, in under 30 seconds of wall time on 2 cores.
"""

from __future__ import annotations

import argparse
import os
import platform
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

RENKEI = str(Path(sys.executable).with_name("renkei"))
TARGET_SECONDS = 30.0


def timed(args: list[str], env: dict[str, str], cwd: str) -> float:
    start = time.perf_counter()
    subprocess.run([RENKEI, *args], env=env, cwd=cwd, check=True, stdout=subprocess.DEVNULL)
    return time.perf_counter() - start


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--runs", type=int, default=3)
    runs = parser.parse_args().runs
    baseline, demo = [], []
    for n in range(runs):
        with tempfile.TemporaryDirectory() as folder:
            env = {**os.environ, "DATABASE_URL": f"sqlite:///{folder}/base.db", "RENKEI_LOG_LEVEL": "WARNING"}
            baseline.append(timed(["db", "upgrade"], env, folder))
            demo.append(timed(["demo", "--out", f"{folder}/demo"], env, folder))
    print(f"machine: {platform.machine()}, {os.cpu_count()} cores, Python {platform.python_version()}")
    print(f"baseline (renkei db upgrade): median {statistics.median(baseline):.2f} s  {[round(x, 2) for x in baseline]}")
    print(f"renkei demo (4 weeks):        median {statistics.median(demo):.2f} s  {[round(x, 2) for x in demo]}")
    print(
        f"demo minus baseline: {statistics.median(demo) - statistics.median(baseline):.2f} s; "
        f"target < {TARGET_SECONDS:.0f} s: {'met' if max(demo) < TARGET_SECONDS else 'NOT met'}"
    )


if __name__ == "__main__":
    main()
