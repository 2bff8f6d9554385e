"""The exactly-once guard for scheduled firings: one row per (job id, scheduled time)."""

from __future__ import annotations

import datetime as dt

from sqlmodel import Session, select

from storage.enums import DeliveryStatus
from storage.models import Delivery, utcnow
from storage.upsert import insert_if_absent


def claim_firing(
    session: Session, job_id: str, scheduled_at: dt.datetime, claimed_by: str, status: DeliveryStatus = DeliveryStatus.CLAIMED
) -> bool:
    """Insert the delivery row (ON CONFLICT DO NOTHING) before anything is sent; True for the one inserter."""
    values = {
        "job_id": job_id,
        "scheduled_at": scheduled_at.astimezone(dt.timezone.utc),
        "claimed_by": claimed_by,
        "status": status,
        "created_at": utcnow(),
    }
    claimed = insert_if_absent(session, Delivery, values, ["job_id", "scheduled_at"])
    session.commit()
    return claimed


def finish_firing(session: Session, job_id: str, scheduled_at: dt.datetime, status: DeliveryStatus) -> None:
    """Record how a claimed firing ended (done, or skipped on a closed day)."""
    row = firing(session, job_id, scheduled_at)
    if row is not None:
        row.status = status
        session.add(row)
        session.commit()


def firing(session: Session, job_id: str, scheduled_at: dt.datetime) -> Delivery | None:
    """The delivery row of one firing, if some process claimed it."""
    return session.exec(
        select(Delivery).where(Delivery.job_id == job_id, Delivery.scheduled_at == scheduled_at.astimezone(dt.timezone.utc))
    ).first()
