"""Small wins (小さな成功): stored once, shared with every department."""

from __future__ import annotations

from sqlmodel import Session, col, select

from storage.models import Win, utcnow


def create_win(*, session: Session, project_id: int, department_id: int | None, reporter_id: str, text: str) -> Win:
    """Store a win for the reporter's department (None: the project's leads share it)."""
    win = Win(project_id=project_id, department_id=department_id, reporter_id=reporter_id, text=text, created_at=utcnow())
    session.add(win)
    session.commit()
    return win


def recent_wins(session: Session, project_ids: set[int], limit: int = 10) -> list[Win]:
    """The latest wins of the projects, newest first."""
    return list(session.exec(select(Win).where(col(Win.project_id).in_(project_ids)).order_by(col(Win.id).desc()).limit(limit)))
