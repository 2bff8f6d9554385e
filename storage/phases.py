"""A project's phase (準備 / 設計 / 開発 / テスト / 運用), stored as a code in Project.phase."""

from __future__ import annotations

from sqlmodel import Session

from storage.models import Project, utcnow

PHASES = ("prepare", "design", "build", "test", "operate")  # in order; worded by the catalog's `phase.<code>`
OPERATE = "operate"  # after launch (運用): the stand-up rhythm of `operation.standup`, the monthly 振り返り


def in_operation(project: Project) -> bool:
    """Whether the project is live (運用): what the stand-up and 振り返り jobs follow."""
    return project.phase == OPERATE


def set_phase(session: Session, project: Project, phase: str) -> bool:
    """Move the project to `phase` (a code of PHASES); False, changing nothing, when it is already there."""
    if phase not in PHASES:
        raise ValueError(f"unknown phase {phase!r}")
    if project.phase == phase:
        return False
    project.phase, project.phase_changed_at = phase, utcnow()
    session.add(project)
    session.commit()
    session.refresh(project)
    return True
