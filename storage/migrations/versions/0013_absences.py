"""absence: a person's days off (休暇・不在), first to last day: no stand-up reminder, not counted as missing

Revision ID: 0013
Revises: 0012
Create Date: 2026-12-08
"""

from typing import Sequence, Union

import sqlalchemy as sa
import sqlmodel
from alembic import op

revision: str = "0013"
down_revision: Union[str, None] = "0012"
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None


def upgrade() -> None:
    op.create_table(
        "absence",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("user_id", sqlmodel.sql.sqltypes.AutoString(length=32), nullable=False),
        sa.Column("first_day", sa.Date(), nullable=False),
        sa.Column("last_day", sa.Date(), nullable=False),
        sa.Column("created_at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("absence", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_absence_user_id"), ["user_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_absence_first_day"), ["first_day"], unique=False)
        batch_op.create_index(batch_op.f("ix_absence_last_day"), ["last_day"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("absence", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_absence_last_day"))
        batch_op.drop_index(batch_op.f("ix_absence_first_day"))
        batch_op.drop_index(batch_op.f("ix_absence_user_id"))
    op.drop_table("absence")
