"""The job kinds, one module each (its job specs, its body, its rules), and the registry that lists them.

Adding a kind is one module plus one line: write `reminders/jobs/<name>.py` exposing `KIND`, `specs`, `run`,
`still_useful` and `describe` (the `JobKind` protocol of `reminders/jobs/base.py`), and add `<name>` to MODULES.
`derive_jobs` then lists its jobs, `reminders.firing.fire` runs them exactly once (`renkei jobs run`, the scheduler,
the console's clock), `catch_up` applies its `still_useful` and `renkei jobs list` shows its `describe`.
"""

from __future__ import annotations

from importlib import import_module

from reminders.calendar import BusinessCalendar, calendar_for
from reminders.jobs.base import JobKind, JobSpec
from storage.models import Meeting
from storage.projectfile import ProjectFile

# The order is each project's order in `renkei jobs list`.
MODULES = (
    "standup",
    "standup_remind",
    "meeting",
    "digest",
    "report",
    "aging",
)

KINDS: dict[str, JobKind] = {}


def register(kind: JobKind) -> JobKind:
    """Make a kind module known (by its KIND) to derive_jobs, fire, catch_up and describe."""
    KINDS[kind.KIND] = kind
    return kind


for _name in MODULES:
    register(import_module(f"{__name__}.{_name}"))  # a module is a JobKind


def derive_jobs(project_file: ProjectFile, meetings: list[Meeting], project_slugs: dict[int, str],
                calendar: BusinessCalendar | None = None) -> list[JobSpec]:
    """Every job of every project, kind by kind (derived, never stored): each project's jobs in MODULES order."""
    calendar = calendar or calendar_for(project_file)
    specs: list[JobSpec] = []
    for project in project_file.projects:
        own = [m for m in meetings if project_slugs.get(m.project_id) == project.slug and not m.cancelled]
        for kind in KINDS.values():
            specs += kind.specs(project_file, project, own, calendar)
    return specs
