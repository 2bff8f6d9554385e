"""`renkei …` with every thread it starts under cProfile (wall time); the stats go to a file when it is ended.

    RENKEI_BENCH_PROFILE=out.prof python benchmarks/_profiled.py serve --http --port N

Used by `bench_ack.py --profile` only. The main thread (start-up: imports, migrations) is not profiled; each thread
started afterwards (waitress's workers, Bolt's listener executor, the scheduler) gets a profiler of its own as it
starts, and on SIGTERM their stats are merged into RENKEI_BENCH_PROFILE (pstats format).
"""

from __future__ import annotations

import cProfile
import marshal
import os
import signal
import sys
import threading
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

PROFILES: list[cProfile.Profile] = []
LOCK = threading.Lock()


def _profile_this_thread(*_: Any) -> None:
    """threading.setprofile's hook: runs at a new thread's first event and puts cProfile in its place."""
    profile = cProfile.Profile()
    with LOCK:
        PROFILES.append(profile)
    profile.enable()


def _write_and_exit(*_: Any) -> None:
    merged: dict[Any, Any] = {}
    with LOCK:
        profiles = list(PROFILES)
    for profile in profiles:
        profile.snapshot_stats()  # the calls finished so far; threads still inside a call keep running
        for function, (cc, nc, tt, ct, callers) in profile.stats.items():
            if function in merged:
                cc0, nc0, tt0, ct0, callers0 = merged[function]
                for caller, counts in callers.items():
                    old = callers0.get(caller)
                    callers0[caller] = counts if old is None else tuple(a + b for a, b in zip(old, counts))
                merged[function] = (cc0 + cc, nc0 + nc, tt0 + tt, ct0 + ct, callers0)
            else:
                merged[function] = (cc, nc, tt, ct, dict(callers))
    with open(os.environ["RENKEI_BENCH_PROFILE"], "wb") as out:
        marshal.dump(merged, out)
    os._exit(0)


def main() -> None:
    from bot.cli import main as renkei

    threading.setprofile(_profile_this_thread)
    signal.signal(signal.SIGTERM, _write_and_exit)
    sys.argv = ["renkei", *sys.argv[1:]]
    renkei()


if __name__ == "__main__":
    main()
