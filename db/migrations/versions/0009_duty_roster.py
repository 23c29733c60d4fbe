"""The on-duty roster: weekly slots per volunteer

Revision ID: 0009
Revises: 0008
Create Date: 2026-12-01 11:06:34.811853
"""

from alembic import op
import sqlalchemy as sa
import db.models.base


revision = "0009"
down_revision = "0008"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "duty_slots",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("weekday", sa.Integer(), nullable=False),
        sa.Column("starts_at", sa.Time(), nullable=False),
        sa.Column("ends_at", sa.Time(), nullable=False),
        sa.ForeignKeyConstraint(
            ["user_id"], ["users.id"], name=op.f("fk_duty_slots_user_id_users"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_duty_slots")),
    )
    with op.batch_alter_table("duty_slots", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_duty_slots_user_id"), ["user_id"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("duty_slots", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_duty_slots_user_id"))

    op.drop_table("duty_slots")
