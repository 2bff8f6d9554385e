"""person: Slack users' names cached from users.info; win.department_id may be empty (a win the leads share)

Revision ID: 0006
Revises: 0005
Create Date: 2026-12-02
"""

from typing import Sequence, Union

import sqlalchemy as sa
import sqlmodel
from alembic import op

revision: str = "0006"
down_revision: Union[str, None] = "0005"
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None


def upgrade() -> None:
    op.create_table(
        "person",
        sa.Column("user_id", sqlmodel.sql.sqltypes.AutoString(length=32), nullable=False),
        sa.Column("name", sqlmodel.sql.sqltypes.AutoString(length=200), nullable=False),
        sa.Column("deleted", sa.Boolean(), nullable=False),
        sa.Column("fetched_at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
        sa.PrimaryKeyConstraint("user_id"),
    )
    with op.batch_alter_table("win", schema=None) as batch_op:
        batch_op.alter_column("department_id", existing_type=sa.Integer(), nullable=True)


def downgrade() -> None:
    op.execute("DELETE FROM win WHERE department_id IS NULL")
    with op.batch_alter_table("win", schema=None) as batch_op:
        batch_op.alter_column("department_id", existing_type=sa.Integer(), nullable=False)
    op.drop_table("person")
