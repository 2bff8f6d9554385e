"""The leads channel's board (commands/board.py): where it lives. Its content is read from storage.requirements
(`requirements_table`) and storage.hearings (`latest_summary`)."""

from __future__ import annotations

from sqlmodel import Session

from storage.models import Project

NO_CANVAS = "-"  # Project.canvas_id when the workspace refused a canvas: the pinned message is the board


def record_canvas(session: Session, project: Project, canvas_id: str | None) -> None:
    """Keep the leads channel's canvas id (NO_CANVAS: refused, None: to be made)."""
    project.canvas_id = canvas_id
    session.add(project)
    session.commit()
