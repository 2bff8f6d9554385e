"""Commands held until their user chooses a department: what a 部署 button runs, once."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import delete
from sqlmodel import Session, col

from storage.models import HeldCommand, utcnow

KEEP_FOR = dt.timedelta(days=1)  # an unanswered choice is forgotten after a day


def hold_command(session: Session, *, user_id: str, command: str, text: str) -> int:
    """Keep `command text` for the user until they choose a department; its id goes in the buttons.
    Choices older than KEEP_FOR are forgotten on the way."""
    session.exec(delete(HeldCommand).where(col(HeldCommand.created_at) < utcnow() - KEEP_FOR))
    held = HeldCommand(user_id=user_id, command=command, text=text)
    session.add(held)
    session.commit()
    session.refresh(held)
    assert held.id is not None, "a stored row has an id"
    return held.id


def take_held_command(session: Session, held_id: int, user_id: str) -> HeldCommand | None:
    """The user's held command, taken once (a second press, another user's press or a forgotten one: None)."""
    if not 0 < held_id < 2**31:
        return None
    held = session.get(HeldCommand, held_id, populate_existing=True)
    if held is None or held.user_id != user_id or held.created_at < utcnow() - KEEP_FOR:
        return None
    taken = session.exec(delete(HeldCommand).where(col(HeldCommand.id) == held_id))
    if taken.rowcount != 1:  # another press took it first
        session.rollback()
        return None
    session.commit()
    return HeldCommand(id=held.id, user_id=held.user_id, command=held.command, text=held.text, created_at=held.created_at)
