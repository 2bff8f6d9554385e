"""meetings: who takes part (department ids) and whether a meeting added with /meeting is a regular one (定例)

Meetings stored before keep reaching every department (participants NULL), as they did; none becomes regular
(renkei.yml's meetings are regular whatever the column says: storage.meetings.is_regular).

Revision ID: 0012
Revises: 0011
Create Date: 2026-12-08
"""

from typing import Sequence, Union

import sqlalchemy as sa
from alembic import op

revision: str = "0012"
down_revision: Union[str, None] = "0011"
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None


def upgrade() -> None:
    with op.batch_alter_table("meeting", schema=None) as batch_op:
        batch_op.add_column(sa.Column("regular", sa.Boolean(), nullable=False, server_default=sa.false()))
        batch_op.add_column(sa.Column("participants", sa.Text(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("meeting", schema=None) as batch_op:
        batch_op.drop_column("participants")
        batch_op.drop_column("regular")
