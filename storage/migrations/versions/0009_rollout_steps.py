"""the rollout's steps: hearings, requirements, reviews and tests, phase, retrospectives

Revision ID: 0009
Revises: 0008
Create Date: 2026-11-26
"""

from typing import Sequence, Union

import sqlalchemy as sa
import sqlmodel
from alembic import op

revision: str = "0009"
down_revision: Union[str, None] = "0008"
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None


def upgrade() -> None:
    op.create_table(
        "hearing",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("project_id", sa.Integer(), nullable=False),
        sa.Column("title", sqlmodel.sql.sqltypes.AutoString(length=200), nullable=False),
        sa.Column("questions", sa.Text(), nullable=False),
        sa.Column("status", sqlmodel.sql.sqltypes.AutoString(length=20), nullable=False),
        sa.Column("started_by", sqlmodel.sql.sqltypes.AutoString(length=32), nullable=False),
        sa.Column("created_at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
        sa.Column("closed_by", sqlmodel.sql.sqltypes.AutoString(length=32), nullable=True),
        sa.Column("closed_at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=True),
        sa.ForeignKeyConstraint(
            ["project_id"],
            ["project.id"],
        ),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("hearing", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_hearing_project_id"), ["project_id"], unique=False)

    op.create_table(
        "requirement",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("project_id", sa.Integer(), nullable=False),
        sa.Column("department_id", sa.Integer(), nullable=True),
        sa.Column("text", sa.Text(), nullable=False),
        sa.Column("effect", sa.Text(), nullable=False),
        sa.Column("status", sqlmodel.sql.sqltypes.AutoString(length=20), nullable=False),
        sa.Column("reason", sa.Text(), nullable=True),
        sa.Column("proposed_by", sqlmodel.sql.sqltypes.AutoString(length=32), nullable=False),
        sa.Column("decided_by", sqlmodel.sql.sqltypes.AutoString(length=32), nullable=True),
        sa.Column("decided_at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=True),
        sa.Column("created_at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
        sa.Column("updated_at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["department_id"],
            ["department.id"],
        ),
        sa.ForeignKeyConstraint(
            ["project_id"],
            ["project.id"],
        ),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("requirement", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_requirement_project_id"), ["project_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_requirement_status"), ["status"], unique=False)

    op.create_table(
        "retrospective",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("project_id", sa.Integer(), nullable=False),
        sa.Column("department_id", sa.Integer(), nullable=False),
        sa.Column("user_id", sqlmodel.sql.sqltypes.AutoString(length=32), nullable=False),
        sa.Column("month", sa.Date(), nullable=False),
        sa.Column("answers", sa.Text(), nullable=False),
        sa.Column("created_at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
        sa.Column("updated_at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["department_id"],
            ["department.id"],
        ),
        sa.ForeignKeyConstraint(
            ["project_id"],
            ["project.id"],
        ),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("project_id", "department_id", "user_id", "month"),
    )
    with op.batch_alter_table("retrospective", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_retrospective_month"), ["month"], unique=False)
        batch_op.create_index(batch_op.f("ix_retrospective_project_id"), ["project_id"], unique=False)

    op.create_table(
        "uatsession",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("project_id", sa.Integer(), nullable=False),
        sa.Column("title", sqlmodel.sql.sqltypes.AutoString(length=200), nullable=False),
        sa.Column("kind", sqlmodel.sql.sqltypes.AutoString(length=20), nullable=False),
        sa.Column("starts_at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
        sa.Column("place", sqlmodel.sql.sqltypes.AutoString(length=300), nullable=True),
        sa.Column("created_by", sqlmodel.sql.sqltypes.AutoString(length=32), nullable=False),
        sa.Column("cancelled", sa.Boolean(), nullable=False),
        sa.Column("created_at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["project_id"],
            ["project.id"],
        ),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("uatsession", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_uatsession_project_id"), ["project_id"], unique=False)

    op.create_table(
        "hearinganswer",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("hearing_id", sa.Integer(), nullable=False),
        sa.Column("department_id", sa.Integer(), nullable=False),
        sa.Column("user_id", sqlmodel.sql.sqltypes.AutoString(length=32), nullable=False),
        sa.Column("answers", sa.Text(), nullable=False),
        sa.Column("created_at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
        sa.Column("updated_at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["department_id"],
            ["department.id"],
        ),
        sa.ForeignKeyConstraint(
            ["hearing_id"],
            ["hearing.id"],
        ),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("hearing_id", "department_id", "user_id"),
    )
    with op.batch_alter_table("hearinganswer", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_hearinganswer_hearing_id"), ["hearing_id"], unique=False)

    op.create_table(
        "requirementrating",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("requirement_id", sa.Integer(), nullable=False),
        sa.Column("department_id", sa.Integer(), nullable=False),
        sa.Column("rating", sqlmodel.sql.sqltypes.AutoString(length=20), nullable=False),
        sa.Column("user_id", sqlmodel.sql.sqltypes.AutoString(length=32), nullable=False),
        sa.Column("updated_at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["department_id"],
            ["department.id"],
        ),
        sa.ForeignKeyConstraint(
            ["requirement_id"],
            ["requirement.id"],
        ),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("requirement_id", "department_id"),
    )
    with op.batch_alter_table("requirementrating", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_requirementrating_requirement_id"), ["requirement_id"], unique=False)

    op.create_table(
        "uatsignup",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("session_id", sa.Integer(), nullable=False),
        sa.Column("department_id", sa.Integer(), nullable=False),
        sa.Column("user_id", sqlmodel.sql.sqltypes.AutoString(length=32), nullable=False),
        sa.Column("attendees", sa.Text(), nullable=False),
        sa.Column("created_at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["department_id"],
            ["department.id"],
        ),
        sa.ForeignKeyConstraint(
            ["session_id"],
            ["uatsession.id"],
        ),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("session_id", "department_id"),
    )
    with op.batch_alter_table("uatsignup", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_uatsignup_session_id"), ["session_id"], unique=False)

    op.create_table(
        "uatresult",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("session_id", sa.Integer(), nullable=False),
        sa.Column("department_id", sa.Integer(), nullable=False),
        sa.Column("user_id", sqlmodel.sql.sqltypes.AutoString(length=32), nullable=False),
        sa.Column("outcome", sqlmodel.sql.sqltypes.AutoString(length=20), nullable=False),
        sa.Column("note", sa.Text(), nullable=False),
        sa.Column("requirement_id", sa.Integer(), nullable=True),
        sa.Column("issue_id", sa.Integer(), nullable=True),
        sa.Column("created_at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["department_id"],
            ["department.id"],
        ),
        sa.ForeignKeyConstraint(
            ["issue_id"],
            ["issue.id"],
        ),
        sa.ForeignKeyConstraint(
            ["requirement_id"],
            ["requirement.id"],
        ),
        sa.ForeignKeyConstraint(
            ["session_id"],
            ["uatsession.id"],
        ),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("uatresult", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_uatresult_session_id"), ["session_id"], unique=False)

    with op.batch_alter_table("issue", schema=None) as batch_op:
        batch_op.add_column(sa.Column("uat_session_id", sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column("requirement_id", sa.Integer(), nullable=True))
        batch_op.create_foreign_key("fk_issue_uat_session_id_uatsession", "uatsession", ["uat_session_id"], ["id"])
        batch_op.create_foreign_key("fk_issue_requirement_id_requirement", "requirement", ["requirement_id"], ["id"])

    with op.batch_alter_table("project", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("phase", sqlmodel.sql.sqltypes.AutoString(length=20), nullable=False, server_default="prepare")
        )
        batch_op.add_column(sa.Column("phase_changed_at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=True))
        batch_op.add_column(sa.Column("canvas_id", sqlmodel.sql.sqltypes.AutoString(length=32), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("project", schema=None) as batch_op:
        batch_op.drop_column("canvas_id")
        batch_op.drop_column("phase_changed_at")
        batch_op.drop_column("phase")

    with op.batch_alter_table("issue", schema=None) as batch_op:
        batch_op.drop_constraint("fk_issue_requirement_id_requirement", type_="foreignkey")
        batch_op.drop_constraint("fk_issue_uat_session_id_uatsession", type_="foreignkey")
        batch_op.drop_column("requirement_id")
        batch_op.drop_column("uat_session_id")

    with op.batch_alter_table("uatresult", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_uatresult_session_id"))

    op.drop_table("uatresult")
    with op.batch_alter_table("uatsignup", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_uatsignup_session_id"))

    op.drop_table("uatsignup")
    with op.batch_alter_table("requirementrating", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_requirementrating_requirement_id"))

    op.drop_table("requirementrating")
    with op.batch_alter_table("hearinganswer", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_hearinganswer_hearing_id"))

    op.drop_table("hearinganswer")
    with op.batch_alter_table("uatsession", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_uatsession_project_id"))

    op.drop_table("uatsession")
    with op.batch_alter_table("retrospective", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_retrospective_project_id"))
        batch_op.drop_index(batch_op.f("ix_retrospective_month"))

    op.drop_table("retrospective")
    with op.batch_alter_table("requirement", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_requirement_status"))
        batch_op.drop_index(batch_op.f("ix_requirement_project_id"))

    op.drop_table("requirement")
    with op.batch_alter_table("hearing", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_hearing_project_id"))

    op.drop_table("hearing")
