"""hearing: the day answers are asked for by (`/hearing start <題名> 締切:<日付>`)

Revision ID: 0010
Revises: 0009
Create Date: 2026-12-07
"""

from typing import Sequence, Union

import sqlalchemy as sa
from alembic import op

revision: str = "0010"
down_revision: Union[str, None] = "0009"
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None


def upgrade() -> None:
    with op.batch_alter_table("hearing", schema=None) as batch_op:
        batch_op.add_column(sa.Column("deadline", sa.Date(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("hearing", schema=None) as batch_op:
        batch_op.drop_column("deadline")
