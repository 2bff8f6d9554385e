"""meeting.created_at: when a meeting was stored, so a person's /meeting add is held to the rate of storage/limits.py

Meetings stored before keep NULL: they are no one's recent meetings, and the rate never counts them.

Revision ID: 0014
Revises: 0013
Create Date: 2026-12-08
"""

from typing import Sequence, Union

import sqlalchemy as sa
import sqlmodel
from alembic import op

revision: str = "0014"
down_revision: Union[str, None] = "0013"
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None


def upgrade() -> None:
    with op.batch_alter_table("meeting", schema=None) as batch_op:
        batch_op.add_column(sa.Column("created_at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("meeting", schema=None) as batch_op:
        batch_op.drop_column("created_at")
