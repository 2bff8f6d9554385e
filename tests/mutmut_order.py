"""A pytest plugin for mutation testing only (pyproject.toml [tool.mutmut] loads it with `-p tests.mutmut_order`).

mutmut runs, for each mutant, the tests that reach its function and stops at the first failure; it hands them over
in no particular order. Run the likeliest and cheapest killers first: the tests written against surviving mutants
(tests/test_mutants_*.py), then tests that need no database, then the rest, each group fastest first (the call
times mutmut recorded in mutants/mutmut-stats.json). The order changes which test fails first, never a verdict.
"""

from __future__ import annotations

import json
from pathlib import Path


def _durations() -> dict[str, float]:
    try:
        return json.loads(Path("mutmut-stats.json").read_text())["duration_by_test"]  # mutmut runs in mutants/
    except (OSError, ValueError, KeyError):
        return {}


def pytest_collection_modifyitems(items) -> None:
    durations = _durations()
    items.sort(
        key=lambda item: (
            not item.path.name.startswith("test_mutants_"),
            "database_url" in item.fixturenames,
            durations.get(item.nodeid, 0.0),
        )
    )
