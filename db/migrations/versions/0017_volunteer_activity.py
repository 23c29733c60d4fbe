"""A volunteer's home page counts the follow-ups they closed in the last weeks: an index by who
closed them and when (the figures' indexes start with the organisation).

Revision ID: 0017
Revises: 0016
Create Date: 2026-12-02 01:30:00
"""

from alembic import op


revision = "0017"
down_revision = "0016"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_index("ix_follow_ups_completed_by", "follow_ups", ["completed_by_id", "completed_at"])


def downgrade() -> None:
    op.drop_index("ix_follow_ups_completed_by", table_name="follow_ups")
