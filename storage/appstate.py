"""The app's standing in the workspace: paused when Slack says it was uninstalled or its tokens revoked.

While paused nothing is lost: messages stay in the outbox (pending), firings are not claimed (the catch-up runs the
ones still useful once it resumes), commands cannot reach the app anyway. A start of `renkei serve` whose token
works again (a reinstall) resumes it.
"""

from __future__ import annotations

from sqlmodel import Session

from storage.models import AppState, utcnow

PAUSED = "paused"


def pause(session: Session, reason: str) -> None:
    """Record that Slack took the app's access away (`app_uninstalled`, `tokens_revoked`)."""
    row = session.get(AppState, PAUSED) or AppState(key=PAUSED)
    row.value, row.updated_at = reason[:200], utcnow()
    session.add(row)
    session.commit()


def paused(session: Session) -> str | None:
    """Why the app is paused, or None."""
    row = session.get(AppState, PAUSED)
    return row.value if row is not None else None


def resume(session: Session) -> bool:
    """The token works again: sending and jobs resume. True when the app was paused."""
    row = session.get(AppState, PAUSED)
    if row is None:
        return False
    session.delete(row)
    session.commit()
    return True
