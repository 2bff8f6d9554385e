"""The exactly-once guard for scheduled firings: one row per (job id, scheduled time).

A firing is claimed (inserted, or taken back when it failed or was cut short), its body runs, and its messages are
stored in the outbox in the same transaction that marks it done; so a firing is either done with every message
stored, or can be run again.
"""

from __future__ import annotations

import datetime as dt

from sqlalchemy import and_, func, or_, update
from sqlmodel import Session, col, select

from storage.enums import DeliveryStatus
from storage.models import Delivery, as_utc, utcnow
from storage.upsert import insert_if_absent

# A claim older than this was cut short (the process died mid-run): the firing may be run again. Longer than any
# firing's body (the monthly report builds a workbook per recipient: a minute or two).
FIRING_LEASE = dt.timedelta(minutes=15)


def claim_firing(
    session: Session,
    job_id: str,
    scheduled_at: dt.datetime,
    claimed_by: str,
    status: DeliveryStatus = DeliveryStatus.CLAIMED,
    now: dt.datetime | None = None,
) -> bool:
    """Take a firing before anything is sent; True for the one process that got it.

    New firings are inserted (ON CONFLICT DO NOTHING); a failed one, or one claimed more than FIRING_LEASE ago and
    never finished, is taken back with a conditional UPDATE, which also only one process wins.
    """
    now = now or utcnow()
    scheduled_at = scheduled_at.astimezone(dt.timezone.utc)
    values = {"job_id": job_id, "scheduled_at": scheduled_at, "claimed_by": claimed_by, "status": status}
    claimed = insert_if_absent(session, Delivery, {**values, "created_at": now, "claimed_at": now}, ["job_id", "scheduled_at"])
    if not claimed and status == DeliveryStatus.CLAIMED:
        retake = (
            update(Delivery)
            .where(col(Delivery.job_id) == job_id, col(Delivery.scheduled_at) == scheduled_at)
            .where(
                or_(
                    col(Delivery.status) == DeliveryStatus.FAILED,
                    and_(
                        col(Delivery.status) == DeliveryStatus.CLAIMED,
                        func.coalesce(Delivery.claimed_at, Delivery.created_at) < now - FIRING_LEASE,
                    ),
                )
            )
            .values(claimed_by=claimed_by, claimed_at=now)
            .returning(col(Delivery.id))
        )
        claimed = session.execute(retake).first() is not None
    session.commit()
    return claimed


def finish_firing(
    session: Session, job_id: str, scheduled_at: dt.datetime, status: DeliveryStatus, *, commit: bool = True
) -> None:
    """Record how a claimed firing ended (done, or skipped on a closed day); `commit=False` joins the caller's
    transaction (the one that stores the firing's messages)."""
    session.exec(
        update(Delivery)
        .where(col(Delivery.job_id) == job_id, col(Delivery.scheduled_at) == scheduled_at.astimezone(dt.timezone.utc))
        .values(status=status, error=None)
    )
    if commit:
        session.commit()


def fail_firing(session: Session, job_id: str, scheduled_at: dt.datetime, error: str) -> None:
    """The body raised: nothing of it was stored; mark the firing failed so that it is run again."""
    session.exec(
        update(Delivery)
        .where(col(Delivery.job_id) == job_id, col(Delivery.scheduled_at) == scheduled_at.astimezone(dt.timezone.utc))
        .values(status=DeliveryStatus.FAILED, error=error[:2000])
    )
    session.commit()


def failed_firings(session: Session) -> list[Delivery]:
    """Firings whose last run failed and that no run has delivered since, oldest first (`renkei jobs list`)."""
    statement = select(Delivery).where(Delivery.status == DeliveryStatus.FAILED).order_by(col(Delivery.scheduled_at))
    return list(session.exec(statement))


def firing(session: Session, job_id: str, scheduled_at: dt.datetime) -> Delivery | None:
    """The delivery row of one firing, if some process claimed it."""
    return session.exec(
        select(Delivery).where(Delivery.job_id == job_id, Delivery.scheduled_at == scheduled_at.astimezone(dt.timezone.utc))
    ).first()


def needs_running(row: Delivery | None, now: dt.datetime | None = None) -> bool:
    """Whether a firing still has to be run: never claimed, failed, or cut short (claimed long ago, not finished)."""
    if row is None or row.status == DeliveryStatus.FAILED:
        return True
    claimed_at = as_utc(row.claimed_at or row.created_at)
    return row.status == DeliveryStatus.CLAIMED and claimed_at < (now or utcnow()) - FIRING_LEASE
