"""The job kinds, one module each (its job specs, its body, its rules), and the registry that finds them.

Adding a kind is one module and nothing else here: write `reminders/jobs/<name>.py` exposing `KIND`, `ORDER`, `specs`,
`run`, `still_useful` and `describe` (the `JobKind` protocol of `reminders/jobs/base.py`). `discover` finds every
module of this package that exposes `KIND` (pkgutil) and lists them by `ORDER`: a project's jobs are listed and
derived in that order (standup 10, standup-remind 20, meeting 30, digest 40, report 50, aging 60; leave gaps).
`derive_jobs` then lists its jobs, `reminders.firing.fire` runs them exactly once (`renkei jobs run`, the scheduler,
the console's clock), `catch_up` applies its `still_useful` and `renkei jobs list` shows its `describe`. Its catalog
lines (`jobs.what_<kind>`, `jobs.reason.<reason>`) are in bot/locales/.
"""

from __future__ import annotations

import pkgutil
from importlib import import_module
from types import ModuleType

from reminders.calendar import BusinessCalendar, calendar_for
from reminders.jobs.base import JobKind, JobSpec
from storage.models import Meeting, UatSession
from storage.projectfile import ProjectFile


def package_modules() -> list[ModuleType]:
    """Every module of this package (pkgutil), imported: the kinds, and helpers such as `base` that expose no KIND."""
    return [import_module(f"{__name__}.{info.name}") for info in pkgutil.iter_modules(__path__)]


def discover() -> dict[str, JobKind]:
    """The kinds by KIND, in ORDER: the package's modules exposing KIND (a module is a JobKind).

    A kind without ORDER, and two modules with the same KIND or the same ORDER, are errors: the order of a project's
    jobs must not depend on file names.
    """
    kinds = [module for module in package_modules() if hasattr(module, "KIND")]
    for module in kinds:
        if not isinstance(getattr(module, "ORDER", None), int):
            raise TypeError(f"{module.__name__} (kind {module.KIND!r}) needs ORDER, an int: where its jobs are listed")
    found: dict[str, JobKind] = {}
    orders: dict[int, str] = {}
    for module in sorted(kinds, key=lambda m: m.ORDER):
        if module.KIND in found:
            raise ValueError(f"{module.__name__}: kind {module.KIND!r} is another module's too")
        if module.ORDER in orders:
            raise ValueError(f"{module.__name__}: ORDER {module.ORDER} is kind {orders[module.ORDER]!r}'s too")
        found[module.KIND], orders[module.ORDER] = module, module.KIND
    return found


KINDS: dict[str, JobKind] = discover()


def derive_jobs(
    project_file: ProjectFile,
    meetings: list[Meeting],
    project_slugs: dict[int, str],
    calendar: BusinessCalendar | None = None,
    uat_sessions: list[UatSession] | None = None,
) -> list[JobSpec]:
    """Every job of every project, kind by kind (derived, never stored): each project's jobs in the kinds' ORDER.

    A kind whose jobs come from stored design reviews and acceptance tests (/uat) also exposes `session_specs`, given
    the project's sessions not cancelled (reminders/jobs/uat.py).
    """
    calendar = calendar or calendar_for(project_file)
    specs: list[JobSpec] = []
    for project in project_file.projects:
        own = [m for m in meetings if project_slugs.get(m.project_id) == project.slug and not m.cancelled]
        sessions = [s for s in uat_sessions or [] if project_slugs.get(s.project_id) == project.slug and not s.cancelled]
        for kind in KINDS.values():
            specs += kind.specs(project_file, project, own, calendar)
            from_sessions = getattr(kind, "session_specs", None)
            if from_sessions is not None:
                specs += from_sessions(project_file, project, sessions, calendar)
    return specs
