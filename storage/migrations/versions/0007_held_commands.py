"""heldcommand: a command waiting for its user to choose a department (the 部署 buttons)

Revision ID: 0007
Revises: 0006
Create Date: 2026-12-03
"""

from typing import Sequence, Union

import sqlalchemy as sa
import sqlmodel
from alembic import op

revision: str = "0007"
down_revision: Union[str, None] = "0006"
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None


def upgrade() -> None:
    op.create_table(
        "heldcommand",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("user_id", sqlmodel.sql.sqltypes.AutoString(length=32), nullable=False),
        sa.Column("command", sqlmodel.sql.sqltypes.AutoString(length=32), nullable=False),
        sa.Column("text", sa.Text(), nullable=False),
        sa.Column("created_at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("heldcommand", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_heldcommand_created_at"), ["created_at"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("heldcommand", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_heldcommand_created_at"))

    op.drop_table("heldcommand")
