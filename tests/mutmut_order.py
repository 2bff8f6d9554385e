"""A pytest plugin for mutation testing only (pyproject.toml [tool.mutmut] loads it with `-p tests.mutmut_order`).

mutmut runs, for each mutant, the tests that reach its function and stops at the first failure; it hands them over
in no particular order. Run the likeliest and cheapest killers first: the tests written against surviving mutants
and the named rules (tests/test_mutants_*.py, tests/test_rules_*.py), then tests that need no database, then the
rest, each group fastest first (the call times mutmut recorded in mutants/mutmut-stats.json). The order changes which
test fails first, never a verdict.

A kill by timing is no kill: when every failure of a run is a wait that ran out ("timed out waiting for the
follow-up") or a busy database (「データベースが混み合っている」, "database is locked"), the run exits with TIMING_EXIT
instead of 1, and scripts/mutation reports the mutant apart, to be looked at, not counted as killed.
"""

from __future__ import annotations

import json
from pathlib import Path


def _durations() -> dict[str, float]:
    try:
        return json.loads(Path("mutmut-stats.json").read_text())["duration_by_test"]  # mutmut runs in mutants/
    except (OSError, ValueError, KeyError):
        return {}


TIMING_EXIT = 42  # scripts/mutation reads it as "timing"
TIMING_SIGNS = ("timed out waiting", "混み合っている", "database is locked", "TimeoutError", "Timeout >")
_failures: list[str] = []


def pytest_runtest_logreport(report) -> None:
    if report.failed:
        _failures.append(str(report.longrepr))


def pytest_sessionfinish(session, exitstatus) -> None:
    """Every failure a timing sign (no assertion about an outcome failed): exit TIMING_EXIT."""
    if _failures and all(any(sign in text for sign in TIMING_SIGNS) for text in _failures):
        session.exitstatus = TIMING_EXIT


def pytest_collection_modifyitems(items) -> None:
    durations = _durations()
    items.sort(
        key=lambda item: (
            not item.path.name.startswith(("test_mutants_", "test_rules_")),
            "database_url" in item.fixturenames,
            durations.get(item.nodeid, 0.0),
        )
    )
